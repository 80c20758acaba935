package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"renraku/internal/domain"
)

const boardCols = `network_id, id, kind, title, body, pinned, audience_org_types, audience_roles, audience_occupations,
	starts_at, ends_at, urgent, status, version, author_id, author_name, created_at, updated_at, updated_by,
	withdrawn_at, withdrawn_by, withdraw_reason`

// Audience dimensions of board_audience.
const (
	dimOrgType    = "org_type"
	dimRole       = "role"
	dimOccupation = "occupation"
)

func boardJSONList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func (t *Tx) CreateBoardPost(ctx context.Context, p *domain.BoardPost) error {
	_, err := t.exec(ctx, `INSERT INTO board_posts (`+boardCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
		$13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
		p.NetworkID, p.ID, string(p.Kind), p.Title, p.Body, p.Pinned, boardJSONList(p.Audience.OrgTypes), boardJSONList(p.Audience.Roles),
		boardJSONList(p.Audience.Occupations), nt(p.StartsAt), nt(p.EndsAt), p.Urgent, string(p.Status), p.Version, p.AuthorID,
		p.AuthorName, p.CreatedAt.UTC(), p.UpdatedAt.UTC(), p.UpdatedBy, nt(p.WithdrawnAt), p.WithdrawnBy, p.WithdrawReason)
	if err != nil {
		return err
	}
	return t.insertAudience(ctx, p)
}

