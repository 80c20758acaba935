package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/timeline"
)

// The shared timeline (連絡帳, SPEC §5): a person's timeline with the compose form
// on top, filters and search, each thread with its replies, reply, 対応済み and a
// link to the entry's page (versions, who read it, edit, delete); the inbox of
// entries addressed to the user. Made for a phone on a home visit: one column,
// large targets, forms that work without JavaScript. What a user may see and do is
// the timeline service's and the policy's to decide; the page shows the answers.

func init() {
	for k, v := range map[string]string{
		"entry-created": "記録しました。",
		"entry-replied": "返信しました。",
		"entry-edited":  "記録を訂正しました。訂正前の内容は履歴に残ります。",
		"entry-deleted": "記録を削除しました。削除したこと（だれが・いつ）は表示されます。",
		"entry-done":    "対応済みにしました。",
	} {
		notices[k] = v
	}
}

// tl is the timeline over the people service it shares facts with.
func (w *Web) tl() *timeline.Service { return timeline.New(w.people) }

const entriesPerPage = 20

// timelineData is what timeline.html shows: a person's timeline (Page) or one
// entry with its thread (Entry).
type timelineData struct {
	Page    *timeline.Page
	Entry   *timeline.EntryView
	Person  *domain.Person
	Orgs    []people.OrgRef // the network's organizations, to filter by author
	orgs    map[string]people.OrgRef
	own     string
	me      string
	PrevURL string
	NextURL string
	First   int
	Last    int
	// FilterFailed: the filter was refused; the page shows the timeline without it.
	FilterFailed bool
}

// OrgName names an organization of the network ("" for the city's own staff).
func (d *timelineData) OrgName(id string) string {
	if id == "" {
		return "市"
	}
	name := "組織ID " + id
	if o, ok := d.orgs[id]; ok {
		name = o.Name
	}
	if id == d.own {
		name += "（自組織）"
	}
	return name
}

// Recipients is the compose form's list of organizations and users.
func (d *timelineData) Recipients() []timeline.Recipient {
	if d.Page == nil {
		return nil
	}
	return append(append([]timeline.Recipient{}, d.Page.Orgs...), d.Page.Users...)
}

// AddresseeName names an addressee of an entry.
func (d *timelineData) AddresseeName(a domain.Addressee) string {
	if a.Kind == domain.AddresseeOrg {
		return d.OrgName(a.ID)
	}
	if a.ID == d.me {
		return "あなた"
	}
	names := map[string]string(nil)
	if d.Page != nil {
		names = d.Page.Names
	} else if d.Entry != nil {
		names = d.Entry.Names
	}
	if n := names[a.ID]; n != "" {
		return n + "さん"
	}
	return "職員"
}

// Map builds the argument of a sub-template from name and value pairs.
func (p *page) Map(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}

// Checked reports whether a multi-valued form field had v (to refill a form).
func (p *page) Checked(name, v string) bool { return slices.Contains(p.Vals(name), v) }

// urlRe finds http and https URLs: only these become links. Anything else that
// looks like an address (javascript:, data:, file:, mailto:) stays text.
var urlRe = regexp.MustCompile(`https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+`)

// EntryText is an entry's text for a page: everything escaped, line breaks kept
// by the style (white-space: pre-wrap), and http(s) URLs made links that open in
// a new tab with rel="noopener noreferrer" (the linked site learns neither the
// page nor gets a handle on it; the server's Referrer-Policy is no-referrer too).
func (p *page) EntryText(s string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range urlRe.FindAllStringIndex(s, -1) {
		u := strings.TrimRight(s[m[0]:m[1]], ".,;:!?'") // sentence punctuation after the URL
		b.WriteString(template.HTMLEscapeString(s[last:m[0]]))
		pu, err := url.Parse(u)
		if err == nil && (pu.Scheme == "http" || pu.Scheme == "https") && pu.Host != "" {
			esc := template.HTMLEscapeString(u)
			b.WriteString(`<a href="` + esc + `" rel="noopener noreferrer" target="_blank">` + esc + `</a>`)
		} else {
			b.WriteString(template.HTMLEscapeString(u))
		}
		last = m[0] + len(u)
	}
	b.WriteString(template.HTMLEscapeString(s[last:]))
	return template.HTML(b.String())
}

// Excerpt is the beginning of a text, for lists.
func (p *page) Excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func timelinePath(pr *accounts.Principal, personID string) string {
	return personPath(pr, personID) + "/timeline"
}

