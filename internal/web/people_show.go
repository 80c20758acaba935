package web

import (
	"context"
	"net/http"
	"net/url"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/profile"
)

// todayOf is the request's calendar day in Asia/Tokyo.
func todayOf(pr *accounts.Principal) string { return profile.Today(pr.Actor.Now) }

// personData is what the person page shows: the record, who may see it, and the
// answers of the policy for the buttons, asked with the facts the service loaded
// in the same transaction as the (audited) read.
type personData struct {
	View    *people.PersonView
	Person  *domain.Person
	Active  []*domain.Access // access in force or expired, not ended
	Ended   []*domain.Access
	Pending []*domain.AccessRequest
	Decided []*domain.AccessRequest
	Orgs    []people.OrgRef // the network's organizations in use, to choose one in a form
	orgs    map[string]people.OrgRef
	ownOrg  *domain.Organization
	actor   policy.Actor
	today   string
}

// Can asks the policy whether the actor may do act to this person.
func (d *personData) Can(act string) bool {
	if d == nil || d.View == nil || d.View.Facts == nil {
		return false
	}
	return accounts.Can(d.actor, policy.Action(act), policy.Resource{Person: d.View.Facts})
}

// CanEnd: a team row is ended by a team member (team.manage), a grant or the
// care-plan office's row by the care-plan office or the operator (access.revoke).
func (d *personData) CanEnd(a *domain.Access) bool {
	if !a.EndedAt.IsZero() {
		return false
	}
	if a.Kind == domain.AccessTeam {
		return d.Can(string(policy.ManageTeam))
	}
	return d.Can(string(policy.RevokeAccess))
}

// OrgName names an organization of the network (names of organizations are not
// personal data; every member may know them).
func (d *personData) OrgName(id string) string {
	if id == "" {
		return "（組織に属さない利用者）"
	}
	if d.ownOrg != nil && d.ownOrg.ID == id {
		return d.ownOrg.Name + "（自組織）"
	}
	if o, ok := d.orgs[id]; ok {
		return o.Name
	}
	return "組織ID " + id
}

// OrgType names the organization's type (居宅介護支援事業所 …), "" when unknown.
func (d *personData) OrgType(id string) string {
	if o, ok := d.orgs[id]; ok {
		return orgTypeName(d.actor.Profile, o.Type)
	}
	return ""
}

func orgTypeName(p *profile.Profile, key string) string {
	if it := p.OrgType(key); it != nil {
		return it.Name
	}
	return key
}

// orgGroup is the organizations of one type, an <optgroup> of a form's <select>.
type orgGroup struct {
	Name string
	Orgs []people.OrgRef
}

