package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"renraku/internal/domain"
)

const applicationCols = `network_id, id, org_name, org_type, address, phone, admin_name, admin_email, admin_phone,
	agreed_terms, agreed_undertakings, status, conditions, reject_reason, decided_by, decided_at, org_id, notice_hash, created_at`

func (t *Tx) CreateApplication(ctx context.Context, a *domain.Application) error {
	und, _ := json.Marshal(nonNil(a.AgreedUndertakings))
	_, err := t.exec(ctx, `INSERT INTO applications (`+applicationCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		a.NetworkID, a.ID, a.OrgName, a.OrgType, a.Address, a.Phone, a.AdminName, a.AdminEmail, a.AdminPhone,
		a.AgreedTerms, string(und), string(a.Status), a.Conditions, a.RejectReason, a.DecidedBy, nt(a.DecidedAt),
		a.OrgID, a.NoticeHash, a.CreatedAt.UTC())
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func scanApplication(sc interface{ Scan(...any) error }) (*domain.Application, error) {
	var a domain.Application
	var und, status string
	var decided sql.NullTime
	err := sc.Scan(&a.NetworkID, &a.ID, &a.OrgName, &a.OrgType, &a.Address, &a.Phone, &a.AdminName, &a.AdminEmail,
		&a.AdminPhone, &a.AgreedTerms, &und, &status, &a.Conditions, &a.RejectReason, &a.DecidedBy, &decided,
		&a.OrgID, &a.NoticeHash, &a.CreatedAt)
	if err != nil {
		return nil, normalize(err)
	}
	a.Status = domain.ApplicationStatus(status)
	a.DecidedAt = ut(decided)
	a.CreatedAt = a.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(und), &a.AgreedUndertakings); err != nil {
		return nil, err
	}
	return &a, nil
}

func (t *Tx) FindApplication(ctx context.Context, net, id string) (*domain.Application, error) {
	return scanApplication(t.queryRow(ctx, `SELECT `+applicationCols+` FROM applications WHERE network_id = $1 AND id = $2`, net, id))
}

func (t *Tx) FindApplications(ctx context.Context, net string, status domain.ApplicationStatus) ([]*domain.Application, error) {
	rows, err := t.query(ctx, `SELECT `+applicationCols+` FROM applications
		WHERE network_id = $1 AND (CAST($2 AS TEXT) = '' OR status = $2) ORDER BY created_at, id`, net, string(status))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (t *Tx) UpdateApplication(ctx context.Context, a *domain.Application) error {
	return mustAffect(t.exec(ctx, `UPDATE applications SET status = $3, conditions = $4, reject_reason = $5,
		decided_by = $6, decided_at = $7, org_id = $8 WHERE network_id = $1 AND id = $2`,
		a.NetworkID, a.ID, string(a.Status), a.Conditions, a.RejectReason, a.DecidedBy, nt(a.DecidedAt), a.OrgID))
}
