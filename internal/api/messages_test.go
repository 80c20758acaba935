package api_test

import (
	"database/sql"
	"net/http"
	"strings"
	"testing"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// ownMalformedTests are route prefixes whose malformed input is tested by their
// capability's own test, which fails when one of its routes is missing; the
// general TestMalformedInput leaves them to it.
var ownMalformedTests = []string{"/api/v1/conversations"}

func coveredByOwnTest(path string) bool {
	for _, p := range ownMalformedTests {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// messagesNet is a fukuoka network with a 地域包括支援センター, a clinic and a
// pharmacy, each with a staff user signed in through the API.
type messagesNet struct {
	op, hokatsu, doctor, clinicAdmin, pharmacist user
	clinicOrg                                    string
}

func newMessagesNet(c *client) *messagesNet {
	c.t.Helper()
	n := &messagesNet{op: c.operator("fukuoka", "fukuoka")}
	h, hAdmin := c.orgOfType("fukuoka", "fukuoka", "博多地域包括支援センター", "hokatsu", n.op)
	n.hokatsu = c.seeded("fukuoka", c.staff(h.Organization.ID, hAdmin, "博多 相談員", "shakai_fukushishi"))
	cl, clAdmin := c.orgOfType("fukuoka", "fukuoka", "天神内科クリニック", "shinryojo", n.op)
	n.clinicOrg, n.clinicAdmin = cl.Organization.ID, clAdmin
	n.doctor = c.seeded("fukuoka", c.staff(cl.Organization.ID, clAdmin, "天神 医師", "doctor"))
	ph, phAdmin := c.orgOfType("fukuoka", "fukuoka", "薬院薬局", "yakkyoku", n.op)
	n.pharmacist = c.seeded("fukuoka", c.staff(ph.Organization.ID, phAdmin, "薬院 薬剤師", "pharmacist"))
	return n
}

type conversationListDoc struct {
	Total         int `json:"total"`
	Unread        int `json:"unread"`
	Conversations []struct {
		ID     string `json:"id"`
		Title  string `json:"title"`
		Unread int    `json:"unread"`
	} `json:"conversations"`
}

type conversationDoc struct {
	Conversation struct {
		ID      string `json:"id"`
		LastSeq int64  `json:"last_seq"`
	} `json:"conversation"`
	Participants []struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		LeftAt *string `json:"left_at"`
	} `json:"participants"`
	Messages []struct {
		Seq    int64  `json:"seq"`
		Kind   string `json:"kind"`
		Body   string `json:"body"`
		ReadBy []struct {
			ID string `json:"id"`
		} `json:"read_by"`
	} `json:"messages"`
	OlderBefore *int64 `json:"older_before"`
}

// fukuoka §14 (3) through /api/v1: start, list with unread counts, read (and
// so mark read), reply, page, add, leave; a non-participant gets 404; every
// change is audited.
func TestFukuoka14MessagesAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		n := newMessagesNet(c)

		var dir struct {
			Organizations []struct{ ID, Name string } `json:"organizations"`
			Users         []struct {
				ID, DisplayName string
			} `json:"users"`
		}
		c.do("GET", "/api/v1/message-recipients?org_id="+n.clinicOrg, n.hokatsu.Token, nil).ok(t, http.StatusOK, &dir)
		if len(dir.Organizations) != 3 || len(dir.Users) != 2 {
			t.Errorf("recipients %+v", dir)
		}

		const text = "明日10時に訪問します。\n血圧 > 150 でした。"
		var created struct{ ID string }
		res := c.do("POST", "/api/v1/conversations", n.hokatsu.Token, map[string]any{"participants": []string{n.doctor.ID}, "text": text})
		res.ok(t, http.StatusCreated, &created)
		if res.Header.Get("Location") != "/api/v1/conversations/"+created.ID {
			t.Errorf("Location %q", res.Header.Get("Location"))
		}
		path := "/api/v1/conversations/" + created.ID
		var list conversationListDoc
		c.do("GET", "/api/v1/conversations", n.doctor.Token, nil).ok(t, http.StatusOK, &list)
		if list.Total != 1 || list.Unread != 1 || list.Conversations[0].ID != created.ID || list.Conversations[0].Unread != 1 {
			t.Fatalf("doctor's list %+v", list)
		}
		var conv conversationDoc
		c.do("GET", path, n.doctor.Token, nil).ok(t, http.StatusOK, &conv)
		if len(conv.Messages) != 1 || conv.Messages[0].Body != text || len(conv.Participants) != 2 {
			t.Fatalf("conversation %+v", conv)
		}
		c.do("GET", "/api/v1/conversations", n.doctor.Token, nil).ok(t, http.StatusOK, &list)
		if list.Unread != 0 {
			t.Errorf("unread after reading: %d", list.Unread)
		}
		var posted struct {
			ID  string `json:"id"`
			Seq int64  `json:"seq"`
		}
		c.do("POST", path+"/messages", n.doctor.Token, map[string]string{"text": "承知しました。"}).ok(t, http.StatusCreated, &posted)
		if posted.Seq != 2 {
			t.Errorf("seq %d", posted.Seq)
		}
		// The author sees the doctor's read mark on the first message.
		c.do("GET", path, n.hokatsu.Token, nil).ok(t, http.StatusOK, &conv)
		if len(conv.Messages) != 2 || len(conv.Messages[0].ReadBy) != 1 || conv.Messages[0].ReadBy[0].ID != n.doctor.ID {
			t.Errorf("read marks %+v", conv.Messages)
		}
		var page struct {
			Messages []struct {
				Seq int64 `json:"seq"`
			} `json:"messages"`
			OlderBefore *int64 `json:"older_before"`
		}
		c.do("GET", path+"/messages?before=2", n.hokatsu.Token, nil).ok(t, http.StatusOK, &page)
		if len(page.Messages) != 1 || page.Messages[0].Seq != 1 || page.OlderBefore != nil {
			t.Errorf("older page %+v", page)
		}
		c.do("GET", path+"/messages?before=-1", n.hokatsu.Token, nil).problem(t, http.StatusBadRequest, "bad-request")
		c.do("GET", "/api/v1/conversations?offset=x", n.hokatsu.Token, nil).problem(t, http.StatusBadRequest, "bad-request")

		// Not a participant: not found, on every route of the conversation.
		c.do("GET", path, n.pharmacist.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("GET", path+"/messages", n.pharmacist.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("POST", path+"/messages", n.pharmacist.Token, map[string]string{"text": "x"}).problem(t, http.StatusNotFound, "not-found")
		c.do("POST", path+"/leave", n.pharmacist.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("GET", "/api/v1/conversations/nosuch", n.pharmacist.Token, nil).problem(t, http.StatusNotFound, "not-found")
		// Operators do not take part (fukuoka §2 (5), §14 (3)).
		c.do("GET", "/api/v1/conversations", n.op.Token, nil).problem(t, http.StatusForbidden, "forbidden")

		// The doctor adds the pharmacist, who then leaves.
		c.do("POST", path+"/participants", n.doctor.Token, map[string]any{"participants": []string{n.pharmacist.ID}}).ok(t, http.StatusNoContent, nil)
		c.do("GET", path, n.pharmacist.Token, nil).ok(t, http.StatusOK, &conv)
		if len(conv.Messages) != 3 || conv.Messages[2].Kind != "added" || conv.Messages[2].Body != "" {
			t.Errorf("after being added %+v", conv.Messages)
		}
		c.do("POST", path+"/leave", n.pharmacist.Token, nil).ok(t, http.StatusNoContent, nil)
		c.do("GET", path, n.pharmacist.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.checkAudited("fukuoka")
	})
}

// messagesSnapshot renders every row of the messages tables.
func messagesSnapshot(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id || ' ' || subject || ' ' || person_id || ' ' || CAST(last_seq AS TEXT) FROM conversations ORDER BY id`,
		`SELECT conversation_id || ' ' || user_id || ' ' || CAST(read_seq AS TEXT) || ' ' || CASE WHEN left_at IS NULL THEN 'in' ELSE 'left' END
			FROM conversation_participants ORDER BY conversation_id, user_id`,
		`SELECT conversation_id || ' ' || CAST(seq AS TEXT) || ' ' || kind || ' ' || body FROM messages ORDER BY conversation_id, seq`,
	} {
		rows, err := env.Store.SQL().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s sql.NullString
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s.String + "\n")
		}
		rows.Close()
	}
	return b.String()
}

// TestMessagesMalformedInput: every messages route with a body refuses empty,
// malformed, over-long, mistyped, invalid UTF-8 and unknown input, and an empty
// message, an unknown participant or one of another network, with a 400, 413,
// 415 or 422 problem naming the field, and nothing changes: no conversation,
// participant, message or audit event (fukuoka §14 (3)).
func TestMessagesMalformedInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		n := newMessagesNet(c)
		other := c.operator("chikushi", "fukuoka")
		o, oAdmin := c.orgOfType("chikushi", "fukuoka", "筑紫野内科", "shinryojo", other)
		stranger := c.seeded("chikushi", c.staff(o.Organization.ID, oAdmin, "筑紫 医師", "doctor"))
		var conv struct{ ID string }
		c.do("POST", "/api/v1/conversations", n.hokatsu.Token, map[string]any{"participants": []string{n.doctor.ID}, "text": "はじめまして"}).
			ok(t, http.StatusCreated, &conv)
		path := "/api/v1/conversations/" + conv.ID

		invalid := func(name string, body map[string]any, field string) badCase {
			return badCase{name: name, body: mustJSON(body), status: 422, problem: "invalid", field: field}
		}
		startBody := map[string]any{"participants": []string{n.doctor.ID}, "subject": "件名", "person_id": "", "text": "本文"}
		endpoints := []endpoint{
			{method: "POST", path: "/api/v1/conversations", token: n.hokatsu.Token, body: startBody,
				long: []string{"subject", "text", "person_id"}, script: []string{"subject", "person_id"},
				extra: []badCase{
					invalid("blank text", with(startBody, "text", " \n\t "), "text"),
					invalid("NUL in text", with(startBody, "text", "了解\u0000です"), "text"),
					invalid("no participant", with(startBody, "participants", []string{}), "participants"),
					invalid("only oneself", with(startBody, "participants", []string{n.hokatsu.ID}), "participants"),
					invalid("unknown participant", with(startBody, "participants", []string{"nosuchuser"}), "participants"),
					invalid("participant of another network", with(startBody, "participants", []string{stranger.ID}), "participants"),
					invalid("script participant", with(startBody, "participants", []string{script}), "participants"),
				}},
			{method: "POST", path: path + "/messages", token: n.doctor.Token, body: map[string]any{"text": "返信"},
				long: []string{"text"},
				extra: []badCase{
					invalid("blank text", map[string]any{"text": "　\r\n"}, "text"),
				}},
			{method: "POST", path: path + "/participants", token: n.doctor.Token, body: map[string]any{"participants": []string{n.pharmacist.ID}},
				extra: []badCase{
					invalid("unknown participant", map[string]any{"participants": []string{"nosuchuser"}}, "participants"),
					invalid("participant of another network", map[string]any{"participants": []string{stranger.ID}}, "participants"),
					invalid("one taking part", map[string]any{"participants": []string{n.hokatsu.ID}}, "participants"),
				}},
		}
		covered := map[string]bool{}
		for _, ep := range endpoints {
			covered[pattern(t, env, ep.method, ep.path)] = true
			for _, bc := range casesFor(ep) {
				t.Run(strings.TrimPrefix(ep.path, path)+"/"+bc.name, func(t *testing.T) {
					before, beforeM := snapshot(t, env), messagesSnapshot(t, env)
					checkBadCase(t, c.send(ep.method, ep.path, ep.token, bc.body, bc.contentType), bc)
					if diff := diffSnapshots(before, snapshot(t, env)); diff != "" {
						t.Errorf("the refused request changed something:\n%s", diff)
					}
					if after := messagesSnapshot(t, env); after != beforeM {
						t.Errorf("the refused request changed the conversations:\n%s\n---\n%s", beforeM, after)
					}
				})
			}
		}
		covered[pattern(t, env, "POST", path+"/leave")] = true
		for _, bc := range []badCase{
			{name: "unknown field", body: raw(`{"reason":"x"}`), status: 400, problem: "bad-request", field: "reason"},
			{name: "malformed", body: raw(`{"`), status: 400, problem: "bad-request"},
			{name: "text/plain", body: raw(`{}`), contentType: "text/plain", status: 415, problem: "unsupported-media-type"},
		} {
			before, beforeM := snapshot(t, env), messagesSnapshot(t, env)
			checkBadCase(t, c.send("POST", path+"/leave", n.doctor.Token, bc.body, bc.contentType), bc)
			if diffSnapshots(before, snapshot(t, env)) != "" || messagesSnapshot(t, env) != beforeM {
				t.Errorf("leave/%s changed something", bc.name)
			}
		}
		// Query parameters.
		c.do("GET", "/api/v1/message-recipients?q=%3Cb%3E", n.doctor.Token, nil).problem(t, http.StatusUnprocessableEntity, "invalid")
		c.do("GET", "/api/v1/message-recipients?org_id=nosuchorg", n.doctor.Token, nil).problem(t, http.StatusUnprocessableEntity, "invalid")
		c.do("GET", "/api/v1/message-recipients?q=%FF", n.doctor.Token, nil).problem(t, http.StatusBadRequest, "bad-request")

		for _, rt := range apiRoutes() {
			if rt.Method == "POST" && coveredByOwnTest(rt.Path) && !covered[rt.Method+" "+rt.Path] {
				t.Errorf("%s %s is not in the messages malformed-input tables", rt.Method, rt.Path)
			}
		}
	})
}
