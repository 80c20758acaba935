package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// TestAPIWalkBeppu walks the foundation flow through /api/v1 only: application,
// operator approval with conditions, the applicant's notice, the admin's first
// login, a staff account issued by the admin, the staff member's first login.
func TestAPIWalkBeppu(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		opCreds := env.Network(t, "beppu", "beppu")

		// beppu §11-1: the applicant agrees to each of the undertakings (1)-(6).
		body := applicationBody("beppu", "べっぷ居宅介護支援センター")
		partial := applicationBody("beppu", "べっぷ居宅介護支援センター")
		partial["agreed_undertakings"] = []string{"1", "2", "3", "4", "5"}
		p := c.do("POST", "/api/v1/networks/beppu/applications", "", partial).problem(t, http.StatusUnprocessableEntity, "invalid")
		if !strings.Contains(p.Errors["agreed_undertakings"], "beppu §11-1") {
			t.Errorf("errors %v: want agreed_undertakings naming beppu §11-1", p.Errors)
		}
		var app created
		res := c.do("POST", "/api/v1/networks/beppu/applications", "", body)
		res.ok(t, http.StatusCreated, &app)
		if app.Status != "pending" || app.NoticeToken == "" {
			t.Fatalf("application %+v", app)
		}
		if loc := res.Header.Get("Location"); loc != "/api/v1/networks/beppu/applications/"+app.ID {
			t.Errorf("Location %q", loc)
		}
		noticeURL := "/api/v1/networks/beppu/applications/" + app.ID
		var notice struct {
			Status     string  `json:"status"`
			Conditions string  `json:"conditions"`
			DecidedAt  *string `json:"decided_at"`
		}
		c.do("GET", noticeURL, "", nil, "X-Notice-Token", app.NoticeToken).ok(t, http.StatusOK, &notice)
		if notice.Status != "pending" || notice.DecidedAt != nil {
			t.Errorf("notice before the decision: %+v", notice)
		}
		c.do("GET", noticeURL, "", nil, "X-Notice-Token", "guess").problem(t, http.StatusNotFound, "not-found")
		c.do("GET", noticeURL, "", nil).problem(t, http.StatusNotFound, "not-found")

		// The operator logs in with the second factor.
		c.session("beppu", opCreds.LoginID, opCreds.Password, "").problem(t, http.StatusUnauthorized, "otp-required")
		c.session("beppu", opCreds.LoginID, opCreds.Password, "000000").problem(t, http.StatusUnauthorized, "otp-invalid")
		op := user{ID: opCreds.UserID, LoginID: opCreds.LoginID, Password: opCreds.Password, Secret: env.Secret(opCreds.UserID)}
		op.Token = c.login("beppu", op)
		if m := c.me(op.Token); m.Role != "operator" || m.OperatorRole != "jigyo_sekininsha" || m.Organization != nil || m.Stage != "full" {
			t.Errorf("operator me: %+v", m)
		}

		var pending struct {
			Applications []struct{ ID, Status, OrgName string } `json:"applications"`
		}
		c.do("GET", "/api/v1/applications?status=pending", op.Token, nil).ok(t, http.StatusOK, &pending)
		if len(pending.Applications) != 1 || pending.Applications[0].ID != app.ID {
			t.Fatalf("pending applications %+v", pending)
		}
		c.do("GET", "/api/v1/applications?status=everything", op.Token, nil).problem(t, http.StatusBadRequest, "bad-request")

		// beppu §11-2: approval with conditions shown to the organization.
		const conditions = "個人情報の取扱いに関する研修を年1回実施し、その記録を保管すること。"
		var ap approval
		res = c.do("POST", "/api/v1/applications/"+app.ID+"/approve", op.Token, map[string]string{"conditions": conditions})
		res.ok(t, http.StatusOK, &ap)
		if ap.Organization.Status != "active" || ap.Organization.Conditions != conditions || ap.Admin.Password == "" || ap.Admin.LoginID == "" {
			t.Fatalf("approval %+v", ap)
		}
		c.do("POST", "/api/v1/applications/"+app.ID+"/approve", op.Token, map[string]string{"conditions": ""}).problem(t, http.StatusConflict, "conflict")
		c.do("GET", noticeURL, "", nil, "X-Notice-Token", app.NoticeToken).ok(t, http.StatusOK, &notice)
		if notice.Status != "approved" || notice.Conditions != conditions || notice.DecidedAt == nil {
			t.Errorf("notice after approval: %+v", notice)
		}

		// beppu §12-2: the admin's first login changes the temporary password, sets an
		// own ID and enrols the second factor before anything else.
		admin := c.firstLogin("beppu", ap.Admin, "yamada.kyotaku", "Kamome-Minato-3141")
		m := c.me(admin.Token)
		if m.Role != "admin" || m.LoginID != "yamada.kyotaku" || m.Organization == nil || m.Organization.ID != ap.Organization.ID {
			t.Fatalf("admin me: %+v", m)
		}

		// beppu §13-2: the admin issues a staff account.
		staffCreds := c.staff(ap.Organization.ID, admin, "別府 花子", "care_manager")
		staff := c.firstLogin("beppu", staffCreds, "hanako.b", "Tsubame-Nagare-8137")
		m = c.me(staff.Token)
		if m.Role != "staff" || m.Occupation != "care_manager" || m.DisplayName != "別府 花子" || m.Stage != "full" ||
			m.Organization == nil || m.Organization.ID != ap.Organization.ID || m.Organization.Name != "べっぷ居宅介護支援センター" ||
			m.Organization.Type != "hokatsu" {
			t.Fatalf("staff me: %+v", m)
		}
		// Staff hold no operator power.
		c.do("GET", "/api/v1/applications", staff.Token, nil).problem(t, http.StatusForbidden, "forbidden")

		var users struct {
			Users []struct{ ID, Role, Status, LoginID string } `json:"users"`
		}
		res = c.do("GET", "/api/v1/organizations/"+ap.Organization.ID+"/users", admin.Token, nil)
		res.ok(t, http.StatusOK, &users)
		if len(users.Users) != 2 {
			t.Fatalf("organization users %+v", users)
		}
		if s := string(res.Body); strings.Contains(s, "argon2") || strings.Contains(s, `"password"`) || strings.Contains(s, `"v1:`) {
			t.Errorf("user list leaks a secret: %s", s)
		}

		// Every change left an audit event; POST /me/totp stores a pending secret the
		// service does not audit (reported), the events are spot-checked by action.
		c.checkAudited("beppu", "POST /api/v1/me/totp")
		n := countActions(t, env, "beppu")
		for _, a := range []string{"application.submit/ok", "application.approve/ok", "login/ok", "password.change/ok",
			"totp.enrol/ok", "user.issue/ok", "logout/ok", "login.failed/failed", "applications.review/denied"} {
			if n[a] == 0 {
				t.Errorf("no audit event %s; have %v", a, n)
			}
		}
		env.SealAndVerify(t, "beppu")
	})
}

