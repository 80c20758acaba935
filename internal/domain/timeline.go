package domain

import "time"

// Addressee kinds: an entry may be addressed to organizations and to users.
const (
	AddresseeOrg  = "org"
	AddresseeUser = "user"
)

// Addressee names an organization or a user an entry is addressed to.
type Addressee struct {
	Kind string // AddresseeOrg or AddresseeUser
	ID   string
}

// Entry is one entry of a person's shared timeline (連絡帳, SPEC §5). It is
// reference information, never the original medical record (sendai §15). Its text
// is never silently changed (katori §34 (8)): an edit adds a version, a deletion
// leaves a tombstone naming who and when.
type Entry struct {
	NetworkID string
	ID        string
	PersonID  string
	// ThreadID is the first entry of the thread (the entry's own ID for a first
	// entry); ReplyTo the entry answered ("" for a first entry). A reply takes its
	// thread's category, so a thread is read as a whole or not at all.
	ThreadID         string
	ReplyTo          string
	Category         string // a key of the profile's record_categories
	Body             string
	ActionRequired   bool // 要対応
	AuthorID         string
	AuthorName       string // the author's display name when writing
	AuthorOrg        string
	AuthorOccupation string
	Version          int // 1 for an entry never edited
	CreatedAt        time.Time
	UpdatedAt        time.Time
	DeletedAt        time.Time
	DeletedBy        string
	DeletedByName    string
	DoneAt           time.Time // 対応済み
	DoneBy           string
	DoneByName       string
	Addressees       []Addressee
	Attachments      []string // attachment IDs (content-addressed)
}

// Deleted reports whether the entry is a tombstone.
func (e *Entry) Deleted() bool { return !e.DeletedAt.IsZero() }

// Root reports whether the entry starts its thread.
func (e *Entry) Root() bool { return e.ThreadID == e.ID }

// EntryVersion is one version of an entry's text; version 1 is the original.
type EntryVersion struct {
	NetworkID    string
	EntryID      string
	Version      int
	Body         string
	EditedBy     string
	EditedByName string
	EditedAt     time.Time
}

// EntryRead is a read mark: who first read an entry, and when.
type EntryRead struct {
	NetworkID string
	EntryID   string
	UserID    string
	UserName  string
	OrgID     string
	ReadAt    time.Time
}

// EntryScope is the list form of the policy's entry.read (policy.TimelineScope,
// policy.InboxScope): the store turns it into SQL, so that pages and their counts
// hold readable entries only. The zero scope matches nothing.
type EntryScope struct {
	// AllCategories: the profile has no occupation matrix; otherwise only
	// Categories are read (beppu §10-1, fukuoka §9-1).
	AllCategories bool
	Categories    []string
	// OwnOrg is the reader's organization. Without consent in force nothing is
	// shared: of a person without consent only the entries OwnOrg wrote are read.
	OwnOrg string
	// Unconsented: the one person whose timeline is listed has no consent in
	// force (FindEntries). FindInbox tests each person's consent itself.
	Unconsented bool
}

// EntryFilter narrows a person's timeline. A thread is listed when its first
// entry or one of its replies matches.
type EntryFilter struct {
	Category  string
	AuthorOrg string
	Since     time.Time // created at or after ("" = any)
	Until     time.Time // created before
	Query     string    // words in the text (a literal substring, not a pattern)
	Limit     int
	Offset    int
}

// InboxFilter selects the entries addressed to a user or their organization.
type InboxFilter struct {
	UserID     string
	OrgID      string
	UnreadOnly bool // not yet read by UserID
	Limit      int
	Offset     int
}

// InboxItem is an addressed entry with the name of its person.
type InboxItem struct {
	Entry      *Entry
	FamilyName string
	GivenName  string
	Read       bool // read by the inbox's user
}
