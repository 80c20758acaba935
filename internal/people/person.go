package people

import (
	"context"
	"strconv"
	"strings"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/validate"
)

// PersonInput is the registration form.
type PersonInput struct {
	FamilyName      string `json:"family_name"`
	GivenName       string `json:"given_name"`
	FamilyKana      string `json:"family_kana"`
	GivenKana       string `json:"given_kana"`
	BirthDate       string `json:"birth_date"`
	Sex             string `json:"sex"`
	Address         string `json:"address"`
	Phone           string `json:"phone"`
	CareInsuredNo   string `json:"care_insured_no"`
	HealthInsuredNo string `json:"health_insured_no"`
	HouseholdID     string `json:"household_id"`
	NewHousehold    string `json:"new_household"` // katori: name of a new 世帯 to create
}

var sexes = map[string]bool{"male": true, "female": true, "other": true, "unknown": true}

func checkPerson(p *profile.Profile, today string, in PersonInput) (PersonInput, error) {
	errs := domain.FieldErrors{}
	in.FamilyName = validate.Text(errs, "family_name", "氏", in.FamilyName, true, 50, false)
	in.GivenName = validate.Text(errs, "given_name", "名", in.GivenName, true, 50, false)
	in.FamilyKana = validate.Kana(errs, "family_kana", "氏（フリガナ）", in.FamilyKana, true)
	in.GivenKana = validate.Kana(errs, "given_kana", "名（フリガナ）", in.GivenKana, true)
	in.BirthDate = validate.Date(errs, "birth_date", "生年月日", in.BirthDate, true, "1890-01-01", today)
	if !sexes[in.Sex] {
		errs.Add("sex", "性別を選んでください。")
	}
	in.Address = validate.Text(errs, "address", "住所", in.Address, false, 200, false)
	in.Phone = validate.Phone(errs, "phone", "電話番号", in.Phone, false)
	if p.HasInsuredNumber("care") {
		in.CareInsuredNo = validate.Digits(errs, "care_insured_no", "介護保険被保険者番号", in.CareInsuredNo, false, 10)
	} else if strings.TrimSpace(in.CareInsuredNo) != "" {
		errs.Add("care_insured_no", "このネットワークでは介護保険被保険者番号を登録しません。")
	}
	if p.HasInsuredNumber("health") {
		in.HealthInsuredNo = validate.InsuredSymbol(errs, "health_insured_no", "医療保険の被保険者記号・番号", in.HealthInsuredNo, false)
	} else if strings.TrimSpace(in.HealthInsuredNo) != "" {
		errs.Add("health_insured_no", "このネットワークでは医療保険の被保険者番号を登録しません。")
	}
	if !p.People.Households && (in.HouseholdID != "" || strings.TrimSpace(in.NewHousehold) != "") {
		errs.Add("household_id", "このネットワークでは世帯を登録しません。")
	}
	in.NewHousehold = validate.Text(errs, "new_household", "世帯の名前", in.NewHousehold, false, 50, false)
	return in, errs.Err()
}

// Duplicates is the warning registration gives when someone with the same kana
// name and birth date exists; Register refuses until the user confirms.
type Duplicates struct {
	Count int
}

func (d *Duplicates) Error() string { return "a person with the same kana name and birth date exists" }

