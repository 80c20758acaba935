package accounts

import (
	"context"
	"strconv"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
)

var timeZero time.Time

// LoginInput is what a user types.
type LoginInput struct {
	Network  string
	LoginID  string
	Password string
	OTP      string
	Kind     string // "web" (cookie) or "api" (bearer token)
}

// LoginResult is a session or token. Stage says what the holder must do first:
// StageFull is a working session; the others may only finish first-login setup.
type LoginResult struct {
	Token   string
	Session *domain.Session
	User    *domain.User
}

// Problems a login can end with (the API's problem types).
var (
	errOTPRequired = domain.Problem(domain.EUNAUTHORIZED, "otp-required", "確認コード（認証アプリの6桁の数字）を入力してください。")
	errOTPInvalid  = domain.Problem(domain.EUNAUTHORIZED, "otp-invalid", "確認コードが正しくありません。認証アプリの最新の6桁を入力してください。")
)

// Login checks an ID, password and, once enrolled, a TOTP code, and opens a session
// (web) or issues a bearer token (api). First login opens a setup session instead.
// Every attempt is audited; failures count towards the account lockout.
func (s *Service) Login(ctx context.Context, in LoginInput) (*LoginResult, error) {
	meta := domain.RequestMetaFrom(ctx)
	if !s.allowAddr(meta.RemoteAddr) {
		return nil, domain.Problem(domain.ELIMITED, "rate-limited", "ログインの試行が多すぎます。しばらく待ってから再度お試しください。")
	}
	if in.Kind != "web" && in.Kind != "api" {
		in.Kind = "web"
	}
	errs := domain.FieldErrors{}
	id := text(errs, "login_id", "ID", in.LoginID, true, 64, false)
	if in.Password == "" {
		errs.Add("password", "パスワードを入力してください。")
	} else if len(in.Password) > 4*MaxPasswordLength {
		errs.Add("password", "パスワードが長すぎます。")
	}
	if len(in.OTP) > 10 {
		errs.Add("otp", "確認コードは6桁の数字です。")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var res *LoginResult
	var outErr error // a refusal that must still commit its audit event and counters
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		res, outErr = nil, nil
		_, p, err := s.network(ctx, tx, in.Network)
		if err != nil {
			return err
		}
		now := s.now()
		fail := func(u *domain.User, reason string, e error) error {
			ev := event(ctx, in.Network, nil, "login.failed", "user", "", map[string]any{"kind": in.Kind})
			ev.ActorLogin, ev.Outcome, ev.Reason = truncate(id, 64), "failed", reason
			if u != nil {
				ev.ActorUserID, ev.ActorOrgID, ev.ActorRole, ev.TargetID = u.ID, u.OrgID, string(u.Role), u.ID
			}
			outErr = e
			return s.log.Append(ctx, tx, ev)
		}
		u, err := tx.FindUserByLogin(ctx, in.Network, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			checkPassword(s.dummyHash, in.Password) // the same cost as a real check: no timing tells IDs apart
			return fail(nil, "unknown login id", errBadCredentials)
		} else if err != nil {
			return err
		}
		if !u.LockedUntil.IsZero() && !now.Before(u.LockedUntil) {
			// The lock has run out: count failures afresh, or one slip would lock again.
			u.FailedLogins, u.LockedUntil = 0, timeZero
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		if now.Before(u.LockedUntil) {
			mins := int(u.LockedUntil.Sub(now).Minutes()) + 1
			return fail(u, "locked", domain.Problem(domain.ELIMITED, "locked",
				"パスワードを続けて間違えたため、このIDはロックされています。"+strconv.Itoa(mins)+"分後に再度お試しいただくか、管理者に連絡してください。"))
		}
		if !checkPassword(u.PasswordHash, in.Password) {
			n, err := tx.RecordFailedLogin(ctx, in.Network, u.ID, func(n int) time.Time {
				if n >= p.Password.MaxFailures && p.Password.MaxFailures > 0 {
					return now.Add(time.Duration(p.Password.LockoutMinutes) * time.Minute)
				}
				return timeZero
			})
			if err != nil {
				return err
			}
			e := errBadCredentials
			if n >= p.Password.MaxFailures && p.Password.MaxFailures > 0 {
				e = domain.Problem(domain.ELIMITED, "locked", "パスワードを続けて間違えたため、このIDを"+
					strconv.Itoa(p.Password.LockoutMinutes)+"分間ロックしました。")
			}
			return fail(u, "wrong password", e)
		}
		if e := s.accountUsable(ctx, tx, u); e != nil {
			return fail(u, e.Problem, e)
		}
		actor := ActorFor(u, p, now, domain.StageFull)
		if !policy.Decide(actor, policy.UseService, policy.Resource{}).Allow {
			return fail(u, "outside service hours", domain.Problem(domain.EUNAVAILABLE, "outside-service-hours",
				"サービス提供時間外です（"+p.ServiceHours.Start+"〜"+p.ServiceHours.End+"）。時間内に再度ご利用ください。"))
		}
		stage := domain.StageFull
		switch {
		case u.MustChangePassword:
			stage = domain.StageChangePassword
		case p.Password.RequireTOTP && !u.TOTPEnabled:
			stage = domain.StageEnrolTOTP
		case u.TOTPEnabled:
			if in.OTP == "" {
				outErr = errOTPRequired
				return nil // not a failure yet: the form asks for the code
			}
			step, ok := s.checkTOTP(u, in.OTP, now)
			if !ok {
				if _, err := tx.RecordFailedLogin(ctx, in.Network, u.ID, func(n int) time.Time {
					if n >= p.Password.MaxFailures && p.Password.MaxFailures > 0 {
						return now.Add(time.Duration(p.Password.LockoutMinutes) * time.Minute)
					}
					return timeZero
				}); err != nil {
					return err
				}
				return fail(u, "wrong otp", errOTPInvalid)
			}
			u.TOTPLastStep = step
		}
		u.FailedLogins, u.LockedUntil, u.LastLoginAt, u.UpdatedAt = 0, timeZero, now, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		r, err := s.openSession(ctx, tx, u, p, in.Kind, stage, now)
		if err != nil {
			return err
		}
		res = r
		return s.log.Append(ctx, tx, event(ctx, in.Network, actorPtr(ActorFor(u, p, now, stage)), "login", "session", r.Session.ID,
			map[string]any{"kind": in.Kind, "stage": string(stage), "second_factor": stage == domain.StageFull && u.TOTPEnabled}))
	})
	if err != nil {
		return nil, err
	}
	if outErr != nil {
		return nil, outErr
	}
	return res, nil
}

