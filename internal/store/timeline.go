package store

import (
	"context"

	"renraku/internal/domain"
)

// TimelineStore holds the shared timeline (連絡帳): entries, their versions,
// addressees, attachments and read marks. Nothing here rewrites history: an edit
// adds a version (AddEntryVersion) and moves the entry's current text, a deletion
// sets the tombstone; only PurgePersonEntries (sendai §12-3) removes rows.
type TimelineStore interface {
	// CreateEntry stores a new entry with its first version, addressees and
	// attachments (which must exist in the attachments table).
	CreateEntry(ctx context.Context, e *domain.Entry) error
	// FindEntry returns an entry with its addressees and attachments.
	FindEntry(ctx context.Context, net, id string) (*domain.Entry, error)
	// UpdateEntry writes an entry's current state: text and version, tombstone,
	// done mark and updated_at. The text's history is AddEntryVersion's.
	UpdateEntry(ctx context.Context, e *domain.Entry) error
	AddEntryVersion(ctx context.Context, v *domain.EntryVersion) error
	// FindEntryVersions lists an entry's versions, oldest first.
	FindEntryVersions(ctx context.Context, net, entryID string) ([]*domain.EntryVersion, error)
	// FindEntries returns one page of a person's threads, newest first: the first
	// entries the scope permits, of threads where the first entry or a reply the
	// scope permits matches f, and the total count of such threads. The scope
	// becomes SQL: an entry it does not permit is never read.
	FindEntries(ctx context.Context, net, personID string, scope domain.EntryScope, f domain.EntryFilter) ([]*domain.Entry, int, error)
	// FindReplies returns the replies of the threads that the scope permits,
	// oldest first.
	FindReplies(ctx context.Context, net, personID string, threadIDs []string, scope domain.EntryScope) ([]*domain.Entry, error)
	// MarkEntriesRead records that the user read the entries; a first read is kept.
	MarkEntriesRead(ctx context.Context, net string, entryIDs []string, r domain.EntryRead) error
	// FindEntryReads lists who read the entries, by entry and time of first read.
	FindEntryReads(ctx context.Context, net string, entryIDs []string) ([]*domain.EntryRead, error)
	// FindInbox returns the entries addressed to f.UserID or f.OrgID, not deleted,
	// of the people the person scope permits and that the entry scope permits
	// (newest first), with the total count.
	FindInbox(ctx context.Context, net string, people domain.PersonScope, entries domain.EntryScope, f domain.InboxFilter) ([]*domain.InboxItem, int, error)
	// PurgePersonEntries deletes a person's entries with their versions,
	// addressees, read marks and attachment links, and the attachments no other
	// record uses (sendai §12-3). It returns the number of entries deleted.
	PurgePersonEntries(ctx context.Context, net, personID string) (int, error)
}
