package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/profile"
)

// logRow is one line of who viewed or changed a person's record.
type logRow struct {
	*domain.AuditEvent
	Via string // the permission a read was made under
}

type personLogData struct {
	PersonID string
	Rows     []logRow
	Total    int
	PrevURL  string
	NextURL  string
}

// personLog lists who viewed or changed a person's record, by date (beppu §10-3,
// fukuoka §9-3), for the operator. Reading it is itself audited; it does not read
// the person's record, so it adds no view of the person.
func (w *Web) personLog(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "閲覧・操作の記録", pr)
	id := r.PathValue("id")
	q := r.URL.Query()
	p.Form = q
	f := domain.AuditFilter{Limit: 100}
	errs := map[string]string{}
	if v := q.Get("from"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, profile.Tokyo())
		if err != nil {
			errs["from"] = "日付は YYYY-MM-DD の形式で入力してください。"
		}
		f.From = t
	}
	if v := q.Get("to"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, profile.Tokyo())
		if err != nil {
			errs["to"] = "日付は YYYY-MM-DD の形式で入力してください。"
		}
		f.To = t.AddDate(0, 0, 1)
	}
	pageNo := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			errs["page"] = "ページの指定が正しくありません。"
		} else {
			pageNo = n
			f.Offset = (n - 1) * f.Limit
		}
	}
	d := &personLogData{PersonID: id}
	p.Data = d
	if len(errs) > 0 {
		p.Errors, p.Error = errs, "検索条件に誤りがあります。"
		w.render(rw, r, http.StatusUnprocessableEntity, "person_log.html", p)
		return
	}
	events, total, err := w.people.AccessLog(r.Context(), pr.Actor, id, f)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	d.Total = total
	for _, ev := range events {
		row := logRow{AuditEvent: ev}
		var detail struct {
			Via string `json:"via"`
		}
		if json.Unmarshal([]byte(ev.Detail), &detail) == nil {
			row.Via = detail.Via
		}
		d.Rows = append(d.Rows, row)
	}
	link := func(n int) string {
		v := url.Values{}
		for _, k := range []string{"from", "to"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("page", strconv.Itoa(n))
		return personPath(pr, id) + "/log?" + v.Encode()
	}
	if pageNo > 1 {
		d.PrevURL = link(pageNo - 1)
	}
	if f.Offset+len(events) < total {
		d.NextURL = link(pageNo + 1)
	}
	w.render(rw, r, http.StatusOK, "person_log.html", p)
}
