package policy

import (
	"renraku/internal/domain"
	"renraku/internal/profile"
)

// Actions on the electronic bulletin board (電子掲示板, beppu §8 (2), fukuoka §14
// (2)) and on one's own notifications. A post action takes Resource.Board.
const (
	// ViewBoard: the board's list. Which posts it shows is the list form,
	// BoardScope.
	ViewBoard Action = "board.view"
	// ViewBoardPost: one post: those who manage the board see every post, the
	// others a published post whose audience they are in.
	ViewBoardPost Action = "board.post.view"
	// PostBoard: a new post of Resource.Board.Kind.
	PostBoard Action = "board.post"
	// ManageBoardPost: edit or withdraw a post of Resource.Board.Kind, and see who
	// read it.
	ManageBoardPost Action = "board.post.manage"
	// ViewNotifications: one's own notifications and the choice of e-mail.
	ViewNotifications Action = "notifications.view"
)

// BoardFacts is what the policy needs about a post: its kind, status and
// audience, and the type of the actor's organization ("" for network-level
// accounts), which the Actor does not carry.
type BoardFacts struct {
	Kind          domain.BoardKind
	Status        domain.BoardStatus
	Audience      domain.BoardAudience
	ViewerOrgType string
}

// BoardResource is the Resource of a post action on p for a viewer whose
// organization is of type orgType.
func BoardResource(p *domain.BoardPost, orgType string) Resource {
	return Resource{Board: &BoardFacts{Kind: p.Kind, Status: p.Status, Audience: p.Audience, ViewerOrgType: orgType}}
}

// BoardScope is the list form of ViewBoardPost: the posts the actor may see,
// as the store's filter. Ask Decide(ViewBoard) first.
func BoardScope(a Actor, orgType string) domain.BoardScope {
	if managesBoard(a) {
		return domain.BoardScope{All: true}
	}
	return domain.BoardScope{OrgType: orgType, Role: a.Role, Occupation: a.Occupation}
}

// managesBoard: the actor may post notices or maintenance announcements, and so
// sees every post, withdrawn ones too.
func managesBoard(a Actor) bool {
	return a.Profile != nil && (mayPost(a, domain.BoardNotice).Allow || mayPost(a, domain.BoardMaintenance).Allow)
}

// decideBoard answers the board and notification actions. It is called from
// Decide, after the checks every action gets (role exists in the network,
// service hours, first-login setup).
func decideBoard(a Actor, act Action, res Resource) (Decision, bool) {
	switch act {
	case ViewBoard, ViewBoardPost, PostBoard, ManageBoardPost, ViewNotifications:
	default:
		return Decision{}, false
	}
	p := a.Profile
	switch act {
	case ViewNotifications:
		return allow("own notifications"), true
	case ViewBoard:
		// beppu §9-3, fukuoka §15-3: the board is how every user is told in advance.
		return allow("every user reads the bulletin board (" + p.Board.Article + ")"), true
	}
	f := res.Board
	if f == nil {
		return deny("no post given"), true
	}
	switch act {
	case ViewBoardPost:
		if managesBoard(a) {
			return allow("manages the bulletin board"), true
		}
		if f.Status != domain.BoardPublished {
			return deny("the post was withdrawn"), true
		}
		if f.Audience.Includes(f.ViewerOrgType, a.Role, a.Occupation) {
			return allow("in the post's audience"), true
		}
		return deny("not in the post's audience"), true
	default: // PostBoard, ManageBoardPost
		return mayPost(a, f.Kind), true
	}
}

// mayPost answers whether the actor posts (and edits and withdraws) posts of a kind.
func mayPost(a Actor, kind domain.BoardKind) Decision {
	p := a.Profile
	pw, article := profile.PowerBoardPost, p.Board.Article
	switch kind {
	case domain.BoardNotice:
	case domain.BoardMaintenance:
		// beppu §9-2..3, fukuoka §15-2..3: the 事業責任者 decides a stop and
		// announces it in advance on the board.
		pw, article = profile.PowerBoardMaintenance, p.Board.MaintenanceArticle
	default:
		return deny("unknown kind of post " + string(kind))
	}
	switch a.Role {
	case domain.RoleOperator:
		if p.HasPower(a.OperatorRole, pw) {
			return allow("operator role " + a.OperatorRole + " holds " + string(pw) + " (" + article + ")")
		}
		return deny("operator role " + a.OperatorRole + " lacks " + string(pw))
	case domain.RoleVendor:
		// katori §29, §32-2, §35-3; joso §5-4 (3); sendai §27, §33-2: the
		// contracted vendor tells the users of changes, incidents and its stops.
		if kind == domain.BoardNotice && p.Board.VendorNotices || kind == domain.BoardMaintenance && p.Board.VendorMaintenance {
			return allow("the contracted vendor announces to the users (" + p.Board.VendorArticle + ")")
		}
		return deny("the contracted vendor does not post this on the board in this network")
	}
	return deny("only the operator posts on the bulletin board (" + p.Board.Article + ")")
}
