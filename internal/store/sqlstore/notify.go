package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"renraku/internal/domain"
)

// placeholders binds vals after args and returns "$n, $n+1, ...".
func placeholders(args *[]any, vals []string) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		*args = append(*args, v)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(ph, ", ")
}

func (t *Tx) ActiveUserIDs(ctx context.Context, net string, userIDs, orgIDs []string) ([]string, error) {
	if len(userIDs) == 0 && len(orgIDs) == 0 {
		return nil, nil
	}
	args := []any{net}
	var or []string
	if len(userIDs) > 0 {
		or = append(or, `u.id IN (`+placeholders(&args, userIDs)+`)`)
	}
	if len(orgIDs) > 0 {
		or = append(or, `u.org_id IN (`+placeholders(&args, orgIDs)+`)`)
	}
	return t.boardStrings(ctx, `SELECT u.id FROM users u LEFT JOIN organizations o ON o.network_id = u.network_id AND o.id = u.org_id
		WHERE u.network_id = $1 AND u.status = 'active' AND (u.org_id = '' OR o.status = 'active') AND (`+strings.Join(or, " OR ")+`)
		ORDER BY u.id`, args...)
}

const notificationCols = `network_id, id, user_id, kind, link, created_at, read_at`

// CreateNotifications inserts 100 rows to a statement: a post to the whole
// network notifies everyone.
func (t *Tx) CreateNotifications(ctx context.Context, ns []*domain.Notification) error {
	const cols = 7
	for len(ns) > 0 {
		n := min(len(ns), 100)
		var b strings.Builder
		b.WriteString(`INSERT INTO notifications (` + notificationCols + `) VALUES `)
		args := make([]any, 0, cols*n)
		for i, x := range ns[:n] {
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
			args = append(args, x.NetworkID, x.ID, x.UserID, x.Kind, x.Link, x.CreatedAt.UTC(), nt(x.ReadAt))
		}
		if _, err := t.exec(ctx, b.String(), args...); err != nil {
			return err
		}
		ns = ns[n:]
	}
	return nil
}

func scanNotification(sc interface{ Scan(...any) error }) (*domain.Notification, error) {
	var n domain.Notification
	var read sql.NullTime
	if err := sc.Scan(&n.NetworkID, &n.ID, &n.UserID, &n.Kind, &n.Link, &n.CreatedAt, &read); err != nil {
		return nil, err
	}
	n.CreatedAt, n.ReadAt = n.CreatedAt.UTC(), ut(read)
	return &n, nil
}

func (t *Tx) FindNotification(ctx context.Context, net, userID, id string) (*domain.Notification, error) {
	n, err := scanNotification(t.queryRow(ctx, `SELECT `+notificationCols+` FROM notifications
		WHERE network_id = $1 AND user_id = $2 AND id = $3`, net, userID, id))
	if err != nil {
		return nil, normalize(err)
	}
	return n, nil
}

