package messages

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
)

// NewConversation is what starting a conversation takes.
type NewConversation struct {
	Participants []string // user IDs of the others
	Subject      string
	PersonID     string // the person it is about, "" for none
	Text         string // the first message
}

// Start opens a conversation with the chosen users and its first message. Every
// participant, the actor included, must be an active 業務利用者 of the network and,
// for a conversation about a person, allowed to view that person.
func (s *Service) Start(ctx context.Context, a policy.Actor, in NewConversation) (*domain.Conversation, error) {
	if err := s.authorize(ctx, a, policy.UseMessages); err != nil {
		return nil, err
	}
	errs := domain.FieldErrors{}
	ids := checkUserIDs(errs, "participants", a, in.Participants, MaxParticipants-1)
	in.Subject = checkSubject(errs, "subject", in.Subject)
	in.Text = checkText(errs, "text", in.Text)
	in.PersonID = strings.TrimSpace(in.PersonID)
	if in.PersonID != "" && !validID(in.PersonID) {
		errs.Add("person_id", "対象者が見つからないか、閲覧の権限がありません。")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var c *domain.Conversation
	var den *denial
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		c, den = nil, nil
		dir := newDirectory(ctx, tx, a.NetworkID)
		detail := map[string]any{}
		if in.PersonID != "" {
			p, f, err := s.ppl.FactsFor(ctx, tx, a, in.PersonID)
			if err != nil {
				return err
			}
			reason := "no such person"
			if p != nil {
				d := policy.Decide(a, policy.JoinConversation, policy.Resource{Person: f})
				reason = d.Reason
				if d.Allow {
					reason = ""
					detail["via"] = d.Reason
				}
			}
			if reason != "" {
				den = &denial{action: "conversation.create", person: in.PersonID, reason: reason,
					err: &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
						Fields: map[string]string{"person_id": "対象者が見つからないか、閲覧の権限がありません。"}}}
				return nil
			}
		}
		ad, err := s.admit(ctx, tx, dir, a, ids, in.PersonID)
		if err != nil {
			return err
		}
		if len(ad.blocked) > 0 {
			blocked := make([]string, len(ad.blocked))
			for i, r := range ad.blocked {
				blocked[i] = r.ID
			}
			den = &denial{action: "conversation.create", person: in.PersonID, err: ad.refused("participants"),
				reason: "a participant may not view the person the conversation is about", detail: map[string]any{"refused": blocked}}
			return nil
		}
		if err := ad.refused("participants"); err != nil {
			return err
		}
		now := s.clk.Now().UTC()
		c = &domain.Conversation{NetworkID: a.NetworkID, ID: domain.NewID(), Subject: in.Subject, PersonID: in.PersonID,
			CreatedBy: a.UserID, CreatedAt: now, LastMessageAt: now}
		if err := tx.CreateConversation(ctx, c); err != nil {
			return err
		}
		all := []string{a.UserID}
		for _, u := range ad.users {
			all = append(all, u.ID)
		}
		for _, id := range all {
			if err := tx.AddParticipant(ctx, &domain.Participant{NetworkID: a.NetworkID, ConversationID: c.ID, UserID: id,
				AddedBy: a.UserID, JoinedAt: now}); err != nil {
				return err
			}
		}
		m, err := s.append(ctx, tx, a, c, domain.MessageText, in.Text, now)
		if err != nil {
			return err
		}
		detail["participants"], detail["message"] = all, m.ID
		if err := s.log.Append(ctx, tx, event(ctx, a, "conversation.create", c.ID, c.PersonID, detail)); err != nil {
			return err
		}
		parts, err := tx.FindParticipants(ctx, a.NetworkID, c.ID)
		if err != nil {
			return err
		}
		to, err := s.recipients(ctx, tx, dir, a, c, parts)
		if err != nil {
			return err
		}
		return s.notifyNewMessage(ctx, tx, a, c, m, to)
	})
	if err != nil {
		return nil, err
	}
	if den != nil {
		return nil, s.deny(ctx, a, den)
	}
	return c, nil
}

