package web

import "net/http"

// Mux is what Routes registers on (an *http.ServeMux satisfies it).
type Mux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Routes registers every page of the UI.
func (w *Web) Routes(mux Mux) {
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

	// The bulletin board (beppu §8 (2), fukuoka §14 (2)) and notifications (board.go, notifications.go).
	mux.HandleFunc("GET /n/{net}/board", w.auth(false, w.boardList))
	mux.HandleFunc("GET /n/{net}/board/new", w.auth(false, w.boardNew))
	mux.HandleFunc("POST /n/{net}/board", w.auth(false, w.boardCreate))
	mux.HandleFunc("GET /n/{net}/board/{id}", w.auth(false, w.boardShow))
	mux.HandleFunc("GET /n/{net}/board/{id}/edit", w.auth(false, w.boardEditForm))
	mux.HandleFunc("POST /n/{net}/board/{id}/edit", w.auth(false, w.boardEdit))
	mux.HandleFunc("POST /n/{net}/board/{id}/withdraw", w.auth(false, w.boardWithdraw))
	mux.HandleFunc("GET /n/{net}/notifications", w.auth(false, w.notifications))
	mux.HandleFunc("GET /n/{net}/notifications/{id}", w.auth(false, w.notificationOpen))
	mux.HandleFunc("POST /n/{net}/notifications/read", w.auth(false, w.notificationsRead))
	mux.HandleFunc("POST /n/{net}/account/notifications", w.auth(false, w.notifyEmail))

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
	mux.HandleFunc("POST /n/{net}/organizations/{id}/code", w.auth(false, w.orgCode))
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

	// The people supported (対象者), their consent and who may see them (SPEC §3-4).
	mux.HandleFunc("GET /n/{net}/people", w.auth(false, w.peopleList))
	mux.HandleFunc("GET /n/{net}/people/new", w.auth(false, w.personNew))
	mux.HandleFunc("POST /n/{net}/people/new", w.auth(false, w.personCreate))
	mux.HandleFunc("GET /n/{net}/people/{id}", w.auth(false, w.personShow))
	mux.HandleFunc("GET /n/{net}/people/{id}/consent", w.auth(false, w.consentForm))
	mux.HandleFunc("POST /n/{net}/people/{id}/consent", w.auth(false, w.consentSubmit))
	mux.HandleFunc("GET /n/{net}/people/{id}/consents/{cid}/form", w.auth(false, w.consentFormFile))
	mux.HandleFunc("POST /n/{net}/people/{id}/withdraw", w.auth(false, w.consentWithdraw))
	mux.HandleFunc("POST /n/{net}/people/{id}/delete", w.auth(false, w.personDelete))
	mux.HandleFunc("POST /n/{net}/people/{id}/eligibility", w.auth(false, w.eligibilitySet))
	mux.HandleFunc("POST /n/{net}/people/{id}/read-window", w.auth(false, w.readWindowClose))
	mux.HandleFunc("POST /n/{net}/people/{id}/team", w.auth(false, w.teamAdd))
	mux.HandleFunc("POST /n/{net}/people/{id}/grants", w.auth(false, w.accessGrant))
	mux.HandleFunc("POST /n/{net}/people/{id}/access/{aid}/end", w.auth(false, w.accessEnd))
	mux.HandleFunc("POST /n/{net}/people/{id}/careplan", w.auth(false, w.carePlanAssign))
	mux.HandleFunc("GET /n/{net}/people/{id}/log", w.auth(false, w.personLog))
	// The shared timeline (連絡帳, SPEC §5) and the entries addressed to the user (timeline.go).
	mux.HandleFunc("GET /n/{net}/people/{id}/timeline", w.auth(false, w.timelineShow))
	mux.HandleFunc("POST /n/{net}/people/{id}/timeline", w.auth(false, w.entryCreate))
	mux.HandleFunc("GET /n/{net}/entries/{id}", w.auth(false, w.entryShow))
	mux.HandleFunc("POST /n/{net}/entries/{id}/replies", w.auth(false, w.entryReply))
	mux.HandleFunc("POST /n/{net}/entries/{id}/edit", w.auth(false, w.entryEdit))
	mux.HandleFunc("POST /n/{net}/entries/{id}/delete", w.auth(false, w.entryDelete))
	mux.HandleFunc("POST /n/{net}/entries/{id}/done", w.auth(false, w.entryDone))
	mux.HandleFunc("GET /n/{net}/inbox", w.auth(false, w.inbox))
	mux.HandleFunc("GET /n/{net}/access-requests", w.auth(false, w.accessRequests))
	mux.HandleFunc("POST /n/{net}/access-requests", w.auth(false, w.accessRequestSubmit))
	mux.HandleFunc("POST /n/{net}/access-requests/{id}/grant", w.auth(false, w.accessRequestDecide(true)))
	mux.HandleFunc("POST /n/{net}/access-requests/{id}/refuse", w.auth(false, w.accessRequestDecide(false)))
	// The operator's pages of this capability.
	mux.HandleFunc("GET /n/{net}/claims", w.auth(false, w.claimsForm))
	mux.HandleFunc("POST /n/{net}/claims", w.auth(false, w.claimsImport))
	mux.HandleFunc("GET /n/{net}/disasters", w.auth(false, w.disasters))
	mux.HandleFunc("POST /n/{net}/disasters", w.auth(false, w.disasterDeclare))
	mux.HandleFunc("POST /n/{net}/disasters/end", w.auth(false, w.disasterEnd))
	mux.HandleFunc("GET /n/{net}/matrix", w.auth(false, w.matrix))
	mux.HandleFunc("POST /n/{net}/matrix", w.auth(false, w.matrixSave))

	// Messages between staff users (fukuoka §14 (3)).
	mux.HandleFunc("GET /n/{net}/messages", w.auth(false, w.conversations))
	mux.HandleFunc("GET /n/{net}/messages/new", w.auth(false, w.conversationNew))
	mux.HandleFunc("POST /n/{net}/messages/new", w.auth(false, w.conversationCreate))
	mux.HandleFunc("GET /n/{net}/messages/{id}", w.auth(false, w.conversationShow))
	mux.HandleFunc("POST /n/{net}/messages/{id}", w.auth(false, w.messagePost))
	mux.HandleFunc("POST /n/{net}/messages/{id}/participants", w.auth(false, w.conversationAdd))
	mux.HandleFunc("POST /n/{net}/messages/{id}/leave", w.auth(false, w.conversationLeave))
}
