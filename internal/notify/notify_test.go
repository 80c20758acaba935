package notify_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"strings"
	"testing"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/board"
	"renraku/internal/domain"
	"renraku/internal/notify"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func ctx() context.Context {
	return domain.WithRequestMeta(context.Background(), domain.RequestMeta{RequestID: "notify-test", RemoteAddr: "192.0.2.1"})
}

// fx: beppu with one 居宅介護支援事業所, its admin and staff.
type fx struct {
	t    *testing.T
	env  *testenv.Env
	net  string
	prof *profile.Profile
	op   string
	org  string
	adm  string
}

func newFx(t *testing.T, db *sqlstore.DB) *fx {
	t.Helper()
	env := testenv.New(t, db)
	creds := env.Network(t, "beppu", "beppu")
	f := &fx{t: t, env: env, net: "beppu", prof: profile.MustGet("beppu"), op: creds.UserID}
	var und []string
	for _, u := range f.prof.Undertakings {
		und = append(und, u.Key)
	}
	app, _, err := env.Accounts.SubmitApplication(ctx(), f.net, accounts.ApplicationInput{OrgName: "ケアプランセンターゆけむり",
		OrgType: "kyotaku", Address: "大分県別府市北浜2丁目1-1", Phone: "0977-21-0001", AdminName: "鉄輪 美和",
		AdminEmail: "kannawa@example.jp", AgreeTerms: true, AgreedUndertakings: und})
	f.must(err, "application")
	o, c, err := env.Accounts.ApproveApplication(ctx(), f.actor(f.op), app.ID, "")
	f.must(err, "approve")
	f.org, f.adm = o.ID, c.UserID
	return f
}

func (f *fx) must(err error, what string) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("%s: %v", what, err)
	}
}

func (f *fx) actor(userID string) policy.Actor {
	f.t.Helper()
	var a policy.Actor
	f.must(f.env.Store.Transact(context.Background(), func(tx store.Tx) error {
		u, err := tx.FindUser(context.Background(), f.net, userID)
		if err != nil {
			return err
		}
		a = accounts.ActorFor(u, f.prof, f.env.Clock.Now(), domain.StageFull)
		return nil
	}), "actor")
	return a
}

func (f *fx) staff(name, email string) string {
	f.t.Helper()
	c, err := f.env.Accounts.IssueStaff(ctx(), f.actor(f.adm), f.org, accounts.StaffInput{DisplayName: name, Occupation: "care_manager", Email: email})
	f.must(err, "staff")
	return c.UserID
}

func (f *fx) tx(fn func(tx store.Tx) error) error { return f.env.Store.Transact(ctx(), fn) }

func (f *fx) unread(user string) int {
	f.t.Helper()
	var n int
	f.must(f.tx(func(tx store.Tx) error {
		var err error
		n, err = tx.CountUnreadNotifications(ctx(), f.net, user)
		return err
	}), "unread")
	return n
}

func (f *fx) mailState(user string) *domain.MailState {
	f.t.Helper()
	var m *domain.MailState
	f.must(f.tx(func(tx store.Tx) error {
		var err error
		m, err = tx.FindMailState(ctx(), f.net, user)
		return err
	}), "mail state")
	return m
}

