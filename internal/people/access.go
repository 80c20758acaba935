package people

import (
	"context"
	"strings"
	"time"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/validate"
)

func activeOrgOf(ctx context.Context, tx store.Tx, net, orgID, field string) error {
	o, err := tx.FindOrganization(ctx, net, orgID)
	if err != nil || o.Status != domain.OrgActive {
		return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{field: "組織が見つからないか、利用中ではありません。"}}
	}
	return nil
}

// grant gives org access of kind to the person unless it already holds it.
func grant(ctx context.Context, tx store.Tx, a policy.Actor, personID, orgID, kind string) (*domain.Access, error) {
	rows, err := tx.FindOrgAccess(ctx, a.NetworkID, personID, orgID, profile.Today(a.Now))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.Kind == kind {
			return nil, domain.Errorf(domain.ECONFLICT, "この組織は既に閲覧できます。")
		}
	}
	acc := &domain.Access{NetworkID: a.NetworkID, ID: domain.NewID(), PersonID: personID, OrgID: orgID, Kind: kind,
		GrantedBy: a.UserID, GrantedByOrg: a.OrgID, CreatedAt: a.Now.UTC()}
	return acc, tx.CreateAccess(ctx, acc)
}

// AddToTeam adds an organization to the person's care team (katori, joso, sendai):
// a team member or the operator does it.
func (s *Service) AddToTeam(ctx context.Context, a policy.Actor, personID, orgID string) error {
	return s.withPerson(ctx, a, policy.ManageTeam, personID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		if err := activeOrgOf(ctx, tx, a.NetworkID, orgID, "org_id"); err != nil {
			return err
		}
		acc, err := grant(ctx, tx, a, p.ID, orgID, domain.AccessTeam)
		if err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "team.add", "access", acc.ID, p.ID, map[string]any{"organization": orgID}))
	})
}

// GrantAccess lets another organization serving the person read and write its
// record: the care-plan office grants (beppu §17-4); under claims-based access
// permitted organizations grant others (fukuoka §19-2..5).
func (s *Service) GrantAccess(ctx context.Context, a policy.Actor, personID, orgID string) error {
	return s.withPerson(ctx, a, policy.GrantAccess, personID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		if p.Consent != domain.ConsentActive {
			return domain.Errorf(domain.ECONFLICT, "同意が登録されていないため、他の組織に閲覧を許可できません。")
		}
		if err := activeOrgOf(ctx, tx, a.NetworkID, orgID, "org_id"); err != nil {
			return err
		}
		acc, err := grant(ctx, tx, a, p.ID, orgID, domain.AccessGranted)
		if err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "access.grant", "access", acc.ID, p.ID, map[string]any{"organization": orgID}))
	})
}

// EndAccess ends an access row: a team member leaving, a grant revoked by the
// care-plan office (beppu §17-5), or the care-plan office's own access when it no
// longer writes the plan (beppu §17-2). It takes effect on the next request.
func (s *Service) EndAccess(ctx context.Context, a policy.Actor, personID, accessID, reason string) error {
	errs := domain.FieldErrors{}
	reason = validate.Text(errs, "reason", "理由", reason, true, 500, false)
	if err := errs.Err(); err != nil {
		return err
	}
	var target *domain.Access
	if err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		target, err = tx.FindAccess(ctx, a.NetworkID, accessID)
		return err
	}); err != nil || target.PersonID != personID {
		return domain.ErrNotFound
	}
	act := policy.RevokeAccess
	if target.Kind == domain.AccessTeam {
		act = policy.ManageTeam
	}
	return s.withPerson(ctx, a, act, personID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		acc, err := tx.FindAccess(ctx, a.NetworkID, accessID)
		if err != nil {
			return err
		}
		if !acc.EndedAt.IsZero() {
			return domain.Errorf(domain.ECONFLICT, "この閲覧権限は既に終了しています。")
		}
		acc.EndedAt, acc.EndedBy, acc.EndReason = a.Now.UTC(), a.UserID, reason
		if err := tx.UpdateAccess(ctx, acc); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "access.end", "access", acc.ID, p.ID,
			map[string]any{"organization": acc.OrgID, "kind": acc.Kind, "reason": reason}))
	})
}

