package sqlstore

import (
	"context"
	"time"

	"renraku/internal/domain"
)

func (t *Tx) CreateNetwork(ctx context.Context, n *domain.Network) error {
	_, err := t.exec(ctx, `INSERT INTO networks (id, profile, name, created_at) VALUES ($1, $2, $3, $4)`,
		n.ID, n.Profile, n.Name, n.CreatedAt.UTC())
	return err
}

func (t *Tx) FindNetwork(ctx context.Context, id string) (*domain.Network, error) {
	var n domain.Network
	var created time.Time
	err := t.queryRow(ctx, `SELECT id, profile, name, created_at FROM networks WHERE id = $1`, id).
		Scan(&n.ID, &n.Profile, &n.Name, &created)
	if err != nil {
		return nil, normalize(err)
	}
	n.CreatedAt = created.UTC()
	return &n, nil
}

func (t *Tx) ListNetworks(ctx context.Context) ([]*domain.Network, error) {
	rows, err := t.query(ctx, `SELECT id, profile, name, created_at FROM networks ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Network
	for rows.Next() {
		var n domain.Network
		if err := rows.Scan(&n.ID, &n.Profile, &n.Name, &n.CreatedAt); err != nil {
			return nil, err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, &n)
	}
	return out, rows.Err()
}

func (t *Tx) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	r, err := t.exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at < $4`,
		name, holder, until.UTC(), now.UTC())
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n > 0, err
}
