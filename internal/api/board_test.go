package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

type boardPostDoc struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Pinned   bool   `json:"pinned"`
	State    string `json:"state"`
	Status   string `json:"status"`
	Version  int    `json:"version"`
	Read     bool   `json:"read"`
	Audience struct {
		OrgTypes []string `json:"org_types"`
	} `json:"audience"`
}

type boardListDoc struct {
	Posts []boardPostDoc `json:"posts"`
	Total int            `json:"total"`
}

func (c *client) boardList(token, query string) boardListDoc {
	c.t.Helper()
	var l boardListDoc
	c.do("GET", "/api/v1/board"+query, token, nil).ok(c.t, http.StatusOK, &l)
	return l
}

// fukuoka §14 (2) through /api/v1: the operator posts to 訪問看護 stations; a
// care manager does not see it; the nurse does, is notified, reads it; the
// operator sees who read it; malformed bodies are refused and change nothing.
func TestAPIBoard(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("fukuoka", "fukuoka")
		hk, hkAdmin := c.orgOfType("fukuoka", "fukuoka", "訪問看護ステーションはかた", "houmon_kango", op)
		nurse := c.seeded("fukuoka", c.staff(hk.Organization.ID, hkAdmin, "看護 花子", "nurse"))
		ky, kyAdmin := c.orgOfType("fukuoka", "fukuoka", "ケアプランセンターてんじん", "kyotaku", op)
		cm := c.seeded("fukuoka", c.staff(ky.Organization.ID, kyAdmin, "支援 太郎", "care_manager"))

		before := len(auditEvents(t, env, "fukuoka"))
		now := env.Clock.Now()
		rfc := func(d time.Duration) string { return now.Add(d).In(time.FixedZone("JST", 9*3600)).Format(time.RFC3339) }
		for _, bad := range []struct {
			name   string
			body   any
			status int
			prob   string
		}{
			{"empty title", map[string]any{"kind": "notice", "title": "", "body": "本文"}, 422, "invalid"},
			{"end before start", map[string]any{"kind": "maintenance", "title": "保守", "body": "停止します",
				"starts_at": rfc(5 * time.Hour), "ends_at": rfc(3 * time.Hour)}, 422, "invalid"},
			{"the form's local time (the API says RFC 3339)", map[string]any{"kind": "maintenance", "title": "保守", "body": "停止します",
				"starts_at": "2026-12-01T09:00", "ends_at": rfc(30 * time.Hour)}, 422, "invalid"},
			{"unknown target type", map[string]any{"kind": "notice", "title": "件名", "body": "本文", "org_types": []string{"school"}}, 422, "invalid"},
			{"unknown kind", map[string]any{"kind": "advert", "title": "件名", "body": "本文"}, 422, "invalid"},
			{"unknown member", map[string]any{"kind": "notice", "title": "件名", "body": "本文", "audience": "all"}, 400, "bad-request"},
			{"null", raw(`{"kind":"notice","title":"件名","body":"本文","org_types":null}`), 400, "bad-request"},
			{"wrong type", raw(`{"kind":"notice","title":"件名","body":"本文","pinned":"yes"}`), 400, "bad-request"},
		} {
			p := c.do("POST", "/api/v1/board", op.Token, bad.body).problem(t, bad.status, bad.prob)
			if bad.status == 422 && len(p.Errors) == 0 {
				t.Errorf("%s: no field errors", bad.name)
			}
		}
		if got := c.boardList(op.Token, ""); got.Total != 0 {
			t.Fatalf("malformed posts stored: %+v", got)
		}
		if after := len(auditEvents(t, env, "fukuoka")); after != before {
			t.Errorf("malformed posts left %d audit events", after-before)
		}
		// Staff do not post.
		c.do("POST", "/api/v1/board", nurse.Token, map[string]any{"kind": "notice", "title": "件名", "body": "本文"}).problem(t, http.StatusForbidden, "forbidden")

		var post boardPostDoc
		res := c.do("POST", "/api/v1/board", op.Token, map[string]any{"kind": "notice", "title": "訪問看護ステーションの皆様へ",
			"body": "研修のご案内", "pinned": true, "org_types": []string{"houmon_kango"}})
		res.ok(t, http.StatusCreated, &post)
		if res.Header.Get("Location") != "/api/v1/board/"+post.ID || post.Version != 1 || !post.Pinned || post.Status != "published" {
			t.Fatalf("post %+v", post)
		}
		env.Advance(time.Minute)
		var maint boardPostDoc
		c.do("POST", "/api/v1/board", op.Token, map[string]any{"kind": "maintenance", "title": "定期保守", "body": "停止します",
			"starts_at": rfc(24 * time.Hour), "ends_at": rfc(26 * time.Hour)}).ok(t, http.StatusCreated, &maint)
		if maint.State != "upcoming" {
			t.Errorf("maintenance state %q", maint.State)
		}

		if l := c.boardList(cm.Token, ""); l.Total != 1 || l.Posts[0].ID != maint.ID {
			t.Errorf("care manager sees %+v", l)
		}
		c.do("GET", "/api/v1/board/"+post.ID, cm.Token, nil).problem(t, http.StatusNotFound, "not-found")
		l := c.boardList(nurse.Token, "")
		if l.Total != 2 || l.Posts[0].ID != post.ID || l.Posts[0].Read { // pinned first
			t.Errorf("nurse sees %+v", l)
		}
		if l := c.boardList(nurse.Token, "?maintenance=current"); len(l.Posts) != 1 || l.Posts[0].ID != maint.ID {
			t.Errorf("current maintenance %+v", l)
		}
		c.do("GET", "/api/v1/board?maintenance=past", nurse.Token, nil).problem(t, http.StatusBadRequest, "bad-request")

		var notes struct {
			Notifications []struct{ ID, Kind, Link string } `json:"notifications"`
			Unread        int                               `json:"unread"`
		}
		c.do("GET", "/api/v1/notifications", nurse.Token, nil).ok(t, http.StatusOK, &notes)
		if notes.Unread != 2 || len(notes.Notifications) != 2 || notes.Notifications[1].Link != "/n/fukuoka/board/"+post.ID {
			t.Fatalf("nurse's notifications %+v", notes)
		}
		var got boardPostDoc
		c.do("GET", "/api/v1/board/"+post.ID, nurse.Token, nil).ok(t, http.StatusOK, &got)
		if !got.Read {
			t.Errorf("read after opening: %+v", got)
		}
		c.do("GET", "/api/v1/notifications?unread=true", nurse.Token, nil).ok(t, http.StatusOK, &notes)
		if notes.Unread != 1 || len(notes.Notifications) != 1 {
			t.Errorf("unread after opening %+v", notes)
		}
		var marked struct{ Marked int }
		c.do("POST", "/api/v1/notifications/read", nurse.Token, map[string]any{"ids": []string{notes.Notifications[0].ID}}).ok(t, http.StatusOK, &marked)
		if marked.Marked != 1 {
			t.Errorf("marked %d", marked.Marked)
		}
		c.do("POST", "/api/v1/notifications/read", nurse.Token, map[string]any{}).problem(t, http.StatusUnprocessableEntity, "invalid")
		c.do("POST", "/api/v1/notifications/read", nurse.Token, map[string]any{"all": true, "ids": []string{"x"}}).problem(t, http.StatusUnprocessableEntity, "invalid")

		var reads struct {
			Version     int `json:"version"`
			Audience    int `json:"audience"`
			ReadCurrent int `json:"read_current"`
			Reads       []struct {
				UserID string `json:"user_id"`
			} `json:"reads"`
		}
		c.do("GET", "/api/v1/board/"+post.ID+"/reads", op.Token, nil).ok(t, http.StatusOK, &reads)
		if reads.Audience != 2 || reads.ReadCurrent != 1 || len(reads.Reads) != 1 || reads.Reads[0].UserID != nurse.ID {
			t.Errorf("reads %+v", reads)
		}
		c.do("GET", "/api/v1/board/"+post.ID+"/reads", nurse.Token, nil).problem(t, http.StatusForbidden, "forbidden")

		// An edit to everyone, told again; then withdrawn.
		var edited boardPostDoc
		c.do("PUT", "/api/v1/board/"+post.ID, op.Token, map[string]any{"kind": "notice", "title": "研修のご案内（全員）", "body": "研修のご案内",
			"notify": true}).ok(t, http.StatusOK, &edited)
		if edited.Version != 2 || edited.Pinned || len(edited.Audience.OrgTypes) != 0 {
			t.Errorf("edited %+v", edited)
		}
		c.do("GET", "/api/v1/notifications", cm.Token, nil).ok(t, http.StatusOK, &notes)
		if notes.Unread != 2 {
			t.Errorf("care manager told of the edit: %d unread", notes.Unread)
		}
		c.do("POST", "/api/v1/board/"+post.ID+"/withdraw", op.Token, map[string]string{"reason": "終了"}).ok(t, http.StatusNoContent, nil)
		c.do("GET", "/api/v1/board/"+post.ID, cm.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("PUT", "/api/v1/board/"+post.ID, op.Token, map[string]any{"kind": "notice", "title": "再掲", "body": "再掲"}).problem(t, http.StatusConflict, "conflict")

		// E-mail needs a relay, which this installation has not.
		var settings struct{ Email, Available, HasEmail bool }
		c.do("GET", "/api/v1/me/notification-settings", hkAdmin.Token, nil).ok(t, http.StatusOK, &settings)
		if settings.Email || settings.Available {
			t.Errorf("settings %+v", settings)
		}
		p := c.do("PUT", "/api/v1/me/notification-settings", hkAdmin.Token, map[string]bool{"email": true}).problem(t, http.StatusConflict, "mail-unavailable")
		if !strings.Contains(p.Detail, "メール") {
			t.Errorf("detail %q", p.Detail)
		}
		c.do("PUT", "/api/v1/me/notification-settings", hkAdmin.Token, map[string]any{}).problem(t, http.StatusUnprocessableEntity, "invalid")
		c.do("PUT", "/api/v1/me/notification-settings", hkAdmin.Token, map[string]bool{"email": false}).ok(t, http.StatusOK, &settings)

		c.checkAudited("fukuoka", "POST /api/v1/notifications/read")
	})
}