// AssignCarePlan records which office writes the person's care plan; the previous
// office's care-plan access ends (beppu §17-1..2; the operator may reassign).
func (s *Service) AssignCarePlan(ctx context.Context, a policy.Actor, personID, orgID string) error {
	return s.withPerson(ctx, a, policy.AssignCarePlan, personID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		if p.Consent != domain.ConsentActive {
			return domain.Errorf(domain.ECONFLICT, "同意が登録されていません。")
		}
		if err := setCarePlan(ctx, tx, a, p.ID, orgID); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "careplan.assign", "person", p.ID, p.ID, map[string]any{"organization": orgID}))
	})
}

// RequestAccess is an organization asking the care-plan office for access to a
// person it serves or will serve (beppu §17-3). The organization identifies the
// person by the care insured number and birth date it holds; nothing about the
// person is shown before the office answers.
func (s *Service) RequestAccess(ctx context.Context, a policy.Actor, insuredNo, birthDate, reason string) (*domain.AccessRequest, error) {
	if d := policy.Decide(a, policy.RequestAccess, policy.Resource{}); !d.Allow {
		return nil, s.deny(ctx, a, policy.RequestAccess, "", d.Reason, false)
	}
	errs := domain.FieldErrors{}
	// A care insured number is digits; a health one (fukuoka) may carry a symbol and
	// hyphens as printed on the card: match either form.
	insuredNo = validate.InsuredSymbol(errs, "insured_no", "被保険者番号", insuredNo, true)
	digitsOnly := strings.ReplaceAll(insuredNo, "-", "")
	birthDate = validate.Date(errs, "birth_date", "生年月日", birthDate, true, "1890-01-01", profile.Today(a.Now))
	reason = validate.Text(errs, "reason", "申請の理由", reason, true, 500, true)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var out *domain.AccessRequest
	notFound := &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
		Fields: map[string]string{"insured_no": "この被保険者番号と生年月日の対象者で、同意が登録された方は見つかりません。"}}
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		ps, err := tx.FindPeopleByInsuredNo(ctx, a.NetworkID, insuredNo)
		if err != nil {
			return err
		}
		if digitsOnly != insuredNo {
			more, err := tx.FindPeopleByInsuredNo(ctx, a.NetworkID, digitsOnly)
			if err != nil {
				return err
			}
			ps = append(ps, more...)
		}
		var p *domain.Person
		for _, x := range ps {
			if x.BirthDate == birthDate && x.Status == domain.PersonActive && x.Consent == domain.ConsentActive {
				p = x
			}
		}
		if p == nil {
			return notFound
		}
		r := &domain.AccessRequest{NetworkID: a.NetworkID, ID: domain.NewID(), PersonID: p.ID, OrgID: a.OrgID,
			RequestedBy: a.UserID, InsuredNo: insuredNo, BirthDate: birthDate, Reason: reason, Status: "pending",
			CreatedAt: a.Now.UTC()}
		if err := tx.CreateAccessRequest(ctx, r); err != nil {
			return err
		}
		out = r
		return s.log.Append(ctx, tx, event(ctx, a, "access.request", "access_request", r.ID, p.ID, nil))
	})
	return out, err
}

