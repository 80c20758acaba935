package policy

import (
	"slices"

	"renraku/internal/domain"
)

// Actions on a person's shared timeline (連絡帳, SPEC §5). Each takes
// Resource.Person (the facts the service loaded in the request's transaction) and
// Resource.Timeline (the actor's cells of the occupation matrix, and the entry).
const (
	// ReadTimeline: open a person's timeline (its list, filters and search). The
	// list itself is filtered by TimelineScope.
	ReadTimeline Action = "timeline.read"
	// WriteEntry: write a new entry, or reply, in Timeline.Entry.Category.
	WriteEntry Action = "entry.write"
	// ReadEntry: read one entry (and its versions).
	ReadEntry Action = "entry.read"
	// EditEntry: change an entry's text (a new version; katori §34 (8)).
	EditEntry Action = "entry.edit"
	// DeleteEntry: leave a tombstone naming who and when (katori §34 (8)).
	DeleteEntry Action = "entry.delete"
	// MarkDone: 対応済み on an entry that asks for action, by an addressee.
	MarkDone Action = "entry.done"
	// ViewReaders: who read an entry and when, for its author and addressees.
	ViewReaders Action = "entry.readers"
	// ReadInbox: the entries addressed to the actor or their organization, across
	// people; the list form is InboxScope.
	ReadInbox Action = "inbox.read"
)

// TimelineFacts is what the timeline actions need beyond the person.
type TimelineFacts struct {
	// Readable and Writable are the categories the actor's occupation reads and
	// writes by the network's matrix (beppu §10-1, fukuoka §9-1), loaded by the
	// service from the database; where the profile has no matrix they are not
	// consulted (every category).
	Readable, Writable []string
	// Entry is the entry acted on (for WriteEntry: the one to be written); nil
	// for ReadTimeline.
	Entry *EntryFacts
}

// EntryFacts is what the policy needs to know about an entry.
type EntryFacts struct {
	Category       string
	AuthorUserID   string
	AuthorOrgID    string
	Deleted        bool
	ActionRequired bool
	// Addressed: the entry is addressed to the actor or to the actor's organization.
	Addressed bool
}

// readsCategory: the matrix (beppu §10-1, fukuoka §9-1) lets the actor's
// occupation read the category; without a matrix every occupation reads all.
func readsCategory(a Actor, tl *TimelineFacts, cat string) bool {
	if !a.Profile.People.Matrix {
		return true
	}
	return tl != nil && slices.Contains(tl.Readable, cat)
}

func writesCategory(a Actor, tl *TimelineFacts, cat string) bool {
	if !a.Profile.People.Matrix {
		return true
	}
	return tl != nil && slices.Contains(tl.Writable, cat)
}

// timelineVia is the permission that lets the actor read the person's timeline,
// or "" when none does. It is ViewPerson's, except that the operator, who sees a
// person to run the network, does not read the record shared among the
// organizations (sendai §3 (1) 利用施設相互間で共有; katori §12: 許可された情報のみ).
func timelineVia(a Actor, f *PersonFacts) string {
	if f == nil {
		return ""
	}
	v := via(a, f)
	if v == ViaOperator {
		return ""
	}
	return v
}

// sharedWithActor: without consent in force nothing is shared, so of a person
// without consent (before it, or after a withdrawal, beppu §16, fukuoka §18) the
// registering organization reads only what it wrote itself.
func sharedWithActor(a Actor, f *PersonFacts, e *EntryFacts) bool {
	if f.Consent == domain.ConsentActive {
		return true
	}
	return a.OrgID != "" && e.AuthorOrgID == a.OrgID
}

