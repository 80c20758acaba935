package api

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

// applicationRequest is the public online application form (beppu §11-1,
// fukuoka §10-1, katori §5, joso §8, sendai §6-1).
type applicationRequest struct {
	OrgName    string `json:"org_name"`
	OrgType    string `json:"org_type"`
	Address    string `json:"address"`
	Phone      string `json:"phone"`
	AdminName  string `json:"admin_name"`
	AdminEmail string `json:"admin_email"`
	AdminPhone string `json:"admin_phone"`
	AgreeTerms bool   `json:"agree_terms"`
	// beppu §11-1 (1)-(6): the keys of the undertakings agreed to.
	AgreedUndertakings []string `json:"agreed_undertakings"`
}

// applicationFields maps the service's form field names to this API's.
var applicationFields = map[string]string{"undertakings": "agreed_undertakings"}

type applicationCreated struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	NoticeToken string `json:"notice_token"`
}

// submitApplication records an organization's application. The notice token is
// the applicant's only way to read the decision, so it is shown this once.
func (a *API) submitApplication(w http.ResponseWriter, r *http.Request, _ *accounts.Principal) error {
	net := r.PathValue("network")
	if !accounts.ValidNetworkID(net) {
		return domain.Errorf(domain.ENOTFOUND, "地域ネットワーク「%s」は見つかりません。", net)
	}
	var in applicationRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	app, token, err := a.acc.SubmitApplication(r.Context(), net, accounts.ApplicationInput{OrgName: in.OrgName,
		OrgType: in.OrgType, Address: in.Address, Phone: in.Phone, AdminName: in.AdminName, AdminEmail: in.AdminEmail,
		AdminPhone: in.AdminPhone, AgreeTerms: in.AgreeTerms, AgreedUndertakings: in.AgreedUndertakings})
	if err != nil {
		return withFields(err, applicationFields)
	}
	w.Header().Set("Location", "/api/v1/networks/"+net+"/applications/"+app.ID)
	return writeJSON(w, http.StatusCreated, applicationCreated{ID: app.ID, Status: string(app.Status), NoticeToken: token})
}

type noticeJSON struct {
	ID           string  `json:"id"`
	OrgName      string  `json:"org_name"`
	Status       string  `json:"status"`
	Conditions   string  `json:"conditions"`
	RejectReason string  `json:"reject_reason"`
	SubmittedAt  *string `json:"submitted_at"`
	DecidedAt    *string `json:"decided_at"`
}

// applicationNotice is the applicant's notice (通知書): the decision, with the
// conditions of an approval (beppu §11-2, fukuoka §11-1) or the reason of a rejection.
func (a *API) applicationNotice(w http.ResponseWriter, r *http.Request, _ *accounts.Principal) error {
	net := r.PathValue("network")
	if !accounts.ValidNetworkID(net) {
		return domain.ErrNotFound
	}
	app, err := a.acc.ApplicationNotice(r.Context(), net, r.PathValue("id"), r.Header.Get("X-Notice-Token"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, noticeJSON{ID: app.ID, OrgName: app.OrgName, Status: string(app.Status),
		Conditions: app.Conditions, RejectReason: app.RejectReason, SubmittedAt: timestamp(app.CreatedAt),
		DecidedAt: timestamp(app.DecidedAt)})
}

type applicationJSON struct {
	ID                 string   `json:"id"`
	Status             string   `json:"status"`
	OrgName            string   `json:"org_name"`
	OrgType            string   `json:"org_type"`
	Address            string   `json:"address"`
	Phone              string   `json:"phone"`
	AdminName          string   `json:"admin_name"`
	AdminEmail         string   `json:"admin_email"`
	AdminPhone         string   `json:"admin_phone"`
	AgreedTerms        bool     `json:"agreed_terms"`
	AgreedUndertakings []string `json:"agreed_undertakings"`
	Conditions         string   `json:"conditions"`
	RejectReason       string   `json:"reject_reason"`
	DecidedBy          string   `json:"decided_by"`
	DecidedAt          *string  `json:"decided_at"`
	OrganizationID     string   `json:"organization_id"`
	CreatedAt          *string  `json:"created_at"`
}

func applicationOut(a *domain.Application) applicationJSON {
	und := a.AgreedUndertakings
	if und == nil {
		und = []string{}
	}
	return applicationJSON{ID: a.ID, Status: string(a.Status), OrgName: a.OrgName, OrgType: a.OrgType,
		Address: a.Address, Phone: a.Phone, AdminName: a.AdminName, AdminEmail: a.AdminEmail, AdminPhone: a.AdminPhone,
		AgreedTerms: a.AgreedTerms, AgreedUndertakings: und, Conditions: a.Conditions, RejectReason: a.RejectReason,
		DecidedBy: a.DecidedBy, DecidedAt: timestamp(a.DecidedAt), OrganizationID: a.OrgID, CreatedAt: timestamp(a.CreatedAt)}
}

func (a *API) listApplications(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	status, err := queryEnum(r, "status", "pending", "approved", "rejected")
	if err != nil {
		return err
	}
	list, err := a.acc.Applications(r.Context(), pr.Actor, domain.ApplicationStatus(status))
	if err != nil {
		return err
	}
	out := make([]applicationJSON, 0, len(list))
	for _, app := range list {
		out = append(out, applicationOut(app))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"applications": out})
}

func (a *API) getApplication(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	app, err := a.acc.Application(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, applicationOut(app))
}

type approveRequest struct {
	Conditions string `json:"conditions"`
}

type approveResponse struct {
	Organization organizationJSON     `json:"organization"`
	Admin        accounts.Credentials `json:"admin"`
}

// approveApplication creates the organization and its admin, whose temporary ID
// and password are in this response only (beppu §12-2, fukuoka §12-2).
func (a *API) approveApplication(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in approveRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	org, creds, err := a.acc.ApproveApplication(r.Context(), pr.Actor, r.PathValue("id"), in.Conditions)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, approveResponse{Organization: organizationOut(org), Admin: creds})
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (a *API) rejectApplication(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in reasonRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.acc.RejectApplication(r.Context(), pr.Actor, r.PathValue("id"), in.Reason); err != nil {
		return err
	}
	return noContent(w)
}
