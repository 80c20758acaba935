package policy

import (
	"slices"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/profile"
)

// The bulletin board, from the seeds (not from the profile files):
//   - beppu §8 (2), fukuoka §14 (2): the board is a function of the service for
//     every user;
//   - beppu §9-2..3, fukuoka §15-2..3: the 事業責任者 decides a stop for
//     maintenance and announces it in advance on the board;
//   - beppu §6-2 (2)(3), §7-3 (5), fukuoka §6-2 (2)(3), §7-3 (5): the 運営管理責任者
//     and the 運営事務局 make the use of the system known to the organizations
//     (notices); fukuoka §8 システム管理者 keeps the system running, §35 the
//     auditor audits: neither posts;
//   - katori §29, §32-2, §35-3: the contracted vendor announces service changes,
//     its emergency stops and changes of the terms; joso §5-4 (3): the vendor
//     announces incidents and their recovery; sendai §27, §33-2: changes, while
//     its stops are reported to the users by the 泉ブロック会 (§29-4);
//   - organizations' admins and staff and municipal staff read, they do not post.
var boardPosters = map[string]struct {
	notice, maintenance []string // actor kinds: "op:<role>", "vendor"
}{
	"beppu":        {[]string{"op:jigyo_sekininsha", "op:unei_kanri_sekininsha", "op:unei_jimukyoku"}, []string{"op:jigyo_sekininsha"}},
	"fukuoka":      {[]string{"op:jigyo_sekininsha", "op:unei_kanri_sekininsha", "op:unei_jimukyoku"}, []string{"op:jigyo_sekininsha"}},
	"katori":       {[]string{"op:shi", "vendor"}, []string{"op:shi", "vendor"}},
	"joso":         {[]string{"op:shi", "vendor"}, []string{"op:shi"}},
	"sendai-izumi": {[]string{"op:izumi_block", "vendor"}, []string{"op:izumi_block"}},
}

type boardActor struct {
	kind    string
	a       Actor
	orgType string
}

func boardActors(p *profile.Profile, at time.Time) []boardActor {
	var out []boardActor
	add := func(kind string, a Actor, orgType string) {
		a.NetworkID, a.UserID, a.Profile, a.Now, a.Stage = "net-"+p.ID, "u-"+kind, p, at, domain.StageFull
		out = append(out, boardActor{kind, a, orgType})
	}
	for _, r := range p.OperatorRoles {
		add("op:"+r.Key, Actor{Role: domain.RoleOperator, OperatorRole: r.Key}, "")
	}
	if p.HasVendor {
		add("vendor", Actor{Role: domain.RoleVendor}, "")
	}
	if p.HasAuditor {
		add("auditor", Actor{Role: domain.RoleAuditor}, "")
	}
	if p.HasMunicipal {
		add("municipal", Actor{Role: domain.RoleMunicipal}, "")
	}
	first, last := p.OrgTypes[0].Key, p.OrgTypes[len(p.OrgTypes)-1].Key
	add("admin", Actor{Role: domain.RoleAdmin, OrgID: "org-1", Occupation: p.Occupations[0].Key}, first)
	add("staff", Actor{Role: domain.RoleStaff, OrgID: "org-1", Occupation: p.Occupations[0].Key}, first)
	add("staff-other", Actor{Role: domain.RoleStaff, OrgID: "org-2", Occupation: p.Occupations[1].Key}, last)
	return out
}

func TestBoardDecide(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))
	for _, id := range profile.IDs() {
		p := profile.MustGet(id)
		want, ok := boardPosters[id]
		if !ok {
			t.Errorf("no expectation for %s", id)
			continue
		}
		for _, ba := range boardActors(p, at) {
			a := ba.a
			if d := Decide(a, ViewBoard, Resource{}); !d.Allow {
				t.Errorf("%s %s: ViewBoard denied (%s); every user reads the board (%s)", id, ba.kind, d.Reason, p.Board.Article)
			}
			if d := Decide(a, ViewNotifications, Resource{UserID: a.UserID}); !d.Allow {
				t.Errorf("%s %s: own notifications denied (%s)", id, ba.kind, d.Reason)
			}
			for _, k := range []struct {
				kind domain.BoardKind
				who  []string
			}{{domain.BoardNotice, want.notice}, {domain.BoardMaintenance, want.maintenance}} {
				res := Resource{Board: &BoardFacts{Kind: k.kind, Status: domain.BoardPublished}}
				w := slices.Contains(k.who, ba.kind)
				for _, act := range []Action{PostBoard, ManageBoardPost} {
					if d := Decide(a, act, res); d.Allow != w {
						t.Errorf("%s %s %s %s: %+v, want allow=%t", id, ba.kind, act, k.kind, d, w)
					}
				}
			}
			manages := slices.Contains(want.notice, ba.kind) || slices.Contains(want.maintenance, ba.kind)
			if s := BoardScope(a, ba.orgType); s.All != manages {
				t.Errorf("%s %s: scope %+v, want All=%t", id, ba.kind, s, manages)
			}
		}
		// An unknown kind is nobody's to post.
		op := Actor{NetworkID: "n", UserID: "u", Role: domain.RoleOperator, OperatorRole: p.ApprovalRole, Profile: p, Now: at, Stage: domain.StageFull}
		if d := Decide(op, PostBoard, Resource{Board: &BoardFacts{Kind: "advert"}}); d.Allow {
			t.Errorf("%s: an unknown kind was allowed", id)
		}
		if d := Decide(op, PostBoard, Resource{}); d.Allow {
			t.Errorf("%s: a post action without a post was allowed", id)
		}
	}
}