// append writes a message and moves the author's read mark to it (one has read
// what one wrote).
func (s *Service) append(ctx context.Context, tx store.Tx, a policy.Actor, c *domain.Conversation, kind, body string,
	now time.Time) (*domain.Message, error) {
	m := &domain.Message{NetworkID: a.NetworkID, ConversationID: c.ID, ID: domain.NewID(), AuthorID: a.UserID,
		AuthorOrg: a.OrgID, Kind: kind, Body: body, CreatedAt: now}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return nil, err
	}
	if kind != domain.MessageLeft {
		if err := tx.MarkRead(ctx, a.NetworkID, c.ID, a.UserID, m.Seq, now); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Get returns a conversation page: up to PageSize messages before `before` (0:
// the newest), with the participants and read marks. Reading the newest page
// marks the conversation read. The read is decided and audited (like a read of
// the person, for a conversation about one) before anything is returned.
func (s *Service) Get(ctx context.Context, a policy.Actor, id string, before int64) (*View, error) {
	if before < 0 {
		return nil, &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{"before": "0以上の整数で指定してください。"}}
	}
	var v *View
	err := s.withConversation(ctx, a, policy.ReadConversation, id, func(tx store.Tx, l *loaded, d policy.Decision) error {
		dir := newDirectory(ctx, tx, a.NetworkID)
		c := l.c
		v = &View{Conversation: c, Person: l.person}
		if l.person != nil {
			v.Via = d.Reason
		}
		var names []string
		for _, p := range l.parts {
			ref, err := dir.ref(p.UserID)
			if err != nil {
				return err
			}
			pv := &Participant{Participant: p, User: ref}
			if pv.Active() && p.UserID != a.UserID {
				names = append(names, ref.DisplayName)
				if pv.Hidden, err = s.hidden(ctx, tx, dir, a, c, p.UserID); err != nil {
					return err
				}
			}
			v.Participants = append(v.Participants, pv)
		}
		v.Title = title(c, names)
		msgs, err := tx.FindMessages(ctx, a.NetworkID, c.ID, before, PageSize+1)
		if err != nil {
			return err
		}
		if len(msgs) > PageSize {
			msgs = msgs[:PageSize]
			v.Older = msgs[len(msgs)-1].Seq
		}
		if l.me.ReadSeq < c.LastSeq {
			v.FirstUnread = l.me.ReadSeq + 1
		}
		for i := len(msgs) - 1; i >= 0; i-- {
			m := msgs[i]
			author, err := dir.ref(m.AuthorID)
			if err != nil {
				return err
			}
			mv := &Message{Message: m, Author: author, Mine: m.AuthorID == a.UserID}
			for _, p := range v.Participants {
				if p.Active() && p.UserID != m.AuthorID && p.UserID != a.UserID && p.ReadSeq >= m.Seq {
					mv.ReadBy = append(mv.ReadBy, p.User)
				}
			}
			if m.Kind == domain.MessageAdded {
				for _, id := range strings.Fields(m.Body) {
					r, err := dir.ref(id)
					if err != nil {
						return err
					}
					mv.Added = append(mv.Added, r)
				}
			}
			v.Messages = append(v.Messages, mv)
		}
		now := s.clk.Now().UTC()
		if before == 0 {
			if c.LastSeq > l.me.ReadSeq {
				if err := tx.MarkRead(ctx, a.NetworkID, c.ID, a.UserID, c.LastSeq, now); err != nil {
					return err
				}
			}
			if err := readNotices(ctx, tx, a, c, now); err != nil {
				return err
			}
		}
		detail := map[string]any{"messages": len(msgs), "before": before}
		if l.person != nil {
			detail["via"] = d.Reason
		}
		return s.log.Append(ctx, tx, event(ctx, a, "conversation.read", c.ID, c.PersonID, detail))
	})
	if err != nil {
		return nil, err // nothing leaves unless its audit event was written
	}
	return v, nil
}

// Post writes a message in the conversation.
func (s *Service) Post(ctx context.Context, a policy.Actor, id, text string) (*domain.Message, error) {
	errs := domain.FieldErrors{}
	text = checkText(errs, "text", text)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var m *domain.Message
	err := s.withConversation(ctx, a, policy.PostMessage, id, func(tx store.Tx, l *loaded, d policy.Decision) error {
		var err error
		if m, err = s.append(ctx, tx, a, l.c, domain.MessageText, text, s.clk.Now().UTC()); err != nil {
			return err
		}
		// The audit records that a message was written, never what it says.
		if err := s.log.Append(ctx, tx, event(ctx, a, "message.post", l.c.ID, l.c.PersonID,
			map[string]any{"message": m.ID, "seq": m.Seq, "chars": utf8.RuneCountInString(text)})); err != nil {
			return err
		}
		dir := newDirectory(ctx, tx, a.NetworkID)
		to, err := s.recipients(ctx, tx, dir, a, l.c, l.parts)
		if err != nil {
			return err
		}
		return s.notifyNewMessage(ctx, tx, a, l.c, m, to)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// AddParticipants lets a participant add others, up to MaxParticipants taking
// part. They read the conversation from its start.
func (s *Service) AddParticipants(ctx context.Context, a policy.Actor, id string, userIDs []string) error {
	errs := domain.FieldErrors{}
	ids := checkUserIDs(errs, "participants", a, userIDs, MaxParticipants-1)
	if err := errs.Err(); err != nil {
		return err
	}
	var den *denial
	err := s.withConversation(ctx, a, policy.AddParticipants, id, func(tx store.Tx, l *loaded, d policy.Decision) error {
		den = nil
		active := map[string]bool{}
		for _, p := range l.parts {
			if p.LeftAt.IsZero() {
				active[p.UserID] = true
			}
		}
		var fresh []string
		for _, id := range ids {
			if !active[id] {
				fresh = append(fresh, id)
			}
		}
		if len(fresh) == 0 {
			return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
				Fields: map[string]string{"participants": "選択した方はすでに参加しています。"}}
		}
		if len(active)+len(fresh) > MaxParticipants {
			return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
				Fields: map[string]string{"participants": "会話の参加者は自分を含めて" + itoa(MaxParticipants) + "人までです。"}}
		}
		dir := newDirectory(ctx, tx, a.NetworkID)
		ad, err := s.admit(ctx, tx, dir, a, fresh, l.c.PersonID)
		if err != nil {
			return err
		}
		if len(ad.blocked) > 0 {
			blocked := make([]string, len(ad.blocked))
			for i, r := range ad.blocked {
				blocked[i] = r.ID
			}
			den = &denial{action: string(policy.AddParticipants), conversation: l.c.ID, person: l.c.PersonID,
				reason: "a participant may not view the person the conversation is about", detail: map[string]any{"refused": blocked},
				err: ad.refused("participants")}
			return nil
		}
		if err := ad.refused("participants"); err != nil {
			return err
		}
		now := s.clk.Now().UTC()
		added := make([]string, len(ad.users))
		for i, u := range ad.users {
			added[i] = u.ID
			if err := tx.AddParticipant(ctx, &domain.Participant{NetworkID: a.NetworkID, ConversationID: l.c.ID, UserID: u.ID,
				AddedBy: a.UserID, JoinedAt: now}); err != nil {
				return err
			}
		}
		m, err := s.append(ctx, tx, a, l.c, domain.MessageAdded, strings.Join(added, " "), now)
		if err != nil {
			return err
		}
		if err := s.log.Append(ctx, tx, event(ctx, a, "conversation.add", l.c.ID, l.c.PersonID,
			map[string]any{"added": added, "message": m.ID})); err != nil {
			return err
		}
		return s.notifyNewMessage(ctx, tx, a, l.c, m, added)
	})
	if err != nil {
		return err
	}
	if den != nil {
		return s.deny(ctx, a, den)
	}
	return nil
}

// Leave ends the actor's part in the conversation: it leaves their list, and
// the others see that they left. Another participant may add them again.
func (s *Service) Leave(ctx context.Context, a policy.Actor, id string) error {
	return s.withConversation(ctx, a, policy.LeaveConversation, id, func(tx store.Tx, l *loaded, d policy.Decision) error {
		now := s.clk.Now().UTC()
		if err := tx.LeaveConversation(ctx, a.NetworkID, l.c.ID, a.UserID, now); err != nil {
			return err
		}
		m, err := s.append(ctx, tx, a, l.c, domain.MessageLeft, "", now)
		if err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "conversation.leave", l.c.ID, l.c.PersonID, map[string]any{"message": m.ID}))
	})
}
