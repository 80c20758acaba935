package accounts

import (
	"context"
	"slices"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
)

// ApplicationInput is the public online application form (beppu §11-1, fukuoka §10-1,
// katori §5, joso §8, sendai §6-1).
type ApplicationInput struct {
	OrgName            string   `json:"org_name"`
	OrgType            string   `json:"org_type"`
	Address            string   `json:"address"`
	Phone              string   `json:"phone"`
	AdminName          string   `json:"admin_name"`
	AdminEmail         string   `json:"admin_email"`
	AdminPhone         string   `json:"admin_phone"`
	AgreeTerms         bool     `json:"agree_terms"`
	AgreedUndertakings []string `json:"agreed_undertakings"`
}

// SubmitApplication records an application and returns a token for the applicant's
// notice page (the result notice, 通知書, is shown there once decided).
func (s *Service) SubmitApplication(ctx context.Context, net string, in ApplicationInput) (*domain.Application, string, error) {
	var app *domain.Application
	token, hash := domain.NewToken()
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		_, p, err := s.network(ctx, tx, net)
		if err != nil {
			return err
		}
		errs := domain.FieldErrors{}
		a := &domain.Application{NetworkID: net, ID: domain.NewID(), Status: domain.AppPending, NoticeHash: hash, CreatedAt: s.now()}
		a.OrgName = text(errs, "org_name", "組織名", in.OrgName, true, 100, false)
		a.OrgType = in.OrgType
		if p.OrgType(in.OrgType) == nil {
			errs.Add("org_type", "組織の種別を選んでください。")
		}
		a.Address = text(errs, "address", "所在地", in.Address, true, 200, false)
		a.Phone = phone(errs, "phone", "電話番号", in.Phone, true)
		a.AdminName = text(errs, "admin_name", p.Terms.AdminLabel+"の氏名", in.AdminName, true, 100, false)
		a.AdminEmail = email(errs, "admin_email", p.Terms.AdminLabel+"のメールアドレス", in.AdminEmail, true)
		a.AdminPhone = phone(errs, "admin_phone", p.Terms.AdminLabel+"の電話番号", in.AdminPhone, false)
		if !in.AgreeTerms {
			errs.Add("agree_terms", "利用規約に同意してください。")
		}
		a.AgreedTerms = in.AgreeTerms
		// beppu §11-1: the applicant agrees to each of the undertakings (1)-(6).
		for _, u := range p.Undertakings {
			if !slices.Contains(in.AgreedUndertakings, u.Key) {
				errs.Add("undertakings", "遵守事項（"+p.UndertakingArticle+"）のすべてに同意してください。")
				break
			}
		}
		for _, k := range in.AgreedUndertakings {
			if !slices.ContainsFunc(p.Undertakings, func(u profile.Undertaking) bool { return u.Key == k }) {
				errs.Add("undertakings", "遵守事項の指定が正しくありません。")
				break
			}
			a.AgreedUndertakings = append(a.AgreedUndertakings, k)
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := tx.CreateApplication(ctx, a); err != nil {
			return err
		}
		app = a
		return s.log.Append(ctx, tx, event(ctx, net, nil, "application.submit", "application", a.ID,
			map[string]any{"org_type": a.OrgType}))
	})
	if err != nil {
		return nil, "", err
	}
	return app, token, nil
}

// ApplicationNotice returns an application to its applicant, who proves it with
// the token from submission.
func (s *Service) ApplicationNotice(ctx context.Context, net, id, token string) (*domain.Application, error) {
	var app *domain.Application
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		a, err := tx.FindApplication(ctx, net, id)
		if err != nil {
			return err
		}
		if token == "" || domain.HashToken(token) != a.NoticeHash {
			return domain.ErrNotFound
		}
		app = a
		return nil
	})
	return app, err
}

// Applications lists applications for the operator's review queue.
func (s *Service) Applications(ctx context.Context, a policy.Actor, status domain.ApplicationStatus) ([]*domain.Application, error) {
	if err := s.authorize(ctx, a, policy.ReviewApplications, policy.Resource{}, "application", ""); err != nil {
		return nil, err
	}
	var out []*domain.Application
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.FindApplications(ctx, a.NetworkID, status)
		return err
	})
	return out, err
}

// Application returns one application for review.
func (s *Service) Application(ctx context.Context, a policy.Actor, id string) (*domain.Application, error) {
	if err := s.authorize(ctx, a, policy.ReviewApplications, policy.Resource{}, "application", id); err != nil {
		return nil, err
	}
	var app *domain.Application
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		app, err = tx.FindApplication(ctx, a.NetworkID, id)
		return err
	})
	return app, err
}

// ApproveApplication approves a pending application, optionally with conditions
// shown to the organization (beppu §11-2, fukuoka §11-1), creating the organization
// and its admin with a temporary ID and password.
func (s *Service) ApproveApplication(ctx context.Context, a policy.Actor, id, conditions string) (*domain.Organization, Credentials, error) {
	if err := s.authorize(ctx, a, policy.ReviewApplications, policy.Resource{}, "application", id); err != nil {
		return nil, Credentials{}, err
	}
	errs := domain.FieldErrors{}
	conditions = text(errs, "conditions", "許可の条件", conditions, false, 2000, true)
	if err := errs.Err(); err != nil {
		return nil, Credentials{}, err
	}
	var org *domain.Organization
	var creds Credentials
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		app, err := tx.FindApplication(ctx, a.NetworkID, id)
		if err != nil {
			return err
		}
		if app.Status != domain.AppPending {
			return domain.Errorf(domain.ECONFLICT, "この申請は既に処理されています。")
		}
		now := s.now()
		org = &domain.Organization{NetworkID: a.NetworkID, ID: domain.NewID(), Name: app.OrgName, Type: app.OrgType,
			Address: app.Address, Phone: app.Phone, Status: domain.OrgActive, Conditions: conditions,
			ApplicationID: app.ID, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateOrganization(ctx, org); err != nil {
			return err
		}
		u, c := s.newUser(a.NetworkID, domain.RoleAdmin, org.ID, app.AdminName, app.AdminEmail)
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		creds = c
		app.Status, app.Conditions, app.DecidedBy, app.DecidedAt, app.OrgID = domain.AppApproved, conditions, a.UserID, now, org.ID
		if err := tx.UpdateApplication(ctx, app); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, "application.approve", "application", app.ID,
			map[string]any{"organization": org.ID, "admin": u.ID, "with_conditions": conditions != ""}))
	})
	return org, creds, err
}

// RejectApplication rejects a pending application with a reason the applicant sees.
func (s *Service) RejectApplication(ctx context.Context, a policy.Actor, id, reason string) error {
	if err := s.authorize(ctx, a, policy.ReviewApplications, policy.Resource{}, "application", id); err != nil {
		return err
	}
	errs := domain.FieldErrors{}
	reason = text(errs, "reason", "却下の理由", reason, true, 2000, true)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.st.Transact(ctx, func(tx store.Tx) error {
		app, err := tx.FindApplication(ctx, a.NetworkID, id)
		if err != nil {
			return err
		}
		if app.Status != domain.AppPending {
			return domain.Errorf(domain.ECONFLICT, "この申請は既に処理されています。")
		}
		app.Status, app.RejectReason, app.DecidedBy, app.DecidedAt = domain.AppRejected, reason, a.UserID, s.now()
		if err := tx.UpdateApplication(ctx, app); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a.NetworkID, &a, "application.reject", "application", app.ID, nil))
	})
}
