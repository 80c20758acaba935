// Package policy is the one place where access is decided. Handlers and services ask
// Decide; they never test roles themselves. Deny by default: an action not listed
// here, or a case not matched, is denied with a reason that is audited.
package policy

import (
	"time"

	"renraku/internal/domain"
	"renraku/internal/profile"
)

// Actor is the authenticated user a request acts as.
type Actor struct {
	NetworkID    string
	UserID       string
	LoginID      string
	DisplayName  string
	OrgID        string
	Role         domain.Role
	OperatorRole string
	Occupation   string
	Profile      *profile.Profile
	Now          time.Time           // the request's time, from the injected clock
	Stage        domain.SessionStage // a session that has not finished first-login setup
}

// Action is what the actor wants to do.
type Action string

const (
	// UseService: any authenticated request; outside service hours only network-level
	// accounts (operators, auditors, vendors) keep access (fukuoka §15, beppu §9).
	UseService Action = "service.use"
	// ViewOwnAccount: one's own profile, sessions, password, second factor.
	ViewOwnAccount Action = "account.own"
	// CompleteSetup: the first-login steps (password change, second-factor
	// enrolment, beppu §12-2, fukuoka §12-2), the only thing a session in setup may do.
	CompleteSetup Action = "account.setup"

	ReviewApplications  Action = "applications.review"
	ViewOrganizations   Action = "organizations.view"
	ViewOrganization    Action = "organization.view" // Resource.OrgID
	ManageOrganization  Action = "organization.manage"
	SuspendOrganization Action = "organization.suspend"
	SuspendUser         Action = "user.suspend"          // Resource.UserRole, Resource.OrgID
	ListUsers           Action = "users.list"            // Resource.OrgID ("" = network-level accounts)
	IssueStaff          Action = "staff.issue"           // Resource.OrgID
	RequestStaff        Action = "staff.request"         // a new staff account (joso §10-1)
	RequestReissue      Action = "staff.reissue.request" // a new ID for a staff member who lost theirs (joso §10-5, katori §10-2)
	DecideStaffRequest  Action = "staff.request.decide"
	ManageUser          Action = "user.manage" // revoke, reissue; Resource.OrgID, Resource.UserRole
	IssueNetworkAccount Action = "network_account.issue"
	ViewAudit           Action = "audit.view"
)

// Resource is what the action is done to.
type Resource struct {
	Person   *PersonFacts   // for person actions
	OrgID    string         // the organization that owns the target
	UserID   string         // the target user
	UserRole domain.Role    // the target user's role
	Timeline *TimelineFacts // for timeline actions (timeline.go)
	Board    *BoardFacts    // for bulletin-board actions (board.go)
}

// Decision is an answer with its reason (the reason is audited, not shown).
type Decision struct {
	Allow  bool
	Reason string
}

func allow(reason string) Decision { return Decision{Allow: true, Reason: reason} }
func deny(reason string) Decision  { return Decision{Allow: false, Reason: reason} }

