package policy

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/profile"
)

// The expectations below are written from the seeds (shared/seeds, read through
// shared/SPEC.md §1-2), not from Decide and not from the profile files: each
// network's operator roles and what each may do are spelled out here again, so a
// profile file or a policy change that drifts from the seed fails this test.

// duty is something a network-level account may do, in the seeds' words.
type duty string

const (
	dReview    duty = "review applications"            // 利用申請の審査・許可
	dOrgs      duty = "manage organizations"           // 変更届・利用廃止
	dSuspend   duty = "suspend"                        // ID・利用組織の利用停止
	dStaffReq  duty = "issue staff on admin's request" // joso §10, katori §10-2
	dMunicipal duty = "issue municipal staff"          // beppu §14, fukuoka §7-3 (3), joso §7 (1)
	dUsers     duty = "manage admins' IDs"             // 仮ID・仮パスワードの再発行、失効
	dAudit     duty = "read the audit log"             // 利用情報の記録
	dOperators duty = "manage operator accounts"       // 運営体制の設置
)

type opRole struct {
	key    string
	duties map[duty]string // duty -> article
}

// network is one seed's access rules.
type network struct {
	id  string
	ops []opRole
	// Articles of the optional network-level roles; "" when the seed has none.
	vendor, auditor, municipal string
	// The vendor may stop a whole organization, not only user IDs (katori §34-3).
	vendorOrgs bool
	// Who issues staff accounts: "admin" or "operator" (joso §10).
	staffIssuer, staffIssuerArt string
	// An admin may ask the operator for a staff ID (new or reissued); "" when not.
	staffRequestArt string
	// Service hours in minutes after midnight JST.
	open, close int
	hoursArt    string
}

