package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"renraku/internal/profile"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// TestNetworkIsolation: a user of one network can neither log in to another, nor
// use their token there, nor read anything of it (ARCHITECTURE.md: no request
// ever reads across networks).
func TestNetworkIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		opA := c.operator("beppu", "beppu")
		opB := c.operator("katori", "katori")
		var appA created
		c.do("POST", "/api/v1/networks/beppu/applications", "", applicationBody("beppu", "別府の事業所")).ok(t, http.StatusCreated, &appA)
		var apA approval
		c.do("POST", "/api/v1/applications/"+appA.ID+"/approve", opA.Token, map[string]string{"conditions": ""}).ok(t, http.StatusOK, &apA)
		apB := c.organization("katori", "katori", "香取の事業所", opB)
		// The same login ID chosen in both networks, with different passwords.
		adminA := c.firstLogin("beppu", apA.Admin, "same.admin", "Kamome-Minato-3141")
		adminB := c.firstLogin("katori", apB.Admin, "same.admin", "Hibari-Sora-2718")

		// Lists hold only the network's own records. (Checked before the attempts
		// below, which katori's log records with the ids they were made with.)
		var orgs struct {
			Organizations []struct{ ID string } `json:"organizations"`
		}
		c.do("GET", "/api/v1/organizations", opB.Token, nil).ok(t, http.StatusOK, &orgs)
		if len(orgs.Organizations) != 1 || orgs.Organizations[0].ID != apB.Organization.ID {
			t.Errorf("katori's organizations: %+v", orgs)
		}
		res := c.do("GET", "/api/v1/audit?limit=500", opB.Token, nil)
		res.ok(t, http.StatusOK, nil)
		for _, id := range []string{opA.ID, adminA.ID, apA.Organization.ID, appA.ID} {
			if strings.Contains(string(res.Body), id) {
				t.Errorf("katori's audit log shows beppu's %s: %s", id, res.Body)
			}
		}
		// Logging in to the other network fails like any unknown ID or wrong password.
		c.session("katori", opA.LoginID, opA.Password, env.FreshTOTP(opA.Secret)).problem(t, http.StatusUnauthorized, "invalid-credentials")
		c.session("katori", adminA.LoginID, adminA.Password, env.FreshTOTP(adminA.Secret)).problem(t, http.StatusUnauthorized, "invalid-credentials")
		c.session("nowhere", opA.LoginID, opA.Password, "").problem(t, http.StatusUnprocessableEntity, "invalid")

		// A token is only looked up in the network it names.
		_, secret, _ := strings.Cut(opA.Token, ".")
		refusedAs(t, c, "katori."+secret, http.StatusUnauthorized, "session-expired")
		refusedAs(t, c, "nowhere."+secret, http.StatusUnauthorized, "invalid-token")
		refusedAs(t, c, secret, http.StatusUnauthorized, "invalid-token")
		c.me(opA.Token)

		// Ids of the other network's records are simply not found.
		for _, path := range []string{
			"/api/v1/organizations/" + apA.Organization.ID,
			"/api/v1/organizations/" + apA.Organization.ID + "/users",
			"/api/v1/applications/" + appA.ID,
		} {
			c.do("GET", path, opB.Token, nil).problem(t, http.StatusNotFound, "not-found")
		}
		c.do("POST", "/api/v1/organizations/"+apA.Organization.ID+"/suspend", opB.Token, map[string]string{"reason": "x"}).problem(t, http.StatusNotFound, "not-found")
		c.do("POST", "/api/v1/users/"+adminA.ID+"/suspend", opB.Token, map[string]string{"reason": "x"}).problem(t, http.StatusNotFound, "not-found")
		c.do("POST", "/api/v1/users/"+adminA.ID+"/reissue", opB.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("GET", "/api/v1/networks/katori/applications/"+appA.ID, "", nil, "X-Notice-Token", appA.NoticeToken).problem(t, http.StatusNotFound, "not-found")
		// An admin of one network cannot reach the other's organization either.
		c.do("GET", "/api/v1/organizations/"+apA.Organization.ID, adminB.Token, nil).problem(t, http.StatusForbidden, "forbidden")

		c.me(adminB.Token)
	})
}

