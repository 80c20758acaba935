// Package notify tells users that something new is waiting for them: an in-app
// list with an unread count in the page header, and, for users who chose it, an
// e-mail through the installation's SMTP relay.
//
// Other capabilities call Notify inside the transaction of the change they
// report, so a notification commits or rolls back with it:
//
//	err := st.Transact(ctx, func(tx store.Tx) error {
//		// ... store the entry addressed to an organization ...
//		return notify.Notify(ctx, tx, notify.To{Network: a.NetworkID, Orgs: []string{orgID},
//			Users: mentioned, Except: a.UserID, At: now}, notify.KindAddressed,
//			"/n/"+a.NetworkID+"/people/"+personID+"#entry-"+entryID)
//	})
//
// A notification is a kind and a link, never content: the list shows the kind's
// Japanese label and the time, and the linked page applies the policy when it is
// opened, so a user who has since lost access sees nothing more than that
// something happened. Only active accounts (of active organizations) are told;
// the actor (To.Except) is not told about their own action.
//
// E-mail never carries a person's data or the content either: it says only that
// something new is waiting on the network, with the network's URL. Notify owes the
// mail in an outbox row of the same transaction (one mail at a time per user,
// however many notifications arrive); the Sender, run by `renraku serve`, sends it
// afterwards and retries with backoff, so a write is never lost and a mail failure
// never fails the request.
package notify

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
)

// Kind says what happened. Kinds are lowercase dotted words; the in-app list
// shows Label(kind).
type Kind string

const (
	KindBoard       Kind = "board.post"        // a bulletin-board notice for the recipient's audience
	KindMaintenance Kind = "board.maintenance" // a planned stop announced on the board (beppu §9-3)
	KindBoardUpdate Kind = "board.update"      // a board post was changed and its audience told again
	KindAddressed   Kind = "timeline.addressed"
	KindMention     Kind = "timeline.mention"
	KindReply       Kind = "timeline.reply"
	KindUnread      Kind = "timeline.unread" // an addressed entry stays unread (the admin's alert)
	KindSupport     Kind = "support.request"
	KindSupportDone Kind = "support.answer"
	KindMessage     Kind = "message"
)

var labels = map[Kind]string{
	KindBoard:       "掲示板に新しいお知らせがあります",
	KindMaintenance: "保守・停止の予定が掲示されました",
	KindBoardUpdate: "掲示板のお知らせが更新されました",
	KindAddressed:   "あなた（あなたの組織）宛ての記録があります",
	KindMention:     "記録であなた（あなたの組織）が挙げられています",
	KindReply:       "記録に返信がありました",
	KindUnread:      "宛先の記録が未読のままです",
	KindSupport:     "支援依頼が届きました",
	KindSupportDone: "支援依頼に回答がありました",
	KindMessage:     "新しいメッセージがあります",
}

// Label is the Japanese text of a kind in the in-app list.
func Label(k Kind) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return "新しいお知らせがあります"
}

// To names who is told about one event.
type To struct {
	Network string
	Users   []string // user IDs
	Orgs    []string // organization IDs: every active user of each
	Except  string   // the actor, not told about their own action
	At      time.Time
}

var kindRe = regexp.MustCompile(`^[a-z][a-z_]*(\.[a-z_]+)*$`)

// linkRe: a path inside the network, with an optional query and fragment of
// plain characters; no "//", "..", scheme or markup.
var linkRe = regexp.MustCompile(`^/n/[a-z0-9][a-z0-9-]*/[A-Za-z0-9_\-./]*(\?[A-Za-z0-9_\-.=&%]*)?(#[A-Za-z0-9_\-]*)?$`)

// ValidLink reports whether link is a path Notify accepts for the network.
func ValidLink(net, link string) bool {
	return len(link) <= 300 && linkRe.MatchString(link) && strings.HasPrefix(link, "/n/"+net+"/") &&
		!strings.Contains(link, "//") && !strings.Contains(link, "..")
}

const chunk = 500

// Notify records an in-app notification of kind, pointing at link (a path inside
// the network, "/n/<network>/..."), for each active user among to.Users and the
// active users of to.Orgs except to.Except, and owes each of them who chose
// e-mail one "something new is waiting" mail. Call it in the transaction of the
// change it reports. It fails only on a programming error (no network or time,
// a bad kind or link) or a database error.
func Notify(ctx context.Context, tx store.Tx, to To, kind Kind, link string) error {
	if to.Network == "" || to.At.IsZero() {
		return errors.New("notify: To needs Network and At")
	}
	if len(kind) > 50 || !kindRe.MatchString(string(kind)) {
		return errors.New("notify: bad kind " + string(kind))
	}
	if !ValidLink(to.Network, link) {
		return errors.New("notify: link must be a plain path inside the network: " + link)
	}
	seen := map[string]bool{to.Except: true}
	var recipients []string
	add := func(ids []string) {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				recipients = append(recipients, id)
			}
		}
	}
	users, orgs := dedupe(to.Users), dedupe(to.Orgs)
	for len(users) > 0 || len(orgs) > 0 {
		u, o := users[:min(len(users), chunk)], orgs[:min(len(orgs), chunk)]
		users, orgs = users[len(u):], orgs[len(o):]
		ids, err := tx.ActiveUserIDs(ctx, to.Network, u, o)
		if err != nil {
			return err
		}
		add(ids)
	}
	if len(recipients) == 0 {
		return nil
	}
	at := to.At.UTC().Truncate(time.Microsecond)
	ns := make([]*domain.Notification, len(recipients))
	for i, id := range recipients {
		ns[i] = &domain.Notification{NetworkID: to.Network, ID: domain.NewID(), UserID: id, Kind: string(kind), Link: link, CreatedAt: at}
	}
	if err := tx.CreateNotifications(ctx, ns); err != nil {
		return err
	}
	return tx.QueueMail(ctx, to.Network, recipients, at)
}

func dedupe(ids []string) []string {
	seen := map[string]bool{"": true}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