var networks = []network{
	{
		id: "katori",
		ops: []opRole{{key: "shi", duties: map[duty]string{
			dReview:    "katori §5, §6-1: the city registers the applicant",
			dOrgs:      "katori §8, §9: changes and withdrawal are filed with the city",
			dSuspend:   "katori §30-1 (user ID), §34-2 (利用事業所)",
			dStaffReq:  "katori §10-2: the city stops the ID and gives a new one on the admin's request",
			dUsers:     "katori §3, §10-2: the city runs the network",
			dAudit:     "katori §3",
			dOperators: "katori §3",
		}}},
		vendor:          "katori §30-2, §32-2, §34-3",
		vendorOrgs:      true,
		staffIssuer:     "admin",
		staffIssuerArt:  "katori §6-2: the admin gives each staff member an ID",
		staffRequestArt: "katori §10-2: when online reissue is hard the admin asks the city",
		open:            0, close: 24 * 60, hoursArt: "katori: no service hours",
	},
	{
		id: "joso",
		ops: []opRole{{key: "shi", duties: map[duty]string{
			dReview:    "joso §9",
			dOrgs:      "joso §12, §13",
			dSuspend:   "joso §29-1, §39-2",
			dStaffReq:  "joso §10-1, §10-6: the city gives staff IDs",
			dMunicipal: "joso §7 (1), §10-1: 地域包括支援センター職員",
			dUsers:     "joso §4, §10-6",
			dAudit:     "joso §4",
			dOperators: "joso §4",
		}}},
		vendor:          "joso §29-2, §39-3",
		municipal:       "joso §7 (1)",
		staffIssuer:     "operator",
		staffIssuerArt:  "joso §10-1: the city, not the facility admin, gives staff IDs",
		staffRequestArt: "joso §8, §10-5: the facility admin applies to and reports to the city",
		open:            0, close: 24 * 60, hoursArt: "joso: no service hours",
	},
	{
		id: "sendai-izumi",
		ops: []opRole{{key: "izumi_block", duties: map[duty]string{
			dReview:    "sendai §6-1",
			dOrgs:      "sendai §8",
			dSuspend:   "sendai §28-1, §31-2",
			dUsers:     "sendai §4",
			dAudit:     "sendai §4",
			dOperators: "sendai §4",
		}}},
		vendor:         "sendai §29-2, §31-3",
		staffIssuer:    "admin",
		staffIssuerArt: "sendai §6-3, §9: the admin gives and reissues staff IDs",
		open:           0, close: 24 * 60, hoursArt: "sendai: no service hours",
	},
	{
		id: "beppu",
		ops: []opRole{
			{key: "jigyo_sekininsha", duties: map[duty]string{
				dReview:    "beppu §11-2",
				dOrgs:      "beppu §11-3, §11-4",
				dSuspend:   "beppu §5-3, §11-5",
				dUsers:     "beppu §10-2, §12-5",
				dAudit:     "beppu §10-3",
				dOperators: "beppu §5-2",
			}},
			{key: "unei_kanri_sekininsha", duties: map[duty]string{
				dMunicipal: "beppu §14, §14-2",
				dUsers:     "beppu §6-2, §7-2: directs the 運営事務局",
				dAudit:     "beppu §6-2 (1)",
			}},
			{key: "unei_jimukyoku", duties: map[duty]string{
				dUsers: "beppu §7-3 (3): 利用組織管理者の登録管理",
			}},
		},
		municipal:      "beppu §14",
		staffIssuer:    "admin",
		staffIssuerArt: "beppu §13-2: the 利用組織管理者 issues 仮ID",
		open:           0, close: 24 * 60, hoursArt: "beppu §9: 午前0時から午後12時まで",
	},
	{
		id: "fukuoka",
		ops: []opRole{
			{key: "jigyo_sekininsha", duties: map[duty]string{
				dReview:    "fukuoka §11-1",
				dOrgs:      "fukuoka §10-3, §16",
				dSuspend:   "fukuoka §5-3, §13",
				dUsers:     "fukuoka §9-2, §12-5",
				dAudit:     "fukuoka §9-3",
				dOperators: "fukuoka §5-2",
			}},
			{key: "unei_kanri_sekininsha", duties: map[duty]string{
				dAudit:     "fukuoka §35-1: receives the audit",
				dOperators: "fukuoka §6-3: appoints the 監査責任者",
			}},
			{key: "unei_jimukyoku", duties: map[duty]string{
				dMunicipal: "fukuoka §7-3 (3): registers users outside the organizations",
				dUsers:     "fukuoka §7-3 (3): 利用組織管理者の登録管理",
			}},
			// §13: only the 事業責任者 stops an organization's use; the
			// システム管理者 keeps the system safe (§8-3) and reads the log.
			{key: "system_kanrisha", duties: map[duty]string{
				dAudit: "fukuoka §8-3",
			}},
		},
		auditor:        "fukuoka §35",
		municipal:      "fukuoka: 業務利用者 of the city",
		staffIssuer:    "admin",
		staffIssuerArt: "fukuoka §10-4, §11-2: the 利用組織管理者 issues 仮ID",
		open:           8 * 60, close: 22 * 60, hoursArt: "fukuoka §15: 午前8時から午後10時まで",
	},
}

const (
	orgA = "org-a"
	orgB = "org-b"
)

type actorCase struct {
	label string
	role  domain.Role
	op    string // operator role key
	org   string
	id    string
	stage domain.SessionStage
}

type resCase struct {
	label string
	res   Resource
	self  bool
}

// actions lists every Action constant by name; TestDecideCoversEveryAction
// checks it against policy.go.
var actions = []struct {
	name string
	act  Action
}{
	{"UseService", UseService},
	{"ViewOwnAccount", ViewOwnAccount},
	{"CompleteSetup", CompleteSetup},
	{"ReviewApplications", ReviewApplications},
	{"ViewOrganizations", ViewOrganizations},
	{"ViewOrganization", ViewOrganization},
	{"ManageOrganization", ManageOrganization},
	{"SuspendOrganization", SuspendOrganization},
	{"SuspendUser", SuspendUser},
	{"ListUsers", ListUsers},
	{"IssueStaff", IssueStaff},
	{"RequestStaff", RequestStaff},
	{"RequestReissue", RequestReissue},
	{"DecideStaffRequest", DecideStaffRequest},
	{"ManageUser", ManageUser},
	{"IssueNetworkAccount", IssueNetworkAccount},
	{"ViewAudit", ViewAudit},
}

