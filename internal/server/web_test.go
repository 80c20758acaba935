package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// client is a browser stand-in: it keeps the session cookie itself (Go's cookie jar
// will not send a Secure cookie over the tests' plain HTTP) and never follows
// redirects, so tests see exactly what the server answered.
type client struct {
	t       *testing.T
	base    string
	cookies map[string]string
}

func newClient(t *testing.T, base string) *client {
	return &client{t: t, base: base, cookies: map[string]string{}}
}

type reply struct {
	Status   int
	Body     string
	Location string
}

func (c *client) do(method, path string, form url.Values, header ...string) reply {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
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
	for _, ck := range resp.Cookies() {
		if !ck.Secure || !ck.HttpOnly || !strings.HasPrefix(ck.Name, "__Host-") || ck.Path != "/" {
			c.t.Errorf("cookie %s is not a __Host- Secure HttpOnly cookie", ck.Name)
		}
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return reply{resp.StatusCode, string(b), resp.Header.Get("Location")}
}

func (c *client) get(path string) reply { c.t.Helper(); return c.do("GET", path, nil) }
func (c *client) post(path string, form url.Values) reply {
	c.t.Helper()
	return c.do("POST", path, form)
}

// loginOperator signs the site's operator in.
func (c *client) loginOperator(s *site, net string) {
	c.t.Helper()
	r := c.post("/n/"+net+"/login", url.Values{"login_id": {s.OpID}, "password": {s.OpPass}, "otp": {s.code(c.t, s.OpTOTP)}})
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/home") {
		c.t.Fatalf("operator login: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	s.Clock.Advance(30e9) // the next code is a new step (codes are single-use)
}

func count(t *testing.T, db store.Store, net string) (apps, users, orgs int) {
	t.Helper()
	err := db.Transact(context.Background(), func(tx store.Tx) error {
		a, err := tx.FindApplications(context.Background(), net, "")
		if err != nil {
			return err
		}
		u, err := tx.FindUsers(context.Background(), net, domain.UserFilter{})
		if err != nil {
			return err
		}
		o, err := tx.FindOrganizations(context.Background(), net, domain.OrgFilter{})
		apps, users, orgs = len(a), len(u), len(o)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

func validApplication() url.Values {
	return url.Values{"org_name": {"ケアプランセンターゆけむり"}, "org_type": {"kyotaku"}, "address": {"大分県別府市北浜2丁目1-1"},
		"phone": {"0977-21-0001"}, "admin_name": {"鉄輪 美和"}, "admin_email": {"kannawa@example.jp"}, "agree_terms": {"yes"},
		"undertaking": {"1", "2", "3", "4", "5", "6"}}
}

func with(v url.Values, key string, vals ...string) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	if vals == nil {
		delete(out, key)
	} else {
		out[key] = vals
	}
	return out
}

// TestWebFormsRejectMalformedInput: every form refuses empty, over-long, invalid
// UTF-8, markup and wrong-kind input with a Japanese message beside the field, and
// changes nothing.
func TestWebFormsRejectMalformedInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		anon := newClient(t, s.URL)
		long := strings.Repeat("あ", 101)
		bad := string([]byte{0xff, 0xfe, 'a'})
		script := "<script>alert(1)</script>"

		applyCases := []struct {
			name string
			form url.Values
			want string
		}{
			{"empty form", url.Values{}, "組織名を入力してください。"},
			{"over-long name", with(validApplication(), "org_name", long), "組織名は100文字以内で入力してください。"},
			{"invalid UTF-8", with(validApplication(), "address", bad), "所在地に不正な文字コードが含まれています。"},
			{"script tag", with(validApplication(), "admin_name", script), "使用できない文字（&lt; &gt;）"},
			{"unknown type", with(validApplication(), "org_type", "hospital"), "組織の種別を選んでください。"},
			{"phone letters", with(validApplication(), "phone", "call me"), "数字とハイフンで入力してください"},
			{"bad e-mail", with(validApplication(), "admin_email", "kannawa at example"), "形式が正しくありません"},
			{"newline in name", with(validApplication(), "org_name", "ゆけむり\nセンター"), "改行やタブは使えません"},
			// beppu §11-1: all six undertakings must be agreed to.
			{"one undertaking missing", with(validApplication(), "undertaking", "1", "2", "3", "4", "5"), "遵守事項（beppu §11-1）のすべてに同意してください。"},
			{"unknown undertaking", with(validApplication(), "undertaking", "1", "2", "3", "4", "5", "6", "7"), "遵守事項の指定が正しくありません。"},
			{"terms not agreed", with(validApplication(), "agree_terms"), "利用規約に同意してください。"},
		}
		for _, tc := range applyCases {
			t.Run("apply/"+tc.name, func(t *testing.T) {
				apps, _, _ := count(t, db, "beppu")
				r := anon.post("/n/beppu/apply", tc.form)
				if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) || !strings.Contains(r.Body, `class="field-error"`) {
					t.Errorf("status %d, want 422 with %q beside the field", r.Status, tc.want)
				}
				if a, _, _ := count(t, db, "beppu"); a != apps {
					t.Errorf("applications %d -> %d: a refused form changed something", apps, a)
				}
			})
		}
		if r := anon.post("/n/beppu/apply", validApplication()); r.Status != http.StatusSeeOther {
			t.Fatalf("valid application: %d\n%s", r.Status, r.Body)
		}

		// Login refuses malformed input without opening a session.
		for _, tc := range []struct {
			name string
			form url.Values
			want string
		}{
			{"empty", url.Values{}, "IDを入力してください。"},
			{"invalid UTF-8 id", url.Values{"login_id": {bad}, "password": {"x"}}, "不正な文字コード"},
			{"over-long id", url.Values{"login_id": {strings.Repeat("a", 65)}, "password": {"x"}}, "64文字以内"},
			{"over-long password", url.Values{"login_id": {"a"}, "password": {strings.Repeat("a", 600)}}, "パスワードが長すぎます。"},
			{"wrong password", url.Values{"login_id": {s.OpID}, "password": {"wrong-password"}}, "IDまたはパスワードが正しくありません。"},
		} {
			t.Run("login/"+tc.name, func(t *testing.T) {
				c := newClient(t, s.URL)
				r := c.post("/n/beppu/login", tc.form)
				if r.Status < 400 || !strings.Contains(r.Body, tc.want) || len(c.cookies) != 0 {
					t.Errorf("status %d, cookies %v, want an error with %q", r.Status, c.cookies, tc.want)
				}
			})
		}

		op := newClient(t, s.URL)
		op.loginOperator(s, "beppu")
		var appID string
		db.Transact(context.Background(), func(tx store.Tx) error {
			a, err := tx.FindApplications(context.Background(), "beppu", domain.AppPending)
			if err == nil && len(a) > 0 {
				appID = a[0].ID
			}
			return err
		})
		// Operator forms.
		for _, tc := range []struct {
			name, path string
			form       url.Values
			want       string
		}{
			{"conditions over-long", "/n/beppu/applications/" + appID + "/approve", url.Values{"conditions": {strings.Repeat("条", 2001)}}, "2000文字以内"},
			{"reject without reason", "/n/beppu/applications/" + appID + "/reject", url.Values{}, "却下の理由を入力してください。"},
			{"reject with markup", "/n/beppu/applications/" + appID + "/reject", url.Values{"reason": {script}}, "使用できない文字"},
			{"account of an unknown role", "/n/beppu/users", url.Values{"role": {"superuser"}, "display_name": {"x"}}, "この操作を行う権限がありません。"},
			{"operator account without its role", "/n/beppu/users", url.Values{"role": {"operator"}, "display_name": {"亀川 健太"}}, "運営者の役割を選んでください。"},
		} {
			t.Run("operator/"+tc.name, func(t *testing.T) {
				apps, users, orgs := count(t, db, "beppu")
				r := op.post(tc.path, tc.form)
				if r.Status < 400 || !strings.Contains(r.Body, tc.want) {
					t.Errorf("status %d, want an error with %q\n%s", r.Status, tc.want, r.Body)
				}
				if a, u, o := count(t, db, "beppu"); a != apps || u != users || o != orgs {
					t.Errorf("counts changed: %d/%d/%d -> %d/%d/%d", apps, users, orgs, a, u, o)
				}
			})
		}
		if r := op.get("/n/beppu/audit?from=2026-13-01"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "YYYY-MM-DD") {
			t.Errorf("audit viewer with a bad date: %d", r.Status)
		}
		if r := op.get("/n/beppu/audit?action=login"); r.Status != 200 || !strings.Contains(r.Body, "<code>login</code>") {
			t.Errorf("audit viewer filtered by action: %d", r.Status)
		}

		// A state-changing request from another site is refused (CSRF).
		r := op.do("POST", "/n/beppu/applications/"+appID+"/reject", url.Values{"reason": {"x"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if r.Status != http.StatusForbidden {
			t.Errorf("cross-site POST: %d, want 403", r.Status)
		}
		if apps, _, _ := count(t, db, "beppu"); apps != 1 {
			t.Fatalf("applications = %d", apps)
		}
		var status domain.ApplicationStatus
		db.Transact(context.Background(), func(tx store.Tx) error {
			a, err := tx.FindApplication(context.Background(), "beppu", appID)
			if err == nil {
				status = a.Status
			}
			return err
		})
		if status != domain.AppPending {
			t.Errorf("after refused requests the application is %s", status)
		}
	})
}

// TestWebNetworkIsolation: a session of one network opens nothing in another, and
// an organization id of another network is not found (no query crosses networks).
func TestWebNetworkIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		ctx := context.Background()
		if _, err := s.Acc.CreateNetwork(ctx, accounts.NewNetwork{ID: "fukuoka", Profile: "fukuoka", OperatorName: "博多 誠"}); err != nil {
			t.Fatal(err)
		}
		// An organization in fukuoka.
		app, _, err := s.Acc.SubmitApplication(ctx, "fukuoka", accounts.ApplicationInput{OrgName: "ももち在宅クリニック", OrgType: "shinryojo",
			Address: "福岡市早良区百道浜1-2-3", Phone: "092-000-0001", AdminName: "百道 聡", AdminEmail: "m@example.jp", AgreeTerms: true})
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, s.URL)
		c.loginOperator(s, "beppu")
		// The beppu operator's ID and password do not log in to fukuoka.
		r := c.post("/n/fukuoka/login", url.Values{"login_id": {s.OpID}, "password": {s.OpPass}, "otp": {s.code(t, s.OpTOTP)}})
		if r.Status != http.StatusUnauthorized {
			t.Errorf("beppu operator logging in to fukuoka: %d", r.Status)
		}
		// The beppu session cookie does not open fukuoka pages, even under fukuoka's cookie name.
		token := c.cookies["__Host-renraku-beppu"]
		if token == "" {
			t.Fatal("no beppu session cookie")
		}
		if r := c.get("/n/fukuoka/home"); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/n/fukuoka/login") {
			t.Errorf("fukuoka home with a beppu session: %d %s", r.Status, r.Location)
		}
		c.cookies["__Host-renraku-fukuoka"] = token
		if r := c.get("/n/fukuoka/applications"); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/n/fukuoka/login") {
			t.Errorf("fukuoka with beppu's token: %d %s", r.Status, r.Location)
		}
		delete(c.cookies, "__Host-renraku-fukuoka")
		// Inside beppu, fukuoka's application is not found.
		if r := c.get("/n/beppu/applications/" + app.ID); r.Status != http.StatusNotFound || strings.Contains(r.Body, "ももち") {
			t.Errorf("beppu operator reading a fukuoka application: %d", r.Status)
		}
	})
}