// OrgChoices groups the organizations in use by type, in the profile's order of
// types, for the select of the team, grant and care-plan forms; the actor's own
// organization is left out (it holds access already).
func (d *personData) OrgChoices() []orgGroup {
	var out []orgGroup
	at := map[string]int{}
	for _, t := range d.actor.Profile.OrgTypes {
		at[t.Key] = len(out)
		out = append(out, orgGroup{Name: t.Name})
	}
	for _, o := range d.Orgs {
		if d.ownOrg != nil && o.ID == d.ownOrg.ID {
			continue
		}
		i, ok := at[o.Type]
		if !ok {
			i, at[o.Type] = len(out), len(out)
			out = append(out, orgGroup{Name: orgTypeName(d.actor.Profile, o.Type)})
		}
		out[i].Orgs = append(out[i].Orgs, o)
	}
	var groups []orgGroup
	for _, g := range out {
		if len(g.Orgs) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}

// Expired: claims access lapses after the profile's months without claims.
func (d *personData) Expired(a *domain.Access) bool {
	return a.ExpiresOn != "" && a.ExpiresOn < d.today
}

// CarePlanPerson: the person's consent is on a form whose access strategy is the
// care-plan office (beppu §17, fukuoka §19 under form 7).
func (d *personData) CarePlanPerson() bool {
	f := d.actor.Profile.ConsentForm(d.Person.ConsentForm)
	return f != nil && f.Strategy == "careplan"
}

// ReadWindowArticle is the article of the read window after eligibility ends.
func (d *personData) ReadWindowArticle() string { return d.actor.Profile.People.ReadWindow.Article }

// orgDirectory returns the organizations of the network by ID, for their names,
// and those in use, to choose from.
func (w *Web) orgDirectory(ctx context.Context, pr *accounts.Principal) (all map[string]people.OrgRef, active []people.OrgRef, err error) {
	orgs, err := w.people.Organizations(ctx, pr.Actor)
	if err != nil {
		return nil, nil, err
	}
	all = map[string]people.OrgRef{}
	for _, o := range orgs {
		all[o.ID] = o
		if o.Status == domain.OrgActive {
			active = append(active, o)
		}
	}
	return all, active, nil
}

func personPath(pr *accounts.Principal, id string) string {
	return "/n/" + pr.Network.ID + "/people/" + url.PathEscape(id)
}

func (w *Web) personShow(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	w.renderPerson(rw, r, pr, r.PathValue("id"), http.StatusOK, nil)
}

// renderPerson shows a person's page, or (failed != nil) shows it again with the
// errors of a form on it. Every rendering is an audited read.
func (w *Web) renderPerson(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, id string, status int, failed *page) {
	p := failed
	if p == nil {
		p = w.newPage(r, "", pr)
	}
	// The name stays out of <title> (and so out of the browser's history).
	p.Title = "対象者の情報"
	data, err := w.loadPerson(r.Context(), p, pr, id)
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Data = data
	w.render(rw, r, status, "person_show.html", p)
}

func (w *Web) loadPerson(ctx context.Context, p *page, pr *accounts.Principal, id string) (*personData, error) {
	view, err := w.people.Get(ctx, pr.Actor, id)
	if err != nil {
		return nil, err
	}
	d := &personData{View: view, Person: view.Person, actor: pr.Actor, ownOrg: pr.Org, today: todayOf(pr)}
	for _, a := range view.Access {
		if a.EndedAt.IsZero() {
			d.Active = append(d.Active, a)
		} else {
			d.Ended = append(d.Ended, a)
		}
	}
	for _, rq := range view.Requests {
		if rq.Status == "pending" {
			d.Pending = append(d.Pending, rq)
		} else {
			d.Decided = append(d.Decided, rq)
		}
	}
	if d.orgs, d.Orgs, err = w.orgDirectory(ctx, pr); err != nil {
		return nil, err
	}
	return d, nil
}

// personAction runs a form posted from a person's page. Invalid input or a
// conflict shows the page again with the message beside the form (fields renamed
// where two forms of the page share a service's field name); success redirects
// (post/redirect/get) to next, or back to the person with ?done=done.
func (w *Web) personAction(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, id, done, next string,
	rename map[string]string, fn func(f url.Values) error) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	if err := fn(r.PostForm); err != nil {
		if e := domain.AsError(err); e != nil && (e.Code == domain.EINVALID || e.Code == domain.ECONFLICT) {
			p.Form, p.Error = r.PostForm, e.Message
			p.Errors = map[string]string{}
			for k, v := range e.Fields {
				if n, ok := rename[k]; ok {
					k = n
				}
				p.Errors[k] = v
			}
			w.renderPerson(rw, r, pr, id, domain.HTTPStatus(err), p)
			return
		}
		w.fail(rw, r, p, "", err)
		return
	}
	if next == "" {
		next = personPath(pr, id)
	}
	redirect(rw, r, next+"?done="+done)
}

// confirmed is a check box that must be ticked before an action that cannot be undone.
func confirmed(f url.Values, field, msg string) error {
	if f.Get(field) == "yes" {
		return nil
	}
	return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。", Fields: map[string]string{field: msg}}
}

// OrgField describes an organization-ID input for the "orgfield" template.
func (p *page) OrgField(d *personData, id, label string) map[string]any {
	return map[string]any{"P": p, "D": d, "ID": id, "Label": label}
}
