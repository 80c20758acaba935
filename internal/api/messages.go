package api

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/messages"
)

// Messages between staff users (業務利用者同士の情報交換機能, fukuoka §14 (3)).
// Handlers parse, call the messages service (which asks policy.Decide and audits
// every read and change before answering) and write JSON. A conversation the
// actor may not read is 404, whether or not it exists; so is one about a person
// the actor may no longer view.

// msg is the messaging capability over the people service it shares facts with.
func (a *API) msg() *messages.Service { return messages.New(a.people) }

type userRefJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Occupation  string `json:"occupation"`
	OrgID       string `json:"org_id"`
	OrgName     string `json:"org_name"`
}

func userRefOut(u messages.UserRef) userRefJSON {
	return userRefJSON{ID: u.ID, DisplayName: u.DisplayName, Role: string(u.Role), Occupation: u.Occupation,
		OrgID: u.OrgID, OrgName: u.OrgName}
}

func userRefsOut(us []messages.UserRef) []userRefJSON {
	out := make([]userRefJSON, 0, len(us))
	for _, u := range us {
		out = append(out, userRefOut(u))
	}
	return out
}

// conversationPersonJSON names the person a conversation is about.
type conversationPersonJSON struct {
	ID         string `json:"id"`
	FamilyName string `json:"family_name"`
	GivenName  string `json:"given_name"`
}

func conversationPersonOut(p *domain.Person) *conversationPersonJSON {
	if p == nil {
		return nil
	}
	return &conversationPersonJSON{ID: p.ID, FamilyName: p.FamilyName, GivenName: p.GivenName}
}

type conversationJSON struct {
	ID            string                  `json:"id"`
	Title         string                  `json:"title"`
	Subject       string                  `json:"subject"`
	Person        *conversationPersonJSON `json:"person"`
	CreatedBy     string                  `json:"created_by"`
	CreatedAt     *string                 `json:"created_at"`
	LastMessageAt *string                 `json:"last_message_at"`
	LastSeq       int64                   `json:"last_seq"`
}

func conversationOut(c *domain.Conversation, title string, p *domain.Person) conversationJSON {
	return conversationJSON{ID: c.ID, Title: title, Subject: c.Subject, Person: conversationPersonOut(p), CreatedBy: c.CreatedBy,
		CreatedAt: timestamp(c.CreatedAt), LastMessageAt: timestamp(c.LastMessageAt), LastSeq: c.LastSeq}
}

type conversationItemJSON struct {
	conversationJSON
	ReadSeq int64 `json:"read_seq"`
	Unread  int   `json:"unread"`
}

// listConversations: the actor's conversations, newest message first, with
// unread counts (?offset= pages by 50).
func (a *API) listConversations(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	offset, err := queryInt(r, "offset")
	if err != nil {
		return err
	}
	list, err := a.msg().List(r.Context(), pr.Actor, offset)
	if err != nil {
		return err
	}
	items := make([]conversationItemJSON, 0, len(list.Items))
	for _, it := range list.Items {
		items = append(items, conversationItemJSON{conversationJSON: conversationOut(&it.Conversation, it.Title, it.Person),
			ReadSeq: it.ReadSeq, Unread: it.Unread})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"total": list.Total, "unread": list.Unread, "offset": list.Offset,
		"conversations": items})
}

type conversationRequest struct {
	Participants []string `json:"participants"`
	Subject      string   `json:"subject"`
	PersonID     string   `json:"person_id"`
	Text         string   `json:"text"`
}

// startConversation opens a conversation with its first message.
func (a *API) startConversation(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in conversationRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := a.msg().Start(r.Context(), pr.Actor, messages.NewConversation{Participants: in.Participants,
		Subject: in.Subject, PersonID: in.PersonID, Text: in.Text})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/conversations/"+c.ID)
	return writeJSON(w, http.StatusCreated, map[string]string{"id": c.ID})
}

type participantJSON struct {
	User     userRefJSON `json:"user"`
	AddedBy  string      `json:"added_by"`
	JoinedAt *string     `json:"joined_at"`
	LeftAt   *string     `json:"left_at"`
	ReadSeq  int64       `json:"read_seq"`
	ReadAt   *string     `json:"read_at"`
	Hidden   bool        `json:"hidden"`
}