// TestWebSuspensionTakesEffectAtOnce: katori §30, beppu §11-5: a suspended user's
// open session is refused on the very next request, and so is an organization's.
func TestWebSuspensionTakesEffectAtOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		ctx := context.Background()
		org, staffID, staff := s.staffClient(t)
		if r := staff.get("/n/beppu/home"); r.Status != 200 {
			t.Fatalf("staff home: %d", r.Status)
		}
		op := newClient(t, s.URL)
		op.loginOperator(s, "beppu")
		r := op.post("/n/beppu/users/"+staffID+"/suspend", url.Values{"reason": {"ID・パスワードの漏洩の疑い"}, "back": {"/n/beppu/organizations/" + org}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("suspend: %d\n%s", r.Status, r.Body)
		}
		if r := staff.get("/n/beppu/home"); r.Status != http.StatusForbidden && !(r.Status == http.StatusSeeOther && strings.Contains(r.Location, "login")) {
			t.Errorf("suspended staff's next request: %d", r.Status)
		} else if r.Status == http.StatusForbidden && !strings.Contains(r.Body, "利用停止") {
			t.Errorf("suspended staff sees no explanation")
		}
		// Unsuspend, log in again, then suspend the whole organization.
		if r := op.post("/n/beppu/users/"+staffID+"/unsuspend", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("unsuspend: %d", r.Status)
		}
		s.Clock.Advance(30e9)
		staff = s.login(t, "staff-1", staffPass, staffTOTP)
		if r := op.post("/n/beppu/organizations/"+org+"/suspend", url.Values{"reason": {"立入調査の結果、改善まで停止"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("suspend organization: %d %s", r.Status, r.Body)
		}
		if r := staff.get("/n/beppu/home"); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "所属組織の利用が停止されています") {
			t.Errorf("staff of a suspended organization: %d", r.Status)
		}
		_ = ctx
	})
}

