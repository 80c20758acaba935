package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"renraku/internal/accounts"
	"renraku/internal/board"
	"renraku/internal/domain"
	"renraku/internal/profile"
)

// The electronic bulletin board (電子掲示板, beppu §8 (2), fukuoka §14 (2)): the
// list of the posts the user is in the audience of, pinned first; a post's page,
// which records that the user read it and shows those who manage the board who
// read it; the operator's form to post, edit and withdraw. Who may do what is the
// board service's and the policy's to decide.

func init() {
	notices["board-posted"] = "掲示板に掲載しました。対象の利用者にお知らせしました。"
	notices["board-edited"] = "掲載内容を更新しました。"
	notices["board-withdrawn"] = "掲載を取り下げました。利用者には表示されません。"
}

const windowLayout = "2006-01-02T15:04" // datetime-local, in Japan time

// boardRow is a post as the list and the post page show it.
type boardRow struct {
	*domain.BoardPost
	KindName string
	Audience string // who it is for, in words
	Unread   bool   // the user has not read this version
	Updated  bool   // read, but an earlier version
	State    string // maintenance: 予定, 実施中, 終了
}

func kindName(k domain.BoardKind) string {
	if k == domain.BoardMaintenance {
		return "保守・停止の予告"
	}
	return "お知らせ"
}

// audienceText says in Japanese who a post is for.
func audienceText(p *profile.Profile, a domain.BoardAudience) string {
	if a.All() {
		return "すべての利用者"
	}
	var parts []string
	names := func(label string, keys []string, name func(string) string) {
		if len(keys) == 0 {
			return
		}
		ns := make([]string, len(keys))
		for i, k := range keys {
			ns[i] = name(k)
		}
		parts = append(parts, label+": "+strings.Join(ns, "・"))
	}
	names("組織の種別", a.OrgTypes, func(k string) string {
		if it := p.OrgType(k); it != nil {
			return it.Name
		}
		return k
	})
	names("区分", a.Roles, func(k string) string { return p.RoleName(k, "") })
	names("職種", a.Occupations, func(k string) string {
		if it := p.Occupation(k); it != nil {
			return it.Name
		}
		return k
	})
	return strings.Join(parts, " ／ ")
}

func (w *Web) boardRow(pr *accounts.Principal, b *domain.BoardPost) boardRow {
	row := boardRow{BoardPost: b, KindName: kindName(b.Kind), Audience: audienceText(pr.Actor.Profile, b.Audience)}
	row.Unread = b.ReadAt.IsZero()
	row.Updated = !row.Unread && b.ReadVersion < b.Version
	if b.Kind == domain.BoardMaintenance {
		now := pr.Actor.Now
		switch {
		case b.Upcoming(now):
			row.State = "予定"
		case b.Ongoing(now):
			row.State = "実施中"
		default:
			row.State = "終了"
		}
	}
	return row
}

type boardListData struct {
	Rows    []boardRow
	Total   int
	CanPost bool
	PrevURL string
	NextURL string
}

// boardList is 「掲示板」.
func (w *Web) boardList(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "掲示板", pr)
	pageNo, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pageNo = max(pageNo, 0)
	posts, total, err := w.board().List(r.Context(), pr.Actor, pageNo)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	d := &boardListData{Total: total, CanPost: board.MayPost(pr.Actor)}
	for _, b := range posts {
		d.Rows = append(d.Rows, w.boardRow(pr, b))
	}
	link := func(n int) string { return "/n/" + pr.Network.ID + "/board?page=" + strconv.Itoa(n) }
	if pageNo > 0 {
		d.PrevURL = link(pageNo - 1)
	}
	if (pageNo+1)*board.Page < total {
		d.NextURL = link(pageNo + 1)
	}
	p.Data = d
	w.render(rw, r, http.StatusOK, "board_list.html", p)
}

type boardShowData struct {
	Row  boardRow
	View *board.View
}

// boardShow is a post's page; opening it is the read mark.
func (w *Web) boardShow(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "掲示板", pr)
	v, err := w.board().Get(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Title = v.Post.Title
	row := w.boardRow(pr, v.Post)
	row.Unread, row.Updated = false, false
	p.Data = &boardShowData{Row: row, View: v}
	w.render(rw, r, http.StatusOK, "board_show.html", p)
}

// boardFormData is the compose and edit form.
type boardFormData struct {
	Kinds        []domain.BoardKind
	KindNames    map[domain.BoardKind]string
	Roles        []roleOption
	Action       string
	Editing      *domain.BoardPost
	MaintArticle string
}

type roleOption struct{ Key, Name string }

