package web

import (
	"net/http"
	"strconv"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/profile"
)

func (w *Web) applications(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "利用申請の審査", pr)
	status := domain.ApplicationStatus(r.URL.Query().Get("status"))
	switch status {
	case "", domain.AppPending, domain.AppApproved, domain.AppRejected:
	default:
		status = domain.AppPending
	}
	if r.URL.Query().Get("status") == "" {
		status = domain.AppPending
	}
	apps, err := w.acc.Applications(r.Context(), pr.Actor, status)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Data = map[string]any{"Applications": apps, "Status": string(status)}
	w.render(rw, r, http.StatusOK, "applications.html", p)
}

func (w *Web) application(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "利用申請", pr)
	app, err := w.acc.Application(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Data = app
	w.render(rw, r, http.StatusOK, "application.html", p)
}

// credentials shows a temporary ID and password once, in the response to the
// action that created them; they are not stored anywhere they could be shown again.
func (w *Web) credentials(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, title, lead, back string, c accounts.Credentials) {
	p := w.newPage(r, title, pr)
	p.Data = map[string]any{"Creds": c, "Lead": lead, "Back": back}
	w.render(rw, r, http.StatusOK, "credentials.html", p)
}

func (w *Web) applicationApprove(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "利用申請", pr)
	id := r.PathValue("id")
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	org, creds, err := w.acc.ApproveApplication(r.Context(), pr.Actor, id, r.PostForm.Get("conditions"))
	if err != nil {
		if app, err2 := w.acc.Application(r.Context(), pr.Actor, id); err2 == nil {
			p.Data, p.Form = app, r.PostForm
		}
		w.fail(rw, r, p, "application.html", err)
		return
	}
	w.credentials(rw, r, pr, "利用を許可しました",
		"「"+org.Name+"」の"+pr.Actor.Profile.Terms.AdminLabel+"の仮ID・仮パスワードです。この画面を閉じると再表示できません。許可通知書とともに確実にお渡しください。",
		"/n/"+pr.Network.ID+"/organizations/"+org.ID, creds)
}

func (w *Web) applicationReject(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "利用申請", pr)
	id := r.PathValue("id")
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if err := w.acc.RejectApplication(r.Context(), pr.Actor, id, r.PostForm.Get("reason")); err != nil {
		if app, err2 := w.acc.Application(r.Context(), pr.Actor, id); err2 == nil {
			p.Data, p.Form = app, r.PostForm
		}
		w.fail(rw, r, p, "application.html", err)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/applications?done=rejected")
}

func (w *Web) organizations(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, pr.Actor.Profile.Terms.OrgLabel+"一覧", pr)
	q := r.URL.Query()
	f := domain.OrgFilter{Status: domain.OrgStatus(q.Get("status")), Query: q.Get("q")}
	switch f.Status {
	case "", domain.OrgActive, domain.OrgSuspended, domain.OrgWithdrawn:
	default:
		f.Status = ""
	}
	if len([]rune(f.Query)) > 100 {
		f.Query = string([]rune(f.Query)[:100])
	}
	orgs, err := w.acc.Organizations(r.Context(), pr.Actor, f)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Form = q
	p.Data = orgs
	w.render(rw, r, http.StatusOK, "organizations.html", p)
}

// organization is one organization's page: its details, its accounts, and the
// actions the viewer may take (the operator's, or its admin's).
func (w *Web) organization(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderOrganization(rw, r, pr, http.StatusOK, nil)
}

func (w *Web) renderOrganization(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, failed *page) {
	p := failed
	if p == nil {
		p = w.newPage(r, "", pr)
	}
	id := r.PathValue("id")
	org, err := w.acc.Organization(r.Context(), pr.Actor, id)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Title = org.Name
	data := map[string]any{"Org": org}
	if p.Can("users.list", org.ID) {
		users, err := w.acc.Users(r.Context(), pr.Actor, org.ID)
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		data["Users"] = users
	}
	if p.Can("staff.request", org.ID) {
		reqs, err := w.acc.StaffRequests(r.Context(), pr.Actor, org.ID)
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		data["Requests"] = reqs
	}
	p.Data = data
	w.render(rw, r, status, "organization.html", p)
}

