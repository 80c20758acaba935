package web

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
)

// matrixCell is one occupation x record category of the grid.
type matrixCell struct {
	Key         string // "occupation/category", the value of its check boxes
	Read, Write bool
}

type matrixRow struct {
	Occupation profile.Item
	Cells      []matrixCell
}

type matrixData struct {
	Editable   bool
	Categories []profile.Item
	Rows       []matrixRow
}

// matrix is the occupation x record-category grid (beppu §10-1, fukuoka §9-1):
// which occupations of a permitted organization read and write which records.
func (w *Web) matrix(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderMatrix(rw, r, pr, http.StatusOK, nil)
}

func (w *Web) renderMatrix(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, failed *page) {
	p := failed
	if p == nil {
		p = w.newPage(r, "", pr)
	}
	p.Title = "職種別の閲覧・記録の権限"
	// Operators, the auditor and organization admins read the grid; only those
	// who may edit it get the form (the policy decides both).
	if !p.Can(string(policy.ViewMatrix)) {
		w.fail(rw, r, p, "", domain.ErrForbidden)
		return
	}
	m, err := w.people.LoadMatrix(r.Context(), pr.Actor)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	prof := pr.Actor.Profile
	d := &matrixData{Categories: prof.People.RecordCategories, Editable: p.Can(string(policy.EditMatrix))}
	for _, o := range prof.Occupations {
		row := matrixRow{Occupation: o}
		for _, c := range prof.People.RecordCategories {
			row.Cells = append(row.Cells, matrixCell{Key: o.Key + "/" + c.Key, Read: m.Allows(o.Key, c.Key, false), Write: m.Allows(o.Key, c.Key, true)})
		}
		d.Rows = append(d.Rows, row)
	}
	p.Data = d
	w.render(rw, r, status, "people_matrix.html", p)
}

// matrixSave saves the grid as submitted: a cell's check boxes absent means no
// access. Only the cells that change are sent, so the audit names what changed.
func (w *Web) matrixSave(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	prof := pr.Actor.Profile
	known := map[string]domain.MatrixEntry{}
	for _, o := range prof.Occupations {
		for _, c := range prof.People.RecordCategories {
			known[o.Key+"/"+c.Key] = domain.MatrixEntry{Occupation: o.Key, Category: c.Key}
		}
	}
	want := map[string]domain.MatrixEntry{}
	for k, e := range known {
		want[k] = e
	}
	var bad bool
	for _, field := range []string{"read", "write"} {
		for _, v := range r.PostForm[field] {
			e, ok := want[v]
			if !ok {
				bad = true
				continue
			}
			e.Read = true // writing implies reading
			if field == "write" {
				e.Write = true
			}
			want[v] = e
		}
	}
	for k := range r.PostForm {
		if k != "read" && k != "write" {
			bad = true
		}
	}
	fail := func(err error) {
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
			p.Form, p.Errors, p.Error = r.PostForm, map[string]string{"matrix": e.Message}, e.Message
			w.renderMatrix(rw, r, pr, http.StatusUnprocessableEntity, p)
			return
		}
		w.fail(rw, r, p, "", err)
	}
	if bad {
		fail(&domain.Error{Code: domain.EINVALID, Message: "職種又は記録の種類の指定が正しくありません。画面を読み込み直してから保存してください。"})
		return
	}
	cur, err := w.people.LoadMatrix(r.Context(), pr.Actor)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	var changed []domain.MatrixEntry
	for _, o := range prof.Occupations {
		for _, c := range prof.People.RecordCategories {
			e := want[o.Key+"/"+c.Key]
			if e.Read != cur.Allows(e.Occupation, e.Category, false) || e.Write != cur.Allows(e.Occupation, e.Category, true) {
				changed = append(changed, e)
			}
		}
	}
	if len(changed) > 0 {
		if err := w.people.SetMatrix(r.Context(), pr.Actor, changed); err != nil {
			fail(err)
			return
		}
	} else if !p.Can(string(policy.EditMatrix)) {
		w.fail(rw, r, p, "", domain.ErrForbidden)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/matrix?done=matrix")
}