func actorPtr(a policy.Actor) *policy.Actor { return &a }

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// accountUsable refuses revoked or suspended accounts and accounts of suspended or
// withdrawn organizations.
func (s *Service) accountUsable(ctx context.Context, tx store.Tx, u *domain.User) *domain.Error {
	switch u.Status {
	case domain.UserRevoked:
		if u.ReplacedBy != "" {
			return domain.Problem(domain.EUNAUTHORIZED, "revoked", "このIDは停止され、新しいIDが発行されています。管理者から受け取った新しいIDでログインしてください。")
		}
		return domain.Problem(domain.EUNAUTHORIZED, "revoked", "このIDは失効しています。")
	case domain.UserSuspended:
		return domain.Problem(domain.EFORBIDDEN, "suspended", "このIDは運営者により利用停止されています。運営者にお問い合わせください。")
	case domain.UserActive:
	default:
		return domain.Problem(domain.EUNAUTHORIZED, "revoked", "このIDは利用できません。")
	}
	if u.OrgID != "" {
		o, err := tx.FindOrganization(ctx, u.NetworkID, u.OrgID)
		if err != nil {
			return domain.Problem(domain.EUNAUTHORIZED, "revoked", "所属組織が見つかりません。")
		}
		switch o.Status {
		case domain.OrgSuspended:
			return domain.Problem(domain.EFORBIDDEN, "organization-suspended", "所属組織の利用が停止されています。運営者にお問い合わせください。")
		case domain.OrgWithdrawn:
			return domain.Problem(domain.EUNAUTHORIZED, "organization-withdrawn", "所属組織は利用を廃止しています。")
		}
	}
	return nil
}

