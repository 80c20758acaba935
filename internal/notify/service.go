package notify

import (
	"context"
	"encoding/json"
	"time"

	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
)

// Service is the user's side of notifications: the list, the unread count,
// marking read, and the choice of e-mail.
type Service struct {
	st   store.Store
	log  *audit.Log
	clk  clock.Clock
	mail bool
}

// New returns the service. mailEnabled says whether this installation sends
// e-mail (an SMTP relay is configured); without it nobody can choose e-mail.
func New(st store.Store, log *audit.Log, clk clock.Clock, mailEnabled bool) *Service {
	return &Service{st: st, log: log, clk: clk, mail: mailEnabled}
}

// MailEnabled reports whether this installation sends notification e-mail.
func (s *Service) MailEnabled() bool { return s != nil && s.mail }

func (s *Service) now() time.Time { return s.clk.Now().UTC().Truncate(time.Microsecond) }

func event(ctx context.Context, a policy.Actor, action, targetID string, detail map[string]any) *domain.AuditEvent {
	m := domain.RequestMetaFrom(ctx)
	ev := &domain.AuditEvent{NetworkID: a.NetworkID, Action: action, TargetType: "user", TargetID: targetID,
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

// authorize asks the policy; a denial is audited in its own transaction.
func (s *Service) authorize(ctx context.Context, a policy.Actor) error {
	d := policy.Decide(a, policy.ViewNotifications, policy.Resource{UserID: a.UserID})
	if d.Allow {
		return nil
	}
	ev := event(ctx, a, string(policy.ViewNotifications), a.UserID, nil)
	ev.Outcome, ev.Reason = "denied", d.Reason
	if err := s.st.Transact(context.WithoutCancel(ctx), func(tx store.Tx) error { return s.log.Append(ctx, tx, ev) }); err != nil {
		return err
	}
	return domain.ErrForbidden
}

// Item is a notification as the list shows it.
type Item struct {
	*domain.Notification
	Label string
}

// PageSize is how many notifications a page of the list holds.
const PageSize = 50

// List returns a page (from 0) of the user's notifications, newest first, and
// the unread count.
func (s *Service) List(ctx context.Context, a policy.Actor, unreadOnly bool, page int) ([]Item, int, error) {
	if err := s.authorize(ctx, a); err != nil {
		return nil, 0, err
	}
	var items []Item
	var unread int
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		ns, err := tx.FindNotifications(ctx, a.NetworkID, a.UserID, unreadOnly, PageSize, max(page, 0)*PageSize)
		if err != nil {
			return err
		}
		items = make([]Item, len(ns))
		for i, n := range ns {
			items[i] = Item{Notification: n, Label: Label(Kind(n.Kind))}
		}
		unread, err = tx.CountUnreadNotifications(ctx, a.NetworkID, a.UserID)
		return err
	})
	return items, unread, err
}

// Unread is the user's unread count (the page header). It asks no policy: it
// counts the signed-in user's own rows and shows nothing else.
func (s *Service) Unread(ctx context.Context, a policy.Actor) (int, error) {
	var n int
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.CountUnreadNotifications(ctx, a.NetworkID, a.UserID)
		return err
	})
	return n, err
}

// Open marks one of the user's notifications read and returns its link.
// Another user's notification is not found.
func (s *Service) Open(ctx context.Context, a policy.Actor, id string) (string, error) {
	if err := s.authorize(ctx, a); err != nil {
		return "", err
	}
	var link string
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		n, err := tx.FindNotification(ctx, a.NetworkID, a.UserID, id)
		if err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return domain.Errorf(domain.ENOTFOUND, "お知らせが見つかりません。")
			}
			return err
		}
		link = n.Link
		_, err = tx.MarkNotificationsRead(ctx, a.NetworkID, a.UserID, []string{id}, s.now())
		return err
	})
	return link, err
}

// MarkRead marks the user's notifications with the IDs read (all unread ones
// when ids is nil) and returns how many changed.
func (s *Service) MarkRead(ctx context.Context, a policy.Actor, ids []string) (int, error) {
	if err := s.authorize(ctx, a); err != nil {
		return 0, err
	}
	if ids != nil && len(ids) > 500 {
		return 0, &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{"ids": "一度に既読にできるのは500件までです。"}}
	}
	var n int
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.MarkNotificationsRead(ctx, a.NetworkID, a.UserID, ids, s.now())
		return err
	})
	return n, err
}

// MarkLinkRead marks the user's unread notifications of a link read, in the
// caller's transaction: opening a post marks its notices read.
func MarkLinkRead(ctx context.Context, tx store.Tx, net, userID, link string, at time.Time) error {
	_, err := tx.MarkNotificationsReadByLink(ctx, net, userID, link, at.UTC().Truncate(time.Microsecond))
	return err
}

// Settings is the user's choice of e-mail and what makes it possible.
type Settings struct {
	Email     bool   `json:"email"`     // mail is sent when something new is waiting
	Available bool   `json:"available"` // this installation sends e-mail
	HasEmail  bool   `json:"has_email"` // the account has an address to send to
	Address   string `json:"-"`         // shown to the user on their own page only
}

// Settings returns the user's e-mail choice.
func (s *Service) Settings(ctx context.Context, a policy.Actor) (Settings, error) {
	if err := s.authorize(ctx, a); err != nil {
		return Settings{}, err
	}
	out := Settings{Available: s.MailEnabled()}
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		u, err := tx.FindUser(ctx, a.NetworkID, a.UserID)
		if err != nil {
			return err
		}
		out.HasEmail, out.Address = u.Email != "", u.Email
		m, err := tx.FindMailState(ctx, a.NetworkID, a.UserID)
		switch {
		case err == nil:
			out.Email = m.EmailOn
		case domain.ErrorCode(err) != domain.ENOTFOUND:
			return err
		}
		return nil
	})
	return out, err
}

// SetEmail records the user's choice of e-mail notifications (audited). Turning
// it on needs an installation that sends mail and an address on the account.
func (s *Service) SetEmail(ctx context.Context, a policy.Actor, on bool) error {
	if err := s.authorize(ctx, a); err != nil {
		return err
	}
	if on && !s.MailEnabled() {
		return domain.Problem(domain.ECONFLICT, "mail-unavailable", "この環境ではメールでの通知を利用できません（送信サーバーが設定されていません）。")
	}
	return s.st.Transact(ctx, func(tx store.Tx) error {
		u, err := tx.FindUser(ctx, a.NetworkID, a.UserID)
		if err != nil {
			return err
		}
		if on && u.Email == "" {
			return &domain.Error{Code: domain.EINVALID, Message: "メールアドレスが登録されていません。",
				Fields: map[string]string{"email": "メールアドレスが登録されていないため、メールでの通知は選べません。管理者にアドレスの登録を依頼してください。"}}
		}
		if err := tx.SetMailEnabled(ctx, a.NetworkID, a.UserID, on, s.now()); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "notify.email", a.UserID, map[string]any{"email": on}))
	})
}