// Notify tells the active users among those named and the members of the named
// organizations, except the actor, once each; it refuses what is not a kind or a
// path inside the network, storing nothing.
func TestNotify(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db)
		a, b := f.staff("職員 一", ""), f.staff("職員 二", "")
		away := f.staff("職員 休", "")
		f.must(f.env.Accounts.SuspendUser(ctx(), f.actor(f.op), away, "休職"), "suspend")
		now := f.env.Clock.Now()
		link := "/n/beppu/people/p1#entry-e1"

		bad := []struct {
			name string
			to   notify.To
			kind notify.Kind
			link string
		}{
			{"no network", notify.To{Users: []string{a}, At: now}, notify.KindMention, link},
			{"no time", notify.To{Network: f.net, Users: []string{a}}, notify.KindMention, link},
			{"a kind that is not one", notify.To{Network: f.net, Users: []string{a}, At: now}, "Timeline Mention", link},
			{"another network's path", notify.To{Network: f.net, Users: []string{a}, At: now}, notify.KindMention, "/n/fukuoka/people/p1"},
			{"an absolute URL", notify.To{Network: f.net, Users: []string{a}, At: now}, notify.KindMention, "https://example.com/n/beppu/"},
			{"a path that climbs", notify.To{Network: f.net, Users: []string{a}, At: now}, notify.KindMention, "/n/beppu/../admin"},
			{"a protocol-relative path", notify.To{Network: f.net, Users: []string{a}, At: now}, notify.KindMention, "/n/beppu//evil.example"},
			{"markup", notify.To{Network: f.net, Users: []string{a}, At: now}, notify.KindMention, "/n/beppu/x\"><script>"},
		}
		for _, c := range bad {
			err := f.tx(func(tx store.Tx) error { return notify.Notify(ctx(), tx, c.to, c.kind, c.link) })
			if err == nil {
				t.Errorf("%s: accepted", c.name)
			}
		}
		if f.unread(a) != 0 {
			t.Fatalf("a refused notification was stored")
		}

		// The organization (its admin, a, b; not the suspended one), a named twice,
		// an unknown ID; the actor b is not told.
		f.must(f.tx(func(tx store.Tx) error {
			return notify.Notify(ctx(), tx, notify.To{Network: f.net, Users: []string{a, a, "nobody", away}, Orgs: []string{f.org},
				Except: b, At: now}, notify.KindAddressed, link)
		}), "notify")
		for _, c := range []struct {
			who  string
			user string
			want int
		}{{"admin", f.adm, 1}, {"a", a, 1}, {"b (the actor)", b, 0}, {"suspended", away, 0}, {"operator", f.op, 0}} {
			if got := f.unread(c.user); got != c.want {
				t.Errorf("%s: %d unread, want %d", c.who, got, c.want)
			}
		}
		// A rolled-back change takes its notifications with it.
		_ = f.tx(func(tx store.Tx) error {
			if err := notify.Notify(ctx(), tx, notify.To{Network: f.net, Users: []string{a}, At: now}, notify.KindMention, link); err != nil {
				return err
			}
			return fmt.Errorf("the change failed")
		})
		if got := f.unread(a); got != 1 {
			t.Errorf("after a rollback: %d unread", got)
		}
	})
}

// The user's list: newest first with labels, the unread count, opening one
// (another user's is not found), marking all read.
func TestNotificationList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db)
		a, b := f.staff("職員 一", ""), f.staff("職員 二", "")
		svc := notify.New(db, f.env.Audit, f.env.Clock, false)
		for i, k := range []notify.Kind{notify.KindBoard, notify.KindMention, "support.custom"} {
			f.env.Advance(time.Minute)
			f.must(f.tx(func(tx store.Tx) error {
				return notify.Notify(ctx(), tx, notify.To{Network: f.net, Users: []string{a, b}, At: f.env.Clock.Now()}, k,
					fmt.Sprintf("/n/beppu/board/p%d", i))
			}), "notify")
		}
		items, unread, err := svc.List(ctx(), f.actor(a), false, 0)
		f.must(err, "list")
		if unread != 3 || len(items) != 3 || items[0].Kind != "support.custom" || items[0].Label != "新しいお知らせがあります" ||
			items[1].Label != notify.Label(notify.KindMention) || items[2].Link != "/n/beppu/board/p0" {
			t.Fatalf("list %d unread: %+v", unread, items)
		}
		link, err := svc.Open(ctx(), f.actor(a), items[1].ID)
		f.must(err, "open")
		if link != items[1].Link || f.unread(a) != 2 {
			t.Errorf("open: %s, %d unread", link, f.unread(a))
		}
		if _, err := svc.Open(ctx(), f.actor(b), items[0].ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("b opens a's notification: %v", err)
		}
		if n, err := svc.MarkRead(ctx(), f.actor(a), nil); err != nil || n != 2 || f.unread(a) != 0 || f.unread(b) != 3 {
			t.Errorf("mark all: %d %v; unread a %d b %d", n, err, f.unread(a), f.unread(b))
		}
		if items, _, _ := svc.List(ctx(), f.actor(a), true, 0); len(items) != 0 {
			t.Errorf("unread only: %v", items)
		}
	})
}