func (w *Web) boardForm(pr *accounts.Principal, kinds []domain.BoardKind, editing *domain.BoardPost) *boardFormData {
	prof := pr.Actor.Profile
	d := &boardFormData{Kinds: kinds, KindNames: map[domain.BoardKind]string{}, Editing: editing,
		Action: "/n/" + pr.Network.ID + "/board", MaintArticle: prof.Board.MaintenanceArticle}
	for _, k := range kinds {
		d.KindNames[k] = kindName(k)
	}
	for _, r := range board.Roles(prof) {
		d.Roles = append(d.Roles, roleOption{string(r), prof.RoleName(string(r), "")})
	}
	if editing != nil {
		d.Action = "/n/" + pr.Network.ID + "/board/" + editing.ID + "/edit"
	}
	return d
}

func boardInput(f url.Values) board.Input {
	return board.Input{Kind: f.Get("kind"), Title: f.Get("title"), Body: f.Get("body"), Pinned: f.Get("pinned") == "yes",
		OrgTypes: f["org_types"], Roles: f["roles"], Occupations: f["occupations"],
		StartsAt: f.Get("starts_at"), EndsAt: f.Get("ends_at"), Urgent: f.Get("urgent") == "yes", Notify: f.Get("notify") == "yes"}
}

// boardNew is the operator's compose form.
func (w *Web) boardNew(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "掲示板に掲載する", pr)
	kinds, err := w.board().Kinds(r.Context(), pr.Actor)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Form = url.Values{"kind": {string(kinds[0])}}
	p.Data = w.boardForm(pr, kinds, nil)
	w.render(rw, r, http.StatusOK, "board_form.html", p)
}

// boardCreate posts; a form with errors comes back with them and nothing stored.
func (w *Web) boardCreate(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "掲示板に掲載する", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	post, err := w.board().Create(r.Context(), pr.Actor, boardInput(r.PostForm))
	if err != nil {
		w.boardFormFailed(rw, r, pr, p, nil, err)
		return
	}
	redirect(rw, r, board.Link(pr.Network.ID, post.ID)+"?done=board-posted")
}

func (w *Web) boardFormFailed(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, p *page, editing *domain.BoardPost, err error) {
	if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
		kinds, kerr := w.board().Kinds(r.Context(), pr.Actor)
		if kerr != nil {
			w.fail(rw, r, p, "", kerr)
			return
		}
		p.Form = r.PostForm
		p.Data = w.boardForm(pr, kinds, editing)
		w.fail(rw, r, p, "board_form.html", err)
		return
	}
	w.fail(rw, r, p, "", err)
}

// boardEditForm is the form to change a post, filled with it.
func (w *Web) boardEditForm(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "掲載内容の編集", pr)
	v, err := w.board().Reads(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	kinds, err := w.board().Kinds(r.Context(), pr.Actor)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	b := v.Post
	f := url.Values{"kind": {string(b.Kind)}, "title": {b.Title}, "body": {b.Body},
		"org_types": b.Audience.OrgTypes, "roles": b.Audience.Roles, "occupations": b.Audience.Occupations}
	if b.Pinned {
		f.Set("pinned", "yes")
	}
	if b.Kind == domain.BoardMaintenance {
		f.Set("starts_at", b.StartsAt.In(profile.Tokyo()).Format(windowLayout))
		f.Set("ends_at", b.EndsAt.In(profile.Tokyo()).Format(windowLayout))
		if b.Urgent {
			f.Set("urgent", "yes")
		}
	}
	p.Form = f
	p.Data = w.boardForm(pr, kinds, b)
	w.render(rw, r, http.StatusOK, "board_form.html", p)
}

// boardEdit saves a changed post.
func (w *Web) boardEdit(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "掲載内容の編集", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	id := r.PathValue("id")
	if _, err := w.board().Update(r.Context(), pr.Actor, id, boardInput(r.PostForm)); err != nil {
		w.boardFormFailed(rw, r, pr, p, &domain.BoardPost{ID: id}, err)
		return
	}
	redirect(rw, r, board.Link(pr.Network.ID, id)+"?done=board-edited")
}

// boardWithdraw takes a post down.
func (w *Web) boardWithdraw(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "掲示板", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	id := r.PathValue("id")
	if err := w.board().Withdraw(r.Context(), pr.Actor, id, r.PostForm.Get("reason")); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, board.Link(pr.Network.ID, id)+"?done=board-withdrawn")
}

// windowText is a maintenance window in Japan time.
func windowText(b *domain.BoardPost) string {
	if b.Kind != domain.BoardMaintenance {
		return ""
	}
	return formatJST(b.StartsAt) + " 〜 " + formatJST(b.EndsAt)
}

// Window is the maintenance window of a post, for the templates.
func (r boardRow) Window() string { return windowText(r.BoardPost) }
