package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// beppuOrg sets up a beppu network with an approved organization whose admin and
// one staff member are logged in.
func beppuOrg(t *testing.T, env *testenv.Env, c *client) (op, admin, staff user, orgID string) {
	t.Helper()
	op = c.operator("beppu", "beppu")
	ap := c.organization("beppu", "beppu", "べっぷ訪問介護ステーション", op)
	admin = c.seeded("beppu", ap.Admin)
	staff = c.seeded("beppu", c.staff(ap.Organization.ID, admin, "別府 花子", "helper"))
	return op, admin, staff, ap.Organization.ID
}

// refusedAs checks that a token is refused and returns the problem type seen.
func refusedAs(t *testing.T, c *client, token string, status int, name string) {
	t.Helper()
	c.do("GET", "/api/v1/me", token, nil).problem(t, status, name)
}

// TestSuspendUser: the operator suspends an account without the holder's consent
// and it stops on the very next request (katori §30, joso §29, beppu §11-5).
func TestSuspendUser(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op, admin, staff, _ := beppuOrg(t, env, c)

		c.do("POST", "/api/v1/users/"+staff.ID+"/suspend", op.Token, map[string]string{"reason": "端末紛失の報告があったため"}).ok(t, http.StatusNoContent, nil)
		// The open token is refused at once, and says why (katori §30, beppu §11-5).
		c.do("GET", "/api/v1/me", staff.Token, nil).problem(t, http.StatusForbidden, "suspended")
		c.session("beppu", staff.LoginID, staff.Password, env.FreshTOTP(staff.Secret)).problem(t, http.StatusForbidden, "suspended")
		// Nobody suspends themselves, and the admin holds no power to suspend.
		c.do("POST", "/api/v1/users/"+op.ID+"/suspend", op.Token, map[string]string{"reason": "test"}).problem(t, http.StatusForbidden, "forbidden")
		c.do("POST", "/api/v1/users/"+staff.ID+"/unsuspend", admin.Token, nil).problem(t, http.StatusForbidden, "forbidden")

		c.do("POST", "/api/v1/users/"+staff.ID+"/unsuspend", op.Token, nil).ok(t, http.StatusNoContent, nil)
		c.do("POST", "/api/v1/users/"+staff.ID+"/unsuspend", op.Token, nil).problem(t, http.StatusConflict, "conflict")
		staff.Token = c.login("beppu", staff)
		c.me(staff.Token)
		c.checkAudited("beppu")
	})
}

// problemTypeName returns the name part of a problem response's type.
func problemTypeName(r *response) string {
	var p problemDoc
	_ = json.Unmarshal(r.Body, &p)
	const prefix = "urn:renraku:problem:"
	if len(p.Type) > len(prefix) {
		return p.Type[len(prefix):]
	}
	return p.Type
}

// TestSuspendOrganization: suspending an organization stops its admin's and staff's
// tokens on the next request (beppu §11-5, fukuoka §13); lifting it restores them.
func TestSuspendOrganization(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op, admin, staff, org := beppuOrg(t, env, c)

		c.do("POST", "/api/v1/organizations/"+org+"/suspend", op.Token, map[string]string{"reason": "情報漏えいの疑いの調査のため"}).ok(t, http.StatusNoContent, nil)
		refusedAs(t, c, admin.Token, http.StatusForbidden, "organization-suspended")
		refusedAs(t, c, staff.Token, http.StatusForbidden, "organization-suspended")
		c.session("beppu", staff.LoginID, staff.Password, env.FreshTOTP(staff.Secret)).problem(t, http.StatusForbidden, "organization-suspended")
		var o struct{ Status, SuspendReason string }
		c.do("GET", "/api/v1/organizations/"+org, op.Token, nil).ok(t, http.StatusOK, &o)
		if o.Status != "suspended" {
			t.Errorf("organization %+v", o)
		}

		c.do("POST", "/api/v1/organizations/"+org+"/unsuspend", op.Token, nil).ok(t, http.StatusNoContent, nil)
		c.me(admin.Token)
		c.me(staff.Token)
		c.checkAudited("beppu")
	})
}

