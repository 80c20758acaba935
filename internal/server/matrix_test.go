package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"renraku/internal/accounts"
	"renraku/internal/people"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// The route matrix (issue 3 §7): every route of the product, web and API, is
// tried by every kind of actor (each operator role, municipal staff, auditor,
// vendor, an organization's admin and staff of two occupations, another
// organization, a suspended user, a user of another network, no one) against a
// fresh target in each relationship the row names, and the answer must be the
// row's: allowed (the action happens) or denied (401/403/404, or the login page).
// A route registered without an operation here fails the test, and so does an
// operation without rows.

// mxCase is one request: an operation's route, tried by one kind of actor in one
// network against a target in one relationship.
type mxCase struct {
	w     *mxWorld
	n     *mxNet
	rel   string
	kind  string
	actor *mxActor // nil: anonymous
	v     map[string]string
}

func (c *mxCase) today() string { return c.w.s.Clock.Now().In(mxJST).Format("2006-01-02") }

// freshSession replaces the case's actor with a new session of the same account,
// for operations that end or change the session they are made with.
func (c *mxCase) freshSession() {
	if c.actor == nil || c.kind == kSuspended || c.kind == kOtherNet {
		return
	}
	a := *c.actor
	a.webToken, a.apiToken = c.w.login(c.n, a.userID, "web"), c.w.login(c.n, a.userID, "api")
	c.actor = &a
}

// restore gives the case's account its known credentials and new main sessions
// (after a password change or TOTP enrolment, which may end other sessions).
func (c *mxCase) restore() {
	if c.actor == nil || c.kind == kSuspended || c.kind == kOtherNet {
		return
	}
	main := c.n.actors[c.kind]
	main.webToken, main.apiToken = c.w.login(c.n, main.userID, "web"), c.w.login(c.n, main.userID, "api")
}

// mxOp is one operation: the web and API routes that do it, how to prepare a
// fresh target and how to fill the request.
type mxOp struct {
	routes []string
	// fresh: the request is made with a new session of the actor (the operation
	// ends or changes it); restore: the account's credentials are reset after.
	fresh, restore bool
	// allowedToo are statuses that also mean the route let the actor in (the
	// service answered about the state, not about the actor).
	allowedToo []int
	prep       func(c *mxCase)
	web        func(c *mxCase) mxRequest // the form (path and method are filled in)
	api        func(c *mxCase) mxRequest
}

// mxRow says who is allowed an operation in a network for a relationship.
// allow uses the words of mxNet.expand; everyone else must be denied.
type mxRow struct {
	op, net, rel, allow string
}

func form(kv ...string) func(c *mxCase) mxRequest {
	return func(c *mxCase) mxRequest {
		f := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Add(kv[i], kv[i+1])
		}
		return mxRequest{form: f}
	}
}

func jsonBody(b any) func(c *mxCase) mxRequest {
	return func(c *mxCase) mxRequest { return mxRequest{body: b} }
}

func none(c *mxCase) mxRequest { return mxRequest{} }

// Preparations.

func prepPerson(c *mxCase) {
	id, ins, birth := c.w.person(c.n, c.rel)
	c.v["id"], c.v["insured"], c.v["birth"] = id, ins, birth
}

func prepApplication(c *mxCase) {
	var undertakings []string
	for _, u := range c.n.prof.Undertakings {
		undertakings = append(undertakings, u.Key)
	}
	k := c.w.seq.Add(1)
	app, _, err := c.w.s.Acc.SubmitApplication(mxCtx(), c.n.id, accounts.ApplicationInput{OrgName: fmt.Sprintf("申請事業所%d", k),
		OrgType: c.n.prof.OrgTypes[0].Key, Address: "別府市1-1", Phone: "0977-00-0000", AdminName: "申請 花子",
		AdminEmail: fmt.Sprintf("apply%d@example.jp", k), AgreeTerms: true, AgreedUndertakings: undertakings})
	c.w.fatal(err, "application")
	c.v["id"] = app.ID
}

// prepOrg: "own" is org A, "other" a fresh organization (destructive operations
// use "other" only).
func prepOrg(c *mxCase) {
	if c.rel == "own" {
		c.v["id"] = c.n.orgA
		return
	}
	c.v["id"], _ = c.w.newOrg(c.n, "対象事業所")
}

func prepSuspendedOrg(c *mxCase) {
	prepOrg(c)
	c.w.fatal(c.w.s.Acc.SuspendOrganization(mxCtx(), c.w.actor(c.n, c.n.op), c.v["id"], "点検"), "suspend org")
}

// prepUser: a fresh staff member of org A ("own") or org C ("other").
func prepUser(c *mxCase) {
	org := c.n.orgA
	if c.rel == "other" {
		org = c.n.orgC
	}
	c.v["id"] = c.w.newStaff(c.n, org, c.n.prof.Occupations[0].Key)
}

func prepSuspendedUser(c *mxCase) {
	prepUser(c)
	c.w.fatal(c.w.s.Acc.SuspendUser(mxCtx(), c.w.actor(c.n, c.n.op), c.v["id"], "休職"), "suspend user")
}

