package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// client talks to the API through its handler, as an API client would over HTTP.
type client struct {
	t   *testing.T
	env *testenv.Env
	// changes are the request ids of the successful state-changing requests, whose
	// audit events the walk tests look for.
	changes []change
}

type change struct {
	method, path, requestID string
}

func newClient(t *testing.T, env *testenv.Env) *client { return &client{t: t, env: env} }

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// problemDoc is an RFC 9457 problem as the API writes it.
type problemDoc struct {
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	Status     int               `json:"status"`
	Detail     string            `json:"detail"`
	Instance   string            `json:"instance"`
	Errors     map[string]string `json:"errors"`
	SetupToken string            `json:"setup_token"`
}

// raw is a request body sent as is, with Content-Type application/json.
type raw []byte

// do sends a request. body is nil (no body), raw, or a value encoded as JSON.
func (c *client) do(method, path, token string, body any, headers ...string) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case raw:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("encode request body: %v", err)
		}
		rd = bytes.NewReader(enc)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	_, pattern := c.env.Mux.Handler(req)
	rec := httptest.NewRecorder()
	c.env.Handler.ServeHTTP(rec, req)
	res := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkDocumented(c.t, pattern, res)
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		c.t.Errorf("%s %s: Cache-Control = %q, want no-store", method, path, got)
	}
	if method != "GET" && res.Status < 300 {
		c.changes = append(c.changes, change{method, path, res.Header.Get("X-Request-Id")})
	}
	return res
}

// ok checks the status and decodes the JSON body into v (when v is not nil).
func (r *response) ok(t *testing.T, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if v == nil {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem checks that the response is a problem of the status and type name.
func (r *response) problem(t *testing.T, status int, name string) problemDoc {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d (%s); body: %s", r.Status, status, name, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body: %s", ct, r.Body)
	}
	var p problemDoc
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", r.Body, err)
	}
	if want := "urn:renraku:problem:" + name; p.Type != want {
		t.Fatalf("problem type %q, want %q; body: %s", p.Type, want, r.Body)
	}
	if p.Status != status || p.Title == "" || p.Detail == "" {
		t.Fatalf("incomplete problem (status, title and detail are required): %s", r.Body)
	}
	return p
}

// user is an account as a test holds it.
type user struct {
	ID, LoginID, Password, Secret, Token string
}

// session posts a login.
func (c *client) session(network, loginID, password, otp string) *response {
	c.t.Helper()
	return c.do("POST", "/api/v1/sessions", "", map[string]string{"network": network, "login_id": loginID,
		"password": password, "otp": otp})
}

// login logs in with a fresh second-factor code and returns the bearer token.
func (c *client) login(network string, u user) string {
	c.t.Helper()
	var tok struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	c.session(network, u.LoginID, u.Password, c.env.FreshTOTP(u.Secret)).ok(c.t, http.StatusCreated, &tok)
	if !strings.HasPrefix(tok.Token, network+".") || tok.ExpiresAt == "" {
		c.t.Fatalf("token %q (expires %q) does not name network %s", tok.Token, tok.ExpiresAt, network)
	}
	return tok.Token
}

// operator sets up a network and logs its first operator in.
func (c *client) operator(network, profileID string) user {
	c.t.Helper()
	creds := c.env.Network(c.t, network, profileID)
	u := user{ID: creds.UserID, LoginID: creds.LoginID, Password: creds.Password, Secret: c.env.Secret(creds.UserID)}
	u.Token = c.login(network, u)
	return u
}

// seeded finishes an issued account's first login directly in the service and
// logs it in through the API.
func (c *client) seeded(network string, creds accounts.Credentials) user {
	c.t.Helper()
	creds = c.env.Seed(c.t, network, creds)
	u := user{ID: creds.UserID, LoginID: creds.LoginID, Password: creds.Password, Secret: c.env.Secret(creds.UserID)}
	u.Token = c.login(network, u)
	return u
}

// applicationBody is a complete application for a profile: its first organization
// type and, in beppu, agreement to every undertaking of §11-1 (1)-(6).
func applicationBody(profileID, orgName string) map[string]any {
	p := profile.MustGet(profileID)
	und := []string{}
	for _, u := range p.Undertakings {
		und = append(und, u.Key)
	}
	return map[string]any{"org_name": orgName, "org_type": p.OrgTypes[0].Key, "address": "大分県別府市上野口町1-15",
		"phone": "0977-21-1111", "admin_name": "山田 一郎", "admin_email": "yamada@example.jp", "admin_phone": "0977-21-1112",
		"agree_terms": true, "agreed_undertakings": und}
}

type created struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	NoticeToken string `json:"notice_token"`
}

type approval struct {
	Organization struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Status     string `json:"status"`
		Conditions string `json:"conditions"`
	} `json:"organization"`
	Admin accounts.Credentials `json:"admin"`
}

// organization applies and has the operator approve, returning the approval.
func (c *client) organization(network, profileID, name string, op user) approval {
	c.t.Helper()
	var app created
	c.do("POST", "/api/v1/networks/"+network+"/applications", "", applicationBody(profileID, name)).ok(c.t, http.StatusCreated, &app)
	var ap approval
	c.do("POST", "/api/v1/applications/"+app.ID+"/approve", op.Token, map[string]string{"conditions": ""}).ok(c.t, http.StatusOK, &ap)
	return ap
}

