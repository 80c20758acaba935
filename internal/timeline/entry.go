package timeline

import (
	"context"
	"slices"
	"time"

	"renraku/internal/domain"
	"renraku/internal/notify"
	"renraku/internal/policy"
	"renraku/internal/store"
)

func invalid(field, msg string) error {
	return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。", Fields: map[string]string{field: msg}}
}

// Create writes a new entry on the person's timeline, or a reply (in.ReplyTo),
// which takes its thread's category and is addressed to the author of the entry
// answered as well. Addressees must be of the person's care team (recipients);
// attachments must be files the author stored. Addressees are notified in the
// same transaction (notify: a link, never the text). Nothing is
// written unless all of it is valid and the policy allows it; the entry and its
// audit event are written in one transaction.
func (s *Service) Create(ctx context.Context, a policy.Actor, personID string, in Input) (*domain.Entry, error) {
	in, to, err := checkInput(a.Profile, in)
	if err != nil {
		return nil, err
	}
	var out *domain.Entry
	var denied *denial
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		out, denied = nil, nil
		p, pf, err := s.ppl.FactsFor(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if p == nil {
			denied = &denial{act: policy.WriteEntry, targetType: "person", targetID: personID, reason: "no such person", notFound: true}
			return nil
		}
		tl, err := timelineFacts(ctx, tx, a)
		if err != nil {
			return err
		}
		if d := policy.Decide(a, policy.ReadTimeline, policy.Resource{Person: pf, Timeline: tl}); !d.Allow {
			denied = &denial{act: policy.WriteEntry, targetType: "person", targetID: p.ID, personID: p.ID, reason: d.Reason,
				notFound: !policy.Decide(a, policy.ViewPerson, policy.Resource{Person: pf}).Allow}
			return nil
		}
		now := a.Now.UTC().Truncate(time.Microsecond)
		replyTo := "" // the author of the entry answered, addressed implicitly
		e := &domain.Entry{NetworkID: a.NetworkID, ID: domain.NewID(), PersonID: p.ID, Category: in.Category, Body: in.Body,
			ActionRequired: in.ActionRequired, AuthorID: a.UserID, AuthorName: a.DisplayName, AuthorOrg: a.OrgID,
			AuthorOccupation: a.Occupation, Version: 1, CreatedAt: now, UpdatedAt: now, Addressees: to, Attachments: in.Attachments}
		e.ThreadID = e.ID
		if in.ReplyTo != "" {
			// The entry answered must be one the author reads, on this person's
			// timeline; the reply joins its thread, in the thread's category.
			root, err := tx.FindEntry(ctx, a.NetworkID, in.ReplyTo)
			if err == nil && root.ThreadID != root.ID {
				root, err = tx.FindEntry(ctx, a.NetworkID, root.ThreadID)
			}
			if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (root.PersonID != p.ID ||
				!policy.Decide(a, policy.ReadEntry, policy.Resource{Person: pf, Timeline: with(tl, a, root)}).Allow)) {
				return invalid("reply_to", "返信先の記録が見つかりません。")
			}
			if err != nil {
				return err
			}
			if root.Deleted() {
				return domain.Errorf(domain.ECONFLICT, "削除された記録には返信できません。")
			}
			e.ThreadID, e.ReplyTo, e.Category = root.ID, in.ReplyTo, root.Category
			if parent, err := tx.FindEntry(ctx, a.NetworkID, in.ReplyTo); err != nil {
				return err
			} else if parent.AuthorID != a.UserID {
				replyTo = parent.AuthorID
			}
		}
		et := *tl
		et.Entry = &policy.EntryFacts{Category: e.Category, AuthorUserID: a.UserID, AuthorOrgID: a.OrgID}
		d := policy.Decide(a, policy.WriteEntry, policy.Resource{Person: pf, Timeline: &et})
		if !d.Allow {
			denied = &denial{act: policy.WriteEntry, targetType: "person", targetID: p.ID, personID: p.ID, reason: d.Reason}
			return nil
		}
		if len(to) > 0 || replyTo != "" {
			orgs, users, err := recipients(ctx, tx, a, p)
			if err != nil {
				return err
			}
			known := func(ad domain.Addressee) bool {
				return slices.ContainsFunc(append(orgs, users...), func(r Recipient) bool { return r.Kind == ad.Kind && r.ID == ad.ID })
			}
			for _, ad := range to {
				if !known(ad) {
					return invalid("to", "宛先は、この方を支援している組織とその職員から選んでください。")
				}
			}
			// A reply is addressed to the author of the entry answered, while they
			// are still on the care team.
			author := domain.Addressee{Kind: domain.AddresseeUser, ID: replyTo}
			if replyTo == "" || slices.Contains(to, author) || !known(author) {
				replyTo = ""
			} else {
				e.Addressees = append(e.Addressees, author)
			}
		}
		for _, id := range in.Attachments {
			att, err := tx.FindAttachment(ctx, a.NetworkID, id)
			if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && att.CreatedBy != a.UserID) {
				// A content address one has come by is not a file one holds.
				return invalid("attachments", "添付ファイルが見つかりません。もう一度添付してください。")
			}
			if err != nil {
				return err
			}
		}
		if err := tx.CreateEntry(ctx, e); err != nil {
			return err
		}
		// Tell the addressees (a notice and a link, never the text: notify).
		link := entryLink(a.NetworkID, e.ID)
		notice := notify.To{Network: a.NetworkID, Except: a.UserID, At: now}
		for _, ad := range to {
			if ad.Kind == domain.AddresseeOrg {
				notice.Orgs = append(notice.Orgs, ad.ID)
			} else {
				notice.Users = append(notice.Users, ad.ID)
			}
		}
		if len(to) > 0 {
			if err := notify.Notify(ctx, tx, notice, notify.KindAddressed, link); err != nil {
				return err
			}
		}
		if replyTo != "" {
			if err := notify.Notify(ctx, tx, notify.To{Network: a.NetworkID, Users: []string{replyTo}, Except: a.UserID, At: now},
				notify.KindReply, link); err != nil {
				return err
			}
		}
		out = e
		return s.log.Append(ctx, tx, event(ctx, a, "entry.create", "entry", e.ID, p.ID, map[string]any{"via": d.Reason,
			"category": e.Category, "reply_to": e.ReplyTo, "addressees": len(to), "attachments": len(e.Attachments),
			"action_required": e.ActionRequired}))
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		return nil, s.deny(ctx, a, denied)
	}
	return out, nil
}