// prepSession: "own" a second session of the actor's account (staff A's for
// those without one), "other" a session of org B's staff member.
func prepSession(c *mxCase) {
	owner := c.n.actors[kStaffB].userID
	if c.kind == kStaffB {
		owner = c.n.actors[kAdminB].userID
	}
	if c.rel == "own" {
		owner = c.n.actors[kStaffA].userID
		if c.actor != nil && c.kind != kSuspended && c.kind != kOtherNet {
			owner = c.actor.userID
		}
	}
	tok := c.w.login(c.n, owner, "web")
	pr, err := c.w.s.Acc.Authenticate(context.Background(), c.n.id, tok)
	c.w.fatal(err, "session")
	c.v["id"] = pr.Session.ID
}

func prepStaffRequest(c *mxCase) {
	r, err := c.w.s.Acc.RequestStaff(mxCtx(), c.w.actor(c.n, c.n.actors[kAdminA].userID), c.n.orgA,
		accounts.StaffInput{DisplayName: "新人 一郎", Occupation: c.n.prof.Occupations[0].Key}, "")
	c.w.fatal(err, "staff request")
	c.v["id"] = r.ID
}

// prepAccessRequest: org B asks for a person whose care-plan office is org A
// ("mine") or org C ("unrelated") (beppu §17-3).
func prepAccessRequest(c *mxCase) {
	prepPerson(c)
	r, err := c.w.ppl.RequestAccess(mxCtx(), c.w.actor(c.n, c.n.actors[kStaffB].userID), c.v["insured"], c.v["birth"], "訪問介護を始めるため")
	c.w.fatal(err, "access request")
	c.v["rid"] = r.ID
}

// prepAccessRow: org A's open access row on a person ("mine": its own care-plan
// or registration row; "shared": the grant or team row org C gave it).
func prepAccessRow(c *mxCase) {
	prepPerson(c)
	c.v["aid"] = c.w.accessRow(c.n, c.v["id"], c.n.orgA)
}

func prepLostEligibility(c *mxCase) {
	prepPerson(c)
	c.w.fatal(c.w.ppl.SetEligibility(mxCtx(), c.w.actor(c.n, c.n.op), c.v["id"], false, "death", c.today()), "eligibility")
}

func prepDisaster(c *mxCase) {
	if !c.n.prof.People.Disaster.Enabled {
		return
	}
	if _, err := c.w.ppl.DeclareDisaster(mxCtx(), c.w.actor(c.n, c.n.op), people.DisasterInput{Name: "令和8年台風"}); err != nil {
		c.w.fatal(err, "declare")
	}
}

func cleanDisaster(c *mxCase) {
	c.w.ppl.EndDisaster(mxCtx(), c.w.actor(c.n, c.n.op), "")
}

// prepTOTP: the code of the actor's current secret (a confirmation without a
// pending enrolment).
func prepTOTP(c *mxCase) {
	code, err := totp.GenerateCode(staffTOTP, c.w.s.Clock.Now())
	c.w.fatal(err, "code")
	c.v["otp"] = code
}

// claimsFile is one claim of the case's person at org A last month.
func claimsFile(c *mxCase) []byte {
	month := c.w.s.Clock.Now().In(mxJST).AddDate(0, -1, 0).Format("2006-01")
	return []byte(strings.Join(people.ClaimsHeader, ",") + "\n" + c.v["insured"] + "," + mxOrgCode + ",kokuho," + month + "\n")
}

func (c *mxCase) personForm() url.Values {
	k := c.w.seq.Add(1)
	f := url.Values{"family_name": {"新規"}, "given_name": {fmt.Sprintf("花子%d", k)}, "family_kana": {"シンキ"},
		"given_kana": {"ハナコ" + kanaNum(k)}, "birth_date": {"1940-04-01"}, "sex": {"female"}}
	return f
}

func (c *mxCase) consentFields() (kind, on, form, careplan string) {
	for _, f := range c.n.prof.People.ConsentForms {
		if (f.ValidFrom == "" || f.ValidFrom <= c.today()) && (f.ValidUntil == "" || c.today() <= f.ValidUntil) {
			form = f.Key
			if f.Strategy == "careplan" {
				careplan = c.n.orgA
			}
			break
		}
	}
	return "self", c.today(), form, careplan
}

