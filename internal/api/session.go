package api

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

type sessionRequest struct {
	Network  string `json:"network"`
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
	OTP      string `json:"otp"`
}

type tokenResponse struct {
	Token     string  `json:"token"`
	ExpiresAt *string `json:"expires_at"`
}

// bearerToken prefixes a token with its network, so that a request names the
// network whose sessions the token is looked up in.
func bearerToken(network, token string) string { return network + "." + token }

// createSession logs in and issues a bearer token. A first login gets a 403 whose
// setup_token may only change the password and enrol the second factor
// (beppu §12-2, fukuoka §12-2); the client then logs in again.
func (a *API) createSession(w http.ResponseWriter, r *http.Request, _ *accounts.Principal) error {
	var in sessionRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	res, err := a.acc.Login(r.Context(), accounts.LoginInput{Network: in.Network, LoginID: in.LoginID,
		Password: in.Password, OTP: in.OTP, Kind: "api"})
	// Login checks the other fields before it looks the network up, so a bad
	// network is reported together with their messages.
	if !accounts.ValidNetworkID(in.Network) {
		return addField(err, "network", "地域ネットワークのID（英小文字・数字・ハイフン）を指定してください。")
	}
	if domain.ErrorCode(err) == domain.ENOTFOUND { // the only thing Login does not find is the network
		return fieldError("network", domain.PublicMessage(err))
	}
	if err != nil {
		return err
	}
	token := bearerToken(in.Network, res.Token)
	switch res.Session.Stage {
	case domain.StageFull:
		return writeJSON(w, http.StatusCreated, tokenResponse{Token: token, ExpiresAt: timestamp(res.Session.ExpiresAt)})
	case domain.StageChangePassword:
		a.writeProblem(w, r, problem{Type: "password-change-required", Status: http.StatusForbidden, SetupToken: token,
			Detail: "初回ログインのため、パスワードの変更が必要です。setup_token を使って POST /api/v1/me/password でパスワード（と、希望すればID）を変更してください。"})
	default:
		a.writeProblem(w, r, problem{Type: "second-factor-enrolment-required", Status: http.StatusForbidden, SetupToken: token,
			Detail: "二要素認証（認証アプリ）の登録が必要です。setup_token を使って POST /api/v1/me/totp で登録を始め、POST /api/v1/me/totp/confirm で確認コードを送ってください。"})
	}
	return nil
}

// addField adds a field message to err when err is a validation error, else
// replaces err by a validation error for that field alone.
func addField(err error, field, msg string) error {
	if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
		c := *e
		c.Fields = map[string]string{field: msg}
		for k, v := range e.Fields {
			c.Fields[k] = v
		}
		return &c
	}
	return fieldError(field, msg)
}

// deleteCurrentSession logs out: the token stops working at once.
func (a *API) deleteCurrentSession(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := a.acc.Logout(r.Context(), pr); err != nil {
		return err
	}
	return noContent(w)
}