func (s *Service) openSession(ctx context.Context, tx store.Tx, u *domain.User, p *profile.Profile, kind string, stage domain.SessionStage, now time.Time) (*LoginResult, error) {
	token, hash := domain.NewToken()
	meta := domain.RequestMetaFrom(ctx)
	abs := time.Duration(p.Session.AbsoluteHours) * time.Hour
	if kind == "api" {
		abs = time.Duration(p.Session.TokenHours) * time.Hour
	}
	if stage != domain.StageFull {
		abs = 30 * time.Minute // a setup session only lives long enough to finish setup
	}
	sess := &domain.Session{NetworkID: u.NetworkID, ID: domain.NewID(), UserID: u.ID, TokenHash: hash, Kind: kind,
		Stage: stage, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(abs),
		IdleUntil: now.Add(time.Duration(p.Session.IdleMinutes) * time.Minute),
		UserAgent: truncate(meta.UserAgent, 200), RemoteAddr: meta.RemoteAddr}
	if sess.IdleUntil.After(sess.ExpiresAt) {
		sess.IdleUntil = sess.ExpiresAt
	}
	if err := tx.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &LoginResult{Token: token, Session: sess, User: u}, nil
}

func (s *Service) checkTOTP(u *domain.User, code string, now time.Time) (int64, bool) {
	secret, err := s.keys.Open("totp", u.TOTPSecret, []byte(u.NetworkID+"/"+u.ID))
	if err != nil {
		return 0, false
	}
	// Accept the previous, current and next 30-second step, never a step already used.
	for _, d := range []int64{0, -1, 1} {
		step := now.Unix()/30 + d
		ok, err := totp.ValidateCustom(code, string(secret), time.Unix(step*30, 0).UTC(),
			totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && ok {
			if step <= u.TOTPLastStep {
				return 0, false
			}
			return step, true
		}
	}
	return 0, false
}

// ActorFor builds the policy actor of an authenticated user.
func ActorFor(u *domain.User, p *profile.Profile, now time.Time, stage domain.SessionStage) policy.Actor {
	return policy.Actor{NetworkID: u.NetworkID, UserID: u.ID, LoginID: u.LoginID, DisplayName: u.DisplayName, OrgID: u.OrgID,
		Role: u.Role, OperatorRole: u.OperatorRole, Occupation: u.Occupation, Profile: p, Now: now, Stage: stage}
}

// Principal is an authenticated request: who, through which session.
type Principal struct {
	User    *domain.User
	Session *domain.Session
	Org     *domain.Organization
	Network *domain.Network
	Actor   policy.Actor
}

var errSessionEnded = domain.Problem(domain.EUNAUTHORIZED, "session-expired", "ログインの有効期限が切れました。もう一度ログインしてください。")

// Authenticate resolves a session cookie or bearer token. It re-reads the user and
// the organization on every request, so a suspension, revocation or logout takes
// effect on the very next request (katori §30, beppu §11-5).
func (s *Service) Authenticate(ctx context.Context, net, token string) (*Principal, error) {
	if token == "" || len(token) > 200 {
		return nil, errSessionEnded
	}
	var pr *Principal
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		n, p, err := s.network(ctx, tx, net)
		if err != nil {
			return err
		}
		sess, err := tx.FindSessionByToken(ctx, net, domain.HashToken(token))
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return errSessionEnded
		} else if err != nil {
			return err
		}
		now := s.now()
		u, err := tx.FindUser(ctx, net, sess.UserID)
		if err != nil {
			return errSessionEnded
		}
		// A suspended or revoked account says so, even though its sessions were
		// ended with it: "log in again" would be the wrong advice.
		if e := s.accountUsable(ctx, tx, u); e != nil {
			return e
		}
		if !sess.RevokedAt.IsZero() || !now.Before(sess.ExpiresAt) || !now.Before(sess.IdleUntil) {
			return errSessionEnded
		}
		var org *domain.Organization
		if u.OrgID != "" {
			if org, err = tx.FindOrganization(ctx, net, u.OrgID); err != nil {
				return err
			}
		}
		// Push the idle timeout forward, writing at most once a minute per session.
		if now.Sub(sess.LastSeenAt) >= time.Minute {
			sess.LastSeenAt = now
			sess.IdleUntil = now.Add(time.Duration(p.Session.IdleMinutes) * time.Minute)
			if sess.IdleUntil.After(sess.ExpiresAt) {
				sess.IdleUntil = sess.ExpiresAt
			}
			if err := tx.UpdateSession(ctx, sess); err != nil {
				return err
			}
		}
		pr = &Principal{User: u, Session: sess, Org: org, Network: n, Actor: ActorFor(u, p, now, sess.Stage)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Outside the service hours only network-level accounts keep access (fukuoka
	// §15, beppu §9); the refusal is audited like every denial.
	if !policy.Decide(pr.Actor, policy.UseService, policy.Resource{}).Allow && !pr.Actor.Profile.InService(pr.Actor.Now) {
		return nil, s.authorize(ctx, pr.Actor, policy.UseService, policy.Resource{}, "session", pr.Session.ID)
	}
	return pr, nil
}

// Logout ends the principal's session or token.
func (s *Service) Logout(ctx context.Context, pr *Principal) error {
	return s.st.Transact(ctx, func(tx store.Tx) error {
		if err := tx.RevokeSession(ctx, pr.User.NetworkID, pr.Session.ID, s.now()); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, pr.User.NetworkID, &pr.Actor, "logout", "session", pr.Session.ID, nil))
	})
}