func entryPath(pr *accounts.Principal, id string) string {
	return "/n/" + url.PathEscape(pr.Network.ID) + "/entries/" + url.PathEscape(id)
}

func (w *Web) timelineDirectory(ctx context.Context, pr *accounts.Principal, d *timelineData) error {
	var err error
	d.orgs, d.Orgs, err = w.orgDirectory(ctx, pr)
	if pr.Org != nil {
		d.own = pr.Org.ID
	}
	d.me = pr.Actor.UserID
	return err
}

// timelineFilter reads the filter of the timeline page from its query string.
func timelineFilter(q url.Values) (timeline.Filter, error) {
	f := timeline.Filter{Category: q.Get("category"), AuthorOrg: q.Get("author_org"), From: q.Get("from"), To: q.Get("to"),
		Query: q.Get("q"), Limit: entriesPerPage}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			return f, &domain.Error{Code: domain.EINVALID, Message: "検索条件に誤りがあります。",
				Fields: map[string]string{"page": "ページの指定が正しくありません。"}}
		}
		f.Offset = (n - 1) * entriesPerPage
	}
	return f, nil
}

// timelineShow is 「連絡帳」: the compose form, the filters and one page of threads.
// Every rendering is an audited read and records the user's first read of each
// entry shown.
func (w *Web) timelineShow(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderTimeline(rw, r, pr, r.PathValue("id"), http.StatusOK, nil)
}

func (w *Web) renderTimeline(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, id string, status int, failed *page) {
	p := failed
	if p == nil {
		p = w.newPage(r, "", pr)
	}
	p.Title = "連絡帳" // the person's name stays out of <title>
	q := r.URL.Query()
	f, err := timelineFilter(q)
	var tp *timeline.Page
	if err == nil {
		tp, err = w.tl().Timeline(r.Context(), pr.Actor, id, f, true)
	}
	filterFailed := false
	if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID && len(e.Fields) > 0 {
		filterFailed = true
		// A bad filter: show the page again without it, the message beside the filter.
		p.Errors, p.Error = map[string]string{}, "検索条件に誤りがあります。"
		for k, v := range e.Fields {
			p.Errors["f_"+k] = v
		}
		status = http.StatusUnprocessableEntity
		tp, err = w.tl().Timeline(r.Context(), pr.Actor, id, timeline.Filter{Limit: entriesPerPage}, true)
	}
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	d := &timelineData{Page: tp, Person: tp.Person, FilterFailed: filterFailed}
	if err := w.timelineDirectory(r.Context(), pr, d); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if p.Form == nil {
		p.Form = url.Values{}
	}
	for _, k := range []string{"category", "author_org", "from", "to", "q"} {
		if p.Form.Get("f_"+k) == "" && q.Get(k) != "" && p.Errors["f_"+k] == "" {
			p.Form.Set("f_"+k, q.Get(k))
		}
	}
	if len(tp.Threads) > 0 {
		d.First, d.Last = tp.Filter.Offset+1, tp.Filter.Offset+len(tp.Threads)
	}
	link := func(offset int) string {
		v := url.Values{}
		for _, k := range []string{"category", "author_org", "from", "to", "q"} {
			if x := q.Get(k); x != "" && p.Errors["f_"+k] == "" {
				v.Set(k, x)
			}
		}
		v.Set("page", strconv.Itoa(offset/entriesPerPage+1))
		return timelinePath(pr, id) + "?" + v.Encode()
	}
	if tp.Filter.Offset > 0 {
		d.PrevURL = link(max(tp.Filter.Offset-entriesPerPage, 0))
	}
	if tp.Filter.Offset+len(tp.Threads) < tp.Total {
		d.NextURL = link(tp.Filter.Offset + entriesPerPage)
	}
	p.Data = d
	w.render(rw, r, status, "timeline.html", p)
}

