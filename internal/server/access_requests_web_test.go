package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// section returns the HTML of the element with the id, up to its closing tag
// (tables and sections are not nested in what these tests look at).
func section(t *testing.T, body, id, tag string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</"+tag+">")
	if j < 0 {
		t.Fatalf("no </%s> after #%s", tag, id)
	}
	return body[i : i+j]
}

// TestAccessRequestsWebBeppu: beppu §17-3..4 on the 「閲覧の申請」 page. The
// organization that asks follows its request there, seeing only what it typed
// (申請中 → 許可) and, once granted, a link to the person; the care-plan office
// finds the request on the same page with the person and the organization named,
// and grants it there; the operator sees it too. Organizations are named (with
// their type) on the person page, and the grant form offers them by name.
func TestAccessRequestsWebBeppu(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		cm := s.member(t, "beppu", "ケアプランセンターあおぞら", "kyotaku", "cm-a", "care_manager")
		other := s.member(t, "beppu", "訪問介護ひかり", "kaigo_service", "helper-h", "helper")
		f := personForm("堀田", "温子", "ホリタ", "アツコ", "1939-03-03")
		f.Set("care_insured_no", "0000012345")
		id := register(t, cm.C, "beppu", f)
		page := "/n/beppu/people/" + id
		op := newClient(t, s.URL)
		op.loginOperator(s, "beppu")
		if r := op.upload(page+"/consent", consentForm("2026-11-20"), "form", "doui.pdf", smallPDF); r.Status != http.StatusSeeOther {
			t.Fatalf("consent: %d\n%s", r.Status, r.Body)
		}

		// The person page names the organizations with their type; the grant form
		// offers the network's organizations by name, posting the ID.
		r := cm.C.get(page)
		if access := section(t, r.Body, "access", "table"); !strings.Contains(access, "ケアプランセンターあおぞら（自組織）") || !strings.Contains(access, "居宅介護支援事業所") {
			t.Errorf("the access table does not name the care-plan office\n%s", access)
		}
		grant := section(t, r.Body, "grant-form", "form")
		if !strings.Contains(grant, `<select id="org_id" name="org_id"`) || !strings.Contains(grant, `<optgroup label="介護サービス提供事業所"><option value="`+other.OrgID+`">訪問介護ひかり</option>`) ||
			strings.Contains(grant, `value="`+cm.OrgID+`"`) {
			t.Errorf("the grant form does not offer the organizations by name (and not the office itself)\n%s", grant)
		}
		if r := cm.C.post(page+"/grants", url.Values{"org_id": {""}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="org_id-error">組織を選んでください。`) {
			t.Errorf("a grant without an organization: %d", r.Status)
		}

		// beppu §17-3: the service provider asks.
		ar := "/n/beppu/access-requests"
		if r := other.C.post(ar, url.Values{"insured_no": {"0000012345"}, "birth_date": {"1939-03-03"}, "reason": {"12月から訪問介護を提供するため"}}); r.Status != http.StatusSeeOther ||
			!strings.HasSuffix(r.Location, ar+"?done=access-requested") {
			t.Fatalf("request: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		r = other.C.get(ar)
		out := section(t, r.Body, "outgoing", "table")
		if !strings.Contains(out, "申請中") || !strings.Contains(out, "0000012345") || !strings.Contains(out, "1939-03-03") || !strings.Contains(out, "12月から訪問介護を提供するため") {
			t.Errorf("the requester's own request is not listed as 申請中 with what it typed\n%s", r.Body)
		}
		if strings.Contains(r.Body, "堀田") || strings.Contains(r.Body, id) || strings.Contains(r.Body, "ケアプランセンターあおぞら") || strings.Contains(r.Body, `id="incoming"`) {
			t.Errorf("beppu §17-3: before the answer the requester learns about the person or their office\n%s", r.Body)
		}

		// beppu §17-4: the office finds it on its list and grants it there.
		r = cm.C.get(ar)
		in := section(t, r.Body, "incoming", "table")
		m := regexp.MustCompile(`action="/n/beppu/access-requests/([^/"]+)/grant"`).FindStringSubmatch(in)
		if m == nil || !strings.Contains(in, `<a href="/n/beppu/people/`+id+`">堀田 温子</a>`) || !strings.Contains(in, "訪問介護ひかり") ||
			!strings.Contains(in, "介護サービス提供事業所") || !strings.Contains(in, "12月から訪問介護を提供するため") {
			t.Fatalf("the office's list does not show the request\n%s", r.Body)
		}
		if r := op.get(ar); r.Status != 200 || !strings.Contains(section(t, r.Body, "incoming", "table"), "/access-requests/"+m[1]+"/grant") ||
			strings.Contains(r.Body, `id="request-form"`) {
			t.Errorf("the operator's list: %d\n%s", r.Status, r.Body)
		}
		if r := cm.C.post(ar+"/"+m[1]+"/grant", url.Values{"from": {"list"}}); r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, ar+"?done=request-granted") {
			t.Fatalf("grant from the list: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if r := cm.C.post(ar+"/"+m[1]+"/refuse", url.Values{"from": {"list"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "この申請は既に処理されています。") {
			t.Errorf("answering twice: %d", r.Status)
		}
		if in := section(t, cm.C.get(ar).Body, "incoming", "table"); strings.Contains(in, "/grant") || !strings.Contains(in, "許可") {
			t.Errorf("the answered request still offers the buttons\n%s", in)
		}

		// The requester sees the answer and may now open the person's page.
		r = other.C.get(ar)
		out = section(t, r.Body, "outgoing", "table")
		if !strings.Contains(out, "許可") || strings.Contains(out, "申請中") || !strings.Contains(out, `href="/n/beppu/people/`+id+`"`) {
			t.Errorf("after the grant the requester's list\n%s", out)
		}
		if strings.Contains(r.Body, "ケアプランセンターあおぞら") {
			t.Errorf("the requester learns who answered")
		}
		if r := other.C.get(page); r.Status != 200 || !strings.Contains(r.Body, "堀田 温子") {
			t.Errorf("the granted organization opens the page: %d", r.Status)
		}
		if access := section(t, cm.C.get(page).Body, "access", "table"); !strings.Contains(access, "訪問介護ひかり<br><small>介護サービス提供事業所</small>") {
			t.Errorf("the granted organization is not named on the person page\n%s", access)
		}
	})
}