// TestAPIWalkJoso is the joso variant (joso §10): the admin cannot issue staff
// accounts, requests one, and the operator issues it.
func TestAPIWalkJoso(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("joso", "joso")
		ap := c.organization("joso", "joso", "常総訪問看護ステーション", op)
		admin := c.firstLogin("joso", ap.Admin, "suzuki.admin", "Kamome-Minato-3141")
		org := ap.Organization.ID

		staffBody := map[string]string{"display_name": "常総 次郎", "email": "jiro@example.jp", "occupation": "nurse"}
		c.do("POST", "/api/v1/organizations/"+org+"/users", admin.Token, staffBody).problem(t, http.StatusForbidden, "forbidden")

		var req struct {
			ID, Status, Kind, Occupation string
			OrganizationID               string `json:"organization_id"`
		}
		c.do("POST", "/api/v1/organizations/"+org+"/staff-requests", admin.Token, staffBody).ok(t, http.StatusCreated, &req)
		if req.Status != "pending" || req.Kind != "new" || req.OrganizationID != org || req.Occupation != "nurse" {
			t.Fatalf("staff request %+v", req)
		}
		var list struct {
			StaffRequests []struct{ ID, Status string } `json:"staff_requests"`
		}
		c.do("GET", "/api/v1/organizations/"+org+"/staff-requests", admin.Token, nil).ok(t, http.StatusOK, &list)
		if len(list.StaffRequests) != 1 || list.StaffRequests[0].ID != req.ID {
			t.Fatalf("admin's requests %+v", list)
		}
		// Only the operator decides.
		c.do("GET", "/api/v1/staff-requests", admin.Token, nil).problem(t, http.StatusForbidden, "forbidden")
		c.do("POST", "/api/v1/staff-requests/"+req.ID+"/issue", admin.Token, nil).problem(t, http.StatusForbidden, "forbidden")
		c.do("GET", "/api/v1/staff-requests", op.Token, nil).ok(t, http.StatusOK, &list)
		if !slices.ContainsFunc(list.StaffRequests, func(s struct{ ID, Status string }) bool { return s.ID == req.ID }) {
			t.Fatalf("operator's queue %+v lacks %s", list, req.ID)
		}
		var creds accounts.Credentials
		c.do("POST", "/api/v1/staff-requests/"+req.ID+"/issue", op.Token, nil).ok(t, http.StatusCreated, &creds)
		c.do("POST", "/api/v1/staff-requests/"+req.ID+"/issue", op.Token, nil).problem(t, http.StatusConflict, "conflict")

		staff := c.firstLogin("joso", creds, "jiro.joso", "Tsubame-Nagare-8137")
		m := c.me(staff.Token)
		if m.Role != "staff" || m.Occupation != "nurse" || m.Organization == nil || m.Organization.ID != org {
			t.Fatalf("staff me: %+v", m)
		}
		c.checkAudited("joso", "POST /api/v1/me/totp")
		n := countActions(t, env, "joso")
		for _, a := range []string{"staff_request.create/ok", "staff_request.issue/ok", "staff.issue/denied"} {
			if n[a] == 0 {
				t.Errorf("no audit event %s; have %v", a, n)
			}
		}
		env.SealAndVerify(t, "joso")
	})
}
