package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/notify"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func boardPosts(t *testing.T, db store.Store, net string) int {
	t.Helper()
	var n int
	err := db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		_, n, err = tx.FindBoardPosts(context.Background(), net, domain.BoardScope{All: true}, domain.BoardFilter{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	postIDRe         = regexp.MustCompile(`/n/beppu/board/([a-z0-9]{16})\?done=board-posted`)
	notificationIDRe = regexp.MustCompile(`/n/beppu/notifications/([a-z0-9]{16})"`)
)

// beppu §8 (2), §9-3 through the web UI: the 事業責任者 announces a maintenance
// stop; a care manager sees it on the home page before and during the window
// (not after), has an unread notification in the header until they open it; the
// operator sees who read it; malformed forms change nothing; staff cannot post.
func TestBoardWeb(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		op := newClient(t, s.URL)
		op.loginOperator(s, "beppu")
		m := s.member(t, "beppu", "ケアプランセンターゆけむり", "kyotaku", "cm-1", "care_manager")

		if r := op.get("/n/beppu/board/new"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="board-form"`) {
			t.Fatalf("compose form: %d", r.Status)
		}
		now := s.Clock.Now().In(profile.Tokyo())
		start, end := now.Add(2*time.Hour).Truncate(time.Minute), now.Add(4*time.Hour).Truncate(time.Minute)
		const layout = "2006-01-02T15:04"
		valid := url.Values{"kind": {"maintenance"}, "title": {"定期保守による停止"}, "body": {"サーバーの保守点検のため停止します。"},
			"starts_at": {start.Format(layout)}, "ends_at": {end.Format(layout)}}
		for _, c := range []struct {
			name string
			form url.Values
			msg  string
		}{
			{"empty title", with(valid, "title", ""), "件名を入力してください"},
			{"end before start", with(with(valid, "starts_at", end.Format(layout)), "ends_at", start.Format(layout)), "終了日時は開始日時より後"},
			{"unknown target type", with(valid, "org_types", "byoin"), "組織の種別「byoin」はこのネットワークにありません"},
			{"unknown kind", with(valid, "kind", "advert"), "種類"},
			{"not in advance", with(valid, "starts_at", now.Add(-time.Hour).Format(layout)), "事前に予告"},
		} {
			r := op.post("/n/beppu/board", c.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, c.msg) || !strings.Contains(r.Body, `id="board-form"`) {
				t.Errorf("%s: %d, want 422 with %q\n%s", c.name, r.Status, c.msg, excerpt(r.Body))
			}
		}
		if n := boardPosts(t, db, "beppu"); n != 0 {
			t.Fatalf("malformed forms stored %d posts", n)
		}
		// Staff read the board; they do not post.
		if r := m.C.post("/n/beppu/board", valid); r.Status != http.StatusForbidden {
			t.Errorf("staff posts: %d", r.Status)
		}
		if r := m.C.get("/n/beppu/board/new"); r.Status != http.StatusForbidden {
			t.Errorf("staff compose form: %d", r.Status)
		}

		r := op.post("/n/beppu/board", valid)
		match := postIDRe.FindStringSubmatch(r.Location)
		if r.Status != http.StatusSeeOther || match == nil {
			t.Fatalf("post: %d %s\n%s", r.Status, r.Location, excerpt(r.Body))
		}
		id := match[1]

		// Upcoming: on the home page, with an unread notification in the header.
		home := m.C.get("/n/beppu/home")
		if !strings.Contains(home.Body, `id="maintenance-`+id+`" data-state="upcoming"`) || !strings.Contains(home.Body, "保守・停止の予定があります") {
			t.Errorf("home before the window:\n%s", excerpt(home.Body))
		}
		if !strings.Contains(home.Body, `id="unread-count" aria-label="未読 1 件">1<`) {
			t.Errorf("no unread count in the header:\n%s", home.Body)
		}
		list := m.C.get("/n/beppu/notifications")
		nm := notificationIDRe.FindStringSubmatch(list.Body)
		if list.Status != http.StatusOK || nm == nil || !strings.Contains(list.Body, "保守・停止の予定が掲示されました") {
			t.Fatalf("notifications: %d\n%s", list.Status, excerpt(list.Body))
		}
		if r := m.C.get("/n/beppu/notifications/" + nm[1]); r.Status != http.StatusSeeOther || r.Location != "/n/beppu/board/"+id {
			t.Errorf("open notification: %d %s", r.Status, r.Location)
		}
		if r := op.get("/n/beppu/notifications/" + nm[1]); r.Status != http.StatusNotFound {
			t.Errorf("someone else's notification: %d", r.Status)
		}
		page := m.C.get("/n/beppu/board/" + id)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "サーバーの保守点検のため停止します。") || strings.Contains(page.Body, `id="post-admin"`) {
			t.Errorf("post page for staff: %d\n%s", page.Status, excerpt(page.Body))
		}
		if home := m.C.get("/n/beppu/home"); strings.Contains(home.Body, `id="unread-count"`) {
			t.Errorf("still unread after opening")
		}
		admin := op.get("/n/beppu/board/" + id)
		if !strings.Contains(admin.Body, `id="read-count"`) || !strings.Contains(admin.Body, "職員 cm-1") {
			t.Errorf("operator's read marks:\n%s", excerpt(admin.Body))
		}
		if l := m.C.get("/n/beppu/board"); !strings.Contains(l.Body, `id="post-`+id+`"`) || strings.Contains(l.Body, `id="board-new"`) {
			t.Errorf("staff's board list:\n%s", excerpt(l.Body))
		}

		// Both sides of the start and the end (sessions idle out: sign in again).
		for _, c := range []struct {
			name  string
			at    time.Time
			state string
		}{
			{"a minute before the start", start.Add(-time.Minute), "upcoming"},
			{"at the start", start, "ongoing"},
			{"a minute before the end", end.Add(-time.Minute), "ongoing"},
			{"at the end", end, ""},
		} {
			s.Clock.Set(c.at)
			cl := s.clientOf(t, "beppu", "cm-1", staffPass, staffTOTP)
			home := cl.get("/n/beppu/home")
			has := strings.Contains(home.Body, `id="maintenance-`+id+`"`)
			if c.state == "" && has || c.state != "" && !strings.Contains(home.Body, `id="maintenance-`+id+`" data-state="`+c.state+`"`) {
				t.Errorf("%s: want state %q\n%s", c.name, c.state, excerpt(home.Body))
			}
		}

		// Withdrawn: gone for staff.
		op = newClient(t, s.URL)
		op.loginOperator(s, "beppu")
		if r := op.post("/n/beppu/board/"+id+"/withdraw", url.Values{"reason": {"延期"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", r.Status)
		}
		cl := s.clientOf(t, "beppu", "cm-1", staffPass, staffTOTP)
		if r := cl.get("/n/beppu/board/" + id); r.Status != http.StatusNotFound {
			t.Errorf("withdrawn post for staff: %d", r.Status)
		}
	})
}

// The account page: e-mail notifications only where the installation has a
// relay and the account an address; without, the choice is refused.
func TestNotifyWebSettings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		m := s.member(t, "beppu", "ケアプランセンターゆけむり", "kyotaku", "cm-1", "care_manager")
		if r := m.C.get("/n/beppu/account"); !strings.Contains(r.Body, "この環境ではメールでのお知らせを利用できません") {
			t.Errorf("account page without a relay:\n%s", excerpt(r.Body))
		}
		if r := m.C.post("/n/beppu/account/notifications", url.Values{"email": {"on"}}); r.Status != http.StatusConflict {
			t.Errorf("turning on without a relay: %d", r.Status)
		}
		if r := m.C.post("/n/beppu/account/notifications", url.Values{"email": {"maybe"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a malformed choice: %d", r.Status)
		}

		// A server of the same installation with a relay configured.
		mailSrv := httptest.NewServer(New(db, s.Acc, s.ppl(), Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Mail: &notify.MailConfig{Addr: "127.0.0.1:1", From: "noreply@example.jp", BaseURL: "https://renraku.example.jp"}}))
		t.Cleanup(mailSrv.Close)
		s2 := *s
		s2.URL = mailSrv.URL
		ctx := context.Background()
		var withMail string
		err := db.Transact(ctx, func(tx store.Tx) error {
			us, err := tx.FindUsers(ctx, "beppu", domain.UserFilter{OrgID: m.OrgID, Role: domain.RoleAdmin})
			if len(us) == 1 {
				withMail = us[0].ID // the admin's address came with the application
			}
			return err
		})
		if err != nil || withMail == "" {
			t.Fatalf("admin: %v", err)
		}
		if err := s.Acc.SeedCredentials(ctx, "beppu", withMail, "cm-1-admin2", staffPass, staffTOTP); err != nil {
			t.Fatal(err)
		}
		adm := s2.clientOf(t, "beppu", "cm-1-admin2", staffPass, staffTOTP)
		if r := adm.get("/n/beppu/account"); !strings.Contains(r.Body, `id="notify-email-state">受け取らない`) {
			t.Fatalf("account page with a relay:\n%s", excerpt(r.Body))
		}
		if r := adm.post("/n/beppu/account/notifications", url.Values{"email": {"on"}}); r.Status != http.StatusSeeOther ||
			!strings.Contains(r.Location, "done=notify-email-on") {
			t.Fatalf("turn on: %d %s", r.Status, r.Location)
		}
		if r := adm.get("/n/beppu/account"); !strings.Contains(r.Body, `id="notify-email-state">受け取る`) {
			t.Errorf("after turning on:\n%s", excerpt(r.Body))
		}
		// A post owes them a mail (sent later by the mailer of `renraku serve`).
		bo := newClient(t, s2.URL)
		bo.loginOperator(&s2, "beppu")
		if r := bo.post("/n/beppu/board", url.Values{"kind": {"notice"}, "title": {"研修"}, "body": {"研修のご案内"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("post: %d", r.Status)
		}
		err = db.Transact(ctx, func(tx store.Tx) error {
			st, err := tx.FindMailState(ctx, "beppu", withMail)
			if err == nil && st.PendingSince.IsZero() {
				t.Errorf("no mail owed: %+v", st)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The staff member without an address cannot choose it.
		cl := s2.clientOf(t, "beppu", "cm-1", staffPass, staffTOTP)
		if r := cl.get("/n/beppu/account"); !strings.Contains(r.Body, "メールアドレスが登録されていないため選べません") {
			t.Errorf("account page without an address:\n%s", excerpt(r.Body))
		}
		if r := cl.post("/n/beppu/account/notifications", url.Values{"email": {"on"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("turning on without an address: %d", r.Status)
		}
	})
}
