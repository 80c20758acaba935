package api

import (
	"net/http"
	"slices"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

type userJSON struct {
	ID                 string  `json:"id"`
	LoginID            string  `json:"login_id"`
	OrganizationID     string  `json:"organization_id"`
	Role               string  `json:"role"`
	OperatorRole       string  `json:"operator_role"`
	Occupation         string  `json:"occupation"`
	DisplayName        string  `json:"display_name"`
	Email              string  `json:"email"`
	Status             string  `json:"status"`
	SuspendReason      string  `json:"suspend_reason"`
	MustChangePassword bool    `json:"must_change_password"`
	TOTPEnabled        bool    `json:"totp_enabled"`
	ReplacedBy         string  `json:"replaced_by"`
	CreatedAt          *string `json:"created_at"`
	LastLoginAt        *string `json:"last_login_at"`
}

// userOut never carries the password hash or the TOTP secret.
func userOut(u *domain.User) userJSON {
	return userJSON{ID: u.ID, LoginID: u.LoginID, OrganizationID: u.OrgID, Role: string(u.Role),
		OperatorRole: u.OperatorRole, Occupation: u.Occupation, DisplayName: u.DisplayName, Email: u.Email,
		Status: string(u.Status), SuspendReason: u.SuspendReason, MustChangePassword: u.MustChangePassword,
		TOTPEnabled: u.TOTPEnabled, ReplacedBy: u.ReplacedBy, CreatedAt: timestamp(u.CreatedAt),
		LastLoginAt: timestamp(u.LastLoginAt)}
}

func writeUsers(w http.ResponseWriter, list []*domain.User) error {
	out := make([]userJSON, 0, len(list))
	for _, u := range list {
		out = append(out, userOut(u))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

// listNetworkUsers lists the network-level accounts (operators, municipal staff,
// auditors, the vendor).
func (a *API) listNetworkUsers(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	list, err := a.acc.Users(r.Context(), pr.Actor, "")
	if err != nil {
		return err
	}
	return writeUsers(w, list)
}

type networkAccountRequest struct {
	Role         string `json:"role"`
	OperatorRole string `json:"operator_role"`
	DisplayName  string `json:"display_name"`
	Email        string `json:"email"`
	Occupation   string `json:"occupation"`
}

// networkRoles are the roles of accounts that belong to no organization.
var networkRoles = []string{string(domain.RoleOperator), string(domain.RoleMunicipal), string(domain.RoleAuditor), string(domain.RoleVendor)}

// issueNetworkAccount issues a network-level account: municipal staff (beppu §14),
// another operator role, an auditor (fukuoka §35) or the contracted vendor.
func (a *API) issueNetworkAccount(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in networkAccountRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if !slices.Contains(networkRoles, in.Role) {
		return fieldError("role", "アカウントの種類（operator, municipal, auditor, vendor のいずれか）を指定してください。")
	}
	creds, err := a.acc.IssueNetworkAccount(r.Context(), pr.Actor, accounts.NetworkAccountInput{Role: domain.Role(in.Role),
		OperatorRole: in.OperatorRole, DisplayName: in.DisplayName, Email: in.Email, Occupation: in.Occupation})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, creds)
}

// suspendUser stops an account at once without the holder's consent (katori §30,
// joso §29, sendai §28): its tokens stop on the next request.
func (a *API) suspendUser(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in reasonRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.acc.SuspendUser(r.Context(), pr.Actor, r.PathValue("id"), in.Reason); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) unsuspendUser(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if err := a.acc.UnsuspendUser(r.Context(), pr.Actor, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// revokeUser revokes an ID for good, at once (a leaver: beppu §13-6, fukuoka §16-5).
func (a *API) revokeUser(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if err := a.acc.RevokeUser(r.Context(), pr.Actor, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// reissueUser answers a lost ID or password (beppu §12-4..5, fukuoka §12-4..5):
// the old password and tokens stop at once; in joso (§10-6) the old ID is stopped
// and a new one issued, so the response's login_id differs.
func (a *API) reissueUser(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	creds, err := a.acc.ReissueCredentials(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, creds)
}

// listOrganizationUsers lists an organization's accounts, for its admin or the
// operator. The organization is looked up first, so an unknown one is a 404.
func (a *API) listOrganizationUsers(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	id := r.PathValue("id")
	if _, err := a.acc.Organization(r.Context(), pr.Actor, id); err != nil {
		return err
	}
	list, err := a.acc.Users(r.Context(), pr.Actor, id)
	if err != nil {
		return err
	}
	return writeUsers(w, list)
}

type staffRequest struct {
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Occupation  string `json:"occupation"`
}

// issueStaff issues a staff account (katori §6-2, sendai §6-3, beppu §13-2,
// fukuoka §11-2); in joso the operator issues them on request (§10).
func (a *API) issueStaff(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in staffRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	creds, err := a.acc.IssueStaff(r.Context(), pr.Actor, r.PathValue("id"),
		accounts.StaffInput{DisplayName: in.DisplayName, Email: in.Email, Occupation: in.Occupation})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, creds)
}
