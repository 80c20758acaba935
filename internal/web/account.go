package web

import (
	"net/http"
	"net/url"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

func (w *Web) passwordForm(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "パスワードの変更", pr)
	w.render(rw, r, http.StatusOK, "setup_password.html", p)
}

// passwordSubmit changes the password; at first login the user may also replace the
// temporary ID with one of their own (beppu §12-2, fukuoka §12-2).
func (w *Web) passwordSubmit(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "パスワードの変更", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "setup_password.html", err)
		return
	}
	p.Form = url.Values{"login_id": {r.PostForm.Get("login_id")}}
	f := r.PostForm
	if f.Get("new_password") != f.Get("new_password_confirm") {
		w.fail(rw, r, p, "setup_password.html", &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{"new_password_confirm": "確認用のパスワードが一致しません。"}})
		return
	}
	if err := w.acc.ChangePassword(r.Context(), pr, f.Get("current_password"), f.Get("new_password"), f.Get("login_id")); err != nil {
		w.fail(rw, r, p, "setup_password.html", err)
		return
	}
	if pr.Session.Stage == domain.StageEnrolTOTP {
		redirect(rw, r, "/n/"+pr.Network.ID+"/setup/totp")
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/home?done=password")
}

func (w *Web) totpForm(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "二要素認証の登録", pr)
	if pr.User.TOTPEnabled {
		redirect(rw, r, "/n/"+pr.Network.ID+"/account")
		return
	}
	e, err := w.acc.PendingTOTP(r.Context(), pr)
	if err != nil {
		if e, err = w.acc.BeginTOTP(r.Context(), pr); err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
	}
	p.Data = map[string]any{"Secret": e.Secret, "QR": qrDataURI(e), "URL": e.URL}
	w.render(rw, r, http.StatusOK, "setup_totp.html", p)
}

func (w *Web) totpSubmit(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "二要素認証の登録", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if err := w.acc.ConfirmTOTP(r.Context(), pr, r.PostForm.Get("otp")); err != nil {
		if e, err2 := w.acc.PendingTOTP(r.Context(), pr); err2 == nil {
			p.Data = map[string]any{"Secret": e.Secret, "QR": qrDataURI(e), "URL": e.URL}
		}
		w.fail(rw, r, p, "setup_totp.html", err)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/home?done=totp")
}

func (w *Web) account(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "アカウント設定", pr)
	sessions, err := w.acc.Sessions(r.Context(), pr)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Data = map[string]any{"Sessions": sessions, "Current": pr.Session.ID}
	w.render(rw, r, http.StatusOK, "account.html", p)
}

func (w *Web) sessionRevoke(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	if err := w.acc.RevokeOwnSession(r.Context(), pr, r.PathValue("id")); err != nil {
		w.fail(rw, r, w.newPage(r, "", pr), "", err)
		return
	}
	if r.PathValue("id") == pr.Session.ID {
		w.clearSession(rw, pr.Network.ID)
		redirect(rw, r, "/n/"+pr.Network.ID+"/login?done=logout")
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/account?done=session")
}
