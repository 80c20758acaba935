package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"renraku/internal/domain"
)

const conversationCols = `network_id, id, subject, person_id, created_by, created_at, last_message_at, last_seq`

func (t *Tx) CreateConversation(ctx context.Context, c *domain.Conversation) error {
	_, err := t.exec(ctx, `INSERT INTO conversations (`+conversationCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.NetworkID, c.ID, c.Subject, c.PersonID, c.CreatedBy, c.CreatedAt.UTC(), c.LastMessageAt.UTC(), c.LastSeq)
	return err
}

func scanConversation(sc interface{ Scan(...any) error }, extra ...any) (*domain.Conversation, error) {
	var c domain.Conversation
	dst := append([]any{&c.NetworkID, &c.ID, &c.Subject, &c.PersonID, &c.CreatedBy, &c.CreatedAt, &c.LastMessageAt, &c.LastSeq}, extra...)
	if err := sc.Scan(dst...); err != nil {
		return nil, normalize(err)
	}
	c.CreatedAt, c.LastMessageAt = c.CreatedAt.UTC(), c.LastMessageAt.UTC()
	return &c, nil
}

func (t *Tx) FindConversation(ctx context.Context, net, id string) (*domain.Conversation, error) {
	return scanConversation(t.queryRow(ctx, `SELECT `+conversationCols+` FROM conversations WHERE network_id = $1 AND id = $2`, net, id))
}

// FindUserConversations: the user's rows of conversation_participants are the
// small side; a conversation about a person joins only when the scope permits the
// person (the same condition as FindPeople's), so that the page and its counts
// hold what the user may see.
func (t *Tx) FindUserConversations(ctx context.Context, net, userID string, scope domain.PersonScope, f domain.ConversationFilter) (
	[]*domain.ConversationItem, int, int, error) {
	args := []any{net, userID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	cond := `cp.network_id = $1 AND cp.user_id = $2 AND cp.left_at IS NULL`
	if !scope.All {
		perm, err := permitted(scope, arg)
		if err != nil {
			return nil, 0, 0, err
		}
		if perm == "" {
			cond += ` AND c.person_id = ''`
		} else {
			cond += ` AND (c.person_id = '' OR c.person_id IN (SELECT p.id FROM people p WHERE p.network_id = $1 AND ` + perm + `))`
		}
	}
	// Unread: messages others wrote after the user's read mark; the notes of who
	// joined and left are not counted.
	unread := `(SELECT COUNT(*) FROM messages m WHERE m.network_id = c.network_id AND m.conversation_id = c.id
		AND m.seq > cp.read_seq AND m.kind = 'text' AND m.author_id <> cp.user_id)`
	from := ` FROM conversation_participants cp JOIN conversations c ON c.network_id = cp.network_id AND c.id = cp.conversation_id WHERE ` + cond

	var total, unreadTotal int
	if err := t.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(x.unread), 0) FROM (SELECT `+unread+` AS unread`+from+`) x`,
		args...).Scan(&total, &unreadTotal); err != nil {
		return nil, 0, 0, normalize(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := t.query(ctx, `SELECT `+prefixed("c.", conversationCols)+`, cp.read_seq, `+unread+from+
		` ORDER BY c.last_message_at DESC, c.id DESC LIMIT `+arg(limit)+` OFFSET `+arg(max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	var out []*domain.ConversationItem
	for rows.Next() {
		var it domain.ConversationItem
		c, err := scanConversation(rows, &it.ReadSeq, &it.Unread)
		if err != nil {
			return nil, 0, 0, err
		}
		it.Conversation = *c
		out = append(out, &it)
	}
	return out, total, unreadTotal, rows.Err()
}

const participantCols = `network_id, conversation_id, user_id, added_by, joined_at, left_at, read_seq, read_at`

// AddParticipant: one who left and is added again takes part again, under the
// new adder and from the new time; the read mark stays.
func (t *Tx) AddParticipant(ctx context.Context, p *domain.Participant) error {
	_, err := t.exec(ctx, `INSERT INTO conversation_participants (`+participantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (network_id, conversation_id, user_id) DO UPDATE SET added_by = excluded.added_by,
		joined_at = excluded.joined_at, left_at = NULL`,
		p.NetworkID, p.ConversationID, p.UserID, p.AddedBy, p.JoinedAt.UTC(), nt(p.LeftAt), p.ReadSeq, nt(p.ReadAt))
	return err
}

