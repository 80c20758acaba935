// Package timeline is the shared timeline (連絡帳, SPEC §5): entries on a person's
// timeline in the profile's record categories (sendai §3, fukuoka §2), replies in
// threads, addressees, read marks and 対応済み marks, and the history of every
// entry (katori §34 (8): an edit writes a new version, a deletion leaves a
// tombstone naming who and when).
//
// Who may read and write is policy.Decide's answer (policy/timeline.go) on the
// person's facts, loaded in the request's transaction by the people service, and
// on the actor's cells of the occupation matrix (beppu §10-1, fukuoka §9-1),
// loaded from the database here; lists are filtered in SQL by the policy's list
// forms (policy.TimelineScope, policy.InboxScope). Every read of entries appends
// an audit event in the same transaction before anything is returned; if the
// append fails, the request fails.
package timeline

import (
	"context"
	"encoding/json"

	"renraku/internal/audit"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/store"
)

// Service runs the timeline. It is cheap to make: it holds the people service
// and what it shares with it (store and audit log).
type Service struct {
	ppl *people.Service
	st  store.Store
	log *audit.Log
}

// New returns the timeline over the people service, whose facts about people it
// decides on and whose store and audit log it writes to.
func New(ppl *people.Service) *Service {
	return &Service{ppl: ppl, st: ppl.Store(), log: ppl.AuditLog()}
}

func event(ctx context.Context, a policy.Actor, action, targetType, targetID, personID string, detail map[string]any) *domain.AuditEvent {
	m := domain.RequestMetaFrom(ctx)
	ev := &domain.AuditEvent{NetworkID: a.NetworkID, Action: action, TargetType: targetType, TargetID: targetID,
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

// errNotFound is the answer to an entry or person the actor may not read: a
// refusal does not confirm that it exists.
var errNotFound = domain.Errorf(domain.ENOTFOUND, "記録が見つからないか、閲覧の権限がありません。")

// denial is a refusal decided inside a transaction, audited after it rolled back.
type denial struct {
	act        policy.Action
	targetType string
	targetID   string
	personID   string
	reason     string
	notFound   bool
}

// deny audits a refusal in its own transaction and returns the error to show.
func (s *Service) deny(ctx context.Context, a policy.Actor, d *denial) error {
	ev := event(ctx, a, string(d.act), d.targetType, d.targetID, d.personID, nil)
	ev.Outcome, ev.Reason = "denied", d.reason
	if err := s.st.Transact(context.WithoutCancel(ctx), func(tx store.Tx) error { return s.log.Append(ctx, tx, ev) }); err != nil {
		return err
	}
	if d.notFound {
		return errNotFound
	}
	return domain.ErrForbidden
}

// timelineFacts loads the actor's cells of the occupation matrix (beppu §10-1,
// fukuoka §9-1): the categories its occupation reads and writes. A cell absent
// from the database allows (people.Matrix); a profile without a matrix has every
// category.
func timelineFacts(ctx context.Context, tx store.Tx, a policy.Actor) (*policy.TimelineFacts, error) {
	m := people.Matrix{}
	if a.Profile.People.Matrix {
		cells, err := tx.FindMatrix(ctx, a.NetworkID)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			if m[c.Occupation] == nil {
				m[c.Occupation] = map[string]domain.MatrixEntry{}
			}
			m[c.Occupation][c.Category] = c
		}
	}
	tl := &policy.TimelineFacts{}
	for _, c := range a.Profile.People.RecordCategories {
		if m.Allows(a.Occupation, c.Key, false) {
			tl.Readable = append(tl.Readable, c.Key)
		}
		if m.Allows(a.Occupation, c.Key, true) {
			tl.Writable = append(tl.Writable, c.Key)
		}
	}
	return tl, nil
}

// with returns a copy of tl about entry e (for the actor a).
func with(tl *policy.TimelineFacts, a policy.Actor, e *domain.Entry) *policy.TimelineFacts {
	c := *tl
	c.Entry = entryFacts(a, e)
	return &c
}

func entryFacts(a policy.Actor, e *domain.Entry) *policy.EntryFacts {
	f := &policy.EntryFacts{Category: e.Category, AuthorUserID: e.AuthorID, AuthorOrgID: e.AuthorOrg,
		Deleted: e.Deleted(), ActionRequired: e.ActionRequired}
	for _, ad := range e.Addressees {
		if (ad.Kind == domain.AddresseeUser && ad.ID == a.UserID) || (ad.Kind == domain.AddresseeOrg && a.OrgID != "" && ad.ID == a.OrgID) {
			f.Addressed = true
		}
	}
	return f
}

// entryCtx is what withEntry loaded: the entry, its person and the facts.
type entryCtx struct {
	tx     store.Tx
	entry  *domain.Entry
	person *domain.Person
	facts  *policy.PersonFacts
	tl     *policy.TimelineFacts // without Entry
	via    string                // the permission to read the entry (audited)
}

// withEntry loads an entry and its person, decides act on it in one transaction
// and runs fn in the same transaction. An entry the actor may not read is "not
// found" (whether or not it exists); a refusal of act on an entry the actor reads
// is "forbidden". Both are audited.
func (s *Service) withEntry(ctx context.Context, a policy.Actor, act policy.Action, id string, fn func(c *entryCtx) error) error {
	var denied *denial
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		denied = nil
		e, err := tx.FindEntry(ctx, a.NetworkID, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			denied = &denial{act: act, targetType: "entry", targetID: id, reason: "no such entry", notFound: true}
			return nil
		}
		if err != nil {
			return err
		}
		p, f, err := s.ppl.FactsFor(ctx, tx, a, e.PersonID)
		if err != nil {
			return err
		}
		if p == nil {
			denied = &denial{act: act, targetType: "entry", targetID: id, reason: "no such person", notFound: true}
			return nil
		}
		tl, err := timelineFacts(ctx, tx, a)
		if err != nil {
			return err
		}
		et := with(tl, a, e)
		read := policy.Decide(a, policy.ReadEntry, policy.Resource{Person: f, Timeline: et})
		if !read.Allow {
			denied = &denial{act: act, targetType: "entry", targetID: id, personID: p.ID, reason: read.Reason, notFound: true}
			return nil
		}
		if act != policy.ReadEntry {
			if d := policy.Decide(a, act, policy.Resource{Person: f, Timeline: et}); !d.Allow {
				denied = &denial{act: act, targetType: "entry", targetID: id, personID: p.ID, reason: d.Reason}
				return nil
			}
		}
		return fn(&entryCtx{tx: tx, entry: e, person: p, facts: f, tl: tl, via: read.Reason})
	})
	if err != nil {
		return err
	}
	if denied != nil {
		return s.deny(ctx, a, denied)
	}
	return nil
}

// readDetail is the audit detail of a read: the permission, and the disaster a
// disaster read was made under (joso §21).
func readDetail(via string, f *policy.PersonFacts) map[string]any {
	d := map[string]any{"via": via}
	if via == policy.ViaDisaster {
		d["disaster"] = f.DisasterID
	}
	return d
}
