package storetest

import (
	"fmt"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// The message store (fukuoka §14 (3)): conversations, participants with read
// marks, messages numbered 1, 2, 3 within a conversation, a user's list newest
// message first with unread counts, and a conversation about a person listed only
// when the policy's list form permits the person.

func newConversation(net, id, personID string, created time.Duration) *domain.Conversation {
	return &domain.Conversation{NetworkID: net, ID: id, Subject: "件名 " + id, PersonID: personID, CreatedBy: "u1",
		CreatedAt: at(created), LastMessageAt: at(created)}
}

func addParticipants(t *testing.T, db store.Store, net, conv string, users ...string) {
	t.Helper()
	run(t, db, func(tx store.Tx) error {
		for i, u := range users {
			if err := tx.AddParticipant(ctx, &domain.Participant{NetworkID: net, ConversationID: conv, UserID: u, AddedBy: "u1",
				JoinedAt: at(time.Duration(i) * time.Second)}); err != nil {
				return err
			}
		}
		return nil
	})
}

func postMessage(t *testing.T, db store.Store, net, conv, author, kind, body string, when time.Duration) *domain.Message {
	t.Helper()
	m := &domain.Message{NetworkID: net, ConversationID: conv, ID: fmt.Sprintf("%s-m-%d", conv, when), AuthorID: author,
		AuthorOrg: "org-" + author, Kind: kind, Body: body, CreatedAt: at(when)}
	run(t, db, func(tx store.Tx) error { return tx.CreateMessage(ctx, m) })
	return m
}

func userConversations(t *testing.T, db store.Store, net, user string, scope domain.PersonScope, f domain.ConversationFilter) (
	[]*domain.ConversationItem, int, int) {
	t.Helper()
	var items []*domain.ConversationItem
	var total, unread int
	run(t, db, func(tx store.Tx) error {
		var err error
		items, total, unread, err = tx.FindUserConversations(ctx, net, user, scope, f)
		return err
	})
	return items, total, unread
}

type convSummary struct {
	ID      string
	Unread  int
	ReadSeq int64
	LastSeq int64
}

func summaries(items []*domain.ConversationItem) []convSummary {
	out := make([]convSummary, len(items))
	for i, it := range items {
		out[i] = convSummary{it.ID, it.Unread, it.ReadSeq, it.LastSeq}
	}
	return out
}

func TestContractMessages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		c1 := newConversation(netA, "c1", "", 0)
		run(t, db, func(tx store.Tx) error { return tx.CreateConversation(ctx, c1) })
		got := get(t, db, func(tx store.Tx) (*domain.Conversation, error) { return tx.FindConversation(ctx, netA, "c1") })
		diff(t, "conversation", got, inUTC(c1))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { _, err := tx.FindConversation(ctx, netB, "c1"); return err })
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateConversation(ctx, newConversation(netA, "c1", "", 0)) })

		addParticipants(t, db, netA, "c1", "u1", "u2", "u3")
		// Messages are numbered 1, 2, 3 …; a written one moves the conversation's
		// last message time, a note of who left does not.
		m1 := postMessage(t, db, netA, "c1", "u1", domain.MessageText, "おはようございます。\n本日の訪問は14時です。", time.Minute)
		m2 := postMessage(t, db, netA, "c1", "u2", domain.MessageText, "了解しました。", 2*time.Minute)
		m3 := postMessage(t, db, netA, "c1", "u3", domain.MessageLeft, "", 3*time.Minute)
		if m1.Seq != 1 || m2.Seq != 2 || m3.Seq != 3 {
			t.Errorf("seqs %d %d %d, want 1 2 3", m1.Seq, m2.Seq, m3.Seq)
		}
		got = get(t, db, func(tx store.Tx) (*domain.Conversation, error) { return tx.FindConversation(ctx, netA, "c1") })
		if got.LastSeq != 3 || !got.LastMessageAt.Equal(at(2*time.Minute)) || got.LastMessageAt.Location() != time.UTC {
			t.Errorf("after three messages: last seq %d, last message at %v", got.LastSeq, got.LastMessageAt)
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			return tx.CreateMessage(ctx, &domain.Message{NetworkID: netB, ConversationID: "c1", ID: "x", AuthorID: "u1",
				Kind: domain.MessageText, Body: "x", CreatedAt: at(0)})
		})
		msgs := get(t, db, func(tx store.Tx) ([]*domain.Message, error) { return tx.FindMessages(ctx, netA, "c1", 0, 10) })
		diff(t, "messages newest first", msgs, inUTCAll(m3, m2, m1))
		msgs = get(t, db, func(tx store.Tx) ([]*domain.Message, error) { return tx.FindMessages(ctx, netA, "c1", 3, 1) })
		diff(t, "messages before 3, one", msgs, inUTCAll(m2))
		msgs = get(t, db, func(tx store.Tx) ([]*domain.Message, error) { return tx.FindMessages(ctx, netB, "c1", 0, 10) })
		if len(msgs) != 0 {
			t.Errorf("another network's messages: %d", len(msgs))
		}

		// Read marks only move forward.
		run(t, db, func(tx store.Tx) error { return tx.MarkRead(ctx, netA, "c1", "u2", 2, at(4*time.Minute)) })
		run(t, db, func(tx store.Tx) error { return tx.MarkRead(ctx, netA, "c1", "u2", 1, at(5*time.Minute)) })
		parts := get(t, db, func(tx store.Tx) ([]*domain.Participant, error) { return tx.FindParticipants(ctx, netA, "c1") })
		if len(parts) != 3 || parts[0].UserID != "u1" || parts[1].UserID != "u2" || parts[1].ReadSeq != 2 ||
			!parts[1].ReadAt.Equal(at(4*time.Minute)) || parts[1].ReadAt.Location() != time.UTC || !parts[2].LeftAt.IsZero() {
			t.Errorf("participants %+v %+v %+v", parts[0], parts[1], parts[2])
		}

		// Leaving, twice; being added again keeps the read mark.
		run(t, db, func(tx store.Tx) error { return tx.LeaveConversation(ctx, netA, "c1", "u2", at(6*time.Minute)) })
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { return tx.LeaveConversation(ctx, netA, "c1", "u2", at(7*time.Minute)) })
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { return tx.LeaveConversation(ctx, netB, "c1", "u1", at(7*time.Minute)) })
		items, total, _ := userConversations(t, db, netA, "u2", domain.PersonScope{All: true}, domain.ConversationFilter{})
		if len(items) != 0 || total != 0 {
			t.Errorf("one who left still lists it: %d", total)
		}
		run(t, db, func(tx store.Tx) error {
			return tx.AddParticipant(ctx, &domain.Participant{NetworkID: netA, ConversationID: "c1", UserID: "u2", AddedBy: "u3",
				JoinedAt: at(8 * time.Minute)})
		})
		parts = get(t, db, func(tx store.Tx) ([]*domain.Participant, error) { return tx.FindParticipants(ctx, netA, "c1") })
		last := parts[len(parts)-1]
		if len(parts) != 3 || last.UserID != "u2" || !last.LeftAt.IsZero() || last.ReadSeq != 2 || last.AddedBy != "u3" {
			t.Errorf("added again: %+v", last)
		}
	})
}