// staff has the admin issue a staff account (profiles where the admin issues them).
func (c *client) staff(orgID string, admin user, name, occupation string) accounts.Credentials {
	c.t.Helper()
	var creds accounts.Credentials
	c.do("POST", "/api/v1/organizations/"+orgID+"/users", admin.Token,
		map[string]string{"display_name": name, "email": "", "occupation": occupation}).ok(c.t, http.StatusCreated, &creds)
	return creds
}

// firstLogin walks an account's first login through the API (beppu §12-2,
// fukuoka §12-2): temporary credentials → password change, choosing an own login
// ID → second-factor enrolment → a full login with the code.
func (c *client) firstLogin(network string, creds accounts.Credentials, loginID, password string) user {
	c.t.Helper()
	t := c.t
	p := c.session(network, creds.LoginID, creds.Password, "").problem(t, http.StatusForbidden, "password-change-required")
	if !strings.HasPrefix(p.SetupToken, network+".") {
		t.Fatalf("setup token %q does not name network %s", p.SetupToken, network)
	}
	setup := p.SetupToken
	var me struct{ Stage string }
	c.do("GET", "/api/v1/me", setup, nil).ok(t, http.StatusOK, &me)
	if me.Stage != "change_password" {
		t.Fatalf("stage %q, want change_password", me.Stage)
	}
	// A setup token can do nothing but the setup.
	c.do("GET", "/api/v1/me/sessions", setup, nil).problem(t, http.StatusForbidden, "setup-required")
	c.do("POST", "/api/v1/me/password", setup, map[string]string{"current_password": creds.Password,
		"new_password": password, "login_id": loginID}).ok(t, http.StatusNoContent, nil)
	// The temporary credentials are gone; the chosen ID and password work.
	c.session(network, creds.LoginID, creds.Password, "").problem(t, http.StatusUnauthorized, "invalid-credentials")
	p = c.session(network, loginID, password, "").problem(t, http.StatusForbidden, "second-factor-enrolment-required")
	setup = p.SetupToken
	var enrol struct {
		Secret     string `json:"secret"`
		OTPAuthURL string `json:"otpauth_url"`
	}
	c.do("POST", "/api/v1/me/totp", setup, nil).ok(t, http.StatusCreated, &enrol)
	if enrol.Secret == "" || !strings.HasPrefix(enrol.OTPAuthURL, "otpauth://totp/") {
		t.Fatalf("enrolment %+v", enrol)
	}
	c.do("POST", "/api/v1/me/totp/confirm", setup, map[string]string{"otp": c.env.FreshTOTP(enrol.Secret)}).ok(t, http.StatusNoContent, nil)
	// The setup token ended with the setup; a full token needs a login with the code.
	c.do("GET", "/api/v1/me", setup, nil).problem(t, http.StatusUnauthorized, "session-expired")
	c.session(network, loginID, password, "").problem(t, http.StatusUnauthorized, "otp-required")
	u := user{ID: creds.UserID, LoginID: loginID, Password: password, Secret: enrol.Secret}
	u.Token = c.login(network, u)
	return u
}

// me reads GET /api/v1/me.
type meDoc struct {
	Network      string `json:"network"`
	UserID       string `json:"user_id"`
	LoginID      string `json:"login_id"`
	DisplayName  string `json:"display_name"`
	Role         string `json:"role"`
	OperatorRole string `json:"operator_role"`
	Occupation   string `json:"occupation"`
	Organization *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"organization"`
	Stage string `json:"stage"`
}

func (c *client) me(token string) meDoc {
	c.t.Helper()
	var m meDoc
	c.do("GET", "/api/v1/me", token, nil).ok(c.t, http.StatusOK, &m)
	return m
}

// auditEvents returns every audit event of a network, straight from the store.
func auditEvents(t *testing.T, env *testenv.Env, network string) []*domain.AuditEvent {
	t.Helper()
	var out []*domain.AuditEvent
	err := env.Store.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		out, err = tx.AuditEventsFrom(context.Background(), network, 0, 1_000_000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// countActions counts a network's audit events by action and outcome ("login/ok").
func countActions(t *testing.T, env *testenv.Env, network string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, e := range auditEvents(t, env, network) {
		n[e.Action+"/"+e.Outcome]++
	}
	return n
}

// checkAudited checks that every successful state-changing request the client
// made left an audit event carrying its request id (ARCHITECTURE.md "Audit").
func (c *client) checkAudited(network string, except ...string) {
	c.t.Helper()
	ids := map[string]bool{}
	for _, e := range auditEvents(c.t, c.env, network) {
		ids[e.RequestID] = true
	}
	checked := 0
outer:
	for _, ch := range c.changes {
		for _, x := range except {
			if ch.method+" "+ch.path == x {
				continue outer
			}
		}
		if !ids[ch.requestID] {
			c.t.Errorf("%s %s (request %s) left no audit event", ch.method, ch.path, ch.requestID)
		}
		checked++
	}
	if checked == 0 {
		c.t.Error("no state-changing request to check")
	}
}
