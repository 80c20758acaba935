package web

import (
	"net/http"
	"net/url"
	"strconv"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

const peoplePerPage = 50

type peopleListData struct {
	People   []*domain.Person
	Total    int
	Page     int
	Pages    int
	First    int // 1-based number of the first row shown
	Last     int
	Searched bool
	PrevURL  string
	NextURL  string
}

// peopleList is 「対象者」: the people the user may see, searched by kana prefix and
// birth date. The policy's list form filters in the database, so the total and the
// pages hold permitted people only; the list is audited with its query.
func (w *Web) peopleList(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "対象者", pr)
	q := r.URL.Query()
	p.Form = q
	f := domain.PeopleFilter{Kana: q.Get("kana"), BirthDate: q.Get("birth_date"), Limit: peoplePerPage}
	pageNo := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			p.Errors, p.Error = map[string]string{"page": "ページの指定が正しくありません。"}, "検索条件に誤りがあります。"
			p.Data = &peopleListData{}
			w.render(rw, r, http.StatusUnprocessableEntity, "people_list.html", p)
			return
		}
		pageNo = n
	}
	f.Offset = (pageNo - 1) * peoplePerPage
	list, total, err := w.people.List(r.Context(), pr.Actor, f)
	if err != nil {
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
			p.Errors, p.Error = e.Fields, "検索条件に誤りがあります。"
			p.Data = &peopleListData{}
			w.render(rw, r, http.StatusUnprocessableEntity, "people_list.html", p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	d := &peopleListData{People: list, Total: total, Page: pageNo, Pages: (total + peoplePerPage - 1) / peoplePerPage,
		Searched: f.Kana != "" || f.BirthDate != ""}
	if len(list) > 0 {
		d.First, d.Last = f.Offset+1, f.Offset+len(list)
	}
	link := func(n int) string {
		v := url.Values{}
		if k := q.Get("kana"); k != "" {
			v.Set("kana", k)
		}
		if b := q.Get("birth_date"); b != "" {
			v.Set("birth_date", b)
		}
		v.Set("page", strconv.Itoa(n))
		return "/n/" + pr.Network.ID + "/people?" + v.Encode()
	}
	if pageNo > 1 {
		d.PrevURL = link(pageNo - 1)
	}
	if f.Offset+len(list) < total {
		d.NextURL = link(pageNo + 1)
	}
	p.Data = d
	w.render(rw, r, http.StatusOK, "people_list.html", p)
}