func (n network) actors() []actorCase {
	var out []actorCase
	for _, o := range n.ops {
		out = append(out, actorCase{label: "operator " + o.key, role: domain.RoleOperator, op: o.key, id: "u-op-" + o.key})
	}
	out = append(out,
		actorCase{label: "auditor", role: domain.RoleAuditor, id: "u-auditor"},
		actorCase{label: "vendor", role: domain.RoleVendor, id: "u-vendor"},
		actorCase{label: "admin of A", role: domain.RoleAdmin, org: orgA, id: "u-admin-a"},
		actorCase{label: "staff of A", role: domain.RoleStaff, org: orgA, id: "u-staff-a"},
		actorCase{label: "municipal staff", role: domain.RoleMunicipal, id: "u-municipal"},
		actorCase{label: "staff of A in setup", role: domain.RoleStaff, org: orgA, id: "u-staff-new", stage: domain.StageChangePassword},
		actorCase{label: "admin of A in setup", role: domain.RoleAdmin, org: orgA, id: "u-admin-new", stage: domain.StageEnrolTOTP},
		actorCase{label: "operator " + n.ops[0].key + " in setup", role: domain.RoleOperator, op: n.ops[0].key, id: "u-op-new", stage: domain.StageChangePassword},
	)
	return out
}

// resources are the targets; roles the network does not have are not targets.
func (n network) resources(a actorCase) []resCase {
	out := []resCase{
		{label: "staff of A", res: Resource{OrgID: orgA, UserID: "u-staff-a2", UserRole: domain.RoleStaff}},
		{label: "admin of A", res: Resource{OrgID: orgA, UserID: "u-admin-a2", UserRole: domain.RoleAdmin}},
		{label: "staff of B", res: Resource{OrgID: orgB, UserID: "u-staff-b", UserRole: domain.RoleStaff}},
		{label: "admin of B", res: Resource{OrgID: orgB, UserID: "u-admin-b", UserRole: domain.RoleAdmin}},
		{label: "operator", res: Resource{UserID: "u-op-other", UserRole: domain.RoleOperator}},
	}
	if n.municipal != "" {
		out = append(out, resCase{label: "municipal staff", res: Resource{UserID: "u-municipal-2", UserRole: domain.RoleMunicipal}})
	}
	if n.auditor != "" {
		out = append(out, resCase{label: "auditor", res: Resource{UserID: "u-auditor-2", UserRole: domain.RoleAuditor}})
	}
	if n.vendor != "" {
		out = append(out, resCase{label: "vendor", res: Resource{UserID: "u-vendor-2", UserRole: domain.RoleVendor}})
	}
	return append(out, resCase{label: "self", self: true, res: Resource{OrgID: a.org, UserID: a.id, UserRole: a.role}})
}

