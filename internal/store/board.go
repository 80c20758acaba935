package store

import (
	"context"
	"time"

	"renraku/internal/domain"
)

// BoardStore holds the electronic bulletin board (beppu §8 (2), fukuoka §14 (2))
// and, with NotifyStore, the notifications it and other capabilities send.
type BoardStore interface {
	// CreateBoardPost stores a post and its audience.
	CreateBoardPost(ctx context.Context, p *domain.BoardPost) error
	FindBoardPost(ctx context.Context, net, id string) (*domain.BoardPost, error)
	// UpdateBoardPost stores an edit or a withdrawal, replacing the audience.
	UpdateBoardPost(ctx context.Context, p *domain.BoardPost) error
	// FindBoardPosts lists the posts the scope permits, pinned first, then newest
	// first, with the total count of permitted matches (for paging). The scope
	// becomes SQL: a post outside it is never read.
	FindBoardPosts(ctx context.Context, net string, scope domain.BoardScope, f domain.BoardFilter) ([]*domain.BoardPost, int, error)
	// MarkBoardRead records that a user opened a post at a version. The time of
	// the first read of each version is kept.
	MarkBoardRead(ctx context.Context, net, postID, userID string, version int, at time.Time) error
	// FindBoardReads lists a post's read marks with who the readers are, first read first.
	FindBoardReads(ctx context.Context, net, postID string) ([]domain.BoardRead, error)
	// BoardAudienceUsers lists the IDs of the active users (of active
	// organizations) in an audience.
	BoardAudienceUsers(ctx context.Context, net string, a domain.BoardAudience) ([]string, error)
	NotifyStore
}

// NotifyStore holds in-app notifications and the e-mail outbox.
type NotifyStore interface {
	// ActiveUserIDs returns, without duplicates, the active users among userIDs
	// and the active users of the active organizations among orgIDs.
	ActiveUserIDs(ctx context.Context, net string, userIDs, orgIDs []string) ([]string, error)
	CreateNotifications(ctx context.Context, ns []*domain.Notification) error
	FindNotification(ctx context.Context, net, userID, id string) (*domain.Notification, error)
	// FindNotifications lists a user's notifications, newest first.
	FindNotifications(ctx context.Context, net, userID string, unreadOnly bool, limit, offset int) ([]*domain.Notification, error)
	CountUnreadNotifications(ctx context.Context, net, userID string) (int, error)
	// MarkNotificationsRead marks the user's unread notifications with the IDs
	// (all of them when ids is nil) read, and returns how many it marked.
	MarkNotificationsRead(ctx context.Context, net, userID string, ids []string, at time.Time) (int, error)
	// MarkNotificationsReadByLink marks the user's unread notifications of a link
	// read (opening the thing marks its notices read).
	MarkNotificationsReadByLink(ctx context.Context, net, userID, link string, at time.Time) (int, error)

	// FindMailState returns a user's e-mail state; ENOTFOUND when they never chose.
	FindMailState(ctx context.Context, net, userID string) (*domain.MailState, error)
	// SetMailEnabled records a user's choice of e-mail notifications. Turning
	// them off drops a mail owed.
	SetMailEnabled(ctx context.Context, net, userID string, on bool, at time.Time) error
	// QueueMail owes a mail to each of the users who chose e-mail (one mail at a
	// time per user, however many notifications arrive).
	QueueMail(ctx context.Context, net string, userIDs []string, at time.Time) error
	// DueMail lists up to limit owed mails whose next attempt is due at now,
	// oldest first.
	DueMail(ctx context.Context, net string, now time.Time, limit int) ([]*domain.MailState, error)
	// MailDone settles the mail owed as of seq (a sent mail, or one dropped because
	// the user can no longer receive it: sentAt zero): nothing is owed unless
	// another notification was queued after seq; no mail before next.
	MailDone(ctx context.Context, net, userID string, seq int64, sentAt, next time.Time) error
	// MailFailed records a failed attempt and when to try again.
	MailFailed(ctx context.Context, net, userID string, attempts int, next time.Time, errText string) error
}