// decideTimeline answers the timeline actions. It is called from decidePerson.
func decideTimeline(a Actor, act Action, res Resource) (Decision, bool) {
	switch act {
	case ReadInbox:
		// The list is filtered by InboxScope: only entries the actor may read.
		if orgMember(a) {
			return allow("the inbox lists addressed entries the actor may read"), true
		}
		return deny("only members of organizations and the city's staff are addressed"), true
	case ReadTimeline, WriteEntry, ReadEntry, EditEntry, DeleteEntry, MarkDone, ViewReaders:
	default:
		return Decision{}, false
	}
	f, tl := res.Person, res.Timeline
	v := timelineVia(a, f)
	if v == "" {
		return deny("no permission to this person's timeline"), true
	}
	if act == ReadTimeline {
		// Without Timeline (the link on the person's page) the person alone decides;
		// the service always passes the matrix, and the list is filtered by it.
		if tl != nil && a.Profile.People.Matrix && len(tl.Readable) == 0 {
			return deny("the occupation reads no category (" + a.Profile.People.MatrixArticle + ")"), true
		}
		return allow(v), true
	}
	if tl == nil || tl.Entry == nil {
		return deny("no entry"), true
	}
	e := tl.Entry
	if act == WriteEntry {
		return decideWrite(a, f, tl, v), true
	}
	// Every other action reads the entry first.
	if !readsCategory(a, tl, e.Category) {
		return deny("the occupation does not read " + e.Category + " (" + a.Profile.People.MatrixArticle + ")"), true
	}
	if !sharedWithActor(a, f, e) {
		return deny("no consent in force: only the author's organization reads the entry"), true
	}
	author := e.AuthorUserID == a.UserID
	switch act {
	case ReadEntry:
		return allow(v), true
	case ViewReaders:
		// The viewing history is for those the entry concerns: who wrote it and
		// whom it was written to.
		if author || e.Addressed {
			return allow("author or addressee"), true
		}
		return deny("only the author and the addressees see who read the entry"), true
	case EditEntry:
		if e.Deleted {
			return deny("the entry is deleted"), true
		}
		// katori §21, joso §30: each user answers for what they write; an edit by
		// anyone else would put words in the author's name (katori §34 (8)).
		if !author {
			return deny("only the author edits an entry"), true
		}
		if d := decideWrite(a, f, tl, v); !d.Allow {
			return d, true
		}
		return allow("the author edits (a new version; katori §34 (8))"), true
	case DeleteEntry:
		if e.Deleted {
			return deny("the entry is deleted already"), true
		}
		if v == ViaDisaster {
			return deny("a disaster read changes nothing (joso §21)"), true
		}
		if author {
			return allow("the author deletes (a tombstone; katori §34 (8))"), true
		}
		// sendai §19-2: the admin answers for everything done with the IDs it
		// issued, so it may withdraw its staff's entry (one who has left, say); the
		// tombstone names the admin.
		if a.Role == domain.RoleAdmin && a.OrgID != "" && a.OrgID == e.AuthorOrgID {
			return allow("the admin of the author's organization deletes (sendai §19-2)"), true
		}
		return deny("only the author or the admin of the author's organization deletes an entry"), true
	case MarkDone:
		if e.Deleted {
			return deny("the entry is deleted"), true
		}
		if !e.ActionRequired {
			return deny("the entry asks for no action"), true
		}
		if v == ViaDisaster {
			return deny("a disaster read changes nothing (joso §21)"), true
		}
		if !e.Addressed {
			return deny("only an addressee marks the entry done"), true
		}
		return allow("an addressee marks it done"), true
	}
	return Decision{}, false
}

// decideWrite: a new entry (or a reply, or an edit) in e.Category.
func decideWrite(a Actor, f *PersonFacts, tl *TimelineFacts, v string) Decision {
	if v == ViaDisaster {
		return deny("a disaster read changes nothing (joso §21)")
	}
	// beppu §18, fukuoka §20: after eligibility ends the record is only read.
	if !f.Eligible {
		return deny("after eligibility ends the record is only read")
	}
	if !writesCategory(a, tl, tl.Entry.Category) {
		return deny("the occupation does not write " + tl.Entry.Category + " (" + a.Profile.People.MatrixArticle + ")")
	}
	return allow(v)
}

// TimelineScope is the list form of ReadEntry on one person's timeline, for the
// store to turn into SQL; it must agree with ReadEntry entry by entry. It matches
// nothing unless ReadTimeline is allowed.
func TimelineScope(a Actor, f *PersonFacts, tl *TimelineFacts) domain.EntryScope {
	if tl == nil || !Decide(a, ReadTimeline, Resource{Person: f, Timeline: tl}).Allow {
		return domain.EntryScope{}
	}
	s := domain.EntryScope{AllCategories: !a.Profile.People.Matrix, Categories: tl.Readable, OwnOrg: a.OrgID,
		Unconsented: f.Consent != domain.ConsentActive}
	if s.Unconsented && a.OrgID == "" {
		return domain.EntryScope{}
	}
	return s
}

// InboxScope is the list form of ReadEntry across the people the actor may see
// (the store joins it with Scope's people): the readable categories and, for
// people without consent, only the entries of the actor's organization. Unlike
// Scope it never covers every person: the operator does not read timelines.
func InboxScope(a Actor, tl *TimelineFacts) domain.EntryScope {
	if tl == nil || !Decide(a, ReadInbox, Resource{}).Allow {
		return domain.EntryScope{}
	}
	return domain.EntryScope{AllCategories: !a.Profile.People.Matrix, Categories: tl.Readable, OwnOrg: a.OrgID}
}