// Sessions lists the principal's own open sessions and tokens.
func (s *Service) Sessions(ctx context.Context, pr *Principal) ([]*domain.Session, error) {
	if err := s.authorize(ctx, pr.Actor, policy.ViewOwnAccount, policy.Resource{UserID: pr.User.ID}, "user", pr.User.ID); err != nil {
		return nil, err
	}
	var out []*domain.Session
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.FindUserSessions(ctx, pr.User.NetworkID, pr.User.ID, s.now())
		return err
	})
	return out, err
}

// RevokeOwnSession ends one of the principal's own sessions.
func (s *Service) RevokeOwnSession(ctx context.Context, pr *Principal, sessionID string) error {
	if err := s.authorize(ctx, pr.Actor, policy.ViewOwnAccount, policy.Resource{UserID: pr.User.ID}, "session", sessionID); err != nil {
		return err
	}
	return s.st.Transact(ctx, func(tx store.Tx) error {
		list, err := tx.FindUserSessions(ctx, pr.User.NetworkID, pr.User.ID, s.now())
		if err != nil {
			return err
		}
		for _, x := range list {
			if x.ID == sessionID {
				if err := tx.RevokeSession(ctx, pr.User.NetworkID, x.ID, s.now()); err != nil {
					return err
				}
				return s.log.Append(ctx, tx, event(ctx, pr.User.NetworkID, &pr.Actor, "session.revoke", "session", x.ID, nil))
			}
		}
		return domain.ErrNotFound
	})
}

