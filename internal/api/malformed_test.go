package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// endpoint is a route with a JSON body, with a valid body whose fields the table
// spoils one at a time.
type endpoint struct {
	method, path, token string
	body                map[string]any
	// long and script list the text fields checked with 10,000 characters and with
	// markup; each must be refused with a 422 naming the field.
	long, script []string
	// emptyOK: {} is a valid body (every field optional), so it is not a case.
	emptyOK bool
	extra   []badCase
}

// badCase is one malformed request and the problem it must get.
type badCase struct {
	name        string
	body        raw
	contentType string // default application/json
	status      int
	problem     string
	field       string // the field the problem must name in errors, if any
	detail      string // a piece of text the detail must contain, if any
}

const script = "<script>alert(1)</script>"

var longText = strings.Repeat("あ", 10000)

// TestMalformedInput: every endpoint with a body refuses empty, malformed,
// over-long, mistyped, invalid UTF-8, markup-carrying and unknown input with a
// 400 or 422 problem naming the field or the byte offset, and nothing changes:
// no account, organization, application, request or audit event.
func TestMalformedInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op, admin, staff, org := beppuOrg(t, env, c)
		var pending created
		c.do("POST", "/api/v1/networks/beppu/applications", "", applicationBody("beppu", "審査中の事業所")).ok(t, http.StatusCreated, &pending)
		first := c.staff(org, admin, "別府 初子", "clerk")
		setup := c.session("beppu", first.LoginID, first.Password, "").problem(t, http.StatusForbidden, "password-change-required").SetupToken
		second := c.staff(org, admin, "別府 次子", "clerk")
		enrol := enrolling(t, c, second)

		opJ := c.operator("joso", "joso")
		apJ := c.organization("joso", "joso", "常総薬局", opJ)
		adminJ := c.seeded("joso", apJ.Admin)
		var reqJ struct{ ID string }
		c.do("POST", "/api/v1/organizations/"+apJ.Organization.ID+"/staff-requests", adminJ.Token,
			map[string]string{"display_name": "常総 薬子", "email": "", "occupation": "pharmacist_dental_hygienist"}).ok(t, http.StatusCreated, &reqJ)

		endpoints := []endpoint{
			{method: "POST", path: "/api/v1/sessions",
				body: map[string]any{"network": "beppu", "login_id": op.LoginID, "password": op.Password, "otp": "123456"},
				long: []string{"network", "login_id", "password", "otp"}, script: []string{"network", "login_id", "otp"}},
			{method: "POST", path: "/api/v1/networks/beppu/applications", body: applicationBody("beppu", "新しい事業所"),
				long:   []string{"org_name", "org_type", "address", "phone", "admin_name", "admin_email", "admin_phone"},
				script: []string{"org_name", "org_type", "address", "phone", "admin_name", "admin_email", "admin_phone"},
				extra: []badCase{
					{name: "terms not agreed", body: mustJSON(with(applicationBody("beppu", "x"), "agree_terms", false)), status: 422, problem: "invalid", field: "agree_terms"},
					// beppu §11-1: an undertaking that does not exist is not an agreement.
					{name: "script undertaking", body: mustJSON(with(applicationBody("beppu", "x"), "agreed_undertakings", []string{"1", "2", "3", "4", "5", "6", script})),
						status: 422, problem: "invalid", field: "agreed_undertakings"},
					{name: "number in undertakings", body: mustJSON(with(applicationBody("beppu", "x"), "agreed_undertakings", []any{"1", 2})),
						status: 400, problem: "bad-request", field: "agreed_undertakings"},
				}},
			// The current password is not checked with 10,000 characters: it is a
			// failed password change, audited as such (not a malformed request).
			{method: "POST", path: "/api/v1/me/password", token: setup,
				body: map[string]any{"current_password": first.Password, "new_password": "Tsubame-Nagare-8137", "login_id": "hatsuko"},
				long: []string{"new_password", "login_id"}, script: []string{"login_id"}},
			{method: "POST", path: "/api/v1/me/totp/confirm", token: enrol, body: map[string]any{"otp": "123456"},
				long: []string{"otp"}, script: []string{"otp"}},
			{method: "POST", path: "/api/v1/applications/" + pending.ID + "/approve", token: op.Token,
				body: map[string]any{"conditions": "条件"}, long: []string{"conditions"}, script: []string{"conditions"}, emptyOK: true},
			{method: "POST", path: "/api/v1/applications/" + pending.ID + "/reject", token: op.Token,
				body: map[string]any{"reason": "理由"}, long: []string{"reason"}, script: []string{"reason"}},
			{method: "POST", path: "/api/v1/organizations/" + org + "/suspend", token: op.Token,
				body: map[string]any{"reason": "理由"}, long: []string{"reason"}, script: []string{"reason"}},
			{method: "POST", path: "/api/v1/organizations/" + org + "/code", token: op.Token,
				body: map[string]any{"code": "4010100001"}, long: []string{"code"}, script: []string{"code"}, emptyOK: true},
			{method: "POST", path: "/api/v1/organizations/" + org + "/withdraw", token: op.Token,
				body: map[string]any{"reason": "理由"}, long: []string{"reason"}, script: []string{"reason"}, emptyOK: true},
			{method: "POST", path: "/api/v1/organizations/" + org + "/admin", token: op.Token,
				body: map[string]any{"admin_name": "佐藤 二郎", "admin_email": "sato@example.jp"},
				long: []string{"admin_name", "admin_email"}, script: []string{"admin_name", "admin_email"}},
			// occupation is left out: for an operator account the service stores it
			// unchecked (see the report).
			{method: "POST", path: "/api/v1/users", token: op.Token,
				body: map[string]any{"role": "operator", "operator_role": "unei_kanri_sekininsha", "display_name": "運営 次郎", "email": "", "occupation": ""},
				long: []string{"role", "operator_role", "display_name", "email"}, script: []string{"role", "operator_role", "display_name", "email"}},
			{method: "POST", path: "/api/v1/users/" + staff.ID + "/suspend", token: op.Token,
				body: map[string]any{"reason": "理由"}, long: []string{"reason"}, script: []string{"reason"}},
			{method: "POST", path: "/api/v1/organizations/" + org + "/users", token: admin.Token,
				body: map[string]any{"display_name": "別府 四郎", "email": "shiro@example.jp", "occupation": "helper"},
				long: []string{"display_name", "email", "occupation"}, script: []string{"display_name", "email", "occupation"}},
			{method: "POST", path: "/api/v1/organizations/" + apJ.Organization.ID + "/staff-requests", token: adminJ.Token,
				body:   map[string]any{"display_name": "常総 四郎", "email": "", "occupation": "nurse", "target_user_id": ""},
				long:   []string{"display_name", "email", "occupation", "target_user_id"},
				script: []string{"display_name", "email", "occupation", "target_user_id"}},
			{method: "POST", path: "/api/v1/staff-requests/" + reqJ.ID + "/reject", token: opJ.Token,
				body: map[string]any{"reason": "理由"}, long: []string{"reason"}, script: []string{"reason"}},
		}

		// Routes without a body accept none (or {}), and nothing else.
		bodiless := []struct{ path, token string }{
			{"/api/v1/me/totp", enrol},
			{"/api/v1/organizations/" + org + "/unsuspend", op.Token},
			{"/api/v1/users/" + staff.ID + "/unsuspend", op.Token},
			{"/api/v1/users/" + staff.ID + "/revoke", admin.Token},
			{"/api/v1/users/" + staff.ID + "/reissue", admin.Token},
			{"/api/v1/staff-requests/" + reqJ.ID + "/issue", opJ.Token},
		}

		covered := map[string]bool{}
		for _, ep := range endpoints {
			covered[pattern(t, env, ep.method, ep.path)] = true
			for _, bc := range casesFor(ep) {
				t.Run(ep.path+"/"+bc.name, func(t *testing.T) {
					before := snapshot(t, env)
					res := c.send(ep.method, ep.path, ep.token, bc.body, bc.contentType)
					checkBadCase(t, res, bc)
					if diff := diffSnapshots(before, snapshot(t, env)); diff != "" {
						t.Errorf("the refused request changed something:\n%s", diff)
					}
				})
			}
		}
		for _, b := range bodiless {
			covered[pattern(t, env, "POST", b.path)] = true
			for _, bc := range []badCase{
				{name: "unknown field", body: raw(`{"reason":"x"}`), status: 400, problem: "bad-request", field: "reason", detail: "「reason」"},
				{name: "malformed", body: raw(`{"`), status: 400, problem: "bad-request", detail: "途中"},
				{name: "text/plain", body: raw(`{}`), contentType: "text/plain", status: 415, problem: "unsupported-media-type"},
			} {
				t.Run(b.path+"/"+bc.name, func(t *testing.T) {
					before := snapshot(t, env)
					checkBadCase(t, c.send("POST", b.path, b.token, bc.body, bc.contentType), bc)
					if diff := diffSnapshots(before, snapshot(t, env)); diff != "" {
						t.Errorf("the refused request changed something:\n%s", diff)
					}
				})
			}
		}
		// Every POST route of the table is covered by one of the two tables above.
		for _, rt := range apiRoutes() {
			if rt.Method == "POST" && !covered[rt.Method+" "+rt.Path] && !coveredElsewhere(rt.Method, rt.Path) && !coveredByOwnTest(rt.Path) && !boardMalformedRoute(rt.Path) &&
				!timelineMalformedRoute(rt.Path) {
				t.Errorf("%s %s is not in the malformed-input tables", rt.Method, rt.Path)
			}
		}
	})
}

