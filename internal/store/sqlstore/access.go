package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"renraku/internal/domain"
)

const accessCols = `network_id, id, person_id, org_id, kind, granted_by, granted_by_org, expires_on, created_at,
	ended_at, ended_by, end_reason`

func (t *Tx) CreateAccess(ctx context.Context, a *domain.Access) error {
	_, err := t.exec(ctx, `INSERT INTO access (`+accessCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		a.NetworkID, a.ID, a.PersonID, a.OrgID, a.Kind, a.GrantedBy, a.GrantedByOrg, a.ExpiresOn, a.CreatedAt.UTC(),
		nt(a.EndedAt), a.EndedBy, a.EndReason)
	return err
}

func scanAccess(sc interface{ Scan(...any) error }) (*domain.Access, error) {
	var a domain.Access
	var ended sql.NullTime
	if err := sc.Scan(&a.NetworkID, &a.ID, &a.PersonID, &a.OrgID, &a.Kind, &a.GrantedBy, &a.GrantedByOrg, &a.ExpiresOn,
		&a.CreatedAt, &ended, &a.EndedBy, &a.EndReason); err != nil {
		return nil, normalize(err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	a.EndedAt = ut(ended)
	return &a, nil
}

func (t *Tx) accessList(ctx context.Context, query string, args ...any) ([]*domain.Access, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Access
	for rows.Next() {
		a, err := scanAccess(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (t *Tx) FindAccess(ctx context.Context, net, id string) (*domain.Access, error) {
	return scanAccess(t.queryRow(ctx, `SELECT `+accessCols+` FROM access WHERE network_id = $1 AND id = $2`, net, id))
}

func (t *Tx) FindPersonAccess(ctx context.Context, net, personID string) ([]*domain.Access, error) {
	return t.accessList(ctx, `SELECT `+accessCols+` FROM access WHERE network_id = $1 AND person_id = $2
		ORDER BY created_at, id`, net, personID)
}

// FindOrgAccess returns rows of every kind; which kinds count is the policy's
// (PersonScope.AccessKinds). An access row is in force through its expiry date.
func (t *Tx) FindOrgAccess(ctx context.Context, net, personID, orgID, today string) ([]*domain.Access, error) {
	return t.accessList(ctx, `SELECT `+accessCols+` FROM access WHERE network_id = $1 AND org_id = $2 AND person_id = $3
		AND ended_at IS NULL AND (expires_on = '' OR expires_on >= $4) ORDER BY created_at, id`, net, orgID, personID, today)
}

// UpdateAccess writes what changes over an access row's life: its expiry (a
// later claim extends it) and its end. Who was granted what, by whom, stays.
func (t *Tx) UpdateAccess(ctx context.Context, a *domain.Access) error {
	return mustAffect(t.exec(ctx, `UPDATE access SET expires_on = $3, ended_at = $4, ended_by = $5, end_reason = $6
		WHERE network_id = $1 AND id = $2`, a.NetworkID, a.ID, a.ExpiresOn, nt(a.EndedAt), a.EndedBy, a.EndReason))
}

const accessRequestCols = `network_id, id, person_id, org_id, requested_by, reason, status, decided_by, decided_at, created_at,
	insured_no, birth_date`

func (t *Tx) CreateAccessRequest(ctx context.Context, r *domain.AccessRequest) error {
	_, err := t.exec(ctx, `INSERT INTO access_requests (`+accessRequestCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		r.NetworkID, r.ID, r.PersonID, r.OrgID, r.RequestedBy, r.Reason, r.Status, r.DecidedBy, nt(r.DecidedAt), r.CreatedAt.UTC(),
		r.InsuredNo, r.BirthDate)
	return err
}

func scanAccessRequest(sc interface{ Scan(...any) error }) (*domain.AccessRequest, error) {
	var r domain.AccessRequest
	var decided sql.NullTime
	if err := sc.Scan(&r.NetworkID, &r.ID, &r.PersonID, &r.OrgID, &r.RequestedBy, &r.Reason, &r.Status, &r.DecidedBy,
		&decided, &r.CreatedAt, &r.InsuredNo, &r.BirthDate); err != nil {
		return nil, normalize(err)
	}
	r.DecidedAt = ut(decided)
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

func (t *Tx) FindAccessRequest(ctx context.Context, net, id string) (*domain.AccessRequest, error) {
	return scanAccessRequest(t.queryRow(ctx, `SELECT `+accessRequestCols+` FROM access_requests WHERE network_id = $1 AND id = $2`, net, id))
}

// FindAccessRequests lists requests oldest first, the order they are to be decided in.
func (t *Tx) FindAccessRequests(ctx context.Context, net, personID, status string) ([]*domain.AccessRequest, error) {
	return t.accessRequests(ctx, `SELECT `+accessRequestCols+` FROM access_requests WHERE network_id = $1
		AND (CAST($2 AS TEXT) = '' OR person_id = $2) AND (CAST($3 AS TEXT) = '' OR status = $3) ORDER BY created_at, id`,
		net, personID, status)
}

// FindOpenAccessRequests lists, oldest first, the requests still pending and those
// decided at or after decidedSince. With viaOrg set, only those about people to
// whom that organization holds access in force on today: the care-plan office or
// a permitted organization, who answer requests (the policy decides each one).
func (t *Tx) FindOpenAccessRequests(ctx context.Context, net, viaOrg, today string, decidedSince time.Time) ([]*domain.AccessRequest, error) {
	return t.accessRequests(ctx, `SELECT `+accessRequestCols+` FROM access_requests r WHERE r.network_id = $1
		AND (r.status = 'pending' OR r.decided_at >= $2)
		AND (CAST($3 AS TEXT) = '' OR EXISTS (SELECT 1 FROM access a WHERE a.network_id = r.network_id
			AND a.person_id = r.person_id AND a.org_id = $3 AND a.ended_at IS NULL AND (a.expires_on = '' OR a.expires_on >= $4)))
		ORDER BY r.created_at, r.id`, net, decidedSince.UTC(), viaOrg, today)
}

// FindOrgAccessRequests lists the requests an organization made, newest first.
func (t *Tx) FindOrgAccessRequests(ctx context.Context, net, orgID string) ([]*domain.AccessRequest, error) {
	return t.accessRequests(ctx, `SELECT `+accessRequestCols+` FROM access_requests WHERE network_id = $1 AND org_id = $2
		ORDER BY created_at DESC, id DESC`, net, orgID)
}

func (t *Tx) accessRequests(ctx context.Context, query string, args ...any) ([]*domain.AccessRequest, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.AccessRequest
	for rows.Next() {
		r, err := scanAccessRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateAccessRequest records the decision.
func (t *Tx) UpdateAccessRequest(ctx context.Context, r *domain.AccessRequest) error {
	return mustAffect(t.exec(ctx, `UPDATE access_requests SET status = $3, decided_by = $4, decided_at = $5
		WHERE network_id = $1 AND id = $2`, r.NetworkID, r.ID, r.Status, r.DecidedBy, nt(r.DecidedAt)))
}
