// Package profile holds the rules of each seed network as data: the embedded files in
// profiles/ (one per network kind) say who the operators are and what they may do,
// which organization types and occupations exist, who issues staff accounts, the
// password and session policy and the service hours. Code asks the profile; it never
// tests a profile's name.
package profile

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed profiles/*.json
var files embed.FS

// Power is something an operator role may do. Operator roles are profile data
// (shared/SPEC.md §1); powers are the vocabulary the policy understands.
type Power string

const (
	PowerReviewApplications Power = "applications.review"  // approve or reject applications
	PowerManageOrgs         Power = "organizations.manage" // change admin, withdraw
	PowerSuspend            Power = "suspend"              // suspend and unsuspend users and organizations
	PowerIssueMunicipal     Power = "municipal.issue"      // issue municipal staff accounts (beppu §14)
	PowerIssueStaff         Power = "staff.issue"          // issue staff accounts on an admin's request (joso §10)
	PowerManageUsers        Power = "users.manage"         // reissue credentials of admins, revoke
	PowerViewAudit          Power = "audit.view"           // the audit viewer
	PowerManageOperators    Power = "operators.manage"     // issue operator accounts
	PowerManagePeople       Power = "people.manage"        // claims import, disasters, the occupation matrix, care-plan reassignment, deletions
	PowerBoardPost          Power = "board.post"           // post, edit and withdraw notices on the bulletin board (beppu §8 (2), fukuoka §14 (2))
	PowerBoardMaintenance   Power = "board.maintenance"    // announce planned maintenance on the board (beppu §9-3, fukuoka §15-3)
)

// AllPowers lists every power, for validation and for the vendor role.
var AllPowers = []Power{PowerReviewApplications, PowerManageOrgs, PowerSuspend, PowerIssueMunicipal,
	PowerIssueStaff, PowerManageUsers, PowerViewAudit, PowerManageOperators, PowerManagePeople,
	PowerBoardPost, PowerBoardMaintenance}

// OperatorRole is one of the operator's roles, e.g. beppu's 事業責任者.
type OperatorRole struct {
	Key     string  `json:"key"`
	Name    string  `json:"name"`
	Article string  `json:"article"`
	Powers  []Power `json:"powers"`
}

// Item is a keyed, named entry of a profile list (organization type, occupation).
type Item struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Article string `json:"article,omitempty"`
}

// Undertaking is one of the points an applicant must agree to (beppu §11-1 (1)-(6)).
type Undertaking struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

// Hours is a daily window in Asia/Tokyo, "HH:MM" to "HH:MM"; "00:00"-"24:00" is all day.
type Hours struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Article string `json:"article,omitempty"`
}

// PasswordPolicy follows the MHLW guideline 6.0: with a second factor 8+ characters,
// without one 13+ characters mixing character classes.
type PasswordPolicy struct {
	MinLength      int  `json:"min_length"`
	RequireMixed   bool `json:"require_mixed"` // at least three of upper, lower, digit, symbol
	RequireTOTP    bool `json:"require_totp"`
	MaxFailures    int  `json:"max_failures"`    // consecutive failures before the account locks
	LockoutMinutes int  `json:"lockout_minutes"` // how long the lock lasts
}

// ClientCertPolicy says whether the seed's terminals log in with a client certificate
// (SPEC §2 two-factor login: katori §6, joso §38). TOTP and passkeys are offered
// regardless; this records what the seed itself asks for.
// ConsentForm is a consent form version (fukuoka §17: 様式第7号, 第7a号, 第7b号) and
// the access strategy consent on it brings.
type ConsentForm struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	ValidFrom  string `json:"valid_from,omitempty"`  // first consent date accepted on this form
	ValidUntil string `json:"valid_until,omitempty"` // last consent date accepted on this form
	Strategy   string `json:"strategy"`              // "team", "careplan" or "claims"
	Article    string `json:"article,omitempty"`
}

// ReadWindow is how long a person's record stays readable after eligibility ends.
type ReadWindow struct {
	// Kind: "days_from_loss" (beppu §18: the day of loss is day 1), "months_from_next_day"
	// (fukuoka §20: counted from the next day; readable through the day after the
	// period ends, 経過した日) or "" (no limit in the seed).
	Kind             string `json:"kind"`
	Days             int    `json:"days,omitempty"`
	Months           int    `json:"months,omitempty"`
	OperatorMayClose bool   `json:"operator_may_close,omitempty"` // fukuoka §20 なお書き
	Article          string `json:"article,omitempty"`
}

// PeoplePolicy is how a network registers people, records consent and decides who
// may see them (shared/SPEC.md §3-4).
type PeoplePolicy struct {
	// InsuredNumbers the registration asks for: "care" (介護保険被保険者番号),
	// "health" (医療保険).
	InsuredNumbers []string `json:"insured_numbers"`
	Households     bool     `json:"households"` // katori: 世帯
	// Eligibility is the article that says who may be registered.
	Eligibility  string        `json:"eligibility"`
	ConsentForms []ConsentForm `json:"consent_forms"`
	// ConsentScopes besides "sharing": "disaster" (joso §21).
	ConsentScopes []Item `json:"consent_scopes"`
	// ConsentArticle is the article that requires consent before sharing.
	ConsentArticle string `json:"consent_article"`
	// ConsentBy: who enters consents and withdrawals: "user" (the organization's
	// staff: katori §13-1, joso §17-1, sendai §12-1) or "operator" (the city takes
	// consent and receives withdrawals: beppu §15-1, §16; fukuoka §17-1, §18).
	ConsentBy        string `json:"consent_by"`
	ConsentByArticle string `json:"consent_by_article,omitempty"`
	// ConsentKinds: who may sign the consent form: "self" (the person), and where
	// the seed allows it "proxy_writer" (代筆: the person agrees but cannot write,
	// beppu §15-1, fukuoka §17-1) and "family" (代理同意: the person cannot agree,
	// beppu §15-2, fukuoka §17-2, joso §17-1, sendai §12-1). A sharing required by
	// law ("legal") is governed by LegalSharing, not by this list.
	ConsentKinds []string `json:"consent_kinds"`
	// LegalSharing: a sharing required by law is recorded with its legal basis
	// (katori §13-3).
	LegalSharing bool `json:"legal_sharing"`
	// Withdrawal: "stop_sharing" (beppu §16, fukuoka §18) or "".
	Withdrawal        string `json:"withdrawal"`
	WithdrawalArticle string `json:"withdrawal_article,omitempty"`
	// Deletion on the person's request: "stop_support" (支援中止, katori §13-2,
	// joso §17-2..3), "purge" (sendai §12-2..3) or "".
	Deletion        string `json:"deletion"`
	DeletionArticle string `json:"deletion_article,omitempty"`
	// DeletionBy: who carries out the request: "user" (katori §13-2, sendai §12-3)
	// or "operator" (joso §17-3: 市).
	DeletionBy string     `json:"deletion_by,omitempty"`
	ReadWindow ReadWindow `json:"read_window"`
	// MunicipalOnEveryTeam: the municipal officer is on every care team (joso).
	MunicipalOnEveryTeam bool `json:"municipal_on_every_team"`
	// Disaster: designated users read the records of people who consented to
	// disaster use while a declared disaster lasts (joso §21).
	Disaster struct {
		Enabled     bool     `json:"enabled"`
		Roles       []string `json:"roles"`       // roles designated as responders
		Occupations []string `json:"occupations"` // occupations designated as responders
		Article     string   `json:"article,omitempty"`
	} `json:"disaster"`
	// ClaimsLapseMonths: claims-based access lapses after this many months without
	// a claim (fukuoka §19-2).
	ClaimsLapseMonths int `json:"claims_lapse_months,omitempty"`
	// RecordCategories of the timeline (sendai §3, fukuoka §2); the occupation
	// matrix is over these.
	RecordCategories []Item `json:"record_categories"`
	// Matrix: the operator sets which occupations read and write which
	// categories (beppu §10-1, fukuoka §9-1); without it every occupation of a
	// permitted organization reads and writes every category.
	Matrix        bool   `json:"matrix"`
	MatrixArticle string `json:"matrix_article,omitempty"`
}

// ConsentForm returns the consent form with the key, or nil.
func (p *Profile) ConsentForm(key string) *ConsentForm {
	for i := range p.People.ConsentForms {
		if p.People.ConsentForms[i].Key == key {
			return &p.People.ConsentForms[i]
		}
	}
	return nil
}

// HasConsentKind reports whether the network accepts a consent signed that way
// ("self", "proxy_writer", "family"; "legal" is LegalSharing).
func (p *Profile) HasConsentKind(kind string) bool {
	return slices.Contains(p.People.ConsentKinds, kind)
}

// HasInsuredNumber reports whether registration asks for the kind of number.
func (p *Profile) HasInsuredNumber(kind string) bool {
	for _, k := range p.People.InsuredNumbers {
		if k == kind {
			return true
		}
	}
	return false
}

type ClientCertPolicy struct {
	// Enabled: access needs a client certificate installed on the terminal (katori
	// §6-1..2: the admin downloads it with the access code the city issues; joso §38).
	Enabled bool `json:"enabled"`
	// AdminIssues: the organization admin issues further certificates, one per
	// device, from the portal's 利用者管理 (katori §6-4).
	AdminIssues bool `json:"admin_issues"`
	// LentDeviceOnly: a certificate may be installed only on a device the facility
	// lent, and is revoked at once when the device is lost or retired (joso §38-1..3).
	LentDeviceOnly bool   `json:"lent_device_only"`
	Article        string `json:"article,omitempty"`
}

// SessionPolicy bounds sessions and tokens.
type SessionPolicy struct {
	IdleMinutes   int `json:"idle_minutes"`
	AbsoluteHours int `json:"absolute_hours"`
	TokenHours    int `json:"token_hours"` // API bearer tokens
}

// Profile is the whole rule set of one network kind.
type Profile struct {
	ID        string `json:"id"`
	Name      string `json:"name"`       // the network's own name, e.g. 別府市介護情報共有サービス（シェアポート）
	ShortName string `json:"short_name"` // e.g. シェアポート
	Operator  string `json:"operator"`   // who runs it, e.g. 別府市 介護保険担当
	Source    string `json:"source"`     // the seed document

	Terms struct {
		OrgLabel   string `json:"org_label"`   // 利用組織 / 利用施設 / 利用事業所
		AdminLabel string `json:"admin_label"` // 利用組織管理者 / 施設管理者 / 事業所管理者
		StaffLabel string `json:"staff_label"` // 業務利用者 / 利用者 / 利用スタッフ
	} `json:"terms"`

	OperatorRoles []OperatorRole `json:"operator_roles"`
	// ApprovalRole is the operator role whose name appears on notices (許可通知書).
	ApprovalRole string `json:"approval_role"`
	HasVendor    bool   `json:"has_vendor"` // 契約事業者 with emergency powers
	// VendorSuspendsOrgs: the vendor may also stop a whole organization in an
	// emergency (katori §34-3); elsewhere it stops user IDs only (joso §29-2, sendai §29-2).
	VendorSuspendsOrgs bool `json:"vendor_suspends_orgs"`
	HasAuditor         bool `json:"has_auditor"` // fukuoka §35
	HasMunicipal       bool `json:"has_municipal_staff"`
	// HasCitizenUsers: the person supported and their family may hold read-only
	// 市民利用者 accounts, applied for to and issued by the operator
	// (fukuoka §2 (6), §10-5..7, §11-3, §12-4).
	HasCitizenUsers bool `json:"has_citizen_users"`
	// Messages: staff users exchange messages with each other (fukuoka §14 (3)
	// 業務利用者同士の情報交換機能). beppu §8 lists its functions without it; katori,
	// joso and sendai name no such function.
	Messages        bool   `json:"messages"`
	MessagesArticle string `json:"messages_article,omitempty"`

	// Board is the electronic bulletin board (beppu §8 (2), fukuoka §14 (2)); see board.go.
	Board BoardPolicy `json:"board"`

	OrgTypes    []Item `json:"org_types"`
	Occupations []Item `json:"occupations"`

	// StaffIssuer says who issues staff accounts: "admin" (the organization admin) or
	// "operator" (on the admin's request, joso §10).
	StaffIssuer        string `json:"staff_issuer"`
	StaffIssuerArticle string `json:"staff_issuer_article"`
	// ReissueNewID: a reissue stops the old ID and issues a new one (joso §10-6),
	// instead of a new temporary password for the same ID.
	ReissueNewID bool `json:"reissue_new_id"`
	// OwnLoginID: at first login the user replaces the temporary ID with one of
	// their own as well as the password (beppu §12-2, fukuoka §12-2 仮ID及び仮パスワー
	// ドを変更し、自己のID及びパスワードを設定).
	OwnLoginID        bool   `json:"own_login_id"`
	OwnLoginIDArticle string `json:"own_login_id_article,omitempty"`
	// AdminChangeRevokesOld: a change of admin revokes the old admin's ID and issues
	// a new temporary one (beppu §11-3).
	AdminChangeArticle string `json:"admin_change_article"`

	Undertakings       []Undertaking `json:"undertakings"` // beppu §11-1 (1)-(6)
	UndertakingArticle string        `json:"undertaking_article"`

	Password   PasswordPolicy   `json:"password"`
	ClientCert ClientCertPolicy `json:"client_cert"`
	People     PeoplePolicy     `json:"people"`
	Session    SessionPolicy    `json:"session"`

	ServiceHours Hours `json:"service_hours"`
	InquiryHours struct {
		Weekdays string `json:"weekdays"` // "mon-fri"
		Start    string `json:"start"`
		End      string `json:"end"`
		Closed   string `json:"closed"` // e.g. "national holidays and 12-29..01-03"
		Article  string `json:"article"`
	} `json:"inquiry_hours"`
}

var (
	loadOnce sync.Once
	loaded   map[string]*Profile
	loadErr  error
)

func load() {
	loaded = map[string]*Profile{}
	entries, err := fs.ReadDir(files, "profiles")
	if err != nil {
		loadErr = err
		return
	}
	for _, e := range entries {
		b, err := files.ReadFile("profiles/" + e.Name())
		if err != nil {
			loadErr = err
			return
		}
		var p Profile
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			loadErr = fmt.Errorf("profile %s: %w", e.Name(), err)
			return
		}
		if err := p.validate(); err != nil {
			loadErr = fmt.Errorf("profile %s: %w", e.Name(), err)
			return
		}
		if p.ID+".json" != e.Name() {
			loadErr = fmt.Errorf("profile %s: id %q does not match the file name", e.Name(), p.ID)
			return
		}
		loaded[p.ID] = &p
	}
}

// Get returns the profile with the given id.
func Get(id string) (*Profile, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	p, ok := loaded[id]
	if !ok {
		return nil, fmt.Errorf("unknown profile %q (known: %s)", id, strings.Join(IDs(), ", "))
	}
	return p, nil
}

// MustGet is Get for profiles known to exist (tests, demo).
func MustGet(id string) *Profile {
	p, err := Get(id)
	if err != nil {
		panic(err)
	}
	return p
}

// IDs lists the embedded profiles.
func IDs() []string {
	loadOnce.Do(load)
	ids := make([]string, 0, len(loaded))
	for id := range loaded {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (p *Profile) validate() error {
	if p.ID == "" || p.Name == "" {
		return fmt.Errorf("id and name are required")
	}
	if len(p.OperatorRoles) == 0 {
		return fmt.Errorf("at least one operator role is required")
	}
	known := map[Power]bool{}
	for _, pw := range AllPowers {
		known[pw] = true
	}
	for _, r := range p.OperatorRoles {
		for _, pw := range r.Powers {
			if !known[pw] {
				return fmt.Errorf("operator role %s: unknown power %q", r.Key, pw)
			}
		}
	}
	if p.OperatorRole(p.ApprovalRole) == nil {
		return fmt.Errorf("approval_role %q is not an operator role", p.ApprovalRole)
	}
	if p.StaffIssuer != "admin" && p.StaffIssuer != "operator" {
		return fmt.Errorf("staff_issuer must be admin or operator")
	}
	if len(p.OrgTypes) == 0 || len(p.Occupations) == 0 {
		return fmt.Errorf("org_types and occupations are required")
	}
	if p.Password.MinLength < 8 {
		return fmt.Errorf("password.min_length must be at least 8 (MHLW guideline 6.0)")
	}
	if !p.Password.RequireTOTP && (p.Password.MinLength < 13 || !p.Password.RequireMixed) {
		return fmt.Errorf("without a required second factor the password must be 13+ mixed characters (MHLW guideline 6.0)")
	}
	if !p.ClientCert.Enabled && (p.ClientCert.AdminIssues || p.ClientCert.LentDeviceOnly) {
		return fmt.Errorf("client_cert: admin_issues and lent_device_only need enabled")
	}
	if p.Session.IdleMinutes <= 0 || p.Session.AbsoluteHours <= 0 || p.Session.TokenHours <= 0 {
		return fmt.Errorf("session timeouts are required")
	}
	if _, _, err := p.ServiceWindow(); err != nil {
		return err
	}
	return p.validatePeople()
}

func (p *Profile) validatePeople() error {
	pp := &p.People
	if len(pp.ConsentForms) == 0 {
		return fmt.Errorf("people.consent_forms: at least one consent form is required")
	}
	for _, f := range pp.ConsentForms {
		switch f.Strategy {
		case "team", "careplan", "claims":
		default:
			return fmt.Errorf("consent form %s: unknown strategy %q", f.Key, f.Strategy)
		}
		for _, d := range []string{f.ValidFrom, f.ValidUntil} {
			if d != "" {
				if _, err := ParseDate(d); err != nil {
					return fmt.Errorf("consent form %s: %w", f.Key, err)
				}
			}
		}
	}
	for _, k := range pp.InsuredNumbers {
		if k != "care" && k != "health" {
			return fmt.Errorf("people.insured_numbers: unknown kind %q", k)
		}
	}
	switch pp.ConsentBy {
	case "user", "operator":
	default:
		return fmt.Errorf("people.consent_by must be user or operator")
	}
	if !slices.Contains(pp.ConsentKinds, "self") {
		return fmt.Errorf("people.consent_kinds: the person's own consent (self) is required")
	}
	for i, k := range pp.ConsentKinds {
		switch k {
		case "self", "proxy_writer", "family":
		default:
			return fmt.Errorf("people.consent_kinds: unknown kind %q", k)
		}
		if slices.Contains(pp.ConsentKinds[:i], k) {
			return fmt.Errorf("people.consent_kinds: %q twice", k)
		}
	}
	switch pp.Withdrawal {
	case "", "stop_sharing":
	default:
		return fmt.Errorf("people.withdrawal: unknown %q", pp.Withdrawal)
	}
	switch pp.Deletion {
	case "", "stop_support", "purge":
	default:
		return fmt.Errorf("people.deletion: unknown %q", pp.Deletion)
	}
	switch pp.ReadWindow.Kind {
	case "":
	case "days_from_loss":
		if pp.ReadWindow.Days <= 0 {
			return fmt.Errorf("people.read_window: days must be positive")
		}
	case "months_from_next_day":
		if pp.ReadWindow.Months <= 0 {
			return fmt.Errorf("people.read_window: months must be positive")
		}
	default:
		return fmt.Errorf("people.read_window: unknown kind %q", pp.ReadWindow.Kind)
	}
	if len(pp.RecordCategories) == 0 {
		return fmt.Errorf("people.record_categories: at least one category is required")
	}
	return nil
}

// Strategies lists the access strategies the network's consent forms bring.
func (p *Profile) Strategies() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range p.People.ConsentForms {
		if !seen[f.Strategy] {
			seen[f.Strategy] = true
			out = append(out, f.Strategy)
		}
	}
	return out
}

// AccessKinds are the kinds of access rows that permit reading in this network.
func (p *Profile) AccessKinds() []string {
	var out []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, s := range p.Strategies() {
		switch s {
		case "team":
			add("team")
		case "careplan":
			add("careplan")
			add("granted")
		case "claims":
			add("claims")
			add("granted")
		}
	}
	return out
}

// OperatorRole returns the operator role with the key, or nil.
func (p *Profile) OperatorRole(key string) *OperatorRole {
	for i := range p.OperatorRoles {
		if p.OperatorRoles[i].Key == key {
			return &p.OperatorRoles[i]
		}
	}
	return nil
}

// HasPower reports whether an operator role holds a power.
func (p *Profile) HasPower(roleKey string, pw Power) bool {
	r := p.OperatorRole(roleKey)
	if r == nil {
		return false
	}
	for _, x := range r.Powers {
		if x == pw {
			return true
		}
	}
	return false
}

// RolesWith lists the operator roles holding a power (for display: who may do this).
func (p *Profile) RolesWith(pw Power) []OperatorRole {
	var out []OperatorRole
	for _, r := range p.OperatorRoles {
		if p.HasPower(r.Key, pw) {
			out = append(out, r)
		}
	}
	return out
}

// OrgType returns the organization type with the key, or nil.
func (p *Profile) OrgType(key string) *Item { return find(p.OrgTypes, key) }

// Occupation returns the occupation with the key, or nil.
func (p *Profile) Occupation(key string) *Item { return find(p.Occupations, key) }

func find(items []Item, key string) *Item {
	for i := range items {
		if items[i].Key == key {
			return &items[i]
		}
	}
	return nil
}

var tokyo = mustTokyo()

func mustTokyo() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		// time/tzdata is imported by the binary; keep a fixed zone as a last resort.
		return time.FixedZone("JST", 9*3600)
	}
	return loc
}

// Tokyo is the zone every business rule is computed in.
func Tokyo() *time.Location { return tokyo }

func parseHHMM(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("bad time %q: want HH:MM", s)
	}
	return h*60 + m, nil
}

// ServiceWindow returns the service hours as minutes after midnight.
func (p *Profile) ServiceWindow() (start, end int, err error) {
	if start, err = parseHHMM(p.ServiceHours.Start); err != nil {
		return
	}
	if end, err = parseHHMM(p.ServiceHours.End); err != nil {
		return
	}
	if end <= start {
		err = fmt.Errorf("service hours end %s must be after start %s", p.ServiceHours.End, p.ServiceHours.Start)
	}
	return
}

// InService reports whether t falls inside the service hours, in Asia/Tokyo
// (beppu §9: 0-24; fukuoka §15: 8:00-22:00).
func (p *Profile) InService(t time.Time) bool {
	start, end, err := p.ServiceWindow()
	if err != nil {
		return false
	}
	lt := t.In(tokyo)
	m := lt.Hour()*60 + lt.Minute()
	return m >= start && m < end
}

// RoleName is the Japanese name of an account kind in this network: the profile's
// own words for admins and staff, the operator role's name for operators.
func (p *Profile) RoleName(role, operatorRole string) string {
	switch role {
	case "operator":
		if r := p.OperatorRole(operatorRole); r != nil {
			return "運営者（" + r.Name + "）"
		}
		return "運営者"
	case "auditor":
		return "監査責任者・監査員"
	case "vendor":
		return "契約事業者"
	case "admin":
		return p.Terms.AdminLabel
	case "staff":
		return p.Terms.StaffLabel
	case "municipal":
		return "行政利用者"
	}
	return role
}
