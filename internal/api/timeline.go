package api

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/timeline"
)

// The shared timeline (連絡帳, SPEC §5): every handler parses the request, calls
// the timeline service (which asks policy.Decide on the person and the occupation
// matrix, filters lists in SQL and audits every read before answering) and writes
// JSON. An entry or person the caller may not read is 404, whether or not it
// exists; a deleted entry is a tombstone (who and when), its text withheld.

// tl is the timeline over the people service it shares facts with.
func (a *API) tl() *timeline.Service { return timeline.New(a.people) }

type addresseeJSON struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

type entryCanJSON struct {
	Reply   bool `json:"reply"`
	Edit    bool `json:"edit"`
	Delete  bool `json:"delete"`
	Done    bool `json:"done"`
	Readers bool `json:"readers"`
}

type entryReadJSON struct {
	UserID   string  `json:"user_id"`
	UserName string  `json:"user_name"`
	OrgID    string  `json:"org_id"`
	ReadAt   *string `json:"read_at"`
}

type entryJSON struct {
	ID               string          `json:"id"`
	PersonID         string          `json:"person_id"`
	ThreadID         string          `json:"thread_id"`
	ReplyTo          string          `json:"reply_to"`
	Category         string          `json:"category"`
	Body             string          `json:"body"`
	ActionRequired   bool            `json:"action_required"`
	AuthorID         string          `json:"author_id"`
	AuthorName       string          `json:"author_name"`
	AuthorOrg        string          `json:"author_org"`
	AuthorOccupation string          `json:"author_occupation"`
	Version          int             `json:"version"`
	CreatedAt        *string         `json:"created_at"`
	UpdatedAt        *string         `json:"updated_at"`
	Deleted          bool            `json:"deleted"`
	DeletedAt        *string         `json:"deleted_at"`
	DeletedBy        string          `json:"deleted_by"`
	DeletedByName    string          `json:"deleted_by_name"`
	DoneAt           *string         `json:"done_at"`
	DoneBy           string          `json:"done_by"`
	DoneByName       string          `json:"done_by_name"`
	Addressees       []addresseeJSON `json:"addressees"`
	Attachments      []string        `json:"attachments"`
	// What one reader sees of it (lists and the entry's page).
	Unread    *bool           `json:"unread,omitempty"`
	ReadCount *int            `json:"read_count,omitempty"`
	Readers   []entryReadJSON `json:"readers,omitempty"`
	Can       *entryCanJSON   `json:"can,omitempty"`
}

func entryOut(e *domain.Entry) entryJSON {
	out := entryJSON{ID: e.ID, PersonID: e.PersonID, ThreadID: e.ThreadID, ReplyTo: e.ReplyTo, Category: e.Category,
		Body: e.Body, ActionRequired: e.ActionRequired, AuthorID: e.AuthorID, AuthorName: e.AuthorName,
		AuthorOrg: e.AuthorOrg, AuthorOccupation: e.AuthorOccupation, Version: e.Version, CreatedAt: timestamp(e.CreatedAt),
		UpdatedAt: timestamp(e.UpdatedAt), Deleted: e.Deleted(), DeletedAt: timestamp(e.DeletedAt), DeletedBy: e.DeletedBy,
		DeletedByName: e.DeletedByName, DoneAt: timestamp(e.DoneAt), DoneBy: e.DoneBy, DoneByName: e.DoneByName,
		Addressees: []addresseeJSON{}, Attachments: strs(e.Attachments)}
	if e.Deleted() {
		out.Body, out.Attachments = "", []string{} // the tombstone withholds the text (katori §34 (8))
	}
	for _, ad := range e.Addressees {
		out.Addressees = append(out.Addressees, addresseeJSON{Kind: ad.Kind, ID: ad.ID})
	}
	return out
}

func readsOut(rs []*domain.EntryRead) []entryReadJSON {
	out := make([]entryReadJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, entryReadJSON{UserID: r.UserID, UserName: r.UserName, OrgID: r.OrgID, ReadAt: timestamp(r.ReadAt)})
	}
	return out
}

func itemOut(it *timeline.Item) entryJSON {
	out := entryOut(it.Entry)
	unread, count := it.Unread, it.ReadCount
	out.Unread, out.ReadCount = &unread, &count
	out.Can = &entryCanJSON{Reply: it.CanReply, Edit: it.CanEdit, Delete: it.CanDelete, Done: it.CanDone, Readers: it.CanReaders}
	if it.CanReaders {
		out.Readers = readsOut(it.Readers)
	}
	return out
}

type threadJSON struct {
	Root    *entryJSON  `json:"root"`
	Replies []entryJSON `json:"replies"`
}

func threadOut(t *timeline.Thread) threadJSON {
	out := threadJSON{Replies: []entryJSON{}}
	if t.Root != nil {
		r := itemOut(t.Root)
		out.Root = &r
	}
	for _, it := range t.Replies {
		out.Replies = append(out.Replies, itemOut(it))
	}
	return out
}

