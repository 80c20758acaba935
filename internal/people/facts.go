package people

import (
	"context"

	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
)

// What capabilities built on people (messages about a person) share with it: the
// same facts for the policy, the same list form, the same store, audit log and
// clock, so that a person is decided and audited alike wherever they appear.

// FactsFor loads a person and the policy's facts about them for actor a, in tx;
// both nil when the network has no such person. a need not be the one making the
// request: a conversation about a person decides it for every participant.
func (s *Service) FactsFor(ctx context.Context, tx store.Tx, a policy.Actor, personID string) (*domain.Person, *policy.PersonFacts, error) {
	return s.personFacts(ctx, tx, a, personID)
}

// ScopeFor is the list form of policy.ViewPerson for a at the request's time (a
// declared disaster counts, joso §21), for the store to turn into SQL.
func (s *Service) ScopeFor(ctx context.Context, tx store.Tx, a policy.Actor) (domain.PersonScope, error) {
	disaster := false
	if a.Profile.People.Disaster.Enabled {
		d, err := activeDisaster(ctx, tx, a)
		if err != nil {
			return domain.PersonScope{}, err
		}
		disaster = d != nil
	}
	return policy.Scope(a, disaster), nil
}

// Store, AuditLog and Clock are the service's own.
func (s *Service) Store() store.Store   { return s.st }
func (s *Service) AuditLog() *audit.Log { return s.log }
func (s *Service) Clock() clock.Clock   { return s.clk }
