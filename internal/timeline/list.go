package timeline

import (
	"context"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
)

// Timeline returns one page of a person's timeline: threads newest first, each
// with the replies the reader may read, filtered by f. The page shows the entries,
// so it records the reader's first read of each; the read is audited (who, which
// person, which query) in the same transaction before anything is returned.
// compose adds whom an entry may be addressed to (the web form).
func (s *Service) Timeline(ctx context.Context, a policy.Actor, personID string, f Filter, compose bool) (*Page, error) {
	f, ef, err := f.check(a.Profile)
	if err != nil {
		return nil, err
	}
	var out *Page
	var denied *denial
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		out, denied = nil, nil
		p, pf, err := s.ppl.FactsFor(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if p == nil {
			denied = &denial{act: policy.ReadTimeline, targetType: "person", targetID: personID, reason: "no such person", notFound: true}
			return nil
		}
		tl, err := timelineFacts(ctx, tx, a)
		if err != nil {
			return err
		}
		d := policy.Decide(a, policy.ReadTimeline, policy.Resource{Person: pf, Timeline: tl})
		if !d.Allow {
			denied = &denial{act: policy.ReadTimeline, targetType: "person", targetID: p.ID, personID: p.ID, reason: d.Reason,
				notFound: !policy.Decide(a, policy.ViewPerson, policy.Resource{Person: pf}).Allow}
			return nil
		}
		scope := policy.TimelineScope(a, pf, tl)
		roots, total, err := tx.FindEntries(ctx, a.NetworkID, p.ID, scope, ef)
		if err != nil {
			return err
		}
		threadIDs := make([]string, len(roots))
		byID := map[string]*domain.Entry{}
		for i, r := range roots {
			threadIDs[i] = r.ID
			byID[r.ID] = r
		}
		replies, err := tx.FindReplies(ctx, a.NetworkID, p.ID, threadIDs, scope)
		if err != nil {
			return err
		}
		all := append(append([]*domain.Entry{}, roots...), replies...)
		its, unread, err := items(ctx, tx, a, pf, tl, all, byID)
		if err != nil {
			return err
		}
		page := &Page{Person: p, Via: d.Reason, Filter: f, Total: total, Readable: categoryItems(a.Profile, tl.Readable)}
		if page.Names, err = addresseeNames(ctx, tx, a.NetworkID, all); err != nil {
			return err
		}
		threads := map[string]*Thread{}
		for i := range roots {
			t := &Thread{Root: its[i]}
			threads[roots[i].ID] = t
			page.Threads = append(page.Threads, t)
		}
		for _, it := range its[len(roots):] {
			threads[it.Entry.ThreadID].Replies = append(threads[it.Entry.ThreadID].Replies, it)
		}
		var writable []string
		for _, c := range tl.Writable {
			probe := *tl
			probe.Entry = &policy.EntryFacts{Category: c, AuthorUserID: a.UserID, AuthorOrgID: a.OrgID}
			if policy.Decide(a, policy.WriteEntry, policy.Resource{Person: pf, Timeline: &probe}).Allow {
				writable = append(writable, c)
			}
		}
		page.Writable = categoryItems(a.Profile, writable)
		if compose && len(writable) > 0 {
			if page.Orgs, page.Users, err = recipients(ctx, tx, a, p); err != nil {
				return err
			}
		}
		if err := markRead(ctx, tx, a, unread); err != nil {
			return err
		}
		detail := readDetail(d.Reason, pf)
		detail["category"], detail["author_org"], detail["from"], detail["to"], detail["q"] = f.Category, f.AuthorOrg, f.From, f.To, f.Query
		detail["offset"], detail["threads"], detail["entries"], detail["total"] = f.Offset, len(roots), len(all), total
		out = page
		return s.log.Append(ctx, tx, event(ctx, a, "timeline.view", "person", p.ID, p.ID, detail))
	})
	if err != nil {
		return nil, err // nothing leaves unless its audit event was written
	}
	if denied != nil {
		return nil, s.deny(ctx, a, denied)
	}
	return out, nil
}

// InboxFilter selects the page of the inbox.
type InboxFilter struct {
	UnreadOnly bool
	Limit      int // default 20, at most 100
	Offset     int
}

// Inbox lists the entries addressed to the actor or their organization that the
// actor may read (policy.InboxScope over the people policy.Scope permits),
// newest first, with the total. It shows who each entry is about and its text, so
// it is audited: one event for the list, and one per person named on the page.
func (s *Service) Inbox(ctx context.Context, a policy.Actor, f InboxFilter) ([]*domain.InboxItem, int, error) {
	if d := policy.Decide(a, policy.ReadInbox, policy.Resource{}); !d.Allow {
		return nil, 0, s.deny(ctx, a, &denial{act: policy.ReadInbox, targetType: "inbox", reason: d.Reason})
	}
	if f.Limit < 0 || f.Limit > 100 || f.Offset < 0 {
		return nil, 0, &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{"limit": "表示件数の指定が正しくありません。"}}
	}
	var out []*domain.InboxItem
	var total int
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		people, err := s.ppl.ScopeFor(ctx, tx, a)
		if err != nil {
			return err
		}
		tl, err := timelineFacts(ctx, tx, a)
		if err != nil {
			return err
		}
		if out, total, err = tx.FindInbox(ctx, a.NetworkID, people, policy.InboxScope(a, tl),
			domain.InboxFilter{UserID: a.UserID, OrgID: a.OrgID, UnreadOnly: f.UnreadOnly, Limit: f.Limit, Offset: f.Offset}); err != nil {
			return err
		}
		perPerson := map[string][]string{}
		var order []string
		for _, it := range out {
			if perPerson[it.Entry.PersonID] == nil {
				order = append(order, it.Entry.PersonID)
			}
			perPerson[it.Entry.PersonID] = append(perPerson[it.Entry.PersonID], it.Entry.ID)
		}
		for _, pid := range order {
			if err := s.log.Append(ctx, tx, event(ctx, a, "inbox.entries", "person", pid, pid,
				map[string]any{"entries": perPerson[pid], "disaster_scope": people.Disaster})); err != nil {
				return err
			}
		}
		return s.log.Append(ctx, tx, event(ctx, a, "inbox.view", "inbox", "", "",
			map[string]any{"unread_only": f.UnreadOnly, "offset": f.Offset, "returned": len(out), "total": total}))
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
