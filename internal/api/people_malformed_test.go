package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// peopleRoutePrefixes are the paths of the people capability.
var peopleRoutePrefixes = []string{"/api/v1/people", "/api/v1/access-requests", "/api/v1/claims", "/api/v1/disasters", "/api/v1/matrix"}

// coveredElsewhere reports whether a route's malformed input is tested outside
// TestMalformedInput's tables: the people routes are in TestPeopleMalformedInput,
// which fails when one of them is missing (the claims import's malformed files
// are in TestPeopleClaimsFukuoka). TestMalformedInput may skip these.
func coveredElsewhere(method, path string) bool {
	return method != "GET" && !timelineMalformedRoute(path) &&
		slices.ContainsFunc(peopleRoutePrefixes, func(p string) bool { return strings.HasPrefix(path, p) })
}

// TestPeopleMalformedInput: every people route with a body refuses empty,
// malformed, over-long, mistyped, invalid UTF-8, markup-carrying and unknown input
// — and bad dates, bad insured numbers, unknown organizations, consent forms that
// are not PDF, JPEG or PNG — with a 400, 409, 413, 415 or 422 problem naming the
// field, and nothing changes: no person, consent, access, request, disaster,
// matrix cell or audit event. It uses the machinery of TestMalformedInput.
func TestPeopleMalformedInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)

		// beppu: the care-plan office registers and consents a person, grants
		// another organization, which also has a request pending.
		op := c.operator("beppu", "beppu")
		office, officeAdmin := c.orgOfType("beppu", "beppu", "べっぷ居宅介護支援センター", "kyotaku", op)
		officeID := office.Organization.ID
		cm := c.seeded("beppu", c.staff(officeID, officeAdmin, "別府 介護", "care_manager"))
		other, otherAdmin := c.orgOfType("beppu", "beppu", "べっぷ訪問介護ステーション", "kaigo_service", op)
		otherID := other.Organization.ID
		third, _ := c.orgOfType("beppu", "beppu", "べっぷ地域包括支援センター", "hokatsu", op)
		regBody := personBody("別府", "花子", "べっぷ", "はなこ", "1940-04-01", "care_insured_no", "0123456789",
			"health_insured_no", "", "household_id", "", "new_household", "")
		regBody["confirm_duplicate"] = false
		a := c.register(cm.Token, regBody)
		c.do("POST", "/api/v1/people/"+a.ID+"/consents", op.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-20", "form_version": "form6"}).ok(t, http.StatusCreated, nil)
		c.do("POST", "/api/v1/people/"+a.ID+"/grants", cm.Token, map[string]string{"org_id": otherID}).ok(t, http.StatusNoContent, nil)
		var grantID string
		for _, x := range c.view(cm.Token, a.ID).Access {
			if x.Kind == "granted" {
				grantID = x.ID
			}
		}
		var req accessRequestDoc
		c.do("POST", "/api/v1/access-requests", otherAdmin.Token, map[string]string{"insured_no": "0123456789",
			"birth_date": "1940-04-01", "reason": "訪問介護のため"}).ok(t, http.StatusCreated, &req)

		// katori: deletion by the user (§13-2) and the care team.
		opK := c.operator("katori", "katori")
		_, adminK := c.orgOfType("katori", "katori", "香取市社会福祉協議会", "shakyo", opK)
		otherK, _ := c.orgOfType("katori", "katori", "香取の相談支援事業所", "shogai_sodan", opK)
		k := c.register(adminK.Token, personBody("香取", "一郎", "かとり", "いちろう", "1950-01-01"))

		// joso: disasters.
		opJ := c.operator("joso", "joso")

		form := base64.StdEncoding.EncodeToString(pngForm)
		consentBody := map[string]any{"kind": "family", "signer_name": "別府 一郎", "relationship": "長男",
			"consented_on": "2026-11-20", "form_version": "form6", "scopes": []string{"sharing"}, "legal_basis": "",
			"care_plan_org": officeID, "form_base64": form, "form_content_type": "image/png"}
		consentText := []string{"kind", "signer_name", "relationship", "consented_on", "form_version", "care_plan_org",
			"form_base64", "form_content_type"}
		personText := []string{"family_name", "given_name", "family_kana", "given_kana", "birth_date", "sex", "address",
			"phone", "care_insured_no", "health_insured_no", "household_id", "new_household"}
		cell := map[string]any{"occupation": "helper", "category": "care", "read": true, "write": false}
		cells := func(cs ...any) raw { return mustJSON(map[string]any{"cells": append([]any{}, cs...)}) }
		invalid := func(name string, body any, field string) badCase {
			return badCase{name: name, body: mustJSON(body), status: 422, problem: "invalid", field: field}
		}
		personPath := "/api/v1/people/" + a.ID

		endpoints := []endpoint{
			{method: "POST", path: "/api/v1/people", token: cm.Token, body: regBody, long: personText, script: personText,
				extra: []badCase{
					invalid("no such date", with(regBody, "birth_date", "1940-02-30"), "birth_date"),
					invalid("slashed date", with(regBody, "birth_date", "1940/04/01"), "birth_date"),
					invalid("era date", with(regBody, "birth_date", "S15.4.1"), "birth_date"),
					invalid("born tomorrow", with(regBody, "birth_date", "2026-11-25"), "birth_date"),
					invalid("nine-digit insured number", with(regBody, "care_insured_no", "012345678"), "care_insured_no"),
					invalid("letters in insured number", with(regBody, "care_insured_no", "01234ABCDE"), "care_insured_no"),
					invalid("kanji as kana", with(regBody, "family_kana", "別府"), "family_kana"),
					invalid("unknown sex", with(regBody, "sex", "f"), "sex"),
					invalid("health number in beppu", with(regBody, "health_insured_no", "12-345678"), "health_insured_no"),
					invalid("household in beppu", with(regBody, "new_household", "別府家"), "household_id"),
					// The same kana name and birth date as a: a warning, nothing created.
					{name: "duplicate unconfirmed", body: mustJSON(regBody), status: 409, problem: "duplicate"},
				}},
			{method: "POST", path: personPath + "/eligibility", token: cm.Token,
				body: map[string]any{"eligible": false, "lost_reason": "death", "lost_on": "2026-11-01"},
				long: []string{"lost_reason", "lost_on"}, script: []string{"lost_reason", "lost_on"},
				extra: []badCase{
					invalid("no such date", map[string]any{"eligible": false, "lost_reason": "death", "lost_on": "2026-02-29"}, "lost_on"),
					invalid("lost tomorrow", map[string]any{"eligible": false, "lost_reason": "death", "lost_on": "2026-11-25"}, "lost_on"),
					invalid("no day", map[string]any{"eligible": false, "lost_reason": "moved"}, "lost_on"),
					invalid("unknown reason", map[string]any{"eligible": false, "lost_reason": "死亡", "lost_on": "2026-11-01"}, "lost_reason"),
				}},
			{method: "POST", path: personPath + "/read-window/close", token: op.Token, body: map[string]any{"from": "2026-11-24"},
				long: []string{"from"}, script: []string{"from"},
				extra: []badCase{invalid("no such date", map[string]any{"from": "2027-02-29"}, "from")}},
			{method: "POST", path: personPath + "/consents", token: op.Token, body: consentBody, long: consentText, script: consentText,
				extra: []badCase{
					invalid("unknown scope", with(consentBody, "scopes", []string{"sharing", "marketing"}), "scopes"),
					invalid("disaster scope in beppu", with(consentBody, "scopes", []string{"sharing", "disaster"}), "scopes"),
					invalid("no such date", with(consentBody, "consented_on", "2026-04-31"), "consented_on"),
					invalid("consented tomorrow", with(consentBody, "consented_on", "2026-11-25"), "consented_on"),
					invalid("unknown form", with(consentBody, "form_version", "form7a"), "form_version"),
					invalid("family without relationship", with(consentBody, "relationship", ""), "relationship"),
					invalid("legal sharing in beppu", with(consentBody, "kind", "legal"), "kind"),
					invalid("not base64", with(consentBody, "form_base64", "iVBORw0KGgo$$$"), "form_base64"),
					invalid("URL-safe base64", with(consentBody, "form_base64", base64.URLEncoding.EncodeToString([]byte("\xfb\xff\xbf\xfb\xff\xbf"))), "form_base64"),
					invalid("text file", with(consentBody, "form_base64", base64.StdEncoding.EncodeToString([]byte("同意します"))), "form_base64"),
					invalid("Shift_JIS text file", with(with(consentBody, "form_content_type", ""), "form_base64",
						base64.StdEncoding.EncodeToString([]byte{0x93, 0xaf, 0x88, 0xd3})), "form_base64"),
					invalid("type disagrees", with(consentBody, "form_content_type", "application/pdf"), "form_content_type"),
					invalid("type of no file", with(consentBody, "form_base64", ""), "form_content_type"),
					invalid("unknown type", with(consentBody, "form_content_type", "image/gif"), "form_content_type"),
					invalid("unknown care-plan office", with(consentBody, "care_plan_org", "nope"), "care_plan_org"),
					invalid("form over 10 MB", with(consentBody, "form_base64",
						base64.StdEncoding.EncodeToString(append(bytes.Clone(pngForm), make([]byte, 10<<20)...))), "form_base64"),
					{name: "body over 15 MiB", body: mustJSON(with(consentBody, "form_base64", strings.Repeat("A", 16<<20))),
						status: 413, problem: "request-too-large"},
				}},
			{method: "POST", path: personPath + "/consents/withdraw", token: op.Token, body: map[string]any{"note": "撤回書を受領"},
				long: []string{"note"}, script: []string{"note"}, emptyOK: true},
			{method: "POST", path: "/api/v1/people/" + k.ID + "/deletion", token: adminK.Token, body: map[string]any{"note": "本人から申し出"},
				long: []string{"note"}, script: []string{"note"}, emptyOK: true},
			{method: "POST", path: "/api/v1/people/" + k.ID + "/team", token: adminK.Token, body: map[string]any{"org_id": otherK.Organization.ID},
				long: []string{"org_id"}, script: []string{"org_id"},
				extra: []badCase{invalid("unknown organization", map[string]any{"org_id": "nope"}, "org_id"),
					invalid("organization of another network", map[string]any{"org_id": officeID}, "org_id")}},
			{method: "POST", path: personPath + "/grants", token: cm.Token, body: map[string]any{"org_id": third.Organization.ID},
				long: []string{"org_id"}, script: []string{"org_id"},
				extra: []badCase{invalid("unknown organization", map[string]any{"org_id": "nope"}, "org_id"),
					invalid("organization of another network", map[string]any{"org_id": otherK.Organization.ID}, "org_id")}},
			{method: "POST", path: personPath + "/access/" + grantID + "/end", token: cm.Token, body: map[string]any{"reason": "サービス終了"},
				long: []string{"reason"}, script: []string{"reason"},
				extra: []badCase{invalid("line break", map[string]any{"reason": "一行目\n二行目"}, "reason")}},
			{method: "POST", path: personPath + "/care-plan", token: op.Token, body: map[string]any{"org_id": officeID},
				long: []string{"org_id"}, script: []string{"org_id"},
				extra: []badCase{invalid("unknown organization", map[string]any{"org_id": "nope"}, "org_id")}},
			{method: "POST", path: "/api/v1/access-requests", token: otherAdmin.Token,
				body: map[string]any{"insured_no": "0123456789", "birth_date": "1940-04-01", "reason": "訪問介護のため"},
				long: []string{"insured_no", "birth_date", "reason"}, script: []string{"insured_no", "birth_date", "reason"},
				extra: []badCase{
					invalid("letters in insured number", map[string]any{"insured_no": "01234ABCDE", "birth_date": "1940-04-01", "reason": "x"}, "insured_no"),
					invalid("no such date", map[string]any{"insured_no": "0123456789", "birth_date": "1940-02-30", "reason": "x"}, "birth_date"),
					invalid("nobody", map[string]any{"insured_no": "0123456780", "birth_date": "1940-04-01", "reason": "x"}, "insured_no"),
				}},
			{method: "POST", path: "/api/v1/disasters", token: opJ.Token, body: map[string]any{"name": "鬼怒川氾濫"},
				long: []string{"name"}, script: []string{"name"}},
			{method: "PUT", path: "/api/v1/matrix", token: op.Token, body: map[string]any{"cells": []any{cell}},
				extra: []badCase{
					{name: "no cells", body: cells(), status: 422, problem: "invalid", field: "cells"},
					{name: "unknown occupation", body: cells(with(cell, "occupation", "doctor")), status: 422, problem: "invalid", field: "cells"},
					{name: "unknown category", body: cells(with(cell, "category", "medical")), status: 422, problem: "invalid", field: "cells"},
					{name: "unknown member in a cell", body: cells(with(cell, "delete", true)), status: 400, problem: "bad-request", field: "cells", detail: "「delete」"},
					{name: "member case in a cell", body: cells(renamed(cell, "read", "Read")), status: 400, problem: "bad-request", field: "cells", detail: "「Read」"},
					{name: "null in a cell", body: cells(with(cell, "read", nil)), status: 400, problem: "bad-request", field: "cells", detail: "「read」"},
					{name: "string for boolean", body: cells(with(cell, "write", "true")), status: 400, problem: "bad-request", field: "cells", detail: "「write」"},
					{name: "cell not an object", body: cells([]any{"helper", "care"}), status: 400, problem: "bad-request", field: "cells"},
					{name: "null cell", body: cells(nil), status: 400, problem: "bad-request", field: "cells"},
					{name: "invalid UTF-8 in a cell", body: bytes.Replace(cells(with(cell, "category", "@@")), []byte("@@"), []byte("\xff"), 1),
						status: 400, problem: "bad-request", detail: "UTF-8"},
				}},
		}
		bodiless := []struct{ method, path, token string }{
			{"POST", "/api/v1/access-requests/" + req.ID + "/grant", cm.Token},
			{"POST", "/api/v1/access-requests/" + req.ID + "/refuse", cm.Token},
			{"POST", "/api/v1/disasters/end", opJ.Token},
		}

		// Nothing any case below does may change anything: each is compared with
		// the state before the first.
		before := fullSnapshot(t, env)
		covered := map[string]bool{"POST /api/v1/claims": true} // TestPeopleClaimsFukuoka
		for _, ep := range endpoints {
			covered[pattern(t, env, ep.method, ep.path)] = true
			for _, bc := range casesFor(ep) {
				if bc.name == "too large" && ep.path == personPath+"/consents" {
					continue // this route takes 15 MiB: the case is in extra
				}
				t.Run(ep.method+" "+ep.path+"/"+bc.name, func(t *testing.T) {
					defer unchanged(t, env, &before)
					checkBadCase(t, c.send(ep.method, ep.path, ep.token, bc.body, bc.contentType), bc)
				})
			}
		}
		for _, b := range bodiless {
			covered[pattern(t, env, b.method, b.path)] = true
			for _, bc := range []badCase{
				{name: "unknown field", body: raw(`{"reason":"x"}`), status: 400, problem: "bad-request", field: "reason", detail: "「reason」"},
				{name: "malformed", body: raw(`{"`), status: 400, problem: "bad-request", detail: "途中"},
				{name: "text/plain", body: raw(`{}`), contentType: "text/plain", status: 415, problem: "unsupported-media-type"},
			} {
				t.Run(b.path+"/"+bc.name, func(t *testing.T) {
					defer unchanged(t, env, &before)
					checkBadCase(t, c.send(b.method, b.path, b.token, bc.body, bc.contentType), bc)
				})
			}
		}

		// Query parameters of the people list.
		for _, q := range []struct{ query, field string }{
			{"?kana=Yamada", "kana"}, {"?kana=%3Cscript%3E", "kana"}, {"?birth_date=1940-02-30", "birth_date"},
			{"?limit=501", "limit"},
		} {
			p := c.do("GET", "/api/v1/people"+q.query, cm.Token, nil).problem(t, http.StatusUnprocessableEntity, "invalid")
			if p.Errors[q.field] == "" {
				t.Errorf("%s: errors %v", q.query, p.Errors)
			}
			unchanged(t, env, &before)
		}
		for _, q := range []string{"?limit=x", "?offset=-1", "?kana=%FF", "?kana=" + strings.Repeat("ア", 51)} {
			c.do("GET", "/api/v1/people"+q, cm.Token, nil).problem(t, http.StatusBadRequest, "bad-request")
		}
		c.do("GET", personPath+"/access-log?from=2026-13-01", op.Token, nil).problem(t, http.StatusBadRequest, "bad-request")

		// Every people route that takes a body (or refuses one) is in the tables.
		for _, rt := range apiRoutes() {
			if coveredElsewhere(rt.Method, rt.Path) && !covered[rt.Method+" "+rt.Path] {
				t.Errorf("%s %s is not in the people malformed-input tables", rt.Method, rt.Path)
			}
		}
	})
}