func (t *Tx) FindNotifications(ctx context.Context, net, userID string, unreadOnly bool, limit, offset int) ([]*domain.Notification, error) {
	q := `SELECT ` + notificationCols + ` FROM notifications WHERE network_id = $1 AND user_id = $2`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := t.query(ctx, q+` ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`, net, userID, limit, max(offset, 0))
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []*domain.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (t *Tx) CountUnreadNotifications(ctx context.Context, net, userID string) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE network_id = $1 AND user_id = $2 AND read_at IS NULL`,
		net, userID).Scan(&n)
	return n, normalize(err)
}

func (t *Tx) MarkNotificationsRead(ctx context.Context, net, userID string, ids []string, at time.Time) (int, error) {
	args := []any{net, userID, at.UTC()}
	q := `UPDATE notifications SET read_at = $3 WHERE network_id = $1 AND user_id = $2 AND read_at IS NULL`
	if ids != nil {
		if len(ids) == 0 {
			return 0, nil
		}
		q += ` AND id IN (` + placeholders(&args, ids) + `)`
	}
	return affected(t.exec(ctx, q, args...))
}

func (t *Tx) MarkNotificationsReadByLink(ctx context.Context, net, userID, link string, at time.Time) (int, error) {
	return affected(t.exec(ctx, `UPDATE notifications SET read_at = $4 WHERE network_id = $1 AND user_id = $2 AND link = $3
		AND read_at IS NULL`, net, userID, link, at.UTC()))
}

func affected(r sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

const mailCols = `network_id, user_id, email_on, pending_since, queued_seq, attempts, next_attempt_at, last_sent_at, last_error, updated_at`

func scanMailState(sc interface{ Scan(...any) error }) (*domain.MailState, error) {
	var m domain.MailState
	var pending, next, sent sql.NullTime
	if err := sc.Scan(&m.NetworkID, &m.UserID, &m.EmailOn, &pending, &m.QueuedSeq, &m.Attempts, &next, &sent, &m.LastError,
		&m.UpdatedAt); err != nil {
		return nil, err
	}
	m.PendingSince, m.NextAttempt, m.LastSentAt, m.UpdatedAt = ut(pending), ut(next), ut(sent), m.UpdatedAt.UTC()
	return &m, nil
}

func (t *Tx) FindMailState(ctx context.Context, net, userID string) (*domain.MailState, error) {
	m, err := scanMailState(t.queryRow(ctx, `SELECT `+mailCols+` FROM notify_mail WHERE network_id = $1 AND user_id = $2`, net, userID))
	if err != nil {
		return nil, normalize(err)
	}
	return m, nil
}

func (t *Tx) SetMailEnabled(ctx context.Context, net, userID string, on bool, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO notify_mail (network_id, user_id, email_on, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (network_id, user_id) DO UPDATE SET email_on = excluded.email_on, updated_at = excluded.updated_at,
		pending_since = CASE WHEN excluded.email_on THEN notify_mail.pending_since ELSE NULL END,
		attempts = CASE WHEN excluded.email_on THEN notify_mail.attempts ELSE 0 END`, net, userID, on, at.UTC())
	return err
}

func (t *Tx) QueueMail(ctx context.Context, net string, userIDs []string, at time.Time) error {
	for len(userIDs) > 0 {
		n := min(len(userIDs), 500)
		args := []any{net, at.UTC()}
		q := `UPDATE notify_mail SET pending_since = COALESCE(pending_since, $2), queued_seq = queued_seq + 1
			WHERE network_id = $1 AND email_on AND user_id IN (` + placeholders(&args, userIDs[:n]) + `)`
		if _, err := t.exec(ctx, q, args...); err != nil {
			return err
		}
		userIDs = userIDs[n:]
	}
	return nil
}

func (t *Tx) DueMail(ctx context.Context, net string, now time.Time, limit int) ([]*domain.MailState, error) {
	rows, err := t.query(ctx, `SELECT `+mailCols+` FROM notify_mail WHERE network_id = $1 AND email_on
		AND pending_since IS NOT NULL AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
		ORDER BY pending_since, user_id LIMIT $3`, net, now.UTC(), limit)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []*domain.MailState
	for rows.Next() {
		m, err := scanMailState(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (t *Tx) MailDone(ctx context.Context, net, userID string, seq int64, sentAt, next time.Time) error {
	return mustAffect(t.exec(ctx, `UPDATE notify_mail SET
		pending_since = CASE WHEN queued_seq = $3 THEN NULL ELSE pending_since END,
		attempts = 0, last_error = '', next_attempt_at = $4, last_sent_at = COALESCE($5, last_sent_at)
		WHERE network_id = $1 AND user_id = $2`, net, userID, seq, nt(next), nt(sentAt)))
}

func (t *Tx) MailFailed(ctx context.Context, net, userID string, attempts int, next time.Time, errText string) error {
	if len(errText) > 500 {
		errText = strings.ToValidUTF8(errText[:500], "")
	}
	return mustAffect(t.exec(ctx, `UPDATE notify_mail SET attempts = $3, next_attempt_at = $4, last_error = $5
		WHERE network_id = $1 AND user_id = $2`, net, userID, attempts, next.UTC(), errText))
}