type messageJSON struct {
	ID        string        `json:"id"`
	Seq       int64         `json:"seq"`
	Kind      string        `json:"kind"`
	Author    userRefJSON   `json:"author"`
	Body      string        `json:"body"`
	CreatedAt *string       `json:"created_at"`
	ReadBy    []userRefJSON `json:"read_by"`
	Added     []userRefJSON `json:"added"`
}

func messagesOut(ms []*messages.Message) []messageJSON {
	out := make([]messageJSON, 0, len(ms))
	for _, m := range ms {
		body := m.Body
		if m.Kind != domain.MessageText {
			body = "" // the notes of who joined and left are told by kind and added
		}
		out = append(out, messageJSON{ID: m.ID, Seq: m.Seq, Kind: m.Kind, Author: userRefOut(m.Author), Body: body,
			CreatedAt: timestamp(m.CreatedAt), ReadBy: userRefsOut(m.ReadBy), Added: userRefsOut(m.Added)})
	}
	return out
}

func seqOrNull(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

// getConversation is the conversation, its participants and its newest messages
// (oldest first); reading it marks it read. The read is audited, like a read of
// the person for a conversation about one, before the answer.
func (a *API) getConversation(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	v, err := a.msg().Get(r.Context(), pr.Actor, r.PathValue("id"), 0)
	if err != nil {
		return err
	}
	parts := make([]participantJSON, 0, len(v.Participants))
	for _, p := range v.Participants {
		parts = append(parts, participantJSON{User: userRefOut(p.User), AddedBy: p.AddedBy, JoinedAt: timestamp(p.JoinedAt),
			LeftAt: timestamp(p.LeftAt), ReadSeq: p.ReadSeq, ReadAt: timestamp(p.ReadAt), Hidden: p.Hidden})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"conversation": conversationOut(v.Conversation, v.Title, v.Person),
		"via": v.Via, "participants": parts, "messages": messagesOut(v.Messages), "older_before": seqOrNull(v.Older),
		"first_unread": seqOrNull(v.FirstUnread)})
}

// listMessages pages a conversation's messages: ?before=SEQ gives those before
// it; without it, the newest (and the conversation is marked read).
func (a *API) listMessages(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	v, err := a.msg().Get(r.Context(), pr.Actor, r.PathValue("id"), int64(before))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"messages": messagesOut(v.Messages), "older_before": seqOrNull(v.Older)})
}

type messageRequest struct {
	Text string `json:"text"`
}

// postMessage writes a message in the conversation.
func (a *API) postMessage(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in messageRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := a.msg().Post(r.Context(), pr.Actor, r.PathValue("id"), in.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": m.ID, "seq": m.Seq, "created_at": timestamp(m.CreatedAt)})
}

type participantsRequest struct {
	Participants []string `json:"participants"`
}

// addParticipants: a participant adds others (each an active 業務利用者 of the
// network who, for a conversation about a person, may view that person).
func (a *API) addParticipants(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in participantsRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.msg().AddParticipants(r.Context(), pr.Actor, r.PathValue("id"), in.Participants); err != nil {
		return err
	}
	return noContent(w)
}

// leaveConversation takes the actor out of the conversation.
func (a *API) leaveConversation(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if err := a.msg().Leave(r.Context(), pr.Actor, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// messageRecipients is whom the actor may write to: ?org_id= (an organization,
// or "municipal" for the city's staff) and/or ?q= (part of the name).
func (a *API) messageRecipients(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	org, err := queryText(r, "org_id", 64)
	if err != nil {
		return err
	}
	q, err := queryText(r, "q", 50)
	if err != nil {
		return err
	}
	d, err := a.msg().Directory(r.Context(), pr.Actor, org, q)
	if err != nil {
		return err
	}
	orgs := make([]map[string]string, 0, len(d.Orgs))
	for _, o := range d.Orgs {
		orgs = append(orgs, map[string]string{"id": o.ID, "name": o.Name, "type": o.Type})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"organizations": orgs, "municipal": d.City, "users": userRefsOut(d.Users),
		"more": d.More})
}