const (
	staffPass = "Staff-Passw0rd-x"
	staffTOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// staffClient creates an approved organization with one staff member whose setup
// is done, and returns the organization id, the staff user id and a logged-in client.
func (s *site) staffClient(t *testing.T) (orgID, userID string, c *client) {
	t.Helper()
	ctx := context.Background()
	app, _, err := s.Acc.SubmitApplication(ctx, "beppu", accounts.ApplicationInput{OrgName: "訪問介護ステーションべっぷ湾", OrgType: "kaigo_service",
		Address: "大分県別府市汐見町3-2", Phone: "0977-21-0003", AdminName: "浜田 隆", AdminEmail: "hamada@example.jp", AgreeTerms: true,
		AgreedUndertakings: []string{"1", "2", "3", "4", "5", "6"}})
	if err != nil {
		t.Fatal(err)
	}
	op := s.operatorActor(t)
	org, admin, err := s.Acc.ApproveApplication(ctx, op, app.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Acc.SeedCredentials(ctx, "beppu", admin.UserID, "admin-1", staffPass, staffTOTP); err != nil {
		t.Fatal(err)
	}
	adminActor := op
	adminActor.UserID, adminActor.LoginID, adminActor.OrgID, adminActor.Role, adminActor.OperatorRole = admin.UserID, "admin-1", org.ID, domain.RoleAdmin, ""
	creds, err := s.Acc.IssueStaff(ctx, adminActor, org.ID, accounts.StaffInput{DisplayName: "北石垣 舞", Occupation: "helper"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Acc.SeedCredentials(ctx, "beppu", creds.UserID, "staff-1", staffPass, staffTOTP); err != nil {
		t.Fatal(err)
	}
	return org.ID, creds.UserID, s.login(t, "staff-1", staffPass, staffTOTP)
}

func (s *site) login(t *testing.T, id, pass, secret string) *client {
	t.Helper()
	c := newClient(t, s.URL)
	r := c.post("/n/beppu/login", url.Values{"login_id": {id}, "password": {pass}, "otp": {s.code(t, secret)}})
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/home") {
		t.Fatalf("login %s: %d %s\n%s", id, r.Status, r.Location, r.Body)
	}
	return c
}

func (s *site) operatorActor(t *testing.T) policy.Actor {
	t.Helper()
	pr, err := s.Acc.Login(domain.WithRequestMeta(context.Background(), domain.RequestMeta{}), accounts.LoginInput{Network: "beppu",
		LoginID: s.OpID, Password: s.OpPass, OTP: s.code(t, s.OpTOTP), Kind: "api"})
	if err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(30e9)
	p, err := s.Acc.Authenticate(context.Background(), "beppu", pr.Token)
	if err != nil {
		t.Fatal(err)
	}
	return p.Actor
}
