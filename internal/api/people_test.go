package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// This file and the other people*_test.go files walk the people capability
// (shared/SPEC.md §3-4) through /api/v1 only.

// pngForm is a scanned consent form as far as content detection goes.
var pngForm = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)

// personDoc is a person as the API writes it.
type personDoc struct {
	ID              string   `json:"id"`
	FamilyName      string   `json:"family_name"`
	GivenName       string   `json:"given_name"`
	FamilyKana      string   `json:"family_kana"`
	GivenKana       string   `json:"given_kana"`
	BirthDate       *string  `json:"birth_date"`
	CareInsuredNo   string   `json:"care_insured_no"`
	HealthInsuredNo string   `json:"health_insured_no"`
	RegisteredOrg   string   `json:"registered_org"`
	Eligible        bool     `json:"eligible"`
	LostReason      string   `json:"lost_reason"`
	LostOn          *string  `json:"lost_on"`
	ReadableUntil   *string  `json:"readable_until"`
	Status          string   `json:"status"`
	Consent         string   `json:"consent"`
	ConsentForm     string   `json:"consent_form"`
	ConsentScopes   []string `json:"consent_scopes"`
	CreatedAt       *string  `json:"created_at"`
}

type accessDoc struct {
	ID        string  `json:"id"`
	OrgID     string  `json:"org_id"`
	Kind      string  `json:"kind"`
	ExpiresOn *string `json:"expires_on"`
	EndedAt   *string `json:"ended_at"`
	EndReason string  `json:"end_reason"`
}

