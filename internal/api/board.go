package api

import (
	"net/http"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/board"
	"renraku/internal/domain"
)

// The electronic bulletin board (beppu §8 (2), fukuoka §14 (2)): the posts the
// caller is in the audience of; the operator's posts, edits and withdrawals; who
// read a post.

// board is the board service over the people service's store, audit log and clock.
func (a *API) board() *board.Service {
	return board.New(a.people.Store(), a.people.AuditLog(), a.people.Clock())
}

type audienceJSON struct {
	OrgTypes    []string `json:"org_types"`
	Roles       []string `json:"roles"`
	Occupations []string `json:"occupations"`
}

type boardPostJSON struct {
	ID       string       `json:"id"`
	Kind     string       `json:"kind"`
	Title    string       `json:"title"`
	Body     string       `json:"body"`
	Pinned   bool         `json:"pinned"`
	Audience audienceJSON `json:"audience"`
	StartsAt *string      `json:"starts_at"`
	EndsAt   *string      `json:"ends_at"`
	Urgent   bool         `json:"urgent"`
	// State of a maintenance window at the request's time: upcoming, ongoing,
	// ended; "" for notices.
	State       string  `json:"state"`
	Status      string  `json:"status"`
	Version     int     `json:"version"`
	AuthorName  string  `json:"author_name"`
	CreatedAt   *string `json:"created_at"`
	UpdatedAt   *string `json:"updated_at"`
	WithdrawnAt *string `json:"withdrawn_at"`
	// ReadAt: when the caller first read the version they last read; Read: that
	// is the current version.
	ReadAt *string `json:"read_at"`
	Read   bool    `json:"read"`
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func boardPostOut(p *domain.BoardPost, now time.Time) boardPostJSON {
	out := boardPostJSON{ID: p.ID, Kind: string(p.Kind), Title: p.Title, Body: p.Body, Pinned: p.Pinned,
		Audience: audienceJSON{nonNil(p.Audience.OrgTypes), nonNil(p.Audience.Roles), nonNil(p.Audience.Occupations)},
		StartsAt: timestamp(p.StartsAt), EndsAt: timestamp(p.EndsAt), Urgent: p.Urgent, Status: string(p.Status),
		Version: p.Version, AuthorName: p.AuthorName, CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt),
		WithdrawnAt: timestamp(p.WithdrawnAt), ReadAt: timestamp(p.ReadAt), Read: !p.ReadAt.IsZero() && p.ReadVersion >= p.Version}
	if p.Kind == domain.BoardMaintenance {
		switch {
		case p.Upcoming(now):
			out.State = "upcoming"
		case p.Ongoing(now):
			out.State = "ongoing"
		default:
			out.State = "ended"
		}
	}
	return out
}

// listBoard lists the posts the caller may see, pinned first, then newest first;
// ?maintenance=current lists only the maintenance windows not yet ended.
func (a *API) listBoard(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	m, err := queryEnum(r, "maintenance", "current")
	if err != nil {
		return err
	}
	page, err := queryInt(r, "page")
	if err != nil {
		return err
	}
	var posts []*domain.BoardPost
	var total int
	if m == "current" {
		posts, err = a.board().Maintenance(r.Context(), pr.Actor)
		total = len(posts)
	} else {
		posts, total, err = a.board().List(r.Context(), pr.Actor, page)
	}
	if err != nil {
		return err
	}
	out := make([]boardPostJSON, 0, len(posts))
	for _, p := range posts {
		out = append(out, boardPostOut(p, pr.Actor.Now))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"posts": out, "total": total})
}

// boardRequest is a post. The window is RFC 3339 with an offset.
type boardRequest struct {
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	Pinned      bool     `json:"pinned"`
	OrgTypes    []string `json:"org_types"`
	Roles       []string `json:"roles"`
	Occupations []string `json:"occupations"`
	StartsAt    string   `json:"starts_at"`
	EndsAt      string   `json:"ends_at"`
	Urgent      bool     `json:"urgent"`
}

// boardEditRequest is an edit: the whole post, and whether to tell the audience again.
type boardEditRequest struct {
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	Pinned      bool     `json:"pinned"`
	OrgTypes    []string `json:"org_types"`
	Roles       []string `json:"roles"`
	Occupations []string `json:"occupations"`
	StartsAt    string   `json:"starts_at"`
	EndsAt      string   `json:"ends_at"`
	Urgent      bool     `json:"urgent"`
	Notify      bool     `json:"notify"`
}

func (b boardRequest) input() board.Input {
	return board.Input{Kind: b.Kind, Title: b.Title, Body: b.Body, Pinned: b.Pinned, OrgTypes: b.OrgTypes, Roles: b.Roles,
		Occupations: b.Occupations, StartsAt: b.StartsAt, EndsAt: b.EndsAt, Urgent: b.Urgent}
}

// checkWindow: the service also takes the web form's local time; the API says RFC 3339.
func checkWindow(start, end string) error {
	for _, f := range []struct{ field, label, v string }{{"starts_at", "開始日時", start}, {"ends_at", "終了日時", end}} {
		if f.v == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339, f.v); err != nil {
			return fieldError(f.field, f.label+"は RFC 3339 の形式で指定してください（例: 2026-12-01T09:00:00+09:00）。")
		}
	}
	return nil
}

func (a *API) createBoardPost(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in boardRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := checkWindow(in.StartsAt, in.EndsAt); err != nil {
		return err
	}
	p, err := a.board().Create(r.Context(), pr.Actor, in.input())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/board/"+p.ID)
	return writeJSON(w, http.StatusCreated, boardPostOut(p, pr.Actor.Now))
}

// getBoardPost returns a post and records that the caller read it.
func (a *API) getBoardPost(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	v, err := a.board().Get(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := *v.Post
	p.ReadAt, p.ReadVersion = pr.Actor.Now, p.Version
	return writeJSON(w, http.StatusOK, boardPostOut(&p, pr.Actor.Now))
}

func (a *API) updateBoardPost(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in boardEditRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := checkWindow(in.StartsAt, in.EndsAt); err != nil {
		return err
	}
	b := boardRequest{in.Kind, in.Title, in.Body, in.Pinned, in.OrgTypes, in.Roles, in.Occupations, in.StartsAt, in.EndsAt, in.Urgent}
	input := b.input()
	input.Notify = in.Notify
	p, err := a.board().Update(r.Context(), pr.Actor, r.PathValue("id"), input)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, boardPostOut(p, pr.Actor.Now))
}

func (a *API) withdrawBoardPost(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in reasonRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.board().Withdraw(r.Context(), pr.Actor, r.PathValue("id"), in.Reason); err != nil {
		return err
	}
	return noContent(w)
}

type boardReadJSON struct {
	UserID           string  `json:"user_id"`
	DisplayName      string  `json:"display_name"`
	Role             string  `json:"role"`
	OrganizationID   string  `json:"organization_id"`
	OrganizationName string  `json:"organization_name"`
	ReadAt           *string `json:"read_at"`
	Version          int     `json:"version"`
}

// boardReads: who read a post, for those who manage the board.
func (a *API) boardReads(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	v, err := a.board().Reads(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	reads := make([]boardReadJSON, 0, len(v.Reads))
	for _, x := range v.Reads {
		reads = append(reads, boardReadJSON{UserID: x.UserID, DisplayName: x.DisplayName, Role: string(x.Role),
			OrganizationID: x.OrgID, OrganizationName: x.OrgName, ReadAt: timestamp(x.ReadAt), Version: x.Version})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"version": v.Post.Version, "audience": v.Audience,
		"read_current": v.ReadCurrent, "reads": reads})
}