// expect is the seeds' answer, with the article that gives it.
func (n network) expect(a actorCase, act Action, r resCase, minute int) (bool, string) {
	orgUser := a.role == domain.RoleAdmin || a.role == domain.RoleStaff || a.role == domain.RoleMunicipal
	inHours := minute >= n.open && minute < n.close
	switch {
	case a.role == domain.RoleVendor && n.vendor == "":
		return false, "SPEC §1: this network has no contracted vendor"
	case a.role == domain.RoleAuditor && n.auditor == "":
		return false, "SPEC §1: this network has no auditor (only fukuoka §35)"
	case a.role == domain.RoleMunicipal && n.municipal == "":
		return false, "SPEC §1: this network has no municipal staff users"
	}
	if orgUser && !inHours {
		// The whole system has a use time (fukuoka §15), first-login setup included.
		return false, n.hoursArt + ": outside service hours"
	}
	if a.stage != "" && a.stage != domain.StageFull {
		// beppu §12-2, fukuoka §12-2: change the temporary password first.
		if act == CompleteSetup {
			return true, "beppu §12-2, fukuoka §12-2: first-login setup"
		}
		return false, "beppu §12-2, fukuoka §12-2: only setup until it is finished"
	}

	// holds says whether the actor's account carries a duty.
	holds := func(d duty) (bool, string) {
		switch a.role {
		case domain.RoleOperator:
			for _, o := range n.ops {
				if o.key == a.op {
					art, ok := o.duties[d]
					if ok {
						return true, art
					}
					return false, "operator " + a.op + " has no duty " + string(d)
				}
			}
		case domain.RoleVendor:
			// The vendor acts only in an emergency and only to suspend (katori §30-2,
			// §34-3, joso §29-2, §39-3, sendai §31-3).
			if d == dSuspend {
				return true, n.vendor
			}
			return false, n.vendor + ": the vendor only suspends"
		case domain.RoleAuditor:
			// fukuoka §35: audits the operation, changes nothing.
			if d == dAudit {
				return true, n.auditor
			}
			return false, n.auditor + ": the auditor changes nothing"
		}
		return false, "SPEC §1: " + string(a.role) + " has no network-level duty"
	}
	anyOf := func(ds ...duty) (bool, string) {
		var why []string
		for _, d := range ds {
			ok, art := holds(d)
			if ok {
				return true, art
			}
			why = append(why, art)
		}
		return false, why[0]
	}
	ownAdmin := func() bool { return a.role == domain.RoleAdmin && r.res.OrgID != "" && r.res.OrgID == a.org }
	networkTarget := r.res.UserRole == domain.RoleOperator || r.res.UserRole == domain.RoleAuditor || r.res.UserRole == domain.RoleVendor

	switch act {
	case UseService:
		if orgUser {
			return true, n.hoursArt + ": within service hours"
		}
		return true, "network-level accounts run the system at any hour (fukuoka §15-2, beppu §9-2)"
	case ViewOwnAccount, CompleteSetup:
		return true, "sendai §6-5, beppu §12-3: everyone changes their own password"
	case ReviewApplications:
		// Staff never review applications: the operator decides (SPEC §2).
		return holds(dReview)
	case ViewOrganizations:
		// Whoever acts on organizations or their admins sees the list; the
		// 運営事務局 registers admins (beppu §7-3 (3), fukuoka §7-3 (3)), so it must
		// find their organization. The auditor audits the operation (fukuoka §35).
		return anyOf(dReview, dOrgs, dSuspend, dStaffReq, dUsers, dAudit)
	case ViewOrganization:
		if ownAdmin() {
			return true, "the admin sees their own organization"
		}
		return anyOf(dReview, dOrgs, dSuspend, dStaffReq, dUsers, dAudit)
	case ManageOrganization:
		return holds(dOrgs)
	case SuspendOrganization:
		if a.role == domain.RoleVendor && !n.vendorOrgs {
			return false, n.vendor + ": the vendor stops user IDs, not organizations"
		}
		return holds(dSuspend)
	case SuspendUser:
		if r.self {
			return false, "nobody suspends themselves"
		}
		if a.role == domain.RoleVendor && networkTarget {
			// katori §30-2 (当該利用スタッフ), joso §29-2 (当該利用者), sendai §31-3
			// (利用者としての資格): the vendor stops users' IDs, never the operator's.
			return false, n.vendor + ": the vendor suspends users, not network accounts"
		}
		return holds(dSuspend)
	case ListUsers:
		if r.res.OrgID != "" && ownAdmin() {
			return true, "the admin lists their own staff"
		}
		return anyOf(dUsers, dSuspend, dAudit)
	case IssueStaff:
		if r.res.OrgID == "" {
			return false, "staff belong to an organization"
		}
		if n.staffIssuer == "admin" {
			if ownAdmin() {
				return true, n.staffIssuerArt
			}
			return false, n.staffIssuerArt
		}
		if ok, _ := holds(dStaffReq); ok {
			return true, n.staffIssuerArt
		}
		return false, n.staffIssuerArt
	case RequestStaff:
		// A new staff account is requested only where the operator issues them (joso §10-1).
		if n.staffIssuer == "operator" && ownAdmin() {
			return true, n.staffRequestArt
		}
		return false, "no staff request from this actor for this organization"
	case RequestReissue:
		// joso §10-5 (a lost ID is reported to the city), katori §10-2 (the admin
		// asks the city when the online reissue is hard).
		if n.staffRequestArt != "" && ownAdmin() {
			return true, n.staffRequestArt
		}
		return false, "no reissue request from this actor for this organization"
	case DecideStaffRequest:
		return holds(dStaffReq)
	case ManageUser:
		if r.self {
			return false, "one's own account is managed on the account page"
		}
		switch r.res.UserRole {
		case domain.RoleStaff:
			if n.staffIssuer == "admin" {
				if ownAdmin() {
					return true, n.staffIssuerArt
				}
				return holds(dUsers)
			}
			// joso §10-5..6: the admin reports; the city stops the ID and issues anew.
			return holds(dStaffReq)
		case domain.RoleAdmin:
			// beppu §12-4..5, fukuoka §12-4..5: the operator reissues for admins;
			// an admin never manages another admin.
			return holds(dUsers)
		case domain.RoleMunicipal:
			return holds(dMunicipal)
		default:
			return holds(dOperators)
		}
	case IssueNetworkAccount:
		switch r.res.UserRole {
		case domain.RoleMunicipal:
			return holds(dMunicipal)
		case domain.RoleOperator, domain.RoleAuditor, domain.RoleVendor:
			return holds(dOperators)
		}
		return false, "staff and admins are organization accounts"
	case ViewAudit:
		return holds(dAudit)
	}
	return false, "NO EXPECTATION"
}