// A post for 訪問看護 organizations is not seen by a care-management office
// (fukuoka has both types); the list form agrees with the single answer.
func TestBoardAudienceDecide(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))
	p := profile.MustGet("fukuoka")
	actor := func(role domain.Role, opRole, occ string) Actor {
		return Actor{NetworkID: "net-fukuoka", UserID: "u", Role: role, OperatorRole: opRole, Occupation: occ, Profile: p, Now: at, Stage: domain.StageFull}
	}
	nurse := actor(domain.RoleStaff, "", "nurse")
	cm := actor(domain.RoleStaff, "", "care_manager")
	admin := actor(domain.RoleAdmin, "", "nurse")
	city := actor(domain.RoleMunicipal, "", "")
	jimu := actor(domain.RoleOperator, "unei_jimukyoku", "")
	sys := actor(domain.RoleOperator, "system_kanrisha", "")
	aud := actor(domain.RoleAuditor, "", "")
	type viewer struct {
		name    string
		a       Actor
		orgType string
	}
	viewers := []viewer{{"nurse of a 訪問看護 station", nurse, "houmon_kango"}, {"care manager of a 居宅", cm, "kyotaku"},
		{"admin of a 訪問看護 station", admin, "houmon_kango"}, {"municipal", city, ""}, {"運営事務局", jimu, ""},
		{"システム管理者", sys, ""}, {"auditor", aud, ""}}
	hk := domain.BoardAudience{OrgTypes: []string{"houmon_kango"}}
	posts := []struct {
		name string
		aud  domain.BoardAudience
		st   domain.BoardStatus
		want []string
	}{
		{"for everyone", domain.BoardAudience{}, domain.BoardPublished,
			[]string{"nurse of a 訪問看護 station", "care manager of a 居宅", "admin of a 訪問看護 station", "municipal", "運営事務局", "システム管理者", "auditor"}},
		{"for 訪問看護 stations", hk, domain.BoardPublished, []string{"nurse of a 訪問看護 station", "admin of a 訪問看護 station", "運営事務局"}},
		{"for admins of 訪問看護 stations", domain.BoardAudience{OrgTypes: hk.OrgTypes, Roles: []string{"admin"}}, domain.BoardPublished,
			[]string{"admin of a 訪問看護 station", "運営事務局"}},
		{"for care managers", domain.BoardAudience{Occupations: []string{"care_manager"}}, domain.BoardPublished, []string{"care manager of a 居宅", "運営事務局"}},
		{"for operators and the auditor", domain.BoardAudience{Roles: []string{"operator", "auditor"}}, domain.BoardPublished,
			[]string{"運営事務局", "システム管理者", "auditor"}},
		{"withdrawn", domain.BoardAudience{}, domain.BoardWithdrawn, []string{"運営事務局"}},
	}
	for _, post := range posts {
		for _, v := range viewers {
			res := Resource{Board: &BoardFacts{Kind: domain.BoardNotice, Status: post.st, Audience: post.aud, ViewerOrgType: v.orgType}}
			want := slices.Contains(post.want, v.name)
			if d := Decide(v.a, ViewBoardPost, res); d.Allow != want {
				t.Errorf("%s, as %s: %+v, want allow=%t", post.name, v.name, d, want)
			}
			// The list form: what the store's SQL does with the scope.
			s := BoardScope(v.a, v.orgType)
			listed := s.All || post.st == domain.BoardPublished && post.aud.Includes(s.OrgType, s.Role, s.Occupation)
			if listed != want {
				t.Errorf("%s, as %s: the list form says %t", post.name, v.name, listed)
			}
		}
	}
}

// fukuoka §15: outside the service hours organization users do not read the
// board; network-level accounts keep access; a session still in first-login
// setup reads nothing.
func TestBoardServiceHours(t *testing.T) {
	p := profile.MustGet("fukuoka")
	night := time.Date(2026, 11, 24, 23, 0, 0, 0, time.FixedZone("JST", 9*3600))
	staff := Actor{NetworkID: "n", UserID: "u", OrgID: "o", Role: domain.RoleStaff, Occupation: "nurse", Profile: p, Now: night, Stage: domain.StageFull}
	if d := Decide(staff, ViewBoard, Resource{}); d.Allow {
		t.Errorf("staff at 23:00: allowed (%s)", d.Reason)
	}
	op := Actor{NetworkID: "n", UserID: "u", Role: domain.RoleOperator, OperatorRole: "jigyo_sekininsha", Profile: p, Now: night, Stage: domain.StageFull}
	if d := Decide(op, PostBoard, Resource{Board: &BoardFacts{Kind: domain.BoardMaintenance}}); !d.Allow {
		t.Errorf("事業責任者 at 23:00: denied (%s)", d.Reason)
	}
	op.Stage = domain.StageChangePassword
	if d := Decide(op, ViewBoard, Resource{}); d.Allow {
		t.Errorf("setup session: allowed (%s)", d.Reason)
	}
}
