package sqlstore

import (
	"context"
	"database/sql"

	"renraku/internal/domain"
)

const staffRequestCols = `network_id, id, org_id, requested_by, display_name, email, occupation, kind, target_user_id,
	status, reason, decided_by, decided_at, user_id, created_at`

func (t *Tx) CreateStaffRequest(ctx context.Context, r *domain.StaffRequest) error {
	_, err := t.exec(ctx, `INSERT INTO staff_requests (`+staffRequestCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		r.NetworkID, r.ID, r.OrgID, r.RequestedBy, r.DisplayName, r.Email, r.Occupation, r.Kind, r.TargetUserID,
		string(r.Status), r.Reason, r.DecidedBy, nt(r.DecidedAt), r.UserID, r.CreatedAt.UTC())
	return err
}

func scanStaffRequest(sc interface{ Scan(...any) error }) (*domain.StaffRequest, error) {
	var r domain.StaffRequest
	var status string
	var decided sql.NullTime
	if err := sc.Scan(&r.NetworkID, &r.ID, &r.OrgID, &r.RequestedBy, &r.DisplayName, &r.Email, &r.Occupation, &r.Kind,
		&r.TargetUserID, &status, &r.Reason, &r.DecidedBy, &decided, &r.UserID, &r.CreatedAt); err != nil {
		return nil, normalize(err)
	}
	r.Status = domain.StaffRequestStatus(status)
	r.DecidedAt = ut(decided)
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

func (t *Tx) FindStaffRequest(ctx context.Context, net, id string) (*domain.StaffRequest, error) {
	return scanStaffRequest(t.queryRow(ctx, `SELECT `+staffRequestCols+` FROM staff_requests WHERE network_id = $1 AND id = $2`, net, id))
}

func (t *Tx) FindStaffRequests(ctx context.Context, net, orgID string, status domain.StaffRequestStatus) ([]*domain.StaffRequest, error) {
	rows, err := t.query(ctx, `SELECT `+staffRequestCols+` FROM staff_requests WHERE network_id = $1
		AND (CAST($2 AS TEXT) = '' OR org_id = $2) AND (CAST($3 AS TEXT) = '' OR status = $3) ORDER BY created_at, id`,
		net, orgID, string(status))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.StaffRequest
	for rows.Next() {
		r, err := scanStaffRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *Tx) UpdateStaffRequest(ctx context.Context, r *domain.StaffRequest) error {
	return mustAffect(t.exec(ctx, `UPDATE staff_requests SET status = $3, reason = $4, decided_by = $5, decided_at = $6, user_id = $7
		WHERE network_id = $1 AND id = $2`, r.NetworkID, r.ID, string(r.Status), r.Reason, r.DecidedBy, nt(r.DecidedAt), r.UserID))
}