var jst = time.FixedZone("JST", 9*3600)

// TestDecideTable enumerates, for each seed, every action x actor x target x time
// and compares Decide with the seed's answer. Mismatches are grouped.
func TestDecideTable(t *testing.T) {
	times := []struct {
		label  string
		at     time.Time
		minute int
	}{
		{"10:00 JST", time.Date(2026, 4, 1, 10, 0, 0, 0, jst), 10 * 60},
		{"22:00 JST", time.Date(2026, 4, 1, 22, 0, 0, 0, jst), 22 * 60},
		{"07:59 JST", time.Date(2026, 4, 1, 7, 59, 0, 0, jst), 7*60 + 59},
	}
	if len(networks) != len(profile.IDs()) {
		t.Errorf("the table covers %d networks, the profiles are %v", len(networks), profile.IDs())
	}
	rows := 0
	for _, n := range networks {
		p, err := profile.Get(n.id)
		if err != nil {
			t.Fatal(err)
		}
		type key struct{ actor, action, verdict, reason string }
		bad := map[key]map[string][]string{}    // mismatch -> time -> targets
		nres := len(n.resources(n.actors()[0])) // the same for every actor
		for _, ac := range n.actors() {
			for _, tm := range times {
				a := Actor{NetworkID: "net-" + n.id, UserID: ac.id, LoginID: "login-" + ac.id, OrgID: ac.org,
					Role: ac.role, OperatorRole: ac.op, Profile: p, Now: tm.at, Stage: ac.stage}
				if ac.stage == "" {
					a.Stage = domain.StageFull
				}
				for _, x := range actions {
					for _, r := range n.resources(ac) {
						rows++
						want, why := n.expect(ac, x.act, r, tm.minute)
						if why == "NO EXPECTATION" {
							t.Fatalf("no expectation for action %s", x.name)
						}
						got := Decide(a, x.act, r.res)
						if got.Allow != want {
							k := key{ac.label, x.name,
								fmt.Sprintf("want %s (%s)", verdict(want), why),
								fmt.Sprintf("got %s (%s)", verdict(got.Allow), got.Reason)}
							if bad[k] == nil {
								bad[k] = map[string][]string{}
							}
							bad[k][tm.label] = append(bad[k][tm.label], r.label)
						}
					}
				}
			}
		}
		// One line per actor, expectation and extent; the actions that share them
		// are listed together with what Decide said.
		type line struct{ actor, verdict, on string }
		lines := map[line][]string{}
		for k, byTime := range bad {
			var on []string
			for _, tm := range times {
				targets, ok := byTime[tm.label]
				switch {
				case !ok:
				case len(targets) == nres:
					on = append(on, tm.label+": every target")
				default:
					on = append(on, tm.label+": "+strings.Join(targets, ", "))
				}
			}
			l := line{k.actor, k.verdict, strings.Join(on, "; ")}
			lines[l] = append(lines[l], k.action+" "+k.reason)
		}
		order := make([]line, 0, len(lines))
		for l := range lines {
			order = append(order, l)
			sort.Strings(lines[l])
		}
		sort.Slice(order, func(i, j int) bool {
			if order[i].actor != order[j].actor {
				return order[i].actor < order[j].actor
			}
			return lines[order[i]][0] < lines[order[j]][0]
		})
		for _, l := range order {
			t.Errorf("%s / %s: %s\n\t%s\n\ton %s", n.id, l.actor, l.verdict,
				strings.Join(lines[l], "\n\t"), l.on)
		}
	}
	if rows < 10000 {
		t.Errorf("only %d rows: the table lost its dimensions", rows)
	}
}

