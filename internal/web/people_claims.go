package web

import (
	"net/http"
	"strings"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
)

type claimsData struct {
	Header string
	Report *people.ClaimsReport
}

// claimsForm is the operator's claims import (fukuoka §19-2): organizations where
// the person used national health, later-elderly or care insurance get access.
func (w *Web) claimsForm(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "レセプト情報の取込", pr)
	if !p.Can(string(policy.ImportClaims)) {
		w.fail(rw, r, p, "", domain.ErrForbidden)
		return
	}
	p.Data = &claimsData{Header: strings.Join(people.ClaimsHeader, ",")}
	w.render(rw, r, http.StatusOK, "people_claims.html", p)
}

// claimsImport reads the uploaded CSV and shows the report: a file with any bad
// line imports nothing and lists the lines; valid lines whose person or
// organization is unknown are listed as unmatched.
func (w *Web) claimsImport(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "レセプト情報の取込", pr)
	d := &claimsData{Header: strings.Join(people.ClaimsHeader, ",")}
	p.Data = d
	data, name, err := parseUpload(r, people.MaxClaimsBytes+64<<10, "file")
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err == nil {
		d.Report, err = w.people.ImportClaims(r.Context(), pr.Actor, name, data)
	}
	if err != nil {
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
			p.Errors, p.Error = e.Fields, e.Message
			if len(p.Errors) == 0 {
				// A file with bad lines: the message goes beside the file input, the
				// lines into the report's table.
				p.Errors = map[string]string{"file": e.Message}
			}
			w.render(rw, r, http.StatusUnprocessableEntity, "people_claims.html", p)
			return
		}
		d.Report = nil
		w.fail(rw, r, p, "", err)
		return
	}
	p.Notice = "取り込みました。"
	w.render(rw, r, http.StatusOK, "people_claims.html", p)
}