// listEntries is one page of a person's timeline: threads newest first with the
// replies the caller may read; the read is audited with its query and records
// the caller's first read of every entry returned.
func (a *API) listEntries(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var f timeline.Filter
	var err error
	for _, q := range []struct {
		name string
		dst  *string
		max  int
	}{{"category", &f.Category, 50}, {"author_org", &f.AuthorOrg, 64}, {"from", &f.From, 10}, {"to", &f.To, 10},
		{"q", &f.Query, timeline.MaxQuery}} {
		if *q.dst, err = queryText(r, q.name, q.max); err != nil {
			return err
		}
	}
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset"); err != nil {
		return err
	}
	page, err := a.tl().Timeline(r.Context(), pr.Actor, r.PathValue("id"), f, false)
	if err != nil {
		return err
	}
	threads := make([]threadJSON, 0, len(page.Threads))
	for _, t := range page.Threads {
		threads = append(threads, threadOut(t))
	}
	writable := []string{}
	for _, c := range page.Writable {
		writable = append(writable, c.Key)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"total": page.Total, "via": page.Via, "writable": writable, "threads": threads})
}

type entryRequest struct {
	Category       string   `json:"category"`
	Body           string   `json:"body"`
	To             []string `json:"to"`
	ActionRequired bool     `json:"action_required"`
	ReplyTo        string   `json:"reply_to"`
	Attachments    []string `json:"attachments"`
}

// createEntry writes an entry (or, with reply_to, a reply) on a person's timeline.
func (a *API) createEntry(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in entryRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, err := a.tl().Create(r.Context(), pr.Actor, r.PathValue("id"), timeline.Input{Category: in.Category, Body: in.Body,
		To: in.To, ActionRequired: in.ActionRequired, ReplyTo: in.ReplyTo, Attachments: in.Attachments})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/entries/"+e.ID)
	return writeJSON(w, http.StatusCreated, entryOut(e))
}

type versionJSON struct {
	Version      int     `json:"version"`
	Body         string  `json:"body"`
	EditedBy     string  `json:"edited_by"`
	EditedByName string  `json:"edited_by_name"`
	EditedAt     *string `json:"edited_at"`
}

func versionsOut(vs []*domain.EntryVersion) []versionJSON {
	out := make([]versionJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, versionJSON{Version: v.Version, Body: v.Body, EditedBy: v.EditedBy, EditedByName: v.EditedByName,
			EditedAt: timestamp(v.EditedAt)})
	}
	return out
}

// getEntry opens an entry with its thread and versions (an audited read that
// records the caller's first read of the thread's entries).
func (a *API) getEntry(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	v, err := a.tl().Get(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entry": itemOut(v.Item), "via": v.Via, "thread": threadOut(v.Thread),
		"versions": versionsOut(v.Versions)})
}

type entryEditRequest struct {
	Body string `json:"body"`
}

// editEntry changes an entry's text: a new version; the earlier ones stay.
func (a *API) editEntry(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in entryEditRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, err := a.tl().Edit(r.Context(), pr.Actor, r.PathValue("id"), in.Body)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, entryOut(e))
}

// deleteEntry leaves a tombstone (who and when) and answers with it.
func (a *API) deleteEntry(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	e, err := a.tl().Delete(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, entryOut(e))
}

func (a *API) entryVersions(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	e, vs, err := a.tl().Versions(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entry_id": e.ID, "deleted": e.Deleted(), "versions": versionsOut(vs)})
}

// entryReaders is who read the entry and when, for its author and addressees.
func (a *API) entryReaders(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	rs, err := a.tl().Readers(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"readers": readsOut(rs)})
}

// markEntryRead records that the caller read the entry (a client that showed it).
func (a *API) markEntryRead(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if err := a.tl().MarkRead(r.Context(), pr.Actor, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// markEntryDone: 対応済み, by an addressee of an entry that asks for action.
func (a *API) markEntryDone(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	e, err := a.tl().MarkDone(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, entryOut(e))
}

type inboxItemJSON struct {
	Entry  entryJSON `json:"entry"`
	Person struct {
		ID         string `json:"id"`
		FamilyName string `json:"family_name"`
		GivenName  string `json:"given_name"`
	} `json:"person"`
	Read bool `json:"read"`
}

// listInbox is the entries addressed to the caller or their organization that
// the caller may read, newest first (?unread=true: not yet read).
func (a *API) listInbox(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	unread, err := queryEnum(r, "unread", "true", "false")
	if err != nil {
		return err
	}
	f := timeline.InboxFilter{UnreadOnly: unread == "true"}
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset"); err != nil {
		return err
	}
	items, total, err := a.tl().Inbox(r.Context(), pr.Actor, f)
	if err != nil {
		return err
	}
	out := make([]inboxItemJSON, 0, len(items))
	for _, it := range items {
		x := inboxItemJSON{Entry: entryOut(it.Entry), Read: it.Read}
		x.Person.ID, x.Person.FamilyName, x.Person.GivenName = it.Entry.PersonID, it.FamilyName, it.GivenName
		out = append(out, x)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"total": total, "items": out})
}