// TestPeopleWebKatoriHouseholdAndTeamNames: katori §1 (世帯): the person page names
// the household and offers to register another member into it; katori §12: the
// team form offers the network's organizations by name.
func TestPeopleWebKatoriHouseholdAndTeamNames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "katori", "katori")
		a := s.member(t, "katori", "香取市地域包括支援センター", "hokatsu", "sw-a", "shakai_fukushishi")
		b := s.member(t, "katori", "香取市社会福祉協議会", "shakyo", "sw-b", "sodan_shienin")
		f := personForm("佐原", "一郎", "さわら", "いちろう", "1950-06-01")
		f.Set("new_household", "佐原さん世帯")
		id := register(t, a.C, "katori", f)
		r := a.C.get("/n/katori/people/" + id)
		if !strings.Contains(r.Body, `<span id="household-name">佐原さん世帯</span>`) || !strings.Contains(r.Body, `id="household-register">同じ世帯の方を登録する</a>`) {
			t.Errorf("the household is not named with a link to register another member\n%s", section(t, r.Body, "household", "dd"))
		}
		if team := section(t, r.Body, "team-form", "form"); !strings.Contains(team, `<option value="`+b.OrgID+`">香取市社会福祉協議会</option>`) {
			t.Errorf("the team form does not offer the organizations by name\n%s", team)
		}
		if r := a.C.post("/n/katori/people/"+id+"/team", url.Values{"org_id": {b.OrgID}}); r.Status != http.StatusSeeOther {
			t.Fatalf("team: %d\n%s", r.Status, r.Body)
		}
		if access := section(t, a.C.get("/n/katori/people/"+id).Body, "access", "table"); !strings.Contains(access, "香取市社会福祉協議会") {
			t.Errorf("the team member is not named\n%s", access)
		}
	})
}