// A user chooses e-mail on their account page: only where the installation sends
// mail and the account has an address; the choice is audited.
func TestMailSettings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db)
		with, without := f.staff("職員 一", "ichi@example.jp"), f.staff("職員 二", "")
		off := notify.New(db, f.env.Audit, f.env.Clock, false)
		on := notify.New(db, f.env.Audit, f.env.Clock, true)
		if err := off.SetEmail(ctx(), f.actor(with), true); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("no relay: %v", err)
		}
		if err := on.SetEmail(ctx(), f.actor(without), true); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("no address: %v", err)
		}
		f.must(on.SetEmail(ctx(), f.actor(with), true), "turn on")
		s, err := on.Settings(ctx(), f.actor(with))
		f.must(err, "settings")
		if !s.Email || !s.Available || !s.HasEmail {
			t.Errorf("settings %+v", s)
		}
		if s, _ := off.Settings(ctx(), f.actor(without)); s.Email || s.Available || s.HasEmail {
			t.Errorf("settings of the one without %+v", s)
		}
		// Turning it off is always possible.
		f.must(off.SetEmail(ctx(), f.actor(with), false), "turn off")
		n := 0
		f.must(f.tx(func(tx store.Tx) error {
			evs, err := tx.AuditEventsFrom(ctx(), f.net, 0, 100000)
			for _, e := range evs {
				if e.Action == "notify.email" && e.Outcome == "ok" && e.TargetID == with {
					n++
				}
			}
			return err
		}), "audit")
		if n != 2 {
			t.Errorf("%d audited choices, want 2", n)
		}
	})
}