// DecideAccessRequest answers a request: the care-plan office (or the operator)
// grants or refuses (beppu §17-4).
func (s *Service) DecideAccessRequest(ctx context.Context, a policy.Actor, requestID string, approve bool) error {
	var r *domain.AccessRequest
	if err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.FindAccessRequest(ctx, a.NetworkID, requestID)
		return err
	}); err != nil {
		return err
	}
	return s.withPerson(ctx, a, policy.DecideAccess, r.PersonID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		req, err := tx.FindAccessRequest(ctx, a.NetworkID, requestID)
		if err != nil {
			return err
		}
		if req.Status != "pending" {
			return domain.Errorf(domain.ECONFLICT, "この申請は既に処理されています。")
		}
		req.Status, req.DecidedBy, req.DecidedAt = "refused", a.UserID, a.Now.UTC()
		if approve {
			req.Status = "granted"
			if _, err := grant(ctx, tx, a, p.ID, req.OrgID, domain.AccessGranted); err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
				return err
			}
		}
		if err := tx.UpdateAccessRequest(ctx, req); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "access.request."+req.Status, "access_request", req.ID, p.ID,
			map[string]any{"organization": req.OrgID}))
	})
}

// recentlyDecided is how long an answered request stays on the office's list.
const recentlyDecided = 30 * 24 * time.Hour

// OrgRef names an organization of the network. Organization names are not
// personal data: every member of the network may know who the others are, to
// choose whom to let see a person.
type OrgRef struct {
	ID     string
	Name   string
	Type   string // a key of the profile's org_types
	Status domain.OrgStatus
}

// Organizations lists the organizations of the actor's network, every status,
// by name: for naming them on a person's page and choosing one in its forms.
func (s *Service) Organizations(ctx context.Context, a policy.Actor) ([]OrgRef, error) {
	// Any signed-in member of the network who finished first-login setup.
	if d := policy.Decide(a, policy.UseService, policy.Resource{}); !d.Allow {
		return nil, s.deny(ctx, a, policy.UseService, "", d.Reason, false)
	}
	var out []OrgRef
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		out, err = orgRefs(ctx, tx, a.NetworkID)
		return err
	})
	return out, err
}

func orgRefs(ctx context.Context, tx store.Tx, net string) ([]OrgRef, error) {
	orgs, err := tx.FindOrganizations(ctx, net, domain.OrgFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]OrgRef, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, OrgRef{ID: o.ID, Name: o.Name, Type: o.Type, Status: o.Status})
	}
	return out, nil
}

// AccessRequestItem is one request for access on a list.
type AccessRequestItem struct {
	Request *domain.AccessRequest
	Org     OrgRef // the requesting organization
	// Person is, on the incoming list, the person asked about when the actor may
	// see them (a stub when the record is hidden); never set on the outgoing list.
	Person *domain.Person
	// CanDecide: the request is pending and the actor may grant or refuse it now.
	CanDecide bool
}

