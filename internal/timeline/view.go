package timeline

import (
	"context"
	"slices"
	"time"

	"renraku/internal/domain"
	"renraku/internal/notify"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
)

// Item is an entry as one reader sees it: with what the policy lets them do.
type Item struct {
	Entry *domain.Entry
	// Unread: the reader had not read it before this page (their own entries
	// never are); showing it records the read.
	Unread    bool
	ReadCount int // readers other than the author
	// Readers is who read it and when, for its author and addressees
	// (policy.ViewReaders); nil for others.
	Readers    []*domain.EntryRead
	CanReaders bool
	CanReply   bool
	CanEdit    bool
	CanDelete  bool
	CanDone    bool
}

// Thread is a first entry and its replies, oldest reply first.
type Thread struct {
	Root    *Item
	Replies []*Item
}

// Recipient is an organization or a user an entry may be addressed to.
type Recipient struct {
	Kind    string // domain.AddresseeOrg or domain.AddresseeUser
	ID      string
	Name    string
	OrgName string // a user's organization ("" for the city's staff)
}

// Value is the form value naming the recipient ("org:<id>", "user:<id>").
func (r Recipient) Value() string { return r.Kind + ":" + r.ID }

// Page is one page of a person's timeline.
type Page struct {
	Person  *domain.Person
	Via     string // the permission that let the actor read (audited)
	Filter  Filter
	Threads []*Thread
	Total   int // threads matching the filter
	// Readable are the categories the reader reads (the filter's choices);
	// Writable those they write (the compose form's), empty when they write none.
	Readable []profile.Item
	Writable []profile.Item
	// Orgs and Users may be addressed (with compose).
	Orgs  []Recipient
	Users []Recipient
	// Names are the display names of the users the entries shown are addressed to.
	Names map[string]string
}

// tombstone blanks a deleted entry's text and files for every surface: the text
// stays in the database (with its versions), shown to no one (katori §34 (8)).
func tombstone(e *domain.Entry) *domain.Entry {
	if e.Deleted() {
		e.Body, e.Attachments = "", nil
	}
	return e
}

// items turns entries into Items for the reader, in one query for the read
// marks, and returns the IDs of those the reader had not read (to mark).
func items(ctx context.Context, tx store.Tx, a policy.Actor, f *policy.PersonFacts, tl *policy.TimelineFacts,
	es []*domain.Entry, roots map[string]*domain.Entry) ([]*Item, []string, error) {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	reads, err := tx.FindEntryReads(ctx, a.NetworkID, ids)
	if err != nil {
		return nil, nil, err
	}
	byEntry := map[string][]*domain.EntryRead{}
	for _, r := range reads {
		byEntry[r.EntryID] = append(byEntry[r.EntryID], r)
	}
	out := make([]*Item, len(es))
	var unread []string
	canReply := map[string]bool{} // by thread: a reply is written in the thread's category
	for i, e := range es {
		et := with(tl, a, e)
		can := func(act policy.Action) bool {
			return policy.Decide(a, act, policy.Resource{Person: f, Timeline: et}).Allow
		}
		it := &Item{Entry: e, CanReaders: can(policy.ViewReaders), CanEdit: can(policy.EditEntry),
			CanDelete: can(policy.DeleteEntry), CanDone: can(policy.MarkDone) && e.DoneAt.IsZero()}
		if root := roots[e.ThreadID]; root != nil && !root.Deleted() {
			ok, known := canReply[root.ID]
			if !known {
				ok = policy.Decide(a, policy.WriteEntry, policy.Resource{Person: f, Timeline: with(tl, a, root)}).Allow
				canReply[root.ID] = ok
			}
			it.CanReply = ok
		}
		mine := e.AuthorID == a.UserID
		for _, r := range byEntry[e.ID] {
			if r.UserID == e.AuthorID {
				continue
			}
			it.ReadCount++
			if r.UserID == a.UserID {
				mine = true
			}
		}
		if it.CanReaders {
			it.Readers = []*domain.EntryRead{}
			for _, r := range byEntry[e.ID] {
				if r.UserID != e.AuthorID {
					it.Readers = append(it.Readers, r)
				}
			}
		}
		if !mine && !e.Deleted() {
			it.Unread = true
			unread = append(unread, e.ID)
		}
		tombstone(e)
		out[i] = it
	}
	return out, unread, nil
}

