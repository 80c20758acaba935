package api

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

type staffRequestJSON struct {
	ID             string  `json:"id"`
	OrganizationID string  `json:"organization_id"`
	RequestedBy    string  `json:"requested_by"`
	Kind           string  `json:"kind"`
	TargetUserID   string  `json:"target_user_id"`
	DisplayName    string  `json:"display_name"`
	Email          string  `json:"email"`
	Occupation     string  `json:"occupation"`
	Status         string  `json:"status"`
	Reason         string  `json:"reason"`
	DecidedBy      string  `json:"decided_by"`
	DecidedAt      *string `json:"decided_at"`
	UserID         string  `json:"user_id"`
	CreatedAt      *string `json:"created_at"`
}

func staffRequestOut(s *domain.StaffRequest) staffRequestJSON {
	return staffRequestJSON{ID: s.ID, OrganizationID: s.OrgID, RequestedBy: s.RequestedBy, Kind: s.Kind,
		TargetUserID: s.TargetUserID, DisplayName: s.DisplayName, Email: s.Email, Occupation: s.Occupation,
		Status: string(s.Status), Reason: s.Reason, DecidedBy: s.DecidedBy, DecidedAt: timestamp(s.DecidedAt),
		UserID: s.UserID, CreatedAt: timestamp(s.CreatedAt)}
}

func writeStaffRequests(w http.ResponseWriter, list []*domain.StaffRequest) error {
	out := make([]staffRequestJSON, 0, len(list))
	for _, s := range list {
		out = append(out, staffRequestOut(s))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"staff_requests": out})
}

// listStaffRequests is the operator's queue of pending requests (joso §10).
func (a *API) listStaffRequests(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	list, err := a.acc.StaffRequests(r.Context(), pr.Actor, "")
	if err != nil {
		return err
	}
	return writeStaffRequests(w, list)
}

// listOrganizationStaffRequests lists an organization's own requests, for its admin.
func (a *API) listOrganizationStaffRequests(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	list, err := a.acc.StaffRequests(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeStaffRequests(w, list)
}

type staffRequestRequest struct {
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Occupation  string `json:"occupation"`
	// TargetUserID asks for a new ID for a staff member who lost theirs (joso §10-4..6).
	TargetUserID string `json:"target_user_id"`
}

// createStaffRequest files the admin's request to the operator for a staff account
// (joso §10-1..2), or for a new ID replacing a lost one (joso §10-4..6).
func (a *API) createStaffRequest(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in staffRequestRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	req, err := a.acc.RequestStaff(r.Context(), pr.Actor, r.PathValue("id"),
		accounts.StaffInput{DisplayName: in.DisplayName, Email: in.Email, Occupation: in.Occupation}, in.TargetUserID)
	if in.TargetUserID != "" && domain.ErrorCode(err) == domain.ENOTFOUND {
		return fieldError("target_user_id", "この組織の利用者に、指定されたIDのアカウントはありません。")
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, staffRequestOut(req))
}

// issueStaffRequest issues the requested account; for a reissue the old ID is
// stopped and a new one issued (joso §10-6). The credentials are shown this once.
func (a *API) issueStaffRequest(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	creds, err := a.acc.DecideStaffRequest(r.Context(), pr.Actor, r.PathValue("id"), true, "")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, creds)
}

func (a *API) rejectStaffRequest(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in reasonRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if _, err := a.acc.DecideStaffRequest(r.Context(), pr.Actor, r.PathValue("id"), false, in.Reason); err != nil {
		return err
	}
	return noContent(w)
}
