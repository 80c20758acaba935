// Package board is the electronic bulletin board (電子掲示板, beppu §8 (2),
// fukuoka §14 (2)): the operator's notices to every user of the network or to
// chosen organization types, account kinds and occupations; pinned notices
// first; planned-maintenance announcements that carry their window and are shown
// on the home page while upcoming or ongoing (beppu §9-3, fukuoka §15-3); read
// marks per user, which those who manage the board see as counts and a list.
//
// Who may post is the policy's answer from the profile (operator powers
// board.post and board.maintenance, and the vendor where the seed has it announce
// changes); who sees a post is its audience, turned into SQL by
// policy.BoardScope. Every post, edit and withdrawal is audited in its
// transaction, and the audience is notified through package notify.
package board

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/notify"
	"renraku/internal/policy"
	"renraku/internal/store"
	"renraku/internal/validate"
)

// Service runs the bulletin board.
type Service struct {
	st  store.Store
	log *audit.Log
	clk clock.Clock
}

// New returns the service.
func New(st store.Store, log *audit.Log, clk clock.Clock) *Service {
	return &Service{st: st, log: log, clk: clk}
}

func (s *Service) now() time.Time { return s.clk.Now().UTC().Truncate(time.Microsecond) }

// Link is the path of a post's page.
func Link(net, id string) string { return "/n/" + net + "/board/" + id }

func event(ctx context.Context, a policy.Actor, action, targetID string, detail map[string]any) *domain.AuditEvent {
	m := domain.RequestMetaFrom(ctx)
	ev := &domain.AuditEvent{NetworkID: a.NetworkID, Action: action, TargetType: "board_post", TargetID: targetID,
		RemoteAddr: m.RemoteAddr, RequestID: m.RequestID, Outcome: "ok",
		ActorUserID: a.UserID, ActorLogin: a.LoginID, ActorOrgID: a.OrgID, ActorRole: string(a.Role)}
	if a.OperatorRole != "" {
		ev.ActorRole += "/" + a.OperatorRole
	}
	if detail != nil {
		b, _ := json.Marshal(detail)
		ev.Detail = string(b)
	}
	return ev
}

var errNoPost = domain.Errorf(domain.ENOTFOUND, "お知らせが見つからないか、閲覧の対象ではありません。")

// deny audits a refusal in its own transaction (the caller's rolls back) and
// returns the error to show: a post the actor may not see is not found.
func (s *Service) deny(ctx context.Context, a policy.Actor, act policy.Action, id, reason string, notFound bool) error {
	ev := event(ctx, a, string(act), id, nil)
	ev.Outcome, ev.Reason = "denied", reason
	if err := s.st.Transact(context.WithoutCancel(ctx), func(tx store.Tx) error { return s.log.Append(ctx, tx, ev) }); err != nil {
		return err
	}
	if notFound {
		return errNoPost
	}
	full := a
	full.Stage = domain.StageFull
	if p := a.Profile; p != nil && !p.InService(a.Now) && !policy.Decide(full, policy.UseService, policy.Resource{}).Allow {
		return domain.Problem(domain.EUNAVAILABLE, "outside-service-hours",
			"サービス提供時間外です（"+p.ServiceHours.Start+"〜"+p.ServiceHours.End+"）。時間内に再度ご利用ください。")
	}
	return domain.ErrForbidden
}

// orgType is the type of the actor's organization ("" for network-level accounts).
func orgType(ctx context.Context, tx store.Tx, a policy.Actor) (string, error) {
	if a.OrgID == "" {
		return "", nil
	}
	o, err := tx.FindOrganization(ctx, a.NetworkID, a.OrgID)
	if err != nil {
		return "", err
	}
	return o.Type, nil
}

// Page is how many posts a page of the board holds.
const Page = 30

// List returns a page (from 0) of the posts the actor may see, pinned first,
// then newest first, each with the actor's read mark, and the total.
func (s *Service) List(ctx context.Context, a policy.Actor, page int) ([]*domain.BoardPost, int, error) {
	return s.list(ctx, a, domain.BoardFilter{Viewer: a.UserID, Limit: Page, Offset: max(page, 0) * Page})
}

