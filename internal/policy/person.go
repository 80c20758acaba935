package policy

import (
	"slices"

	"renraku/internal/domain"
	"renraku/internal/profile"
)

// Actions on people (shared/SPEC.md §3-4).
const (
	ListPeople      Action = "people.list"     // the list form is PersonScope
	RegisterPerson  Action = "person.register" // register someone the organization supports
	ViewPerson      Action = "person.view"     // Resource.Person
	EditPerson      Action = "person.edit"     // profile fields and eligibility
	RecordConsent   Action = "consent.record"
	WithdrawConsent Action = "consent.withdraw"         // beppu §16, fukuoka §18
	RequestDeletion Action = "person.delete"            // katori §13-2, joso §17-2..3, sendai §12-2..3
	ManageTeam      Action = "team.manage"              // add or remove team organizations (katori, joso, sendai)
	GrantAccess     Action = "access.grant"             // beppu §17-4, fukuoka §19-2..5
	RevokeAccess    Action = "access.revoke"            // beppu §17-5
	RequestAccess   Action = "access.request"           // beppu §17-3
	DecideAccess    Action = "access.decide"            // the care-plan office answers a request
	AssignCarePlan  Action = "careplan.assign"          // the operator reassigns (beppu §17-2)
	ImportClaims    Action = "claims.import"            // fukuoka §19-2
	ManageDisaster  Action = "disaster.manage"          // joso §21
	EditMatrix      Action = "matrix.edit"              // beppu §10-1, fukuoka §9-1
	ViewMatrix      Action = "matrix.view"              // beppu §10-1, fukuoka §9-1
	ViewPersonLog   Action = "person.access_log"        // who viewed a person (beppu §10-3, fukuoka §9-3)
	CloseReadWindow Action = "person.read_window.close" // fukuoka §20 なお書き
	// ListAccessRequests: the lists of requests for access (beppu §17-3..4,
	// fukuoka §19-3..5, §19の2-3..5); each person named is checked with DecideAccess.
	ListAccessRequests Action = "access_requests.list"
)

// PersonFacts is what the policy needs to know about a person and the acting
// organization's relation to them; the service loads it in the request's
// transaction, so a withdrawal or a revocation counts from the very next request.
type PersonFacts struct {
	ID             string
	RegisteredOrg  string
	Status         domain.PersonStatus
	Consent        domain.ConsentState
	ConsentForm    string
	ConsentScopes  []string
	Eligible       bool
	ReadableUntil  string
	OrgAccess      []string // kinds of access in force for the actor's organization
	DisasterActive bool
	DisasterID     string // the active disaster, named in the audit of a disaster read
}

// Permission names what let the actor see a person; it is audited with every read.
const (
	ViaOperator  = "operator"
	ViaRegistrar = "registrant"
	ViaMunicipal = "municipal"
	ViaDisaster  = "disaster"
)

// orgMember: staff, admins and municipal staff act for an organization (municipal
// staff for the city, with no organization row).
func orgMember(a Actor) bool {
	return a.Role == domain.RoleStaff || a.Role == domain.RoleAdmin || a.Role == domain.RoleMunicipal
}

// designatedResponder: joso §21 lets designated users read consented records in a
// declared disaster.
func designatedResponder(a Actor, p *profile.Profile) bool {
	d := p.People.Disaster
	return d.Enabled && (slices.Contains(d.Roles, string(a.Role)) || (a.Occupation != "" && slices.Contains(d.Occupations, a.Occupation)))
}

// readWindowOpen: beppu §18, fukuoka §20: after eligibility ends the record is
// readable up to and including ReadableUntil.
func readWindowOpen(f *PersonFacts, today string) bool {
	return f.Eligible || (f.ReadableUntil != "" && today <= f.ReadableUntil)
}

// via returns why the actor may read the person, or "" when nothing permits it.
func via(a Actor, f *PersonFacts) string {
	p := a.Profile
	if a.Role == domain.RoleOperator {
		return ViaOperator
	}
	if !orgMember(a) || f.Status != domain.PersonActive || !readWindowOpen(f, profile.Today(a.Now)) {
		return ""
	}
	// Before consent only the registering organization sees the person (beppu §15,
	// fukuoka §17, katori §13, joso §17, sendai §12); it keeps its own registration
	// (a care-plan reassignment moves the registration with the plan, beppu §17-2).
	if a.OrgID != "" && a.OrgID == f.RegisteredOrg {
		return ViaRegistrar
	}
	if f.Consent != domain.ConsentActive {
		return ""
	}
	kinds := p.AccessKinds()
	for _, k := range f.OrgAccess {
		if slices.Contains(kinds, k) {
			return k
		}
	}
	if a.Role == domain.RoleMunicipal && p.People.MunicipalOnEveryTeam {
		return ViaMunicipal
	}
	if f.DisasterActive && designatedResponder(a, p) && slices.Contains(f.ConsentScopes, "disaster") {
		return ViaDisaster
	}
	return ""
}

