package messages_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/messages"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// fukuoka §14 (3) 業務利用者同士の情報交換機能: a direct conversation, then a small
// group; newest conversation first; unread counts per conversation and over
// all; read marks (who read); Japanese text with its line breaks.
func TestFukuoka14MessagesDirectAndGroup(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		w := newWorld(t, db)
		h, doc, ph := w.hokatsu.user, w.clinic.user, w.pharmacy.user
		const text = "本日14時に訪問します。\n  血圧 > 140 が続いています。\n\n服薬状況もご確認ください。"
		direct := w.start(h, messages.NewConversation{Participants: []string{doc}, Text: "\r\n" + text + "\r\n"})

		// The doctor has one unread message; the author none.
		it := w.listed(doc, direct.ID)
		if it == nil || it.Unread != 1 || it.Title != "職員 博多地域包括支援センター" {
			t.Fatalf("doctor's list: %+v", it)
		}
		if l := w.list(h); l.Unread != 0 || l.Items[0].Unread != 0 || l.Items[0].Title != "職員 天神内科クリニック" {
			t.Errorf("author's list: unread %d, %+v", l.Unread, l.Items[0])
		}
		// The doctor is told that a message is waiting (a kind and a link, never the
		// text); the author is not.
		if ns := w.unreadNotices(doc); len(ns) != 1 || ns[0].Kind != "message" || ns[0].Link != "/n/fukuoka/messages/"+direct.ID {
			t.Errorf("doctor's notices %+v", ns)
		}
		if ns := w.unreadNotices(h); len(ns) != 0 {
			t.Errorf("the author is told of their own message: %+v", ns)
		}
		// The pharmacist takes no part: nothing listed.
		if l := w.list(ph); len(l.Items) != 0 || l.Total != 0 {
			t.Errorf("a non-participant lists %d", l.Total)
		}

		// Reading marks it read; the text keeps its line breaks (CR LF become LF,
		// the ends are trimmed, the inner spaces and the > stay).
		v := w.get(doc, direct.ID)
		if len(v.Messages) != 1 || v.Messages[0].Body != text || v.FirstUnread != 1 || v.Messages[0].Mine {
			t.Fatalf("doctor's view: %+v", v.Messages[0].Message)
		}
		if it := w.listed(doc, direct.ID); it.Unread != 0 {
			t.Errorf("after reading: unread %d", it.Unread)
		}
		if ns := w.unreadNotices(doc); len(ns) != 0 {
			t.Errorf("notices left unread after reading the conversation: %+v", ns)
		}
		// The author sees who read it (read marks).
		v = w.get(h, direct.ID)
		if rb := v.Messages[0].ReadBy; len(rb) != 1 || rb[0].ID != doc || rb[0].OrgName != "天神内科クリニック" {
			t.Errorf("read by %+v, want the doctor", rb)
		}

		// A group of three, newer: it comes first on the list.
		w.env.Advance(time.Minute)
		group := w.start(doc, messages.NewConversation{Participants: []string{h, ph}, Subject: "退院前カンファレンス", Text: "日程調整をお願いします。"})
		w.env.Advance(time.Minute)
		if _, err := w.svc.Post(bg(), w.as(ph), group.ID, "12月3日は終日可能です。"); err != nil {
			t.Fatal(err)
		}
		l := w.list(h)
		if len(l.Items) != 2 || l.Items[0].ID != group.ID || l.Items[1].ID != direct.ID || l.Items[0].Title != "退院前カンファレンス" {
			t.Fatalf("newest first: %+v", l.Items)
		}
		if l.Items[0].Unread != 2 || l.Unread != 2 {
			t.Errorf("hokatsu: unread %d in the group, %d in all; want 2 and 2", l.Items[0].Unread, l.Unread)
		}
		// The doctor wrote one and has read it; the pharmacist's answer is unread.
		if it := w.listed(doc, group.ID); it.Unread != 1 {
			t.Errorf("doctor: unread %d, want 1", it.Unread)
		}
		// A new message in the older conversation brings it to the top.
		w.env.Advance(time.Minute)
		if _, err := w.svc.Post(bg(), w.as(doc), direct.ID, "承知しました。"); err != nil {
			t.Fatal(err)
		}
		if l := w.list(h); l.Items[0].ID != direct.ID || l.Unread != 3 {
			t.Errorf("after a reply: first %s, unread %d", l.Items[0].ID, l.Unread)
		}
		v = w.get(h, group.ID)
		if v.ActiveCount() != 3 || len(v.Messages) != 2 || v.Messages[1].Author.ID != ph || v.FirstUnread != 1 {
			t.Errorf("group view: %d taking part, %d messages, first unread %d", v.ActiveCount(), len(v.Messages), v.FirstUnread)
		}

		// Every change and read is audited; the audit never holds the text.
		for _, e := range w.events("message.post") {
			if strings.Contains(e.Detail, "承知") || strings.Contains(e.Detail, "12月") {
				t.Errorf("the audit holds the message text: %s", e.Detail)
			}
		}
		if n := len(w.events("conversation.create")); n != 2 {
			t.Errorf("%d conversation.create events", n)
		}
		if e := w.lastEvent("conversation.read"); e.ActorUserID != h || e.TargetID != group.ID || e.PersonID != "" || e.Outcome != "ok" {
			t.Errorf("read event %+v", e)
		}
		w.env.SealAndVerify(t, w.net)
	})
}

