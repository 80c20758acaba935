package domain

import "time"

// Dates of civil life (birth, consent, loss of eligibility) are calendar dates in
// Asia/Tokyo, written "YYYY-MM-DD"; they sort and compare as strings.

// PersonStatus is whether a person's record is in use.
type PersonStatus string

const (
	PersonActive PersonStatus = "active"
	// PersonStopped is 支援中止 (katori §13-2, joso §17-2..3): hidden from everyone
	// but the operator, who sees that it is hidden, not its content.
	PersonStopped PersonStatus = "stopped"
	// PersonPurged: the shared content was deleted on request (sendai §12-2..3);
	// the audit trail of the request and purge stays.
	PersonPurged PersonStatus = "purged"
)

// ConsentState summarises a person's consents, kept on the person for filtering.
type ConsentState string

const (
	ConsentNone      ConsentState = "none"
	ConsentActive    ConsentState = "active"
	ConsentWithdrawn ConsentState = "withdrawn" // beppu §16, fukuoka §18
)

// Person is someone the network supports (対象者 / 支援対象者).
type Person struct {
	NetworkID       string
	ID              string
	FamilyName      string
	GivenName       string
	FamilyKana      string
	GivenKana       string
	BirthDate       string
	Sex             string // "male", "female", "other", "unknown"
	Address         string
	Phone           string
	CareInsuredNo   string // 介護保険被保険者番号 (joso, beppu, fukuoka)
	HealthInsuredNo string // 医療保険の被保険者番号 (fukuoka)
	HouseholdID     string // 世帯 (katori)
	RegisteredOrg   string // the organization that registered the person
	RegisteredBy    string
	Eligible        bool
	LostReason      string // "death", "moved", "insurance_lost"
	LostOn          string
	ReadableUntil   string // last day the record may be read after eligibility ends
	Status          PersonStatus
	Consent         ConsentState
	ConsentForm     string   // the form version of the consent in force
	ConsentScopes   []string // of the consent in force: "sharing", "disaster"
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Household groups people who are supported together (katori: 世帯).
type Household struct {
	NetworkID string
	ID        string
	Name      string
	CreatedAt time.Time
}

// Consent is a recorded consent (同意書) to share a person's information.
type Consent struct {
	NetworkID    string
	ID           string
	PersonID     string
	Kind         string // "self", "proxy_writer" (代筆), "family" (代理同意), "legal" (katori §13-3)
	SignerName   string // the proxy writer or the family member
	Relationship string // the family member's relationship to the person
	ConsentedOn  string
	FormVersion  string
	Scopes       []string
	LegalBasis   string // katori §13-3: the law that requires the sharing
	AttachmentID string // the scanned signed form
	EnteredBy    string
	EnteredOrg   string
	CreatedAt    time.Time
	WithdrawnAt  time.Time
	WithdrawnBy  string
	WithdrawNote string
}

// Access kinds: why an organization may see a person.
const (
	AccessTeam     = "team"     // care team member (katori, joso, sendai)
	AccessCarePlan = "careplan" // the office writing the care plan (beppu §17-1, fukuoka §19)
	AccessGranted  = "granted"  // granted by a permitted organization (beppu §17-4, fukuoka §19-2..5)
	AccessClaims   = "claims"   // from insurance claims (fukuoka §19-2)
)

// Access is one organization's permission to a person's record.
type Access struct {
	NetworkID    string
	ID           string
	PersonID     string
	OrgID        string
	Kind         string
	GrantedBy    string // user
	GrantedByOrg string
	ExpiresOn    string // claims access lapses; "" = no end date
	CreatedAt    time.Time
	EndedAt      time.Time
	EndedBy      string
	EndReason    string
}

// AccessRequest is an organization asking for access (beppu §17-3).
type AccessRequest struct {
	NetworkID   string
	ID          string
	PersonID    string
	OrgID       string
	RequestedBy string
	// InsuredNo and BirthDate are what the requester typed to name the person: all
	// it is shown of the request until the office grants (beppu §17-3).
	InsuredNo string
	BirthDate string
	Reason    string
	Status    string // "pending", "granted", "refused"
	DecidedBy string
	DecidedAt time.Time
	CreatedAt time.Time
}

// Claim is one line of imported insurance claims (fukuoka §19-2).
type Claim struct {
	NetworkID     string
	ImportID      string
	Line          int
	InsuredNo     string
	OrgCode       string // 事業所番号 / 医療機関コード
	InsuranceKind string // "kokuho", "kouki", "kaigo"
	ServiceMonth  string // "YYYY-MM"
}

// ClaimImport records one CSV import.
type ClaimImport struct {
	NetworkID  string
	ID         string
	FileName   string
	ImportedBy string
	Lines      int
	Accepted   int
	CreatedAt  time.Time
}

// Disaster is a declared disaster (joso §21).
type Disaster struct {
	NetworkID  string
	ID         string
	Name       string
	StartedAt  time.Time
	EndedAt    time.Time
	DeclaredBy string
	EndedBy    string
}

// MatrixEntry says whether an occupation may read and write a record category
// (beppu §10-1, fukuoka §9-1); the operator edits it.
type MatrixEntry struct {
	NetworkID  string
	Occupation string
	Category   string
	Read       bool
	Write      bool
}

// Attachment is a content-addressed file (here: the scanned consent form).
type Attachment struct {
	NetworkID   string
	ID          string // hex SHA-256 of the content
	ContentType string
	Size        int64
	Data        []byte
	CreatedAt   time.Time
	CreatedBy   string
}

// PersonScope is the list form of the policy: which people an actor may see,
// turned into SQL by the store so that lists, counts and paging hold only
// permitted rows.
type PersonScope struct {
	All          bool     // operators: every person (hidden ones flagged, not shown)
	OrgID        string   // the actor's organization
	AccessKinds  []string // access kinds that count for this network
	AllConsented bool     // joso: the municipal officer is on every team
	Disaster     bool     // a disaster is active and the actor is designated (joso §21)
	Today        string   // for the read window
}

// PeopleFilter narrows a people list.
type PeopleFilter struct {
	Kana      string // prefix of family+given kana, or of family kana
	BirthDate string
	Limit     int
	Offset    int
}
