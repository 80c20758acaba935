package messages

import (
	"context"
	"sort"
	"strings"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
	"renraku/internal/validate"
)

// Item is a conversation on the list.
type Item struct {
	*domain.ConversationItem
	Title  string
	Person *domain.Person // the person it is about (name only), nil for none
}

// List is a page of the actor's conversations.
type List struct {
	Items  []*Item
	Total  int // conversations the actor takes part in and may see
	Unread int // unread messages over all of them
	Offset int
}

// List returns the actor's conversations, newest message first, with unread
// counts. A conversation about a person the actor may no longer view is not
// listed (the database filters it with the policy's list form, so paging holds);
// naming a person on the list is a read of that person, audited as one.
func (s *Service) List(ctx context.Context, a policy.Actor, offset int) (*List, error) {
	if err := s.authorize(ctx, a, policy.UseMessages); err != nil {
		return nil, err
	}
	if offset < 0 || offset > 1_000_000 {
		return nil, &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{"offset": "0以上の整数で指定してください。"}}
	}
	var out *List
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		out = &List{Offset: offset}
		scope, err := s.ppl.ScopeFor(ctx, tx, a)
		if err != nil {
			return err
		}
		items, total, unread, err := tx.FindUserConversations(ctx, a.NetworkID, a.UserID, scope,
			domain.ConversationFilter{Limit: ListSize, Offset: offset})
		if err != nil {
			return err
		}
		out.Total, out.Unread = total, unread
		dir := newDirectory(ctx, tx, a.NetworkID)
		read := map[string]bool{}
		for _, it := range items {
			item := &Item{ConversationItem: it}
			var via string
			if it.PersonID != "" {
				// The list form and the policy agree person by person; the policy has
				// the last word.
				p, f, err := s.ppl.FactsFor(ctx, tx, a, it.PersonID)
				if err != nil {
					return err
				}
				if p == nil {
					continue
				}
				d := policy.Decide(a, policy.ReadConversation, policy.InConversation(a, true, f))
				if !d.Allow {
					continue
				}
				via = d.Reason
				item.Person = &domain.Person{NetworkID: p.NetworkID, ID: p.ID, FamilyName: p.FamilyName, GivenName: p.GivenName}
				if !read[p.ID] {
					read[p.ID] = true
					if err := s.log.Append(ctx, tx, event(ctx, a, "person.view", it.ID, p.ID,
						map[string]any{"via": via, "as_conversation_list": true})); err != nil {
						return err
					}
				}
			}
			parts, err := tx.FindParticipants(ctx, a.NetworkID, it.ID)
			if err != nil {
				return err
			}
			var names []string
			for _, p := range parts {
				if p.UserID == a.UserID || !p.LeftAt.IsZero() {
					continue
				}
				r, err := dir.ref(p.UserID)
				if err != nil {
					return err
				}
				names = append(names, r.DisplayName)
			}
			item.Title = title(&it.Conversation, names)
			out.Items = append(out.Items, item)
		}
		return s.log.Append(ctx, tx, event(ctx, a, "conversations.list", "", "",
			map[string]any{"offset": offset, "returned": len(out.Items), "total": total}))
	})
	if err != nil {
		return nil, err // nothing leaves unless its audit events were written
	}
	return out, nil
}

// MunicipalStaff is the directory's choice for the city's own staff, who belong
// to no organization.
const MunicipalStaff = "municipal"

// Directory is whom the actor may write to, for choosing participants by
// organization and name.
type Directory struct {
	Orgs  []*domain.Organization // active organizations, by name
	City  bool                   // the network has municipal staff to choose from
	Users []UserRef              // matching users; empty until an organization or a name is given
	More  bool                   // more matched than were returned
}

// DirectorySize bounds one directory answer.
const DirectorySize = 100

