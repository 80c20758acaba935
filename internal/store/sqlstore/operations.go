package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"renraku/internal/domain"
)

const claimImportCols = `network_id, id, file_name, imported_by, lines, accepted, created_at`

func (t *Tx) CreateClaimImport(ctx context.Context, ci *domain.ClaimImport) error {
	_, err := t.exec(ctx, `INSERT INTO claim_imports (`+claimImportCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ci.NetworkID, ci.ID, ci.FileName, ci.ImportedBy, ci.Lines, ci.Accepted, ci.CreatedAt.UTC())
	return err
}

// InsertClaims stores lines of an import, 100 to a statement: a monthly file has
// thousands of lines.
func (t *Tx) InsertClaims(ctx context.Context, claims []domain.Claim) error {
	const cols = 7
	for len(claims) > 0 {
		n := min(len(claims), 100)
		var b strings.Builder
		b.WriteString(`INSERT INTO claims (network_id, import_id, line, insured_no, org_code, insurance_kind, service_month) VALUES `)
		args := make([]any, 0, cols*n)
		for i, c := range claims[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j := range cols {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("$" + strconv.Itoa(cols*i+j+1))
			}
			b.WriteString(")")
			args = append(args, c.NetworkID, c.ImportID, c.Line, c.InsuredNo, c.OrgCode, c.InsuranceKind, c.ServiceMonth)
		}
		if _, err := t.exec(ctx, b.String(), args...); err != nil {
			return err
		}
		claims = claims[n:]
	}
	return nil
}

// FindClaimImports lists imports newest first, like the operator's history page.
func (t *Tx) FindClaimImports(ctx context.Context, net string) ([]*domain.ClaimImport, error) {
	rows, err := t.query(ctx, `SELECT `+claimImportCols+` FROM claim_imports WHERE network_id = $1 ORDER BY created_at DESC, id`, net)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.ClaimImport
	for rows.Next() {
		var ci domain.ClaimImport
		if err := rows.Scan(&ci.NetworkID, &ci.ID, &ci.FileName, &ci.ImportedBy, &ci.Lines, &ci.Accepted, &ci.CreatedAt); err != nil {
			return nil, err
		}
		ci.CreatedAt = ci.CreatedAt.UTC()
		out = append(out, &ci)
	}
	return out, rows.Err()
}

const disasterCols = `network_id, id, name, started_at, ended_at, declared_by, ended_by`

func (t *Tx) CreateDisaster(ctx context.Context, d *domain.Disaster) error {
	_, err := t.exec(ctx, `INSERT INTO disasters (`+disasterCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.NetworkID, d.ID, d.Name, d.StartedAt.UTC(), nt(d.EndedAt), d.DeclaredBy, d.EndedBy)
	return err
}

func (t *Tx) FindDisasters(ctx context.Context, net string) ([]*domain.Disaster, error) {
	rows, err := t.query(ctx, `SELECT `+disasterCols+` FROM disasters WHERE network_id = $1 ORDER BY started_at DESC, id`, net)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Disaster
	for rows.Next() {
		var d domain.Disaster
		var ended sql.NullTime
		if err := rows.Scan(&d.NetworkID, &d.ID, &d.Name, &d.StartedAt, &ended, &d.DeclaredBy, &d.EndedBy); err != nil {
			return nil, err
		}
		d.StartedAt, d.EndedAt = d.StartedAt.UTC(), ut(ended)
		out = append(out, &d)
	}
	return out, rows.Err()
}

// UpdateDisaster renames a disaster or ends it; when and by whom it was declared stays.
func (t *Tx) UpdateDisaster(ctx context.Context, d *domain.Disaster) error {
	return mustAffect(t.exec(ctx, `UPDATE disasters SET name = $3, ended_at = $4, ended_by = $5 WHERE network_id = $1 AND id = $2`,
		d.NetworkID, d.ID, d.Name, nt(d.EndedAt), d.EndedBy))
}

func (t *Tx) FindMatrix(ctx context.Context, net string) ([]domain.MatrixEntry, error) {
	rows, err := t.query(ctx, `SELECT network_id, occupation, category, can_read, can_write FROM matrix
		WHERE network_id = $1 ORDER BY occupation, category`, net)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.MatrixEntry
	for rows.Next() {
		var e domain.MatrixEntry
		if err := rows.Scan(&e.NetworkID, &e.Occupation, &e.Category, &e.Read, &e.Write); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *Tx) UpsertMatrixEntry(ctx context.Context, e domain.MatrixEntry) error {
	_, err := t.exec(ctx, `INSERT INTO matrix (network_id, occupation, category, can_read, can_write) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (network_id, occupation, category) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write`,
		e.NetworkID, e.Occupation, e.Category, e.Read, e.Write)
	return err
}
