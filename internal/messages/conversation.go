package messages

import (
	"context"
	"sort"
	"strings"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
)

// UserRef names a user as a conversation shows them.
type UserRef struct {
	ID          string
	DisplayName string
	Role        domain.Role
	Occupation  string
	OrgID       string
	OrgName     string
}

// Participant is a participant as the conversation shows them.
type Participant struct {
	*domain.Participant
	User UserRef
	// Hidden: the conversation is about a person this participant may not view
	// now (consent withdrawn, access ended), so it is hidden from them.
	Hidden bool
}

// Active reports whether the participant takes part (has not left).
func (p *Participant) Active() bool { return p.LeftAt.IsZero() }

// Message is a message as the conversation shows it.
type Message struct {
	*domain.Message
	Author UserRef
	Mine   bool
	// ReadBy are the other participants (not the author, not the reader) who have
	// read the message: the read marks.
	ReadBy []UserRef
	// Added are the users a MessageAdded note names.
	Added []UserRef
}

// View is a conversation page.
type View struct {
	Conversation *domain.Conversation
	Title        string
	// Person is the person the conversation is about (nil: about no one) and Via
	// the permission that lets the reader see them (audited with the read).
	Person       *domain.Person
	Via          string
	Participants []*Participant // every participant, those who left included
	Messages     []*Message     // oldest first
	// Older, when not 0, asks for the messages before it (before=Older).
	Older int64
	// FirstUnread is the first message the reader had not read before this page
	// (0: none).
	FirstUnread int64
}

// Me returns the reader's own participation.
func (v *View) Me(userID string) *Participant {
	for _, p := range v.Participants {
		if p.UserID == userID && p.Active() {
			return p
		}
	}
	return nil
}

// ActiveCount is the number of users taking part.
func (v *View) ActiveCount() int {
	n := 0
	for _, p := range v.Participants {
		if p.Active() {
			n++
		}
	}
	return n
}

// directory resolves users and their organizations within one transaction.
type directory struct {
	ctx   context.Context
	tx    store.Tx
	net   string
	users map[string]*domain.User
	orgs  map[string]*domain.Organization
}

func newDirectory(ctx context.Context, tx store.Tx, net string) *directory {
	return &directory{ctx: ctx, tx: tx, net: net, users: map[string]*domain.User{}, orgs: map[string]*domain.Organization{}}
}

