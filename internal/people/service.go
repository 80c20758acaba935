// Package people is the people-and-consent capability: registering the people a
// network supports, recording consent and its withdrawal, eligibility and the read
// window, and which organizations may see whom (care team, care-plan office,
// grants, claims, disaster). Every read of a person is decided by policy.Decide and
// audited before the answer leaves; lists are filtered in the database by the
// policy's list form (policy.Scope).
package people

import (
	"context"
	"encoding/json"

	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
)

// Service runs the people capability.
type Service struct {
	st  store.Store
	log *audit.Log
	clk clock.Clock
}

// New returns the service.
func New(st store.Store, log *audit.Log, clk clock.Clock) *Service {
	return &Service{st: st, log: log, clk: clk}
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

// deny audits a refusal in its own transaction (the caller's rolls back) and
// returns the error to show. A person the actor may not see is "not found", so
// that a refusal does not confirm the person exists.
func (s *Service) deny(ctx context.Context, a policy.Actor, act policy.Action, personID, reason string, notFound bool) error {
	ev := event(ctx, a, string(act), "person", personID, personID, nil)
	ev.Outcome, ev.Reason = "denied", reason
	if err := s.st.Transact(context.WithoutCancel(ctx), func(tx store.Tx) error { return s.log.Append(ctx, tx, ev) }); err != nil {
		return err
	}
	if notFound {
		return domain.Errorf(domain.ENOTFOUND, "対象者が見つからないか、閲覧の権限がありません。")
	}
	return domain.ErrForbidden
}

// facts loads what the policy needs about a person for the actor, in tx.
func (s *Service) facts(ctx context.Context, tx store.Tx, a policy.Actor, p *domain.Person) (*policy.PersonFacts, error) {
	f := &policy.PersonFacts{ID: p.ID, RegisteredOrg: p.RegisteredOrg, Status: p.Status, Consent: p.Consent,
		ConsentForm: p.ConsentForm, ConsentScopes: p.ConsentScopes, Eligible: p.Eligible, ReadableUntil: p.ReadableUntil}
	today := profile.Today(a.Now)
	if a.OrgID != "" {
		rows, err := tx.FindOrgAccess(ctx, a.NetworkID, p.ID, a.OrgID, today)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			f.OrgAccess = append(f.OrgAccess, r.Kind)
		}
	}
	if a.Profile.People.Disaster.Enabled {
		active, err := activeDisaster(ctx, tx, a)
		if err != nil {
			return nil, err
		}
		if active != nil {
			f.DisasterActive, f.DisasterID = true, active.ID
		}
	}
	return f, nil
}

// activeDisaster is the disaster in force at the request's time (joso §21): a
// scheduled one opens access at its start and a planned end closes it, without
// anyone acting.
func activeDisaster(ctx context.Context, tx store.Tx, a policy.Actor) (*domain.Disaster, error) {
	ds, err := tx.FindDisasters(ctx, a.NetworkID)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if DisasterState(d, a.Now) == DisasterActive {
			return d, nil
		}
	}
	return nil, nil
}

// withPerson loads a person and decides act in one transaction, then runs fn in
// the same transaction. A denial is audited and reported as not found (reads) or
// forbidden (changes to a person the actor can see).
func (s *Service) withPerson(ctx context.Context, a policy.Actor, act policy.Action, id string,
	fn func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error) error {
	var denied *policy.Decision
	var visible bool
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		denied = nil
		p, err := tx.FindPerson(ctx, a.NetworkID, id)
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				d := policy.Decision{Reason: "no such person"}
				denied = &d
				return nil
			}
			return err
		}
		f, err := s.facts(ctx, tx, a, p)
		if err != nil {
			return err
		}
		d := policy.Decide(a, act, policy.Resource{Person: f})
		if !d.Allow {
			visible = policy.Decide(a, policy.ViewPerson, policy.Resource{Person: f}).Allow
			denied = &d
			return nil
		}
		return fn(tx, p, f, d)
	})
	if err != nil {
		return err
	}
	if denied != nil {
		return s.deny(ctx, a, act, id, denied.Reason, !visible)
	}
	return nil
}
