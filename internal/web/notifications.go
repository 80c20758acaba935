package web

import (
	"net/http"
	"net/url"
	"strconv"

	"renraku/internal/accounts"
	"renraku/internal/board"
	"renraku/internal/domain"
	"renraku/internal/notify"
)

// Notifications: the list of what is new for the signed-in user, with the unread
// count in every page's header, and the choice of e-mail on the account page.
// A notification says what happened and links to it; the linked page decides
// what the user may see.

func init() {
	notices["notif-read"] = "お知らせをすべて既読にしました。"
	notices["notify-email-on"] = "新しいお知らせがあるとき、メールでお知らせします（メールには内容を記載しません）。"
	notices["notify-email-off"] = "メールでのお知らせを停止しました。"
}

// board and notify are the services of these pages, over the people service's
// store, audit log and clock.
func (w *Web) board() *board.Service {
	return board.New(w.people.Store(), w.people.AuditLog(), w.people.Clock())
}

func (w *Web) notify() *notify.Service {
	return notify.New(w.people.Store(), w.people.AuditLog(), w.people.Clock(), w.opt.MailEnabled)
}

// header is what the layout shows of the signed-in user's notifications and the
// home page of the board, computed when a template first asks.
type header struct {
	w  *Web
	r  *http.Request
	pr *accounts.Principal

	unread      *int
	maintenance *[]*domain.BoardPost
	settings    *notify.Settings
}

func (w *Web) header(r *http.Request, pr *accounts.Principal) *header {
	return &header{w: w, r: r, pr: pr}
}

// Unread is the signed-in user's count of unread notifications (the header).
func (p *page) Unread() int {
	h := p.hdr
	if h == nil {
		return 0
	}
	if h.unread == nil {
		n, err := h.w.notify().Unread(h.r.Context(), h.pr.Actor)
		if err != nil {
			h.w.opt.Logger.ErrorContext(h.r.Context(), "unread notifications", "err", err)
		}
		h.unread = &n
	}
	return *h.unread
}

// Maintenance lists the planned stops announced on the board that have not
// ended, for the home page's banner (beppu §9-3, fukuoka §15-3).
func (p *page) Maintenance() []*domain.BoardPost {
	h := p.hdr
	if h == nil {
		return nil
	}
	if h.maintenance == nil {
		list, err := h.w.board().Maintenance(h.r.Context(), h.pr.Actor)
		if err != nil {
			h.w.opt.Logger.ErrorContext(h.r.Context(), "maintenance notices", "err", err)
		}
		h.maintenance = &list
	}
	return *h.maintenance
}

// Ongoing reports whether a maintenance window is in force at the request's time.
func (p *page) Ongoing(b *domain.BoardPost) bool {
	return p.Principal != nil && b.Ongoing(p.Principal.Actor.Now)
}

// NotifySettings is the signed-in user's choice of e-mail (the account page).
func (p *page) NotifySettings() *notify.Settings {
	h := p.hdr
	if h == nil {
		return nil
	}
	if h.settings == nil {
		s, err := h.w.notify().Settings(h.r.Context(), h.pr.Actor)
		if err != nil {
			h.w.opt.Logger.ErrorContext(h.r.Context(), "notification settings", "err", err)
			return nil
		}
		h.settings = &s
	}
	return h.settings
}

type notificationsData struct {
	Items      []notify.Item
	Unread     int
	UnreadOnly bool
	PrevURL    string
	NextURL    string
}

// notifications is 「お知らせ」: what is new for the user, newest first.
func (w *Web) notifications(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "お知らせ", pr)
	q := r.URL.Query()
	unreadOnly := q.Get("unread") == "1"
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(pageNo, 0)
	items, unread, err := w.notify().List(r.Context(), pr.Actor, unreadOnly, pageNo)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	d := &notificationsData{Items: items, Unread: unread, UnreadOnly: unreadOnly}
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if unreadOnly {
			v.Set("unread", "1")
		}
		return "/n/" + pr.Network.ID + "/notifications?" + v.Encode()
	}
	if pageNo > 0 {
		d.PrevURL = link(pageNo - 1)
	}
	if len(items) == notify.PageSize {
		d.NextURL = link(pageNo + 1)
	}
	p.hdr.unread = &unread
	p.Data = d
	w.render(rw, r, http.StatusOK, "notifications.html", p)
}

// notificationOpen marks a notification read and goes where it points.
func (w *Web) notificationOpen(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	link, err := w.notify().Open(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, w.newPage(r, "", pr), "", err)
		return
	}
	redirect(rw, r, link)
}

// notificationsRead marks all of the user's notifications read.
func (w *Web) notificationsRead(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if _, err := w.notify().MarkRead(r.Context(), pr.Actor, nil); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/notifications?done=notif-read")
}

// notifyEmail turns e-mail notifications on or off (the account page).
func (w *Web) notifyEmail(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "アカウント設定", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	var on bool
	switch r.PostForm.Get("email") {
	case "on":
		on = true
	case "off":
	default:
		w.fail(rw, r, p, "", domain.Errorf(domain.EINVALID, "メールでのお知らせを受け取るかどうかを選んでください。"))
		return
	}
	if err := w.notify().SetEmail(r.Context(), pr.Actor, on); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	done := "notify-email-off"
	if on {
		done = "notify-email-on"
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/account?done="+done)
}
