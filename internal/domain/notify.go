package domain

import "time"

// Notification is an in-app notice to one user that something new is waiting:
// a kind and a link, never the content (the linked page decides what the user
// may see when it is opened).
type Notification struct {
	NetworkID string
	ID        string
	UserID    string
	Kind      string
	Link      string
	CreatedAt time.Time
	ReadAt    time.Time
}

// MailState is one user's e-mail notification state: whether they want mail, and
// the outbox of the one mail owed to them ("something new is waiting").
type MailState struct {
	NetworkID string
	UserID    string
	EmailOn   bool
	// PendingSince: a mail is owed since then (zero: none owed). QueuedSeq counts
	// the notifications queued, so that a mail sent while another arrives does not
	// swallow the newer one.
	PendingSince time.Time
	QueuedSeq    int64
	Attempts     int
	NextAttempt  time.Time // earliest next try (backoff, or the rate limit after a send)
	LastSentAt   time.Time
	LastError    string
	UpdatedAt    time.Time
}
