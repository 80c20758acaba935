package accounts

import (
	"context"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
)

// StaffInput describes a staff account to issue or request.
type StaffInput struct {
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Occupation  string `json:"occupation"`
}

func checkStaff(p *profile.Profile, in StaffInput) (StaffInput, error) {
	errs := domain.FieldErrors{}
	in.DisplayName = text(errs, "display_name", "氏名", in.DisplayName, true, 100, false)
	in.Email = email(errs, "email", "メールアドレス", in.Email, false)
	if p.Occupation(in.Occupation) == nil {
		errs.Add("occupation", "職種を選んでください。")
	}
	return in, errs.Err()
}

// activeOrg loads an organization that may still get accounts.
func activeOrg(ctx context.Context, tx store.Tx, net, id string) (*domain.Organization, error) {
	o, err := tx.FindOrganization(ctx, net, id)
	if err != nil {
		return nil, err
	}
	if o.Status != domain.OrgActive {
		return nil, domain.Errorf(domain.ECONFLICT, "この組織は利用中ではないため、アカウントを発行できません。")
	}
	return o, nil
}

// IssueStaff issues a staff account with a temporary ID and password: by the
// organization admin (katori §6-2, sendai §6-3, beppu §13-2, fukuoka §11-2) or, in
// joso (§10), by the operator.
func (s *Service) IssueStaff(ctx context.Context, a policy.Actor, orgID string, in StaffInput) (Credentials, error) {
	if err := s.authorize(ctx, a, policy.IssueStaff, policy.Resource{OrgID: orgID}, "organization", orgID); err != nil {
		return Credentials{}, err
	}
	in, err := checkStaff(a.Profile, in)
	if err != nil {
		return Credentials{}, err
	}
	var creds Credentials
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		if _, err := activeOrg(ctx, tx, a.NetworkID, orgID); err != nil {
			return err
		}
		u, c := s.newUser(a.NetworkID, domain.RoleStaff, orgID, in.DisplayName, in.Email)
		u.Occupation = in.Occupation
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		creds = c
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, "user.issue", "user", u.ID,
			map[string]any{"role": "staff", "organization": orgID, "occupation": in.Occupation}))
	})
	return creds, err
}

// RequestStaff files an admin's request for a staff account to the operator (joso
// §10-1..2), or for a new ID when a staff member lost theirs (joso §10-4..6,
// targetUserID set).
func (s *Service) RequestStaff(ctx context.Context, a policy.Actor, orgID string, in StaffInput, targetUserID string) (*domain.StaffRequest, error) {
	act := policy.RequestStaff
	if targetUserID != "" {
		act = policy.RequestReissue
	}
	if err := s.authorize(ctx, a, act, policy.Resource{OrgID: orgID}, "organization", orgID); err != nil {
		return nil, err
	}
	var req *domain.StaffRequest
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		if _, err := activeOrg(ctx, tx, a.NetworkID, orgID); err != nil {
			return err
		}
		r := &domain.StaffRequest{NetworkID: a.NetworkID, ID: domain.NewID(), OrgID: orgID, RequestedBy: a.UserID,
			Kind: "new", Status: domain.StaffRequestPending, CreatedAt: s.now()}
		if targetUserID != "" {
			t, err := tx.FindUser(ctx, a.NetworkID, targetUserID)
			if err != nil || t.OrgID != orgID || t.Role != domain.RoleStaff {
				return domain.ErrNotFound
			}
			if t.Status == domain.UserRevoked {
				return domain.Errorf(domain.ECONFLICT, "このIDは既に失効しています。")
			}
			r.Kind, r.TargetUserID, r.DisplayName, r.Email, r.Occupation = "reissue", t.ID, t.DisplayName, t.Email, t.Occupation
		} else {
			in, err := checkStaff(a.Profile, in)
			if err != nil {
				return err
			}
			r.DisplayName, r.Email, r.Occupation = in.DisplayName, in.Email, in.Occupation
		}
		if err := tx.CreateStaffRequest(ctx, r); err != nil {
			return err
		}
		req = r
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, "staff_request.create", "staff_request", r.ID,
			map[string]any{"kind": r.Kind, "target": r.TargetUserID}))
	})
	return req, err
}

// StaffRequests lists requests: the operator sees all pending ones, an admin their own.
func (s *Service) StaffRequests(ctx context.Context, a policy.Actor, orgID string) ([]*domain.StaffRequest, error) {
	act := policy.DecideStaffRequest
	if orgID != "" {
		act = policy.RequestStaff
		if !policy.Decide(a, act, policy.Resource{OrgID: orgID}).Allow {
			act = policy.RequestReissue
		}
	}
	if err := s.authorize(ctx, a, act, policy.Resource{OrgID: orgID}, "staff_request", ""); err != nil {
		return nil, err
	}
	var out []*domain.StaffRequest
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		status := domain.StaffRequestPending
		if orgID != "" {
			status = ""
		}
		var err error
		out, err = tx.FindStaffRequests(ctx, a.NetworkID, orgID, status)
		return err
	})
	return out, err
}

