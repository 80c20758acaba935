package domain

import "time"

// BoardKind is what a bulletin-board post is.
type BoardKind string

const (
	BoardNotice      BoardKind = "notice"      // お知らせ
	BoardMaintenance BoardKind = "maintenance" // 保守・停止の予告 (beppu §9-3, fukuoka §15-3)
)

// BoardStatus is the lifecycle of a post.
type BoardStatus string

const (
	BoardPublished BoardStatus = "published"
	BoardWithdrawn BoardStatus = "withdrawn" // 取り下げ: hidden from users, kept for the operator and the audit trail
)

// BoardAudience says who a post is for. Each list narrows the audience; an empty
// list does not narrow it, so the zero value is every user of the network. A user
// is in the audience when they match every non-empty list: their organization's
// type, their account kind (Role) and their occupation.
type BoardAudience struct {
	OrgTypes    []string
	Roles       []string // domain.Role values
	Occupations []string
}

// All reports whether the audience is the whole network.
func (a BoardAudience) All() bool {
	return len(a.OrgTypes) == 0 && len(a.Roles) == 0 && len(a.Occupations) == 0
}

// Includes reports whether a user of the given organization type ("" for
// network-level accounts), role and occupation is in the audience.
func (a BoardAudience) Includes(orgType string, role Role, occupation string) bool {
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		if v == "" {
			return false
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	return in(a.OrgTypes, orgType) && in(a.Roles, string(role)) && in(a.Occupations, occupation)
}

// BoardPost is a notice of the operator on the electronic bulletin board (電子掲示板,
// beppu §8 (2), fukuoka §14 (2)). It holds no personal data of the people supported.
type BoardPost struct {
	NetworkID string
	ID        string
	Kind      BoardKind
	Title     string
	Body      string
	Pinned    bool
	Audience  BoardAudience
	// The maintenance window (Kind maintenance): announced in advance (beppu §9-3);
	// Urgent marks an announcement made at or after the start, which the seeds allow
	// only when the operator deems it urgent (beppu §9-3 ただし書, fukuoka §15-3).
	StartsAt time.Time
	EndsAt   time.Time
	Urgent   bool
	Status   BoardStatus
	// Version counts edits (1 when posted); read marks remember the version read.
	Version     int
	AuthorID    string
	AuthorName  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	UpdatedBy   string
	WithdrawnAt time.Time
	WithdrawnBy string
	// WithdrawReason is shown to the operator only.
	WithdrawReason string
	// ReadAt is when the viewing user last opened the post (zero: unread), and
	// ReadVersion the version they saw; filled by FindBoardPosts for a viewer.
	ReadAt      time.Time
	ReadVersion int
}

// Ongoing reports whether a maintenance window is in force at t.
func (p *BoardPost) Ongoing(t time.Time) bool {
	return p.Kind == BoardMaintenance && !t.Before(p.StartsAt) && t.Before(p.EndsAt)
}

// Upcoming reports whether a maintenance window starts after t.
func (p *BoardPost) Upcoming(t time.Time) bool {
	return p.Kind == BoardMaintenance && t.Before(p.StartsAt)
}

// BoardScope is the list form of the board policy: which posts a viewer may see.
type BoardScope struct {
	// All: every post, withdrawn ones too (those who manage the board).
	All bool
	// Otherwise published posts whose audience includes this user.
	OrgType    string
	Role       Role
	Occupation string
}

// BoardFilter narrows a list of posts.
type BoardFilter struct {
	// Viewer: fill ReadAt/ReadVersion of this user's read marks ("" = none).
	Viewer string
	// MaintenanceAfter: only maintenance posts whose window ends after this time
	// (the home page banner: upcoming and ongoing windows).
	MaintenanceAfter time.Time
	Limit, Offset    int
}

// BoardRead is one user's read mark on a post, with who they are, for the operator.
type BoardRead struct {
	UserID      string
	DisplayName string
	Role        Role
	OrgID       string
	OrgName     string
	ReadAt      time.Time
	Version     int
}
