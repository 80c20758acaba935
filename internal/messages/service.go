// Package messages is the messaging capability: direct and small-group
// conversations between the staff users of one network (業務利用者同士の情報交換
// 機能, fukuoka §14 (3)), with read marks, unread counts, leaving and adding
// participants. A conversation may be about one person: then the policy on that
// person applies to every participant, on every request (a participant who can no
// longer view the person no longer sees the conversation), and every read of it is
// audited like a read of the person, before the answer leaves. Every decision is
// policy.Decide's; every change and read appends an audit event in the same
// transaction, and a denial is audited in its own.
package messages

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/store"
	"renraku/internal/validate"
)

// Limits of a conversation.
const (
	// MaxParticipants: a small group, not a broadcast (the bulletin board is for
	// announcements to many, fukuoka §14 (2)).
	MaxParticipants = 20
	// MaxText is the length of a message in characters.
	MaxText = 4000
	// MaxSubject is the length of a conversation's subject in characters.
	MaxSubject = 100
	// PageSize is how many messages a conversation shows at a time.
	PageSize = 50
	// ListSize is how many conversations the list shows at a time.
	ListSize = 50
)

// Service runs the messaging capability.
type Service struct {
	st  store.Store
	log *audit.Log
	clk clock.Clock
	ppl *people.Service
}

// New returns the service over the people service, whose store, audit log, clock
// and facts about people it shares: a person is decided and audited the same way
// in a conversation as on their page. It holds no state of its own.
func New(ppl *people.Service) *Service {
	return &Service{st: ppl.Store(), log: ppl.AuditLog(), clk: ppl.Clock(), ppl: ppl}
}

// errNotFound: a conversation the actor may not read is not found, whether or
// not it exists.
var errNotFound = domain.Errorf(domain.ENOTFOUND, "会話が見つからないか、閲覧の権限がありません。")

func event(ctx context.Context, a policy.Actor, action, targetID, personID string, detail map[string]any) *domain.AuditEvent {
	m := domain.RequestMetaFrom(ctx)
	ev := &domain.AuditEvent{NetworkID: a.NetworkID, Action: action, TargetType: "conversation", TargetID: targetID,
		PersonID: personID, RemoteAddr: m.RemoteAddr, RequestID: m.RequestID, Outcome: "ok",
		ActorUserID: a.UserID, ActorLogin: a.LoginID, ActorOrgID: a.OrgID, ActorRole: string(a.Role)}
	if a.OperatorRole != "" {
		ev.ActorRole += "/" + a.OperatorRole
	}
	if detail != nil {
		b, _ := json.Marshal(detail)
		ev.Detail = string(b)
	}
	return ev
}

// denial is a refusal found inside a transaction, audited after it rolls back.
type denial struct {
	action, conversation, person, reason string
	detail                               map[string]any
	err                                  error // what the actor is told
}

// deny audits a refusal in its own transaction and returns the error to show.
func (s *Service) deny(ctx context.Context, a policy.Actor, d *denial) error {
	ev := event(ctx, a, d.action, d.conversation, d.person, d.detail)
	ev.Outcome, ev.Reason = "denied", d.reason
	if err := s.st.Transact(context.WithoutCancel(ctx), func(tx store.Tx) error { return s.log.Append(ctx, tx, ev) }); err != nil {
		return err
	}
	return d.err
}

// authorize asks the policy about an action on no conversation in particular.
// (Use outside the service hours and before first-login setup is refused, and
// audited, when the request is authenticated.)
func (s *Service) authorize(ctx context.Context, a policy.Actor, act policy.Action) error {
	d := policy.Decide(a, act, policy.Resource{})
	if d.Allow {
		return nil
	}
	return s.deny(ctx, a, &denial{action: string(act), reason: d.Reason, err: domain.ErrForbidden})
}

// checkText checks a message: Japanese free text with its line breaks, which may
// contain < and > (「血圧 > 140」): the pages escape everything they show.
func checkText(errs domain.FieldErrors, field, v string) string {
	const label = "メッセージ"
	if !utf8.ValidString(v) {
		errs.Add(field, label+"に不正な文字コードが含まれています。")
		return ""
	}
	v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
	v = strings.TrimSpace(v)
	if v == "" {
		errs.Add(field, label+"を入力してください。")
		return ""
	}
	if n := utf8.RuneCountInString(v); n > MaxText {
		errs.Add(field, label+"は"+strconv.Itoa(MaxText)+"文字以内で入力してください（現在"+strconv.Itoa(n)+"文字）。")
		return v
	}
	for _, r := range v {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			errs.Add(field, label+"に使用できない制御文字が含まれています。")
			return v
		}
	}
	return v
}

// checkSubject checks a conversation's subject: one line, no markup.
func checkSubject(errs domain.FieldErrors, field, v string) string {
	return validate.Text(errs, field, "件名", v, false, MaxSubject, false)
}

// validID reports whether s can be an identifier (of a user, a person or a
// conversation); anything else is refused before any lookup.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// checkUserIDs checks a list of chosen users: identifiers, no duplicates, the
// actor left out, at most max.
func checkUserIDs(errs domain.FieldErrors, field string, a policy.Actor, ids []string, max int) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if !validID(id) {
			errs.Add(field, "選択した利用者が見つかりません。一覧から選んでください。")
			return nil
		}
		if id == a.UserID || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	switch {
	case len(out) == 0:
		errs.Add(field, "相手を1人以上選んでください。")
	case len(out) > max:
		errs.Add(field, "会話の参加者は自分を含めて"+strconv.Itoa(MaxParticipants)+"人までです。")
	}
	return out
}