func (t *Tx) insertAudience(ctx context.Context, p *domain.BoardPost) error {
	for _, d := range []struct {
		dim  string
		vals []string
	}{{dimOrgType, p.Audience.OrgTypes}, {dimRole, p.Audience.Roles}, {dimOccupation, p.Audience.Occupations}} {
		seen := map[string]bool{}
		for _, v := range d.vals {
			if seen[v] {
				continue
			}
			seen[v] = true
			if _, err := t.exec(ctx, `INSERT INTO board_audience (network_id, post_id, dim, value) VALUES ($1, $2, $3, $4)`,
				p.NetworkID, p.ID, d.dim, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func scanBoardPost(sc interface{ Scan(...any) error }, extra ...any) (*domain.BoardPost, error) {
	var p domain.BoardPost
	var kind, status, orgTypes, roles, occs string
	var starts, ends, withdrawn sql.NullTime
	dest := []any{&p.NetworkID, &p.ID, &kind, &p.Title, &p.Body, &p.Pinned, &orgTypes, &roles, &occs,
		&starts, &ends, &p.Urgent, &status, &p.Version, &p.AuthorID, &p.AuthorName, &p.CreatedAt, &p.UpdatedAt, &p.UpdatedBy,
		&withdrawn, &p.WithdrawnBy, &p.WithdrawReason}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	p.Kind, p.Status = domain.BoardKind(kind), domain.BoardStatus(status)
	p.StartsAt, p.EndsAt, p.WithdrawnAt = ut(starts), ut(ends), ut(withdrawn)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	for _, x := range []struct {
		s   string
		dst *[]string
	}{{orgTypes, &p.Audience.OrgTypes}, {roles, &p.Audience.Roles}, {occs, &p.Audience.Occupations}} {
		if err := json.Unmarshal([]byte(x.s), x.dst); err != nil {
			return nil, err
		}
		if len(*x.dst) == 0 {
			*x.dst = nil
		}
	}
	return &p, nil
}

func (t *Tx) FindBoardPost(ctx context.Context, net, id string) (*domain.BoardPost, error) {
	p, err := scanBoardPost(t.queryRow(ctx, `SELECT `+boardCols+` FROM board_posts WHERE network_id = $1 AND id = $2`, net, id))
	if err != nil {
		return nil, normalize(err)
	}
	return p, nil
}

func (t *Tx) UpdateBoardPost(ctx context.Context, p *domain.BoardPost) error {
	err := mustAffect(t.exec(ctx, `UPDATE board_posts SET kind = $3, title = $4, body = $5, pinned = $6, audience_org_types = $7,
		audience_roles = $8, audience_occupations = $9, starts_at = $10, ends_at = $11, urgent = $12, status = $13, version = $14,
		updated_at = $15, updated_by = $16, withdrawn_at = $17, withdrawn_by = $18, withdraw_reason = $19
		WHERE network_id = $1 AND id = $2`,
		p.NetworkID, p.ID, string(p.Kind), p.Title, p.Body, p.Pinned, boardJSONList(p.Audience.OrgTypes), boardJSONList(p.Audience.Roles),
		boardJSONList(p.Audience.Occupations), nt(p.StartsAt), nt(p.EndsAt), p.Urgent, string(p.Status), p.Version,
		p.UpdatedAt.UTC(), p.UpdatedBy, nt(p.WithdrawnAt), p.WithdrawnBy, p.WithdrawReason))
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM board_audience WHERE network_id = $1 AND post_id = $2`, p.NetworkID, p.ID); err != nil {
		return err
	}
	return t.insertAudience(ctx, p)
}

const (
	boardPageDefault = 50
	boardPageMax     = 200
)

func (t *Tx) FindBoardPosts(ctx context.Context, net string, scope domain.BoardScope, f domain.BoardFilter) ([]*domain.BoardPost, int, error) {
	args := []any{net}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"p.network_id = $1"}
	if !scope.All {
		// A user sees published posts whose audience they are in: for each
		// dimension, the post does not narrow it or names the user's value.
		where = append(where, "p.status = 'published'")
		for _, d := range []struct{ dim, val string }{
			{dimOrgType, scope.OrgType}, {dimRole, string(scope.Role)}, {dimOccupation, scope.Occupation},
		} {
			dim := arg(d.dim)
			narrowed := `EXISTS (SELECT 1 FROM board_audience a WHERE a.network_id = p.network_id AND a.post_id = p.id AND a.dim = ` + dim
			if d.val == "" {
				where = append(where, `NOT `+narrowed+`)`)
				continue
			}
			where = append(where, `(NOT `+narrowed+`) OR `+narrowed+` AND a.value = `+arg(d.val)+`))`)
		}
	}
	if !f.MaintenanceAfter.IsZero() {
		where = append(where, "p.kind = 'maintenance' AND p.ends_at > "+arg(f.MaintenanceAfter.UTC()))
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM board_posts p WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, normalize(err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = boardPageDefault
	}
	limit = min(limit, boardPageMax)
	cols := prefixed("p.", boardCols)
	from := ` FROM board_posts p`
	if f.Viewer != "" {
		cols += `, r.read_at, r.version`
		from += ` LEFT JOIN board_reads r ON r.network_id = p.network_id AND r.post_id = p.id AND r.user_id = ` + arg(f.Viewer)
	}
	order := ` ORDER BY p.pinned DESC, p.created_at DESC, p.id`
	if !f.MaintenanceAfter.IsZero() {
		order = ` ORDER BY p.starts_at, p.id` // the banner: the nearest window first
	}
	rows, err := t.query(ctx, `SELECT `+cols+from+` WHERE `+cond+order+` LIMIT `+arg(limit)+` OFFSET `+arg(max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	defer rows.Close()
	var out []*domain.BoardPost
	for rows.Next() {
		var readAt sql.NullTime
		var readVersion sql.NullInt64
		var extra []any
		if f.Viewer != "" {
			extra = []any{&readAt, &readVersion}
		}
		p, err := scanBoardPost(rows, extra...)
		if err != nil {
			return nil, 0, err
		}
		p.ReadAt, p.ReadVersion = ut(readAt), int(readVersion.Int64)
		out = append(out, p)
	}
	return out, total, rows.Err()
}

func (t *Tx) MarkBoardRead(ctx context.Context, net, postID, userID string, version int, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO board_reads (network_id, post_id, user_id, version, read_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (network_id, post_id, user_id) DO UPDATE SET version = excluded.version, read_at = excluded.read_at
		WHERE board_reads.version < excluded.version`, net, postID, userID, version, at.UTC())
	return err
}

func (t *Tx) FindBoardReads(ctx context.Context, net, postID string) ([]domain.BoardRead, error) {
	rows, err := t.query(ctx, `SELECT r.user_id, u.display_name, u.role, u.org_id, COALESCE(o.name, ''), r.read_at, r.version
		FROM board_reads r JOIN users u ON u.network_id = r.network_id AND u.id = r.user_id
		LEFT JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id
		WHERE r.network_id = $1 AND r.post_id = $2 ORDER BY r.read_at, r.user_id`, net, postID)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []domain.BoardRead
	for rows.Next() {
		var r domain.BoardRead
		var role string
		if err := rows.Scan(&r.UserID, &r.DisplayName, &role, &r.OrgID, &r.OrgName, &r.ReadAt, &r.Version); err != nil {
			return nil, err
		}
		r.Role, r.ReadAt = domain.Role(role), r.ReadAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *Tx) BoardAudienceUsers(ctx context.Context, net string, a domain.BoardAudience) ([]string, error) {
	args := []any{net}
	in := func(col string, vals []string) string {
		ph := make([]string, len(vals))
		for i, v := range vals {
			args = append(args, v)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		return col + ` IN (` + strings.Join(ph, ", ") + `)`
	}
	where := []string{`u.network_id = $1`, `u.status = 'active'`, `(u.org_id = '' OR o.status = 'active')`}
	if len(a.OrgTypes) > 0 {
		where = append(where, in("o.type", a.OrgTypes))
	}
	if len(a.Roles) > 0 {
		where = append(where, in("u.role", a.Roles))
	}
	if len(a.Occupations) > 0 {
		where = append(where, in("u.occupation", a.Occupations))
	}
	return t.boardStrings(ctx, `SELECT u.id FROM users u LEFT JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY u.id`, args...)
}

// ids runs a query of one text column.
func (t *Tx) boardStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, normalize(err)
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
