package sqlstore

import (
	"context"

	"renraku/internal/domain"
)

const orgCols = `network_id, id, name, type, code, address, phone, status, conditions, suspend_reason, application_id, created_at, updated_at`

func (t *Tx) CreateOrganization(ctx context.Context, o *domain.Organization) error {
	_, err := t.exec(ctx, `INSERT INTO organizations (`+orgCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		o.NetworkID, o.ID, o.Name, o.Type, o.Code, o.Address, o.Phone, string(o.Status), o.Conditions, o.SuspendReason,
		o.ApplicationID, o.CreatedAt.UTC(), o.UpdatedAt.UTC())
	return err
}

func scanOrg(sc interface{ Scan(...any) error }) (*domain.Organization, error) {
	var o domain.Organization
	var status string
	if err := sc.Scan(&o.NetworkID, &o.ID, &o.Name, &o.Type, &o.Code, &o.Address, &o.Phone, &status, &o.Conditions,
		&o.SuspendReason, &o.ApplicationID, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, normalize(err)
	}
	o.Status = domain.OrgStatus(status)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, nil
}

func (t *Tx) FindOrganization(ctx context.Context, net, id string) (*domain.Organization, error) {
	return scanOrg(t.queryRow(ctx, `SELECT `+orgCols+` FROM organizations WHERE network_id = $1 AND id = $2`, net, id))
}

func (t *Tx) FindOrganizations(ctx context.Context, net string, f domain.OrgFilter) ([]*domain.Organization, error) {
	rows, err := t.query(ctx, `SELECT `+orgCols+` FROM organizations
		WHERE network_id = $1 AND (CAST($2 AS TEXT) = '' OR status = $2)
		AND (CAST($3 AS TEXT) = '' OR LOWER(name) LIKE '%' || LOWER(CAST($3 AS TEXT)) || '%' ESCAPE '\')
		ORDER BY name, id`, net, string(f.Status), likeEscape(f.Query))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (t *Tx) UpdateOrganization(ctx context.Context, o *domain.Organization) error {
	return mustAffect(t.exec(ctx, `UPDATE organizations SET name = $3, type = $4, address = $5, phone = $6, status = $7,
		conditions = $8, suspend_reason = $9, updated_at = $10, code = $11 WHERE network_id = $1 AND id = $2`,
		o.NetworkID, o.ID, o.Name, o.Type, o.Address, o.Phone, string(o.Status), o.Conditions, o.SuspendReason, o.UpdatedAt.UTC(), o.Code))
}

// FindOrganizationByCode finds the organization with the 事業所番号. A code may
// outlive an organization (withdrawn, then registered again under a new id), so an
// active one wins; two active organizations with one code are a data error that
// must not be resolved by guessing, since the claims import grants access to the
// organization found.
func (t *Tx) FindOrganizationByCode(ctx context.Context, net, code string) (*domain.Organization, error) {
	if code == "" {
		return nil, domain.ErrNotFound
	}
	rows, err := t.query(ctx, `SELECT `+orgCols+` FROM organizations WHERE network_id = $1 AND code = $2
		ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, id LIMIT 2`, net, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []*domain.Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		found = append(found, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch {
	case len(found) == 0:
		return nil, domain.ErrNotFound
	case len(found) == 2 && found[1].Status == domain.OrgActive:
		return nil, &domain.Error{Code: domain.ECONFLICT, Message: "同じ事業所番号の利用組織が複数あります。"}
	}
	return found[0], nil
}
