package api

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

type organizationJSON struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Type          string  `json:"type"`
	Address       string  `json:"address"`
	Phone         string  `json:"phone"`
	Code          string  `json:"code"`
	Status        string  `json:"status"`
	Conditions    string  `json:"conditions"`
	SuspendReason string  `json:"suspend_reason"`
	ApplicationID string  `json:"application_id"`
	CreatedAt     *string `json:"created_at"`
	UpdatedAt     *string `json:"updated_at"`
}

func organizationOut(o *domain.Organization) organizationJSON {
	return organizationJSON{ID: o.ID, Name: o.Name, Type: o.Type, Address: o.Address, Phone: o.Phone,
		Code: o.Code, Status: string(o.Status), Conditions: o.Conditions, SuspendReason: o.SuspendReason,
		ApplicationID: o.ApplicationID, CreatedAt: timestamp(o.CreatedAt), UpdatedAt: timestamp(o.UpdatedAt)}
}

func (a *API) listOrganizations(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	status, err := queryEnum(r, "status", "active", "suspended", "withdrawn")
	if err != nil {
		return err
	}
	q, err := queryText(r, "q", 100)
	if err != nil {
		return err
	}
	list, err := a.acc.Organizations(r.Context(), pr.Actor, domain.OrgFilter{Status: domain.OrgStatus(status), Query: q})
	if err != nil {
		return err
	}
	out := make([]organizationJSON, 0, len(list))
	for _, o := range list {
		out = append(out, organizationOut(o))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"organizations": out})
}

func (a *API) getOrganization(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	o, err := a.acc.Organization(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, organizationOut(o))
}

// suspendOrganization stops an organization at once (katori §30, beppu §11-5,
// fukuoka §13): from the next request none of its users' tokens work.
func (a *API) suspendOrganization(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in reasonRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.acc.SuspendOrganization(r.Context(), pr.Actor, r.PathValue("id"), in.Reason); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) unsuspendOrganization(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if err := a.acc.UnsuspendOrganization(r.Context(), pr.Actor, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// withdrawOrganization ends an organization's use (beppu §11-4, fukuoka §16): all
// its accounts are revoked, what it wrote stays.
func (a *API) withdrawOrganization(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in reasonRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.acc.WithdrawOrganization(r.Context(), pr.Actor, r.PathValue("id"), in.Reason); err != nil {
		return err
	}
	return noContent(w)
}

type changeAdminRequest struct {
	AdminName  string `json:"admin_name"`
	AdminEmail string `json:"admin_email"`
}

// changeAdmin records a change of admin (beppu §11-3): the old admin's ID is
// revoked and the new admin's temporary credentials are in this response only.
func (a *API) changeAdmin(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in changeAdminRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	creds, err := a.acc.ChangeAdmin(r.Context(), pr.Actor, r.PathValue("id"), in.AdminName, in.AdminEmail)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, creds)
}

type codeRequest struct {
	Code string `json:"code"`
}

// setOrganizationCode records the organization's 事業所番号 for the claims import.
func (a *API) setOrganizationCode(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in codeRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.acc.SetOrganizationCode(r.Context(), pr.Actor, r.PathValue("id"), in.Code); err != nil {
		return err
	}
	return noContent(w)
}
