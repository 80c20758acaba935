package server

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"renraku/internal/accounts"
	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/people"
	"renraku/internal/secret"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// site is a running renraku with one network, for tests that drive it over HTTP.
type site struct {
	URL    string
	DB     *sqlstore.DB
	Acc    *accounts.Service
	Keys   *secret.Keyring
	Clock  *clock.Fake
	OpID   string
	OpPass string
	OpTOTP string
}

const operatorLogin = "op-jigyo"

func newSite(t *testing.T, db *sqlstore.DB, network, profileID string) *site {
	t.Helper()
	master := make([]byte, 32)
	rand.Read(master)
	keys, err := secret.New(master)
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday 2026-11-24 10:00 JST: inside every profile's service hours.
	clk := clock.NewFake(time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC))
	acc := accounts.New(db, audit.New(keys, clk), keys, clk, accounts.Options{Argon2: accounts.TestArgon2, LoginsPerMinutePerAddress: 1e6})
	ctx := context.Background()
	creds, err := acc.CreateNetwork(ctx, accounts.NewNetwork{ID: network, Profile: profileID, OperatorName: "別府 一郎"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "renraku-test", AccountName: operatorLogin})
	if err != nil {
		t.Fatal(err)
	}
	const pass = "Operator-Pass-7x"
	if err := acc.SeedCredentials(ctx, network, creds.UserID, operatorLogin, pass, key.Secret()); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(New(db, acc, people.New(db, audit.New(keys, clk), clk), Config{Logger: logger}))
	t.Cleanup(srv.Close)
	return &site{URL: srv.URL, DB: db, Acc: acc, Keys: keys, Clock: clk, OpID: operatorLogin, OpPass: pass, OpTOTP: key.Secret()}
}

// code is the TOTP code for secret at the site's clock.
func (s *site) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser starts Debian's chromium headless. CI installs it (scripts/test.sh) and
// sets RENRAKU_TEST_REQUIRE_BROWSER=1, so there the browser tests never skip.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("RENRAKU_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium is required (RENRAKU_TEST_REQUIRE_BROWSER=1) but not installed")
		}
		t.Skip("chromium not installed; scripts/test.sh installs it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(412, 915), // a phone
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s: %v\nat %s\n%s", what, err, loc, html)
	}
}

// click clicks sel and waits until the browser has loaded the next page (a form
// submission or a link), so that later steps never read the old page.
func click(t *testing.T, ctx context.Context, what, sel string) {
	t.Helper()
	do(t, ctx, what+": mark page", chromedp.Evaluate[chromedp.Void]("document.body.dataset.stale = '1'"),
		chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		fresh, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.readyState === 'complete' && document.body !== null && document.body.dataset.stale !== '1'"))
		if err == nil && fresh {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: no new page after clicking %s", what, sel)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("text of %s: %v\n%s", sel, err, html)
	}
	return strings.TrimSpace(s)
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func login(t *testing.T, ctx context.Context, s *site, net, id, pass, otp string) {
	t.Helper()
	do(t, ctx, "login "+id,
		chromedp.Navigate(s.URL+"/n/"+net+"/login"),
		chromedp.SendKeys(chromedp.CSS("#login_id"), id),
		chromedp.SendKeys(chromedp.CSS("#password"), pass),
		chromedp.SendKeys(chromedp.CSS("#otp"), otp),
	)
	click(t, ctx, "login "+id, "main form button[type=submit]")
}

func logout(t *testing.T, ctx context.Context) {
	t.Helper()
	click(t, ctx, "logout", "header form button")
}

// firstLogin does the forced first-login steps of beppu §12-2 / fukuoka §12-2:
// change the temporary password (choosing an own ID) and enrol TOTP from the page.
func firstLogin(t *testing.T, ctx context.Context, s *site, net, tempID, tempPass, newID, newPass string) {
	t.Helper()
	login(t, ctx, s, net, tempID, tempPass, "")
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/setup/password") {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("first login went to %s, want the password change\n%s", loc, html)
	}
	// Nothing else is reachable before setup is finished.
	do(t, ctx, "home before setup", chromedp.Navigate(s.URL+"/n/"+net+"/home"), chromedp.WaitVisible(chromedp.CSS("#new_password")))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/setup/password") {
		t.Fatalf("home before setup showed %s, want the password change", loc)
	}
	do(t, ctx, "change password",
		chromedp.SendKeys(chromedp.CSS("#current_password"), tempPass),
		chromedp.SendKeys(chromedp.CSS("#login_id"), newID),
		chromedp.SendKeys(chromedp.CSS("#new_password"), newPass),
		chromedp.SendKeys(chromedp.CSS("#new_password_confirm"), newPass),
	)
	click(t, ctx, "change password", "main form button[type=submit]")
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/setup/totp") {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("after the password change: %s, want TOTP enrolment\n%s", loc, html)
	}
	if n, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("img.qr"))); err != nil || len(n) != 1 {
		t.Fatalf("TOTP page shows no QR code: %v", err)
	}
	secret := text(t, ctx, "#totp-secret")
	do(t, ctx, "wrong code first", chromedp.SendKeys(chromedp.CSS("#otp"), "000000"))
	click(t, ctx, "wrong code first", "main form button[type=submit]")
	do(t, ctx, "wrong code refused", chromedp.WaitVisible(chromedp.CSS("#otp-error")))
	if got := text(t, ctx, "#totp-secret"); got != secret {
		t.Fatalf("after a wrong code the secret changed: %q, was %q", got, secret)
	}
	do(t, ctx, "enrol TOTP", chromedp.SendKeys(chromedp.CSS("#otp"), s.code(t, secret)))
	click(t, ctx, "enrol TOTP", "main form button[type=submit]")
	do(t, ctx, "enrolled", chromedp.WaitVisible(chromedp.CSS(".notice")))
	if loc := location(t, ctx); !strings.Contains(loc, "/home") {
		t.Fatalf("after enrolment: %s, want home", loc)
	}
}

