// Package accounts is the organizations-and-accounts capability: applications and
// their review, organizations, staff and network-level accounts, login with a second
// factor, sessions and tokens. Every change appends an audit event in the same
// transaction; every decision goes through policy.Decide.
package accounts

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/secret"
	"renraku/internal/store"
)

// Service runs the accounts capability.
type Service struct {
	st     store.Store
	log    *audit.Log
	keys   *secret.Keyring
	clk    clock.Clock
	argon  Argon2Params
	logger *slog.Logger
	// dummyHash is checked against when a login ID does not exist, with the same
	// cost as real hashes.
	dummyHash string

	// Per-address login limiting, in process memory; per-account lockout lives in
	// the database so it holds across processes.
	mu       sync.Mutex
	limiters map[string]*addrLimiter
	perAddr  rate.Limit
	burst    int
}

type addrLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

// Options tune a Service; the zero value is production.
type Options struct {
	Argon2 Argon2Params
	// LoginsPerMinutePerAddress bounds login attempts from one address (default 20,
	// burst 10).
	LoginsPerMinutePerAddress float64
	Logger                    *slog.Logger
}

// New returns the accounts service.
func New(st store.Store, log *audit.Log, keys *secret.Keyring, clk clock.Clock, o Options) *Service {
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2
	}
	if o.LoginsPerMinutePerAddress == 0 {
		o.LoginsPerMinutePerAddress = 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{st: st, log: log, keys: keys, clk: clk, argon: o.Argon2, logger: o.Logger,
		dummyHash: hashPassword(o.Argon2, "renraku-dummy-password"),
		limiters:  map[string]*addrLimiter{}, perAddr: rate.Limit(o.LoginsPerMinutePerAddress / 60), burst: 10}
}

// Clock returns the service's clock.
func (s *Service) Clock() clock.Clock { return s.clk }

// Credentials are a temporary ID and password (仮ID・仮パスワード), shown once.
type Credentials struct {
	UserID      string `json:"user_id"`
	LoginID     string `json:"login_id"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
}

func (s *Service) now() time.Time { return s.clk.Now().UTC().Truncate(time.Microsecond) }

// network loads a network and its profile.
func (s *Service) network(ctx context.Context, tx store.Tx, id string) (*domain.Network, *profile.Profile, error) {
	n, err := tx.FindNetwork(ctx, id)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, nil, domain.Errorf(domain.ENOTFOUND, "地域ネットワーク「%s」は見つかりません。", id)
		}
		return nil, nil, err
	}
	p, err := profile.Get(n.Profile)
	if err != nil {
		return nil, nil, err
	}
	return n, p, nil
}

// Network returns a network and its profile (for page headers and the portal).
func (s *Service) Network(ctx context.Context, id string) (*domain.Network, *profile.Profile, error) {
	var n *domain.Network
	var p *profile.Profile
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		n, p, err = s.network(ctx, tx, id)
		return err
	})
	return n, p, err
}

// Networks lists the networks of this installation.
func (s *Service) Networks(ctx context.Context) ([]*domain.Network, error) {
	var out []*domain.Network
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListNetworks(ctx)
		return err
	})
	return out, err
}

// event builds an audit event for actor (who may be nil for anonymous requests).
func event(ctx context.Context, net string, a *policy.Actor, action, targetType, targetID string, detail map[string]any) *domain.AuditEvent {
	m := domain.RequestMetaFrom(ctx)
	ev := &domain.AuditEvent{NetworkID: net, Action: action, TargetType: targetType, TargetID: targetID,
		RemoteAddr: m.RemoteAddr, RequestID: m.RequestID, Outcome: "ok"}
	if a != nil {
		ev.ActorUserID, ev.ActorLogin, ev.ActorOrgID = a.UserID, a.LoginID, a.OrgID
		ev.ActorRole = string(a.Role)
		if a.OperatorRole != "" {
			ev.ActorRole += "/" + a.OperatorRole
		}
	}
	if detail != nil {
		b, _ := json.Marshal(detail)
		ev.Detail = string(b)
	}
	return ev
}

// authorize asks the policy; a denial is audited in its own transaction (the
// caller's will roll back) and returned as EFORBIDDEN.
func (s *Service) authorize(ctx context.Context, a policy.Actor, act policy.Action, res policy.Resource, targetType, targetID string) error {
	d := policy.Decide(a, act, res)
	if d.Allow {
		return nil
	}
	ev := event(ctx, a.NetworkID, &a, string(act), targetType, targetID, nil)
	ev.Outcome, ev.Reason = "denied", d.Reason
	if err := s.st.Transact(context.WithoutCancel(ctx), func(tx store.Tx) error { return s.log.Append(ctx, tx, ev) }); err != nil {
		return err
	}
	full := a
	full.Stage = domain.StageFull
	if p := a.Profile; p != nil && !p.InService(a.Now) && !policy.Decide(full, policy.UseService, res).Allow {
		return domain.Problem(domain.EUNAVAILABLE, "outside-service-hours",
			"サービス提供時間外です（"+p.ServiceHours.Start+"〜"+p.ServiceHours.End+"）。時間内に再度ご利用ください。")
	}
	if a.Stage != "" && a.Stage != domain.StageFull {
		return domain.Problem(domain.EFORBIDDEN, "setup-required", "初回ログインの設定（パスワード変更・二要素認証の登録）を完了してください。")
	}
	return domain.ErrForbidden
}

// Can reports whether the actor may do act (menus and buttons use it; it is the
// same policy answer the action itself will get).
func Can(a policy.Actor, act policy.Action, res policy.Resource) bool {
	return policy.Decide(a, act, res).Allow
}

// newUser fills the common fields of a freshly issued account with a temporary ID
// and password that must be changed at first login (beppu §12-2, fukuoka §12-2).
func (s *Service) newUser(net string, role domain.Role, orgID, displayName, email string) (*domain.User, Credentials) {
	now := s.now()
	pw := domain.NewTempPassword()
	u := &domain.User{NetworkID: net, ID: domain.NewID(), LoginID: domain.NewLoginID(net), OrgID: orgID, Role: role,
		DisplayName: displayName, Email: email, PasswordHash: hashPassword(s.argon, pw), MustChangePassword: true,
		Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
	return u, Credentials{UserID: u.ID, LoginID: u.LoginID, Password: pw, DisplayName: displayName}
}