// Decide answers whether actor may do action to res.
func Decide(a Actor, act Action, res Resource) Decision {
	p := a.Profile
	if p == nil || a.UserID == "" || a.NetworkID == "" {
		return deny("no authenticated actor")
	}
	networkLevel := a.Role == domain.RoleOperator || a.Role == domain.RoleAuditor || a.Role == domain.RoleVendor
	switch a.Role {
	case domain.RoleOperator:
		if p.OperatorRole(a.OperatorRole) == nil {
			return deny("operator role " + a.OperatorRole + " does not exist in this network")
		}
	case domain.RoleAuditor:
		if !p.HasAuditor {
			return deny("this network has no auditor role")
		}
	case domain.RoleVendor:
		if !p.HasVendor {
			return deny("this network has no contracted vendor role")
		}
	case domain.RoleMunicipal:
		if !p.HasMunicipal {
			return deny("this network has no municipal staff")
		}
	case domain.RoleAdmin, domain.RoleStaff:
	default:
		return deny("unknown role " + string(a.Role))
	}
	// fukuoka §15: the whole system, first-login setup included, is used within
	// the service hours; network-level accounts keep access.
	if !networkLevel && !p.InService(a.Now) {
		return deny("outside service hours " + p.ServiceHours.Start + "-" + p.ServiceHours.End)
	}
	if a.Stage != "" && a.Stage != domain.StageFull {
		if act == CompleteSetup {
			return allow("first-login setup")
		}
		return deny("first-login setup not finished: " + string(a.Stage))
	}
	power := func(pw profile.Power) Decision {
		switch a.Role {
		case domain.RoleOperator:
			if p.HasPower(a.OperatorRole, pw) {
				return allow("operator role " + a.OperatorRole + " holds " + string(pw))
			}
			return deny("operator role " + a.OperatorRole + " lacks " + string(pw))
		case domain.RoleVendor:
			// The contracted vendor acts only in emergencies: suspension (katori §30-2,
			// joso §29-2, sendai §29-2), and must report afterwards.
			if p.HasVendor && pw == profile.PowerSuspend {
				return allow("vendor emergency suspension")
			}
			return deny("vendor may only suspend in an emergency")
		case domain.RoleAuditor:
			// fukuoka §35: the auditor reads operations and the audit log, changes nothing.
			if p.HasAuditor && pw == profile.PowerViewAudit {
				return allow("auditor reads the audit log")
			}
			return deny("auditor is read-only")
		}
		return deny("role " + string(a.Role) + " holds no operator power")
	}
	ownOrgAdmin := a.Role == domain.RoleAdmin && a.OrgID != "" && a.OrgID == res.OrgID
	if d, ok := decidePerson(a, act, res); ok {
		return d
	}

	switch act {
	case UseService:
		if networkLevel {
			return allow("network-level accounts keep access outside service hours")
		}
		return allow("within service hours")
	case ViewOwnAccount, CompleteSetup:
		return allow("own account")
	case ReviewApplications:
		return power(profile.PowerReviewApplications)
	case ViewOrganizations:
		if d := power(profile.PowerReviewApplications); d.Allow {
			return d
		}
		if d := power(profile.PowerManageOrgs); d.Allow {
			return d
		}
		if d := power(profile.PowerSuspend); d.Allow {
			return d
		}
		if d := power(profile.PowerIssueStaff); d.Allow {
			return d
		}
		// beppu §7-3 (3), fukuoka §7-3 (3): 運営事務局 manages the admins' registrations.
		if d := power(profile.PowerManageUsers); d.Allow {
			return d
		}
		if d := power(profile.PowerViewAudit); d.Allow {
			return d
		}
		return deny("no power to see the list of organizations")
	case ViewOrganization:
		if ownOrgAdmin {
			return allow("admin of the organization")
		}
		return Decide(a, ViewOrganizations, res)
	case ManageOrganization:
		return power(profile.PowerManageOrgs)
	case SuspendOrganization:
		if a.Role == domain.RoleVendor && !p.VendorSuspendsOrgs {
			return deny("the vendor stops user IDs, not organizations, in this network")
		}
		return power(profile.PowerSuspend)
	case SuspendUser:
		if res.UserID == a.UserID {
			return deny("cannot suspend oneself")
		}
		// The vendor stops users' IDs in an emergency (katori §30-2, joso §29-2,
		// sendai §29-2), never the operator's or the auditor's.
		if a.Role == domain.RoleVendor && (res.UserRole == domain.RoleOperator || res.UserRole == domain.RoleAuditor || res.UserRole == domain.RoleVendor) {
			return deny("the vendor cannot suspend network-level accounts")
		}
		return power(profile.PowerSuspend)
	case ListUsers:
		if res.OrgID != "" && ownOrgAdmin {
			return allow("admin lists own staff")
		}
		if d := power(profile.PowerManageUsers); d.Allow {
			return d
		}
		if d := power(profile.PowerSuspend); d.Allow {
			return d
		}
		if d := power(profile.PowerViewAudit); d.Allow {
			return d
		}
		return deny("no power to list these users")
	case IssueStaff:
		if res.OrgID == "" {
			return deny("staff belong to an organization")
		}
		if p.StaffIssuer == "admin" {
			if ownOrgAdmin {
				return allow("the organization admin issues staff accounts (" + p.StaffIssuerArticle + ")")
			}
			return deny("staff accounts are issued by the organization's admin (" + p.StaffIssuerArticle + ")")
		}
		return power(profile.PowerIssueStaff)
	case RequestStaff:
		if p.StaffIssuer == "operator" && ownOrgAdmin {
			return allow("the admin requests staff accounts from the operator (" + p.StaffIssuerArticle + ")")
		}
		return deny("staff accounts are not requested in this network")
	case RequestReissue:
		// joso §10-5: the admin reports a lost ID to the city; katori §10-2: when the
		// online reissue is difficult the admin asks the city for a new ID.
		if ownOrgAdmin && len(p.RolesWith(profile.PowerIssueStaff)) > 0 {
			return allow("the admin asks the operator to stop the ID and issue a new one")
		}
		return deny("reissues are not requested from the operator in this network")
	case DecideStaffRequest:
		return power(profile.PowerIssueStaff)
	case ManageUser:
		if res.UserID == a.UserID {
			return deny("use the account page for one's own account")
		}
		switch res.UserRole {
		case domain.RoleStaff:
			if p.StaffIssuer == "admin" && ownOrgAdmin {
				return allow("the organization admin manages its staff")
			}
			if p.StaffIssuer == "operator" {
				// joso §10-5..6: the admin reports, the operator stops the ID and issues a new one.
				return power(profile.PowerIssueStaff)
			}
			return power(profile.PowerManageUsers)
		case domain.RoleAdmin:
			// beppu §12-4..5, fukuoka §12-4..5: the operator reissues for admins.
			return power(profile.PowerManageUsers)
		case domain.RoleMunicipal:
			// beppu §14-2: 運営管理責任者 manages municipal staff.
			return power(profile.PowerIssueMunicipal)
		case domain.RoleOperator, domain.RoleAuditor, domain.RoleVendor:
			return power(profile.PowerManageOperators)
		}
		return deny("unknown target role")
	case IssueNetworkAccount:
		switch res.UserRole {
		case domain.RoleMunicipal:
			if !p.HasMunicipal {
				return deny("this network has no municipal staff accounts")
			}
			return power(profile.PowerIssueMunicipal)
		case domain.RoleOperator:
			return power(profile.PowerManageOperators)
		case domain.RoleAuditor:
			if !p.HasAuditor {
				return deny("this network has no auditor role")
			}
			return power(profile.PowerManageOperators)
		case domain.RoleVendor:
			if !p.HasVendor {
				return deny("this network has no contracted vendor role")
			}
			return power(profile.PowerManageOperators)
		}
		return deny("not a network-level account role")
	case ViewAudit:
		return power(profile.PowerViewAudit)
	}
	if d, ok := decideMessages(a, act, res); ok {
		return d
	}
	if d, ok := decideBoard(a, act, res); ok {
		return d
	}
	return deny("unknown action " + string(act))
}
