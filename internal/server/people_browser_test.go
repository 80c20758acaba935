package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// fitsPhone fails when the page is wider than the phone's screen (a table or form
// that makes the reader scroll sideways).
func fitsPhone(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth <= window.innerWidth + 1"))
	if err != nil || !ok {
		w, _ := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
		t.Errorf("%s is wider than the phone (%d px): %v", what, w, err)
	}
}

// TestBrowserPeopleWalk: on a phone-sized window, a beppu care manager registers a
// person; the consent, which the city takes (beppu §15-1), is recorded with the
// scanned form as a small PDF upload; the care manager finds the person in 「対象者」
// as 同意済み; another organization cannot open the page; the care manager, as the
// care-plan office (beppu §17-1), grants it access (§17-4) and from its next
// request it can.
func TestBrowserPeopleWalk(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		cm := s.member(t, "beppu", "ケアプランセンターゆけむり", "kyotaku", "cm-yukemuri", "care_manager")
		other := s.member(t, "beppu", "訪問介護ステーションうみ", "kaigo_service", "helper-umi", "helper")
		pdf := filepath.Join(t.TempDir(), "doui.pdf")
		if err := os.WriteFile(pdf, smallPDF, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := browser(t)
		signIn := func(id string) {
			t.Helper()
			login(t, ctx, s, "beppu", id, staffPass, s.code(t, staffTOTP))
			s.Clock.Advance(30e9) // the next code is a new step
		}

		// The care manager starts with nobody and is told why.
		signIn(cm.Login)
		click(t, ctx, "menu: people", `nav a[href$="/people"]`)
		if got := text(t, ctx, "#people-empty"); !strings.Contains(got, "閲覧を認められた対象者だけが表示されます") {
			t.Errorf("empty list says %q", got)
		}
		fitsPhone(t, ctx, "the empty list")

		// Register: first with a mistake, shown beside its field.
		click(t, ctx, "register link", "#register-link")
		do(t, ctx, "person form with a bad kana",
			chromedp.SendKeys(chromedp.CSS("#family_name"), "鉄輪"),
			chromedp.SendKeys(chromedp.CSS("#given_name"), "花子"),
			chromedp.SendKeys(chromedp.CSS("#family_kana"), "鉄輪"),
			chromedp.SendKeys(chromedp.CSS("#given_kana"), "はなこ"),
			chromedp.SetValue(chromedp.CSS("#birth_date"), "1940-04-01"),
			chromedp.SetValue(chromedp.CSS("#sex"), "female"),
			chromedp.SendKeys(chromedp.CSS("#care_insured_no"), "1234567890"),
		)
		fitsPhone(t, ctx, "the registration form")
		click(t, ctx, "register with a bad kana", "#person-form button[type=submit]")
		if got := text(t, ctx, "#family_kana-error"); got != "氏（フリガナ）はひらがな又はカタカナで入力してください。" {
			t.Fatalf("kana error = %q", got)
		}
		do(t, ctx, "fix the kana", chromedp.Clear(chromedp.CSS("#family_kana")), chromedp.SendKeys(chromedp.CSS("#family_kana"), "かんなわ"))
		click(t, ctx, "register", "#person-form button[type=submit]")
		if got := text(t, ctx, "#person-name"); !strings.HasPrefix(got, "鉄輪 花子") {
			t.Fatalf("person page heading = %q", got)
		}
		if got := text(t, ctx, "#consent-badge"); got != "同意なし" {
			t.Errorf("badge before consent = %q", got)
		}

		// beppu §15-1: the care manager is told that the city enters the consent.
		if got := text(t, ctx, "#consent-by"); !strings.Contains(got, "beppu §15-1") {
			t.Errorf("the care manager is not told who enters the consent: %q", got)
		}
		personURL, _, _ := strings.Cut(location(t, ctx), "?")
		logout(t, ctx)

		// beppu §15-1: the city takes the signed form; the operator enters it with the scan.
		login(t, ctx, s, "beppu", s.OpID, s.OpPass, s.code(t, s.OpTOTP))
		s.Clock.Advance(30e9)
		do(t, ctx, "operator opens the person", chromedp.Navigate(personURL), chromedp.WaitVisible(chromedp.CSS("#consent-link")))
		// Consent with the scanned, signed form.
		click(t, ctx, "consent link", "#consent-link")
		do(t, ctx, "consent form",
			chromedp.SetValue(chromedp.CSS("#consented_on"), "2026-11-20"),
			chromedp.SetUploadFiles(chromedp.CSS("#form"), []string{pdf}),
		)
		fitsPhone(t, ctx, "the consent form")
		click(t, ctx, "record consent", "#consent-form button[type=submit]")
		if got := text(t, ctx, ".notice"); got != "同意を登録しました。" {
			t.Fatalf("after consent: %q", got)
		}
		if got := text(t, ctx, "#consent-badge"); got != "同意済み" {
			t.Errorf("badge after consent = %q", got)
		}
		if got := text(t, ctx, "#consents"); !strings.Contains(got, "添付あり") || !strings.Contains(got, "同意書（様式第6号）") {
			t.Errorf("consent history = %q", got)
		}
		// beppu §17-1: the registering office writes the care plan and now has access.
		if got := text(t, ctx, "#access"); !strings.Contains(got, "ケアプランセンターゆけむり") || !strings.Contains(got, "ケアプラン作成事業所") {
			t.Errorf("access after consent = %q", got)
		}
		fitsPhone(t, ctx, "the person page")
		logout(t, ctx)
		signIn(cm.Login)

		// 「対象者」 lists the person as 同意済み.
		click(t, ctx, "menu: people", `nav a[href$="/people"]`)
		if got := text(t, ctx, "#people tbody"); !strings.Contains(got, "鉄輪 花子") || !strings.Contains(got, "同意済み") || !strings.Contains(got, "1940-04-01") {
			t.Errorf("people list = %q", got)
		}
		if got := text(t, ctx, "#people-total"); !strings.HasPrefix(got, "1 名中") {
			t.Errorf("total = %q", got)
		}
		fitsPhone(t, ctx, "the people list")
		logout(t, ctx)

		// Another organization cannot open the page; it finds its own ID to give.
		signIn(other.Login)
		do(t, ctx, "other organization opens the page", chromedp.Navigate(personURL), chromedp.WaitVisible(chromedp.CSS("main .error")))
		if got := text(t, ctx, "main .error"); got != "お探しのページは見つかりません。" {
			t.Errorf("another organization sees %q", got)
		}
		if html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main"))); strings.Contains(html, "鉄輪") {
			t.Errorf("the refusal names the person")
		}
		click(t, ctx, "menu: access requests", `nav a[href$="/access-requests"]`)
		orgID := text(t, ctx, "#own-org-id")
		if orgID != other.OrgID {
			t.Fatalf("own organization ID = %q, want %q", orgID, other.OrgID)
		}
		logout(t, ctx)

		// The care manager grants it access.
		signIn(cm.Login)
		do(t, ctx, "open the person", chromedp.Navigate(personURL), chromedp.WaitVisible(chromedp.CSS("#grant-form")))
		do(t, ctx, "grant form", chromedp.SetValue(chromedp.CSS("#org_id"), orgID))
		click(t, ctx, "grant", "#grant-form button[type=submit]")
		if got := text(t, ctx, ".notice"); !strings.HasPrefix(got, "閲覧を許可しました。") {
			t.Fatalf("after the grant: %q", got)
		}
		if got := text(t, ctx, "#access"); !strings.Contains(got, "訪問介護ステーションうみ") || !strings.Contains(got, "閲覧の許可") {
			t.Errorf("access after the grant = %q", got)
		}
		logout(t, ctx)

		// Now it can.
		signIn(other.Login)
		do(t, ctx, "other organization opens the page again", chromedp.Navigate(personURL), chromedp.WaitVisible(chromedp.CSS("#person-name")))
		if got := text(t, ctx, "#person-name"); !strings.HasPrefix(got, "鉄輪 花子") {
			t.Errorf("granted organization sees %q", got)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#grant-form, #withdraw-form"), chromedp.AtLeast(0))); len(n) != 0 {
			t.Errorf("the granted organization is offered the care-plan office's forms")
		}
		click(t, ctx, "menu: people", `nav a[href$="/people"]`)
		if got := text(t, ctx, "#people tbody"); !strings.Contains(got, "鉄輪 花子") {
			t.Errorf("granted organization's list = %q", got)
		}
	})
}
