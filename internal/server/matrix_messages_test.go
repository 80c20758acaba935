package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// The route matrix of messages between staff users (fukuoka §14 (3)): only
// fukuoka has them (beppu §8 lists its functions without them; katori and joso
// name none); there the 業務利用者 (fukuoka §2 (5): staff, organization admins,
// the city's staff) use them, never operators or the auditor; a conversation is
// read, written, added to and left by its participants only; a conversation
// about a person is hidden from a participant who may no longer view the person
// (fukuoka §18: consent withdrawn), who may still leave it.

// Relationships of a conversation to org A.
const (
	relMember      = "member"    // org A's admin and staff take part (with org C's staff)
	relNonMember   = "nonmember" // org C's staff and admin only
	relAboutPerson = "person"    // org A's take part, about a person org A sees through claims (fukuoka §19の2)
	relWithdrawn   = "withdrawn" // as relAboutPerson, then the consent was withdrawn (fukuoka §18)
)

// mxConversation makes a conversation directly in the store (the networks
// without messages cannot make one through the service), started by org C's
// staff member with one message.
func (w *mxWorld) mxConversation(n *mxNet, personID string, members ...string) string {
	ctx := mxCtx()
	id := domain.NewID()
	now := w.s.Clock.Now().UTC()
	err := w.s.DB.Transact(ctx, func(tx store.Tx) error {
		c := &domain.Conversation{NetworkID: n.id, ID: id, PersonID: personID, CreatedBy: n.staffC, CreatedAt: now, LastMessageAt: now}
		if err := tx.CreateConversation(ctx, c); err != nil {
			return err
		}
		for _, u := range append([]string{n.staffC}, members...) {
			if err := tx.AddParticipant(ctx, &domain.Participant{NetworkID: n.id, ConversationID: id, UserID: u, AddedBy: n.staffC, JoinedAt: now}); err != nil {
				return err
			}
		}
		return tx.CreateMessage(ctx, &domain.Message{NetworkID: n.id, ConversationID: id, ID: domain.NewID(), AuthorID: n.staffC,
			Kind: domain.MessageText, Body: "ご相談です。", CreatedAt: now})
	})
	w.fatal(err, "conversation")
	return id
}

func prepConversation(c *mxCase) {
	n := c.n
	orgA := []string{n.actors[kAdminA].userID, n.actors[kStaffA].userID, n.actors[kStaffA2].userID}
	switch c.rel {
	case relMember:
		c.v["id"] = c.w.mxConversation(n, "", orgA...)
	case relNonMember:
		c.v["id"] = c.w.mxConversation(n, "", n.adminC)
	case relAboutPerson, relWithdrawn:
		// Org C registered the person, the city recorded consent on form 7a, and a
		// claim of org A lets it see them (fukuoka §19の2-2).
		prepPerson(c) // rel "person" is not one of person()'s: it registers at org C with consent
		_, err := c.w.ppl.ImportClaims(mxCtx(), c.w.actor(n, n.op), "claims.csv", claimsFile(c))
		c.w.fatal(err, "claims")
		pid := c.v["id"]
		c.v["id"] = c.w.mxConversation(n, pid, orgA...)
		if c.rel == relWithdrawn {
			c.w.fatal(c.w.ppl.WithdrawConsent(mxCtx(), c.w.actor(n, n.op), pid, "本人の申出"), "withdraw")
		}
	}
}

func init() {
	mxOps["messages"] = mxOp{routes: []string{"GET /n/{net}/messages", "GET /n/{net}/messages/new", "GET /api/v1/conversations",
		"GET /api/v1/message-recipients"}, web: none, api: none}
	mxOps["conversation.start"] = mxOp{routes: []string{"POST /n/{net}/messages/new", "POST /api/v1/conversations"},
		web: func(c *mxCase) mxRequest {
			return mxRequest{form: url.Values{"participants": {c.n.staffC}, "text": {"ご相談です。"}, "do": {"send"}}}
		},
		api: func(c *mxCase) mxRequest {
			return mxRequest{body: map[string]any{"participants": []string{c.n.staffC}, "text": "ご相談です。"}}
		}}
	mxOps["conversation"] = mxOp{routes: []string{"GET /n/{net}/messages/{id}", "GET /api/v1/conversations/{id}",
		"GET /api/v1/conversations/{id}/messages"}, prep: prepConversation, web: none, api: none}
	mxOps["message.post"] = mxOp{routes: []string{"POST /n/{net}/messages/{id}", "POST /api/v1/conversations/{id}/messages"},
		prep: prepConversation, web: form("text", "了解しました。"), api: jsonBody(map[string]string{"text": "了解しました。"})}
	mxOps["conversation.add"] = mxOp{routes: []string{"POST /n/{net}/messages/{id}/participants", "POST /api/v1/conversations/{id}/participants"},
		prep: prepConversation,
		web:  func(c *mxCase) mxRequest { return mxRequest{form: url.Values{"participants": {c.n.adminC}}} },
		api: func(c *mxCase) mxRequest {
			return mxRequest{body: map[string]any{"participants": []string{c.n.adminC}}}
		}}
	mxOps["conversation.leave"] = mxOp{routes: []string{"POST /n/{net}/messages/{id}/leave", "POST /api/v1/conversations/{id}/leave"},
		prep: prepConversation, web: form(), api: none}

	add := func(op, net, rel, allow string) { mxRows = append(mxRows, mxRow{op, net, rel, allow}) }
	for _, n := range []string{"beppu", "katori", "joso"} {
		// beppu §8 (and katori, joso by silence): no messages, for anyone.
		add("messages", n, "", "")
		add("conversation.start", n, "", "")
		for _, op := range []string{"conversation", "message.post", "conversation.add", "conversation.leave"} {
			add(op, n, relMember, "")
		}
	}
	// fukuoka §14 (3), §2 (5): the 業務利用者.
	add("messages", "fukuoka", "", "municipal A B")
	add("conversation.start", "fukuoka", "", "municipal A B")
	for _, op := range []string{"conversation", "message.post", "conversation.add", "conversation.leave"} {
		add(op, "fukuoka", relMember, "A")
		add(op, "fukuoka", relNonMember, "")
		if op != "conversation.leave" {
			add(op, "fukuoka", relAboutPerson, "A")
			add(op, "fukuoka", relWithdrawn, "") // fukuoka §18: hidden at once
		}
	}
	// Leaving shows nothing of the person: one who lost access may still go.
	add("conversation.leave", "fukuoka", relWithdrawn, "A")
}

