package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// file is a GET answered with the headers a download is judged by.
type file struct {
	Status int
	Header http.Header
	Body   []byte
}

func (c *client) file(path string) file {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return file{resp.StatusCode, resp.Header, b}
}

// TestPeopleWebConsentFormDownload: beppu §15-1 (the city takes the signed 様式第6号
// and enters it with its scan). The person page links 「同意書を表示」; the link
// gives the exact file as a download, not sniffed, not cached, to those who see the
// person; an organization without access gets 404 and its attempt is audited; a
// granted organization (§17-4) gets it until the withdrawal (§16-2), and not after.
func TestPeopleWebConsentFormDownload(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		cm := s.member(t, "beppu", "ケアプランセンターあおぞら", "kyotaku", "cm-a", "care_manager")
		granted := s.member(t, "beppu", "訪問介護ひかり", "kaigo_service", "helper-b", "helper")
		outsider := s.member(t, "beppu", "デイサービスつばさ", "kaigo_service", "helper-c", "helper")
		id := register(t, cm.C, "beppu", personForm("堀田", "温子", "ホリタ", "アツコ", "1939-03-03"))
		page := "/n/beppu/people/" + id
		city := newClient(t, s.URL)
		city.loginOperator(s, "beppu")
		if r := city.upload(page+"/consent", consentForm("2026-11-20"), "form", "doui.pdf", smallPDF); r.Status != http.StatusSeeOther {
			t.Fatalf("consent: %d\n%s", r.Status, r.Body)
		}

		r := cm.C.get(page)
		m := regexp.MustCompile(`<a href="(/n/beppu/people/` + id + `/consents/[^/"]+/form)" id="consent-form-[^"]+">同意書を表示</a>`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("the person page has no 同意書を表示 link\n%s", r.Body)
		}
		link := m[1]
		f := cm.C.file(link)
		if f.Status != http.StatusOK || string(f.Body) != string(smallPDF) {
			t.Fatalf("the care-plan office's download: %d, %q", f.Status, f.Body)
		}
		if f.Header.Get("Content-Type") != "application/pdf" || f.Header.Get("X-Content-Type-Options") != "nosniff" ||
			f.Header.Get("Cache-Control") != "no-store" || !regexp.MustCompile(`^attachment; filename=doisho-[0-9a-f]{16}\.pdf$`).MatchString(f.Header.Get("Content-Disposition")) {
			t.Errorf("download headers: %v", f.Header)
		}
		if f := city.file(link); f.Status != http.StatusOK || string(f.Body) != string(smallPDF) {
			t.Errorf("the operator's download: %d", f.Status)
		}

		// An organization that does not share the person: 404, nothing of the file, audited.
		if f := outsider.C.file(link); f.Status != http.StatusNotFound || strings.Contains(string(f.Body), "%PDF") {
			t.Errorf("an organization without access: %d", f.Status)
		}
		if !deniedFor(t, db, "beppu", id, outsider.UserID) {
			t.Error("the refused download is not in the audit log")
		}

		// beppu §17-4: the office lets another organization in; it gets the form.
		if r := cm.C.post(page+"/grants", url.Values{"org_id": {granted.OrgID}}); r.Status != http.StatusSeeOther {
			t.Fatalf("grant: %d\n%s", r.Status, r.Body)
		}
		if f := granted.C.file(link); f.Status != http.StatusOK || string(f.Body) != string(smallPDF) {
			t.Fatalf("the granted organization's download: %d", f.Status)
		}
		// beppu §16-2: after the withdrawal it no longer does.
		if r := city.post(page+"/withdraw", url.Values{"withdraw_confirm": {"yes"}, "withdraw_note": {"同意撤回書を受領"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d\n%s", r.Status, r.Body)
		}
		if f := granted.C.file(link); f.Status != http.StatusNotFound || strings.Contains(string(f.Body), "%PDF") {
			t.Errorf("beppu §16-2: the granted organization's download after the withdrawal: %d", f.Status)
		}
		if f := city.file(link); f.Status != http.StatusOK {
			t.Errorf("the operator's download after the withdrawal: %d", f.Status)
		}
	})
}

// deniedFor reports whether a refused read of the person by the user is audited.
func deniedFor(t *testing.T, db store.Store, net, personID, userID string) bool {
	t.Helper()
	var evs []*domain.AuditEvent
	if err := db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		evs, _, err = tx.FindAuditEvents(context.Background(), net, domain.AuditFilter{PersonID: personID, Limit: 500})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.ActorUserID == userID && e.Outcome == "denied" {
			return true
		}
	}
	return false
}

// TestPeopleWebConsentKindsOffered: the consent form offers only the ways of
// consenting the network's seed names, and refuses another with a message beside
// the field. katori §13-1: the person's own consent; sendai §12-1: or the family's
// (未成年又は同意困難な場合はその家族); beppu §15-1..2: or a proxy writer's (代筆) or the
// family's (代理同意).
func TestPeopleWebConsentKindsOffered(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		for _, tc := range []struct {
			net, form    string
			proxy, fam   bool
			refusedKind  string
			refusedWords string
		}{
			{"katori", "doisho", false, false, "family", "このネットワークでは家族等の代理による同意を登録しません"},
			{"sendai-izumi", "doisho", false, true, "proxy_writer", "このネットワークでは代筆による同意を登録しません"},
			{"beppu", "form6", true, true, "", ""},
		} {
			t.Run(tc.net, func(t *testing.T) {
				s := newSite(t, db, tc.net, tc.net)
				m := s.member(t, tc.net, "ケアプランセンター"+tc.net, "kyotaku", "cm-"+tc.net, "care_manager")
				id := register(t, m.C, tc.net, personForm("堀田", "温子", "ホリタ", "アツコ", "1939-03-03"))
				entering := m.C // katori §13-1, sendai §12-1: the user takes consent
				if tc.net == "beppu" {
					entering = newClient(t, s.URL) // beppu §15-1: the city does
					entering.loginOperator(s, tc.net)
				}
				page := "/n/" + tc.net + "/people/" + id + "/consent"
				r := entering.get(page)
				if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="kind-self"`) {
					t.Fatalf("consent page: %d\n%s", r.Status, r.Body)
				}
				if got := strings.Contains(r.Body, `id="kind-proxy_writer"`); got != tc.proxy {
					t.Errorf("代筆 offered: %v, want %v", got, tc.proxy)
				}
				if got := strings.Contains(r.Body, `id="kind-family"`); got != tc.fam {
					t.Errorf("代理同意 offered: %v, want %v", got, tc.fam)
				}
				if got := strings.Contains(r.Body, `id="signer_name"`); got != (tc.proxy || tc.fam) {
					t.Errorf("signer name asked: %v", got)
				}
				if tc.refusedKind == "" {
					return
				}
				before := peopleState(t, db, tc.net)
				r = entering.post(page, url.Values{"kind": {tc.refusedKind}, "signer_name": {"堀田 一郎"}, "relationship": {"長男"},
					"consented_on": {"2026-11-20"}, "form_version": {tc.form}, "scopes": {"sharing"}})
				if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="kind-error">`+tc.refusedWords) {
					t.Errorf("a %s consent: %d\n%s", tc.refusedKind, r.Status, r.Body)
				}
				if peopleState(t, db, tc.net) != before {
					t.Error("a refused consent changed something")
				}
			})
		}
	})
}