// markRead records the reader's first read of the entries, and marks read the
// notifications that pointed at them (notify: an entry read is a notice seen).
func markRead(ctx context.Context, tx store.Tx, a policy.Actor, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	at := a.Now.UTC().Truncate(time.Microsecond)
	if err := tx.MarkEntriesRead(ctx, a.NetworkID, ids, domain.EntryRead{UserID: a.UserID, UserName: a.DisplayName,
		OrgID: a.OrgID, ReadAt: at}); err != nil {
		return err
	}
	for _, id := range ids {
		if err := notify.MarkLinkRead(ctx, tx, a.NetworkID, a.UserID, entryLink(a.NetworkID, id), at); err != nil {
			return err
		}
	}
	return nil
}

// entryLink is the web page of an entry, the link of its notifications.
func entryLink(net, id string) string { return "/n/" + net + "/entries/" + id }

// recipients lists whom an entry on the person's timeline may be addressed to:
// the organizations of the care team (the registering organization, and those
// holding access in force once consent is given) and their active staff and
// admins; where the city's officer is on every team (joso), the city's staff.
func recipients(ctx context.Context, tx store.Tx, a policy.Actor, p *domain.Person) (orgs, users []Recipient, err error) {
	today := profile.Today(a.Now)
	var ids []string
	if p.RegisteredOrg != "" {
		ids = append(ids, p.RegisteredOrg)
	}
	consented := p.Consent == domain.ConsentActive
	if consented {
		rows, err := tx.FindPersonAccess(ctx, a.NetworkID, p.ID)
		if err != nil {
			return nil, nil, err
		}
		kinds := a.Profile.AccessKinds()
		for _, r := range rows {
			if r.EndedAt.IsZero() && (r.ExpiresOn == "" || r.ExpiresOn >= today) && slices.Contains(kinds, r.Kind) && !slices.Contains(ids, r.OrgID) {
				ids = append(ids, r.OrgID)
			}
		}
	}
	for _, id := range ids {
		o, err := tx.FindOrganization(ctx, a.NetworkID, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if o.Status != domain.OrgActive {
			continue
		}
		orgs = append(orgs, Recipient{Kind: domain.AddresseeOrg, ID: o.ID, Name: o.Name})
		us, err := tx.FindUsers(ctx, a.NetworkID, domain.UserFilter{OrgID: o.ID, Status: domain.UserActive})
		if err != nil {
			return nil, nil, err
		}
		for _, u := range us {
			if u.Role == domain.RoleStaff || u.Role == domain.RoleAdmin {
				users = append(users, Recipient{Kind: domain.AddresseeUser, ID: u.ID, Name: u.DisplayName, OrgName: o.Name})
			}
		}
	}
	if consented && a.Profile.People.MunicipalOnEveryTeam {
		us, err := tx.FindUsers(ctx, a.NetworkID, domain.UserFilter{Role: domain.RoleMunicipal, Status: domain.UserActive, NoOrgOnly: true})
		if err != nil {
			return nil, nil, err
		}
		for _, u := range us {
			users = append(users, Recipient{Kind: domain.AddresseeUser, ID: u.ID, Name: u.DisplayName})
		}
	}
	return orgs, users, nil
}

// addresseeNames looks up the display names of the users entries are addressed
// to (staff names, which every member of the care team sees on the entries anyway).
func addresseeNames(ctx context.Context, tx store.Tx, net string, es []*domain.Entry) (map[string]string, error) {
	names := map[string]string{}
	for _, e := range es {
		for _, ad := range e.Addressees {
			if ad.Kind != domain.AddresseeUser {
				continue
			}
			if _, ok := names[ad.ID]; ok {
				continue
			}
			u, err := tx.FindUser(ctx, net, ad.ID)
			switch {
			case domain.ErrorCode(err) == domain.ENOTFOUND:
				names[ad.ID] = ""
			case err != nil:
				return nil, err
			default:
				names[ad.ID] = u.DisplayName
			}
		}
	}
	return names, nil
}

func categoryItems(p *profile.Profile, keys []string) []profile.Item {
	var out []profile.Item
	for _, c := range p.People.RecordCategories {
		if slices.Contains(keys, c.Key) {
			out = append(out, c)
		}
	}
	return out
}