// TestLockout: five wrong passwords lock the ID (profile password.max_failures and
// lockout_minutes) with a clear message; the right password is refused until the
// lock ends.
func TestLockout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("beppu", "beppu")
		pp := profile.MustGet("beppu").Password
		for i := 1; i < pp.MaxFailures; i++ {
			c.session("beppu", op.LoginID, "Wrong-Password-1", "").problem(t, http.StatusUnauthorized, "invalid-credentials")
		}
		p := c.session("beppu", op.LoginID, "Wrong-Password-1", "").problem(t, http.StatusTooManyRequests, "locked")
		if !strings.Contains(p.Detail, "ロック") || !strings.Contains(p.Detail, "30分") {
			t.Errorf("lock message %q should say the ID is locked for 30 minutes", p.Detail)
		}
		p = c.session("beppu", op.LoginID, op.Password, env.FreshTOTP(op.Secret)).problem(t, http.StatusTooManyRequests, "locked")
		if !strings.Contains(p.Detail, "分後") {
			t.Errorf("lock message %q should say when to retry", p.Detail)
		}
		env.Advance(time.Duration(pp.LockoutMinutes)*time.Minute - 2*time.Minute)
		c.session("beppu", op.LoginID, op.Password, env.FreshTOTP(op.Secret)).problem(t, http.StatusTooManyRequests, "locked")
		env.Advance(2 * time.Minute)
		// After the lock runs out the count starts afresh: one slip is not a new lock.
		c.session("beppu", op.LoginID, "Wrong-Password-1", "").problem(t, http.StatusUnauthorized, "invalid-credentials")
		c.login("beppu", op)
		if n := countActions(t, env, "beppu")["login.failed/failed"]; n != pp.MaxFailures+3 {
			t.Errorf("%d failed logins audited, want %d", n, pp.MaxFailures+3)
		}
	})
}

// TestServiceHours: fukuoka §15 serves 8:00-22:00; outside them staff tokens and
// logins are refused while operators keep access (beppu §9 is 0-24).
func TestServiceHours(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("fukuoka", "fukuoka")
		ap := c.organization("fukuoka", "fukuoka", "ふくおか在宅クリニック", op)
		admin := c.seeded("fukuoka", ap.Admin)
		staff := c.seeded("fukuoka", c.staff(ap.Organization.ID, admin, "福岡 花子", "nurse"))

		jst := time.FixedZone("JST", 9*3600)
		env.Clock.Set(time.Date(2026, 11, 24, 21, 50, 0, 0, jst))
		staff.Token = c.login("fukuoka", staff)
		op.Token = c.login("fukuoka", op)
		env.Clock.Set(time.Date(2026, 11, 24, 21, 59, 59, 0, jst))
		c.me(staff.Token)

		env.Clock.Set(time.Date(2026, 11, 24, 22, 0, 0, 0, jst))
		p := c.do("GET", "/api/v1/me", staff.Token, nil).problem(t, http.StatusServiceUnavailable, "outside-service-hours")
		if !strings.Contains(p.Detail, "08:00") || !strings.Contains(p.Detail, "22:00") {
			t.Errorf("message %q should name the service hours", p.Detail)
		}
		c.do("GET", "/api/v1/applications", op.Token, nil).ok(t, http.StatusOK, nil)
		c.me(op.Token)

		env.Clock.Set(time.Date(2026, 11, 25, 7, 59, 0, 0, jst))
		c.session("fukuoka", staff.LoginID, staff.Password, env.TOTP(staff.Secret)).problem(t, http.StatusServiceUnavailable, "outside-service-hours")
		c.login("fukuoka", op) // operators keep access
		env.Clock.Set(time.Date(2026, 11, 25, 8, 0, 0, 0, jst))
		c.session("fukuoka", staff.LoginID, staff.Password, env.TOTP(staff.Secret)).ok(t, http.StatusCreated, nil)
	})
}