// unchanged checks (also when the case failed) that nothing changed since
// *before, and moves *before on when something did, so that the next case is
// judged on its own.
func unchanged(t *testing.T, env *testenv.Env, before *[]string) {
	t.Helper()
	after := fullSnapshot(t, env)
	if diff := diffSnapshots(*before, after); diff != "" {
		t.Errorf("the refused request changed something:\n%s", diff)
		*before = after
	}
}

// fullSnapshot is snapshot with the people capability's records.
func fullSnapshot(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	return append(snapshot(t, env), peopleSnapshot(t, env)...)
}

// peopleSnapshot renders every record of the people capability in every network.
func peopleSnapshot(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	var out []string
	ctx := context.Background()
	err := env.Store.Transact(ctx, func(tx store.Tx) error {
		out = out[:0]
		nets, err := tx.ListNetworks(ctx)
		if err != nil {
			return err
		}
		for _, n := range nets {
			people, _, err := tx.FindPeople(ctx, n.ID, domain.PersonScope{All: true}, domain.PeopleFilter{Limit: 500})
			if err != nil {
				return err
			}
			for _, p := range people {
				out = append(out, fmt.Sprintf("%s person %+v", n.ID, *p))
				consents, err := tx.FindConsents(ctx, n.ID, p.ID)
				if err != nil {
					return err
				}
				for _, c := range consents {
					out = append(out, fmt.Sprintf("%s consent %+v", n.ID, *c))
				}
				access, err := tx.FindPersonAccess(ctx, n.ID, p.ID)
				if err != nil {
					return err
				}
				for _, a := range access {
					out = append(out, fmt.Sprintf("%s access %+v", n.ID, *a))
				}
			}
			reqs, err := tx.FindAccessRequests(ctx, n.ID, "", "")
			if err != nil {
				return err
			}
			for _, r := range reqs {
				out = append(out, fmt.Sprintf("%s access_request %+v", n.ID, *r))
			}
			ds, err := tx.FindDisasters(ctx, n.ID)
			if err != nil {
				return err
			}
			for _, d := range ds {
				out = append(out, fmt.Sprintf("%s disaster %+v", n.ID, *d))
			}
			cells, err := tx.FindMatrix(ctx, n.ID)
			if err != nil {
				return err
			}
			for _, c := range cells {
				out = append(out, fmt.Sprintf("%s matrix %+v", n.ID, c))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(out)
}