// DecideStaffRequest issues (or rejects) a requested staff account. For a reissue
// the old ID is stopped and a new ID and password issued (joso §10-6).
func (s *Service) DecideStaffRequest(ctx context.Context, a policy.Actor, id string, approve bool, reason string) (Credentials, error) {
	if err := s.authorize(ctx, a, policy.DecideStaffRequest, policy.Resource{}, "staff_request", id); err != nil {
		return Credentials{}, err
	}
	errs := domain.FieldErrors{}
	reason = text(errs, "reason", "理由", reason, !approve, 1000, true)
	if err := errs.Err(); err != nil {
		return Credentials{}, err
	}
	var creds Credentials
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		r, err := tx.FindStaffRequest(ctx, a.NetworkID, id)
		if err != nil {
			return err
		}
		if r.Status != domain.StaffRequestPending {
			return domain.Errorf(domain.ECONFLICT, "この依頼は既に処理されています。")
		}
		r.DecidedBy, r.DecidedAt, r.Reason = a.UserID, s.now(), reason
		if !approve {
			r.Status = domain.StaffRequestRejected
			if err := tx.UpdateStaffRequest(ctx, r); err != nil {
				return err
			}
			return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, "staff_request.reject", "staff_request", r.ID, nil))
		}
		if _, err := activeOrg(ctx, tx, a.NetworkID, r.OrgID); err != nil {
			return err
		}
		u, c := s.newUser(a.NetworkID, domain.RoleStaff, r.OrgID, r.DisplayName, r.Email)
		u.Occupation = r.Occupation
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if r.TargetUserID != "" {
			old, err := tx.FindUser(ctx, a.NetworkID, r.TargetUserID)
			if err != nil {
				return err
			}
			old.ReplacedBy = u.ID
			if err := s.revoke(ctx, tx, old); err != nil {
				return err
			}
		}
		creds = c
		r.Status, r.UserID = domain.StaffRequestIssued, u.ID
		if err := tx.UpdateStaffRequest(ctx, r); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, "staff_request.issue", "staff_request", r.ID,
			map[string]any{"user": u.ID, "replaces": r.TargetUserID}))
	})
	return creds, err
}

// Users lists an organization's accounts (orgID set) or the network-level accounts.
func (s *Service) Users(ctx context.Context, a policy.Actor, orgID string) ([]*domain.User, error) {
	if err := s.authorize(ctx, a, policy.ListUsers, policy.Resource{OrgID: orgID}, "organization", orgID); err != nil {
		return nil, err
	}
	var out []*domain.User
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.FindUsers(ctx, a.NetworkID, domain.UserFilter{OrgID: orgID, NoOrgOnly: orgID == ""})
		return err
	})
	return out, err
}

// userChange loads the target user, asks the policy about act, applies fn and
// audits, all in one transaction.
func (s *Service) userChange(ctx context.Context, a policy.Actor, act policy.Action, userID, action string,
	fn func(tx store.Tx, u *domain.User) (map[string]any, error)) error {
	var target *domain.User
	if err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		target, err = tx.FindUser(ctx, a.NetworkID, userID)
		return err
	}); err != nil {
		return err
	}
	res := policy.Resource{OrgID: target.OrgID, UserID: target.ID, UserRole: target.Role}
	if err := s.authorize(ctx, a, act, res, "user", userID); err != nil {
		return err
	}
	return s.st.Transact(ctx, func(tx store.Tx) error {
		u, err := tx.FindUser(ctx, a.NetworkID, userID)
		if err != nil {
			return err
		}
		if u.OrgID != target.OrgID || u.Role != target.Role {
			return domain.Errorf(domain.ECONFLICT, "アカウントが変更されました。もう一度お試しください。")
		}
		detail, err := fn(tx, u)
		if err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, action, "user", userID, detail))
	})
}

// RevokeUser revokes an ID at once (a leaver: beppu §13-6, fukuoka §16-5).
func (s *Service) RevokeUser(ctx context.Context, a policy.Actor, userID string) error {
	return s.userChange(ctx, a, policy.ManageUser, userID, "user.revoke", func(tx store.Tx, u *domain.User) (map[string]any, error) {
		if u.Status == domain.UserRevoked {
			return nil, domain.Errorf(domain.ECONFLICT, "このIDは既に失効しています。")
		}
		return nil, s.revoke(ctx, tx, u)
	})
}