// Maintenance returns the maintenance announcements the actor may see whose
// window has not ended: upcoming and ongoing, nearest first (the home page).
func (s *Service) Maintenance(ctx context.Context, a policy.Actor) ([]*domain.BoardPost, error) {
	posts, _, err := s.list(ctx, a, domain.BoardFilter{Viewer: a.UserID, MaintenanceAfter: a.Now, Limit: 20})
	if err != nil {
		return nil, err
	}
	// The operator's scope holds withdrawn posts too; a withdrawn stop is not on.
	return slices.DeleteFunc(posts, func(p *domain.BoardPost) bool { return p.Status != domain.BoardPublished }), nil
}

func (s *Service) list(ctx context.Context, a policy.Actor, f domain.BoardFilter) ([]*domain.BoardPost, int, error) {
	if d := policy.Decide(a, policy.ViewBoard, policy.Resource{}); !d.Allow {
		return nil, 0, s.deny(ctx, a, policy.ViewBoard, "", d.Reason, false)
	}
	var posts []*domain.BoardPost
	var total int
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		ot, err := orgType(ctx, tx, a)
		if err != nil {
			return err
		}
		posts, total, err = tx.FindBoardPosts(ctx, a.NetworkID, policy.BoardScope(a, ot), f)
		return err
	})
	return posts, total, err
}

// View is one post as its page shows it.
type View struct {
	Post *domain.BoardPost
	// Manage: the actor may edit and withdraw it and sees who read it.
	Manage bool
	// For those who manage it: the read marks, the size of the audience now and
	// how many of it read the current version.
	Reads       []domain.BoardRead
	Audience    int
	ReadCurrent int
}

// Get returns a post the actor may see and records that they read it (and that
// its notifications are read).
func (s *Service) Get(ctx context.Context, a policy.Actor, id string) (*View, error) {
	return s.view(ctx, a, id, policy.ViewBoardPost, true)
}

// Reads returns a post with its read marks, for those who manage it.
func (s *Service) Reads(ctx context.Context, a policy.Actor, id string) (*View, error) {
	return s.view(ctx, a, id, policy.ManageBoardPost, false)
}