type accessRequestDoc struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
	OrgID    string `json:"org_id"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
}

type consentDoc struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	FormVersion  string   `json:"form_version"`
	Scopes       []string `json:"scopes"`
	AttachmentID string   `json:"attachment_id"`
	WithdrawnAt  *string  `json:"withdrawn_at"`
}

type personViewDoc struct {
	Person   personDoc          `json:"person"`
	Via      string             `json:"via"`
	Hidden   bool               `json:"hidden"`
	Consents []consentDoc       `json:"consents"`
	Access   []accessDoc        `json:"access"`
	Requests []accessRequestDoc `json:"requests"`
}

type personListDoc struct {
	Total  int         `json:"total"`
	People []personDoc `json:"people"`
}

// orgOfType has an organization of the type apply and the operator approve it,
// and returns the approval with its admin logged in.
func (c *client) orgOfType(network, profileID, name, orgType string, op user) (approval, user) {
	c.t.Helper()
	body := applicationBody(profileID, name)
	body["org_type"] = orgType
	var app created
	c.do("POST", "/api/v1/networks/"+network+"/applications", "", body).ok(c.t, http.StatusCreated, &app)
	var ap approval
	c.do("POST", "/api/v1/applications/"+app.ID+"/approve", op.Token, map[string]string{"conditions": ""}).ok(c.t, http.StatusOK, &ap)
	return ap, c.seeded(network, ap.Admin)
}

// requestedStaff has the admin request a staff account and the operator issue it
// (joso §10), then logs it in.
func (c *client) requestedStaff(network, orgID string, admin, op user, name, occupation string) user {
	c.t.Helper()
	var req struct{ ID string }
	c.do("POST", "/api/v1/organizations/"+orgID+"/staff-requests", admin.Token,
		map[string]string{"display_name": name, "email": "", "occupation": occupation}).ok(c.t, http.StatusCreated, &req)
	var creds accounts.Credentials
	c.do("POST", "/api/v1/staff-requests/"+req.ID+"/issue", op.Token, nil).ok(c.t, http.StatusCreated, &creds)
	return c.seeded(network, creds)
}

// personBody is a valid registration; fields adds or replaces members.
func personBody(family, given, familyKana, givenKana, birth string, fields ...string) map[string]any {
	b := map[string]any{"family_name": family, "given_name": given, "family_kana": familyKana, "given_kana": givenKana,
		"birth_date": birth, "sex": "female", "address": "大分県別府市上野口町1-15", "phone": "0977-21-1111"}
	for i := 0; i+1 < len(fields); i += 2 {
		b[fields[i]] = fields[i+1]
	}
	return b
}

func (c *client) register(token string, body map[string]any) personDoc {
	c.t.Helper()
	var p personDoc
	res := c.do("POST", "/api/v1/people", token, body)
	res.ok(c.t, http.StatusCreated, &p)
	if loc := res.Header.Get("Location"); loc != "/api/v1/people/"+p.ID {
		c.t.Errorf("Location %q", loc)
	}
	return p
}

func (c *client) view(token, id string) personViewDoc {
	c.t.Helper()
	var v personViewDoc
	c.do("GET", "/api/v1/people/"+id, token, nil).ok(c.t, http.StatusOK, &v)
	if v.Person.ID != id {
		c.t.Fatalf("GET person %s answered %+v", id, v.Person)
	}
	return v
}

// hiddenFrom checks that the person is not found for the token: neither the page
// nor the list shows them.
func (c *client) hiddenFrom(token, id string) {
	c.t.Helper()
	c.do("GET", "/api/v1/people/"+id, token, nil).problem(c.t, http.StatusNotFound, "not-found")
	if slices.Contains(c.listIDs(token, ""), id) {
		c.t.Errorf("the list shows %s, whose page is not found", id)
	}
}

func (c *client) list(token, query string) personListDoc {
	c.t.Helper()
	var l personListDoc
	c.do("GET", "/api/v1/people"+query, token, nil).ok(c.t, http.StatusOK, &l)
	if l.Total < len(l.People) {
		c.t.Errorf("total %d < %d people listed", l.Total, len(l.People))
	}
	return l
}

func (c *client) listIDs(token, query string) []string {
	c.t.Helper()
	var ids []string
	for _, p := range c.list(token, query).People {
		ids = append(ids, p.ID)
	}
	return ids
}

type auditPageDoc struct {
	Total  int `json:"total"`
	Events []struct {
		ActorUserID string          `json:"actor_user_id"`
		ActorOrgID  string          `json:"actor_org_id"`
		Action      string          `json:"action"`
		PersonID    string          `json:"person_id"`
		Outcome     string          `json:"outcome"`
		Detail      json.RawMessage `json:"detail"`
	} `json:"events"`
}

// TestPeopleWalkBeppu walks beppu §15-§17 through the API: the operator registers a
// person and enters the consent (the city takes it, §15-1) naming the care-plan
// office (居宅介護支援事業所, §17-1); the office sees the person through its
// care-plan access; another organization asks it for access (§17-3), is granted
// (§17-4), reads, is revoked (§17-5) and from the very next request sees nothing;
// the withdrawal (§16) stops the office too, except for the people it registered
// itself.
func TestPeopleWalkBeppu(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("beppu", "beppu")
		office, officeAdmin := c.orgOfType("beppu", "beppu", "べっぷ居宅介護支援センター", "kyotaku", op)
		officeID := office.Organization.ID
		cm := c.seeded("beppu", c.staff(officeID, officeAdmin, "別府 介護", "care_manager"))
		other, otherAdmin := c.orgOfType("beppu", "beppu", "べっぷ訪問介護ステーション", "kaigo_service", op)
		otherID := other.Organization.ID
		helper := c.seeded("beppu", c.staff(otherID, otherAdmin, "別府 訪問", "helper"))

		// Registration; the same kana name and birth date again is a warning first.
		body := personBody("別府", "花子", "べっぷ", "はなこ", "1940-04-01", "care_insured_no", "0123456789")
		a := c.register(op.Token, body)
		if a.FamilyKana != "ベップ" || a.Consent != "none" || !a.Eligible || a.Status != "active" || *a.BirthDate != "1940-04-01" {
			t.Errorf("registered %+v", a)
		}
		dup := personBody("別府", "花子", "ベップ", "ハナコ", "1940-04-01")
		c.do("POST", "/api/v1/people", op.Token, dup).problem(t, http.StatusConflict, "duplicate")
		if l := c.list(op.Token, "?kana=ベップ"); l.Total != 1 {
			t.Errorf("after a refused duplicate the operator lists %d people", l.Total)
		}

		// beppu §15: nothing is shared before consent.
		c.hiddenFrom(cm.Token, a.ID)
		c.hiddenFrom(helper.Token, a.ID)

		// The consent, with the scanned signed form, names the care-plan office.
		var con consentDoc
		c.do("POST", "/api/v1/people/"+a.ID+"/consents", op.Token, map[string]any{"kind": "family",
			"signer_name": "別府 一郎", "relationship": "長男", "consented_on": "2026-11-20", "form_version": "form6",
			"care_plan_org": officeID, "form_base64": base64.StdEncoding.EncodeToString(pngForm),
			"form_content_type": "image/png"}).ok(t, http.StatusCreated, &con)
		sum := sha256.Sum256(pngForm)
		if con.AttachmentID != hex.EncodeToString(sum[:]) || con.FormVersion != "form6" || !slices.Equal(con.Scopes, []string{"sharing"}) {
			t.Errorf("consent %+v", con)
		}

		// beppu §17-1: the office that writes the care plan sees the person.
		v := c.view(cm.Token, a.ID)
		if v.Via != "careplan" || v.Person.Consent != "active" || len(v.Consents) != 1 || v.Consents[0].AttachmentID != con.AttachmentID {
			t.Errorf("the office's view: %+v", v)
		}
		if !slices.Contains(c.listIDs(cm.Token, "?kana=べっぷ"), a.ID) {
			t.Error("the office's list lacks the person")
		}
		c.hiddenFrom(helper.Token, a.ID)

		// beppu §17-3: the other organization asks, naming the person by the care
		// insured number and birth date it holds; it learns nothing more.
		c.do("POST", "/api/v1/access-requests", helper.Token, map[string]string{"insured_no": "0123456789",
			"birth_date": "1940-04-02", "reason": "訪問介護を開始するため"}).problem(t, http.StatusUnprocessableEntity, "invalid")
		var req accessRequestDoc
		res := c.do("POST", "/api/v1/access-requests", helper.Token, map[string]string{"insured_no": "0123456789",
			"birth_date": "1940-04-01", "reason": "訪問介護を開始するため"})
		res.ok(t, http.StatusCreated, &req)
		if req.Status != "pending" || req.OrgID != otherID || req.PersonID != "" || strings.Contains(string(res.Body), a.ID) {
			t.Errorf("request %s", res.Body)
		}
		c.hiddenFrom(helper.Token, a.ID)
		// Only the care-plan office answers.
		c.do("POST", "/api/v1/access-requests/"+req.ID+"/grant", helper.Token, nil).problem(t, http.StatusNotFound, "not-found")
		v = c.view(cm.Token, a.ID)
		if len(v.Requests) != 1 || v.Requests[0].ID != req.ID || v.Requests[0].Status != "pending" || v.Requests[0].OrgID != otherID {
			t.Fatalf("the office sees requests %+v", v.Requests)
		}

		// beppu §17-4: the office grants; the organization reads.
		c.do("POST", "/api/v1/access-requests/"+req.ID+"/grant", cm.Token, nil).ok(t, http.StatusNoContent, nil)
		c.do("POST", "/api/v1/access-requests/"+req.ID+"/refuse", cm.Token, nil).problem(t, http.StatusConflict, "conflict")
		if v := c.view(helper.Token, a.ID); v.Via != "granted" {
			t.Errorf("the granted organization reads via %q", v.Via)
		}
		if !slices.Contains(c.listIDs(helper.Token, ""), a.ID) {
			t.Error("the granted organization's list lacks the person")
		}

		// beppu §17-5: the office revokes; the very next request is refused.
		var grant accessDoc
		for _, x := range c.view(cm.Token, a.ID).Access {
			if x.OrgID == otherID && x.Kind == "granted" && x.EndedAt == nil {
				grant = x
			}
		}
		if grant.ID == "" {
			t.Fatal("no grant to the other organization on the person's page")
		}
		c.do("POST", "/api/v1/people/"+a.ID+"/access/"+grant.ID+"/end", helper.Token, map[string]string{"reason": "自分で終了"}).
			problem(t, http.StatusForbidden, "forbidden")
		c.do("POST", "/api/v1/people/"+a.ID+"/access/"+grant.ID+"/end", cm.Token, map[string]string{"reason": "サービス終了のため"}).
			ok(t, http.StatusNoContent, nil)
		c.do("GET", "/api/v1/people/"+a.ID, helper.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.hiddenFrom(helper.Token, a.ID)
		c.do("POST", "/api/v1/people/"+a.ID+"/access/"+grant.ID+"/end", cm.Token, map[string]string{"reason": "再度"}).
			problem(t, http.StatusConflict, "conflict")

		// beppu §18: the loss of eligibility is recorded with its day; the record
		// stays readable through day 90 counted from it.
		c.do("POST", "/api/v1/people/"+a.ID+"/eligibility", cm.Token, map[string]any{"eligible": false,
			"lost_reason": "moved", "lost_on": "2026-11-01"}).ok(t, http.StatusNoContent, nil)
		if p := c.view(cm.Token, a.ID).Person; p.Eligible || p.LostReason != "moved" || *p.LostOn != "2026-11-01" || *p.ReadableUntil != "2027-01-29" {
			t.Errorf("after the loss: %+v", p)
		}
		c.do("POST", "/api/v1/people/"+a.ID+"/eligibility", cm.Token, map[string]any{"eligible": true}).ok(t, http.StatusNoContent, nil)
		// The read window is closed early only in fukuoka (§20 なお書き).
		c.do("POST", "/api/v1/people/"+a.ID+"/read-window/close", op.Token, map[string]string{"from": "2026-11-24"}).
			problem(t, http.StatusForbidden, "forbidden")

		// beppu §16: the withdrawal stops sharing at once, the office's included.
		c.do("POST", "/api/v1/people/"+a.ID+"/consents/withdraw", cm.Token, map[string]string{"note": "本人から撤回書を受領"}).
			problem(t, http.StatusForbidden, "forbidden") // the city receives withdrawals (beppu §16)
		c.do("POST", "/api/v1/people/"+a.ID+"/consents/withdraw", op.Token, map[string]string{"note": "本人から撤回書を受領"}).
			ok(t, http.StatusNoContent, nil)
		c.hiddenFrom(cm.Token, a.ID)
		v = c.view(op.Token, a.ID)
		if v.Via != "operator" || v.Person.Consent != "withdrawn" || v.Consents[0].WithdrawnAt == nil {
			t.Errorf("the operator's view after the withdrawal: %+v", v)
		}
		c.do("POST", "/api/v1/people/"+a.ID+"/consents/withdraw", op.Token, map[string]string{"note": ""}).
			problem(t, http.StatusForbidden, "forbidden")

		// A person the office registered itself stays visible to it as registrant
		// after the withdrawal, and to nobody else.
		b := c.register(cm.Token, personBody("鉄輪", "太郎", "かんなわ", "たろう", "1938-02-10", "care_insured_no", "0123456790"))
		c.do("POST", "/api/v1/people/"+b.ID+"/consents", cm.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-24", "form_version": "form6"}).problem(t, http.StatusForbidden, "forbidden")
		// The care-plan office defaults to the registering office.
		c.do("POST", "/api/v1/people/"+b.ID+"/consents", op.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-24", "form_version": "form6"}).ok(t, http.StatusCreated, nil)
		c.do("POST", "/api/v1/people/"+b.ID+"/grants", helper.Token, map[string]string{"org_id": otherID}).
			problem(t, http.StatusNotFound, "not-found")
		c.do("POST", "/api/v1/people/"+b.ID+"/grants", cm.Token, map[string]string{"org_id": otherID}).ok(t, http.StatusNoContent, nil)
		c.do("POST", "/api/v1/people/"+b.ID+"/grants", cm.Token, map[string]string{"org_id": otherID}).problem(t, http.StatusConflict, "conflict")
		if v := c.view(helper.Token, b.ID); v.Via != "granted" {
			t.Errorf("granted organization reads via %q", v.Via)
		}
		c.do("POST", "/api/v1/people/"+b.ID+"/consents/withdraw", op.Token, map[string]string{"note": ""}).ok(t, http.StatusNoContent, nil)
		c.hiddenFrom(helper.Token, b.ID)
		if v := c.view(cm.Token, b.ID); v.Via != "registrant" || v.Person.Consent != "withdrawn" {
			t.Errorf("the registering office's view after the withdrawal: via %q, %+v", v.Via, v.Person)
		}
		if ids := c.listIDs(cm.Token, ""); !slices.Equal(ids, []string{b.ID}) {
			t.Errorf("the office lists %v, want only its own registration %s", ids, b.ID)
		}
		// The care-plan office is assigned by the operator only (beppu §17-1..2).
		c.do("POST", "/api/v1/people/"+a.ID+"/care-plan", cm.Token, map[string]string{"org_id": officeID}).
			problem(t, http.StatusNotFound, "not-found")
		c.do("POST", "/api/v1/people/"+b.ID+"/care-plan", cm.Token, map[string]string{"org_id": officeID}).
			problem(t, http.StatusForbidden, "forbidden")
		// No consent in force any more: refused (by the policy or by the service).
		if res := c.do("POST", "/api/v1/people/"+a.ID+"/care-plan", op.Token, map[string]string{"org_id": officeID}); res.Status != http.StatusForbidden && res.Status != http.StatusConflict {
			t.Errorf("care-plan office assigned without a consent in force: %d %s", res.Status, res.Body)
		}

		// beppu §10-3: the operator sees who viewed the person, refusals included.
		var log auditPageDoc
		c.do("GET", "/api/v1/people/"+a.ID+"/access-log?limit=500", op.Token, nil).ok(t, http.StatusOK, &log)
		var helperViews, helperDenied int
		for _, e := range log.Events {
			if e.PersonID != a.ID {
				t.Errorf("the access log of %s holds an event of %s", a.ID, e.PersonID)
			}
			if e.ActorUserID == helper.ID && e.Action == "person.view" {
				if e.Outcome == "ok" {
					helperViews++
					if !strings.Contains(string(e.Detail), `"granted"`) {
						t.Errorf("a view under a grant is audited without it: %s", e.Detail)
					}
				} else {
					helperDenied++
				}
			}
		}
		if helperViews != 1 || helperDenied < 2 || log.Total != len(log.Events) {
			t.Errorf("access log: %d views and %d refusals by the other organization, total %d of %d", helperViews, helperDenied, log.Total, len(log.Events))
		}
		c.do("GET", "/api/v1/people/"+a.ID+"/access-log", cm.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("GET", "/api/v1/people/"+b.ID+"/access-log", cm.Token, nil).problem(t, http.StatusForbidden, "forbidden")

		// beppu §10-1: the operator edits the occupation matrix.
		var m struct {
			Editable bool `json:"editable"`
			Cells    []struct {
				Occupation, Category string
				Read, Write          bool
			} `json:"cells"`
		}
		c.do("PUT", "/api/v1/matrix", op.Token, map[string]any{"cells": []map[string]any{
			{"occupation": "helper", "category": "care", "read": true, "write": false}}}).ok(t, http.StatusNoContent, nil)
		c.do("PUT", "/api/v1/matrix", cm.Token, map[string]any{"cells": []map[string]any{
			{"occupation": "helper", "category": "care", "read": true, "write": true}}}).problem(t, http.StatusForbidden, "forbidden")
		c.do("GET", "/api/v1/matrix", op.Token, nil).ok(t, http.StatusOK, &m)
		found := false
		for _, cell := range m.Cells {
			if cell.Occupation == "helper" && cell.Category == "care" {
				found = cell.Read && !cell.Write
			}
		}
		if !m.Editable || !found || len(m.Cells) != 10*3 {
			t.Errorf("matrix after the change: editable %t, helper/care set %t, %d cells", m.Editable, found, len(m.Cells))
		}
		// No claims and no disasters in beppu.
		c.send("POST", "/api/v1/claims", op.Token, raw("insured_no,org_code,insurance_kind,service_month\n"), "text/csv").
			problem(t, http.StatusForbidden, "forbidden")
		c.do("POST", "/api/v1/disasters", op.Token, map[string]string{"name": "地震"}).problem(t, http.StatusForbidden, "forbidden")

		c.checkAudited("beppu")
	})
}

// TestPeopleNetworkIsolation: a person of another network is not found, whatever
// the caller's role, on every person route.
func TestPeopleNetworkIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("beppu", "beppu")
		office, officeAdmin := c.orgOfType("beppu", "beppu", "べっぷ居宅介護支援センター", "kyotaku", op)
		_, otherAdmin := c.orgOfType("beppu", "beppu", "べっぷ訪問介護ステーション", "kaigo_service", op)
		p := c.register(officeAdmin.Token, personBody("別府", "花子", "べっぷ", "はなこ", "1940-04-01", "care_insured_no", "0123456789"))
		c.do("POST", "/api/v1/people/"+p.ID+"/consents", op.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-24", "form_version": "form6"}).ok(t, http.StatusCreated, nil)
		var req accessRequestDoc
		c.do("POST", "/api/v1/access-requests", otherAdmin.Token, map[string]string{"insured_no": "0123456789",
			"birth_date": "1940-04-01", "reason": "訪問のため"}).ok(t, http.StatusCreated, &req)
		access := c.view(officeAdmin.Token, p.ID).Access
		if len(access) != 1 || access[0].Kind != "careplan" || access[0].OrgID != office.Organization.ID {
			t.Fatalf("access %+v", access)
		}

		// katori: an operator (who sees every person of katori) and an organization.
		opK := c.operator("katori", "katori")
		_, adminK := c.orgOfType("katori", "katori", "香取の事業所", "kyotaku", opK)
		c.register(adminK.Token, personBody("香取", "一郎", "かとり", "いちろう", "1950-01-01"))
		for _, tok := range []string{opK.Token, adminK.Token} {
			c.do("GET", "/api/v1/people/"+p.ID, tok, nil).problem(t, http.StatusNotFound, "not-found")
			c.do("GET", "/api/v1/people/"+p.ID+"/access-log", tok, nil).problem(t, http.StatusNotFound, "not-found")
			if ids := c.listIDs(tok, "?kana=ベップ"); len(ids) != 0 {
				t.Errorf("katori lists beppu's people: %v", ids)
			}
			c.do("POST", "/api/v1/people/"+p.ID+"/consents", tok, map[string]any{"kind": "self",
				"consented_on": "2026-11-24", "form_version": "doisho"}).problem(t, http.StatusNotFound, "not-found")
			c.do("POST", "/api/v1/people/"+p.ID+"/eligibility", tok, map[string]any{"eligible": false,
				"lost_reason": "death", "lost_on": "2026-11-01"}).problem(t, http.StatusNotFound, "not-found")
			c.do("POST", "/api/v1/people/"+p.ID+"/deletion", tok, map[string]string{"note": ""}).problem(t, http.StatusNotFound, "not-found")
			c.do("POST", "/api/v1/people/"+p.ID+"/team", tok, map[string]string{"org_id": office.Organization.ID}).problem(t, http.StatusNotFound, "not-found")
			c.do("POST", "/api/v1/people/"+p.ID+"/access/"+access[0].ID+"/end", tok, map[string]string{"reason": "x"}).problem(t, http.StatusNotFound, "not-found")
			c.do("POST", "/api/v1/access-requests/"+req.ID+"/grant", tok, nil).problem(t, http.StatusNotFound, "not-found")
		}
		// The same insured number and birth date name nobody in katori.
		c.do("POST", "/api/v1/access-requests", adminK.Token, map[string]string{"insured_no": "0123456789",
			"birth_date": "1940-04-01", "reason": "x"}).problem(t, http.StatusForbidden, "forbidden")
		// Nothing changed in beppu.
		if v := c.view(officeAdmin.Token, p.ID); v.Person.Consent != "active" || len(v.Access) != 1 || v.Access[0].EndedAt != nil ||
			len(v.Requests) != 1 || v.Requests[0].Status != "pending" {
			t.Errorf("beppu's person after katori's attempts: %+v", v)
		}
		// beppu §17-2: the operator moves the care plan to another office; the old
		// office's care-plan access ends, and the registration moves with the plan,
		// so the old office no longer sees the person.
		other := req.OrgID
		c.do("POST", "/api/v1/people/"+p.ID+"/care-plan", op.Token, map[string]string{"org_id": other}).ok(t, http.StatusNoContent, nil)
		if v := c.view(otherAdmin.Token, p.ID); v.Via != "registrant" && v.Via != "careplan" {
			t.Errorf("the new office reads via %q", v.Via)
		}
		c.do("GET", "/api/v1/people/"+p.ID, officeAdmin.Token, nil).problem(t, http.StatusNotFound, "not-found")
		for _, x := range c.view(otherAdmin.Token, p.ID).Access {
			if x.Kind == "careplan" && (x.OrgID == other) == (x.EndedAt != nil) {
				t.Errorf("after the move: %+v", x)
			}
		}

		// A katori token used as a beppu token is refused outright.
		_, secret, _ := strings.Cut(adminK.Token, ".")
		c.do("GET", "/api/v1/people/"+p.ID, "beppu."+secret, nil).problem(t, http.StatusUnauthorized, "session-expired")
	})
}

// TestPeopleConsentFormDownload: beppu §15-1 (the city takes the signed 様式第6号)
// through the API. The care-plan office (§17-1) and the operator get the scanned
// form back byte for byte, in its stored type, as a download that is neither
// sniffed nor cached; an organization that does not share the person gets 404 and
// its attempt is in the person's access log (§10-3); after the withdrawal (§16-2)
// the office gets 404 too.
func TestPeopleConsentFormDownload(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("beppu", "beppu")
		office, officeAdmin := c.orgOfType("beppu", "beppu", "べっぷ居宅介護支援センター", "kyotaku", op)
		cm := c.seeded("beppu", c.staff(office.Organization.ID, officeAdmin, "別府 介護", "care_manager"))
		other, otherAdmin := c.orgOfType("beppu", "beppu", "べっぷ訪問介護ステーション", "kaigo_service", op)
		helper := c.seeded("beppu", c.staff(other.Organization.ID, otherAdmin, "別府 訪問", "helper"))

		a := c.register(op.Token, personBody("朝見", "花子", "アサミ", "ハナコ", "1941-05-05", "care_insured_no", "0123450001"))
		var con consentDoc
		c.do("POST", "/api/v1/people/"+a.ID+"/consents", op.Token, map[string]any{"kind": "family",
			"signer_name": "朝見 一郎", "relationship": "長男", "consented_on": "2026-11-20", "form_version": "form6",
			"care_plan_org": office.Organization.ID, "form_base64": base64.StdEncoding.EncodeToString(pngForm)}).
			ok(t, http.StatusCreated, &con)
		path := "/api/v1/people/" + a.ID + "/consents/" + con.ID + "/form"

		for name, tok := range map[string]string{"care-plan office": cm.Token, "operator": op.Token} {
			res := c.do("GET", path, tok, nil)
			if res.Status != http.StatusOK || string(res.Body) != string(pngForm) {
				t.Fatalf("the %s's download: %d, %d bytes, want the %d bytes stored", name, res.Status, len(res.Body), len(pngForm))
			}
			h := res.Header
			if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("the %s's download headers: %v", name, h)
			}
			if cd := h.Get("Content-Disposition"); cd != "attachment; filename=doisho-"+con.AttachmentID[:16]+".png" {
				t.Errorf("Content-Disposition %q, want an attachment named by the file's hash", cd)
			}
		}
		c.do("GET", path, helper.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("GET", "/api/v1/people/"+a.ID+"/consents/no-such-consent/form", op.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("GET", path, "", nil).problem(t, http.StatusUnauthorized, "unauthorized")

		// beppu §10-3: the downloads and the refusal are in the person's access log.
		var log auditPageDoc
		c.do("GET", "/api/v1/people/"+a.ID+"/access-log?limit=500", op.Token, nil).ok(t, http.StatusOK, &log)
		downloads, refused := map[string]bool{}, false
		for _, e := range log.Events {
			if e.Action == "consent.form.view" && e.Outcome == "ok" {
				downloads[e.ActorUserID] = true
			}
			if e.ActorUserID == helper.ID && e.Outcome == "denied" {
				refused = true
			}
		}
		if !downloads[cm.ID] || !downloads[op.ID] || !refused {
			t.Errorf("access log: downloads by %v, the other organization's refusal logged %v", downloads, refused)
		}

		// beppu §16-2: after the withdrawal the office's very next download is refused.
		c.do("POST", "/api/v1/people/"+a.ID+"/consents/withdraw", op.Token, map[string]string{"note": "同意撤回書を受領"}).
			ok(t, http.StatusNoContent, nil)
		c.do("GET", path, cm.Token, nil).problem(t, http.StatusNotFound, "not-found")
		if res := c.do("GET", path, op.Token, nil); res.Status != http.StatusOK || string(res.Body) != string(pngForm) {
			t.Errorf("the operator's download after the withdrawal: %d", res.Status)
		}
	})
}