// fukuoka §14 (3): only the participants read a conversation; anyone else is
// told it is not found (as for one that does not exist), and the refusal is
// audited.
func TestFukuoka14NonParticipantCannotRead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		w := newWorld(t, db)
		c := w.start(w.hokatsu.user, messages.NewConversation{Participants: []string{w.clinic.user}, Text: "ご相談です。"})
		before := snapshot(t, db)
		// The pharmacist, a colleague of the doctor and the city's staff take no part.
		for _, uid := range []string{w.pharmacy.user, w.nurse, w.clinic.admin, w.city} {
			a := w.as(uid)
			_, err := w.svc.Get(bg(), a, c.ID, 0)
			wantCode(t, err, domain.ENOTFOUND, "read by a non-participant")
			e := w.lastEvent("conversation.read")
			if e.Outcome != "denied" || e.ActorUserID != uid || e.TargetID != c.ID || e.Reason == "" {
				t.Errorf("denial not audited: %+v", e)
			}
			_, err = w.svc.Post(bg(), a, c.ID, "割り込み")
			wantCode(t, err, domain.ENOTFOUND, "post by a non-participant")
			wantCode(t, w.svc.AddParticipants(bg(), a, c.ID, []string{w.pharmacy.admin}), domain.ENOTFOUND, "a non-participant adds")
			wantCode(t, w.svc.Leave(bg(), a, c.ID), domain.ENOTFOUND, "a non-participant leaves")
		}
		// One that does not exist is answered the same way, and audited too.
		_, err := w.svc.Get(bg(), w.as(w.pharmacy.user), "nosuchconversation", 0)
		wantCode(t, err, domain.ENOTFOUND, "no such conversation")
		if e := w.lastEvent("conversation.read"); e.Outcome != "denied" || e.TargetID != "nosuchconversation" {
			t.Errorf("%+v", e)
		}
		_, err = w.svc.Get(bg(), w.as(w.pharmacy.user), "../../etc", 0)
		wantCode(t, err, domain.ENOTFOUND, "a path as an id")
		// Operators post on the bulletin board; they do not read conversations.
		_, err = w.svc.Get(bg(), w.op(), c.ID, 0)
		wantCode(t, err, domain.ENOTFOUND, "operator")
		_, err = w.svc.List(bg(), w.op(), 0)
		wantCode(t, err, domain.EFORBIDDEN, "operator's list")

		// Nothing but the audit of the refusals changed.
		after := snapshot(t, db)
		if strip(before) != strip(after) {
			t.Errorf("refusals changed the conversation:\n%s\n%s", before, after)
		}
		if len(w.events("conversation.read")) < 5 {
			t.Errorf("refusals not audited")
		}
	})
}