func verdict(b bool) string {
	if b {
		return "allow"
	}
	return "deny"
}

// TestDecideCoversEveryAction: a new Action constant without a row in the
// table fails here.
func TestDecideCoversEveryAction(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "policy.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Action" {
				for _, n := range vs.Names {
					declared[n.Name] = true
				}
			}
		}
	}
	if len(declared) == 0 {
		t.Fatal("found no Action constants in policy.go")
	}
	inTable := map[string]bool{}
	values := map[Action]string{}
	for _, x := range actions {
		inTable[x.name] = true
		if prev, dup := values[x.act]; dup {
			t.Errorf("actions %s and %s share the value %q", prev, x.name, x.act)
		}
		values[x.act] = x.name
	}
	for name := range declared {
		if !inTable[name] {
			t.Errorf("Action %s is declared in policy.go but has no row in the Decide table", name)
		}
	}
	for name := range inTable {
		if !declared[name] {
			t.Errorf("the table lists %s, which policy.go does not declare", name)
		}
	}
}

// TestDecideDeniesUnknownAndZero: deny by default.
func TestDecideDeniesUnknownAndZero(t *testing.T) {
	p := profile.MustGet("joso") // the operator there holds every power
	op := Actor{NetworkID: "net-joso", UserID: "u-op", Role: domain.RoleOperator, OperatorRole: "shi",
		Profile: p, Now: time.Date(2026, 4, 1, 10, 0, 0, 0, jst), Stage: domain.StageFull}
	for _, act := range []Action{"", "organization.delete", "AUDIT.VIEW", "audit.view ", "*"} {
		d := Decide(op, act, Resource{OrgID: orgA})
		if d.Allow || !strings.Contains(d.Reason, "unknown action") {
			t.Errorf("Decide(operator, %q) = %+v, want a denial for an unknown action", act, d)
		}
	}
	zeros := map[string]Actor{
		"zero Actor":     {},
		"no profile":     {NetworkID: "net-joso", UserID: "u-op", Role: domain.RoleOperator, OperatorRole: "shi", Stage: domain.StageFull},
		"no user id":     {NetworkID: "net-joso", Role: domain.RoleOperator, OperatorRole: "shi", Profile: p, Stage: domain.StageFull},
		"no network id":  {UserID: "u-op", Role: domain.RoleOperator, OperatorRole: "shi", Profile: p, Stage: domain.StageFull},
		"unknown opRole": {NetworkID: "net-joso", UserID: "u-op", Role: domain.RoleOperator, OperatorRole: "mayor", Profile: p, Now: op.Now, Stage: domain.StageFull},
		// A role the product does not know is nobody (SPEC §1 lists the roles).
		"empty role":   {NetworkID: "net-joso", UserID: "u-x", OrgID: orgA, Profile: p, Now: op.Now, Stage: domain.StageFull},
		"unknown role": {NetworkID: "net-joso", UserID: "u-x", OrgID: orgA, Role: "citizen", Profile: p, Now: op.Now, Stage: domain.StageFull},
	}
	labels := make([]string, 0, len(zeros))
	for label := range zeros {
		labels = append(labels, label)
	}
	sort.Strings(labels)
	for _, label := range labels {
		a := zeros[label]
		for _, x := range actions {
			if label == "unknown opRole" && (x.act == UseService || x.act == ViewOwnAccount || x.act == CompleteSetup) {
				continue // covered by the table's absent-role rows
			}
			if d := Decide(a, x.act, Resource{OrgID: orgA, UserRole: domain.RoleStaff}); d.Allow {
				t.Errorf("%s: Decide(%s) allowed: %s", label, x.name, d.Reason)
			}
		}
	}
}

