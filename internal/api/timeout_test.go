package api_test

import (
	"net/http"
	"testing"
	"time"

	"renraku/internal/profile"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// TestSessionTimeouts: a token left unused for the profile's idle time ends (the
// MHLW guideline: no long unattended session); one in use ends at its absolute
// lifetime all the same.
func TestSessionTimeouts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("beppu", "beppu")
		sp := profile.MustGet("beppu").Session
		idle := time.Duration(sp.IdleMinutes) * time.Minute

		token := c.login("beppu", op)
		env.Advance(idle - time.Minute)
		c.do("GET", "/api/v1/me", token, nil).ok(t, http.StatusOK, nil) // used: the idle clock restarts
		env.Advance(idle - time.Minute)
		c.do("GET", "/api/v1/me", token, nil).ok(t, http.StatusOK, nil)
		env.Advance(idle)
		c.do("GET", "/api/v1/me", token, nil).problem(t, http.StatusUnauthorized, "session-expired")

		// Used every few minutes, a token still ends at its absolute lifetime.
		token = c.login("beppu", op)
		lifetime := time.Duration(sp.TokenHours) * time.Hour
		step := idle / 2
		for elapsed := step; elapsed < lifetime; elapsed += step {
			env.Advance(step)
			c.do("GET", "/api/v1/me", token, nil).ok(t, http.StatusOK, nil)
		}
		env.Advance(step)
		c.do("GET", "/api/v1/me", token, nil).problem(t, http.StatusUnauthorized, "session-expired")
	})
}

// TestOwnLoginIDAtFirstLogin: beppu §12-2 (and fukuoka §12-2) ask the user to
// replace the temporary ID as well as the temporary password; joso's city issues
// the IDs (§10), so there the temporary ID may stay.
func TestOwnLoginIDAtFirstLogin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		_, admin, _, org := beppuOrg(t, env, c)
		creds := c.staff(org, admin, "別府 四郎", "clerk")
		setup := c.session("beppu", creds.LoginID, creds.Password, "").problem(t, http.StatusForbidden, "password-change-required").SetupToken
		p := c.do("POST", "/api/v1/me/password", setup, map[string]string{"current_password": creds.Password,
			"new_password": "Hibari-Sora-2718"}).problem(t, http.StatusUnprocessableEntity, "invalid")
		if got := p.Errors["login_id"]; got != "仮IDに代わる、ご自身のIDを設定してください（beppu §12-2）。" {
			t.Errorf("beppu first login without an own ID: login_id error %q", got)
		}

		opJ := c.operator("joso", "joso")
		apJ := c.organization("joso", "joso", "常総薬局", opJ)
		setup = c.session("joso", apJ.Admin.LoginID, apJ.Admin.Password, "").problem(t, http.StatusForbidden, "password-change-required").SetupToken
		c.do("POST", "/api/v1/me/password", setup, map[string]string{"current_password": apJ.Admin.Password,
			"new_password": "Hibari-Sora-2718"}).ok(t, http.StatusNoContent, nil)
	})
}
