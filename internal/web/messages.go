package web

import (
	"net/http"
	"net/url"
	"strconv"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/messages"
	"renraku/internal/policy"
)

// Messages between staff users (業務利用者同士の情報交換機能, fukuoka §14 (3)): the
// list of one's conversations, a conversation with its send form (made for a
// phone on a home visit: one column, the form under the newest message), and the
// form that starts one, choosing participants by organization and name. What a
// user may see is the messages service's and the policy's to decide.

func init() {
	notices["conv-left"] = "会話から退出しました。"
	notices["conv-added"] = "参加者を追加しました。"
}

// msg is the messaging capability over the people service it shares facts with.
func (w *Web) msg() *messages.Service { return messages.New(w.people) }

func conversationPath(pr *accounts.Principal, id string) string {
	return "/n/" + url.PathEscape(pr.Network.ID) + "/messages/" + url.PathEscape(id)
}

type conversationsData struct {
	List    *messages.List
	PrevURL string
	NextURL string
}

// conversations is 「メッセージ」: one's conversations, newest message first, with
// what is unread.
func (w *Web) conversations(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "メッセージ", pr)
	offset := 0
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			w.fail(rw, r, p, "", domain.Errorf(domain.ENOTFOUND, "見つかりません。"))
			return
		}
		offset = n
	}
	list, err := w.msg().List(r.Context(), pr.Actor, offset)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	d := &conversationsData{List: list}
	base := "/n/" + url.PathEscape(pr.Network.ID) + "/messages"
	if offset > 0 {
		d.PrevURL = base + "?offset=" + strconv.Itoa(max(offset-messages.ListSize, 0))
	}
	if offset+len(list.Items) < list.Total && len(list.Items) > 0 {
		d.NextURL = base + "?offset=" + strconv.Itoa(offset+messages.ListSize)
	}
	p.Data = d
	w.render(rw, r, http.StatusOK, "messages_list.html", p)
}

type conversationNewData struct {
	Directory *messages.Directory
	Chosen    []messages.UserRef // participants already chosen (kept across searches)
	Person    *domain.Person
	Max       int // participants, the user included
}

// IsChosen reports whether a user is among the chosen participants.
func (d *conversationNewData) IsChosen(id string) bool {
	for _, u := range d.Chosen {
		if u.ID == id {
			return true
		}
	}
	return false
}

// conversationNew is the form that starts a conversation; ?person=ID starts one
// about that person (from the person's page).
func (w *Web) conversationNew(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "新しいメッセージ", pr)
	f := url.Values{"person_id": {r.URL.Query().Get("person")}}
	p.Form = f
	w.renderConversationNew(rw, r, pr, http.StatusOK, p)
}

func (w *Web) renderConversationNew(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, p *page) {
	p.Title = "新しいメッセージ"
	f := p.Form
	svc := w.msg()
	d := &conversationNewData{Max: messages.MaxParticipants}
	dir, err := svc.Directory(r.Context(), pr.Actor, f.Get("org_id"), f.Get("q"))
	if err != nil {
		e := domain.AsError(err)
		if e == nil || e.Code != domain.EINVALID {
			w.fail(rw, r, p, "", err)
			return
		}
		if p.Errors == nil {
			p.Errors, p.Error = map[string]string{}, e.Message
		}
		for k, v := range e.Fields {
			p.Errors[k] = v
		}
		status = http.StatusUnprocessableEntity
		if dir, err = svc.Directory(r.Context(), pr.Actor, "", ""); err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
	}
	d.Directory = dir
	// The chosen participants are named from the directory of their own
	// organizations (only usable 業務利用者 are found).
	chosen := map[string]bool{}
	for _, id := range f["participants"] {
		chosen[id] = true
	}
	if len(chosen) > 0 {
		all, err := svc.Chosen(r.Context(), pr.Actor, f["participants"])
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		d.Chosen = all
	}
	if p.Errors["person_id"] != "" {
		f.Del("person_id") // the form goes on without the person
	} else if id := f.Get("person_id"); id != "" {
		// Naming the person is a read of their record: decided and audited.
		person, err := svc.PersonName(r.Context(), pr.Actor, id)
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		if person == nil {
			if p.Errors == nil {
				p.Errors, p.Error = map[string]string{}, "入力内容に誤りがあります。"
			}
			p.Errors["person_id"] = "対象者が見つからないか、閲覧の権限がありません。"
			f.Del("person_id")
			status = http.StatusUnprocessableEntity
		}
		d.Person = person
	}
	p.Data = d
	w.render(rw, r, status, "messages_new.html", p)
}

