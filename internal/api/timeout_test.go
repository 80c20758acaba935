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