// TestRevokeAndReissue: a revoked staff account cannot log in (beppu §13-6); reissued
// credentials make the old password and the old token stop at once (beppu §12-4..5).
func TestRevokeAndReissue(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		_, admin, staff, org := beppuOrg(t, env, c)

		// Reissue: a new temporary password for the same ID.
		var creds accounts.Credentials
		c.do("POST", "/api/v1/users/"+staff.ID+"/reissue", admin.Token, nil).ok(t, http.StatusOK, &creds)
		if creds.LoginID != staff.LoginID || creds.Password == "" || creds.Password == staff.Password {
			t.Fatalf("reissued %+v", creds)
		}
		refusedAs(t, c, staff.Token, http.StatusUnauthorized, "session-expired")
		c.session("beppu", staff.LoginID, staff.Password, env.FreshTOTP(staff.Secret)).problem(t, http.StatusUnauthorized, "invalid-credentials")
		c.session("beppu", creds.LoginID, creds.Password, "").problem(t, http.StatusForbidden, "password-change-required")

		// A leaver's ID is revoked at once and for good.
		leaver := c.seeded("beppu", c.staff(org, admin, "別府 三郎", "clerk"))
		c.do("POST", "/api/v1/users/"+leaver.ID+"/revoke", admin.Token, nil).ok(t, http.StatusNoContent, nil)
		refusedAs(t, c, leaver.Token, http.StatusUnauthorized, "revoked")
		c.session("beppu", leaver.LoginID, leaver.Password, env.FreshTOTP(leaver.Secret)).problem(t, http.StatusUnauthorized, "revoked")
		c.do("POST", "/api/v1/users/"+leaver.ID+"/revoke", admin.Token, nil).problem(t, http.StatusConflict, "conflict")
		c.do("POST", "/api/v1/users/"+leaver.ID+"/reissue", admin.Token, nil).problem(t, http.StatusConflict, "conflict")
		c.checkAudited("beppu")
	})
}

// TestJosoReissueStopsOldID: in joso a reissue stops the old ID and issues a new one
// (joso §10-6), whether the operator reissues directly or on the admin's request.
func TestJosoReissueStopsOldID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("joso", "joso")
		ap := c.organization("joso", "joso", "常総クリニック", op)
		admin := c.seeded("joso", ap.Admin)
		org := ap.Organization.ID
		issue := func(name string) user {
			var req struct{ ID string }
			c.do("POST", "/api/v1/organizations/"+org+"/staff-requests", admin.Token,
				map[string]string{"display_name": name, "email": "", "occupation": "doctor_dentist"}).ok(t, http.StatusCreated, &req)
			var creds accounts.Credentials
			c.do("POST", "/api/v1/staff-requests/"+req.ID+"/issue", op.Token, nil).ok(t, http.StatusCreated, &creds)
			return c.seeded("joso", creds)
		}

		// The operator reissues.
		staff := issue("常総 一郎")
		var creds accounts.Credentials
		c.do("POST", "/api/v1/users/"+staff.ID+"/reissue", op.Token, nil).ok(t, http.StatusOK, &creds)
		if creds.LoginID == staff.LoginID || creds.UserID == staff.ID {
			t.Fatalf("joso reissue kept the old ID: %+v", creds)
		}
		refusedAs(t, c, staff.Token, http.StatusUnauthorized, "revoked")
		c.session("joso", staff.LoginID, staff.Password, env.FreshTOTP(staff.Secret)).problem(t, http.StatusUnauthorized, "revoked")
		c.session("joso", creds.LoginID, creds.Password, "").problem(t, http.StatusForbidden, "password-change-required")

		// The admin reports a lost ID; the operator stops it and issues a new one.
		other := issue("常総 二郎")
		var req struct {
			ID, Kind string
			Target   string `json:"target_user_id"`
		}
		c.do("POST", "/api/v1/organizations/"+org+"/staff-requests", admin.Token,
			map[string]string{"target_user_id": other.ID}).ok(t, http.StatusCreated, &req)
		if req.Kind != "reissue" || req.Target != other.ID {
			t.Fatalf("request %+v", req)
		}
		c.do("POST", "/api/v1/staff-requests/"+req.ID+"/issue", op.Token, nil).ok(t, http.StatusCreated, &creds)
		if creds.LoginID == other.LoginID {
			t.Fatalf("reissue on request kept the old ID")
		}
		refusedAs(t, c, other.Token, http.StatusUnauthorized, "revoked")
		c.session("joso", other.LoginID, other.Password, env.FreshTOTP(other.Secret)).problem(t, http.StatusUnauthorized, "revoked")
		c.checkAudited("joso")
	})
}

