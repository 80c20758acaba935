package api

import (
	"encoding/json"
	"net/http"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/profile"
)

type auditEventJSON struct {
	ID          int64           `json:"id"`
	At          *string         `json:"at"`
	ActorUserID string          `json:"actor_user_id"`
	ActorLogin  string          `json:"actor_login"`
	ActorOrgID  string          `json:"actor_org_id"`
	ActorRole   string          `json:"actor_role"`
	Action      string          `json:"action"`
	TargetType  string          `json:"target_type"`
	TargetID    string          `json:"target_id"`
	PersonID    string          `json:"person_id"`
	Reason      string          `json:"reason"`
	Outcome     string          `json:"outcome"`
	RemoteAddr  string          `json:"remote_addr"`
	RequestID   string          `json:"request_id"`
	Detail      json.RawMessage `json:"detail"`
}

// listAuditEvents is the audit viewer (beppu §10-3, fukuoka §9-3, §35): filter by
// who acted, their organization, the action (a prefix) and the dates, which are
// days in Asia/Tokyo, both included. Looking is itself audited by the service.
func (a *API) listAuditEvents(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var f domain.AuditFilter
	var err error
	if f.ActorLogin, err = queryText(r, "actor", 64); err != nil {
		return err
	}
	if f.ActorOrgID, err = queryText(r, "org", 64); err != nil {
		return err
	}
	if f.Action, err = queryText(r, "action", 64); err != nil {
		return err
	}
	if f.From, err = queryDate(r, "from", 0); err != nil {
		return err
	}
	if f.To, err = queryDate(r, "to", 1); err != nil { // up to the end of that day
		return err
	}
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset"); err != nil {
		return err
	}
	list, total, err := a.acc.AuditEvents(r.Context(), pr.Actor, f)
	if err != nil {
		return err
	}
	out := make([]auditEventJSON, 0, len(list))
	for _, e := range list {
		detail := json.RawMessage(e.Detail)
		if !json.Valid(detail) {
			detail, _ = json.Marshal(e.Detail)
		}
		out = append(out, auditEventJSON{ID: e.ID, At: timestamp(e.At), ActorUserID: e.ActorUserID,
			ActorLogin: e.ActorLogin, ActorOrgID: e.ActorOrgID, ActorRole: e.ActorRole, Action: e.Action,
			TargetType: e.TargetType, TargetID: e.TargetID, PersonID: e.PersonID, Reason: e.Reason,
			Outcome: e.Outcome, RemoteAddr: e.RemoteAddr, RequestID: e.RequestID, Detail: detail})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"total": total, "events": out})
}

// queryDate reads an optional YYYY-MM-DD day in Asia/Tokyo and returns the start
// of that day plus addDays.
func queryDate(r *http.Request, name string, addDays int) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, profile.Tokyo())
	if err != nil {
		msg := "日付は YYYY-MM-DD の形式で指定してください（例: 2026-11-24）。"
		return time.Time{}, badRequest("クエリパラメータ "+name+" が正しくありません。"+msg, name, msg)
	}
	return d.AddDate(0, 0, addDays), nil
}