// ChangePassword sets a new password (and, at first login, optionally a login ID of
// the user's own: beppu §12-2, fukuoka §12-2 自己のID及びパスワードを設定). The
// session moves on to second-factor enrolment when the profile requires it.
func (s *Service) ChangePassword(ctx context.Context, pr *Principal, current, next, newLoginID string) error {
	if err := s.authorize(ctx, pr.Actor, policy.CompleteSetup, policy.Resource{UserID: pr.User.ID}, "user", pr.User.ID); err != nil {
		return err
	}
	p := pr.Actor.Profile
	errs := domain.FieldErrors{}
	if newLoginID != "" {
		newLoginID = loginID(errs, "login_id", newLoginID)
	} else if pr.User.MustChangePassword && p.OwnLoginID {
		errs.Add("login_id", "仮IDに代わる、ご自身のIDを設定してください（"+p.OwnLoginIDArticle+"）。")
	}
	effectiveID := pr.User.LoginID
	if newLoginID != "" {
		effectiveID = newLoginID
	}
	if current == "" {
		errs.Add("current_password", "現在のパスワードを入力してください。")
	} else if len(current) > 4*MaxPasswordLength {
		errs.Add("current_password", "現在のパスワードが長すぎます。")
	}
	if msg := CheckPasswordPolicy(p.Password, effectiveID, pr.User.DisplayName, next); msg != "" {
		errs.Add("new_password", msg)
	} else if next == current {
		errs.Add("new_password", "現在と異なるパスワードにしてください。")
	}
	if err := errs.Err(); err != nil {
		return err
	}
	var outErr error
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		outErr = nil
		u, err := tx.FindUser(ctx, pr.User.NetworkID, pr.User.ID)
		if err != nil {
			return err
		}
		if !checkPassword(u.PasswordHash, current) {
			outErr = &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
				Fields: map[string]string{"current_password": "現在のパスワードが正しくありません。"}}
			ev := event(ctx, u.NetworkID, &pr.Actor, "password.change", "user", u.ID, nil)
			ev.Outcome, ev.Reason = "failed", "wrong current password"
			return s.log.Append(ctx, tx, ev)
		}
		now := s.now()
		detail := map[string]any{"first_login": u.MustChangePassword}
		if newLoginID != "" && newLoginID != u.LoginID {
			if other, err := tx.FindUserByLogin(ctx, u.NetworkID, newLoginID); err == nil && other.ID != u.ID {
				outErr = &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
					Fields: map[string]string{"login_id": "このIDは既に使われています。別のIDにしてください。"}}
				return nil
			}
			detail["login_id_changed_from"] = u.LoginID
			u.LoginID = newLoginID
		}
		u.PasswordHash, u.MustChangePassword, u.PasswordChangedAt, u.UpdatedAt = hashPassword(s.argon, next), false, now, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		// Other sessions of this user end: whoever knew the old password is out.
		list, err := tx.FindUserSessions(ctx, u.NetworkID, u.ID, now)
		if err != nil {
			return err
		}
		for _, x := range list {
			if x.ID != pr.Session.ID {
				if err := tx.RevokeSession(ctx, u.NetworkID, x.ID, now); err != nil {
					return err
				}
			}
		}
		if pr.Session.Stage == domain.StageChangePassword {
			pr.Session.Stage = domain.StageFull
			if p.Password.RequireTOTP && !u.TOTPEnabled {
				pr.Session.Stage = domain.StageEnrolTOTP
			}
			if err := tx.UpdateSession(ctx, pr.Session); err != nil {
				return err
			}
		}
		pr.User = u
		return s.log.Append(ctx, tx, event(ctx, u.NetworkID, &pr.Actor, "password.change", "user", u.ID, detail))
	})
	if err != nil {
		return err
	}
	return outErr
}

// TOTPEnrolment is a secret being enrolled, shown as a QR code and as text.
type TOTPEnrolment struct {
	Secret string
	URL    string
	Key    *otp.Key
}

