package web

import (
	"net/http"
	"net/url"

	"renraku/internal/accounts"
	"renraku/internal/domain"
)

// eligibilitySet records that the person lost eligibility (death, moving out, loss
// of insurance: the record stays readable for the profile's read window, beppu
// §18, fukuoka §20) or regained it.
func (w *Web) eligibilitySet(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.personAction(rw, r, pr, id, "eligibility", "", nil, func(f url.Values) error {
		switch f.Get("eligible") {
		case "yes":
			return w.people.SetEligibility(r.Context(), pr.Actor, id, true, "", "")
		case "no":
			return w.people.SetEligibility(r.Context(), pr.Actor, id, false, f.Get("lost_reason"), f.Get("lost_on"))
		}
		return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{"lost_reason": "資格の状況の指定が正しくありません。"}}
	})
}

// readWindowClose ends the read window early (fukuoka §20 なお書き).
func (w *Web) readWindowClose(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.personAction(rw, r, pr, id, "read-window", "", map[string]string{"from": "close_from"}, func(f url.Values) error {
		return w.people.CloseReadWindow(r.Context(), pr.Actor, id, f.Get("close_from"))
	})
}
