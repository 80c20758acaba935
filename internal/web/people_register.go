package web

import (
	"context"
	"net/http"
	"net/url"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
)

type householdOption struct {
	ID, Label string
}

type registerData struct {
	Households []householdOption // katori: the 世帯 of people the user may see
	Duplicate  bool              // a person with the same kana and birth date exists: ask to confirm
}

// households lists the households (katori 世帯) of the people the user may see,
// each named after its first member, for the select of the registration form.
func (w *Web) households(ctx context.Context, pr *accounts.Principal, selected string) ([]householdOption, error) {
	if !pr.Actor.Profile.People.Households {
		return nil, nil
	}
	list, _, err := w.people.List(ctx, pr.Actor, domain.PeopleFilter{Limit: 500})
	if err != nil {
		return nil, err
	}
	var out []householdOption
	seen := map[string]bool{}
	for _, ps := range list {
		if ps.HouseholdID == "" || seen[ps.HouseholdID] {
			continue
		}
		seen[ps.HouseholdID] = true
		out = append(out, householdOption{ps.HouseholdID, ps.FamilyName + " " + ps.GivenName + "さんの世帯"})
	}
	if selected != "" && !seen[selected] {
		out = append(out, householdOption{selected, "世帯ID " + selected})
	}
	return out, nil
}

func (w *Web) personNew(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "", pr)
	if !p.Can(string(policy.RegisterPerson)) {
		w.fail(rw, r, p, "", domain.ErrForbidden)
		return
	}
	p.Form = url.Values{}
	// From a person's page: register another member of the same household.
	if hh := r.URL.Query().Get("household_id"); hh != "" && len(hh) <= 64 {
		p.Form.Set("household_id", hh)
	}
	w.renderRegister(rw, r, pr, http.StatusOK, p, false)
}

func (w *Web) renderRegister(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal, status int, p *page, dup bool) {
	p.Title = "対象者の登録"
	hh, err := w.households(r.Context(), pr, p.Val("household_id"))
	if err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	p.Data = &registerData{Households: hh, Duplicate: dup}
	w.render(rw, r, status, "person_new.html", p)
}

// personCreate registers a person. When someone with the same kana name and birth
// date exists, the form comes back with a warning and a check box to confirm that
// this is a different person.
func (w *Web) personCreate(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "", pr)
	if err := parseForm(r); err != nil {
		w.fail(rw, r, p, "", err)
		return
	}
	f := r.PostForm
	in := people.PersonInput{FamilyName: f.Get("family_name"), GivenName: f.Get("given_name"), FamilyKana: f.Get("family_kana"),
		GivenKana: f.Get("given_kana"), BirthDate: f.Get("birth_date"), Sex: f.Get("sex"), Address: f.Get("address"),
		Phone: f.Get("phone"), CareInsuredNo: f.Get("care_insured_no"), HealthInsuredNo: f.Get("health_insured_no"),
		HouseholdID: f.Get("household_id"), NewHousehold: f.Get("new_household")}
	var err error
	if in.HouseholdID != "" && in.NewHousehold != "" {
		err = &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{"household_id": "既存の世帯に加えるか、新しい世帯を作るか、どちらか一方にしてください。"}}
	}
	var person *domain.Person
	if err == nil {
		person, err = w.people.Register(r.Context(), pr.Actor, in, f.Get("confirm_distinct") == "yes")
	}
	if err != nil {
		e := domain.AsError(err)
		switch {
		case e != nil && e.Problem == "duplicate":
			p.Form, p.Error = f, e.Message
			w.renderRegister(rw, r, pr, http.StatusConflict, p, true)
		case e != nil && e.Code == domain.EINVALID:
			p.Form, p.Errors, p.Error = f, e.Fields, e.Message
			w.renderRegister(rw, r, pr, http.StatusUnprocessableEntity, p, f.Get("confirm_distinct") == "yes")
		default:
			w.fail(rw, r, p, "", err)
		}
		return
	}
	redirect(rw, r, personPath(pr, person.ID)+"?done=person-registered")
}
