package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"renraku/internal/domain"
)

const auditCols = `id, network_id, at, actor_user_id, actor_login, actor_org_id, actor_role, action, target_type, target_id,
	person_id, reason, outcome, remote_addr, request_id, detail, mac`

func (t *Tx) InsertAuditEvent(ctx context.Context, e *domain.AuditEvent) error {
	return normalize(t.queryRow(ctx, `INSERT INTO audit_events (network_id, at, actor_user_id, actor_login, actor_org_id,
		actor_role, action, target_type, target_id, person_id, reason, outcome, remote_addr, request_id, detail, mac)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		e.NetworkID, e.At.UTC(), e.ActorUserID, e.ActorLogin, e.ActorOrgID, e.ActorRole, e.Action, e.TargetType,
		e.TargetID, e.PersonID, e.Reason, e.Outcome, e.RemoteAddr, e.RequestID, e.Detail, e.MAC).Scan(&e.ID))
}

func scanAudit(sc interface{ Scan(...any) error }) (*domain.AuditEvent, error) {
	var e domain.AuditEvent
	if err := sc.Scan(&e.ID, &e.NetworkID, &e.At, &e.ActorUserID, &e.ActorLogin, &e.ActorOrgID, &e.ActorRole, &e.Action,
		&e.TargetType, &e.TargetID, &e.PersonID, &e.Reason, &e.Outcome, &e.RemoteAddr, &e.RequestID, &e.Detail, &e.MAC); err != nil {
		return nil, normalize(err)
	}
	e.At = e.At.UTC()
	return &e, nil
}

func (t *Tx) auditList(ctx context.Context, query string, args ...any) ([]*domain.AuditEvent, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.AuditEvent
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *Tx) FindAuditEvents(ctx context.Context, net string, f domain.AuditFilter) ([]*domain.AuditEvent, int, error) {
	where := []string{"network_id = $1"}
	args := []any{net}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.PersonID != "" {
		add("person_id = ?", f.PersonID)
	}
	if f.ActorLogin != "" {
		add("actor_login = ?", f.ActorLogin)
	}
	if f.ActorOrgID != "" {
		add("actor_org_id = ?", f.ActorOrgID)
	}
	if f.Action != "" {
		add(`action LIKE ? || '%' ESCAPE '\'`, likeEscape(f.Action))
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UTC())
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	args = append(args, limit, f.Offset)
	list, err := t.auditList(ctx, `SELECT `+auditCols+` FROM audit_events WHERE `+cond+
		` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	return list, total, err
}

// unsealedWindow bounds the anti-join of UnsealedAuditEvents: only events whose id
// is above (highest sealed id - unsealedWindow) are looked at, so sealing stays
// cheap on a long log. An event that commits late gets an id below ids already
// sealed only while its transaction was open; 100,000 later events is far beyond
// any real transaction. Verify still reports any event left outside the log.
const unsealedWindow = 100000

func (t *Tx) UnsealedAuditEvents(ctx context.Context, net string, limit int) ([]*domain.AuditEvent, error) {
	return t.auditList(ctx, `SELECT `+prefixed("e.", auditCols)+` FROM audit_events e
		WHERE e.network_id = $1
		AND e.id > (SELECT COALESCE(MAX(l.event_id), 0) FROM audit_leaves l WHERE l.network_id = $1) - $3
		AND NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.event_id = e.id)
		ORDER BY e.id LIMIT $2`, net, limit, unsealedWindow)
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func (t *Tx) AuditEventsFrom(ctx context.Context, net string, afterID int64, limit int) ([]*domain.AuditEvent, error) {
	return t.auditList(ctx, `SELECT `+auditCols+` FROM audit_events WHERE network_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		net, afterID, limit)
}

func (t *Tx) InsertAuditLeaves(ctx context.Context, leaves []domain.AuditLeaf) error {
	// One statement per 100 leaves instead of one round trip per leaf.
	for len(leaves) > 0 {
		n := min(len(leaves), 100)
		var b strings.Builder
		b.WriteString(`INSERT INTO audit_leaves (network_id, leaf_index, event_id, leaf_hash) VALUES `)
		args := make([]any, 0, 4*n)
		for i, l := range leaves[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			k := 4 * i
			b.WriteString("($" + strconv.Itoa(k+1) + ", $" + strconv.Itoa(k+2) + ", $" + strconv.Itoa(k+3) + ", $" + strconv.Itoa(k+4) + ")")
			args = append(args, l.NetworkID, l.Index, l.EventID, l.Hash)
		}
		if _, err := t.exec(ctx, b.String(), args...); err != nil {
			return err
		}
		leaves = leaves[n:]
	}
	return nil
}

func (t *Tx) AuditLeaves(ctx context.Context, net string, from int64, limit int) ([]domain.AuditLeaf, error) {
	rows, err := t.query(ctx, `SELECT network_id, leaf_index, event_id, leaf_hash FROM audit_leaves
		WHERE network_id = $1 AND leaf_index >= $2 ORDER BY leaf_index LIMIT $3`, net, from, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.AuditLeaf
	for rows.Next() {
		var l domain.AuditLeaf
		if err := rows.Scan(&l.NetworkID, &l.Index, &l.EventID, &l.Hash); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (t *Tx) AuditTreeSize(ctx context.Context, net string) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM audit_leaves WHERE network_id = $1`, net).Scan(&n)
	return n, err
}

func (t *Tx) InsertAuditCheckpoint(ctx context.Context, c *domain.AuditCheckpoint) error {
	_, err := t.exec(ctx, `INSERT INTO audit_checkpoints (network_id, tree_size, root_hash, note, created_at) VALUES ($1, $2, $3, $4, $5)`,
		c.NetworkID, c.TreeSize, c.RootHash, c.Note, c.CreatedAt.UTC())
	return err
}

func (t *Tx) auditCheckpoints(ctx context.Context, query string, args ...any) ([]*domain.AuditCheckpoint, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.AuditCheckpoint
	for rows.Next() {
		var c domain.AuditCheckpoint
		if err := rows.Scan(&c.NetworkID, &c.TreeSize, &c.RootHash, &c.Note, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, &c)
	}
	return out, rows.Err()
}

func (t *Tx) AuditCheckpoints(ctx context.Context, net string) ([]*domain.AuditCheckpoint, error) {
	return t.auditCheckpoints(ctx, `SELECT network_id, tree_size, root_hash, note, created_at FROM audit_checkpoints
		WHERE network_id = $1 ORDER BY tree_size`, net)
}

func (t *Tx) LatestAuditCheckpoint(ctx context.Context, net string) (*domain.AuditCheckpoint, error) {
	cs, err := t.auditCheckpoints(ctx, `SELECT network_id, tree_size, root_hash, note, created_at FROM audit_checkpoints
		WHERE network_id = $1 ORDER BY tree_size DESC LIMIT 1`, net)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, domain.ErrNotFound
	}
	return cs[0], nil
}

func (t *Tx) AuditNetworks(ctx context.Context) ([]string, error) {
	// Every event belongs to a network (a network's first event is its creation),
	// so the small networks table answers this without scanning the log.
	rows, err := t.query(ctx, `SELECT id FROM networks ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