// strip drops the audit count line of a snapshot.
func strip(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "audit events") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A conversation about a person: the policy applies to every participant. One
// who may not view the person cannot be added (fukuoka §9-1, §19の2); when the
// consent is withdrawn (fukuoka §18) a participant who no longer may view the
// person no longer sees the conversation, from the very next request; every
// read is audited like a read of the person.
func TestFukuoka14ConversationAboutPerson(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		w := newWorld(t, db)
		p := w.person("博多")
		h, doc, ph := w.hokatsu.user, w.clinic.user, w.pharmacy.user

		// The pharmacy has no access to the person: it cannot be added, the refusal
		// names the pharmacist, is audited, and nothing is created.
		before := snapshot(t, db)
		_, err := w.svc.Start(bg(), w.as(h), messages.NewConversation{Participants: []string{doc, ph}, PersonID: p.ID, Text: "服薬について"})
		if e := wantField(t, err, "participants", "a participant without access"); e != nil && !strings.Contains(e.Fields["participants"], "職員 薬院薬局さん") {
			t.Errorf("the refusal does not name the pharmacist: %q", e.Fields["participants"])
		}
		if e := w.lastEvent("conversation.create"); e.Outcome != "denied" || e.PersonID != p.ID || !strings.Contains(e.Detail, ph) {
			t.Errorf("refusal audit %+v", e)
		}
		if strip(before) != strip(snapshot(t, db)) {
			t.Errorf("a refused start changed something")
		}
		// Nor may one start a conversation about a person one cannot see.
		_, err = w.svc.Start(bg(), w.as(ph), messages.NewConversation{Participants: []string{h}, PersonID: p.ID, Text: "x"})
		wantField(t, err, "person_id", "the pharmacist about the person")

		c := w.start(h, messages.NewConversation{Participants: []string{doc}, PersonID: p.ID, Text: "博多さんの服薬について"})
		v := w.get(doc, c.ID)
		if v.Person == nil || v.Person.ID != p.ID || v.Via != domain.AccessClaims {
			t.Fatalf("doctor's view: person %+v via %q", v.Person, v.Via)
		}
		// The read is audited as a read of the person, naming the permission, and
		// shows in the person's access log (fukuoka §9-3).
		e := w.lastEvent("conversation.read")
		var detail map[string]any
		json.Unmarshal([]byte(e.Detail), &detail)
		if e.PersonID != p.ID || e.ActorUserID != doc || detail["via"] != domain.AccessClaims {
			t.Errorf("read audit %+v", e)
		}
		log, _, err := w.env.People.AccessLog(bg(), w.op(), p.ID, domain.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(log, func(x *domain.AuditEvent) bool { return x.Action == "conversation.read" && x.ActorUserID == doc }) {
			t.Errorf("the person's access log lacks the conversation read")
		}
		// Listing names the person: audited as a read of the person.
		if it := w.listed(doc, c.ID); it == nil || it.Person == nil || it.Person.FamilyName != "博多" {
			t.Errorf("doctor's list item %+v", it)
		}
		if e := w.lastEvent("person.view"); e.PersonID != p.ID || e.ActorUserID != doc || !strings.Contains(e.Detail, "as_conversation_list") {
			t.Errorf("list audit %+v", e)
		}

		// Adding the pharmacist is refused (and audited) ...
		before = snapshot(t, db)
		err = w.svc.AddParticipants(bg(), w.as(doc), c.ID, []string{ph})
		wantField(t, err, "participants", "adding one without access")
		if e := w.lastEvent("conversation.add"); e.Outcome != "denied" || e.PersonID != p.ID {
			t.Errorf("add refusal audit %+v", e)
		}
		if strip(before) != strip(snapshot(t, db)) {
			t.Errorf("a refused add changed something")
		}
		// ... until the clinic lets the pharmacy in (fukuoka §19の2-3).
		if err := w.env.People.GrantAccess(bg(), w.as(doc), p.ID, w.pharmacy.org); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.AddParticipants(bg(), w.as(doc), c.ID, []string{ph}); err != nil {
			t.Fatal(err)
		}
		if it := w.listed(ph, c.ID); it == nil || it.Unread != 1 {
			t.Fatalf("pharmacist's list after being added: %+v", it)
		}
		v = w.get(ph, c.ID)
		if len(v.Messages) != 2 || v.Messages[1].Kind != domain.MessageAdded || len(v.Messages[1].Added) != 1 || v.Messages[1].Added[0].ID != ph {
			t.Errorf("the pharmacist reads from the start, with the note of being added: %d messages", len(v.Messages))
		}

		// fukuoka §18: the city records the withdrawal; sharing stops at once.
		for _, uid := range []string{doc, ph} {
			w.get(uid, c.ID) // read everything (and the notices) before the withdrawal
		}
		if err := w.env.People.WithdrawConsent(bg(), w.op(), p.ID, "本人の申出"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Post(bg(), w.as(h), c.ID, "撤回の連絡がありました。"); err != nil {
			t.Fatalf("the registering organization still takes part: %v", err)
		}
		// Those who can no longer see the person are not told.
		for _, uid := range []string{doc, ph} {
			if ns := w.unreadNotices(uid); len(ns) != 0 {
				t.Errorf("%s told of a message in a hidden conversation: %+v", uid, ns)
			}
		}
		for _, uid := range []string{doc, ph} {
			l := w.list(uid)
			if len(l.Items) != 0 || l.Total != 0 || l.Unread != 0 {
				t.Errorf("%s still lists the conversation: %+v", uid, l)
			}
			_, err := w.svc.Get(bg(), w.as(uid), c.ID, 0)
			wantCode(t, err, domain.ENOTFOUND, "read after the withdrawal")
			if e := w.lastEvent("conversation.read"); e.Outcome != "denied" || e.PersonID != p.ID || e.ActorUserID != uid {
				t.Errorf("denied read not audited: %+v", e)
			}
			_, err = w.svc.Post(bg(), w.as(uid), c.ID, "まだ読めますか")
			wantCode(t, err, domain.ENOTFOUND, "post after the withdrawal")
			// Leaving shows nothing; it stays possible.
		}
		// The registering organization (fukuoka §17: before and after consent it
		// sees its own registration) still reads it and sees who no longer can.
		v = w.get(h, c.ID)
		hidden := map[string]bool{}
		for _, pp := range v.Participants {
			hidden[pp.UserID] = pp.Hidden
		}
		if !hidden[doc] || !hidden[ph] || hidden[h] {
			t.Errorf("hidden marks %v", hidden)
		}
		if err := w.svc.Leave(bg(), w.as(ph), c.ID); err != nil {
			t.Errorf("one who lost access may still leave: %v", err)
		}
		w.env.SealAndVerify(t, w.net)
	})
}

