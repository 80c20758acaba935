package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"renraku/internal/domain"
)

const caCols = `network_id, generation, serial, cert, key_sealed, not_before, not_after, created_at`

func (t *Tx) CreateCA(ctx context.Context, ca *domain.NetworkCA) (bool, error) {
	// ON CONFLICT DO NOTHING waits for a concurrent first use to commit and then
	// stores nothing, so the caller rereads and both requests use one CA.
	r, err := t.exec(ctx, `INSERT INTO pki_cas (`+caCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (network_id, generation) DO NOTHING`,
		ca.NetworkID, ca.Generation, ca.Serial, ca.CertDER, ca.KeySealed, ca.NotBefore.UTC(), ca.NotAfter.UTC(),
		ca.CreatedAt.UTC())
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n > 0, err
}

func (t *Tx) FindCAs(ctx context.Context, net string) ([]*domain.NetworkCA, error) {
	rows, err := t.query(ctx, `SELECT `+caCols+` FROM pki_cas WHERE network_id = $1 ORDER BY generation DESC`, net)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.NetworkCA
	for rows.Next() {
		var c domain.NetworkCA
		if err := rows.Scan(&c.NetworkID, &c.Generation, &c.Serial, &c.CertDER, &c.KeySealed, &c.NotBefore,
			&c.NotAfter, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.NotBefore, c.NotAfter, c.CreatedAt = c.NotBefore.UTC(), c.NotAfter.UTC(), c.CreatedAt.UTC()
		out = append(out, &c)
	}
	return out, rows.Err()
}

const signingKeyCols = `network_id, id, user_id, serial, ca_generation, cert, key_sealed, not_before, not_after,
	created_at, revoked_at, revoked_by, revoke_reason`

func (t *Tx) CreateSigningKey(ctx context.Context, k *domain.SigningKey) error {
	_, err := t.exec(ctx, `INSERT INTO signing_keys (`+signingKeyCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		k.NetworkID, k.ID, k.UserID, k.Serial, k.CAGeneration, k.CertDER, k.KeySealed, k.NotBefore.UTC(),
		k.NotAfter.UTC(), k.CreatedAt.UTC(), nt(k.RevokedAt), k.RevokedBy, k.RevokeReason)
	return err
}

func scanSigningKey(sc interface{ Scan(...any) error }) (*domain.SigningKey, error) {
	var k domain.SigningKey
	var revoked sql.NullTime
	if err := sc.Scan(&k.NetworkID, &k.ID, &k.UserID, &k.Serial, &k.CAGeneration, &k.CertDER, &k.KeySealed,
		&k.NotBefore, &k.NotAfter, &k.CreatedAt, &revoked, &k.RevokedBy, &k.RevokeReason); err != nil {
		return nil, normalize(err)
	}
	k.NotBefore, k.NotAfter, k.CreatedAt, k.RevokedAt = k.NotBefore.UTC(), k.NotAfter.UTC(), k.CreatedAt.UTC(), ut(revoked)
	return &k, nil
}

func (t *Tx) FindSigningKey(ctx context.Context, net, id string) (*domain.SigningKey, error) {
	return scanSigningKey(t.queryRow(ctx, `SELECT `+signingKeyCols+` FROM signing_keys
		WHERE network_id = $1 AND id = $2`, net, id))
}

func (t *Tx) FindSigningKeyBySerial(ctx context.Context, net, serial string) (*domain.SigningKey, error) {
	return scanSigningKey(t.queryRow(ctx, `SELECT `+signingKeyCols+` FROM signing_keys
		WHERE network_id = $1 AND serial = $2`, net, serial))
}

func (t *Tx) signingKeys(ctx context.Context, query string, args ...any) ([]*domain.SigningKey, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.SigningKey
	for rows.Next() {
		k, err := scanSigningKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (t *Tx) FindUserSigningKeys(ctx context.Context, net, userID string) ([]*domain.SigningKey, error) {
	return t.signingKeys(ctx, `SELECT `+signingKeyCols+` FROM signing_keys WHERE network_id = $1 AND user_id = $2
		ORDER BY created_at DESC, id DESC`, net, userID)
}

func (t *Tx) FindRevokedSigningKeys(ctx context.Context, net string, caGeneration int) ([]*domain.SigningKey, error) {
	return t.signingKeys(ctx, `SELECT `+signingKeyCols+` FROM signing_keys
		WHERE network_id = $1 AND ca_generation = $2 AND revoked_at IS NOT NULL
		ORDER BY revoked_at, id`, net, caGeneration)
}

func (t *Tx) RevokeSigningKey(ctx context.Context, net, id string, at time.Time, by, reason string) error {
	return mustAffect(t.exec(ctx, `UPDATE signing_keys SET revoked_at = $3, revoked_by = $4, revoke_reason = $5
		WHERE network_id = $1 AND id = $2 AND revoked_at IS NULL`, net, id, at.UTC(), by, reason))
}
