package policy

// Actions on messages between staff users (fukuoka §14 (3) 業務利用者同士の情報交換
// 機能). Only networks whose profile has the function offer it; the others' seeds
// list none (beppu §8 names the record and the bulletin board only).
//
// A conversation action other than UseMessages and JoinConversation takes the
// Resource made by InConversation: whether the actor takes part, and, for a
// conversation about a person, the policy's facts about that person for the actor.
const (
	// UseMessages: one's conversation list, the directory of whom one may write
	// to, starting a conversation.
	UseMessages Action = "messages.use"
	// JoinConversation is decided for each participant as that participant,
	// with Resource.Person the facts for them about the person the conversation
	// is about (nil: about no one): one who may not view the person cannot be
	// added (fukuoka §9-1, §19: the record is shared only with those permitted).
	JoinConversation Action = "conversation.join"
	// ReadConversation: the conversation and its messages; every read is audited.
	ReadConversation Action = "conversation.read"
	// PostMessage: write in the conversation.
	PostMessage Action = "message.post"
	// AddParticipants: a participant adds others (each also decided by JoinConversation).
	AddParticipants Action = "conversation.add"
	// LeaveConversation: a participant leaves.
	LeaveConversation Action = "conversation.leave"
)

// InConversation is the Resource of a conversation action: participant says
// whether the actor takes part (has not left); person is the policy's facts about
// the person the conversation is about, for the actor, or nil.
func InConversation(a Actor, participant bool, person *PersonFacts) Resource {
	res := Resource{Person: person}
	if participant {
		res.UserID = a.UserID
	}
	return res
}

// decideMessages answers the message actions. It is called from Decide.
func decideMessages(a Actor, act Action, res Resource) (Decision, bool) {
	switch act {
	case UseMessages, JoinConversation, ReadConversation, PostMessage, AddParticipants, LeaveConversation:
	default:
		return Decision{}, false
	}
	p := a.Profile
	if !p.Messages {
		return deny("this network has no messages between staff users (fukuoka §14 (3) has them)"), true
	}
	// fukuoka §2 (5), §14 (3): between 業務利用者, the users who belong to the city
	// or an organization and use the system for work: staff, organization admins
	// and the city's own staff. Operators post on the bulletin board (§14 (2),
	// §15-3) instead, and the auditor (§35) reads, it does not converse.
	if !orgMember(a) {
		return deny("messages are exchanged between 業務利用者 (fukuoka §2 (5), §14 (3))"), true
	}
	switch act {
	case UseMessages:
		return allow("業務利用者 exchange messages (" + p.MessagesArticle + ")"), true
	case JoinConversation:
		return aboutPerson(a, res.Person, "takes part in a conversation about no one")
	}
	if res.UserID == "" || res.UserID != a.UserID {
		return deny("not a participant of the conversation"), true
	}
	if act == LeaveConversation {
		// Leaving shows nothing; one who can no longer see the person may still go.
		return allow("a participant leaves"), true
	}
	return aboutPerson(a, res.Person, "participant of a conversation about no one")
}

// aboutPerson: in a conversation about a person every participant must be
// allowed to view that person, now (a withdrawal or an ended access counts from
// the very next request: beppu §16, fukuoka §18, §19-5). The reason of an allow
// is the permission (as for ViewPerson), audited with every read.
func aboutPerson(a Actor, f *PersonFacts, who string) (Decision, bool) {
	if f == nil {
		return allow(who), true
	}
	v := via(a, f)
	if v == "" {
		return deny("may not view the person the conversation is about"), true
	}
	return allow(v), true
}