// orgAction runs a form action on an organization and redirects back, or shows the
// organization page again with the error beside the form.
func (w *Web) orgAction(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, done string, fn func(f map[string][]string) error) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if err := fn(r.PostForm); err != nil {
		if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
			p.Form = r.PostForm
			p.Errors = e.Fields
			p.Error = e.Message
			w.renderOrganization(rw, r, pr, domain.HTTPStatus(err), p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/organizations/"+r.PathValue("id")+"?done="+done)
}

func first(f map[string][]string, k string) string {
	if v := f[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (w *Web) orgSuspend(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.orgAction(rw, r, pr, "suspended", func(f map[string][]string) error {
		return w.acc.SuspendOrganization(r.Context(), pr.Actor, r.PathValue("id"), first(f, "reason"))
	})
}

func (w *Web) orgUnsuspend(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.orgAction(rw, r, pr, "unsuspended", func(f map[string][]string) error {
		return w.acc.UnsuspendOrganization(r.Context(), pr.Actor, r.PathValue("id"))
	})
}

func (w *Web) orgWithdraw(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.orgAction(rw, r, pr, "withdrawn", func(f map[string][]string) error {
		if first(f, "confirm") != "yes" {
			return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
				Fields: map[string]string{"confirm": "利用廃止を確認するチェックを入れてください。"}}
		}
		return w.acc.WithdrawOrganization(r.Context(), pr.Actor, r.PathValue("id"), first(f, "reason"))
	})
}

func (w *Web) orgCode(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.orgAction(rw, r, pr, "code", func(f map[string][]string) error {
		return w.acc.SetOrganizationCode(r.Context(), pr.Actor, r.PathValue("id"), first(f, "code"))
	})
}

func (w *Web) orgChangeAdmin(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	var creds accounts.Credentials
	ok := false
	w.orgActionThen(rw, r, pr, func(f map[string][]string) error {
		var err error
		creds, err = w.acc.ChangeAdmin(r.Context(), pr.Actor, r.PathValue("id"), first(f, "admin_name"), first(f, "admin_email"))
		ok = err == nil
		return err
	})
	if ok {
		w.credentials(rw, r, pr, "管理者を変更しました",
			"前の"+pr.Actor.Profile.Terms.AdminLabel+"のIDは失効しました。新しい"+pr.Actor.Profile.Terms.AdminLabel+"の仮ID・仮パスワードです。この画面を閉じると再表示できません。",
			"/n/"+pr.Network.ID+"/organizations/"+r.PathValue("id"), creds)
	}
}

// orgActionThen is orgAction for actions that answer with a page instead of a redirect.
func (w *Web) orgActionThen(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, fn func(f map[string][]string) error) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if err := fn(r.PostForm); err != nil {
		if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
			p.Form, p.Errors, p.Error = r.PostForm, e.Fields, e.Message
			w.renderOrganization(rw, r, pr, domain.HTTPStatus(err), p)
			return
		}
		w.fail(rw, r, p, "", err)
	}
}

func (w *Web) staffIssue(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	var creds accounts.Credentials
	ok := false
	w.orgActionThen(rw, r, pr, func(f map[string][]string) error {
		var err error
		creds, err = w.acc.IssueStaff(r.Context(), pr.Actor, r.PathValue("id"), accounts.StaffInput{
			DisplayName: first(f, "display_name"), Email: first(f, "email"), Occupation: first(f, "occupation")})
		ok = err == nil
		return err
	})
	if ok {
		w.credentials(rw, r, pr, "アカウントを発行しました",
			creds.DisplayName+"さんの仮ID・仮パスワードです。この画面を閉じると再表示できません。初回ログイン時にパスワードの変更と二要素認証の登録が必要です。",
			"/n/"+pr.Network.ID+"/organizations/"+r.PathValue("id"), creds)
	}
}

func (w *Web) staffRequest(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.orgAction(rw, r, pr, "requested", func(f map[string][]string) error {
		_, err := w.acc.RequestStaff(r.Context(), pr.Actor, r.PathValue("id"), accounts.StaffInput{
			DisplayName: first(f, "display_name"), Email: first(f, "email"), Occupation: first(f, "occupation")}, first(f, "target_user_id"))
		return err
	})
}

func (w *Web) networkUsers(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderNetworkUsers(rw, r, pr, http.StatusOK, nil)
}

func (w *Web) renderNetworkUsers(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, failed *page) {
	p := failed
	if p == nil {
		p = w.newPage(r, "", pr)
	}
	p.Title = "運営者・行政利用者のアカウント"
	users, err := w.acc.Users(r.Context(), pr.Actor, "")
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Data = users
	w.render(rw, r, status, "users.html", p)
}