// user returns the user of the network, nil when there is none.
func (d *directory) user(id string) (*domain.User, error) {
	if u, ok := d.users[id]; ok {
		return u, nil
	}
	u, err := d.tx.FindUser(d.ctx, d.net, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		u, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	d.users[id] = u
	return u, nil
}

func (d *directory) org(id string) (*domain.Organization, error) {
	if id == "" {
		return nil, nil
	}
	if o, ok := d.orgs[id]; ok {
		return o, nil
	}
	o, err := d.tx.FindOrganization(d.ctx, d.net, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		o, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	d.orgs[id] = o
	return o, nil
}

// ref names a user; an unknown ID is shown as is.
func (d *directory) ref(id string) (UserRef, error) {
	u, err := d.user(id)
	if err != nil || u == nil {
		return UserRef{ID: id}, err
	}
	r := UserRef{ID: u.ID, DisplayName: u.DisplayName, Role: u.Role, Occupation: u.Occupation, OrgID: u.OrgID}
	o, err := d.org(u.OrgID)
	if err != nil {
		return r, err
	}
	if o != nil {
		r.OrgName = o.Name
	}
	return r, nil
}

// usable returns the user when the account and its organization are in use, nil
// otherwise.
func (d *directory) usable(id string) (*domain.User, error) {
	u, err := d.user(id)
	if err != nil || u == nil || u.Status != domain.UserActive {
		return nil, err
	}
	if u.OrgID != "" {
		o, err := d.org(u.OrgID)
		if err != nil || o == nil || o.Status != domain.OrgActive {
			return nil, err
		}
	}
	return u, nil
}

// actorOf is the policy actor of another user at the request's time, to decide
// whether they may take part.
func actorOf(a policy.Actor, u *domain.User) policy.Actor {
	return accounts.ActorFor(u, a.Profile, a.Now, domain.StageFull)
}

// admitted is the outcome of checking users to add.
type admitted struct {
	users   []*domain.User
	unknown bool      // an ID names no usable 業務利用者 of the network
	blocked []UserRef // may not view the person the conversation is about
}

// admit checks the users to add to a conversation about personID ("": about no
// one): each must be an active 業務利用者 of the actor's network (a user of
// another network is simply not found) and, for a conversation about a person,
// allowed to view that person, decided as that user (fukuoka §9-1, §19).
func (s *Service) admit(ctx context.Context, tx store.Tx, dir *directory, a policy.Actor, ids []string, personID string) (*admitted, error) {
	out := &admitted{}
	for _, id := range ids {
		u, err := dir.usable(id)
		if err != nil {
			return nil, err
		}
		if u == nil {
			out.unknown = true
			continue
		}
		target := actorOf(a, u)
		if !policy.Decide(target, policy.UseMessages, policy.Resource{}).Allow {
			out.unknown = true
			continue
		}
		var f *policy.PersonFacts
		if personID != "" {
			if _, f, err = s.ppl.FactsFor(ctx, tx, target, personID); err != nil {
				return nil, err
			}
			if f == nil {
				out.unknown = true
				continue
			}
		}
		if personID != "" && !policy.Decide(target, policy.JoinConversation, policy.Resource{Person: f}).Allow {
			r, err := dir.ref(u.ID)
			if err != nil {
				return nil, err
			}
			out.blocked = append(out.blocked, r)
			continue
		}
		out.users = append(out.users, u)
	}
	return out, nil
}

// refused turns the users admit refused into the form's error; blocked users are
// named (the actor may view the person, and so who else may).
func (ad *admitted) refused(field string) error {
	errs := domain.FieldErrors{}
	if ad.unknown {
		errs.Add(field, "選択した利用者が見つかりません。一覧から選んでください。")
	}
	if len(ad.blocked) > 0 {
		names := make([]string, len(ad.blocked))
		for i, r := range ad.blocked {
			names[i] = r.DisplayName + "さん"
		}
		errs.Add(field, strings.Join(names, "、")+"はこの対象者の情報を閲覧できないため、この会話に加えられません。")
	}
	return errs.Err()
}

// loaded is a conversation as a request finds it.
type loaded struct {
	c      *domain.Conversation
	parts  []*domain.Participant
	me     *domain.Participant // the actor's participation, nil when not taking part
	person *domain.Person
	facts  *policy.PersonFacts // about the person, for the actor
}

// withConversation loads the conversation and decides act in one transaction,
// then runs fn in the same transaction. A denial is audited and reported as not
// found: a refusal does not confirm the conversation exists.
func (s *Service) withConversation(ctx context.Context, a policy.Actor, act policy.Action, id string,
	fn func(tx store.Tx, l *loaded, d policy.Decision) error) error {
	if !validID(id) {
		return s.deny(ctx, a, &denial{action: string(act), reason: "no such conversation", err: errNotFound})
	}
	var den *denial
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		den = nil
		c, err := tx.FindConversation(ctx, a.NetworkID, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			den = &denial{action: string(act), conversation: id, reason: "no such conversation", err: errNotFound}
			return nil
		}
		if err != nil {
			return err
		}
		l := &loaded{c: c}
		if l.parts, err = tx.FindParticipants(ctx, a.NetworkID, id); err != nil {
			return err
		}
		for _, p := range l.parts {
			if p.UserID == a.UserID && p.LeftAt.IsZero() {
				l.me = p
			}
		}
		// Leaving shows nothing of the person: it needs no facts about them.
		if c.PersonID != "" && act != policy.LeaveConversation {
			if l.person, l.facts, err = s.ppl.FactsFor(ctx, tx, a, c.PersonID); err != nil {
				return err
			}
			if l.person == nil {
				den = &denial{action: string(act), conversation: id, person: c.PersonID, reason: "the person of the conversation does not exist", err: errNotFound}
				return nil
			}
		}
		d := policy.Decide(a, act, policy.InConversation(a, l.me != nil, l.facts))
		if !d.Allow {
			den = &denial{action: string(act), conversation: id, person: c.PersonID, reason: d.Reason, err: errNotFound}
			return nil
		}
		return fn(tx, l, d)
	})
	if err != nil {
		return err
	}
	if den != nil {
		return s.deny(ctx, a, den)
	}
	return nil
}

// hidden reports whether the conversation about a person is hidden from the
// participant now: they may no longer view the person.
func (s *Service) hidden(ctx context.Context, tx store.Tx, dir *directory, a policy.Actor, c *domain.Conversation, userID string) (bool, error) {
	if c.PersonID == "" {
		return false, nil
	}
	u, err := dir.usable(userID)
	if err != nil || u == nil {
		return false, err // a suspended or revoked account reads nothing anyway
	}
	target := actorOf(a, u)
	_, f, err := s.ppl.FactsFor(ctx, tx, target, c.PersonID)
	if err != nil || f == nil {
		return true, err
	}
	return !policy.Decide(target, policy.ReadConversation, policy.InConversation(target, true, f)).Allow, nil
}

// recipients are the other participants who may read the conversation now: those
// a new message is announced to.
func (s *Service) recipients(ctx context.Context, tx store.Tx, dir *directory, a policy.Actor, c *domain.Conversation,
	parts []*domain.Participant) ([]string, error) {
	var out []string
	for _, p := range parts {
		if p.UserID == a.UserID || !p.LeftAt.IsZero() {
			continue
		}
		u, err := dir.usable(p.UserID)
		if err != nil {
			return nil, err
		}
		if u == nil {
			continue
		}
		h, err := s.hidden(ctx, tx, dir, a, c, p.UserID)
		if err != nil {
			return nil, err
		}
		if !h {
			out = append(out, p.UserID)
		}
	}
	return out, nil
}

// title is the subject, or the names of the others taking part.
func title(c *domain.Conversation, names []string) string {
	if c.Subject != "" {
		return c.Subject
	}
	if len(names) == 0 {
		return "（ほかに参加者がいない会話）"
	}
	sort.Strings(names)
	if len(names) > 4 {
		return strings.Join(names[:4], "、") + " ほか" + itoa(len(names)-4) + "人"
	}
	return strings.Join(names, "、")
}
