package domain

import "time"

// Messages between staff users (業務利用者同士の情報交換機能, fukuoka §14 (3)): direct
// and small-group conversations within one network, optionally about one person.

// Message kinds: what staff wrote, and the notes the conversation keeps of who
// joined and who left (so that everyone sees who could read what).
const (
	MessageText  = "text"
	MessageAdded = "added" // Body: the IDs of the users added, separated by spaces
	MessageLeft  = "left"
)

// Conversation is a thread of messages among a few users of one network.
type Conversation struct {
	NetworkID string
	ID        string
	Subject   string // "" for an untitled (usually direct) conversation
	// PersonID is the person the conversation is about, "" when none: then the
	// policy on that person applies to every participant.
	PersonID      string
	CreatedBy     string
	CreatedAt     time.Time
	LastMessageAt time.Time // of the newest written message: the list's order
	LastSeq       int64     // the sequence number of the newest message
}

// Participant is a user's place in a conversation.
type Participant struct {
	NetworkID      string
	ConversationID string
	UserID         string
	AddedBy        string
	JoinedAt       time.Time
	LeftAt         time.Time // zero while the user takes part
	ReadSeq        int64     // the newest message the user has read (read marks)
	ReadAt         time.Time // when the user last read the conversation
}

// Message is one message of a conversation; messages are never changed.
type Message struct {
	NetworkID      string
	ConversationID string
	ID             string
	Seq            int64 // 1, 2, 3, … within the conversation, set by the store
	AuthorID       string
	AuthorOrg      string
	Kind           string
	Body           string
	CreatedAt      time.Time
}

// ConversationItem is a conversation on a user's list, with what that user has
// not read yet.
type ConversationItem struct {
	Conversation
	ReadSeq int64
	Unread  int // written messages of others newer than ReadSeq
}

// ConversationFilter pages a user's conversation list.
type ConversationFilter struct {
	Limit  int
	Offset int
}