// Register registers a person for the actor's organization. Before consent only
// that organization (and the operator) can see the person. When someone with the
// same kana name and birth date exists, it returns an ECONFLICT error with the
// Problem "duplicate" unless confirm is set.
func (s *Service) Register(ctx context.Context, a policy.Actor, in PersonInput, confirm bool) (*domain.Person, error) {
	if d := policy.Decide(a, policy.RegisterPerson, policy.Resource{}); !d.Allow {
		return nil, s.deny(ctx, a, policy.RegisterPerson, "", d.Reason, false)
	}
	today := profile.Today(a.Now)
	in, err := checkPerson(a.Profile, today, in)
	if err != nil {
		return nil, err
	}
	var out *domain.Person
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		dups, err := tx.FindDuplicatePeople(ctx, a.NetworkID, in.FamilyKana, in.GivenKana, in.BirthDate)
		if err != nil {
			return err
		}
		if len(dups) > 0 && !confirm {
			return &domain.Error{Code: domain.ECONFLICT, Problem: "duplicate",
				Message: "同じフリガナ・生年月日の対象者が既に" + strconv.Itoa(len(dups)) + "名登録されています。同一人物でないことを確認のうえ、もう一度登録してください。"}
		}
		now := a.Now.UTC()
		p := &domain.Person{NetworkID: a.NetworkID, ID: domain.NewID(), FamilyName: in.FamilyName, GivenName: in.GivenName,
			FamilyKana: in.FamilyKana, GivenKana: in.GivenKana, BirthDate: in.BirthDate, Sex: in.Sex, Address: in.Address,
			Phone: in.Phone, CareInsuredNo: in.CareInsuredNo, HealthInsuredNo: in.HealthInsuredNo, RegisteredOrg: a.OrgID,
			RegisteredBy: a.UserID, Eligible: true, Status: domain.PersonActive, Consent: domain.ConsentNone,
			CreatedAt: now, UpdatedAt: now}
		if in.HouseholdID != "" {
			known, err := s.knownHousehold(ctx, tx, a, in.HouseholdID)
			if err != nil {
				return err
			}
			if !known {
				return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
					Fields: map[string]string{"household_id": "世帯が見つかりません。"}}
			}
			p.HouseholdID = in.HouseholdID
		} else if in.NewHousehold != "" {
			h := &domain.Household{NetworkID: a.NetworkID, ID: domain.NewID(), Name: in.NewHousehold, CreatedAt: now}
			if err := tx.CreateHousehold(ctx, h); err != nil {
				return err
			}
			p.HouseholdID = h.ID
		}
		if err := tx.CreatePerson(ctx, p); err != nil {
			return err
		}
		// The registering organization is on the care team from the start (team
		// strategy); in the care-plan strategy its access comes with consent.
		if a.OrgID != "" && contains(a.Profile.Strategies(), "team") {
			if err := tx.CreateAccess(ctx, &domain.Access{NetworkID: a.NetworkID, ID: domain.NewID(), PersonID: p.ID,
				OrgID: a.OrgID, Kind: domain.AccessTeam, GrantedBy: a.UserID, GrantedByOrg: a.OrgID, CreatedAt: now}); err != nil {
				return err
			}
		}
		out = p
		return s.log.Append(ctx, tx, event(ctx, a, "person.register", "person", p.ID, p.ID,
			map[string]any{"duplicate_confirmed": len(dups) > 0, "household": p.HouseholdID}))
	})
	return out, err
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// PersonView is a person's page: the record and who may see it.
type PersonView struct {
	Person    *domain.Person
	Via       string // the permission that let the actor see the person (audited)
	Hidden    bool   // the operator sees that the record is stopped or purged, not its content
	Consents  []*domain.Consent
	Access    []*domain.Access
	Requests  []*domain.AccessRequest
	Household []*domain.Person // other members of the household the actor may see
	// HouseholdName names the person's household (katori 世帯), "" when none.
	HouseholdName string
	Facts         *policy.PersonFacts
}