func (s *Service) view(ctx context.Context, a policy.Actor, id string, act policy.Action, markRead bool) (*View, error) {
	var v *View
	var denied *policy.Decision
	var visible bool
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		v, denied = nil, nil
		p, err := tx.FindBoardPost(ctx, a.NetworkID, id)
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				denied = &policy.Decision{Reason: "no such post"}
				return nil
			}
			return err
		}
		ot, err := orgType(ctx, tx, a)
		if err != nil {
			return err
		}
		res := policy.BoardResource(p, ot)
		if d := policy.Decide(a, act, res); !d.Allow {
			visible = policy.Decide(a, policy.ViewBoardPost, res).Allow
			denied = &d
			return nil
		}
		v = &View{Post: p, Manage: policy.Decide(a, policy.ManageBoardPost, res).Allow}
		now := s.now()
		if markRead {
			if err := tx.MarkBoardRead(ctx, a.NetworkID, p.ID, a.UserID, p.Version, now); err != nil {
				return err
			}
			if err := notify.MarkLinkRead(ctx, tx, a.NetworkID, a.UserID, Link(a.NetworkID, p.ID), now); err != nil {
				return err
			}
		}
		if v.Manage {
			if v.Reads, err = tx.FindBoardReads(ctx, a.NetworkID, p.ID); err != nil {
				return err
			}
			audience, err := tx.BoardAudienceUsers(ctx, a.NetworkID, p.Audience)
			if err != nil {
				return err
			}
			v.Audience = len(audience)
			for _, r := range v.Reads {
				if r.Version == p.Version && slices.Contains(audience, r.UserID) {
					v.ReadCurrent++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		return nil, s.deny(ctx, a, act, id, denied.Reason, !visible)
	}
	return v, nil
}

// mayPostAny refuses, before anything is read or checked, an actor who may post
// nothing at all.
func (s *Service) mayPostAny(ctx context.Context, a policy.Actor, act policy.Action, id string) error {
	notice := policy.Decide(a, act, policy.Resource{Board: &policy.BoardFacts{Kind: domain.BoardNotice}})
	maint := policy.Decide(a, act, policy.Resource{Board: &policy.BoardFacts{Kind: domain.BoardMaintenance}})
	if notice.Allow || maint.Allow {
		return nil
	}
	return s.deny(ctx, a, act, id, notice.Reason, false)
}

// Kinds returns the kinds of post the actor may write (the compose form). One
// who may write none is refused, and the refusal audited.
func (s *Service) Kinds(ctx context.Context, a policy.Actor) ([]domain.BoardKind, error) {
	if err := s.mayPostAny(ctx, a, policy.PostBoard, ""); err != nil {
		return nil, err
	}
	var out []domain.BoardKind
	for _, k := range []domain.BoardKind{domain.BoardNotice, domain.BoardMaintenance} {
		if policy.Decide(a, policy.PostBoard, policy.Resource{Board: &policy.BoardFacts{Kind: k}}).Allow {
			out = append(out, k)
		}
	}
	return out, nil
}

// MayPost reports, without auditing, whether the actor may write a post of any
// kind (menus and buttons).
func MayPost(a policy.Actor) bool {
	for _, k := range []domain.BoardKind{domain.BoardNotice, domain.BoardMaintenance} {
		if policy.Decide(a, policy.PostBoard, policy.Resource{Board: &policy.BoardFacts{Kind: k}}).Allow {
			return true
		}
	}
	return false
}

func audienceDetail(p *domain.BoardPost) map[string]any {
	d := map[string]any{"kind": p.Kind, "pinned": p.Pinned, "org_types": p.Audience.OrgTypes, "roles": p.Audience.Roles,
		"occupations": p.Audience.Occupations, "version": p.Version}
	if p.Kind == domain.BoardMaintenance {
		d["starts_at"], d["ends_at"], d["urgent"] = p.StartsAt, p.EndsAt, p.Urgent
	}
	return d
}

// tell notifies the post's audience, except its author, and returns how many
// were told.
func tell(ctx context.Context, tx store.Tx, a policy.Actor, p *domain.BoardPost, kind notify.Kind, at time.Time) (int, error) {
	users, err := tx.BoardAudienceUsers(ctx, a.NetworkID, p.Audience)
	if err != nil {
		return 0, err
	}
	users = slices.DeleteFunc(users, func(u string) bool { return u == a.UserID })
	return len(users), notify.Notify(ctx, tx, notify.To{Network: a.NetworkID, Users: users, Except: a.UserID, At: at}, kind, Link(a.NetworkID, p.ID))
}

// Create posts a notice or a maintenance announcement and notifies its audience.
func (s *Service) Create(ctx context.Context, a policy.Actor, in Input) (*domain.BoardPost, error) {
	if err := s.mayPostAny(ctx, a, policy.PostBoard, ""); err != nil {
		return nil, err
	}
	now := s.now()
	post, err := check(a.Profile, in, now, func(time.Time, time.Time) bool { return true })
	if err != nil {
		return nil, err
	}
	if d := policy.Decide(a, policy.PostBoard, policy.Resource{Board: &policy.BoardFacts{Kind: post.Kind}}); !d.Allow {
		return nil, s.deny(ctx, a, policy.PostBoard, "", d.Reason, false)
	}
	post.NetworkID, post.ID, post.Status, post.Version = a.NetworkID, domain.NewID(), domain.BoardPublished, 1
	post.AuthorID, post.AuthorName, post.CreatedAt, post.UpdatedAt = a.UserID, a.DisplayName, now, now
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		if err := tx.CreateBoardPost(ctx, post); err != nil {
			return err
		}
		kind := notify.KindBoard
		if post.Kind == domain.BoardMaintenance {
			kind = notify.KindMaintenance
		}
		n, err := tell(ctx, tx, a, post, kind, now)
		if err != nil {
			return err
		}
		d := audienceDetail(post)
		d["notified"] = n
		return s.log.Append(ctx, tx, event(ctx, a, "board.post", post.ID, d))
	})
	if err != nil {
		return nil, err
	}
	return post, nil
}

