package accounts

import (
	"context"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
)

// AuditEvents is the operator's (and fukuoka's auditor's, §35) audit viewer. Looking
// at the audit log is itself audited.
func (s *Service) AuditEvents(ctx context.Context, a policy.Actor, f domain.AuditFilter) ([]*domain.AuditEvent, int, error) {
	if err := s.authorize(ctx, a, policy.ViewAudit, policy.Resource{}, "audit", ""); err != nil {
		return nil, 0, err
	}
	errs := domain.FieldErrors{}
	f.ActorLogin = text(errs, "actor", "操作者ID", f.ActorLogin, false, 64, false)
	f.ActorOrgID = text(errs, "org", "組織", f.ActorOrgID, false, 64, false)
	f.Action = text(errs, "action", "操作", f.Action, false, 64, false)
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs.Add("to", "終了日は開始日より後にしてください。")
	}
	if f.Limit < 0 || f.Limit > 500 || f.Offset < 0 {
		errs.Add("limit", "表示件数の指定が正しくありません。")
	}
	if err := errs.Err(); err != nil {
		return nil, 0, err
	}
	var out []*domain.AuditEvent
	var total int
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		if out, total, err = tx.FindAuditEvents(ctx, a.NetworkID, f); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, "audit.view", "audit", "",
			map[string]any{"actor": f.ActorLogin, "org": f.ActorOrgID, "action": f.Action, "results": len(out)}))
	})
	return out, total, err
}

// SeedCredentials sets a known login ID, password and TOTP secret on an account,
// skipping first-login setup. Only `renraku demo` and tests call it, so that a person
// trying the demo can log in from the printed table; it is audited like any change.
func (s *Service) SeedCredentials(ctx context.Context, net, userID, loginID, password, totpSecret string) error {
	return s.st.Transact(ctx, func(tx store.Tx) error {
		u, err := tx.FindUser(ctx, net, userID)
		if err != nil {
			return err
		}
		now := s.now()
		if loginID != "" {
			u.LoginID = loginID
		}
		u.PasswordHash, u.MustChangePassword, u.PasswordChangedAt, u.UpdatedAt = hashPassword(s.argon, password), false, now, now
		if totpSecret != "" {
			u.TOTPSecret = s.keys.Seal("totp", []byte(totpSecret), []byte(u.NetworkID+"/"+u.ID))
			// A new secret starts a new sequence of steps.
			u.TOTPEnabled, u.TOTPLastStep = true, 0
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, net, nil, "demo.seed_credentials", "user", u.ID, nil))
	})
}