// Get returns a person's page. The read is decided by the policy and audited in
// the same transaction, before anything is returned.
func (s *Service) Get(ctx context.Context, a policy.Actor, id string) (*PersonView, error) {
	var v *PersonView
	err := s.withPerson(ctx, a, policy.ViewPerson, id, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		v = &PersonView{Person: p, Via: d.Reason, Facts: f}
		if p.Status != domain.PersonActive {
			// katori §13-2, joso §17-3: the operator sees that the record is hidden,
			// not its content; sendai §12-3: the content is gone.
			v.Hidden = true
			v.Person = hiddenStub(p)
		} else {
			var err error
			if v.Consents, err = tx.FindConsents(ctx, a.NetworkID, p.ID); err != nil {
				return err
			}
			if v.Access, err = tx.FindPersonAccess(ctx, a.NetworkID, p.ID); err != nil {
				return err
			}
			if v.Requests, err = tx.FindAccessRequests(ctx, a.NetworkID, p.ID, ""); err != nil {
				return err
			}
			if v.Household, err = s.visibleHousehold(ctx, tx, a, p); err != nil {
				return err
			}
			if p.HouseholdID != "" {
				h, err := tx.FindHousehold(ctx, a.NetworkID, p.HouseholdID)
				if err != nil {
					return err
				}
				v.HouseholdName = h.Name
			}
		}
		detail := map[string]any{"via": d.Reason, "hidden": v.Hidden}
		if d.Reason == policy.ViaDisaster {
			detail["disaster"] = f.DisasterID // joso §21: every disaster read names the disaster
		}
		return s.log.Append(ctx, tx, event(ctx, a, "person.view", "person", p.ID, p.ID, detail))
	})
	if err != nil {
		return nil, err // nothing leaves unless its audit event was written
	}
	return v, nil
}

// visibleHousehold lists the other members of the person's household (katori: 世帯)
// that the actor may see; the others are not mentioned.
func (s *Service) visibleHousehold(ctx context.Context, tx store.Tx, a policy.Actor, p *domain.Person) ([]*domain.Person, error) {
	if p.HouseholdID == "" {
		return nil, nil
	}
	members, err := tx.FindHouseholdMembers(ctx, a.NetworkID, p.HouseholdID)
	if err != nil {
		return nil, err
	}
	var out []*domain.Person
	for _, m := range members {
		if m.ID == p.ID {
			continue
		}
		f, err := s.facts(ctx, tx, a, m)
		if err != nil {
			return nil, err
		}
		d := policy.Decide(a, policy.ViewPerson, policy.Resource{Person: f})
		if !d.Allow || m.Status != domain.PersonActive {
			continue
		}
		// Showing a member's name is a read of that member's record: audited too.
		if err := s.log.Append(ctx, tx, event(ctx, a, "person.view", "person", m.ID, m.ID,
			map[string]any{"via": d.Reason, "as_household_member_of": p.ID})); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// knownHousehold reports whether the household exists and the actor may see one
// of its members: one adds a person to a household one knows (from a member's
// page), not to any household whose ID one has come by.
func (s *Service) knownHousehold(ctx context.Context, tx store.Tx, a policy.Actor, id string) (bool, error) {
	if _, err := tx.FindHousehold(ctx, a.NetworkID, id); err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return false, nil
		}
		return false, err
	}
	members, err := tx.FindHouseholdMembers(ctx, a.NetworkID, id)
	if err != nil {
		return false, err
	}
	for _, m := range members {
		f, err := s.facts(ctx, tx, a, m)
		if err != nil {
			return false, err
		}
		if policy.Decide(a, policy.ViewPerson, policy.Resource{Person: f}).Allow && m.Status == domain.PersonActive {
			return true, nil
		}
	}
	return false, nil
}

