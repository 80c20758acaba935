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