// enrolling takes a staff account through the password change and returns a setup
// token at the second-factor step, with the enrolment begun.
func enrolling(t *testing.T, c *client, creds accounts.Credentials) string {
	t.Helper()
	setup := c.session("beppu", creds.LoginID, creds.Password, "").problem(t, http.StatusForbidden, "password-change-required").SetupToken
	own := "own-" + strings.TrimPrefix(creds.LoginID, "beppu-") // beppu §12-2: an ID of one's own
	c.do("POST", "/api/v1/me/password", setup, map[string]string{"current_password": creds.Password,
		"new_password": "Hibari-Sora-2718", "login_id": own}).ok(t, http.StatusNoContent, nil)
	setup = c.session("beppu", own, "Hibari-Sora-2718", "").problem(t, http.StatusForbidden, "second-factor-enrolment-required").SetupToken
	c.do("POST", "/api/v1/me/totp", setup, nil).ok(t, http.StatusCreated, nil)
	return setup
}

// casesFor spoils an endpoint's valid body in every way the table knows.
func casesFor(ep endpoint) []badCase {
	fields := make([]string, 0, len(ep.body))
	for f := range ep.body {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	first := fields[0]
	valid := mustJSON(ep.body)
	cs := []badCase{
		{name: "empty body", body: raw(""), status: 400, problem: "bad-request", detail: "本文がありません"},
		{name: "blank body", body: raw(" \r\n"), status: 400, problem: "bad-request", detail: "本文がありません"},
		{name: "array", body: raw(`[]`), status: 400, problem: "bad-request", detail: "JSONオブジェクト"},
		{name: "string", body: raw(`"x"`), status: 400, problem: "bad-request", detail: "JSONオブジェクト"},
		{name: "truncated", body: valid[:len(valid)-1], status: 400, problem: "bad-request", detail: "途中"},
		{name: "syntax error", body: raw(`{"` + first + `" "x"}`), status: 400, problem: "bad-request", detail: "バイト目"},
		{name: "trailing data", body: append(append(raw{}, valid...), `{}`...), status: 400, problem: "bad-request", detail: "余分"},
		{name: "unknown field", body: mustJSON(with(ep.body, "extra", "x")), status: 400, problem: "bad-request", field: "extra", detail: "「extra」"},
		{name: "field name case", body: mustJSON(renamed(ep.body, first, strings.ToUpper(first))), status: 400, problem: "bad-request",
			field: strings.ToUpper(first)},
		{name: "duplicate field", body: raw(`{"` + first + `":` + string(mustJSON(ep.body[first])) + `,` + string(valid[1:])),
			status: 400, problem: "bad-request", field: first},
		{name: "text/plain", body: valid, contentType: "text/plain", status: 415, problem: "unsupported-media-type"},
		{name: "latin1 charset", body: valid, contentType: "application/json; charset=iso-8859-1", status: 415, problem: "unsupported-media-type"},
		{name: "too large", body: mustJSON(with(ep.body, first, strings.Repeat("a", 70<<10))), status: 413, problem: "request-too-large"},
	}
	if !ep.emptyOK {
		cs = append(cs, badCase{name: "empty object", body: raw(`{}`), status: 422, problem: "invalid"})
	}
	for _, f := range fields {
		var wrong any = 12345
		switch ep.body[f].(type) {
		case bool:
			wrong = "yes"
		case []string:
			wrong = "1"
		}
		cs = append(cs,
			badCase{name: "wrong type " + f, body: mustJSON(with(ep.body, f, wrong)), status: 400, problem: "bad-request", field: f, detail: "「" + f + "」"},
			badCase{name: "null " + f, body: mustJSON(with(ep.body, f, nil)), status: 400, problem: "bad-request", field: f, detail: "「" + f + "」"})
		var bad any
		switch ep.body[f].(type) {
		case string:
			bad = "@@BAD@@"
		case []string:
			bad = []string{"@@BAD@@"}
		default:
			continue
		}
		b := bytes.Replace(mustJSON(with(ep.body, f, bad)), []byte("@@BAD@@"), []byte("a\xff\xfeb"), 1)
		cs = append(cs, badCase{name: "invalid UTF-8 " + f, body: b, status: 400, problem: "bad-request", field: f, detail: "UTF-8"})
	}
	for _, f := range ep.long {
		cs = append(cs, badCase{name: "over-long " + f, body: mustJSON(with(ep.body, f, longText)), status: 422, problem: "invalid", field: f})
	}
	for _, f := range ep.script {
		cs = append(cs, badCase{name: "script " + f, body: mustJSON(with(ep.body, f, script)), status: 422, problem: "invalid", field: f})
	}
	return append(cs, ep.extra...)
}

func checkBadCase(t *testing.T, res *response, bc badCase) {
	t.Helper()
	p := res.problem(t, bc.status, bc.problem)
	if bc.field != "" && p.Errors[bc.field] == "" {
		t.Errorf("errors %v lack %q; body: %s", p.Errors, bc.field, res.Body)
	}
	if bc.status == 422 && len(p.Errors) == 0 {
		t.Errorf("422 without field errors: %s", res.Body)
	}
	if bc.detail != "" && !strings.Contains(p.Detail, bc.detail) {
		t.Errorf("detail %q does not say %q", p.Detail, bc.detail)
	}
	if strings.Contains(string(res.Body), "<script>") {
		t.Errorf("the problem echoes markup: %s", res.Body)
	}
}

// send posts a raw body with a content type (application/json by default).
func (c *client) send(method, path, token string, body raw, contentType string) *response {
	c.t.Helper()
	if contentType == "" {
		contentType = "application/json"
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	_, pattern := c.env.Mux.Handler(req)
	rec := httptest.NewRecorder()
	c.env.Handler.ServeHTTP(rec, req)
	res := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkDocumented(c.t, pattern, res)
	return res
}

// pattern returns the ServeMux pattern a request reaches.
func pattern(t *testing.T, env *testenv.Env, method, path string) string {
	t.Helper()
	_, p := env.Mux.Handler(httptest.NewRequest(method, path, nil))
	return p
}

func with(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

func renamed(m map[string]any, from, to string) map[string]any {
	out := with(m, to, m[from])
	delete(out, from)
	return out
}

func mustJSON(v any) raw {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// snapshot renders everything a request could change in the test networks.
func snapshot(t *testing.T, env *testenv.Env) []string {
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
			apps, err := tx.FindApplications(ctx, n.ID, "")
			if err != nil {
				return err
			}
			for _, a := range apps {
				out = append(out, fmt.Sprintf("%s application %s %s %q %q %s", n.ID, a.ID, a.Status, a.Conditions, a.RejectReason, a.OrgID))
			}
			orgs, err := tx.FindOrganizations(ctx, n.ID, domain.OrgFilter{})
			if err != nil {
				return err
			}
			for _, o := range orgs {
				out = append(out, fmt.Sprintf("%s organization %s %s %q %q", n.ID, o.ID, o.Status, o.Conditions, o.SuspendReason))
			}
			users, err := tx.FindUsers(ctx, n.ID, domain.UserFilter{})
			if err != nil {
				return err
			}
			for _, u := range users {
				out = append(out, fmt.Sprintf("%s user %s %s %s %s %q %q %s %t %t %q %q", n.ID, u.ID, u.LoginID, u.Role, u.Status,
					u.DisplayName, u.Email, u.PasswordHash, u.MustChangePassword, u.TOTPEnabled, u.TOTPSecret, u.SuspendReason))
			}
			reqs, err := tx.FindStaffRequests(ctx, n.ID, "", "")
			if err != nil {
				return err
			}
			for _, r := range reqs {
				out = append(out, fmt.Sprintf("%s staff_request %s %s %q %s", n.ID, r.ID, r.Status, r.Reason, r.UserID))
			}
			events, err := tx.AuditEventsFrom(ctx, n.ID, 0, 1_000_000)
			if err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("%s audit events: %d", n.ID, len(events)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(out)
}

func diffSnapshots(before, after []string) string {
	var b strings.Builder
	for _, s := range before {
		if !slices.Contains(after, s) {
			b.WriteString("- " + s + "\n")
		}
	}
	for _, s := range after {
		if !slices.Contains(before, s) {
			b.WriteString("+ " + s + "\n")
		}
	}
	return b.String()
}