// Reply answers entry id: a new entry in its thread on its person's timeline
// (Create with ReplyTo). An entry the actor may not read is "not found"; one whose
// category the actor may not write, "forbidden".
func (s *Service) Reply(ctx context.Context, a policy.Actor, id string, in Input) (*domain.Entry, error) {
	var personID string
	if err := s.withEntry(ctx, a, policy.WriteEntry, id, func(c *entryCtx) error {
		personID = c.person.ID
		return nil
	}); err != nil {
		return nil, err
	}
	in.ReplyTo = id
	return s.Create(ctx, a, personID, in)
}

// EntryView is one entry as a reader opens it: its thread (the replies the
// reader may read) and, unless it is deleted, every version of its text.
type EntryView struct {
	Person   *domain.Person
	Via      string
	Item     *Item   // the entry opened
	Thread   *Thread // its thread; Thread.Root is nil when the reader may not read the first entry
	Versions []*domain.EntryVersion
	Names    map[string]string // display names of the users the thread's entries are addressed to
}

// Get opens an entry: the read is decided, recorded as a read mark for the thread
// shown and audited before anything is returned.
func (s *Service) Get(ctx context.Context, a policy.Actor, id string) (*EntryView, error) {
	var out *EntryView
	err := s.withEntry(ctx, a, policy.ReadEntry, id, func(c *entryCtx) error {
		tx, e := c.tx, c.entry
		root := e
		if !e.Root() {
			r, err := tx.FindEntry(ctx, a.NetworkID, e.ThreadID)
			if err != nil {
				return err
			}
			root = r
		}
		scope := policy.TimelineScope(a, c.facts, c.tl)
		replies, err := tx.FindReplies(ctx, a.NetworkID, c.person.ID, []string{root.ID}, scope)
		if err != nil {
			return err
		}
		var all []*domain.Entry
		rootShown := policy.Decide(a, policy.ReadEntry, policy.Resource{Person: c.facts, Timeline: with(c.tl, a, root)}).Allow
		if rootShown {
			all = append(all, root)
		}
		all = append(all, replies...)
		its, unread, err := items(ctx, tx, a, c.facts, c.tl, all, map[string]*domain.Entry{root.ID: root})
		if err != nil {
			return err
		}
		v := &EntryView{Person: c.person, Via: c.via, Thread: &Thread{}}
		for _, it := range its {
			if it.Entry.ID == e.ID {
				v.Item = it
			}
			if it.Entry.ID == root.ID {
				v.Thread.Root = it
			} else {
				v.Thread.Replies = append(v.Thread.Replies, it)
			}
		}
		if v.Item == nil { // cannot happen: the entry is read and in its thread
			return domain.ErrNotFound
		}
		if v.Names, err = addresseeNames(ctx, tx, a.NetworkID, all); err != nil {
			return err
		}
		if !e.Deleted() {
			if v.Versions, err = tx.FindEntryVersions(ctx, a.NetworkID, e.ID); err != nil {
				return err
			}
		}
		if err := markRead(ctx, tx, a, unread); err != nil {
			return err
		}
		out = v
		detail := readDetail(c.via, c.facts)
		detail["thread"], detail["entries"], detail["versions"] = root.ID, len(all), len(v.Versions)
		return s.log.Append(ctx, tx, event(ctx, a, "entry.view", "entry", e.ID, c.person.ID, detail))
	})
	if err != nil {
		return nil, err // nothing leaves unless its audit event was written
	}
	return out, nil
}