// hiddenStub keeps only what the operator needs to know about a hidden record.
func hiddenStub(p *domain.Person) *domain.Person {
	return &domain.Person{NetworkID: p.NetworkID, ID: p.ID, Status: p.Status, RegisteredOrg: p.RegisteredOrg,
		Consent: p.Consent, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// List returns the people the actor may see, matching f, and the total count. The
// policy's list form filters in the database; the list is audited with its query.
func (s *Service) List(ctx context.Context, a policy.Actor, f domain.PeopleFilter) ([]*domain.Person, int, error) {
	if d := policy.Decide(a, policy.ListPeople, policy.Resource{}); !d.Allow {
		return nil, 0, s.deny(ctx, a, policy.ListPeople, "", d.Reason, false)
	}
	errs := domain.FieldErrors{}
	if strings.TrimSpace(f.Kana) != "" {
		f.Kana = strings.ReplaceAll(validate.Kana(errs, "kana", "フリガナ", f.Kana, false), " ", "")
	}
	f.BirthDate = validate.Date(errs, "birth_date", "生年月日", f.BirthDate, false, "", "")
	if f.Limit < 0 || f.Limit > 500 || f.Offset < 0 {
		errs.Add("limit", "表示件数の指定が正しくありません。")
	}
	if err := errs.Err(); err != nil {
		return nil, 0, err
	}
	var out []*domain.Person
	var total int
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		disaster, disasterID := false, ""
		if a.Profile.People.Disaster.Enabled {
			d, err := activeDisaster(ctx, tx, a)
			if err != nil {
				return err
			}
			if d != nil {
				disaster, disasterID = true, d.ID
			}
		}
		scope := policy.Scope(a, disaster)
		var err error
		if out, total, err = tx.FindPeople(ctx, a.NetworkID, scope, f); err != nil {
			return err
		}
		for i, p := range out {
			if p.Status != domain.PersonActive {
				out[i] = hiddenStub(p)
			}
		}
		detail := map[string]any{"kana": f.Kana, "birth_date": f.BirthDate, "offset": f.Offset, "returned": len(out),
			"total": total, "scope": scopeName(scope)}
		if scope.Disaster {
			detail["disaster"] = disasterID // joso §21: disaster reads name the disaster
		}
		return s.log.Append(ctx, tx, event(ctx, a, "people.list", "people", "", "", detail))
	})
	if err != nil {
		return nil, 0, err // nothing leaves unless its audit event was written
	}
	return out, total, nil
}

func scopeName(s domain.PersonScope) string {
	switch {
	case s.All:
		return "operator"
	case s.Disaster:
		return "organization+disaster"
	case s.AllConsented:
		return "municipal"
	}
	return "organization"
}

// SetEligibility records that the person lost (or regained) eligibility: death,
// moving out, loss of insurance. The record stays readable until the profile's read
// window ends (beppu §18: 90 days counted from the day of loss; fukuoka §20: until
// 3 months have passed from the next day).
func (s *Service) SetEligibility(ctx context.Context, a policy.Actor, id string, eligible bool, reason, lostOn string) error {
	errs := domain.FieldErrors{}
	if !eligible {
		switch reason {
		case "death", "moved", "insurance_lost":
		default:
			errs.Add("lost_reason", "資格喪失の理由を選んでください。")
		}
		lostOn = validate.Date(errs, "lost_on", "資格喪失日", lostOn, true, "1900-01-01", profile.Today(a.Now))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return s.withPerson(ctx, a, policy.EditPerson, id, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		if eligible {
			p.Eligible, p.LostReason, p.LostOn, p.ReadableUntil = true, "", "", ""
		} else {
			until, err := a.Profile.ReadableUntil(lostOn)
			if err != nil {
				return err
			}
			p.Eligible, p.LostReason, p.LostOn, p.ReadableUntil = false, reason, lostOn, until
		}
		p.UpdatedAt = a.Now.UTC()
		if err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "person.eligibility", "person", p.ID, p.ID,
			map[string]any{"eligible": eligible, "reason": reason, "lost_on": lostOn, "readable_until": p.ReadableUntil}))
	})
}

// CloseReadWindow ends the read window early (fukuoka §20 なお書き: the 事業責任者
// may restrict reading before 3 months have passed). The last readable day becomes
// the day before `from`.
func (s *Service) CloseReadWindow(ctx context.Context, a policy.Actor, id, from string) error {
	errs := domain.FieldErrors{}
	from = validate.Date(errs, "from", "閲覧を制限する日", from, true, "", "")
	if err := errs.Err(); err != nil {
		return err
	}
	return s.withPerson(ctx, a, policy.CloseReadWindow, id, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		if p.Eligible {
			return domain.Errorf(domain.ECONFLICT, "資格喪失が登録されていません。")
		}
		t, _ := profile.ParseDate(from)
		last := t.AddDate(0, 0, -1).Format("2006-01-02")
		changed := last < p.ReadableUntil // closing never extends the window
		if changed {
			p.ReadableUntil = last
		}
		p.UpdatedAt = a.Now.UTC()
		if err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "person.read_window.close", "person", p.ID, p.ID,
			map[string]any{"readable_until": p.ReadableUntil, "changed": changed}))
	})
}
