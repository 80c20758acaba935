// Package store is the one storage interface of renraku. Its implementation lives in
// store/sqlstore and runs on PostgreSQL (production) and SQLite (embedded default);
// one contract test suite (store/storetest) runs against both.
//
// Every method that touches tenant data takes the network id explicitly, and every
// query filters by it: no query crosses networks.
package store

import (
	"context"
	"time"

	"renraku/internal/domain"
)

// Store opens transactions.
type Store interface {
	// Dialect is "postgres" or "sqlite".
	Dialect() string
	// Transact runs fn in a read-write transaction, retrying it when the database
	// reports a serialization failure or a busy lock. fn must be safe to rerun.
	Transact(ctx context.Context, fn func(Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// MigrationVersion returns the applied and the embedded latest schema version.
	MigrationVersion(ctx context.Context) (applied, latest int, err error)
	// Migrate applies the embedded migrations that are not yet applied.
	Migrate(ctx context.Context) error
	Close() error
}

// Tx is everything that can be done inside one transaction.
type Tx interface {
	NetworkStore
	ApplicationStore
	OrganizationStore
	UserStore
	SessionStore
	StaffRequestStore
	AuditStore
	LeaseStore
	PersonStore
	ConsentStore
	AccessStore
	OperationsStore
	BoardStore // and NotifyStore: board.go
	MessageStore
	PKIStore
	TimelineStore
}

type NetworkStore interface {
	CreateNetwork(ctx context.Context, n *domain.Network) error
	FindNetwork(ctx context.Context, id string) (*domain.Network, error)
	ListNetworks(ctx context.Context) ([]*domain.Network, error)
}

type ApplicationStore interface {
	CreateApplication(ctx context.Context, a *domain.Application) error
	FindApplication(ctx context.Context, net, id string) (*domain.Application, error)
	FindApplications(ctx context.Context, net string, status domain.ApplicationStatus) ([]*domain.Application, error)
	UpdateApplication(ctx context.Context, a *domain.Application) error
}

type OrganizationStore interface {
	CreateOrganization(ctx context.Context, o *domain.Organization) error
	FindOrganization(ctx context.Context, net, id string) (*domain.Organization, error)
	FindOrganizations(ctx context.Context, net string, f domain.OrgFilter) ([]*domain.Organization, error)
	UpdateOrganization(ctx context.Context, o *domain.Organization) error
}

type UserStore interface {
	CreateUser(ctx context.Context, u *domain.User) error
	FindUser(ctx context.Context, net, id string) (*domain.User, error)
	FindUserByLogin(ctx context.Context, net, loginID string) (*domain.User, error)
	FindUsers(ctx context.Context, net string, f domain.UserFilter) ([]*domain.User, error)
	UpdateUser(ctx context.Context, u *domain.User) error
	// RecordFailedLogin increments the failure counter atomically and returns it.
	RecordFailedLogin(ctx context.Context, net, id string, lockUntil func(failures int) time.Time) (failures int, err error)
}

type SessionStore interface {
	CreateSession(ctx context.Context, s *domain.Session) error
	FindSessionByToken(ctx context.Context, net, tokenHash string) (*domain.Session, error)
	FindUserSessions(ctx context.Context, net, userID string, now time.Time) ([]*domain.Session, error)
	UpdateSession(ctx context.Context, s *domain.Session) error
	RevokeSession(ctx context.Context, net, id string, at time.Time) error
	// RevokeUserSessions revokes every open session and token of a user.
	RevokeUserSessions(ctx context.Context, net, userID string, at time.Time) (int, error)
}

type StaffRequestStore interface {
	CreateStaffRequest(ctx context.Context, r *domain.StaffRequest) error
	FindStaffRequest(ctx context.Context, net, id string) (*domain.StaffRequest, error)
	FindStaffRequests(ctx context.Context, net, orgID string, status domain.StaffRequestStatus) ([]*domain.StaffRequest, error)
	UpdateStaffRequest(ctx context.Context, r *domain.StaffRequest) error
}

// AuditStore is append-only: there is no method that updates or deletes, and the
// database refuses it too (triggers on both dialects, grants on PostgreSQL).
type AuditStore interface {
	InsertAuditEvent(ctx context.Context, e *domain.AuditEvent) error
	FindAuditEvents(ctx context.Context, net string, f domain.AuditFilter) ([]*domain.AuditEvent, int, error)
	// UnsealedAuditEvents returns events not yet bound to a leaf, oldest first.
	UnsealedAuditEvents(ctx context.Context, net string, limit int) ([]*domain.AuditEvent, error)
	// AuditEventsFrom returns all events of a network with id > afterID, in id order.
	AuditEventsFrom(ctx context.Context, net string, afterID int64, limit int) ([]*domain.AuditEvent, error)
	InsertAuditLeaves(ctx context.Context, leaves []domain.AuditLeaf) error
	AuditLeaves(ctx context.Context, net string, from int64, limit int) ([]domain.AuditLeaf, error)
	AuditTreeSize(ctx context.Context, net string) (int64, error)
	InsertAuditCheckpoint(ctx context.Context, c *domain.AuditCheckpoint) error
	AuditCheckpoints(ctx context.Context, net string) ([]*domain.AuditCheckpoint, error)
	LatestAuditCheckpoint(ctx context.Context, net string) (*domain.AuditCheckpoint, error)
	// AuditNetworks lists the networks that have audit events.
	AuditNetworks(ctx context.Context) ([]string, error)
}

// LeaseStore elects one holder of a named job (the audit sealer) across processes.
type LeaseStore interface {
	// AcquireLease takes or renews the lease for holder until `until`; it reports
	// false when another holder's lease has not expired at `now`.
	AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
}

// PersonStore holds the people supported (対象者).
type PersonStore interface {
	CreatePerson(ctx context.Context, p *domain.Person) error
	FindPerson(ctx context.Context, net, id string) (*domain.Person, error)
	UpdatePerson(ctx context.Context, p *domain.Person) error
	// FindPeople returns the people the scope permits, matching f, with the total
	// count of permitted matches (for paging). The scope becomes SQL: a person the
	// scope does not permit is never read.
	FindPeople(ctx context.Context, net string, scope domain.PersonScope, f domain.PeopleFilter) ([]*domain.Person, int, error)
	// FindDuplicatePeople finds people with the same kana name and birth date,
	// whatever the scope (registration warns before creating a duplicate).
	FindDuplicatePeople(ctx context.Context, net, familyKana, givenKana, birthDate string) ([]*domain.Person, error)
	// FindPeopleByInsuredNo matches a care or health insured number (claims import).
	FindPeopleByInsuredNo(ctx context.Context, net, insuredNo string) ([]*domain.Person, error)
	CreateHousehold(ctx context.Context, h *domain.Household) error
	FindHousehold(ctx context.Context, net, id string) (*domain.Household, error)
	FindHouseholdMembers(ctx context.Context, net, householdID string) ([]*domain.Person, error)
	CreateAttachment(ctx context.Context, a *domain.Attachment) error // idempotent: same content, same id
	FindAttachment(ctx context.Context, net, id string) (*domain.Attachment, error)
	DeleteAttachment(ctx context.Context, net, id string) error
	// AttachmentInUse reports whether a consent or a timeline entry of a person
	// other than exceptPerson refers to the attachment (content-addressed files may be shared).
	AttachmentInUse(ctx context.Context, net, id, exceptPerson string) (bool, error)
}

// ConsentStore holds consents (同意書).
type ConsentStore interface {
	CreateConsent(ctx context.Context, c *domain.Consent) error
	FindConsents(ctx context.Context, net, personID string) ([]*domain.Consent, error) // newest first
	UpdateConsent(ctx context.Context, c *domain.Consent) error                        // withdrawal
	// PurgeConsents blanks the personal fields of a person's consents (the signer,
	// the relationship, the scanned form, the withdrawal note) for a purge (sendai
	// §12-3); what was consented to and when stays.
	PurgeConsents(ctx context.Context, net, personID string) error
}

// AccessStore holds which organizations may see whom, and requests for access.
type AccessStore interface {
	CreateAccess(ctx context.Context, a *domain.Access) error
	FindAccess(ctx context.Context, net, id string) (*domain.Access, error)
	// FindPersonAccess lists a person's access rows, ended ones included, oldest first.
	FindPersonAccess(ctx context.Context, net, personID string) ([]*domain.Access, error)
	// FindOrgAccess lists the organization's access rows to the person that are in
	// force on today (not ended, not expired).
	FindOrgAccess(ctx context.Context, net, personID, orgID, today string) ([]*domain.Access, error)
	UpdateAccess(ctx context.Context, a *domain.Access) error
	CreateAccessRequest(ctx context.Context, r *domain.AccessRequest) error
	FindAccessRequest(ctx context.Context, net, id string) (*domain.AccessRequest, error)
	// FindAccessRequests lists requests about a person ("" = all people), by status ("" = all).
	FindAccessRequests(ctx context.Context, net, personID, status string) ([]*domain.AccessRequest, error)
	// FindOpenAccessRequests lists, oldest first, the pending requests and those
	// decided at or after decidedSince; with viaOrg set ("" = all), only those about
	// people to whom viaOrg holds access in force on today (who may answer them).
	FindOpenAccessRequests(ctx context.Context, net, viaOrg, today string, decidedSince time.Time) ([]*domain.AccessRequest, error)
	// FindOrgAccessRequests lists the requests an organization made, newest first.
	FindOrgAccessRequests(ctx context.Context, net, orgID string) ([]*domain.AccessRequest, error)
	UpdateAccessRequest(ctx context.Context, r *domain.AccessRequest) error
	// FindOrganizationByCode finds an organization by its 事業所番号 (claims import).
	FindOrganizationByCode(ctx context.Context, net, code string) (*domain.Organization, error)
}

// OperationsStore holds the operator's data of this capability: claims imports,
// disasters and the occupation matrix.
type OperationsStore interface {
	CreateClaimImport(ctx context.Context, ci *domain.ClaimImport) error
	InsertClaims(ctx context.Context, claims []domain.Claim) error
	FindClaimImports(ctx context.Context, net string) ([]*domain.ClaimImport, error)
	CreateDisaster(ctx context.Context, d *domain.Disaster) error
	FindDisasters(ctx context.Context, net string) ([]*domain.Disaster, error) // newest first
	UpdateDisaster(ctx context.Context, d *domain.Disaster) error
	FindMatrix(ctx context.Context, net string) ([]domain.MatrixEntry, error)
	UpsertMatrixEntry(ctx context.Context, e domain.MatrixEntry) error
}