// ReissueCredentials handles a lost ID or password (katori §10, sendai §9, beppu
// §12-4..5, fukuoka §12-4..5): a new temporary password for the same ID; the old
// password, the second factor and every session stop working at once. In
// profiles where a reissue means a new ID (joso §10-6) the old ID is stopped and a
// new one issued.
func (s *Service) ReissueCredentials(ctx context.Context, a policy.Actor, userID string) (Credentials, error) {
	var creds Credentials
	err := s.userChange(ctx, a, policy.ManageUser, userID, "user.reissue", func(tx store.Tx, u *domain.User) (map[string]any, error) {
		if u.Status == domain.UserRevoked {
			return nil, domain.Errorf(domain.ECONFLICT, "失効したIDは再発行できません。")
		}
		if a.Profile.ReissueNewID {
			nu, c := s.newUser(a.NetworkID, u.Role, u.OrgID, u.DisplayName, u.Email)
			nu.Occupation, nu.OperatorRole = u.Occupation, u.OperatorRole
			if err := tx.CreateUser(ctx, nu); err != nil {
				return nil, err
			}
			u.ReplacedBy = nu.ID
			if err := s.revoke(ctx, tx, u); err != nil {
				return nil, err
			}
			creds = c
			return map[string]any{"new_user": nu.ID, "old_id_stopped": true}, nil
		}
		pw := domain.NewTempPassword()
		now := s.now()
		u.PasswordHash, u.MustChangePassword = hashPassword(s.argon, pw), true
		u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep = "", false, 0
		u.FailedLogins, u.LockedUntil, u.UpdatedAt = 0, timeZero, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return nil, err
		}
		if _, err := tx.RevokeUserSessions(ctx, a.NetworkID, u.ID, now); err != nil {
			return nil, err
		}
		creds = Credentials{UserID: u.ID, LoginID: u.LoginID, Password: pw, DisplayName: u.DisplayName}
		return map[string]any{"second_factor_reset": true}, nil
	})
	return creds, err
}

// SuspendUser suspends an account at once, without the holder's consent (katori
// §30, joso §29, sendai §28): its sessions and tokens stop on the next request.
func (s *Service) SuspendUser(ctx context.Context, a policy.Actor, userID, reason string) error {
	errs := domain.FieldErrors{}
	reason = text(errs, "reason", "停止の理由", reason, true, 1000, true)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.userChange(ctx, a, policy.SuspendUser, userID, "user.suspend", func(tx store.Tx, u *domain.User) (map[string]any, error) {
		if u.Status != domain.UserActive {
			return nil, domain.Errorf(domain.ECONFLICT, "このアカウントは利用中ではありません。")
		}
		now := s.now()
		u.Status, u.SuspendReason, u.UpdatedAt = domain.UserSuspended, reason, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return nil, err
		}
		n, err := tx.RevokeUserSessions(ctx, a.NetworkID, u.ID, now)
		return map[string]any{"reason": reason, "sessions_ended": n}, err
	})
}

// UnsuspendUser lifts a suspension.
func (s *Service) UnsuspendUser(ctx context.Context, a policy.Actor, userID string) error {
	return s.userChange(ctx, a, policy.SuspendUser, userID, "user.unsuspend", func(tx store.Tx, u *domain.User) (map[string]any, error) {
		if u.Status != domain.UserSuspended {
			return nil, domain.Errorf(domain.ECONFLICT, "このアカウントは停止されていません。")
		}
		u.Status, u.SuspendReason, u.UpdatedAt = domain.UserActive, "", s.now()
		return nil, tx.UpdateUser(ctx, u)
	})
}

// NetworkAccountInput describes a network-level account: municipal staff (beppu
// §14), another operator role, an auditor (fukuoka §35) or the contracted vendor.
type NetworkAccountInput struct {
	Role         domain.Role `json:"role"`
	OperatorRole string      `json:"operator_role"`
	DisplayName  string      `json:"display_name"`
	Email        string      `json:"email"`
	Occupation   string      `json:"occupation"`
}

// IssueNetworkAccount issues a network-level account with a temporary ID and password.
func (s *Service) IssueNetworkAccount(ctx context.Context, a policy.Actor, in NetworkAccountInput) (Credentials, error) {
	if err := s.authorize(ctx, a, policy.IssueNetworkAccount, policy.Resource{UserRole: in.Role}, "user", ""); err != nil {
		return Credentials{}, err
	}
	errs := domain.FieldErrors{}
	in.DisplayName = text(errs, "display_name", "氏名", in.DisplayName, true, 100, false)
	in.Email = email(errs, "email", "メールアドレス", in.Email, false)
	switch in.Role {
	case domain.RoleOperator:
		if a.Profile.OperatorRole(in.OperatorRole) == nil {
			errs.Add("operator_role", "運営者の役割を選んでください。")
		}
	default:
		in.OperatorRole = ""
	}
	if in.Occupation != "" && (in.Role != domain.RoleMunicipal || a.Profile.Occupation(in.Occupation) == nil) {
		errs.Add("occupation", "職種の指定が正しくありません（職種は行政利用者のみ、一覧から選びます）。")
	}
	if err := errs.Err(); err != nil {
		return Credentials{}, err
	}
	var creds Credentials
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		u, c := s.newUser(a.NetworkID, in.Role, "", in.DisplayName, in.Email)
		u.OperatorRole, u.Occupation = in.OperatorRole, in.Occupation
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		creds = c
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, "user.issue", "user", u.ID,
			map[string]any{"role": string(in.Role), "operator_role": in.OperatorRole}))
	})
	return creds, err
}