func (t *Tx) FindParticipants(ctx context.Context, net, conversationID string) ([]*domain.Participant, error) {
	rows, err := t.query(ctx, `SELECT `+participantCols+` FROM conversation_participants
		WHERE network_id = $1 AND conversation_id = $2 ORDER BY joined_at, user_id`, net, conversationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Participant
	for rows.Next() {
		var p domain.Participant
		var left, read sql.NullTime
		if err := rows.Scan(&p.NetworkID, &p.ConversationID, &p.UserID, &p.AddedBy, &p.JoinedAt, &left, &p.ReadSeq, &read); err != nil {
			return nil, normalize(err)
		}
		p.JoinedAt, p.LeftAt, p.ReadAt = p.JoinedAt.UTC(), ut(left), ut(read)
		out = append(out, &p)
	}
	return out, rows.Err()
}

func (t *Tx) LeaveConversation(ctx context.Context, net, conversationID, userID string, at time.Time) error {
	return mustAffect(t.exec(ctx, `UPDATE conversation_participants SET left_at = $4
		WHERE network_id = $1 AND conversation_id = $2 AND user_id = $3 AND left_at IS NULL`, net, conversationID, userID, at.UTC()))
}

func (t *Tx) MarkRead(ctx context.Context, net, conversationID, userID string, seq int64, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE conversation_participants SET read_seq = $4, read_at = $5
		WHERE network_id = $1 AND conversation_id = $2 AND user_id = $3 AND read_seq < $4`, net, conversationID, userID, seq, at.UTC())
	return err
}

const messageCols = `network_id, conversation_id, id, seq, author_id, author_org, kind, body, created_at`

// CreateMessage takes the next sequence number by updating the conversation row,
// which also locks it until the transaction ends: two messages written at once
// get distinct, gap-free numbers on both databases.
func (t *Tx) CreateMessage(ctx context.Context, m *domain.Message) error {
	var seq int64
	if err := t.queryRow(ctx, `UPDATE conversations SET last_seq = last_seq + 1 WHERE network_id = $1 AND id = $2
		RETURNING last_seq`, m.NetworkID, m.ConversationID).Scan(&seq); err != nil {
		return normalize(err)
	}
	m.Seq = seq
	if m.Kind == domain.MessageText {
		if _, err := t.exec(ctx, `UPDATE conversations SET last_message_at = $3 WHERE network_id = $1 AND id = $2`,
			m.NetworkID, m.ConversationID, m.CreatedAt.UTC()); err != nil {
			return err
		}
	}
	_, err := t.exec(ctx, `INSERT INTO messages (`+messageCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		m.NetworkID, m.ConversationID, m.ID, m.Seq, m.AuthorID, m.AuthorOrg, m.Kind, m.Body, m.CreatedAt.UTC())
	return err
}

func (t *Tx) FindMessages(ctx context.Context, net, conversationID string, beforeSeq int64, limit int) ([]*domain.Message, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := t.query(ctx, `SELECT `+messageCols+` FROM messages WHERE network_id = $1 AND conversation_id = $2
		AND (CAST($3 AS BIGINT) = 0 OR seq < $3) ORDER BY seq DESC LIMIT $4`, net, conversationID, beforeSeq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Message
	for rows.Next() {
		var m domain.Message
		if err := rows.Scan(&m.NetworkID, &m.ConversationID, &m.ID, &m.Seq, &m.AuthorID, &m.AuthorOrg, &m.Kind, &m.Body, &m.CreatedAt); err != nil {
			return nil, normalize(err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, &m)
	}
	return out, rows.Err()
}
