package web

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
)

// disasterRow is one disaster of the list with its state at the request's time.
type disasterRow struct {
	*domain.Disaster
	State string // people.Disaster*
	Label string // 予定, 実施中, 終了, 取消
}

type disastersData struct {
	Active    *disasterRow
	Scheduled []disasterRow // not yet begun, earliest first
	Rows      []disasterRow
}

func init() {
	notices["disaster-scheduled"] = "災害時利用を予定として宣言しました。開始日時から、指定利用者が閲覧できるようになります。"
	notices["disaster-cancelled"] = "予定していた災害時利用を取り消しました。"
}

var disasterLabels = map[string]string{
	people.DisasterScheduled: "予定",
	people.DisasterActive:    "実施中",
	people.DisasterEnded:     "終了",
	people.DisasterCancelled: "取消",
}

// disasters is the operator's page for disaster mode (joso §21): while a declared
// disaster lasts, designated users read the records of people who consented to
// disaster use; every such read is audited with the disaster.
func (w *Web) disasters(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderDisasters(rw, r, pr, http.StatusOK, nil)
}

func (w *Web) renderDisasters(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, failed *page) {
	p := failed
	if p == nil {
		p = w.newPage(r, "", pr)
	}
	p.Title = "災害時利用"
	list, err := w.people.Disasters(r.Context(), pr.Actor)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	d := &disastersData{}
	for _, x := range list {
		st := people.DisasterState(x, pr.Actor.Now)
		row := disasterRow{Disaster: x, State: st, Label: disasterLabels[st]}
		d.Rows = append(d.Rows, row)
		switch st {
		case people.DisasterActive:
			d.Active = &row
		case people.DisasterScheduled:
			d.Scheduled = append([]disasterRow{row}, d.Scheduled...) // the list is newest first
		}
	}
	p.Data = d
	w.render(rw, r, status, "people_disasters.html", p)
}

// disasterAction runs fn, which returns the notice to redirect to.
func (w *Web) disasterAction(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, fn func() (string, error)) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	done, err := fn()
	if err != nil {
		if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
			p.Form, p.Errors, p.Error = r.PostForm, e.Fields, e.Message
			w.renderDisasters(rw, r, pr, domain.HTTPStatus(err), p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/disasters?done="+done)
}

func (w *Web) disasterDeclare(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.disasterAction(rw, r, pr, func() (string, error) {
		d, err := w.people.DeclareDisaster(r.Context(), pr.Actor, people.DisasterInput{Name: r.PostForm.Get("name"),
			Start: r.PostForm.Get("start"), End: r.PostForm.Get("end")})
		if err != nil {
			return "", err
		}
		if people.DisasterState(d, pr.Actor.Now) == people.DisasterScheduled {
			return "disaster-scheduled", nil
		}
		return "disaster-declared", nil
	})
}

// disasterEnd ends the disaster the form names (the active one, or a scheduled
// one, which is cancelled); naming it keeps a second press from ending another.
func (w *Web) disasterEnd(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.disasterAction(rw, r, pr, func() (string, error) {
		d, err := w.people.EndDisaster(r.Context(), pr.Actor, r.PostForm.Get("id"))
		if err != nil {
			return "", err
		}
		if people.DisasterState(d, pr.Actor.Now) == people.DisasterCancelled {
			return "disaster-cancelled", nil
		}
		return "disaster-ended", nil
	})
}
