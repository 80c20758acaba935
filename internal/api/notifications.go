package api

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/notify"
)

// The caller's notifications: what is new, as a kind and a link (never content),
// marking read, and the choice of e-mail.

// WithMail says that this installation sends notification e-mail (an SMTP relay
// is configured), so users may choose it.
func (a *API) WithMail(on bool) *API {
	a.mail = on
	return a
}

func (a *API) notify() *notify.Service {
	return notify.New(a.people.Store(), a.people.AuditLog(), a.people.Clock(), a.mail)
}

type notificationJSON struct {
	ID        string  `json:"id"`
	Kind      string  `json:"kind"`
	Label     string  `json:"label"`
	Link      string  `json:"link"`
	CreatedAt *string `json:"created_at"`
	ReadAt    *string `json:"read_at"`
}

func (a *API) listNotifications(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	unread, err := queryEnum(r, "unread", "true", "false")
	if err != nil {
		return err
	}
	page, err := queryInt(r, "page")
	if err != nil {
		return err
	}
	items, n, err := a.notify().List(r.Context(), pr.Actor, unread == "true", page)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, 0, len(items))
	for _, it := range items {
		out = append(out, notificationJSON{ID: it.ID, Kind: it.Kind, Label: it.Label, Link: it.Link,
			CreatedAt: timestamp(it.CreatedAt), ReadAt: timestamp(it.ReadAt)})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"notifications": out, "unread": n})
}

// markReadRequest names the notifications to mark read, or all of them.
type markReadRequest struct {
	IDs []string `json:"ids"`
	All bool     `json:"all"`
}

func (a *API) markNotificationsRead(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in markReadRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	var ids []string
	switch {
	case in.All && len(in.IDs) > 0:
		return fieldError("ids", "ids と all はどちらか一方を指定してください。")
	case in.All:
	case len(in.IDs) == 0:
		return fieldError("ids", "既読にするお知らせの ids を指定するか、all: true を指定してください。")
	default:
		ids = in.IDs
	}
	n, err := a.notify().MarkRead(r.Context(), pr.Actor, ids)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"marked": n})
}

func (a *API) getNotificationSettings(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	s, err := a.notify().Settings(r.Context(), pr.Actor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}

type notificationSettingsRequest struct {
	Email *bool `json:"email"`
}

func (a *API) setNotificationSettings(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in notificationSettingsRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Email == nil {
		return fieldError("email", "email（true または false）を指定してください。")
	}
	svc := a.notify()
	if err := svc.SetEmail(r.Context(), pr.Actor, *in.Email); err != nil {
		return err
	}
	s, err := svc.Settings(r.Context(), pr.Actor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s)
}