// decidePerson answers the person actions. It is called from Decide.
func decidePerson(a Actor, act Action, res Resource) (Decision, bool) {
	p := a.Profile
	operator := func(pw profile.Power) Decision {
		if a.Role == domain.RoleOperator && p.HasPower(a.OperatorRole, pw) {
			return allow("operator role " + a.OperatorRole + " holds " + string(pw))
		}
		return deny("needs an operator holding " + string(pw))
	}
	f := res.Person
	switch act {
	case ListPeople:
		if a.Role == domain.RoleOperator || orgMember(a) {
			return allow("the list is filtered to permitted people"), true
		}
		return deny("this role does not see people"), true
	case RegisterPerson:
		if a.Role == domain.RoleOperator {
			return operator(profile.PowerManagePeople), true
		}
		// Municipal staff act for the city, which has no organization row to own
		// the record before consent; the operator registers for the city.
		if (a.Role == domain.RoleStaff || a.Role == domain.RoleAdmin) && a.OrgID != "" {
			return allow("registers for its organization"), true
		}
		return deny("only operators and organizations register people"), true
	case ImportClaims:
		if !slices.Contains(p.Strategies(), "claims") {
			return deny("this network has no claims-based access"), true
		}
		return operator(profile.PowerManagePeople), true
	case ManageDisaster:
		if !p.People.Disaster.Enabled {
			return deny("this network has no disaster mode"), true
		}
		return operator(profile.PowerManagePeople), true
	case EditMatrix:
		if !p.People.Matrix {
			return deny("this network has no occupation matrix"), true
		}
		return operator(profile.PowerManagePeople), true
	case ViewMatrix:
		// beppu §10-1, fukuoka §9-1: the grid says what each occupation reads and
		// writes. Every operator role reads it; the auditor (fukuoka §35) audits the
		// operation; an organization admin admits its users and their occupations
		// (beppu §13-2, fukuoka §11-2), so it reads what they will see. Staff do not.
		if !p.People.Matrix {
			return deny("this network has no occupation matrix"), true
		}
		switch {
		case a.Role == domain.RoleOperator:
			return allow("operators read the matrix"), true
		case a.Role == domain.RoleAuditor:
			return allow("the auditor reads the matrix"), true
		case a.Role == domain.RoleAdmin && a.OrgID != "":
			return allow("an organization admin reads what its staff may see"), true
		}
		return deny("only operators, the auditor and organization admins read the matrix"), true
	case ListAccessRequests:
		if !slices.Contains(p.Strategies(), "careplan") && !slices.Contains(p.Strategies(), "claims") {
			return deny("access is by care team in this network; nobody asks for it"), true
		}
		if a.Role == domain.RoleOperator || orgMember(a) {
			return allow("requests the actor sent or may answer"), true
		}
		return deny("this role neither asks for nor answers access"), true
	case RequestAccess:
		if !slices.Contains(p.Strategies(), "careplan") && !slices.Contains(p.Strategies(), "claims") {
			return deny("access is by care team in this network"), true
		}
		if orgMember(a) && a.OrgID != "" {
			return allow("an organization asks the care-plan office (beppu §17-3)"), true
		}
		return deny("only organizations request access"), true
	}
	if d, ok := decideTimeline(a, act, res); ok {
		return d, true
	}
	if f == nil {
		return Decision{}, false
	}
	v := via(a, f)
	switch act {
	case ViewPerson:
		if v == "" {
			return deny("no permission to this person"), true
		}
		return allow(v), true
	case CloseReadWindow:
		if !p.People.ReadWindow.OperatorMayClose {
			return deny("the read window cannot be closed early in this network"), true
		}
		return operator(profile.PowerManagePeople), true
	case ViewPersonLog:
		// Whoever reads the audit log reads who viewed a person (the operator, and
		// fukuoka §35's auditor).
		if d := Decide(a, ViewAudit, Resource{}); d.Allow {
			return d, true
		}
		return deny("only those who read the audit log read who viewed a person"), true
	case EditPerson:
		if a.Role == domain.RoleOperator {
			return operator(profile.PowerManagePeople), true
		}
		if v == "" || v == ViaDisaster {
			return deny("no permission to change this person"), true
		}
		return allow(v), true
	case RecordConsent, WithdrawConsent:
		if act == WithdrawConsent {
			if p.People.Withdrawal == "" {
				return deny("consent is not withdrawn in this network; the person asks for deletion"), true
			}
			if f.Consent != domain.ConsentActive {
				return deny("no consent in force"), true
			}
		}
		if f.Status != domain.PersonActive {
			return deny("the record is stopped or deleted"), true
		}
		if a.Role == domain.RoleOperator {
			return operator(profile.PowerManagePeople), true
		}
		if p.People.ConsentBy == "operator" {
			// beppu §15-1, §16, fukuoka §17-1, §18: the city takes consent and
			// receives withdrawals; its municipal staff may enter them.
			// City staff may enter them for the people they can see.
			if a.Role == domain.RoleMunicipal && v != "" && v != ViaDisaster {
				return allow("city staff enter the city's consent forms (" + p.People.ConsentByArticle + ")"), true
			}
			return deny("the city enters consents and withdrawals (" + p.People.ConsentByArticle + ")"), true
		}
		if v == "" || v == ViaDisaster {
			return deny("no permission to this person"), true
		}
		return allow(v), true
	case RequestDeletion:
		if p.People.Deletion == "" {
			return deny("this network handles a person's request by withdrawal of consent"), true
		}
		if f.Status != domain.PersonActive {
			return deny("already stopped or deleted"), true
		}
		// joso §17-3: the city does it; katori §13-2 and sendai §12-3: the user does.
		if a.Role == domain.RoleOperator {
			return operator(profile.PowerManagePeople), true
		}
		if p.People.DeletionBy == "operator" {
			return deny("the city sets 支援中止 (" + p.People.DeletionArticle + ")"), true
		}
		if v == "" || v == ViaDisaster {
			return deny("no permission to this person"), true
		}
		return allow("the user handles the request (" + p.People.DeletionArticle + ")"), true
	case ManageTeam:
		if !slices.Contains(p.Strategies(), "team") {
			return deny("access is not by care team in this network"), true
		}
		if a.Role == domain.RoleOperator {
			return operator(profile.PowerManagePeople), true
		}
		if v == ViaRegistrar || v == domain.AccessTeam || v == ViaMunicipal {
			return allow("a team member adds organizations to the team"), true
		}
		return deny("only team members change the team"), true
	case GrantAccess, RevokeAccess, DecideAccess:
		// The consent's form decides the access model (fukuoka §19 form 7: the
		// care-plan office; §19の2 forms 7a/7b: claims and grants).
		if !slices.Contains(p.Strategies(), "careplan") && !slices.Contains(p.Strategies(), "claims") {
			return deny("access is by care team in this network"), true
		}
		// The operator ends any access (beppu §17-2), consent or not.
		if act == RevokeAccess && a.Role == domain.RoleOperator {
			return operator(profile.PowerManagePeople), true
		}
		strategy := ""
		if form := p.ConsentForm(f.ConsentForm); form != nil && f.Consent == domain.ConsentActive {
			strategy = form.Strategy
		}
		if strategy != "careplan" && strategy != "claims" {
			return deny("no consent in force under which access is granted"), true
		}
		if a.Role == domain.RoleOperator {
			return operator(profile.PowerManagePeople), true
		}
		if v == "" || v == ViaDisaster {
			return deny("the organization cannot see the person now"), true
		}
		switch {
		case strategy == "careplan" && slices.Contains(f.OrgAccess, domain.AccessCarePlan):
			// beppu §17-4..5, fukuoka §19-3: the care-plan office grants and revokes.
			return allow("the care-plan office"), true
		case strategy == "claims" && act != RevokeAccess &&
			(slices.Contains(f.OrgAccess, domain.AccessClaims) || slices.Contains(f.OrgAccess, domain.AccessGranted)):
			// fukuoka §19の2-3..4: an organization allowed to view lets others view.
			return allow("an organization with access grants others (fukuoka §19の2)"), true
		}
		return deny("only the care-plan office grants and revokes access"), true
	case AssignCarePlan:
		if !slices.Contains(p.Strategies(), "careplan") {
			return deny("no care-plan office in this network"), true
		}
		// Only under a consent on a care-plan form (fukuoka §19: form 7).
		if form := p.ConsentForm(f.ConsentForm); form == nil || form.Strategy != "careplan" || f.Consent != domain.ConsentActive {
			return deny("no consent in force on a care-plan form"), true
		}
		// beppu §17-1..2, fukuoka §19-1..2: the 事業責任者 enables the office that
		// writes the care plan, and ends it when it no longer does.
		return operator(profile.PowerManagePeople), true
	}
	return Decision{}, false
}

// Scope is the list form of ViewPerson: the people the actor may see, for the store
// to turn into SQL. It must agree with ViewPerson person by person.
func Scope(a Actor, disasterActive bool) domain.PersonScope {
	if !Decide(a, ListPeople, Resource{}).Allow {
		return domain.PersonScope{} // nothing matches
	}
	if a.Role == domain.RoleOperator {
		return domain.PersonScope{All: true}
	}
	p := a.Profile
	return domain.PersonScope{
		OrgID:        a.OrgID,
		AccessKinds:  p.AccessKinds(),
		AllConsented: a.Role == domain.RoleMunicipal && p.People.MunicipalOnEveryTeam,
		Disaster:     disasterActive && designatedResponder(a, p),
		Today:        profile.Today(a.Now),
	}
}
