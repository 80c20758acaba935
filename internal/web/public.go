package web

import (
	"net/http"
	"net/url"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/profile"
)

func (w *Web) index(rw http.ResponseWriter, r *http.Request) {
	nets, err := w.acc.Networks(r.Context())
	p := w.newPage(r, "地域ネットワーク一覧", nil)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	type row struct {
		Network *domain.Network
		Profile *profile.Profile
	}
	var rows []row
	for _, n := range nets {
		if prof, err := profile.Get(n.Profile); err == nil {
			rows = append(rows, row{n, prof})
		}
	}
	p.Data = rows
	w.render(rw, r, http.StatusOK, "index.html", p)
}

func (w *Web) networkTop(rw http.ResponseWriter, r *http.Request, p *page) {
	p.Title = p.Network.Name
	w.render(rw, r, http.StatusOK, "network.html", p)
}

func (w *Web) demoLogins(rw http.ResponseWriter, r *http.Request) {
	p := w.newPage(r, "デモ用ログイン一覧", nil)
	if w.opt.DemoLogins != nil {
		p.Data = w.opt.DemoLogins(r.Context())
	}
	rw.Header().Set("Refresh", "15")
	w.render(rw, r, http.StatusOK, "demo_logins.html", p)
}

func (w *Web) applyForm(rw http.ResponseWriter, r *http.Request, p *page) {
	p.Title = p.Profile.Terms.OrgLabel + "としての利用申請"
	w.render(rw, r, http.StatusOK, "apply.html", p)
}

func (w *Web) applySubmit(rw http.ResponseWriter, r *http.Request, p *page) {
	p.Title = p.Profile.Terms.OrgLabel + "としての利用申請"
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "apply.html", err)
		return
	}
	p.Form = r.PostForm
	in := accounts.ApplicationInput{
		OrgName: r.PostForm.Get("org_name"), OrgType: r.PostForm.Get("org_type"), Address: r.PostForm.Get("address"),
		Phone: r.PostForm.Get("phone"), AdminName: r.PostForm.Get("admin_name"), AdminEmail: r.PostForm.Get("admin_email"),
		AdminPhone: r.PostForm.Get("admin_phone"), AgreeTerms: r.PostForm.Get("agree_terms") == "yes",
		AgreedUndertakings: r.PostForm["undertaking"],
	}
	app, token, err := w.acc.SubmitApplication(r.Context(), p.Network.ID, in)
	if err != nil {
		w.fail(rw, r, p, "apply.html", err)
		return
	}
	redirect(rw, r, "/n/"+p.Network.ID+"/apply/"+app.ID+"?t="+url.QueryEscape(token))
}

// applyNotice is the applicant's page: received, then the result notice
// (許可通知書 / 結果通知書) once the operator decided. The token from submission
// is the applicant's proof; bookmarking the page is how they come back.
func (w *Web) applyNotice(rw http.ResponseWriter, r *http.Request, p *page) {
	app, err := w.acc.ApplicationNotice(r.Context(), p.Network.ID, r.PathValue("id"), r.URL.Query().Get("t"))
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Title = "利用申請の状況"
	p.Data = app
	rw.Header().Set("Cache-Control", "no-store")
	w.render(rw, r, http.StatusOK, "apply_notice.html", p)
}

func (w *Web) loginForm(rw http.ResponseWriter, r *http.Request, p *page) {
	p.Title = "ログイン"
	if r.URL.Query().Get("expired") != "" {
		p.Error = "ログインの有効期限が切れました。もう一度ログインしてください。"
	}
	w.render(rw, r, http.StatusOK, "login.html", p)
}

func (w *Web) loginSubmit(rw http.ResponseWriter, r *http.Request, p *page) {
	p.Title = "ログイン"
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "login.html", err)
		return
	}
	p.Form = url.Values{"login_id": {r.PostForm.Get("login_id")}} // never echo the password
	res, err := w.acc.Login(r.Context(), accounts.LoginInput{Network: p.Network.ID, LoginID: r.PostForm.Get("login_id"),
		Password: r.PostForm.Get("password"), OTP: r.PostForm.Get("otp"), Kind: "web"})
	if err != nil {
		if e := domain.AsError(err); e != nil && (e.Problem == "otp-required" || e.Problem == "otp-invalid") {
			p.Errors = map[string]string{"otp": e.Message}
		}
		w.fail(rw, r, p, "login.html", err)
		return
	}
	w.setSession(rw, p.Network.ID, res.Token, res.Session.ExpiresAt)
	switch res.Session.Stage {
	case domain.StageChangePassword:
		redirect(rw, r, "/n/"+p.Network.ID+"/setup/password")
	case domain.StageEnrolTOTP:
		redirect(rw, r, "/n/"+p.Network.ID+"/setup/totp")
	default:
		redirect(rw, r, "/n/"+p.Network.ID+"/home")
	}
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	if err := w.acc.Logout(r.Context(), pr); err != nil {
		w.fail(rw, r, w.newPage(r, "", pr), "", err)
		return
	}
	w.clearSession(rw, pr.Network.ID)
	redirect(rw, r, "/n/"+pr.Network.ID+"/login?done=logout")
}