var mxOps = map[string]mxOp{
	// One's own account and session.
	"home": {routes: []string{"GET /n/{net}/home"}, web: none},
	"account": {routes: []string{"GET /n/{net}/account", "GET /api/v1/me", "GET /api/v1/me/sessions"},
		web: none, api: none},
	"logout": {routes: []string{"POST /n/{net}/logout", "DELETE /api/v1/sessions/current"}, fresh: true,
		web: form(), api: none},
	"session.revoke": {routes: []string{"POST /n/{net}/account/sessions/{id}/revoke", "DELETE /api/v1/me/sessions/{id}"},
		prep: prepSession, web: form(), api: none},
	"password": {routes: []string{"GET /n/{net}/setup/password", "POST /n/{net}/setup/password", "POST /api/v1/me/password"},
		fresh: true, restore: true,
		web: form("current_password", matrixPass, "new_password", "Another-Passw0rd-z", "new_password_confirm", "Another-Passw0rd-z"),
		api: jsonBody(map[string]string{"current_password": matrixPass, "new_password": "Another-Passw0rd-z"})},
	"totp.form": {routes: []string{"GET /n/{net}/setup/totp"}, web: none},
	// A signed-in user has a second factor already: enrolling again is refused
	// with a conflict (a reissue by the admin starts over).
	"totp": {routes: []string{"POST /n/{net}/setup/totp", "POST /api/v1/me/totp/confirm"}, fresh: true, restore: true,
		allowedToo: []int{http.StatusConflict}, prep: prepTOTP,
		web: func(c *mxCase) mxRequest { return mxRequest{form: url.Values{"otp": {c.v["otp"]}}} },
		api: func(c *mxCase) mxRequest { return mxRequest{body: map[string]string{"otp": c.v["otp"]}} }},
	"totp.begin": {routes: []string{"POST /api/v1/me/totp"}, fresh: true, restore: true, allowedToo: []int{http.StatusConflict}, api: none},

	// The operator's review of applications (katori §7, joso §8, sendai §6, beppu §11, fukuoka §11).
	"applications": {routes: []string{"GET /n/{net}/applications", "GET /api/v1/applications"}, web: none, api: none},
	"application": {routes: []string{"GET /n/{net}/applications/{id}", "GET /api/v1/applications/{id}"},
		prep: prepApplication, web: none, api: none},
	"application.approve": {routes: []string{"POST /n/{net}/applications/{id}/approve", "POST /api/v1/applications/{id}/approve"},
		prep: prepApplication, web: form("conditions", ""), api: jsonBody(map[string]string{})},
	"application.reject": {routes: []string{"POST /n/{net}/applications/{id}/reject", "POST /api/v1/applications/{id}/reject"},
		prep: prepApplication, web: form("reason", "書類不備"), api: jsonBody(map[string]string{"reason": "書類不備"})},

	// Organizations.
	"organizations": {routes: []string{"GET /n/{net}/organizations", "GET /api/v1/organizations"}, web: none, api: none},
	"organization": {routes: []string{"GET /n/{net}/organizations/{id}", "GET /api/v1/organizations/{id}"},
		prep: prepOrg, web: none, api: none},
	"organization.suspend": {routes: []string{"POST /n/{net}/organizations/{id}/suspend", "POST /api/v1/organizations/{id}/suspend"},
		prep: prepOrg, web: form("reason", "緊急停止"), api: jsonBody(map[string]string{"reason": "緊急停止"})},
	"organization.unsuspend": {routes: []string{"POST /n/{net}/organizations/{id}/unsuspend", "POST /api/v1/organizations/{id}/unsuspend"},
		prep: prepSuspendedOrg, web: form(), api: none},
	"organization.withdraw": {routes: []string{"POST /n/{net}/organizations/{id}/withdraw", "POST /api/v1/organizations/{id}/withdraw"},
		prep: prepOrg, web: form("confirm", "yes", "reason", "廃業"), api: jsonBody(map[string]string{"reason": "廃業"})},
	"organization.admin": {routes: []string{"POST /n/{net}/organizations/{id}/admin", "POST /api/v1/organizations/{id}/admin"},
		prep: prepOrg, web: form("admin_name", "後任 次郎"), api: jsonBody(map[string]string{"admin_name": "後任 次郎"})},
	"organization.code": {routes: []string{"POST /n/{net}/organizations/{id}/code", "POST /api/v1/organizations/{id}/code"},
		prep: prepOrg, web: form("code", "4012345678"), api: jsonBody(map[string]string{"code": "4012345678"})},
	"organization.users": {routes: []string{"GET /api/v1/organizations/{id}/users"}, prep: prepOrg, api: none},
	"staff.issue": {routes: []string{"POST /n/{net}/organizations/{id}/staff", "POST /api/v1/organizations/{id}/users"},
		prep: func(c *mxCase) {
			c.v["id"] = c.n.orgA
			if c.rel == "other" {
				c.v["id"] = c.n.orgC
			}
		},
		web: func(c *mxCase) mxRequest {
			return mxRequest{form: url.Values{"display_name": {"新任 三郎"}, "occupation": {c.n.prof.Occupations[0].Key}}}
		},
		api: func(c *mxCase) mxRequest {
			return mxRequest{body: map[string]string{"display_name": "新任 三郎", "occupation": c.n.prof.Occupations[0].Key}}
		}},
	// joso §10-1: the admin asks the city for a staff account.
	"staff.request": {routes: []string{"POST /n/{net}/organizations/{id}/staff-requests", "POST /api/v1/organizations/{id}/staff-requests"},
		prep: func(c *mxCase) { c.v["id"] = c.n.orgA },
		web: func(c *mxCase) mxRequest {
			return mxRequest{form: url.Values{"display_name": {"新任 四郎"}, "occupation": {c.n.prof.Occupations[0].Key}}}
		},
		api: func(c *mxCase) mxRequest {
			return mxRequest{body: map[string]string{"display_name": "新任 四郎", "occupation": c.n.prof.Occupations[0].Key}}
		}},
	"organization.staff-requests": {routes: []string{"GET /api/v1/organizations/{id}/staff-requests"},
		prep: func(c *mxCase) { c.v["id"] = c.n.orgA }, api: none},
	"staff-requests": {routes: []string{"GET /n/{net}/staff-requests", "GET /api/v1/staff-requests"}, web: none, api: none},
	"staff-request.issue": {routes: []string{"POST /n/{net}/staff-requests/{id}/issue", "POST /api/v1/staff-requests/{id}/issue"},
		prep: prepStaffRequest, web: form(), api: none},
	"staff-request.reject": {routes: []string{"POST /n/{net}/staff-requests/{id}/reject", "POST /api/v1/staff-requests/{id}/reject"},
		prep: prepStaffRequest, web: form("reason", "重複"), api: jsonBody(map[string]string{"reason": "重複"})},

	// Accounts.
	"users": {routes: []string{"GET /n/{net}/users", "GET /api/v1/users"}, web: none, api: none},
	"users.issue": {routes: []string{"POST /n/{net}/users", "POST /api/v1/users"},
		web: func(c *mxCase) mxRequest {
			return mxRequest{form: url.Values{"role": {"operator"}, "operator_role": {c.n.prof.ApprovalRole}, "display_name": {"増員 五郎"}}}
		},
		api: func(c *mxCase) mxRequest {
			return mxRequest{body: map[string]string{"role": "operator", "operator_role": c.n.prof.ApprovalRole, "display_name": "増員 五郎"}}
		}},
	"user.suspend": {routes: []string{"POST /n/{net}/users/{id}/suspend", "POST /api/v1/users/{id}/suspend"},
		prep: prepUser, web: form("reason", "不正利用の疑い"), api: jsonBody(map[string]string{"reason": "不正利用の疑い"})},
	"user.unsuspend": {routes: []string{"POST /n/{net}/users/{id}/unsuspend", "POST /api/v1/users/{id}/unsuspend"},
		prep: prepSuspendedUser, web: form(), api: none},
	"user.revoke": {routes: []string{"POST /n/{net}/users/{id}/revoke", "POST /api/v1/users/{id}/revoke"},
		prep: prepUser, web: form(), api: none},
	"user.reissue": {routes: []string{"POST /n/{net}/users/{id}/reissue", "POST /api/v1/users/{id}/reissue"},
		prep: prepUser, web: form(), api: none},
	"audit": {routes: []string{"GET /n/{net}/audit", "GET /api/v1/audit"}, web: none, api: none},

	// People (SPEC §3-4).
	"people": {routes: []string{"GET /n/{net}/people", "GET /api/v1/people"}, web: none, api: none},
	"person.register": {routes: []string{"GET /n/{net}/people/new", "POST /n/{net}/people/new", "POST /api/v1/people"},
		web: func(c *mxCase) mxRequest { return mxRequest{form: c.personForm()} },
		api: func(c *mxCase) mxRequest {
			b := map[string]string{}
			for k, v := range c.personForm() {
				b[k] = v[0]
			}
			return mxRequest{body: b}
		}},
	"person": {routes: []string{"GET /n/{net}/people/{id}", "GET /api/v1/people/{id}"}, prep: prepPerson, web: none, api: none},
	"consent": {routes: []string{"GET /n/{net}/people/{id}/consent", "POST /n/{net}/people/{id}/consent", "POST /api/v1/people/{id}/consents"},
		prep: prepPerson,
		web: func(c *mxCase) mxRequest {
			kind, on, f, cp := c.consentFields()
			return mxRequest{form: url.Values{"kind": {kind}, "consented_on": {on}, "form_version": {f}, "scopes": {"sharing"}, "care_plan_org": {cp}}}
		},
		api: func(c *mxCase) mxRequest {
			kind, on, f, cp := c.consentFields()
			return mxRequest{body: map[string]any{"kind": kind, "consented_on": on, "form_version": f, "scopes": []string{"sharing"}, "care_plan_org": cp}}
		}},
	"consent.withdraw": {routes: []string{"POST /n/{net}/people/{id}/withdraw", "POST /api/v1/people/{id}/consents/withdraw"},
		prep: prepPerson, web: form("withdraw_note", "本人の申出", "withdraw_confirm", "yes"), api: jsonBody(map[string]string{"note": "本人の申出"})},
	"person.delete": {routes: []string{"POST /n/{net}/people/{id}/delete", "POST /api/v1/people/{id}/deletion"},
		prep: prepPerson, web: form("delete_note", "本人の申出", "delete_confirm", "yes"), api: jsonBody(map[string]string{"note": "本人の申出"})},
	"eligibility": {routes: []string{"POST /n/{net}/people/{id}/eligibility", "POST /api/v1/people/{id}/eligibility"},
		prep: prepPerson,
		web: func(c *mxCase) mxRequest {
			return mxRequest{form: url.Values{"eligible": {"no"}, "lost_reason": {"moved"}, "lost_on": {c.today()}}}
		},
		api: func(c *mxCase) mxRequest {
			return mxRequest{body: map[string]any{"eligible": false, "lost_reason": "moved", "lost_on": c.today()}}
		}},
	// fukuoka §20 なお書き: the city may close the read window early.
	"read-window": {routes: []string{"POST /n/{net}/people/{id}/read-window", "POST /api/v1/people/{id}/read-window/close"},
		prep: prepLostEligibility,
		web:  func(c *mxCase) mxRequest { return mxRequest{form: url.Values{"close_from": {c.today()}}} },
		api:  func(c *mxCase) mxRequest { return mxRequest{body: map[string]string{"from": c.today()}} }},
	"team": {routes: []string{"POST /n/{net}/people/{id}/team", "POST /api/v1/people/{id}/team"},
		prep: prepPerson,
		web:  func(c *mxCase) mxRequest { return mxRequest{form: url.Values{"org_id": {c.n.orgB}}} },
		api:  func(c *mxCase) mxRequest { return mxRequest{body: map[string]string{"org_id": c.n.orgB}} }},
	"grant": {routes: []string{"POST /n/{net}/people/{id}/grants", "POST /api/v1/people/{id}/grants"},
		prep: prepPerson,
		web:  func(c *mxCase) mxRequest { return mxRequest{form: url.Values{"org_id": {c.n.orgB}}} },
		api:  func(c *mxCase) mxRequest { return mxRequest{body: map[string]string{"org_id": c.n.orgB}} }},
	"access.end": {routes: []string{"POST /n/{net}/people/{id}/access/{aid}/end", "POST /api/v1/people/{id}/access/{access_id}/end"},
		prep: prepAccessRow,
		web:  form("end_reason", "担当終了"), api: jsonBody(map[string]string{"reason": "担当終了"})},
	"careplan": {routes: []string{"POST /n/{net}/people/{id}/careplan", "POST /api/v1/people/{id}/care-plan"},
		prep: prepPerson,
		web:  func(c *mxCase) mxRequest { return mxRequest{form: url.Values{"care_plan_org": {c.n.orgB}}} },
		api:  func(c *mxCase) mxRequest { return mxRequest{body: map[string]string{"org_id": c.n.orgB}} }},
	"consent.form": {routes: []string{"GET /n/{net}/people/{id}/consents/{cid}/form", "GET /api/v1/people/{id}/consents/{consent_id}/form"},
		prep: func(c *mxCase) { prepPerson(c); c.v["cid"] = c.w.consentID(c.n, c.v["id"]) }, web: none, api: none},
	"person.log": {routes: []string{"GET /n/{net}/people/{id}/log", "GET /api/v1/people/{id}/access-log"},
		prep: prepPerson, web: none, api: none},
	"access-requests": {routes: []string{"GET /n/{net}/access-requests", "GET /api/v1/access-requests"}, web: none, api: none},
	"access-request": {routes: []string{"POST /n/{net}/access-requests", "POST /api/v1/access-requests"},
		prep: prepPerson,
		web: func(c *mxCase) mxRequest {
			return mxRequest{form: url.Values{"insured_no": {c.v["insured"]}, "birth_date": {c.v["birth"]}, "reason": {"担当のため"}}}
		},
		api: func(c *mxCase) mxRequest {
			return mxRequest{body: map[string]string{"insured_no": c.v["insured"], "birth_date": c.v["birth"], "reason": "担当のため"}}
		}},
	"access-request.decide": {routes: []string{"POST /n/{net}/access-requests/{id}/grant", "POST /n/{net}/access-requests/{id}/refuse",
		"POST /api/v1/access-requests/{id}/grant", "POST /api/v1/access-requests/{id}/refuse"},
		prep: func(c *mxCase) { prepAccessRequest(c); c.v["pid"] = c.v["id"]; c.v["id"] = c.v["rid"] },
		web:  func(c *mxCase) mxRequest { return mxRequest{form: url.Values{"person_id": {c.v["pid"]}}} },
		api:  none},
	// fukuoka §19の2: the city imports claims.
	"claims": {routes: []string{"GET /n/{net}/claims", "POST /n/{net}/claims", "POST /api/v1/claims"},
		prep: prepPerson,
		web:  func(c *mxCase) mxRequest { return mxRequest{file: claimsFile(c), fileField: "file"} },
		api:  func(c *mxCase) mxRequest { return mxRequest{raw: claimsFile(c), ctype: "text/csv"} }},
	// joso §21.
	"disasters": {routes: []string{"GET /n/{net}/disasters", "GET /api/v1/disasters"}, web: none, api: none},
	"disaster.declare": {routes: []string{"POST /n/{net}/disasters", "POST /api/v1/disasters"},
		prep: cleanDisaster, web: form("name", "令和8年台風第10号"), api: jsonBody(map[string]string{"name": "令和8年台風第10号"})},
	"disaster.end": {routes: []string{"POST /n/{net}/disasters/end", "POST /api/v1/disasters/end"},
		prep: func(c *mxCase) { cleanDisaster(c); prepDisaster(c) }, web: form(), api: none},
	// beppu §10-1, fukuoka §9-1.
	"matrix": {routes: []string{"GET /n/{net}/matrix", "GET /api/v1/matrix"}, web: none, api: none},
	"matrix.edit": {routes: []string{"POST /n/{net}/matrix", "PUT /api/v1/matrix"},
		web: func(c *mxCase) mxRequest {
			f := url.Values{}
			for _, o := range c.n.prof.Occupations {
				for _, cat := range c.n.prof.People.RecordCategories {
					f.Add("write", o.Key+"/"+cat.Key)
				}
			}
			return mxRequest{form: f}
		},
		api: func(c *mxCase) mxRequest {
			o, cat := c.n.prof.Occupations[0].Key, c.n.prof.People.RecordCategories[0].Key
			return mxRequest{body: map[string]any{"cells": []map[string]any{{"occupation": o, "category": cat, "read": true, "write": true}}}}
		}},
}