// Directory lists the active 業務利用者 of the network in an organization
// (MunicipalStaff: the city's staff; "": any) whose name contains query, the
// actor left out.
func (s *Service) Directory(ctx context.Context, a policy.Actor, orgID, query string) (*Directory, error) {
	if err := s.authorize(ctx, a, policy.UseMessages); err != nil {
		return nil, err
	}
	errs := domain.FieldErrors{}
	query = validate.Text(errs, "q", "名前", query, false, 50, false)
	orgID = strings.TrimSpace(orgID)
	if orgID != "" && orgID != MunicipalStaff && !validID(orgID) {
		errs.Add("org_id", "組織を一覧から選んでください。")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	out := &Directory{City: a.Profile.HasMunicipal}
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		out.Users, out.More = nil, false
		orgs, err := tx.FindOrganizations(ctx, a.NetworkID, domain.OrgFilter{Status: domain.OrgActive})
		if err != nil {
			return err
		}
		out.Orgs = orgs
		names := map[string]string{}
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
		var f domain.UserFilter
		switch {
		case orgID == MunicipalStaff:
			f = domain.UserFilter{Role: domain.RoleMunicipal, NoOrgOnly: true}
		case orgID != "":
			if _, ok := names[orgID]; !ok {
				return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
					Fields: map[string]string{"org_id": "組織を一覧から選んでください。"}}
			}
			f = domain.UserFilter{OrgID: orgID}
		case query == "":
			return nil // choose an organization or type a name first
		}
		f.Status = domain.UserActive
		users, err := tx.FindUsers(ctx, a.NetworkID, f)
		if err != nil {
			return err
		}
		q := fold(query)
		for _, u := range users {
			if u.ID == a.UserID || (q != "" && !strings.Contains(fold(u.DisplayName), q)) {
				continue
			}
			if u.OrgID != "" && names[u.OrgID] == "" {
				continue // the organization is suspended or withdrawn
			}
			if !policy.Decide(actorOf(a, u), policy.UseMessages, policy.Resource{}).Allow {
				continue
			}
			if len(out.Users) == DirectorySize {
				out.More = true
				break
			}
			out.Users = append(out.Users, UserRef{ID: u.ID, DisplayName: u.DisplayName, Role: u.Role,
				Occupation: u.Occupation, OrgID: u.OrgID, OrgName: names[u.OrgID]})
		}
		sort.SliceStable(out.Users, func(i, j int) bool {
			if out.Users[i].OrgName != out.Users[j].OrgName {
				return out.Users[i].OrgName < out.Users[j].OrgName
			}
			return out.Users[i].DisplayName < out.Users[j].DisplayName
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// fold makes a name comparable: no spaces (full or half width), lower case.
func fold(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "　", "").Replace(s))
}

// PersonName returns the person a new conversation would be about, for the form
// that starts it from the person's page; naming them is a read of the person,
// decided and audited as one. Nil when the actor may not take part in a
// conversation about them.
func (s *Service) PersonName(ctx context.Context, a policy.Actor, personID string) (*domain.Person, error) {
	if err := s.authorize(ctx, a, policy.UseMessages); err != nil {
		return nil, err
	}
	if !validID(personID) {
		return nil, nil
	}
	var out *domain.Person
	var den *denial
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		out, den = nil, nil
		p, f, err := s.ppl.FactsFor(ctx, tx, a, personID)
		if err != nil {
			return err
		}
		if p == nil {
			den = &denial{action: string(policy.JoinConversation), person: personID, reason: "no such person"}
			return nil
		}
		d := policy.Decide(a, policy.JoinConversation, policy.Resource{Person: f})
		if !d.Allow {
			den = &denial{action: string(policy.JoinConversation), person: personID, reason: d.Reason}
			return nil
		}
		out = &domain.Person{NetworkID: p.NetworkID, ID: p.ID, FamilyName: p.FamilyName, GivenName: p.GivenName}
		return s.log.Append(ctx, tx, event(ctx, a, "person.view", "", p.ID, map[string]any{"via": d.Reason, "as_conversation_form": true}))
	})
	if err != nil {
		return nil, err
	}
	if den != nil {
		return nil, s.deny(ctx, a, den)
	}
	return out, nil
}

// Chosen names the users chosen so far on the form that starts a conversation;
// those that are not usable 業務利用者 of the network are left out (the form then
// asks again).
func (s *Service) Chosen(ctx context.Context, a policy.Actor, ids []string) ([]UserRef, error) {
	if err := s.authorize(ctx, a, policy.UseMessages); err != nil {
		return nil, err
	}
	var out []UserRef
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		out = nil
		dir := newDirectory(ctx, tx, a.NetworkID)
		seen := map[string]bool{}
		for _, id := range ids {
			if !validID(id) || id == a.UserID || seen[id] || len(out) == MaxParticipants {
				continue
			}
			seen[id] = true
			u, err := dir.usable(id)
			if err != nil {
				return err
			}
			if u == nil || !policy.Decide(actorOf(a, u), policy.UseMessages, policy.Resource{}).Allow {
				continue
			}
			r, err := dir.ref(id)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
