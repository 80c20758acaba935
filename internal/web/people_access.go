package web

import (
	"net/http"
	"net/url"
	"strings"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/policy"
)

// teamAdd adds an organization to the person's care team (katori, joso, sendai).
func (w *Web) teamAdd(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.personAction(rw, r, pr, id, "team-added", "", nil, func(f url.Values) error {
		org, err := orgIDField(f, "org_id")
		if err != nil {
			return err
		}
		return w.people.AddToTeam(r.Context(), pr.Actor, id, org)
	})
}

// accessGrant: the care-plan office lets another organization serving the person
// see it (beppu §17-4); under claims-based access, permitted organizations grant
// others (fukuoka §19-2..5).
func (w *Web) accessGrant(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.personAction(rw, r, pr, id, "access-granted", "", nil, func(f url.Values) error {
		org, err := orgIDField(f, "org_id")
		if err != nil {
			return err
		}
		return w.people.GrantAccess(r.Context(), pr.Actor, id, org)
	})
}

// accessEnd ends one access row (beppu §17-2, §17-5; a team member leaving).
func (w *Web) accessEnd(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id, aid := r.PathValue("id"), r.PathValue("aid")
	// Each row has its own form: the error goes beside the row's reason field.
	w.personAction(rw, r, pr, id, "access-ended", "", map[string]string{"reason": "end_reason-" + aid}, func(f url.Values) error {
		return w.people.EndAccess(r.Context(), pr.Actor, id, aid, f.Get("end_reason"))
	})
}

// carePlanAssign records which office writes the care plan; the previous office's
// access ends (beppu §17-1..2: the operator may reassign).
func (w *Web) carePlanAssign(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	id := r.PathValue("id")
	w.personAction(rw, r, pr, id, "careplan-assigned", "", nil, func(f url.Values) error {
		org, err := orgIDField(f, "care_plan_org")
		if err != nil {
			return err
		}
		return w.people.AssignCarePlan(r.Context(), pr.Actor, id, org)
	})
}

// orgIDField checks an organization ID typed or chosen in a form.
func orgIDField(f url.Values, field string) (string, error) {
	v := strings.TrimSpace(f.Get(field))
	msg := ""
	switch {
	case v == "":
		msg = "組織IDを入力してください。"
	case len(v) > 64 || strings.ContainsFunc(v, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_')
	}):
		msg = "組織IDは英数字で入力してください（相手の組織に確認してください）。"
	}
	if msg != "" {
		return "", &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。", Fields: map[string]string{field: msg}}
	}
	return v, nil
}

// accessRequests is where an organization asks the care-plan office for access to
// a person it serves, identified by the care insured number and birth date it
// holds (beppu §17-3); nothing about the person is shown before the office answers.
func (w *Web) accessRequests(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "閲覧の申請", pr)
	if !p.Can(string(policy.RequestAccess)) {
		w.fail(rw, r, p, "", domain.ErrForbidden)
		return
	}
	w.render(rw, r, http.StatusOK, "people_access_requests.html", p)
}

func (w *Web) accessRequestSubmit(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "閲覧の申請", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	f := r.PostForm
	if _, err := w.people.RequestAccess(r.Context(), pr.Actor, f.Get("insured_no"), f.Get("birth_date"), f.Get("reason")); err != nil {
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID {
			p.Form, p.Errors, p.Error = f, e.Fields, e.Message
			w.render(rw, r, domain.HTTPStatus(err), "people_access_requests.html", p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/access-requests?done=access-requested")
}

// accessRequestDecide: the care-plan office (or the operator) grants or refuses a
// request from the person's page (beppu §17-4).
func (w *Web) accessRequestDecide(approve bool) func(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	done := "request-refused"
	if approve {
		done = "request-granted"
	}
	return func(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
		// The form names the person, to return to their page; the service decides on
		// the request's own person, so a wrong value only changes where we return.
		if err := parseForm(r); err != nil {
			w.fail(rw, r, w.newPage(r, "", pr), "", err)
			return
		}
		person := r.PostForm.Get("person_id")
		w.personAction(rw, r, pr, person, done, "", nil, func(f url.Values) error {
			return w.people.DecideAccessRequest(r.Context(), pr.Actor, r.PathValue("id"), approve)
		})
	}
}