// Routes anyone may use: they show nothing about a person or an account.
var mxPublic = map[string]string{
	"GET /healthz":            "liveness",
	"GET /readyz":             "readiness",
	"GET /metrics":            "request counts by route pattern, no personal data",
	"GET /static/":            "style sheet and scripts",
	"GET /{$}":                "the list of networks",
	"GET /n/{net}/{$}":        "the network's top page",
	"GET /n/{net}/apply":      "the application form",
	"POST /n/{net}/apply":     "an application (public by design, katori §7)",
	"GET /n/{net}/apply/{id}": "the applicant's notice, with its token",
	"GET /n/{net}/login":      "login",
	"POST /n/{net}/login":     "login",
	"POST /api/v1/sessions":   "login",
	"POST /api/v1/networks/{network}/applications":     "an application",
	"GET /api/v1/networks/{network}/applications/{id}": "the applicant's notice, with its token",
	"GET /api/v1/openapi.json":                         "the API description",
	"GET /api/v1/":                                     "a JSON 404 for unknown API paths",
	"POST /api/v1/":                                    "a JSON 404 for unknown API paths",
	"PUT /api/v1/":                                     "a JSON 404 for unknown API paths",
	"PATCH /api/v1/":                                   "a JSON 404 for unknown API paths",
	"DELETE /api/v1/":                                  "a JSON 404 for unknown API paths",
}