// AccessRequests lists the requests for access the actor deals with (beppu
// §17-3..4, fukuoka §19-3..5, §19の2-3..4).
//
// Incoming are the pending requests, and those answered in the last 30 days,
// about people the actor's organization may answer for (policy.DecideAccess:
// the care-plan office, or under claims-based access an organization allowed to
// view); the operator, who sees everyone, sees every open request of the
// network. Each person named is a read of their record, audited as one.
//
// Outgoing are the requests the actor's organization made, newest first, with
// their answer. The requester learns nothing of the person beyond what it typed:
// not who answered (that would name the person's care-plan office) and not the
// person, until a grant lets it see them; then Request.PersonID links to them.
func (s *Service) AccessRequests(ctx context.Context, a policy.Actor) (incoming, outgoing []*AccessRequestItem, err error) {
	mayRequest := policy.Decide(a, policy.RequestAccess, policy.Resource{}).Allow
	// The incoming list names people: it is filtered below, request by request,
	// by the policy.
	if d := policy.Decide(a, policy.ListAccessRequests, policy.Resource{}); !d.Allow {
		return nil, nil, s.deny(ctx, a, policy.ListAccessRequests, "", d.Reason, false)
	}
	everyone := policy.Scope(a, false).All
	today := profile.Today(a.Now)
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		incoming, outgoing = nil, nil
		refs, err := orgRefs(ctx, tx, a.NetworkID)
		if err != nil {
			return err
		}
		orgs := map[string]OrgRef{}
		for _, o := range refs {
			orgs[o.ID] = o
		}
		orgOf := func(id string) OrgRef {
			if o, ok := orgs[id]; ok {
				return o
			}
			return OrgRef{ID: id}
		}
		// Only an organization holding access to the person answers for them; the
		// store narrows to those, the policy decides each.
		via := a.OrgID
		if everyone {
			via = ""
		}
		open, err := tx.FindOpenAccessRequests(ctx, a.NetworkID, via, today, a.Now.Add(-recentlyDecided))
		if err != nil {
			return err
		}
		read := map[string]bool{}
		for _, r := range open {
			p, f, err := s.personFacts(ctx, tx, a, r.PersonID)
			if err != nil {
				return err
			}
			if p == nil {
				continue
			}
			may := policy.Decide(a, policy.DecideAccess, policy.Resource{Person: f}).Allow
			if !may && !everyone {
				continue
			}
			item := &AccessRequestItem{Request: r, Org: orgOf(r.OrgID), CanDecide: may && r.Status == "pending"}
			if d := policy.Decide(a, policy.ViewPerson, policy.Resource{Person: f}); d.Allow {
				item.Person = p
				if p.Status != domain.PersonActive {
					item.Person = hiddenStub(p)
				}
				// Naming the person is a read of their record: audited too.
				if !read[p.ID] {
					read[p.ID] = true
					if err := s.log.Append(ctx, tx, event(ctx, a, "person.view", "person", p.ID, p.ID,
						map[string]any{"via": d.Reason, "hidden": p.Status != domain.PersonActive, "as_access_request": r.ID})); err != nil {
						return err
					}
				}
			}
			incoming = append(incoming, item)
		}
		if mayRequest {
			mine, err := tx.FindOrgAccessRequests(ctx, a.NetworkID, a.OrgID)
			if err != nil {
				return err
			}
			for _, r := range mine {
				out := *r
				// Who answered would name the person's care-plan office (beppu §17-3).
				out.PersonID, out.DecidedBy = "", ""
				if r.Status == "granted" {
					// After a grant the requester may follow a link to the person, as long
					// as it may see them (a grant ends, consent is withdrawn).
					_, f, err := s.personFacts(ctx, tx, a, r.PersonID)
					if err != nil {
						return err
					}
					if f != nil && policy.Decide(a, policy.ViewPerson, policy.Resource{Person: f}).Allow {
						out.PersonID = r.PersonID
					}
				}
				outgoing = append(outgoing, &AccessRequestItem{Request: &out, Org: orgOf(r.OrgID)})
			}
		}
		return s.log.Append(ctx, tx, event(ctx, a, "access_requests.list", "access_requests", "", "",
			map[string]any{"incoming": len(incoming), "outgoing": len(outgoing)}))
	})
	if err != nil {
		return nil, nil, err // nothing leaves unless its audit events were written
	}
	return incoming, outgoing, nil
}

// personFacts loads a person and the policy's facts about them for the actor;
// both nil when there is no such person.
func (s *Service) personFacts(ctx context.Context, tx store.Tx, a policy.Actor, id string) (*domain.Person, *policy.PersonFacts, error) {
	p, err := tx.FindPerson(ctx, a.NetworkID, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	f, err := s.facts(ctx, tx, a, p)
	if err != nil {
		return nil, nil, err
	}
	return p, f, nil
}

// AccessLog lists who viewed or changed a person's record, newest first (beppu
// §10-3, fukuoka §9-3), for the operator; reading it is itself audited.
func (s *Service) AccessLog(ctx context.Context, a policy.Actor, personID string, f domain.AuditFilter) ([]*domain.AuditEvent, int, error) {
	var out []*domain.AuditEvent
	var total int
	err := s.withPerson(ctx, a, policy.ViewPersonLog, personID, func(tx store.Tx, p *domain.Person, pf *policy.PersonFacts, d policy.Decision) error {
		f.PersonID = p.ID
		var err error
		if out, total, err = tx.FindAuditEvents(ctx, a.NetworkID, f); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "person.access_log", "person", p.ID, p.ID, map[string]any{"results": len(out)}))
	})
	return out, total, err
}