func (w *Web) networkUserIssue(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	f := r.PostForm
	creds, err := w.acc.IssueNetworkAccount(r.Context(), pr.Actor, accounts.NetworkAccountInput{
		Role: domain.Role(f.Get("role")), OperatorRole: f.Get("operator_role"), DisplayName: f.Get("display_name"),
		Email: f.Get("email"), Occupation: f.Get("occupation")})
	if err != nil {
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
			p.Form, p.Errors, p.Error = f, e.Fields, e.Message
			w.renderNetworkUsers(rw, r, pr, 422, p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	w.credentials(rw, r, pr, "アカウントを発行しました", creds.DisplayName+"さんの仮ID・仮パスワードです。この画面を閉じると再表示できません。",
		"/n/"+pr.Network.ID+"/users", creds)
}

// userAction runs an action on an account and returns to where the form was.
func (w *Web) userAction(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, done string, fn func(f map[string][]string) error) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	back := backPath(pr, r.PostForm.Get("back"))
	if err := fn(r.PostForm); err != nil {
		if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
			p.Title = "操作できませんでした"
			p.Error = e.Message
			for _, m := range e.Fields {
				p.Error += " " + m
			}
			p.Data = back
			w.render(rw, r, domain.HTTPStatus(err), "error.html", p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, back+"?done="+done)
}

// backPath only returns to a page of the same network.
func backPath(pr *accounts.Principal, back string) string {
	prefix := "/n/" + pr.Network.ID + "/"
	if len(back) > len(prefix) && back[:len(prefix)] == prefix && !containsAny(back, "?#\\") && len(back) < 200 {
		return back
	}
	return prefix + "home"
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, x := range s {
			if x == c {
				return true
			}
		}
	}
	return false
}

func (w *Web) userSuspend(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.userAction(rw, r, pr, "suspended", func(f map[string][]string) error {
		return w.acc.SuspendUser(r.Context(), pr.Actor, r.PathValue("id"), first(f, "reason"))
	})
}

func (w *Web) userUnsuspend(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.userAction(rw, r, pr, "unsuspended", func(f map[string][]string) error {
		return w.acc.UnsuspendUser(r.Context(), pr.Actor, r.PathValue("id"))
	})
}

func (w *Web) userRevoke(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.userAction(rw, r, pr, "revoked", func(f map[string][]string) error {
		return w.acc.RevokeUser(r.Context(), pr.Actor, r.PathValue("id"))
	})
}

func (w *Web) userReissue(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	back := backPath(pr, r.PostForm.Get("back"))
	creds, err := w.acc.ReissueCredentials(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		p.Data = back
		w.fail(rw, r, p, "", err)
		return
	}
	lead := "新しい仮パスワードです。これまでのパスワードと二要素認証、ログイン中のセッションはすべて無効になりました。"
	if pr.Actor.Profile.ReissueNewID {
		lead = "これまでのIDを停止し、新しいIDを発行しました（" + pr.Actor.Profile.StaffIssuerArticle + "）。"
	}
	w.credentials(rw, r, pr, "ID・パスワードを再発行しました", lead+"この画面を閉じると再表示できません。", back, creds)
}

func (w *Web) staffRequests(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "アカウント発行依頼", pr)
	reqs, err := w.acc.StaffRequests(r.Context(), pr.Actor, "")
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	orgs, err := w.acc.Organizations(r.Context(), pr.Actor, domain.OrgFilter{})
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	p.Data = map[string]any{"Requests": reqs, "OrgNames": names}
	w.render(rw, r, http.StatusOK, "staff_requests.html", p)
}

func (w *Web) staffRequestIssue(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	creds, err := w.acc.DecideStaffRequest(r.Context(), pr.Actor, r.PathValue("id"), true, "")
	if err != nil {
		w.fail(rw, r, w.newPage(r, "", pr), "", err)
		return
	}
	w.credentials(rw, r, pr, "アカウントを発行しました",
		creds.DisplayName+"さんの仮ID・仮パスワードです（"+pr.Actor.Profile.StaffIssuerArticle+"）。"+pr.Actor.Profile.Terms.AdminLabel+"を通じてご本人に通知してください。この画面を閉じると再表示できません。",
		"/n/"+pr.Network.ID+"/staff-requests", creds)
}

func (w *Web) staffRequestReject(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if _, err := w.acc.DecideStaffRequest(r.Context(), pr.Actor, r.PathValue("id"), false, r.PostForm.Get("reason")); err != nil {
		p.Data = "/n/" + pr.Network.ID + "/staff-requests"
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/staff-requests?done=staffreq")
}

// audit is the audit viewer: filter by who acted, organization, action and date
// (dates are Asia/Tokyo calendar days).
func (w *Web) audit(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "監査ログ", pr)
	q := r.URL.Query()
	p.Form = q
	f := domain.AuditFilter{ActorLogin: q.Get("actor"), ActorOrgID: q.Get("org"), Action: q.Get("action"), Limit: 100}
	errs := map[string]string{}
	if v := q.Get("from"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, profile.Tokyo())
		if err != nil {
			errs["from"] = "日付は YYYY-MM-DD の形式で入力してください。"
		}
		f.From = t
	}
	if v := q.Get("to"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, profile.Tokyo())
		if err != nil {
			errs["to"] = "日付は YYYY-MM-DD の形式で入力してください。"
		}
		f.To = t.AddDate(0, 0, 1)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			errs["page"] = "ページの指定が正しくありません。"
		} else {
			f.Offset = (n - 1) * f.Limit
		}
	}
	if len(errs) > 0 {
		p.Errors, p.Error = errs, "検索条件に誤りがあります。"
		p.Data = map[string]any{}
		w.render(rw, r, 422, "audit.html", p)
		return
	}
	events, total, err := w.acc.AuditEvents(r.Context(), pr.Actor, f)
	if err != nil {
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
			p.Errors, p.Error = e.Fields, e.Message
			p.Data = map[string]any{}
			w.render(rw, r, 422, "audit.html", p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	page := f.Offset/f.Limit + 1
	p.Data = map[string]any{"Events": events, "Total": total, "Page": page, "HasNext": f.Offset+len(events) < total,
		"Next": page + 1, "Prev": page - 1}
	w.render(rw, r, http.StatusOK, "audit.html", p)
}