// routeRecorder lists the patterns the server registers.
type routeRecorder struct{ patterns []string }

func (r *routeRecorder) Handle(p string, _ http.Handler) { r.patterns = append(r.patterns, p) }
func (r *routeRecorder) HandleFunc(p string, _ func(http.ResponseWriter, *http.Request)) {
	r.patterns = append(r.patterns, p)
}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

func TestRouteMatrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		nets := []string{"beppu", "katori", "joso", "fukuoka"}
		if raceEnabled {
			nets = nets[:2]
		}
		w := newWorld(t, db, nets...)

		// Every registered route has an operation or is public; every operation has rows.
		rec := &routeRecorder{}
		registerRoutes(rec, db, w.s.Acc, w.ppl, Config{}, nil)
		covered := map[string]bool{}
		for name, op := range mxOps {
			for _, r := range op.routes {
				if covered[r] {
					t.Errorf("route %s is in two operations", r)
				}
				covered[r] = true
			}
			if !slices.ContainsFunc(mxRows, func(r mxRow) bool { return r.op == name }) {
				t.Errorf("operation %s has no rows", name)
			}
		}
		for _, p := range rec.patterns {
			if !covered[p] && mxPublic[p] == "" {
				t.Errorf("route %s has no rows in the route matrix (add an operation to mxOps and rows to mxRows)", p)
			}
		}
		for p := range covered {
			if !slices.Contains(rec.patterns, p) {
				t.Errorf("the matrix names %s, which is not registered", p)
			}
		}
		for _, r := range mxRows {
			if _, ok := mxOps[r.op]; !ok {
				t.Errorf("row names unknown operation %s", r.op)
			}
		}
		if t.Failed() {
			return
		}

		cases, unexpectedAllows := 0, 0
		for _, row := range mxRows {
			op, n := mxOps[row.op], w.nets[row.net]
			if n == nil {
				continue // under -race
			}
			allowed := n.expand(row.allow)
			for k := range allowed {
				if !slices.Contains(n.kinds, k) {
					t.Fatalf("row %v allows %s, which %s does not have", row, k, row.net)
				}
			}
			for _, route := range op.routes {
				method, pattern, _ := strings.Cut(route, " ")
				api := strings.HasPrefix(pattern, "/api/")
				for _, kind := range n.kinds {
					if api && kind == kOtherNet && (row.rel == "self" || row.rel == "") && !strings.Contains(pattern, "{") {
						// An API token names its network: a route without a target
						// acts in the token's own network, which is not this one.
						continue
					}
					c := &mxCase{w: w, n: n, rel: row.rel, kind: kind, actor: n.actors[kind], v: map[string]string{}}
					if kind == kAnon {
						c.actor = nil
					}
					if op.fresh {
						c.freshSession()
					}
					if op.prep != nil {
						op.prep(c)
					}
					var rq mxRequest
					switch {
					case method == "GET" || method == "DELETE":
					case api && op.api != nil:
						rq = op.api(c)
					case !api && op.web != nil:
						rq = op.web(c)
					}
					rq.method = method
					rq.path = placeholder.ReplaceAllStringFunc(pattern, func(m string) string {
						name := m[1 : len(m)-1]
						switch name {
						case "net", "network":
							return n.id
						case "access_id":
							name = "aid"
						case "consent_id":
							name = "cid"
						}
						v, ok := c.v[name]
						if !ok {
							t.Fatalf("%s: no value for %s", route, m)
						}
						return url.PathEscape(v)
					})
					status, loc, body := w.send(n, c.actor, rq)
					got := classify(api, status, loc)
					if slices.Contains(op.allowedToo, status) {
						got = "allow"
					}
					want := "deny"
					if allowed[kind] {
						want = "allow"
					}
					cases++
					if got != want {
						if got == "allow" {
							unexpectedAllows++
						}
						t.Errorf("%s %s rel=%s as %s: got %s (%d %s), want %s\n%s", row.net, route, row.rel, kind, got, status, loc, want, excerpt(body))
					}
					if op.restore {
						c.restore()
					}
				}
			}
		}
		t.Logf("route matrix: %d cases, %d unexpected allows", cases, unexpectedAllows)
	})
}