// TestMessagesWeb walks the pages on fukuoka: start a conversation choosing the
// participant by organization, the unread mark on the list, the conversation
// with its text escaped and line breaks kept, a refused empty message, a reply,
// the read mark, a non-participant's 404, leaving.
func TestMessagesWeb(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := newWorld(t, db, "fukuoka")
		n := w.nets["fukuoka"]
		a, b, a2 := n.actors[kStaffA], n.actors[kStaffB], n.actors[kStaffA2]
		send := func(who *mxActor, method, path string, f url.Values) (int, string, string) {
			t.Helper()
			return w.send(n, who, mxRequest{method: method, path: path, form: f})
		}
		st, _, body := send(a, "GET", "/n/fukuoka/messages/new", nil)
		if st != http.StatusOK || !strings.Contains(body, `name="org_id"`) || !strings.Contains(body, "B事業所") {
			t.Fatalf("new form: %d\n%s", st, excerpt(body))
		}
		st, _, body = send(a, "POST", "/n/fukuoka/messages/new", url.Values{"do": {"search"}, "org_id": {n.orgB}, "text": {"下書き"}})
		if st != http.StatusOK || !strings.Contains(body, `id="user-`+b.userID+`"`) || !strings.Contains(body, "下書き") {
			t.Fatalf("search keeps the draft and lists org B: %d\n%s", st, excerpt(body))
		}
		const text = "本日の訪問で\n血圧 > 140 <b>でした</b>。"
		st, loc, body := send(a, "POST", "/n/fukuoka/messages/new", url.Values{"do": {"send"}, "participants": {b.userID}, "text": {text}})
		m := regexp.MustCompile(`^/n/fukuoka/messages/([a-z0-9]+)#latest$`).FindStringSubmatch(loc)
		if st != http.StatusSeeOther || m == nil {
			t.Fatalf("send: %d %s\n%s", st, loc, excerpt(body))
		}
		conv := "/n/fukuoka/messages/" + m[1]
		if st, _, body = send(b, "GET", "/n/fukuoka/messages", nil); st != http.StatusOK || !strings.Contains(body, `id="unread-`+m[1]+`"`) {
			t.Errorf("list with unread: %d\n%s", st, excerpt(body))
		}
		st, _, body = send(b, "GET", conv, nil)
		if st != http.StatusOK || !strings.Contains(body, "本日の訪問で\n血圧 &gt; 140 &lt;b&gt;でした&lt;/b&gt;。") || !strings.Contains(body, `id="first-unread"`) {
			t.Errorf("conversation page: %d\n%s", st, excerpt(body))
		}
		st, _, body = send(b, "POST", conv, url.Values{"text": {" \r\n "}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="text-error"`) {
			t.Errorf("empty message: %d\n%s", st, excerpt(body))
		}
		if st, loc, _ = send(b, "POST", conv, url.Values{"text": {"承知しました。"}}); st != http.StatusSeeOther || loc != conv+"#m-2" {
			t.Errorf("reply: %d %s", st, loc)
		}
		if st, _, body = send(a, "GET", conv, nil); st != http.StatusOK || !strings.Contains(body, "既読 1") {
			t.Errorf("read mark: %d\n%s", st, excerpt(body))
		}
		// Adding a participant: search org A, tick the colleague.
		st, _, body = send(b, "GET", conv+"?org_id="+n.orgA, nil)
		if st != http.StatusOK || !strings.Contains(body, `id="user-`+a2.userID+`"`) || strings.Contains(body, `id="user-`+a.userID+`"`) {
			t.Errorf("add search lists org A's colleague (not one taking part): %d\n%s", st, excerpt(body))
		}
		if st, loc, _ = send(b, "POST", conv+"/participants", url.Values{"participants": {a2.userID}}); st != http.StatusSeeOther || !strings.Contains(loc, "done=conv-added") {
			t.Errorf("add: %d %s", st, loc)
		}
		if st, _, body = send(a2, "GET", conv, nil); st != http.StatusOK || !strings.Contains(body, "を追加しました。") {
			t.Errorf("the added colleague reads from the start: %d\n%s", st, excerpt(body))
		}
		if st, _, _ = send(a2, "POST", conv+"/leave", url.Values{}); st != http.StatusSeeOther {
			t.Errorf("the colleague leaves: %d", st)
		}
		if st, _, _ = send(a2, "GET", conv, nil); st != http.StatusNotFound {
			t.Errorf("a colleague who left: %d, want 404", st)
		}
		if st, loc, _ = send(a, "POST", conv+"/leave", url.Values{}); st != http.StatusSeeOther || !strings.HasSuffix(loc, "/messages?done=conv-left") {
			t.Errorf("leave: %d %s", st, loc)
		}
		if st, _, _ = send(a, "GET", conv, nil); st != http.StatusNotFound {
			t.Errorf("after leaving: %d, want 404", st)
		}
	})
}
