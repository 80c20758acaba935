package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"renraku/internal/domain"
)

const sessionCols = `network_id, id, user_id, token_hash, kind, stage, created_at, last_seen_at, expires_at, idle_until,
	user_agent, remote_addr, revoked_at`

func (t *Tx) CreateSession(ctx context.Context, s *domain.Session) error {
	_, err := t.exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		s.NetworkID, s.ID, s.UserID, s.TokenHash, s.Kind, string(s.Stage), s.CreatedAt.UTC(), s.LastSeenAt.UTC(),
		s.ExpiresAt.UTC(), s.IdleUntil.UTC(), s.UserAgent, s.RemoteAddr, nt(s.RevokedAt))
	return err
}

func scanSession(sc interface{ Scan(...any) error }) (*domain.Session, error) {
	var s domain.Session
	var stage string
	var revoked sql.NullTime
	if err := sc.Scan(&s.NetworkID, &s.ID, &s.UserID, &s.TokenHash, &s.Kind, &stage, &s.CreatedAt, &s.LastSeenAt,
		&s.ExpiresAt, &s.IdleUntil, &s.UserAgent, &s.RemoteAddr, &revoked); err != nil {
		return nil, normalize(err)
	}
	s.Stage = domain.SessionStage(stage)
	s.RevokedAt = ut(revoked)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.IdleUntil = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC(), s.IdleUntil.UTC()
	return &s, nil
}

func (t *Tx) FindSessionByToken(ctx context.Context, net, tokenHash string) (*domain.Session, error) {
	return scanSession(t.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE network_id = $1 AND token_hash = $2`, net, tokenHash))
}

func (t *Tx) FindUserSessions(ctx context.Context, net, userID string, now time.Time) ([]*domain.Session, error) {
	rows, err := t.query(ctx, `SELECT `+sessionCols+` FROM sessions WHERE network_id = $1 AND user_id = $2
		AND revoked_at IS NULL AND expires_at > $3 AND idle_until > $3 ORDER BY last_seen_at DESC`, net, userID, now.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (t *Tx) UpdateSession(ctx context.Context, s *domain.Session) error {
	return mustAffect(t.exec(ctx, `UPDATE sessions SET stage = $3, last_seen_at = $4, idle_until = $5, revoked_at = $6
		WHERE network_id = $1 AND id = $2`, s.NetworkID, s.ID, string(s.Stage), s.LastSeenAt.UTC(), s.IdleUntil.UTC(), nt(s.RevokedAt)))
}

func (t *Tx) RevokeSession(ctx context.Context, net, id string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE sessions SET revoked_at = $3 WHERE network_id = $1 AND id = $2 AND revoked_at IS NULL`, net, id, at.UTC())
	return err
}

func (t *Tx) RevokeUserSessions(ctx context.Context, net, userID string, at time.Time) (int, error) {
	r, err := t.exec(ctx, `UPDATE sessions SET revoked_at = $3 WHERE network_id = $1 AND user_id = $2 AND revoked_at IS NULL`, net, userID, at.UTC())
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}