// conversationCreate is the form's POST: "search" shows the users of the chosen
// organization or name (keeping what was typed and chosen), "send" starts the
// conversation with its first message.
func (w *Web) conversationCreate(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "新しいメッセージ", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	f := r.PostForm
	p.Form = f
	if f.Get("do") == "search" {
		w.renderConversationNew(rw, r, pr, http.StatusOK, p)
		return
	}
	c, err := w.msg().Start(r.Context(), pr.Actor, messages.NewConversation{Participants: f["participants"],
		Subject: f.Get("subject"), PersonID: f.Get("person_id"), Text: f.Get("text")})
	if err != nil {
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
			p.Errors, p.Error = e.Fields, e.Message
			w.renderConversationNew(rw, r, pr, http.StatusUnprocessableEntity, p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, conversationPath(pr, c.ID)+"#latest")
}

type conversationData struct {
	View *messages.View
	// Directory answers the add-participants search (?org=&q=), nil without one.
	Directory *messages.Directory
	Searched  bool
	OlderURL  string
	CanAdd    bool
	CanPost   bool
}

// conversationShow is a conversation: its messages (the newest PageSize, or
// those before ?before=), who read them, and the send form. Opening it marks it
// read; the read is audited before the page is sent.
func (w *Web) conversationShow(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderConversation(rw, r, pr, http.StatusOK, w.newPage(r, "", pr))
}

func (w *Web) renderConversation(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, p *page) {
	id := r.PathValue("id")
	q := r.URL.Query()
	var before int64
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			w.fail(rw, r, p, "", domain.Errorf(domain.ENOTFOUND, "見つかりません。"))
			return
		}
		before = n
	}
	svc := w.msg()
	v, err := svc.Get(r.Context(), pr.Actor, id, before)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Title = v.Title
	d := &conversationData{View: v}
	if v.Older != 0 {
		d.OlderURL = conversationPath(pr, id) + "?before=" + strconv.FormatInt(v.Older, 10)
	}
	res := policy.InConversation(pr.Actor, true, nil)
	d.CanPost = accounts.Can(pr.Actor, policy.PostMessage, res)
	d.CanAdd = accounts.Can(pr.Actor, policy.AddParticipants, res) && v.ActiveCount() < messages.MaxParticipants
	if d.CanAdd && (q.Has("org_id") || q.Has("q")) {
		d.Searched = true
		if p.Form == nil {
			p.Form = url.Values{}
		}
		p.Form.Set("org_id", q.Get("org_id"))
		p.Form.Set("q", q.Get("q"))
		dir, err := svc.Directory(r.Context(), pr.Actor, q.Get("org_id"), q.Get("q"))
		if err != nil {
			e := domain.AsError(err)
			if e == nil || e.Code != domain.EINVALID {
				w.fail(rw, r, p, "", err)
				return
			}
			p.Errors, p.Error = e.Fields, e.Message
			status = http.StatusUnprocessableEntity
		}
		d.Directory = dir
	} else if d.CanAdd {
		// The organizations to choose from.
		if d.Directory, err = svc.Directory(r.Context(), pr.Actor, "", ""); err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
	}
	p.Data = d
	w.render(rw, r, status, "messages_show.html", p)
}

// conversationAction runs a change of a conversation and redirects to where fn
// says, or shows the conversation again with the form's error.
func (w *Web) conversationAction(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, fn func(f url.Values) (string, error)) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	next, err := fn(r.PostForm)
	if err != nil {
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
			p.Form, p.Errors, p.Error = r.PostForm, e.Fields, e.Message
			w.renderConversation(rw, r, pr, http.StatusUnprocessableEntity, p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, next)
}

// messagePost writes a message and goes back to it, the newest.
func (w *Web) messagePost(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.conversationAction(rw, r, pr, func(f url.Values) (string, error) {
		m, err := w.msg().Post(r.Context(), pr.Actor, id, f.Get("text"))
		if err != nil {
			return "", err
		}
		return conversationPath(pr, id) + "#m-" + strconv.FormatInt(m.Seq, 10), nil
	})
}

// conversationAdd adds the chosen users to the conversation.
func (w *Web) conversationAdd(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.conversationAction(rw, r, pr, func(f url.Values) (string, error) {
		return conversationPath(pr, id) + "?done=conv-added#latest", w.msg().AddParticipants(r.Context(), pr.Actor, id, f["participants"])
	})
}

// conversationLeave takes the user out of the conversation.
func (w *Web) conversationLeave(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.conversationAction(rw, r, pr, func(f url.Values) (string, error) {
		return "/n/" + url.PathEscape(pr.Network.ID) + "/messages?done=conv-left", w.msg().Leave(r.Context(), pr.Actor, id)
	})
}
