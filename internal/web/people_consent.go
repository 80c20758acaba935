package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
)

// parseUpload reads a multipart form of at most max bytes, keeping the file in
// memory (a scanned consent form never touches the disk), and returns the named
// file's content. A form sent without a file part (urlencoded) is read as usual.
// Errors are field errors on field, to show beside the file input.
func parseUpload(r *http.Request, max int64, field string) (data []byte, name string, err error) {
	r.Body = http.MaxBytesReader(nil, r.Body, max)
	tooBig := func() error {
		return &domain.Error{Code: domain.EINVALID, Message: "送信された内容が大きすぎます。",
			Fields: map[string]string{field: "ファイルが大きすぎます。" + mib(max) + "MB以下にしてください。"}}
	}
	if err := r.ParseMultipartForm(max); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, "", tooBig()
		case errors.Is(err, http.ErrNotMultipart):
			return nil, "", parseForm(r)
		}
		return nil, "", domain.Errorf(domain.EINVALID, "送信された内容を読み取れませんでした。")
	}
	files := r.MultipartForm.File[field]
	if len(files) == 0 {
		return nil, "", nil
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, "", domain.Errorf(domain.EINVALID, "添付ファイルを読み取れませんでした。")
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, "", domain.Errorf(domain.EINVALID, "添付ファイルを読み取れませんでした。")
	}
	if int64(len(data)) > max {
		return nil, "", tooBig()
	}
	return data, files[0].Filename, nil
}

func mib(n int64) string { return strconv.FormatInt(n>>20, 10) }

// consentForm is the consent entry page (同意書の登録) with the scanned form.
func (w *Web) consentForm(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderConsent(rw, r, pr, http.StatusOK, nil)
}

func (w *Web) renderConsent(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, failed *page) {
	p := failed
	if p == nil {
		p = w.newPage(r, "", pr)
	}
	p.Title = "同意の登録"
	d, err := w.loadPerson(r.Context(), p, pr, r.PathValue("id"))
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if d.View.Hidden || !d.Can(string(policy.RecordConsent)) {
		w.fail(rw, r, p, "", domain.ErrForbidden)
		return
	}
	p.Data = d
	w.render(rw, r, status, "person_consent.html", p)
}

func (w *Web) consentSubmit(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "", pr)
	id := r.PathValue("id")
	// The file plus the form's few fields.
	form, _, err := parseUpload(r, people.MaxFormBytes+64<<10, "form")
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err == nil {
		f := r.PostForm
		_, err = w.people.RecordConsent(r.Context(), pr.Actor, id, people.ConsentInput{
			Kind: f.Get("kind"), SignerName: f.Get("signer_name"), Relationship: f.Get("relationship"),
			ConsentedOn: f.Get("consented_on"), FormVersion: f.Get("form_version"), Scopes: f["scopes"],
			LegalBasis: f.Get("legal_basis"), CarePlanOrg: f.Get("care_plan_org"), Form: form})
	}
	if err != nil {
		if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
			p.Form, p.Errors, p.Error = r.PostForm, e.Fields, e.Message
			if p.Form == nil {
				p.Form = url.Values{}
			}
			w.renderConsent(rw, r, pr, domain.HTTPStatus(err), p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, personPath(pr, id)+"?done=consent-recorded")
}

// consentFormFile sends the scanned signed form of a consent to whoever may see
// the person (the read is audited by the service before the bytes leave). It is
// always a download: the browser neither guesses the type nor shows it inline,
// and nothing keeps a copy.
func (w *Web) consentFormFile(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	att, err := w.people.ConsentForm(r.Context(), pr.Actor, r.PathValue("id"), r.PathValue("cid"))
	if err != nil {
		w.fail(rw, r, w.newPage(r, "", pr), "", err)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", att.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": people.FormFileName(att)}))
	h.Set("Content-Length", strconv.Itoa(len(att.Data)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	rw.WriteHeader(http.StatusOK)
	rw.Write(att.Data)
}

// consentWithdraw records a withdrawal (beppu §16, fukuoka §18): sharing stops at
// once, so the list is where to go next (the care-plan office no longer sees the person).
func (w *Web) consentWithdraw(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.personAction(rw, r, pr, id, "consent-withdrawn", "/n/"+pr.Network.ID+"/people", map[string]string{"note": "withdraw_note"},
		func(f url.Values) error {
			if err := confirmed(f, "withdraw_confirm", "同意撤回書を受け取ったことを確認するチェックを入れてください。"); err != nil {
				return err
			}
			return w.people.WithdrawConsent(r.Context(), pr.Actor, id, f.Get("withdraw_note"))
		})
}

// personDelete carries out the person's deletion request as the profile says:
// 支援中止 (katori §13-2, joso §17-2..3) or purge (sendai §12-2..3).
func (w *Web) personDelete(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.personAction(rw, r, pr, id, "person-deleted", "/n/"+pr.Network.ID+"/people", map[string]string{"note": "delete_note"},
		func(f url.Values) error {
			if err := confirmed(f, "delete_confirm", "本人（又は家族等）からの申し出であることを確認するチェックを入れてください。"); err != nil {
				return err
			}
			return w.people.RequestDeletion(r.Context(), pr.Actor, id, f.Get("delete_note"))
		})
}
