package api

import (
	"net/http"

	"renraku/internal/accounts"
)

// route is one endpoint of the JSON API. The table below is the only list of
// routes: Routes registers it and the OpenAPI test compares openapi.json with it.
type route struct {
	Method string
	Path   string // a ServeMux pattern path; OpenAPI uses the same {name} syntax
	// Public routes need no bearer token; every other route authenticates first.
	Public bool
	// Body is the request body type (a zero struct value), nil when the route takes
	// none. The OpenAPI test checks the document's schema against its fields.
	Body   any
	Handle func(a *API, w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error
}

const (
	public = true
	bearer = false
)

var routes = []route{
	// Sessions and one's own account.
	{"POST", "/api/v1/sessions", public, sessionRequest{}, (*API).createSession},
	{"DELETE", "/api/v1/sessions/current", bearer, nil, (*API).deleteCurrentSession},
	{"GET", "/api/v1/me", bearer, nil, (*API).getMe},
	{"GET", "/api/v1/me/sessions", bearer, nil, (*API).listMySessions},
	{"DELETE", "/api/v1/me/sessions/{id}", bearer, nil, (*API).deleteMySession},
	{"POST", "/api/v1/me/password", bearer, passwordRequest{}, (*API).changePassword},
	{"POST", "/api/v1/me/totp", bearer, nil, (*API).beginTOTP},
	{"POST", "/api/v1/me/totp/confirm", bearer, otpRequest{}, (*API).confirmTOTP},

	// The public application form and the applicant's notice.
	{"POST", "/api/v1/networks/{network}/applications", public, applicationRequest{}, (*API).submitApplication},
	{"GET", "/api/v1/networks/{network}/applications/{id}", public, nil, (*API).applicationNotice},

	// The operator's review queue.
	{"GET", "/api/v1/applications", bearer, nil, (*API).listApplications},
	{"GET", "/api/v1/applications/{id}", bearer, nil, (*API).getApplication},
	{"POST", "/api/v1/applications/{id}/approve", bearer, approveRequest{}, (*API).approveApplication},
	{"POST", "/api/v1/applications/{id}/reject", bearer, reasonRequest{}, (*API).rejectApplication},

	// Organizations.
	{"GET", "/api/v1/organizations", bearer, nil, (*API).listOrganizations},
	{"GET", "/api/v1/organizations/{id}", bearer, nil, (*API).getOrganization},
	{"POST", "/api/v1/organizations/{id}/suspend", bearer, reasonRequest{}, (*API).suspendOrganization},
	{"POST", "/api/v1/organizations/{id}/code", bearer, codeRequest{}, (*API).setOrganizationCode},
	{"POST", "/api/v1/organizations/{id}/unsuspend", bearer, nil, (*API).unsuspendOrganization},
	{"POST", "/api/v1/organizations/{id}/withdraw", bearer, reasonRequest{}, (*API).withdrawOrganization},
	{"POST", "/api/v1/organizations/{id}/admin", bearer, changeAdminRequest{}, (*API).changeAdmin},
	{"GET", "/api/v1/organizations/{id}/users", bearer, nil, (*API).listOrganizationUsers},
	{"POST", "/api/v1/organizations/{id}/users", bearer, staffRequest{}, (*API).issueStaff},
	{"GET", "/api/v1/organizations/{id}/staff-requests", bearer, nil, (*API).listOrganizationStaffRequests},
	{"POST", "/api/v1/organizations/{id}/staff-requests", bearer, staffRequestRequest{}, (*API).createStaffRequest},

	// Accounts.
	{"GET", "/api/v1/users", bearer, nil, (*API).listNetworkUsers},
	{"POST", "/api/v1/users", bearer, networkAccountRequest{}, (*API).issueNetworkAccount},
	{"POST", "/api/v1/users/{id}/suspend", bearer, reasonRequest{}, (*API).suspendUser},
	{"POST", "/api/v1/users/{id}/unsuspend", bearer, nil, (*API).unsuspendUser},
	{"POST", "/api/v1/users/{id}/revoke", bearer, nil, (*API).revokeUser},
	{"POST", "/api/v1/users/{id}/reissue", bearer, nil, (*API).reissueUser},

	// Staff account requests (joso §10).
	{"GET", "/api/v1/staff-requests", bearer, nil, (*API).listStaffRequests},
	{"POST", "/api/v1/staff-requests/{id}/issue", bearer, nil, (*API).issueStaffRequest},
	{"POST", "/api/v1/staff-requests/{id}/reject", bearer, reasonRequest{}, (*API).rejectStaffRequest},

	// People, consent and who may see them (shared/SPEC.md §3-4).
	{"GET", "/api/v1/people", bearer, nil, (*API).listPeople},
	{"POST", "/api/v1/people", bearer, registerPersonRequest{}, (*API).registerPerson},
	{"GET", "/api/v1/people/{id}", bearer, nil, (*API).getPerson},
	{"POST", "/api/v1/people/{id}/eligibility", bearer, eligibilityRequest{}, (*API).setEligibility},
	{"POST", "/api/v1/people/{id}/read-window/close", bearer, readWindowRequest{}, (*API).closeReadWindow},
	{"POST", "/api/v1/people/{id}/consents", bearer, consentRequest{}, (*API).recordConsent},
	{"POST", "/api/v1/people/{id}/consents/withdraw", bearer, noteRequest{}, (*API).withdrawConsent},
	// The scanned signed form: PDF, JPEG or PNG, not JSON.
	{"GET", "/api/v1/people/{id}/consents/{consent_id}/form", bearer, nil, (*API).consentForm},
	{"POST", "/api/v1/people/{id}/deletion", bearer, noteRequest{}, (*API).requestDeletion},
	{"POST", "/api/v1/people/{id}/team", bearer, orgRequest{}, (*API).addToTeam},
	{"POST", "/api/v1/people/{id}/grants", bearer, orgRequest{}, (*API).grantAccess},
	{"POST", "/api/v1/people/{id}/access/{access_id}/end", bearer, reasonRequest{}, (*API).endAccess},
	{"POST", "/api/v1/people/{id}/care-plan", bearer, orgRequest{}, (*API).assignCarePlan},
	{"GET", "/api/v1/people/{id}/access-log", bearer, nil, (*API).personAccessLog},
	{"GET", "/api/v1/access-requests", bearer, nil, (*API).listAccessRequests},
	{"POST", "/api/v1/access-requests", bearer, accessRequestRequest{}, (*API).createAccessRequest},
	{"POST", "/api/v1/access-requests/{id}/grant", bearer, nil, (*API).grantAccessRequest},
	{"POST", "/api/v1/access-requests/{id}/refuse", bearer, nil, (*API).refuseAccessRequest},
	// The claims file is text/csv, not JSON (Body stays nil: the OpenAPI test
	// compares JSON bodies only).
	{"POST", "/api/v1/claims", bearer, nil, (*API).importClaims},
	{"GET", "/api/v1/disasters", bearer, nil, (*API).listDisasters},
	{"POST", "/api/v1/disasters", bearer, disasterRequest{}, (*API).declareDisaster},
	{"POST", "/api/v1/disasters/end", bearer, nil, (*API).endDisaster},
	{"GET", "/api/v1/matrix", bearer, nil, (*API).getMatrix},
	{"PUT", "/api/v1/matrix", bearer, matrixRequest{}, (*API).setMatrix},

	// Messages between staff users (fukuoka §14 (3)).
	{"GET", "/api/v1/conversations", bearer, nil, (*API).listConversations},
	{"POST", "/api/v1/conversations", bearer, conversationRequest{}, (*API).startConversation},
	{"GET", "/api/v1/conversations/{id}", bearer, nil, (*API).getConversation},
	{"GET", "/api/v1/conversations/{id}/messages", bearer, nil, (*API).listMessages},
	{"POST", "/api/v1/conversations/{id}/messages", bearer, messageRequest{}, (*API).postMessage},
	{"POST", "/api/v1/conversations/{id}/participants", bearer, participantsRequest{}, (*API).addParticipants},
	{"POST", "/api/v1/conversations/{id}/leave", bearer, nil, (*API).leaveConversation},
	{"GET", "/api/v1/message-recipients", bearer, nil, (*API).messageRecipients},

	// The bulletin board (beppu §8 (2), fukuoka §14 (2)) and one's notifications.
	{"GET", "/api/v1/board", bearer, nil, (*API).listBoard},
	{"POST", "/api/v1/board", bearer, boardRequest{}, (*API).createBoardPost},
	{"GET", "/api/v1/board/{id}", bearer, nil, (*API).getBoardPost},
	{"PUT", "/api/v1/board/{id}", bearer, boardEditRequest{}, (*API).updateBoardPost},
	{"POST", "/api/v1/board/{id}/withdraw", bearer, reasonRequest{}, (*API).withdrawBoardPost},
	{"GET", "/api/v1/board/{id}/reads", bearer, nil, (*API).boardReads},
	{"GET", "/api/v1/notifications", bearer, nil, (*API).listNotifications},
	{"POST", "/api/v1/notifications/read", bearer, markReadRequest{}, (*API).markNotificationsRead},
	{"GET", "/api/v1/me/notification-settings", bearer, nil, (*API).getNotificationSettings},
	{"PUT", "/api/v1/me/notification-settings", bearer, notificationSettingsRequest{}, (*API).setNotificationSettings},

	// The shared timeline (連絡帳, SPEC §5).
	{"GET", "/api/v1/people/{id}/entries", bearer, nil, (*API).listEntries},
	{"POST", "/api/v1/people/{id}/entries", bearer, entryRequest{}, (*API).createEntry},
	{"GET", "/api/v1/entries/{id}", bearer, nil, (*API).getEntry},
	{"PUT", "/api/v1/entries/{id}", bearer, entryEditRequest{}, (*API).editEntry},
	{"DELETE", "/api/v1/entries/{id}", bearer, nil, (*API).deleteEntry},
	{"GET", "/api/v1/entries/{id}/versions", bearer, nil, (*API).entryVersions},
	{"GET", "/api/v1/entries/{id}/read", bearer, nil, (*API).entryReaders},
	{"POST", "/api/v1/entries/{id}/read", bearer, nil, (*API).markEntryRead},
	{"POST", "/api/v1/entries/{id}/done", bearer, nil, (*API).markEntryDone},
	{"GET", "/api/v1/inbox", bearer, nil, (*API).listInbox},

	// The audit viewer (beppu §10-3, fukuoka §9-3).
	{"GET", "/api/v1/audit", bearer, nil, (*API).listAuditEvents},

	{"GET", "/api/v1/openapi.json", public, nil, (*API).openAPI},
}

// unmatchedMethods get a JSON problem (404 or 405) for paths under /api/v1/ that
// no route matches. One pattern per method (not a method-less "/api/v1/") so that
// these never conflict with method-specific patterns of other surfaces.
var unmatchedMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// Mux is what Routes registers on (an *http.ServeMux satisfies it).
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// Routes registers the API on mux.
func (a *API) Routes(mux Mux) {
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Path, a.handler(rt))
	}
	for _, m := range unmatchedMethods {
		mux.Handle(m+" /api/v1/", http.HandlerFunc(a.unmatched))
	}
}