// entryCreate posts the compose form: a new entry on the person's timeline.
func (w *Web) entryCreate(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	f := r.PostForm
	_, err := w.tl().Create(r.Context(), pr.Actor, id, timeline.Input{Category: f.Get("category"), Body: f.Get("body"),
		To: f["to"], ActionRequired: f.Get("action_required") == "yes"})
	if err != nil {
		if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
			p.Form, p.Error, p.Errors = f, e.Message, e.Fields
			w.renderTimeline(rw, r, pr, id, domain.HTTPStatus(err), p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, timelinePath(pr, id)+"?done=entry-created")
}

// entryShow is one entry's page: its thread, every version of its text, who
// read it (for its author and addressees), and the forms to reply, edit and delete.
func (w *Web) entryShow(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderEntry(rw, r, pr, r.PathValue("id"), http.StatusOK, nil)
}

func (w *Web) renderEntry(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, id string, status int, failed *page) {
	p := failed
	if p == nil {
		p = w.newPage(r, "", pr)
	}
	p.Title = "連絡帳の記録"
	v, err := w.tl().Get(r.Context(), pr.Actor, id)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	d := &timelineData{Entry: v, Person: v.Person}
	if err := w.timelineDirectory(r.Context(), pr, d); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Data = d
	w.render(rw, r, status, "timeline.html", p)
}

// entryAction runs a form posted about an entry. Invalid input or a conflict
// shows the entry's page again with the message beside the form (the service's
// "body" renamed to the form's field); success redirects (post/redirect/get) to
// the thread on the timeline (from=timeline) or to the entry's page.
func (w *Web) entryAction(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, done, bodyField string,
	fn func(f url.Values) (*domain.Entry, error)) {
	id := r.PathValue("id")
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	e, err := fn(r.PostForm)
	if err != nil {
		if de := domain.AsError(err); de != nil && (de.Code == domain.EINVALID || de.Code == domain.ECONFLICT) {
			p.Form, p.Error, p.Errors = r.PostForm, de.Message, map[string]string{}
			for k, v := range de.Fields {
				if k == "body" {
					k = bodyField
				}
				p.Errors[k] = v
			}
			w.renderEntry(rw, r, pr, id, domain.HTTPStatus(err), p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	next := entryPath(pr, e.ThreadID) + "?done=" + done + "#entry-" + e.ID
	if r.PostForm.Get("from") == "timeline" {
		next = timelinePath(pr, e.PersonID) + "?done=" + done + "#entry-" + e.ID
	}
	redirect(rw, r, next)
}

func (w *Web) entryReply(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.entryAction(rw, r, pr, "entry-replied", "reply_body", func(f url.Values) (*domain.Entry, error) {
		return w.tl().Reply(r.Context(), pr.Actor, r.PathValue("id"), timeline.Input{Body: f.Get("reply_body"),
			ActionRequired: f.Get("reply_action_required") == "yes"})
	})
}

func (w *Web) entryEdit(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.entryAction(rw, r, pr, "entry-edited", "edit_body", func(f url.Values) (*domain.Entry, error) {
		return w.tl().Edit(r.Context(), pr.Actor, r.PathValue("id"), f.Get("edit_body"))
	})
}

func (w *Web) entryDelete(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.entryAction(rw, r, pr, "entry-deleted", "delete_confirm", func(f url.Values) (*domain.Entry, error) {
		if err := confirmed(f, "delete_confirm", "削除する場合はチェックを入れてください。"); err != nil {
			return nil, err
		}
		return w.tl().Delete(r.Context(), pr.Actor, r.PathValue("id"))
	})
}

func (w *Web) entryDone(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.entryAction(rw, r, pr, "entry-done", "done", func(url.Values) (*domain.Entry, error) {
		return w.tl().MarkDone(r.Context(), pr.Actor, r.PathValue("id"))
	})
}

type inboxData struct {
	Items      []*domain.InboxItem
	Total      int
	UnreadOnly bool
	PrevURL    string
	NextURL    string
}

// inbox is 「あなた宛て」: the entries addressed to the user or their organization
// that they may read, unread ones first by default; opening one records the read.
func (w *Web) inbox(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "あなた宛ての記録", pr)
	q := r.URL.Query()
	d := &inboxData{UnreadOnly: q.Get("all") != "1"}
	pageNo := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			w.fail(rw, r, p, "", domain.Errorf(domain.ENOTFOUND, "見つかりません。"))
			return
		}
		pageNo = n
	}
	offset := (pageNo - 1) * entriesPerPage
	items, total, err := w.tl().Inbox(r.Context(), pr.Actor, timeline.InboxFilter{UnreadOnly: d.UnreadOnly, Limit: entriesPerPage, Offset: offset})
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	d.Items, d.Total = items, total
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if !d.UnreadOnly {
			v.Set("all", "1")
		}
		return "/n/" + url.PathEscape(pr.Network.ID) + "/inbox?" + v.Encode()
	}
	if pageNo > 1 {
		d.PrevURL = link(pageNo - 1)
	}
	if offset+len(items) < total {
		d.NextURL = link(pageNo + 1)
	}
	p.Data = d
	w.render(rw, r, http.StatusOK, "inbox.html", p)
}
