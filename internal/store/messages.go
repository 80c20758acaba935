package store

import (
	"context"
	"time"

	"renraku/internal/domain"
)

// MessageStore holds conversations between staff users, their participants and
// messages (fukuoka §14 (3)).
type MessageStore interface {
	CreateConversation(ctx context.Context, c *domain.Conversation) error
	FindConversation(ctx context.Context, net, id string) (*domain.Conversation, error)
	// FindUserConversations lists the conversations the user takes part in (has not
	// left), newest message first, with the user's unread count, and the total
	// count and total unread over all of them (for paging and a badge). A
	// conversation about a person is listed only when scope permits that person: the
	// scope becomes SQL, so that paging holds only what the user may see.
	FindUserConversations(ctx context.Context, net, userID string, scope domain.PersonScope, f domain.ConversationFilter) (
		items []*domain.ConversationItem, total, unread int, err error)
	// AddParticipant adds a user to a conversation; a user who had left takes part
	// again (keeping the read mark).
	AddParticipant(ctx context.Context, p *domain.Participant) error
	// FindParticipants lists every participant, those who left included, in the
	// order they joined.
	FindParticipants(ctx context.Context, net, conversationID string) ([]*domain.Participant, error)
	// LeaveConversation records that the user left; not found when the user does
	// not take part.
	LeaveConversation(ctx context.Context, net, conversationID, userID string, at time.Time) error
	// MarkRead moves the user's read mark forward to seq (never back).
	MarkRead(ctx context.Context, net, conversationID, userID string, seq int64, at time.Time) error
	// CreateMessage appends a message: it sets m.Seq to the conversation's next
	// sequence number and, for a written message, moves the conversation's
	// LastMessageAt to m.CreatedAt.
	CreateMessage(ctx context.Context, m *domain.Message) error
	// FindMessages lists up to limit messages with Seq < beforeSeq (0: from the
	// newest), newest first.
	FindMessages(ctx context.Context, net, conversationID string, beforeSeq int64, limit int) ([]*domain.Message, error)
}