// TestContractUserConversations: newest message first, unread = written
// messages of others after the read mark, totals over every page, and a
// conversation about a person only when the scope permits the person.
func TestContractUserConversations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		pOK, pNo := newPerson(netA, "p-ok", "ア", "イ"), newPerson(netA, "p-no", "ウ", "エ")
		pOK.Consent, pNo.Consent = domain.ConsentActive, domain.ConsentActive
		createPeople(t, db, pOK, pNo)
		createAccess(t, db, newAccess(netA, "a1", "p-ok", orgT, domain.AccessClaims, 0))
		run(t, db, func(tx store.Tx) error {
			for _, c := range []*domain.Conversation{newConversation(netA, "plain", "", 0), newConversation(netA, "about-ok", "p-ok", time.Second),
				newConversation(netA, "about-no", "p-no", 2*time.Second), newConversation(netA, "quiet", "", 3*time.Second),
				newConversation(netB, "other-net", "", 0)} {
				if err := tx.CreateConversation(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		for _, c := range []string{"plain", "about-ok", "about-no", "quiet"} {
			addParticipants(t, db, netA, c, "me", "you")
		}
		addParticipants(t, db, netB, "other-net", "me", "you")
		postMessage(t, db, netA, "plain", "you", domain.MessageText, "1", 10*time.Minute)
		postMessage(t, db, netA, "plain", "you", domain.MessageText, "2", 11*time.Minute)
		postMessage(t, db, netA, "plain", "me", domain.MessageText, "3", 12*time.Minute)   // one's own: not unread
		postMessage(t, db, netA, "plain", "you", domain.MessageAdded, "x", 13*time.Minute) // a note: not unread
		postMessage(t, db, netA, "about-ok", "you", domain.MessageText, "1", 20*time.Minute)
		postMessage(t, db, netA, "about-no", "you", domain.MessageText, "1", 30*time.Minute)
		postMessage(t, db, netB, "other-net", "you", domain.MessageText, "1", 40*time.Minute)
		run(t, db, func(tx store.Tx) error { return tx.MarkRead(ctx, netA, "plain", "me", 1, at(time.Hour)) })

		all := domain.PersonScope{All: true}
		items, total, unread := userConversations(t, db, netA, "me", all, domain.ConversationFilter{})
		diff(t, "everything, newest message first", summaries(items), []convSummary{
			{"about-no", 1, 0, 1}, {"about-ok", 1, 0, 1}, {"plain", 1, 1, 4}, {"quiet", 0, 0, 0}})
		if total != 4 || unread != 3 {
			t.Errorf("total %d unread %d, want 4 and 3", total, unread)
		}
		// The organization orgT may see p-ok (claims access), not p-no.
		scope := domain.PersonScope{OrgID: orgT, AccessKinds: []string{domain.AccessClaims, domain.AccessGranted}, Today: today}
		items, total, unread = userConversations(t, db, netA, "me", scope, domain.ConversationFilter{})
		diff(t, "what orgT may see", summaries(items), []convSummary{{"about-ok", 1, 0, 1}, {"plain", 1, 1, 4}, {"quiet", 0, 0, 0}})
		if total != 3 || unread != 2 {
			t.Errorf("scoped: total %d unread %d, want 3 and 2", total, unread)
		}
		// The zero scope (the policy's "nobody") keeps the conversations about no one.
		items, total, _ = userConversations(t, db, netA, "me", domain.PersonScope{}, domain.ConversationFilter{})
		diff(t, "no person permitted", summaries(items), []convSummary{{"plain", 1, 1, 4}, {"quiet", 0, 0, 0}})
		if total != 2 {
			t.Errorf("zero scope: total %d", total)
		}
		// Paging keeps the totals.
		items, total, unread = userConversations(t, db, netA, "me", all, domain.ConversationFilter{Limit: 2, Offset: 2})
		diff(t, "second page", summaries(items), []convSummary{{"plain", 1, 1, 4}, {"quiet", 0, 0, 0}})
		if total != 4 || unread != 3 {
			t.Errorf("paged: total %d unread %d", total, unread)
		}
		// A stranger lists nothing; the other network is apart.
		if items, total, _ = userConversations(t, db, netA, "stranger", all, domain.ConversationFilter{}); len(items) != 0 || total != 0 {
			t.Errorf("stranger lists %d", total)
		}
		items, _, _ = userConversations(t, db, netB, "me", all, domain.ConversationFilter{})
		diff(t, "network B", summaries(items), []convSummary{{"other-net", 1, 0, 1}})
	})
}

// TestContractMessageSeqConcurrent: messages written at once get distinct,
// gap-free numbers.
func TestContractMessageSeqConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA)
		run(t, db, func(tx store.Tx) error { return tx.CreateConversation(ctx, newConversation(netA, "busy", "", 0)) })
		const n = 12
		errs := make(chan error, n)
		for i := range n {
			go func() {
				errs <- db.Transact(ctx, func(tx store.Tx) error {
					return tx.CreateMessage(ctx, &domain.Message{NetworkID: netA, ConversationID: "busy", ID: fmt.Sprintf("m%d", i),
						AuthorID: "u", Kind: domain.MessageText, Body: "x", CreatedAt: at(time.Duration(i) * time.Second)})
				})
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		msgs := get(t, db, func(tx store.Tx) ([]*domain.Message, error) { return tx.FindMessages(ctx, netA, "busy", 0, 100) })
		if len(msgs) != n {
			t.Fatalf("%d messages", len(msgs))
		}
		for i, m := range msgs {
			if m.Seq != int64(n-i) {
				t.Errorf("message %d has seq %d, want %d", i, m.Seq, n-i)
			}
		}
	})
}