// Malformed input changes nothing: an empty or over-long message, control
// characters, no one or oneself only as participant, an unknown user, a user of
// another network, a suspended user, an operator, too many participants.
func TestFukuoka14MalformedInputChangesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		w := newWorld(t, db)
		h, doc := w.hokatsu.user, w.clinic.user
		c := w.start(h, messages.NewConversation{Participants: []string{doc}, Text: "はじめまして。"})

		// Another network of the same kind, with its own staff.
		w.env.Network(t, "chikushi", "fukuoka")
		var otherStaff string
		{
			other := &world{t: t, db: db, env: w.env, net: "chikushi", prof: w.prof}
			other.opID = w.userIDOf("chikushi", "operator")
			otherStaff = other.unit("筑紫野内科", "shinryojo", "doctor").user
		}
		suspended := w.staff(w.clinic.org, w.clinic.admin, "nurse", "休職 中")
		if err := w.env.Accounts.SuspendUser(bg(), w.op(), suspended, "休職"); err != nil {
			t.Fatal(err)
		}
		many := make([]string, 0, 21)
		for i := range 20 {
			many = append(many, "user"+string(rune('a'+i)))
		}

		start := func(parts []string, subject, person, text string) error {
			_, err := w.svc.Start(bg(), w.as(h), messages.NewConversation{Participants: parts, Subject: subject, PersonID: person, Text: text})
			return err
		}
		for _, tc := range []struct {
			name  string
			field string
			do    func() error
		}{
			{"empty text", "text", func() error { return start([]string{doc}, "", "", "") }},
			{"blank text", "text", func() error { return start([]string{doc}, "", "", " \r\n\t　\n") }},
			{"too long", "text", func() error { return start([]string{doc}, "", "", strings.Repeat("あ", messages.MaxText+1)) }},
			{"control character", "text", func() error { return start([]string{doc}, "", "", "了解\x00です") }},
			{"invalid UTF-8", "text", func() error { return start([]string{doc}, "", "", "了解\xffです") }},
			{"no participant", "participants", func() error { return start(nil, "", "", "こんにちは") }},
			{"only oneself", "participants", func() error { return start([]string{h}, "", "", "こんにちは") }},
			{"unknown participant", "participants", func() error { return start([]string{doc, "nosuchuser"}, "", "", "こんにちは") }},
			{"participant of another network", "participants", func() error { return start([]string{otherStaff}, "", "", "こんにちは") }},
			{"suspended participant", "participants", func() error { return start([]string{suspended}, "", "", "こんにちは") }},
			{"operator as participant", "participants", func() error { return start([]string{w.opID}, "", "", "こんにちは") }},
			{"path as participant", "participants", func() error { return start([]string{"../" + doc}, "", "", "こんにちは") }},
			{"too many participants", "participants", func() error { return start(many, "", "", "こんにちは") }},
			{"subject too long", "subject", func() error { return start([]string{doc}, strings.Repeat("件", 101), "", "こんにちは") }},
			{"subject with a line break", "subject", func() error { return start([]string{doc}, "件名\n二行目", "", "こんにちは") }},
			{"subject with markup", "subject", func() error { return start([]string{doc}, "<script>", "", "こんにちは") }},
			{"person id with markup", "person_id", func() error { return start([]string{doc}, "", "<x>", "こんにちは") }},
			{"post empty", "text", func() error { _, err := w.svc.Post(bg(), w.as(doc), c.ID, "  "); return err }},
			{"post too long", "text", func() error {
				_, err := w.svc.Post(bg(), w.as(doc), c.ID, strings.Repeat("a", messages.MaxText+1))
				return err
			}},
			{"add unknown", "participants", func() error { return w.svc.AddParticipants(bg(), w.as(doc), c.ID, []string{"nosuchuser"}) }},
			{"add from another network", "participants", func() error { return w.svc.AddParticipants(bg(), w.as(doc), c.ID, []string{otherStaff}) }},
			{"add one taking part", "participants", func() error { return w.svc.AddParticipants(bg(), w.as(doc), c.ID, []string{h}) }},
			{"add no one", "participants", func() error { return w.svc.AddParticipants(bg(), w.as(doc), c.ID, nil) }},
			{"add too many", "participants", func() error { return w.svc.AddParticipants(bg(), w.as(doc), c.ID, many) }},
		} {
			before := snapshot(t, db)
			err := tc.do()
			wantField(t, err, tc.field, tc.name)
			if after := snapshot(t, db); after != before {
				t.Errorf("%s changed something:\n%s\n---\n%s", tc.name, before, after)
			}
		}
		// Exactly the limit is fine: twenty taking part.
		var nineteen []string
		for range 18 {
			nineteen = append(nineteen, w.staff(w.clinic.org, w.clinic.admin, "nurse", "看護 多数"))
		}
		nineteen = append(nineteen, doc)
		big := w.start(h, messages.NewConversation{Participants: nineteen, Text: "全員へ"})
		if v := w.get(h, big.ID); v.ActiveCount() != messages.MaxParticipants {
			t.Errorf("%d taking part", v.ActiveCount())
		}
		before := snapshot(t, db)
		wantField(t, w.svc.AddParticipants(bg(), w.as(h), big.ID, []string{w.nurse}), "participants", "the twenty-first")
		if snapshot(t, db) != before {
			t.Errorf("a refused twenty-first changed something")
		}
	})
}