// TestDecideServiceHours: fukuoka §15 (08:00 to 22:00 JST) at its edges, and
// beppu §9 (all day); the instant's own zone must not matter.
func TestDecideServiceHours(t *testing.T) {
	tests := []struct {
		id   string
		role domain.Role
		op   string
		at   time.Time
		want bool
	}{
		{"fukuoka", domain.RoleStaff, "", time.Date(2026, 4, 1, 7, 59, 59, 0, jst), false},
		{"fukuoka", domain.RoleStaff, "", time.Date(2026, 4, 1, 8, 0, 0, 0, jst), true},
		{"fukuoka", domain.RoleStaff, "", time.Date(2026, 4, 1, 21, 59, 59, 0, jst), true},
		{"fukuoka", domain.RoleStaff, "", time.Date(2026, 4, 1, 22, 0, 0, 0, jst), false},
		{"fukuoka", domain.RoleAdmin, "", time.Date(2026, 4, 1, 0, 0, 0, 0, jst), false},
		{"fukuoka", domain.RoleMunicipal, "", time.Date(2026, 4, 1, 3, 0, 0, 0, jst), false},
		{"fukuoka", domain.RoleStaff, "", time.Date(2026, 4, 1, 13, 0, 0, 0, time.UTC), false}, // 22:00 JST
		{"fukuoka", domain.RoleStaff, "", time.Date(2026, 4, 1, 23, 0, 0, 0, time.UTC), true},  // 08:00 JST next day
		{"fukuoka", domain.RoleOperator, "jigyo_sekininsha", time.Date(2026, 4, 1, 3, 0, 0, 0, jst), true},
		{"fukuoka", domain.RoleAuditor, "", time.Date(2026, 4, 1, 23, 0, 0, 0, jst), true},
		{"beppu", domain.RoleStaff, "", time.Date(2026, 4, 1, 0, 0, 0, 0, jst), true},
		{"beppu", domain.RoleStaff, "", time.Date(2026, 4, 1, 23, 59, 59, 0, jst), true},
	}
	for _, tt := range tests {
		org := ""
		if tt.role == domain.RoleStaff || tt.role == domain.RoleAdmin {
			org = orgA
		}
		a := Actor{NetworkID: "net", UserID: "u", OrgID: org, Role: tt.role, OperatorRole: tt.op,
			Profile: profile.MustGet(tt.id), Now: tt.at, Stage: domain.StageFull}
		for _, act := range []Action{UseService, ViewOwnAccount} {
			if d := Decide(a, act, Resource{}); d.Allow != tt.want {
				t.Errorf("%s %s at %s: Decide(%s) = %v (%s), want %v", tt.id, tt.role,
					tt.at.In(jst).Format("15:04:05 MST"), act, d.Allow, d.Reason, tt.want)
			}
		}
	}
}
