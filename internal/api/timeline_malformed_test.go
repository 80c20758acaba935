package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// timelineMalformedRoute: the timeline's routes are checked for malformed input
// here (TestMalformedInput and TestPeopleMalformedInput leave them to this test).
func timelineMalformedRoute(path string) bool {
	return strings.HasPrefix(path, "/api/v1/entries") || strings.HasPrefix(path, "/api/v1/people/{id}/entries")
}

// timelineSnapshot is snapshot plus the timeline's tables.
func timelineSnapshot(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	out := snapshot(t, env)
	for _, table := range []string{"timeline_entries", "timeline_versions", "timeline_addressees", "timeline_reads", "entry_attachments"} {
		var n int
		if err := env.Store.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d", table, n))
	}
	var done int
	if err := env.Store.SQL().QueryRow(`SELECT COUNT(*) FROM timeline_entries WHERE done_at IS NOT NULL OR deleted_at IS NOT NULL`).Scan(&done); err != nil {
		t.Fatal(err)
	}
	return append(out, fmt.Sprintf("done or deleted %d", done))
}

// TestTimelineMalformedInput: every timeline route with a body refuses empty,
// malformed, over-long, mistyped, invalid UTF-8 and unknown input — and an
// unknown category, an empty text, an addressee outside the care team, a reply to
// another person's entry, a file the caller does not hold — with a 400, 413, 415
// or 422 problem naming the field, and nothing changes; the routes without a body
// take none.
func TestTimelineMalformedInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("katori", "katori")
		a, adminA := c.orgOfType("katori", "katori", "香取市社会福祉協議会", "shakyo", op)
		sw := c.seeded("katori", c.staff(a.Organization.ID, adminA, "香取 相談", "shakai_fukushishi"))
		x, _ := c.orgOfType("katori", "katori", "佐原訪問看護ステーション", "houmon_kango", op)
		p := c.register(sw.Token, personBody("香取", "花子", "かとり", "はなこ", "1938-03-03"))
		q := c.register(sw.Token, personBody("佐原", "一郎", "さわら", "いちろう", "1939-04-04"))
		var e, other entryDoc
		c.do("POST", "/api/v1/people/"+p.ID+"/entries", sw.Token, map[string]any{"category": "note", "body": "連絡",
			"to": []string{"user:" + sw.ID}, "action_required": true}).ok(t, http.StatusCreated, &e)
		c.do("POST", "/api/v1/people/"+q.ID+"/entries", sw.Token, map[string]any{"category": "note", "body": "別の方"}).ok(t, http.StatusCreated, &other)

		create := map[string]any{"category": "note", "body": "本文", "to": []string{}, "action_required": false, "reply_to": "", "attachments": []string{}}
		endpoints := []endpoint{
			{method: "POST", path: "/api/v1/people/" + p.ID + "/entries", token: sw.Token, body: create, long: []string{"body"},
				extra: []badCase{
					{name: "unknown category", body: mustJSON(with(create, "category", "diagnosis")), status: 422, problem: "invalid", field: "category"},
					{name: "blank text", body: mustJSON(with(create, "body", " \n ")), status: 422, problem: "invalid", field: "body"},
					{name: "control character", body: mustJSON(with(create, "body", "a\u0007b")), status: 422, problem: "invalid", field: "body"},
					{name: "addressee outside the team", body: mustJSON(with(create, "to", []string{"org:" + x.Organization.ID})), status: 422, problem: "invalid", field: "to"},
					{name: "unknown addressee", body: mustJSON(with(create, "to", []string{"user:nobody"})), status: 422, problem: "invalid", field: "to"},
					{name: "addressee without kind", body: mustJSON(with(create, "to", []string{sw.ID})), status: 422, problem: "invalid", field: "to"},
					{name: "reply to another person's entry", body: mustJSON(with(create, "reply_to", other.ID)), status: 422, problem: "invalid", field: "reply_to"},
					{name: "a file not held", body: mustJSON(with(create, "attachments", []string{strings.Repeat("ab", 32)})), status: 422, problem: "invalid", field: "attachments"},
				}},
			{method: "PUT", path: "/api/v1/entries/" + e.ID, token: sw.Token, body: map[string]any{"body": "訂正"}, long: []string{"body"},
				extra: []badCase{{name: "unchanged", body: mustJSON(map[string]any{"body": "連絡"}), status: 422, problem: "invalid", field: "body"}}},
		}
		covered := map[string]bool{}
		before := timelineSnapshot(t, env)
		for _, ep := range endpoints {
			covered[pattern(t, env, ep.method, ep.path)] = true
			for _, bc := range casesFor(ep) {
				t.Run(ep.method+" "+ep.path+"/"+bc.name, func(t *testing.T) {
					checkBadCase(t, c.send(ep.method, ep.path, ep.token, bc.body, bc.contentType), bc)
					if after := timelineSnapshot(t, env); diffSnapshots(before, after) != "" {
						t.Errorf("the refused request changed something:\n%s", diffSnapshots(before, after))
						before = after
					}
				})
			}
		}
		for _, path := range []string{"/api/v1/entries/" + e.ID + "/read", "/api/v1/entries/" + e.ID + "/done"} {
			covered[pattern(t, env, "POST", path)] = true
			for _, bc := range []badCase{
				{name: "unknown field", body: raw(`{"reason":"x"}`), status: 400, problem: "bad-request", field: "reason"},
				{name: "malformed", body: raw(`{"`), status: 400, problem: "bad-request"},
				{name: "text/plain", body: raw(`{}`), contentType: "text/plain", status: 415, problem: "unsupported-media-type"},
			} {
				checkBadCase(t, c.send("POST", path, sw.Token, bc.body, bc.contentType), bc)
				if after := timelineSnapshot(t, env); diffSnapshots(before, after) != "" {
					t.Errorf("%s/%s changed something:\n%s", path, bc.name, diffSnapshots(before, after))
					before = after
				}
			}
		}
		// Query parameters.
		for _, q := range []string{"?limit=x", "?offset=-1", "?q=%FF", "?q=" + strings.Repeat("検", 101), "?category=%00"} {
			c.do("GET", "/api/v1/people/"+p.ID+"/entries"+q, sw.Token, nil).problem(t, http.StatusBadRequest, "bad-request")
		}
		for _, q := range []string{"?category=diagnosis", "?from=2026-02-30", "?from=2026-11-02&to=2026-11-01", "?limit=101", "?author_org=a%20b"} {
			c.do("GET", "/api/v1/people/"+p.ID+"/entries"+q, sw.Token, nil).problem(t, http.StatusUnprocessableEntity, "invalid")
		}
		c.do("GET", "/api/v1/inbox?limit=101", sw.Token, nil).problem(t, http.StatusUnprocessableEntity, "invalid")

		for _, rt := range apiRoutes() {
			if rt.Method != "GET" && rt.Method != "DELETE" && timelineMalformedRoute(rt.Path) && !covered[rt.Method+" "+rt.Path] {
				t.Errorf("%s %s is not in the timeline malformed-input tables", rt.Method, rt.Path)
			}
		}
	})
}
