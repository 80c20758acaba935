package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// boardMalformedRoute: the board's and the notifications' routes are checked
// for malformed input by TestBoardMalformedInput (TestMalformedInput leaves them
// to it).
func boardMalformedRoute(path string) bool {
	for _, p := range []string{"/api/v1/board", "/api/v1/notifications", "/api/v1/me/notification-settings"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// boardSnapshot is snapshot plus what these routes could change: posts, read
// marks, notifications and e-mail choices.
func boardSnapshot(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	out := snapshot(t, env)
	ctx := context.Background()
	err := env.Store.Transact(ctx, func(tx store.Tx) error {
		nets, err := tx.ListNetworks(ctx)
		if err != nil {
			return err
		}
		for _, n := range nets {
			posts, _, err := tx.FindBoardPosts(ctx, n.ID, domain.BoardScope{All: true}, domain.BoardFilter{Limit: 200})
			if err != nil {
				return err
			}
			for _, p := range posts {
				reads, err := tx.FindBoardReads(ctx, n.ID, p.ID)
				if err != nil {
					return err
				}
				out = append(out, fmt.Sprintf("%s post %s %s v%d %s %q %q %t %v %v %v reads %d", n.ID, p.ID, p.Kind, p.Version, p.Status,
					p.Title, p.Body, p.Pinned, p.Audience, p.StartsAt, p.EndsAt, len(reads)))
			}
			users, err := tx.FindUsers(ctx, n.ID, domain.UserFilter{})
			if err != nil {
				return err
			}
			for _, u := range users {
				unread, err := tx.CountUnreadNotifications(ctx, n.ID, u.ID)
				if err != nil {
					return err
				}
				mail := "none"
				if m, err := tx.FindMailState(ctx, n.ID, u.ID); err == nil {
					mail = fmt.Sprintf("%t %v", m.EmailOn, m.PendingSince)
				}
				out = append(out, fmt.Sprintf("%s user %s unread %d mail %s", n.ID, u.ID, unread, mail))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBoardMalformedInput: every board and notification route with a body
// refuses empty, malformed, over-long, mistyped, invalid UTF-8, markup-carrying
// and unknown input — and a window that ends before it starts, an unknown target
// type, a stop not announced in advance (beppu §9-3) — with a 400, 413, 415 or 422
// problem naming the field, and nothing changes.
func TestBoardMalformedInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op, admin, _, _ := beppuOrg(t, env, c)
		var post struct{ ID string }
		c.do("POST", "/api/v1/board", op.Token, map[string]any{"kind": "notice", "title": "お知らせ", "body": "本文"}).ok(t, http.StatusCreated, &post)

		now := env.Clock.Now()
		rfc := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
		valid := map[string]any{"kind": "maintenance", "title": "定期保守", "body": "停止します。", "pinned": true,
			"org_types": []string{"kyotaku"}, "roles": []string{"staff"}, "occupations": []string{"care_manager"},
			"starts_at": rfc(24 * time.Hour), "ends_at": rfc(26 * time.Hour), "urgent": false}
		windowCases := func(b map[string]any) []badCase {
			return []badCase{
				{name: "end before start", body: mustJSON(with(with(b, "starts_at", rfc(26*time.Hour)), "ends_at", rfc(24*time.Hour))),
					status: 422, problem: "invalid", field: "ends_at"},
				{name: "no end", body: mustJSON(with(b, "ends_at", "")), status: 422, problem: "invalid", field: "ends_at"},
				{name: "not RFC 3339", body: mustJSON(with(b, "starts_at", "2026-12-01 09:00")), status: 422, problem: "invalid", field: "starts_at"},
				{name: "not in advance (beppu §9-3)", body: mustJSON(with(b, "starts_at", rfc(-time.Hour))), status: 422, problem: "invalid",
					field: "starts_at", detail: "入力内容"},
				{name: "unknown target type", body: mustJSON(with(b, "org_types", []string{"byoin"})), status: 422, problem: "invalid", field: "org_types"},
				{name: "unknown role", body: mustJSON(with(b, "roles", []string{"citizen"})), status: 422, problem: "invalid", field: "roles"},
				{name: "unknown occupation", body: mustJSON(with(b, "occupations", []string{"doctor"})), status: 422, problem: "invalid", field: "occupations"},
				{name: "unknown kind", body: mustJSON(with(b, "kind", "advert")), status: 422, problem: "invalid", field: "kind"},
				{name: "empty title", body: mustJSON(with(b, "title", "  ")), status: 422, problem: "invalid", field: "title"},
			}
		}
		edit := with(valid, "notify", true)
		ids := make([]string, 501)
		for i := range ids {
			ids[i] = "x"
		}
		endpoints := []endpoint{
			{method: "POST", path: "/api/v1/board", token: op.Token, body: valid,
				long: []string{"title", "body"}, script: []string{"title", "body"}, extra: windowCases(valid)},
			{method: "PUT", path: "/api/v1/board/" + post.ID, token: op.Token, body: edit,
				long: []string{"title", "body"}, script: []string{"title", "body"}, extra: windowCases(edit)},
			{method: "POST", path: "/api/v1/board/" + post.ID + "/withdraw", token: op.Token, body: map[string]any{"reason": "理由"},
				long: []string{"reason"}, script: []string{"reason"}, emptyOK: true},
			{method: "POST", path: "/api/v1/notifications/read", token: admin.Token, body: map[string]any{"ids": []string{"n1"}, "all": false},
				extra: []badCase{
					{name: "ids and all", body: mustJSON(map[string]any{"ids": []string{"n1"}, "all": true}), status: 422, problem: "invalid", field: "ids"},
					{name: "too many ids", body: mustJSON(map[string]any{"ids": ids}), status: 422, problem: "invalid"},
				}},
			{method: "PUT", path: "/api/v1/me/notification-settings", token: admin.Token, body: map[string]any{"email": false}},
		}
		covered := map[string]bool{}
		for _, ep := range endpoints {
			covered[pattern(t, env, ep.method, ep.path)] = true
			for _, bc := range casesFor(ep) {
				t.Run(ep.method+" "+ep.path+"/"+bc.name, func(t *testing.T) {
					before := boardSnapshot(t, env)
					checkBadCase(t, c.send(ep.method, ep.path, ep.token, bc.body, bc.contentType), bc)
					if diff := diffSnapshots(before, boardSnapshot(t, env)); diff != "" {
						t.Errorf("the refused request changed something:\n%s", diff)
					}
				})
			}
		}
		for _, rt := range apiRoutes() {
			if rt.Method != "GET" && boardMalformedRoute(rt.Path) && !covered[rt.Method+" "+rt.Path] {
				t.Errorf("%s %s is not in the board's malformed-input table", rt.Method, rt.Path)
			}
		}
	})
}