// BeginTOTP creates a new TOTP secret for the principal (not active until confirmed).
func (s *Service) BeginTOTP(ctx context.Context, pr *Principal) (*TOTPEnrolment, error) {
	if err := s.authorize(ctx, pr.Actor, policy.CompleteSetup, policy.Resource{UserID: pr.User.ID}, "user", pr.User.ID); err != nil {
		return nil, err
	}
	if pr.User.TOTPEnabled {
		return nil, domain.Errorf(domain.ECONFLICT, "二要素認証は登録済みです。変更する場合は管理者に再発行を依頼してください。")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "renraku " + pr.Actor.Profile.ShortName, AccountName: pr.User.LoginID,
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	sealed := s.keys.Seal("totp", []byte(key.Secret()), []byte(pr.User.NetworkID+"/"+pr.User.ID))
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		u, err := tx.FindUser(ctx, pr.User.NetworkID, pr.User.ID)
		if err != nil {
			return err
		}
		u.TOTPSecret, u.UpdatedAt = sealed, s.now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, u.NetworkID, &pr.Actor, "totp.begin", "user", u.ID, nil))
	})
	if err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), Key: key}, nil
}

// PendingTOTP returns the enrolment in progress, so a reloaded page shows the same
// QR code instead of a new one the phone doesn't know.
func (s *Service) PendingTOTP(ctx context.Context, pr *Principal) (*TOTPEnrolment, error) {
	var u *domain.User
	if err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.FindUser(ctx, pr.User.NetworkID, pr.User.ID)
		return err
	}); err != nil {
		return nil, err
	}
	if u.TOTPEnabled || u.TOTPSecret == "" {
		return nil, domain.ErrNotFound
	}
	secret, err := s.keys.Open("totp", u.TOTPSecret, []byte(u.NetworkID+"/"+u.ID))
	if err != nil {
		return nil, domain.ErrNotFound
	}
	key, err := otp.NewKeyFromURL((&otpURL{issuer: "renraku " + pr.Actor.Profile.ShortName, account: u.LoginID, secret: string(secret)}).String())
	if err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: string(secret), URL: key.URL(), Key: key}, nil
}

// ConfirmTOTP activates the pending secret once the user proves their app has it;
// a setup session becomes a full session.
func (s *Service) ConfirmTOTP(ctx context.Context, pr *Principal, code string) error {
	if err := s.authorize(ctx, pr.Actor, policy.CompleteSetup, policy.Resource{UserID: pr.User.ID}, "user", pr.User.ID); err != nil {
		return err
	}
	if len(code) != 6 {
		return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。", Fields: map[string]string{"otp": "確認コードは6桁の数字です。"}}
	}
	var outErr error
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		outErr = nil
		u, err := tx.FindUser(ctx, pr.User.NetworkID, pr.User.ID)
		if err != nil {
			return err
		}
		if u.TOTPEnabled {
			return domain.Errorf(domain.ECONFLICT, "二要素認証は登録済みです。")
		}
		if u.TOTPSecret == "" {
			return domain.Errorf(domain.ECONFLICT, "登録を最初からやり直してください。")
		}
		now := s.now()
		step, ok := s.checkTOTP(u, code, now)
		if !ok {
			outErr = &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
				Fields: map[string]string{"otp": "確認コードが正しくありません。認証アプリに表示されている最新の6桁を入力してください。"}}
			return nil
		}
		u.TOTPEnabled, u.TOTPLastStep, u.UpdatedAt = true, step, now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if pr.Session.Stage == domain.StageEnrolTOTP {
			pr.Session.Stage = domain.StageFull
			if err := tx.UpdateSession(ctx, pr.Session); err != nil {
				return err
			}
		}
		pr.User = u
		return s.log.Append(ctx, tx, event(ctx, u.NetworkID, &pr.Actor, "totp.enrol", "user", u.ID, nil))
	})
	if err != nil {
		return err
	}
	return outErr
}