// mailText decodes a received mail: its headers and its base64 body.
func mailText(t *testing.T, data string) (subject, body string) {
	t.Helper()
	head, b64, ok := strings.Cut(data, "\r\n\r\n")
	if !ok {
		t.Fatalf("no header/body separator: %q", data)
	}
	for _, l := range strings.Split(head, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Subject: "); ok {
			var err error
			if subject, err = new(mime.WordDecoder).DecodeHeader(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !strings.Contains(head, "Content-Transfer-Encoding: base64") {
		t.Fatalf("headers %q", head)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(b64, "\r\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(raw)
}

// E-mail says only that something new is waiting, with the network's URL: never
// the post, a person's data or the recipient's name. It goes out from the outbox
// after the request, once for many notifications, through STARTTLS and AUTH; a
// relay that refuses is retried with backoff and the request never failed; two
// processes do not both send.
func TestMailSender(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db)
		srv := newSMTPServer(t)
		clientTLS := srv.withTLS()
		srv.requireAuth("renraku", "relay-secret")
		cfg := notify.MailConfig{Addr: srv.addr(), From: "別府市 シェアポート <noreply@sharepo.example.jp>", User: "renraku",
			Password: "relay-secret", BaseURL: "https://sharepo.example.jp", TLS: clientTLS, Timeout: 10 * time.Second}
		if err := cfg.Check(); err != nil {
			t.Fatal(err)
		}
		settings := notify.New(db, f.env.Audit, f.env.Clock, true)
		want := f.staff("連絡 花子", "hanako@example.jp")
		quiet := f.staff("静か 次郎", "jiro@example.jp")
		leaver := f.staff("退職 三郎", "saburo@example.jp")
		for _, u := range []string{want, leaver} {
			f.must(settings.SetEmail(ctx(), f.actor(u), true), "opt in")
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		sender := notify.NewSender(db, cfg, notify.NewSMTP(cfg), f.env.Clock, "proc-1", logger)
		sender.Backoff, sender.MaxBackoff, sender.MaxAttempts = time.Minute, 4*time.Minute, 4

		// Two posts: personal data in their text must never reach a mail.
		bd := board.New(db, f.env.Audit, f.env.Clock)
		secret := []string{"山田 太郎", "1940年5月6日", "被保険者番号0012345678", "褥瘡"}
		for i := range 2 {
			f.env.Advance(time.Minute)
			_, err := bd.Create(ctx(), f.actor(f.op), board.Input{Kind: "notice", Title: "対象者 " + secret[0] + " 様の件",
				Body: strings.Join(secret, "、") + fmt.Sprintf("（%d）", i)})
			f.must(err, "post")
		}
		if f.unread(want) != 2 || f.unread(quiet) != 2 || f.unread(leaver) != 2 {
			t.Fatalf("unread %d %d %d", f.unread(want), f.unread(quiet), f.unread(leaver))
		}
		// The leaver is suspended before the mail goes: it is dropped, not sent.
		f.must(f.env.Accounts.SuspendUser(ctx(), f.actor(f.op), leaver, "退職"), "suspend")

		sent, err := sender.SendOnce(ctx())
		f.must(err, "send")
		mails := srv.received()
		if sent != 1 || len(mails) != 1 {
			t.Fatalf("sent %d, received %d, want one mail (two notifications, one mail; none to those who did not choose it)", sent, len(mails))
		}
		m := mails[0]
		if len(m.To) != 1 || m.To[0] != "hanako@example.jp" || m.From != "noreply@sharepo.example.jp" || !m.TLS || m.Authed != "renraku" {
			t.Errorf("envelope %+v", m)
		}
		subject, body := mailText(t, m.Data)
		if !strings.Contains(subject, "新しいお知らせがあります") || !strings.Contains(body, "https://sharepo.example.jp/n/beppu/notifications") ||
			!strings.Contains(body, "別府市介護情報共有サービス") {
			t.Errorf("mail: %q\n%s", subject, body)
		}
		// Not the posts, not a person, not the recipient's name or organization (the
		// address is on the envelope and the To header only), not where to look.
		for _, s := range append(secret, "連絡 花子", "hanako", "対象者", "鉄輪", "ケアプランセンター", "/board/") {
			if strings.Contains(subject+body, s) {
				t.Errorf("the mail contains %q:\n%s\n%s", s, subject, body)
			}
		}
		for _, s := range secret {
			if strings.Contains(m.Data, s) {
				t.Errorf("the raw mail contains %q", s)
			}
		}
		if s := f.mailState(leaver); !s.PendingSince.IsZero() {
			t.Errorf("the leaver's mail is still owed: %+v", s)
		}

		// Nothing owed, nothing sent; a new notification waits out the interval.
		if n, _ := sender.SendOnce(ctx()); n != 0 {
			t.Errorf("sent %d with nothing owed", n)
		}
		_, err = bd.Create(ctx(), f.actor(f.op), board.Input{Kind: "notice", Title: "三件目", Body: "本文"})
		f.must(err, "third post")
		if n, _ := sender.SendOnce(ctx()); n != 0 {
			t.Errorf("sent %d within the interval", n)
		}
		f.env.Advance(sender.MinInterval)

		// The relay refuses twice: backoff 1, then 2 minutes; the post above did
		// not fail, and the mail goes out on the third attempt.
		srv.refuseNext(2)
		if n, err := sender.SendOnce(ctx()); n != 0 || err != nil {
			t.Fatalf("first attempt: %d %v", n, err)
		}
		st := f.mailState(want)
		if st.Attempts != 1 || !st.NextAttempt.Equal(f.env.Clock.Now().Truncate(time.Microsecond).Add(time.Minute)) ||
			!strings.Contains(st.LastError, "451") || strings.Contains(st.LastError, "hanako") {
			t.Errorf("after a refusal: %+v", st)
		}
		sessions := srv.sessionCount()
		f.env.Advance(59 * time.Second)
		if n, _ := sender.SendOnce(ctx()); n != 0 || srv.sessionCount() != sessions {
			t.Errorf("retried before the backoff ended")
		}
		f.env.Advance(time.Second)
		if n, _ := sender.SendOnce(ctx()); n != 0 {
			t.Errorf("second attempt sent")
		}
		if st := f.mailState(want); st.Attempts != 2 || !st.NextAttempt.Equal(f.env.Clock.Now().Truncate(time.Microsecond).Add(2*time.Minute)) {
			t.Errorf("after the second refusal: %+v", st)
		}
		f.env.Advance(2 * time.Minute)
		// Another process does not send while this one holds the lease.
		other := notify.NewSender(db, cfg, notify.NewSMTP(cfg), f.env.Clock, "proc-2", logger)
		if n, _ := other.SendOnce(ctx()); n != 0 || len(srv.received()) != 1 {
			t.Errorf("the second process sent")
		}
		if n, err := sender.SendOnce(ctx()); n != 1 || err != nil {
			t.Fatalf("third attempt: %d %v", n, err)
		}
		if st := f.mailState(want); !st.PendingSince.IsZero() || st.Attempts != 0 || st.LastError != "" {
			t.Errorf("after the mail: %+v", st)
		}
		if len(srv.received()) != 2 {
			t.Errorf("%d mails", len(srv.received()))
		}

		// A relay that keeps refusing: given up after MaxAttempts; the in-app
		// notification stays.
		f.env.Advance(sender.MinInterval)
		_, err = bd.Create(ctx(), f.actor(f.op), board.Input{Kind: "notice", Title: "四件目", Body: "本文"})
		f.must(err, "fourth post")
		srv.refuseNext(100)
		for range 10 {
			f.env.Advance(sender.MaxBackoff)
			sender.SendOnce(ctx())
		}
		if st := f.mailState(want); !st.PendingSince.IsZero() {
			t.Errorf("not given up: %+v", st)
		}
		if f.unread(want) != 4 {
			t.Errorf("in-app notifications: %d", f.unread(want))
		}
	})
}

// Without STARTTLS the relay is used in the clear (to localhost only for AUTH,
// which net/smtp enforces); the configuration is checked at start.
func TestMailConfig(t *testing.T) {
	for _, c := range []struct {
		cfg notify.MailConfig
		ok  bool
	}{
		{notify.MailConfig{Addr: "smtp.example.jp:587", From: "noreply@example.jp", BaseURL: "https://renraku.example.jp"}, true},
		{notify.MailConfig{Addr: "smtp.example.jp", From: "noreply@example.jp", BaseURL: "https://renraku.example.jp"}, false},
		{notify.MailConfig{Addr: "smtp.example.jp:587", From: "noreply", BaseURL: "https://renraku.example.jp"}, false},
		{notify.MailConfig{Addr: "smtp.example.jp:587", From: "noreply@example.jp", BaseURL: ""}, false},
		{notify.MailConfig{Addr: "smtp.example.jp:587", From: "noreply@example.jp", BaseURL: "https://renraku.example.jp/n/beppu"}, false},
		{notify.MailConfig{Addr: "smtp.example.jp:587", From: "noreply@example.jp", BaseURL: "https://renraku.example.jp", User: "u"}, false},
	} {
		if err := c.cfg.Check(); (err == nil) != c.ok {
			t.Errorf("%+v: %v, want ok=%t", c.cfg, err, c.ok)
		}
	}
	srv := newSMTPServer(t) // no STARTTLS, no AUTH
	cfg := notify.MailConfig{Addr: srv.addr(), From: "noreply@example.jp", BaseURL: "http://localhost:8080"}
	msg := notify.Message{To: "a@example.jp", NetworkID: "beppu", NetworkName: "別府市"}.Bytes(cfg.From, cfg.BaseURL, time.Now())
	if err := notify.NewSMTP(cfg).Send(context.Background(), "a@example.jp", msg); err != nil {
		t.Fatal(err)
	}
	if m := srv.received(); len(m) != 1 || m[0].TLS {
		t.Errorf("received %+v", m)
	}
}
