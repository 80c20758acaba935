package domain

import "time"

// Network is the tenant (地域ネットワーク). Every row carries its id.
type Network struct {
	ID        string
	Profile   string
	Name      string
	CreatedAt time.Time
}

// Role is what kind of account a user holds. Operator sub-roles (事業責任者,
// 運営管理責任者, ...) are profile data in User.OperatorRole.
type Role string

const (
	RoleOperator  Role = "operator"
	RoleAuditor   Role = "auditor"
	RoleVendor    Role = "vendor"
	RoleAdmin     Role = "admin"     // organization admin
	RoleStaff     Role = "staff"     // staff user of an organization
	RoleMunicipal Role = "municipal" // municipal staff user (beppu §14)
)

// UserStatus is the lifecycle of an account.
type UserStatus string

const (
	UserActive    UserStatus = "active"
	UserSuspended UserStatus = "suspended" // by the operator; reversible
	UserRevoked   UserStatus = "revoked"   // ID lost its validity (失効); final
)

// OrgStatus is the lifecycle of an organization.
type OrgStatus string

const (
	OrgActive    OrgStatus = "active"
	OrgSuspended OrgStatus = "suspended"
	OrgWithdrawn OrgStatus = "withdrawn"
)

// Organization is a participating organization (利用組織 / 利用施設 / 利用事業所).
type Organization struct {
	NetworkID     string
	ID            string
	Name          string
	Type          string
	Code          string // 事業所番号 / 医療機関コード, matched by the claims import
	Address       string
	Phone         string
	Status        OrgStatus
	Conditions    string
	SuspendReason string
	ApplicationID string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// User is an account. LoginID is unique within a network.
type User struct {
	NetworkID          string
	ID                 string
	LoginID            string
	OrgID              string // empty for operators, auditors, vendors, municipal staff
	Role               Role
	OperatorRole       string // profile operator role key, for RoleOperator
	Occupation         string // profile occupation key, for staff and admins
	DisplayName        string
	Email              string
	PasswordHash       string
	MustChangePassword bool
	TOTPSecret         string // sealed with the master key
	TOTPEnabled        bool
	TOTPLastStep       int64
	Status             UserStatus
	SuspendReason      string
	FailedLogins       int
	LockedUntil        time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
	PasswordChangedAt  time.Time
	LastLoginAt        time.Time
	ReplacedBy         string // joso §10-6: the new ID issued when this one was stopped
}

// ApplicationStatus is the state of an organization's application.
type ApplicationStatus string

const (
	AppPending  ApplicationStatus = "pending"
	AppApproved ApplicationStatus = "approved"
	AppRejected ApplicationStatus = "rejected"
)

// Application is an organization's online application (利用申請).
type Application struct {
	NetworkID          string
	ID                 string
	OrgName            string
	OrgType            string
	Address            string
	Phone              string
	AdminName          string
	AdminEmail         string
	AdminPhone         string
	AgreedTerms        bool
	AgreedUndertakings []string
	Status             ApplicationStatus
	Conditions         string
	RejectReason       string
	DecidedBy          string
	DecidedAt          time.Time
	OrgID              string
	NoticeHash         string // hash of the applicant's notice-page token
	CreatedAt          time.Time
}

// StaffRequestStatus is the state of an admin's request for a staff account (joso §10).
type StaffRequestStatus string

const (
	StaffRequestPending  StaffRequestStatus = "pending"
	StaffRequestIssued   StaffRequestStatus = "issued"
	StaffRequestRejected StaffRequestStatus = "rejected"
)

// StaffRequest is an organization admin's request to the operator to issue a staff
// account, in profiles where the operator issues them (joso §10).
type StaffRequest struct {
	NetworkID    string
	ID           string
	OrgID        string
	RequestedBy  string
	DisplayName  string
	Email        string
	Occupation   string
	Kind         string // "new" or "reissue" (joso §10-4..6)
	TargetUserID string // for reissue
	Status       StaffRequestStatus
	Reason       string
	DecidedBy    string
	DecidedAt    time.Time
	UserID       string
	CreatedAt    time.Time
}

// SessionStage says how far a login got: a session in a stage other than
// StageFull may only finish the stage (change password, enrol TOTP).
type SessionStage string

const (
	StageFull           SessionStage = "full"
	StageChangePassword SessionStage = "change_password"
	StageEnrolTOTP      SessionStage = "enrol_totp"
)

// Session is a web session or an API bearer token. The token itself is never
// stored; TokenHash is its SHA-256.
type Session struct {
	NetworkID  string
	ID         string
	UserID     string
	TokenHash  string
	Kind       string // "web" or "api"
	Stage      SessionStage
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute timeout
	IdleUntil  time.Time // idle timeout, pushed forward on use
	UserAgent  string
	RemoteAddr string
	RevokedAt  time.Time
}

// AuditEvent is one entry of the tamper-evident audit log (beppu §10-3, fukuoka §9-3).
// It records who did what to which record, when, why and with what outcome.
type AuditEvent struct {
	ID          int64
	NetworkID   string
	At          time.Time // UTC; shown in Asia/Tokyo
	ActorUserID string
	ActorLogin  string
	ActorOrgID  string
	ActorRole   string
	Action      string // e.g. "login", "login.failed", "application.approve"
	TargetType  string // "user", "organization", "application", "session", "person"
	TargetID    string
	PersonID    string // the person (対象者) whose data was touched, if any
	Reason      string
	Outcome     string // "ok", "denied", "failed"
	RemoteAddr  string
	RequestID   string
	Detail      string // JSON object, never a person's record content
	MAC         string // HMAC over the canonical form, keyed by the master key
}

// AuditLeaf binds a sealed event to its position in a network's Merkle log.
type AuditLeaf struct {
	NetworkID string
	Index     int64
	EventID   int64
	Hash      []byte
}

// AuditCheckpoint is a signed tree head (C2SP signed-note format).
type AuditCheckpoint struct {
	NetworkID string
	TreeSize  int64
	RootHash  []byte
	Note      string
	CreatedAt time.Time
}

// AuditFilter selects events for the operator's audit viewer.
type AuditFilter struct {
	PersonID   string // who viewed or changed this person's record
	ActorLogin string
	ActorOrgID string
	Action     string
	From, To   time.Time
	Limit      int
	Offset     int
}

// OrgFilter selects organizations.
type OrgFilter struct {
	Status OrgStatus
	Query  string
}

// UserFilter selects users.
type UserFilter struct {
	OrgID     string
	Role      Role
	Status    UserStatus
	NoOrgOnly bool // operators, municipal staff and other network-level accounts
}