// TestChangeAdmin: a change of admin revokes the old admin's ID and issues a new
// temporary one (beppu §11-3).
func TestChangeAdmin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op, admin, staff, org := beppuOrg(t, env, c)

		var creds accounts.Credentials
		c.do("POST", "/api/v1/organizations/"+org+"/admin", op.Token,
			map[string]string{"admin_name": "佐藤 二郎", "admin_email": "sato@example.jp"}).ok(t, http.StatusOK, &creds)
		if creds.LoginID == admin.LoginID || creds.Password == "" {
			t.Fatalf("new admin %+v", creds)
		}
		refusedAs(t, c, admin.Token, http.StatusUnauthorized, "revoked")
		c.session("beppu", admin.LoginID, admin.Password, env.FreshTOTP(admin.Secret)).problem(t, http.StatusUnauthorized, "revoked")
		c.session("beppu", creds.LoginID, creds.Password, "").problem(t, http.StatusForbidden, "password-change-required")
		c.me(staff.Token) // staff are not affected
		// The admin cannot make the change themselves.
		c.do("POST", "/api/v1/organizations/"+org+"/admin", staff.Token,
			map[string]string{"admin_name": "別府 花子", "admin_email": ""}).problem(t, http.StatusForbidden, "forbidden")
		c.checkAudited("beppu")
	})
}

// TestWithdrawal: withdrawal (beppu §11-4, fukuoka §16) revokes every account of the
// organization at once; the organization stays, marked withdrawn.
func TestWithdrawal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op, admin, staff, org := beppuOrg(t, env, c)

		c.do("POST", "/api/v1/organizations/"+org+"/withdraw", op.Token, map[string]string{"reason": "事業所の廃止"}).ok(t, http.StatusNoContent, nil)
		for _, u := range []user{admin, staff} {
			refusedAs(t, c, u.Token, http.StatusUnauthorized, "revoked")
			c.session("beppu", u.LoginID, u.Password, env.FreshTOTP(u.Secret)).problem(t, http.StatusUnauthorized, "revoked")
		}
		var users struct {
			Users []struct{ ID, Status string } `json:"users"`
		}
		c.do("GET", "/api/v1/organizations/"+org+"/users", op.Token, nil).ok(t, http.StatusOK, &users)
		if len(users.Users) != 2 {
			t.Fatalf("users %+v", users)
		}
		for _, u := range users.Users {
			if u.Status != "revoked" {
				t.Errorf("user %s is %s after withdrawal", u.ID, u.Status)
			}
		}
		var o struct{ Status string }
		c.do("GET", "/api/v1/organizations/"+org, op.Token, nil).ok(t, http.StatusOK, &o)
		if o.Status != "withdrawn" {
			t.Errorf("organization status %q", o.Status)
		}
		c.do("POST", "/api/v1/organizations/"+org+"/withdraw", op.Token, map[string]string{"reason": ""}).problem(t, http.StatusConflict, "conflict")
		c.do("POST", "/api/v1/organizations/"+org+"/users", op.Token,
			map[string]string{"display_name": "x", "email": "", "occupation": "helper"}).problem(t, http.StatusForbidden, "forbidden")
		c.checkAudited("beppu")
	})
}