// userIDOf finds the first user of a role in a network.
func (w *world) userIDOf(net string, role domain.Role) string {
	w.t.Helper()
	var id string
	if err := w.db.Transact(bg(), func(tx store.Tx) error {
		us, err := tx.FindUsers(bg(), net, domain.UserFilter{Role: role})
		if len(us) > 0 {
			id = us[0].ID
		}
		return err
	}); err != nil || id == "" {
		w.t.Fatalf("no %s in %s: %v", role, net, err)
	}
	return id
}

// Leaving: the conversation leaves one's list and cannot be read; the others see
// that one left; a participant may add one again.
func TestFukuoka14Leave(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		w := newWorld(t, db)
		h, doc, ph := w.hokatsu.user, w.clinic.user, w.pharmacy.user
		c := w.start(h, messages.NewConversation{Participants: []string{doc, ph}, Text: "連絡です。"})
		if err := w.svc.Leave(bg(), w.as(ph), c.ID); err != nil {
			t.Fatal(err)
		}
		if w.listed(ph, c.ID) != nil {
			t.Errorf("still listed after leaving")
		}
		_, err := w.svc.Get(bg(), w.as(ph), c.ID, 0)
		wantCode(t, err, domain.ENOTFOUND, "read after leaving")
		wantCode(t, w.svc.Leave(bg(), w.as(ph), c.ID), domain.ENOTFOUND, "leaving twice")
		v := w.get(h, c.ID)
		if v.ActiveCount() != 2 || v.Messages[len(v.Messages)-1].Kind != domain.MessageLeft || v.Messages[len(v.Messages)-1].Author.ID != ph {
			t.Errorf("after leaving: %d taking part", v.ActiveCount())
		}
		// The note of leaving is not an unread message.
		if it := w.listed(doc, c.ID); it.Unread != 1 {
			t.Errorf("doctor's unread %d, want 1 (the first message)", it.Unread)
		}
		if err := w.svc.AddParticipants(bg(), w.as(doc), c.ID, []string{ph}); err != nil {
			t.Fatal(err)
		}
		if it := w.listed(ph, c.ID); it == nil {
			t.Errorf("not listed after being added again")
		}
	})
}