// Versions lists every version of an entry's text, oldest first (katori §34
// (8)); a deleted entry shows none (its tombstone says who deleted it and when).
func (s *Service) Versions(ctx context.Context, a policy.Actor, id string) (*domain.Entry, []*domain.EntryVersion, error) {
	var e *domain.Entry
	var vs []*domain.EntryVersion
	err := s.withEntry(ctx, a, policy.ReadEntry, id, func(c *entryCtx) error {
		e, vs = tombstone(c.entry), nil
		if !e.Deleted() {
			var err error
			if vs, err = c.tx.FindEntryVersions(ctx, a.NetworkID, e.ID); err != nil {
				return err
			}
		}
		detail := readDetail(c.via, c.facts)
		detail["versions"] = len(vs)
		return s.log.Append(ctx, c.tx, event(ctx, a, "entry.versions", "entry", e.ID, c.person.ID, detail))
	})
	if err != nil {
		return nil, nil, err
	}
	return e, vs, nil
}

// Edit changes an entry's text: a new version; every earlier one stays readable
// (katori §34 (8)). Only the author edits (policy.EditEntry); the category, the
// addressees and the 要対応 flag stay as written.
func (s *Service) Edit(ctx context.Context, a policy.Actor, id, body string) (*domain.Entry, error) {
	errs := domain.FieldErrors{}
	body = checkBody(errs, body)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var out *domain.Entry
	err := s.withEntry(ctx, a, policy.EditEntry, id, func(c *entryCtx) error {
		e := c.entry
		if e.Body == body {
			return invalid("body", "本文が変わっていません。")
		}
		now := a.Now.UTC().Truncate(time.Microsecond)
		e.Version++
		e.Body, e.UpdatedAt = body, now
		if err := c.tx.AddEntryVersion(ctx, &domain.EntryVersion{NetworkID: a.NetworkID, EntryID: e.ID, Version: e.Version,
			Body: body, EditedBy: a.UserID, EditedByName: a.DisplayName, EditedAt: now}); err != nil {
			return err
		}
		if err := c.tx.UpdateEntry(ctx, e); err != nil {
			return err
		}
		out = e
		return s.log.Append(ctx, c.tx, event(ctx, a, "entry.edit", "entry", e.ID, c.person.ID, map[string]any{"version": e.Version}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete leaves a tombstone naming who deleted the entry and when (katori §34
// (8)); its text is kept in the database with its versions and shown to no one.
// Replies stay in the thread.
func (s *Service) Delete(ctx context.Context, a policy.Actor, id string) (*domain.Entry, error) {
	var out *domain.Entry
	err := s.withEntry(ctx, a, policy.DeleteEntry, id, func(c *entryCtx) error {
		e := c.entry
		now := a.Now.UTC().Truncate(time.Microsecond)
		e.DeletedAt, e.DeletedBy, e.DeletedByName, e.UpdatedAt = now, a.UserID, a.DisplayName, now
		if err := c.tx.UpdateEntry(ctx, e); err != nil {
			return err
		}
		out = tombstone(e)
		return s.log.Append(ctx, c.tx, event(ctx, a, "entry.delete", "entry", e.ID, c.person.ID,
			map[string]any{"author": e.AuthorID, "by_author": e.AuthorID == a.UserID}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MarkDone marks an entry that asks for action (要対応) 対応済み, by an addressee.
func (s *Service) MarkDone(ctx context.Context, a policy.Actor, id string) (*domain.Entry, error) {
	var out *domain.Entry
	err := s.withEntry(ctx, a, policy.MarkDone, id, func(c *entryCtx) error {
		e := c.entry
		if !e.DoneAt.IsZero() {
			return domain.Errorf(domain.ECONFLICT, "この記録は既に対応済みです（%sさん）。", e.DoneByName)
		}
		now := a.Now.UTC().Truncate(time.Microsecond)
		e.DoneAt, e.DoneBy, e.DoneByName, e.UpdatedAt = now, a.UserID, a.DisplayName, now
		if err := c.tx.UpdateEntry(ctx, e); err != nil {
			return err
		}
		out = e
		return s.log.Append(ctx, c.tx, event(ctx, a, "entry.done", "entry", e.ID, c.person.ID, nil))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MarkRead records that the actor read the entry (an API client that showed it).
func (s *Service) MarkRead(ctx context.Context, a policy.Actor, id string) error {
	return s.withEntry(ctx, a, policy.ReadEntry, id, func(c *entryCtx) error {
		if c.entry.Deleted() || c.entry.AuthorID == a.UserID {
			return nil // nothing to read, or one's own
		}
		if err := markRead(ctx, c.tx, a, []string{c.entry.ID}); err != nil {
			return err
		}
		return s.log.Append(ctx, c.tx, event(ctx, a, "entry.read_mark", "entry", c.entry.ID, c.person.ID, nil))
	})
}

// Readers lists who read the entry and when, for its author and addressees
// (the viewing history, policy.ViewReaders); the author is not listed.
func (s *Service) Readers(ctx context.Context, a policy.Actor, id string) ([]*domain.EntryRead, error) {
	var out []*domain.EntryRead
	err := s.withEntry(ctx, a, policy.ViewReaders, id, func(c *entryCtx) error {
		rs, err := c.tx.FindEntryReads(ctx, a.NetworkID, []string{c.entry.ID})
		if err != nil {
			return err
		}
		out = []*domain.EntryRead{}
		for _, r := range rs {
			if r.UserID != c.entry.AuthorID {
				out = append(out, r)
			}
		}
		return s.log.Append(ctx, c.tx, event(ctx, a, "entry.readers", "entry", c.entry.ID, c.person.ID,
			map[string]any{"readers": len(out)}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
