package server

import (
	"context"
	"fmt"
	"net/url"

	"renraku/internal/audit"
	"renraku/internal/board"
	"renraku/internal/domain"
	"renraku/internal/store"
)

// The route matrix of the bulletin board (beppu §8 (2), fukuoka §14 (2)) and the
// notifications: operations and rows, added to mxOps and mxRows.

func (w *mxWorld) board() *board.Service {
	return board.New(w.s.DB, audit.New(w.s.Keys, w.s.Clock), w.s.Clock)
}

// prepBoardPost: a fresh notice by the network's approval-role operator, for
// everyone ("all"), for organizations' admins only ("admins"), or withdrawn
// ("withdrawn").
func prepBoardPost(c *mxCase) {
	in := board.Input{Kind: "notice", Title: "操作説明会のお知らせ", Body: "説明会を開きます。"}
	if c.rel == "admins" {
		in.Roles = []string{string(domain.RoleAdmin)}
	}
	op := c.w.actor(c.n, c.n.op)
	p, err := c.w.board().Create(mxCtx(), op, in)
	c.w.fatal(err, "board post")
	if c.rel == "withdrawn" {
		c.w.fatal(c.w.board().Withdraw(mxCtx(), op, p.ID, "誤掲載"), "withdraw post")
	}
	c.v["id"] = p.ID
}

// prepNotification: a notification of the actor's own ("own"; staff A's for
// those of no account here) or of staff B ("other").
func prepNotification(c *mxCase) {
	owner := c.n.actors[kStaffA].userID
	if c.actor != nil && c.kind != kSuspended && c.kind != kOtherNet {
		owner = c.actor.userID
	}
	if c.rel == "other" {
		owner = c.n.actors[kStaffB].userID
		if c.kind == kStaffB {
			owner = c.n.actors[kStaffA].userID
		}
	}
	id := domain.NewID()
	err := c.w.s.DB.Transact(context.Background(), func(tx store.Tx) error {
		return tx.CreateNotifications(context.Background(), []*domain.Notification{{NetworkID: c.n.id, ID: id, UserID: owner,
			Kind: "board.post", Link: "/n/" + c.n.id + "/home", CreatedAt: c.w.s.Clock.Now()}})
	})
	c.w.fatal(err, "notification")
	c.v["id"] = id
}

func boardForm(c *mxCase) mxRequest {
	return mxRequest{form: url.Values{"kind": {"notice"}, "title": {fmt.Sprintf("お知らせ %d", c.w.seq.Add(1))}, "body": {"本文です。"}}}
}

func boardBody(c *mxCase) mxRequest {
	return mxRequest{body: map[string]any{"kind": "notice", "title": fmt.Sprintf("お知らせ %d", c.w.seq.Add(1)), "body": "本文です。"}}
}

func init() {
	mxOps["board"] = mxOp{routes: []string{"GET /n/{net}/board", "GET /api/v1/board"}, web: none, api: none}
	mxOps["board.compose"] = mxOp{routes: []string{"GET /n/{net}/board/new"}, web: none}
	mxOps["board.post"] = mxOp{routes: []string{"POST /n/{net}/board", "POST /api/v1/board"}, web: boardForm, api: boardBody}
	mxOps["board.show"] = mxOp{routes: []string{"GET /n/{net}/board/{id}", "GET /api/v1/board/{id}"}, prep: prepBoardPost,
		web: none, api: none}
	mxOps["board.edit"] = mxOp{routes: []string{"GET /n/{net}/board/{id}/edit", "POST /n/{net}/board/{id}/edit",
		"PUT /api/v1/board/{id}", "GET /api/v1/board/{id}/reads"}, prep: prepBoardPost, web: boardForm, api: boardBody}
	mxOps["board.withdraw"] = mxOp{routes: []string{"POST /n/{net}/board/{id}/withdraw", "POST /api/v1/board/{id}/withdraw"},
		prep: prepBoardPost, web: form("reason", "誤掲載"), api: jsonBody(map[string]string{"reason": "誤掲載"})}
	mxOps["notifications"] = mxOp{routes: []string{"GET /n/{net}/notifications", "GET /api/v1/notifications"}, web: none, api: none}
	mxOps["notifications.read"] = mxOp{routes: []string{"POST /n/{net}/notifications/read", "POST /api/v1/notifications/read"},
		web: form(), api: jsonBody(map[string]bool{"all": true})}
	mxOps["notification.open"] = mxOp{routes: []string{"GET /n/{net}/notifications/{id}"}, prep: prepNotification, web: none}
	// Without a relay (the matrix's server has none) e-mail can be turned off only.
	mxOps["notify.settings"] = mxOp{routes: []string{"POST /n/{net}/account/notifications", "GET /api/v1/me/notification-settings",
		"PUT /api/v1/me/notification-settings"}, web: form("email", "off"), api: jsonBody(map[string]bool{"email": false})}

	add := func(op, net, rel, allow string) { mxRows = append(mxRows, mxRow{op, net, rel, allow}) }
	// Who posts notices: beppu §5, §6-2 (2)(3), §7-3 (5): the three operator roles;
	// fukuoka §5, §6-2 (2)(3), §7-3 (5): the same three, not the システム管理者 (§8)
	// nor the auditor (§35); katori §29, §35-3 and joso §5-4 (3): the city and the
	// contracted vendor.
	const fJ, fK, fM = "op:jigyo_sekininsha", "op:unei_kanri_sekininsha", "op:unei_jimukyoku"
	posters := map[string]string{"beppu": "ops", "katori": "ops vendor", "joso": "ops vendor", "fukuoka": fJ + " " + fK + " " + fM}
	for _, n := range []string{"beppu", "katori", "joso", "fukuoka"} {
		p := posters[n]
		// beppu §8 (2), fukuoka §14 (2): every user reads the board, and their own
		// notifications.
		add("board", n, "", "net")
		add("board.compose", n, "", p)
		add("board.post", n, "", p)
		add("board.show", n, "all", "net")
		add("board.show", n, "admins", p+" adminA adminB")
		add("board.show", n, "withdrawn", p)
		add("board.edit", n, "all", p)
		add("board.withdraw", n, "all", p)
		add("notifications", n, "", "net")
		add("notifications.read", n, "", "net")
		add("notification.open", n, "own", "net")
		add("notification.open", n, "other", "")
		add("notify.settings", n, "self", "net")
	}
}