// Update edits a post (a new version; the audit event names the fields that
// changed) and, when in.Notify, tells its audience again.
func (s *Service) Update(ctx context.Context, a policy.Actor, id string, in Input) (*domain.BoardPost, error) {
	if err := s.mayPostAny(ctx, a, policy.ManageBoardPost, id); err != nil {
		return nil, err
	}
	var out *domain.BoardPost
	var denied *policy.Decision
	now := s.now()
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		out, denied = nil, nil
		old, err := tx.FindBoardPost(ctx, a.NetworkID, id)
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return errNoPost
			}
			return err
		}
		if d := policy.Decide(a, policy.ManageBoardPost, policy.BoardResource(old, "")); !d.Allow {
			denied = &d
			return nil
		}
		if old.Status != domain.BoardPublished {
			return domain.Errorf(domain.ECONFLICT, "取り下げたお知らせは編集できません。")
		}
		p, err := check(a.Profile, in, now, func(start, end time.Time) bool {
			return domain.BoardKind(in.Kind) != old.Kind || !start.Equal(old.StartsAt) || !end.Equal(old.EndsAt)
		})
		if err != nil {
			return err
		}
		if d := policy.Decide(a, policy.ManageBoardPost, policy.Resource{Board: &policy.BoardFacts{Kind: p.Kind}}); !d.Allow {
			denied = &d
			return nil
		}
		changed := changes(old, p)
		if len(changed) == 0 && !in.Notify {
			out = old
			return nil
		}
		next := *old
		next.Kind, next.Title, next.Body, next.Pinned, next.Audience = p.Kind, p.Title, p.Body, p.Pinned, p.Audience
		next.StartsAt, next.EndsAt, next.Urgent = p.StartsAt, p.EndsAt, p.Urgent
		if len(changed) > 0 {
			next.Version++
			next.UpdatedAt, next.UpdatedBy = now, a.UserID
			if err := tx.UpdateBoardPost(ctx, &next); err != nil {
				return err
			}
		}
		d := audienceDetail(&next)
		d["changed"] = changed
		if in.Notify {
			n, err := tell(ctx, tx, a, &next, notify.KindBoardUpdate, now)
			if err != nil {
				return err
			}
			d["notified"] = n
		}
		out = &next
		return s.log.Append(ctx, tx, event(ctx, a, "board.edit", id, d))
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		return nil, s.deny(ctx, a, policy.ManageBoardPost, id, denied.Reason, false)
	}
	return out, nil
}

// changes names the fields in which p differs from old.
func changes(old, p *domain.BoardPost) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("kind", old.Kind != p.Kind)
	add("title", old.Title != p.Title)
	add("body", old.Body != p.Body)
	add("pinned", old.Pinned != p.Pinned)
	add("audience", !slices.Equal(old.Audience.OrgTypes, p.Audience.OrgTypes) || !slices.Equal(old.Audience.Roles, p.Audience.Roles) ||
		!slices.Equal(old.Audience.Occupations, p.Audience.Occupations))
	add("window", !old.StartsAt.Equal(p.StartsAt) || !old.EndsAt.Equal(p.EndsAt) || old.Urgent != p.Urgent)
	return out
}

// Withdraw takes a post down (取り下げ): users no longer see it; the operator
// and the audit log keep it.
func (s *Service) Withdraw(ctx context.Context, a policy.Actor, id, reason string) error {
	if err := s.mayPostAny(ctx, a, policy.ManageBoardPost, id); err != nil {
		return err
	}
	errs := domain.FieldErrors{}
	reason = validate.Text(errs, "reason", "取り下げの理由", reason, false, 200, false)
	if err := errs.Err(); err != nil {
		return err
	}
	var denied *policy.Decision
	now := s.now()
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		denied = nil
		p, err := tx.FindBoardPost(ctx, a.NetworkID, id)
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return errNoPost
			}
			return err
		}
		if d := policy.Decide(a, policy.ManageBoardPost, policy.BoardResource(p, "")); !d.Allow {
			denied = &d
			return nil
		}
		if p.Status != domain.BoardPublished {
			return domain.Errorf(domain.ECONFLICT, "このお知らせは取り下げ済みです。")
		}
		p.Status, p.WithdrawnAt, p.WithdrawnBy, p.WithdrawReason = domain.BoardWithdrawn, now, a.UserID, reason
		if err := tx.UpdateBoardPost(ctx, p); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "board.withdraw", id, map[string]any{"kind": p.Kind, "reason": reason}))
	})
	if err != nil {
		return err
	}
	if denied != nil {
		return s.deny(ctx, a, policy.ManageBoardPost, id, denied.Reason, false)
	}
	return nil
}
