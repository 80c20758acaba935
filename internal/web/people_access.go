package web

import (
	"net/http"
	"net/url"
	"strings"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
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

// orgIDField checks the organization ID chosen in a form.
func orgIDField(f url.Values, field string) (string, error) {
	v := strings.TrimSpace(f.Get(field))
	msg := ""
	switch {
	case v == "":
		msg = "組織を選んでください。"
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

// accessRequestsData is the requests page: the requests the actor's organization
// answers (or, for the operator, every open request) and those it made.
type accessRequestsData struct {
	Incoming []*people.AccessRequestItem
	Outgoing []*people.AccessRequestItem
}

// OutgoingStatusName is the state of a request as its requester sees it.
func (p *page) OutgoingStatusName(s string) string {
	switch s {
	case "pending":
		return "申請中"
	case "granted":
		return "許可"
	case "refused":
		return "不許可"
	}
	return s
}

// OrgTypeName names an organization type of the profile.
func (p *page) OrgTypeName(key string) string { return orgTypeName(p.Profile, key) }

// accessRequests is where an organization asks the care-plan office for access to
// a person it serves, identified by the care insured number and birth date it
// holds (beppu §17-3), and follows its requests; nothing about the person is
// shown before the office answers. The office (and the operator) answers the
// requests it receives on the same page (beppu §17-4).
func (w *Web) accessRequests(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderAccessRequests(rw, r, pr, http.StatusOK, w.newPage(r, "", pr))
}

func (w *Web) renderAccessRequests(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, p *page) {
	p.Title = "閲覧の申請"
	in, out, err := w.people.AccessRequests(r.Context(), pr.Actor)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Data = &accessRequestsData{Incoming: in, Outgoing: out}
	w.render(rw, r, status, "people_access_requests.html", p)
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
			w.renderAccessRequests(rw, r, pr, domain.HTTPStatus(err), p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	redirect(rw, r, "/n/"+pr.Network.ID+"/access-requests?done=access-requested")
}

// accessRequestDecide: the care-plan office (or the operator) grants or refuses a
// request (beppu §17-4), from the person's page or from the list of requests
// (from=list), and returns there.
func (w *Web) accessRequestDecide(approve bool) func(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	done := "request-refused"
	if approve {
		done = "request-granted"
	}
	return func(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
		if err := parseForm(r); err != nil {
			w.fail(rw, r, w.newPage(r, "", pr), "", err)
			return
		}
		if r.PostForm.Get("from") == "list" {
			p := w.newPage(r, "", pr)
			if err := w.people.DecideAccessRequest(r.Context(), pr.Actor, r.PathValue("id"), approve); err != nil {
				if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
					p.Error = e.Message
					w.renderAccessRequests(rw, r, pr, domain.HTTPStatus(err), p)
					return
				}
				w.fail(rw, r, p, "", err)
				return
			}
			redirect(rw, r, "/n/"+pr.Network.ID+"/access-requests?done="+done)
			return
		}
		// The form names the person, to return to their page; the service decides on
		// the request's own person, so a wrong value only changes where we return.
		person := r.PostForm.Get("person_id")
		w.personAction(rw, r, pr, person, done, "", nil, func(f url.Values) error {
			return w.people.DecideAccessRequest(r.Context(), pr.Actor, r.PathValue("id"), approve)
		})
	}
}
