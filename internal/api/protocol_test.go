package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// TestAuthentication: how a request without a usable token is answered, logout,
// and listing and ending one's own sessions.
func TestAuthentication(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("beppu", "beppu")

		res := c.do("GET", "/api/v1/me", "", nil)
		res.problem(t, http.StatusUnauthorized, "unauthorized")
		if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
		c.do("GET", "/api/v1/me", "", nil, "Authorization", "Basic "+op.Token).problem(t, http.StatusUnauthorized, "unauthorized")
		refusedAs(t, c, "no-dot-in-this-token", http.StatusUnauthorized, "invalid-token")
		refusedAs(t, c, "beppu.", http.StatusUnauthorized, "invalid-token")
		refusedAs(t, c, "BEPPU."+strings.Repeat("A", 52), http.StatusUnauthorized, "invalid-token")
		refusedAs(t, c, "beppu."+strings.Repeat("A", 300), http.StatusUnauthorized, "session-expired")

		// Two tokens; the list marks the current one; ending the other stops it.
		other := c.login("beppu", op)
		var list struct {
			Sessions []struct {
				ID      string `json:"id"`
				Kind    string `json:"kind"`
				Current bool   `json:"current"`
			} `json:"sessions"`
		}
		c.do("GET", "/api/v1/me/sessions", op.Token, nil).ok(t, http.StatusOK, &list)
		if len(list.Sessions) != 2 {
			t.Fatalf("sessions %+v", list)
		}
		var otherID string
		for _, s := range list.Sessions {
			if s.Kind != "api" {
				t.Errorf("session kind %q", s.Kind)
			}
			if !s.Current {
				otherID = s.ID
			}
		}
		c.do("DELETE", "/api/v1/me/sessions/nosuchsession", op.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("DELETE", "/api/v1/me/sessions/"+otherID, op.Token, nil).ok(t, http.StatusNoContent, nil)
		refusedAs(t, c, other, http.StatusUnauthorized, "session-expired")

		// Logout ends the token at once.
		c.do("DELETE", "/api/v1/sessions/current", op.Token, nil).ok(t, http.StatusNoContent, nil)
		refusedAs(t, c, op.Token, http.StatusUnauthorized, "session-expired")
		c.checkAudited("beppu")
	})
}

// TestUnmatchedRequests: paths and methods the API does not serve are answered
// with problems too.
func TestUnmatchedRequests(t *testing.T) {
	env := testenv.New(t, testdb.Open(t, "sqlite"))
	c := newClient(t, env)
	c.do("GET", "/api/v1/no-such-thing", "", nil).problem(t, http.StatusNotFound, "not-found")
	res := c.do("GET", "/api/v1/sessions", "", nil)
	res.problem(t, http.StatusMethodNotAllowed, "method-not-allowed")
	if res.Header.Get("Allow") != "POST" {
		t.Errorf("Allow %q, want POST", res.Header.Get("Allow"))
	}
	res = c.do("PUT", "/api/v1/organizations/x/users", "", raw(`{}`))
	res.problem(t, http.StatusMethodNotAllowed, "method-not-allowed")
	if res.Header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow %q, want GET, POST", res.Header.Get("Allow"))
	}
}

// TestQueries: query parameters are checked like bodies, and the audit viewer
// filters by action and by day in Asia/Tokyo.
func TestQueries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op, _, _, org := beppuOrg(t, env, c)

		var orgs struct {
			Organizations []struct{ ID string } `json:"organizations"`
		}
		c.do("GET", "/api/v1/organizations?q="+url.QueryEscape("訪問介護")+"&status=active", op.Token, nil).ok(t, http.StatusOK, &orgs)
		if len(orgs.Organizations) != 1 || orgs.Organizations[0].ID != org {
			t.Errorf("search: %+v", orgs)
		}
		c.do("GET", "/api/v1/organizations?q=nothing-like-it", op.Token, nil).ok(t, http.StatusOK, &orgs)
		if len(orgs.Organizations) != 0 {
			t.Errorf("search for nothing: %+v", orgs)
		}
		for _, q := range []struct{ query, field string }{
			{"status=closed", "status"},
			{"q=%FF", "q"},
			{"q=" + strings.Repeat("a", 101), "q"},
		} {
			p := c.do("GET", "/api/v1/organizations?"+q.query, op.Token, nil).problem(t, http.StatusBadRequest, "bad-request")
			if p.Errors[q.field] == "" {
				t.Errorf("%s: errors %v", q.query, p.Errors)
			}
		}

		var page struct {
			Total  int `json:"total"`
			Events []struct {
				Action string `json:"action"`
				At     string `json:"at"`
			} `json:"events"`
		}
		c.do("GET", "/api/v1/audit?action=login&from=2026-11-24&to=2026-11-24&limit=500", op.Token, nil).ok(t, http.StatusOK, &page)
		if page.Total == 0 || len(page.Events) != page.Total {
			t.Fatalf("login events of the day: %d of %d", len(page.Events), page.Total)
		}
		for _, e := range page.Events {
			if !strings.HasPrefix(e.Action, "login") || !strings.HasPrefix(e.At, "2026-11-24T") || !strings.HasSuffix(e.At, "+09:00") {
				t.Errorf("event %+v", e)
			}
		}
		c.do("GET", "/api/v1/audit?from=2026-11-25", op.Token, nil).ok(t, http.StatusOK, &page)
		if page.Total != 0 {
			t.Errorf("%d events after the day", page.Total)
		}
		c.do("GET", "/api/v1/audit?limit=2", op.Token, nil).ok(t, http.StatusOK, &page)
		if len(page.Events) != 2 || page.Total <= 2 {
			t.Errorf("limit 2: %d of %d", len(page.Events), page.Total)
		}
		for _, q := range []struct {
			query, field string
			status       int
		}{
			{"from=24-11-2026", "from", 400},
			{"to=2026-02-30", "to", 400},
			{"limit=ten", "limit", 400},
			{"offset=-1", "offset", 400},
			{"limit=501", "limit", 422},
			{"from=2026-11-25&to=2026-11-23", "to", 422},
			{"action=" + url.QueryEscape(script), "action", 422},
		} {
			name := "bad-request"
			if q.status == 422 {
				name = "invalid"
			}
			p := c.do("GET", "/api/v1/audit?"+q.query, op.Token, nil).problem(t, q.status, name)
			if p.Errors[q.field] == "" {
				t.Errorf("%s: errors %v", q.query, p.Errors)
			}
		}
	})
}

// TestInternalErrorsDoNotLeak: when the database fails, the client gets a generic
// Japanese problem and nothing of the cause.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("beppu", "beppu")
		db.Close()
		for _, res := range []*response{
			c.do("GET", "/api/v1/applications", op.Token, nil),
			c.session("beppu", op.LoginID, op.Password, ""),
		} {
			p := res.problem(t, http.StatusInternalServerError, "internal")
			if strings.Contains(strings.ToLower(string(res.Body)), "sql") || strings.Contains(string(res.Body), "closed") || p.Errors != nil {
				t.Errorf("internal error leaks: %s", res.Body)
			}
		}
	})
}
