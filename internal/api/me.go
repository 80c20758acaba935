package api

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/policy"
)

type orgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type meResponse struct {
	Network      string  `json:"network"`
	UserID       string  `json:"user_id"`
	LoginID      string  `json:"login_id"`
	DisplayName  string  `json:"display_name"`
	Role         string  `json:"role"`
	OperatorRole string  `json:"operator_role"`
	Occupation   string  `json:"occupation"`
	Organization *orgRef `json:"organization"`
	Stage        string  `json:"stage"`
}

// getMe describes the token's holder. A setup token may read it too, to learn
// which first-login step is left.
func (a *API) getMe(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	res := policy.Resource{UserID: pr.User.ID}
	if !accounts.Can(pr.Actor, policy.ViewOwnAccount, res) && !accounts.Can(pr.Actor, policy.CompleteSetup, res) {
		return domain.ErrForbidden
	}
	u := pr.User
	out := meResponse{Network: u.NetworkID, UserID: u.ID, LoginID: u.LoginID, DisplayName: u.DisplayName,
		Role: string(u.Role), OperatorRole: u.OperatorRole, Occupation: u.Occupation, Stage: string(pr.Session.Stage)}
	if pr.Org != nil {
		out.Organization = &orgRef{ID: pr.Org.ID, Name: pr.Org.Name, Type: pr.Org.Type}
	}
	return writeJSON(w, http.StatusOK, out)
}

type sessionJSON struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	Stage      string  `json:"stage"`
	Current    bool    `json:"current"`
	CreatedAt  *string `json:"created_at"`
	LastSeenAt *string `json:"last_seen_at"`
	ExpiresAt  *string `json:"expires_at"`
	IdleUntil  *string `json:"idle_until"`
	UserAgent  string  `json:"user_agent"`
	RemoteAddr string  `json:"remote_addr"`
}

func (a *API) listMySessions(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	list, err := a.acc.Sessions(r.Context(), pr)
	if err != nil {
		return err
	}
	out := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		out = append(out, sessionJSON{ID: s.ID, Kind: s.Kind, Stage: string(s.Stage), Current: s.ID == pr.Session.ID,
			CreatedAt: timestamp(s.CreatedAt), LastSeenAt: timestamp(s.LastSeenAt), ExpiresAt: timestamp(s.ExpiresAt),
			IdleUntil: timestamp(s.IdleUntil), UserAgent: s.UserAgent, RemoteAddr: s.RemoteAddr})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

func (a *API) deleteMySession(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := a.acc.RevokeOwnSession(r.Context(), pr, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
	LoginID         string `json:"login_id"` // optional: an ID of one's own at first login
}

// changePassword sets a new password and, at first login, optionally a login ID of
// the user's own (beppu §12-2, fukuoka §12-2: 自己のID及びパスワードを設定).
func (a *API) changePassword(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in passwordRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	stage := pr.Session.Stage
	if err := a.acc.ChangePassword(r.Context(), pr, in.CurrentPassword, in.NewPassword, in.LoginID); err != nil {
		return err
	}
	if err := a.endSetupToken(r, pr, stage); err != nil {
		return err
	}
	return noContent(w)
}

type totpResponse struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
}

// beginTOTP creates the secret to enrol in an authenticator app; it is shown this
// once and is not active until confirmed.
func (a *API) beginTOTP(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	e, err := a.acc.BeginTOTP(r.Context(), pr)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, totpResponse{Secret: e.Secret, OTPAuthURL: e.URL})
}

type otpRequest struct {
	OTP string `json:"otp"`
}

func (a *API) confirmTOTP(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in otpRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	stage := pr.Session.Stage
	if err := a.acc.ConfirmTOTP(r.Context(), pr, in.OTP); err != nil {
		return err
	}
	if err := a.endSetupToken(r, pr, stage); err != nil {
		return err
	}
	return noContent(w)
}

// endSetupToken ends a setup token once its setup is done: a setup token never
// becomes a working token; the client logs in again, with the second factor.
func (a *API) endSetupToken(r *http.Request, pr *accounts.Principal, before domain.SessionStage) error {
	if before == domain.StageFull || pr.Session.Stage != domain.StageFull {
		return nil
	}
	return a.acc.Logout(r.Context(), pr)
}