// classify turns a response into allow, deny or error.
func classify(api bool, status int, loc string) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound:
		return "deny"
	case api && status >= 200 && status < 300:
		return "allow"
	case !api && status == http.StatusOK:
		return "allow"
	case !api && status == http.StatusSeeOther:
		if strings.Contains(loc, "/login") && !strings.Contains(loc, "done=logout") {
			return "deny"
		}
		return "allow"
	}
	return fmt.Sprintf("error %d", status)
}

func excerpt(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	body = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " ")
	body = strings.Join(strings.Fields(body), " ")
	if len(body) > 400 {
		body = body[:400]
	}
	return body
}

// mxRows: who may do what, network by network. Article references are to the
// seeds; "ops" is every operator role of the network, "A" org A's admin and both
// staff, "B" org B's, "net" every signed-in kind of the network.
var mxRows = rowsFor()

func rowsFor() []mxRow {
	var rows []mxRow
	add := func(op, net, rel, allow string) { rows = append(rows, mxRow{op, net, rel, allow}) }
	nets := []string{"beppu", "katori", "joso", "fukuoka"}
	for _, n := range nets {
		// Everyone signed in uses their own account (and only their own sessions).
		for _, op := range []string{"home", "account", "logout", "password", "totp.form"} {
			add(op, n, "self", "net")
		}
		add("session.revoke", n, "own", "net")
		add("session.revoke", n, "other", "")
	}
	// beppu: 事業責任者 (jigyo) reviews and manages; 運営管理責任者 (kanri) issues
	// municipal accounts and reads the audit log; 運営事務局 (jimu) manages users and
	// people (beppu §5-7, §14).
	const bJ, bK, bM = "op:jigyo_sekininsha", "op:unei_kanri_sekininsha", "op:unei_jimukyoku"
	// fukuoka §5-8: 事業責任者, 運営管理責任者, 運営事務局, システム管理者; §35 the auditor.
	const fJ, fK, fM, fS = "op:jigyo_sekininsha", "op:unei_kanri_sekininsha", "op:unei_jimukyoku", "op:system_kanrisha"
	per := func(op, rel, beppu, katori, joso, fukuoka string) {
		add(op, "beppu", rel, beppu)
		add(op, "katori", rel, katori)
		add(op, "joso", rel, joso)
		add(op, "fukuoka", rel, fukuoka)
	}
	for _, op := range []string{"applications", "application", "application.approve", "application.reject"} {
		per(op, "", bJ, "ops", "ops", fJ)
	}
	per("organizations", "", "ops", "ops vendor", "ops vendor", "ops auditor")
	per("organization", "own", "ops adminA", "ops vendor adminA", "ops vendor adminA", "ops auditor adminA")
	per("organization", "other", "ops", "ops vendor", "ops vendor", "ops auditor")
	per("organization.suspend", "other", bJ, "ops vendor", "ops", fJ)
	per("organization.unsuspend", "other", bJ, "ops vendor", "ops", fJ)
	per("organization.withdraw", "other", bJ, "ops", "ops", fJ)
	per("organization.admin", "other", bJ, "ops", "ops", fJ)
	per("organization.code", "other", bJ, "ops", "ops", fJ)
	per("organization.users", "own", "ops adminA", "ops vendor adminA", "ops vendor adminA", "ops auditor adminA")
	per("organization.users", "other", "ops", "ops vendor", "ops vendor", "ops auditor")
	// Staff accounts: the admin issues them (beppu §13-2, katori §6-2, fukuoka
	// §11-2); in joso the city does, on the admin's request (§10).
	per("staff.issue", "own", "adminA", "adminA", "ops", "adminA")
	per("staff.issue", "other", "", "", "ops", "")
	per("staff.request", "own", "", "", "adminA", "")
	// An admin follows its own requests: joso §10-1 accounts, katori §10-2 reissues.
	per("organization.staff-requests", "own", "", "adminA", "adminA", "")
	per("staff-requests", "", "", "ops", "ops", "")
	add("staff-request.issue", "joso", "", "ops")
	add("staff-request.reject", "joso", "", "ops")
	per("users", "", bJ+" "+bK+" "+bM, "ops vendor", "ops vendor", "ops auditor")
	per("users.issue", "", bJ, "ops", "ops", fJ+" "+fK)
	per("user.suspend", "own", bJ, "ops vendor", "ops vendor", fJ)
	per("user.suspend", "other", bJ, "ops vendor", "ops vendor", fJ)
	per("user.unsuspend", "own", bJ, "ops vendor", "ops vendor", fJ)
	for _, op := range []string{"user.revoke", "user.reissue"} {
		per(op, "own", "adminA ops", "adminA ops", "ops", "adminA "+fJ+" "+fM)
		per(op, "other", "ops", "ops", "ops", fJ+" "+fM)
	}
	per("audit", "", bJ+" "+bK, "ops", "ops", fJ+" "+fK+" "+fS+" auditor")

	// People.
	per("people", "", "ops municipal A B", "ops A B", "ops municipal A B", "ops municipal A B")
	per("person.register", "", bJ+" "+bM+" A B", "ops A B", "ops A B", fJ+" "+fM+" A B")
	// Before consent only the registering organization and the operator (beppu §15,
	// katori §13-1, joso §17-1); then the strategy's organizations; in joso the
	// city's officer is on every team; a withdrawal (beppu §16) or 支援中止 (katori
	// §13-2, joso §17-3) ends it for all but the operator.
	for _, rel := range []string{relPending, relMine, relShared, relUnrelated, relEnded} {
		b, k, j := "ops", "ops", "ops"
		switch rel {
		case relPending:
			b, k, j = "ops A", "ops A", "ops A"
		case relMine, relShared:
			b, k, j = "ops A", "ops A", "ops A municipal"
		case relUnrelated:
			j = "ops municipal"
		}
		add("person", "beppu", rel, b)
		add("person", "katori", rel, k)
		add("person", "joso", rel, j)
	}
	// The scanned consent form is read like the person (and audited as such).
	for _, rel := range []string{relMine, relShared, relUnrelated, relEnded} {
		b, k := "ops", "ops"
		if rel == relMine || rel == relShared {
			b, k = "ops A", "ops A"
		}
		add("consent.form", "beppu", rel, b)
		if rel == relEnded {
			k = "" // katori §13-2: 支援中止 hides the record, the operator sees only that it is hidden
		}
		add("consent.form", "katori", rel, k)
	}
	// beppu §15-1: the city enters consents; katori §13-1, joso §17-1: the user.
	add("consent", "beppu", relPending, bJ+" "+bM)
	add("consent", "katori", relPending, "ops A")
	add("consent", "joso", relPending, "ops A")
	// beppu §16: withdrawal, received by the city; katori and joso have deletion instead.
	add("consent.withdraw", "beppu", relShared, bJ+" "+bM)
	add("consent.withdraw", "katori", relMine, "")
	// katori §13-2: the user sets 支援中止; joso §17-3: the city does.
	add("person.delete", "katori", relShared, "ops A")
	add("person.delete", "katori", relUnrelated, "ops")
	add("person.delete", "joso", relMine, "ops")
	add("person.delete", "beppu", relMine, "")
	for _, rel := range []string{relMine, relShared, relUnrelated} {
		switch rel {
		case relUnrelated:
			add("eligibility", "beppu", rel, bJ+" "+bM)
			add("eligibility", "katori", rel, "ops")
		default:
			add("eligibility", "beppu", rel, bJ+" "+bM+" A")
			add("eligibility", "katori", rel, "ops A")
		}
	}
	add("read-window", "fukuoka", relMine, fJ+" "+fM)
	add("read-window", "beppu", relMine, "")
	// katori, joso: team members and the operator add organizations to the team.
	add("team", "katori", relShared, "ops A")
	add("team", "katori", relUnrelated, "ops")
	add("team", "joso", relUnrelated, "ops municipal")
	add("team", "beppu", relMine, "")
	// beppu §17-4..5: the care-plan office grants and revokes; the city too.
	add("grant", "beppu", relMine, bJ+" "+bM+" A")
	add("grant", "beppu", relShared, bJ+" "+bM)
	add("grant", "katori", relMine, "")
	add("access.end", "beppu", relShared, bJ+" "+bM)
	add("access.end", "beppu", relMine, bJ+" "+bM+" A")
	add("access.end", "katori", relShared, "ops A")
	// beppu §17-1..2: the 事業責任者 enables and reassigns the care-plan office.
	add("careplan", "beppu", relMine, bJ+" "+bM)
	add("careplan", "katori", relMine, "")
	// beppu §10-3: who viewed a person, for those who read the audit log.
	add("person.log", "beppu", relMine, bJ+" "+bK)
	add("person.log", "katori", relMine, "ops")
	// beppu §17-3: organizations ask the care-plan office; §17-4 it answers.
	add("access-requests", "beppu", "", "ops municipal A B")
	add("access-requests", "katori", "", "")
	add("access-request", "beppu", relUnrelated, "A B")
	add("access-request", "katori", relUnrelated, "")
	add("access-request.decide", "beppu", relMine, bJ+" "+bM+" A")
	add("access-request.decide", "beppu", relUnrelated, bJ+" "+bM)
	// fukuoka §19の2.
	add("claims", "fukuoka", relMine, fJ+" "+fM)
	add("claims", "beppu", relMine, "")
	// joso §21.
	for _, op := range []string{"disasters", "disaster.declare", "disaster.end"} {
		add(op, "joso", "", "ops")
		add(op, "beppu", "", "")
	}
	// beppu §10-1, fukuoka §9-1.
	add("matrix", "beppu", "", "ops adminA adminB")
	add("matrix", "fukuoka", "", "ops auditor adminA adminB")
	add("matrix", "katori", "", "") // no occupation matrix in katori
	add("matrix.edit", "beppu", "", bJ+" "+bM)
	add("matrix.edit", "fukuoka", "", fJ+" "+fM)
	add("matrix.edit", "katori", "", "")
	add("totp", "beppu", "self", "net")
	add("totp.begin", "beppu", "self", "net")
	return rows
}