// Only fukuoka has messages (fukuoka §14 (3)); beppu §8 lists its functions
// without them. A beppu user is refused, and the refusal audited.
func TestMessagesOnlyWhereTheSeedHasThem(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		w := newWorld(t, db)
		w.env.Network(t, "beppu", "beppu")
		b := &world{t: t, db: db, env: w.env, net: "beppu"}
		_, b.prof, _ = w.env.Accounts.Network(bg(), "beppu")
		b.opID = w.userIDOf("beppu", "operator")
		staff := b.unit("べっぷ居宅", "kyotaku", "care_manager")
		_, err := w.svc.List(bg(), b.as(staff.user), 0)
		wantCode(t, err, domain.EFORBIDDEN, "beppu list")
		_, err = w.svc.Start(bg(), b.as(staff.user), messages.NewConversation{Participants: []string{staff.admin}, Text: "x"})
		wantCode(t, err, domain.EFORBIDDEN, "beppu start")
		if e := b.lastEvent("messages.use"); e.Outcome != "denied" || !strings.Contains(e.Reason, "fukuoka §14 (3)") {
			t.Errorf("refusal audit %+v", e)
		}
	})
}

// The directory: choose participants by organization and name; only active
// 業務利用者 of the network, not oneself, not operators.
func TestFukuoka14Directory(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		w := newWorld(t, db)
		a := w.as(w.clinic.user)
		d, err := w.svc.Directory(bg(), a, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Users) != 0 || len(d.Orgs) != 3 || !d.City {
			t.Errorf("without a choice: %d users, %d organizations", len(d.Users), len(d.Orgs))
		}
		d, err = w.svc.Directory(bg(), a, w.clinic.org, "")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, u := range d.Users {
			ids = append(ids, u.ID)
		}
		if len(ids) != 2 || !slices.Contains(ids, w.nurse) || !slices.Contains(ids, w.clinic.admin) {
			t.Errorf("the clinic's colleagues: %v", ids)
		}
		d, err = w.svc.Directory(bg(), a, messages.MunicipalStaff, "")
		if err != nil || len(d.Users) != 1 || d.Users[0].ID != w.city {
			t.Errorf("municipal staff: %+v %v", d, err)
		}
		d, err = w.svc.Directory(bg(), a, "", "看護")
		if err != nil || len(d.Users) != 1 || d.Users[0].ID != w.nurse {
			t.Errorf("by name: %+v %v", d, err)
		}
		_, err = w.svc.Directory(bg(), a, "nosuchorg", "")
		wantField(t, err, "org_id", "unknown organization")
		_, err = w.svc.Directory(bg(), a, "", "<b>")
		wantField(t, err, "q", "markup in the name")
	})
}
