package web

import "net/http"

// Routes registers every page of the UI.
func (w *Web) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/", w.static)
	mux.HandleFunc("GET /{$}", w.index)
	if w.opt.Demo {
		mux.HandleFunc("GET /demo/logins", w.demoLogins)
	}

	// Public pages of a network.
	mux.HandleFunc("GET /n/{net}/{$}", w.public(w.networkTop))
	mux.HandleFunc("GET /n/{net}/apply", w.public(w.applyForm))
	mux.HandleFunc("POST /n/{net}/apply", w.public(w.applySubmit))
	mux.HandleFunc("GET /n/{net}/apply/{id}", w.public(w.applyNotice))
	mux.HandleFunc("GET /n/{net}/login", w.public(w.loginForm))
	mux.HandleFunc("POST /n/{net}/login", w.public(w.loginSubmit))

	// First-login setup (beppu §12-2, fukuoka §12-2) and one's own account.
	mux.HandleFunc("POST /n/{net}/logout", w.auth(true, w.logout))
	mux.HandleFunc("GET /n/{net}/setup/password", w.auth(true, w.passwordForm))
	mux.HandleFunc("POST /n/{net}/setup/password", w.auth(true, w.passwordSubmit))
	mux.HandleFunc("GET /n/{net}/setup/totp", w.auth(true, w.totpForm))
	mux.HandleFunc("POST /n/{net}/setup/totp", w.auth(true, w.totpSubmit))
	mux.HandleFunc("GET /n/{net}/account", w.auth(false, w.account))
	mux.HandleFunc("POST /n/{net}/account/sessions/{id}/revoke", w.auth(false, w.sessionRevoke))

	mux.HandleFunc("GET /n/{net}/home", w.auth(false, w.home))

	// The operator's review queue and organizations.
	mux.HandleFunc("GET /n/{net}/applications", w.auth(false, w.applications))
	mux.HandleFunc("GET /n/{net}/applications/{id}", w.auth(false, w.application))
	mux.HandleFunc("POST /n/{net}/applications/{id}/approve", w.auth(false, w.applicationApprove))
	mux.HandleFunc("POST /n/{net}/applications/{id}/reject", w.auth(false, w.applicationReject))
	mux.HandleFunc("GET /n/{net}/organizations", w.auth(false, w.organizations))
	mux.HandleFunc("GET /n/{net}/organizations/{id}", w.auth(false, w.organization))
	mux.HandleFunc("POST /n/{net}/organizations/{id}/suspend", w.auth(false, w.orgSuspend))
	mux.HandleFunc("POST /n/{net}/organizations/{id}/unsuspend", w.auth(false, w.orgUnsuspend))
	mux.HandleFunc("POST /n/{net}/organizations/{id}/withdraw", w.auth(false, w.orgWithdraw))
	mux.HandleFunc("POST /n/{net}/organizations/{id}/admin", w.auth(false, w.orgChangeAdmin))
	mux.HandleFunc("POST /n/{net}/organizations/{id}/staff", w.auth(false, w.staffIssue))
	mux.HandleFunc("POST /n/{net}/organizations/{id}/staff-requests", w.auth(false, w.staffRequest))

	// Accounts.
	mux.HandleFunc("GET /n/{net}/users", w.auth(false, w.networkUsers))
	mux.HandleFunc("POST /n/{net}/users", w.auth(false, w.networkUserIssue))
	mux.HandleFunc("POST /n/{net}/users/{id}/suspend", w.auth(false, w.userSuspend))
	mux.HandleFunc("POST /n/{net}/users/{id}/unsuspend", w.auth(false, w.userUnsuspend))
	mux.HandleFunc("POST /n/{net}/users/{id}/revoke", w.auth(false, w.userRevoke))
	mux.HandleFunc("POST /n/{net}/users/{id}/reissue", w.auth(false, w.userReissue))
	mux.HandleFunc("GET /n/{net}/staff-requests", w.auth(false, w.staffRequests))
	mux.HandleFunc("POST /n/{net}/staff-requests/{id}/issue", w.auth(false, w.staffRequestIssue))
	mux.HandleFunc("POST /n/{net}/staff-requests/{id}/reject", w.auth(false, w.staffRequestReject))

	// The audit viewer (beppu §10-3, fukuoka §9-3, §35).
	mux.HandleFunc("GET /n/{net}/audit", w.auth(false, w.audit))
}