// TestBrowserWalk is the foundation walk in a real browser on a phone-sized
// window: an organization applies (agreeing to beppu §11-1 (1)-(6)), the operator
// approves with conditions (beppu §11-2), the admin's first login forces a password
// change and TOTP enrolment (beppu §12-2), the admin issues a staff account (beppu
// §13-2) and the staff member's first login ends on the staff home.
func TestBrowserWalk(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		ctx := browser(t)

		// Application: errors first, beside their fields, and nothing is stored.
		do(t, ctx, "empty application",
			chromedp.Navigate(s.URL+"/n/beppu/apply"),
			chromedp.SendKeys(chromedp.CSS("#org_name"), "<script>alert(1)</script>"),
		)
		click(t, ctx, "empty application", "main form button[type=submit]")
		if got := text(t, ctx, "#org_name-error"); !strings.Contains(got, "使用できない文字") {
			t.Errorf("org name error = %q", got)
		}
		if got := text(t, ctx, "#address-error"); got != "所在地を入力してください。" {
			t.Errorf("address error = %q", got)
		}
		do(t, ctx, "fill application",
			chromedp.Clear(chromedp.CSS("#org_name")),
			chromedp.SendKeys(chromedp.CSS("#org_name"), "ケアプランセンターゆけむり"),
			chromedp.SetValue(chromedp.CSS("#org_type"), "kyotaku"),
			chromedp.SendKeys(chromedp.CSS("#address"), "大分県別府市北浜2丁目1-1"),
			chromedp.SendKeys(chromedp.CSS("#phone"), "0977-21-0001"),
			chromedp.SendKeys(chromedp.CSS("#admin_name"), "鉄輪 美和"),
			chromedp.SendKeys(chromedp.CSS("#admin_email"), "kannawa@example.jp"),
		)
		for _, k := range []string{"1", "2", "3", "4", "5", "6"} {
			do(t, ctx, "undertaking "+k, chromedp.Click(chromedp.CSS("#undertaking-"+k)))
		}
		do(t, ctx, "agree", chromedp.Click(chromedp.CSS("#agree")))
		click(t, ctx, "submit application", "main form button[type=submit]")
		if got := text(t, ctx, "#app-status"); got != "審査待ち" {
			t.Fatalf("application status = %q", got)
		}
		noticeURL := location(t, ctx)

		// The operator reviews and approves with a condition.
		login(t, ctx, s, "beppu", s.OpID, s.OpPass, s.code(t, s.OpTOTP))
		if got := text(t, ctx, "#pending-applications"); got != "1" {
			t.Fatalf("pending applications on the operator's home = %q", got)
		}
		click(t, ctx, "review queue", `main a[href$="/applications"]`)
		click(t, ctx, "open the application", "table.list a")
		do(t, ctx, "conditions", chromedp.SendKeys(chromedp.CSS("#conditions"), "年1回のセキュリティ研修の受講を条件とする。"))
		click(t, ctx, "approve", `form[action$="/approve"] button`)
		adminTempID, adminTempPass := text(t, ctx, "#cred-login"), text(t, ctx, "#cred-password")
		if !strings.HasPrefix(adminTempID, "beppu-") || len(adminTempPass) != 16 {
			t.Fatalf("temporary credentials %q / %q", adminTempID, adminTempPass)
		}
		logout(t, ctx)

		// The applicant's notice shows the permission and its condition.
		do(t, ctx, "notice", chromedp.Navigate(noticeURL), chromedp.WaitVisible(chromedp.CSS("#conditions")))
		if got := text(t, ctx, "#conditions"); got != "年1回のセキュリティ研修の受講を条件とする。" {
			t.Errorf("conditions on the notice = %q", got)
		}

		// The admin's first login, then a staff account.
		firstLogin(t, ctx, s, "beppu", adminTempID, adminTempPass, "kannawa", "Yukemuri-Admin-42")
		click(t, ctx, "own organization", `nav a[href*="/organizations/"]`)
		click(t, ctx, "empty staff form", "#staff-form button")
		if got := text(t, ctx, "#occupation-error"); got != "職種を選んでください。" {
			t.Errorf("occupation error = %q", got)
		}
		do(t, ctx, "staff form",
			chromedp.SendKeys(chromedp.CSS("#display_name"), "明礬 進"),
			chromedp.SetValue(chromedp.CSS("#occupation"), "care_manager"),
		)
		click(t, ctx, "issue staff", "#staff-form button")
		staffTempID, staffTempPass := text(t, ctx, "#cred-login"), text(t, ctx, "#cred-password")
		logout(t, ctx)

		firstLogin(t, ctx, s, "beppu", staffTempID, staffTempPass, "myoban", "Onsen-Care-2026!")
		if got := text(t, ctx, "main h1"); got != "明礬 進さん" {
			t.Errorf("staff home heading = %q", got)
		}
		if got := text(t, ctx, "main .lead"); !strings.Contains(got, "業務利用者") || !strings.Contains(got, "ケアプランセンターゆけむり") || !strings.Contains(got, "介護支援専門員") {
			t.Errorf("staff home lead = %q", got)
		}
		// A staff member sees no operator or admin menu.
		if n, _ := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(`nav a[href$="/applications"], nav a[href$="/audit"]`), chromedp.AtLeast(0))); len(n) != 0 {
			t.Errorf("staff sees %d operator menu entries", len(n))
		}
	})
}
