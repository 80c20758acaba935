package accounts

import (
	"context"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
	"renraku/internal/validate"
)

// Organizations lists the network's organizations for the operator.
func (s *Service) Organizations(ctx context.Context, a policy.Actor, f domain.OrgFilter) ([]*domain.Organization, error) {
	if err := s.authorize(ctx, a, policy.ViewOrganizations, policy.Resource{}, "organization", ""); err != nil {
		return nil, err
	}
	var out []*domain.Organization
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.FindOrganizations(ctx, a.NetworkID, f)
		return err
	})
	return out, err
}

// Organization returns one organization to its admin or the operator.
func (s *Service) Organization(ctx context.Context, a policy.Actor, id string) (*domain.Organization, error) {
	if err := s.authorize(ctx, a, policy.ViewOrganization, policy.Resource{OrgID: id}, "organization", id); err != nil {
		return nil, err
	}
	var o *domain.Organization
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		o, err = tx.FindOrganization(ctx, a.NetworkID, id)
		return err
	})
	return o, err
}

// orgChange loads an organization, applies fn and audits the change, in one transaction.
func (s *Service) orgChange(ctx context.Context, a policy.Actor, act policy.Action, id, action string, fn func(tx store.Tx, o *domain.Organization) (map[string]any, error)) error {
	if err := s.authorize(ctx, a, act, policy.Resource{OrgID: id}, "organization", id); err != nil {
		return err
	}
	return s.st.Transact(ctx, func(tx store.Tx) error {
		o, err := tx.FindOrganization(ctx, a.NetworkID, id)
		if err != nil {
			return err
		}
		detail, err := fn(tx, o)
		if err != nil {
			return err
		}
		o.UpdatedAt = s.now()
		if err := tx.UpdateOrganization(ctx, o); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, action, "organization", id, detail))
	})
}

// SuspendOrganization stops an organization at once (katori §30, beppu §11-5,
// fukuoka §13): from the next request, none of its users' sessions or tokens work.
func (s *Service) SuspendOrganization(ctx context.Context, a policy.Actor, id, reason string) error {
	errs := domain.FieldErrors{}
	reason = text(errs, "reason", "停止の理由", reason, true, 1000, true)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.orgChange(ctx, a, policy.SuspendOrganization, id, "organization.suspend", func(tx store.Tx, o *domain.Organization) (map[string]any, error) {
		if o.Status != domain.OrgActive {
			return nil, domain.Errorf(domain.ECONFLICT, "この組織は利用中ではありません。")
		}
		o.Status, o.SuspendReason = domain.OrgSuspended, reason
		return map[string]any{"reason": reason}, nil
	})
}

// UnsuspendOrganization lifts a suspension.
func (s *Service) UnsuspendOrganization(ctx context.Context, a policy.Actor, id string) error {
	return s.orgChange(ctx, a, policy.SuspendOrganization, id, "organization.unsuspend", func(tx store.Tx, o *domain.Organization) (map[string]any, error) {
		if o.Status != domain.OrgSuspended {
			return nil, domain.Errorf(domain.ECONFLICT, "この組織は停止されていません。")
		}
		o.Status, o.SuspendReason = domain.OrgActive, ""
		return nil, nil
	})
}

// WithdrawOrganization ends an organization's use (利用廃止: katori §9, joso §13,
// sendai §8, beppu §11-4, fukuoka §16): every account of it is revoked at once and
// what it wrote stays.
func (s *Service) WithdrawOrganization(ctx context.Context, a policy.Actor, id, reason string) error {
	errs := domain.FieldErrors{}
	reason = text(errs, "reason", "廃止の理由", reason, false, 1000, true)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.orgChange(ctx, a, policy.ManageOrganization, id, "organization.withdraw", func(tx store.Tx, o *domain.Organization) (map[string]any, error) {
		if o.Status == domain.OrgWithdrawn {
			return nil, domain.Errorf(domain.ECONFLICT, "この組織は既に利用廃止されています。")
		}
		users, err := tx.FindUsers(ctx, a.NetworkID, domain.UserFilter{OrgID: id})
		if err != nil {
			return nil, err
		}
		revoked := 0
		for _, u := range users {
			if u.Status == domain.UserRevoked {
				continue
			}
			if err := s.revoke(ctx, tx, u); err != nil {
				return nil, err
			}
			revoked++
		}
		o.Status, o.SuspendReason = domain.OrgWithdrawn, reason
		return map[string]any{"accounts_revoked": revoked}, nil
	})
}

// ChangeAdmin records a change of organization admin (beppu §11-3): the old admin's
// ID is revoked and the new admin gets a temporary ID and password.
func (s *Service) ChangeAdmin(ctx context.Context, a policy.Actor, orgID, name, mail string) (Credentials, error) {
	errs := domain.FieldErrors{}
	name = text(errs, "admin_name", "新しい管理者の氏名", name, true, 100, false)
	mail = email(errs, "admin_email", "新しい管理者のメールアドレス", mail, false)
	if err := errs.Err(); err != nil {
		return Credentials{}, err
	}
	var creds Credentials
	err := s.orgChange(ctx, a, policy.ManageOrganization, orgID, "organization.change_admin", func(tx store.Tx, o *domain.Organization) (map[string]any, error) {
		if o.Status == domain.OrgWithdrawn {
			return nil, domain.Errorf(domain.ECONFLICT, "利用廃止された組織です。")
		}
		admins, err := tx.FindUsers(ctx, a.NetworkID, domain.UserFilter{OrgID: orgID, Role: domain.RoleAdmin})
		if err != nil {
			return nil, err
		}
		var old []string
		for _, u := range admins {
			if u.Status == domain.UserRevoked {
				continue
			}
			if err := s.revoke(ctx, tx, u); err != nil {
				return nil, err
			}
			old = append(old, u.ID)
		}
		u, c := s.newUser(a.NetworkID, domain.RoleAdmin, orgID, name, mail)
		if err := tx.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		creds = c
		return map[string]any{"revoked_admins": old, "new_admin": u.ID}, nil
	})
	return creds, err
}

// revoke makes an ID invalid for good (失効) and ends its sessions and tokens.
func (s *Service) revoke(ctx context.Context, tx store.Tx, u *domain.User) error {
	now := s.now()
	u.Status, u.UpdatedAt = domain.UserRevoked, now
	if err := tx.UpdateUser(ctx, u); err != nil {
		return err
	}
	_, err := tx.RevokeUserSessions(ctx, u.NetworkID, u.ID, now)
	return err
}

// SetOrganizationCode records an organization's 事業所番号 / 医療機関コード (10
// digits), by which imported claims find it (fukuoka §19の2). Only the operator sets
// it: a wrong code would give an organization claims-based access to strangers.
func (s *Service) SetOrganizationCode(ctx context.Context, a policy.Actor, id, code string) error {
	errs := domain.FieldErrors{}
	code = validate.Digits(errs, "code", "事業所番号", code, false, 10)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.orgChange(ctx, a, policy.ManageOrganization, id, "organization.code", func(tx store.Tx, o *domain.Organization) (map[string]any, error) {
		old := o.Code
		o.Code = code
		return map[string]any{"from": old, "to": code}, nil
	})
}
