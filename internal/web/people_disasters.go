package web

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

type disastersData struct {
	Active    *domain.Disaster
	Disasters []*domain.Disaster
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
	d := &disastersData{Disasters: list}
	now := pr.Actor.Now
	for _, x := range list {
		if !now.Before(x.StartedAt) && (x.EndedAt.IsZero() || now.Before(x.EndedAt)) {
			d.Active = x
			break
		}
	}
	p.Data = d
	w.render(rw, r, status, "people_disasters.html", p)
}

func (w *Web) disasterAction(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, done string, fn func() error) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if err := fn(); err != nil {
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
	w.disasterAction(rw, r, pr, "disaster-declared", func() error {
		_, err := w.people.DeclareDisaster(r.Context(), pr.Actor, r.PostForm.Get("name"))
		return err
	})
}

func (w *Web) disasterEnd(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.disasterAction(rw, r, pr, "disaster-ended", func() error {
		return w.people.EndDisaster(r.Context(), pr.Actor)
	})
}
