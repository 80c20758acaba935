package accounts

import (
	"context"

	"renraku/internal/domain"
	"renraku/internal/profile"
	"renraku/internal/store"
)

// NewNetwork is what `renraku network create` takes.
type NewNetwork struct {
	ID, Profile, Name string
	// The first operator account (holding the profile's approval role).
	OperatorName, OperatorEmail string
}

// CreateNetwork creates a network and its first operator, returning the operator's
// temporary credentials. Run from the command line by whoever installs renraku.
func (s *Service) CreateNetwork(ctx context.Context, in NewNetwork) (Credentials, error) {
	errs := domain.FieldErrors{}
	if !ValidNetworkID(in.ID) {
		errs.Add("id", "ネットワークIDは英小文字で始まる英小文字・数字・ハイフンの2〜32文字にしてください。")
	}
	p, err := profile.Get(in.Profile)
	if err != nil {
		errs.Add("profile", "プロファイルが見つかりません: "+in.Profile)
	}
	name := text(errs, "name", "ネットワーク名", in.Name, false, 100, false)
	opName := text(errs, "operator_name", "運営者の氏名", in.OperatorName, true, 100, false)
	opEmail := email(errs, "operator_email", "運営者のメールアドレス", in.OperatorEmail, false)
	if err := errs.Err(); err != nil {
		return Credentials{}, err
	}
	if name == "" {
		name = p.Name
	}
	var creds Credentials
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		now := s.now()
		if err := tx.CreateNetwork(ctx, &domain.Network{ID: in.ID, Profile: p.ID, Name: name, CreatedAt: now}); err != nil {
			if domain.ErrorCode(err) == domain.ECONFLICT {
				return domain.Errorf(domain.ECONFLICT, "ネットワーク「%s」は既に存在します。", in.ID)
			}
			return err
		}
		u, c := s.newUser(in.ID, domain.RoleOperator, "", opName, opEmail)
		u.OperatorRole = p.ApprovalRole
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		creds = c
		return s.log.Append(ctx, tx, event(ctx, in.ID, nil, "network.create", "network", in.ID,
			map[string]any{"profile": p.ID, "first_operator": u.ID, "operator_role": u.OperatorRole}))
	})
	return creds, err
}
