package messages

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"renraku/internal/domain"
	"renraku/internal/notify"
	"renraku/internal/policy"
	"renraku/internal/store"
)

var itoa = strconv.Itoa

// link is where a notice of a conversation points; the page applies the policy
// when it is opened.
func link(net, conversationID string) string {
	return "/n/" + url.PathEscape(net) + "/messages/" + url.PathEscape(conversationID)
}

// notifyNewMessage tells the recipients (the other participants who may read
// the conversation now) that a message is waiting, in the message's
// transaction: an in-app notice and, for those who chose it, an e-mail that says
// only that something new is waiting, never the message or a person's data.
func (s *Service) notifyNewMessage(ctx context.Context, tx store.Tx, a policy.Actor, c *domain.Conversation, m *domain.Message, recipients []string) error {
	if len(recipients) == 0 {
		return nil
	}
	return notify.Notify(ctx, tx, notify.To{Network: a.NetworkID, Users: recipients, Except: a.UserID, At: m.CreatedAt},
		notify.KindMessage, link(a.NetworkID, c.ID))
}

// readNotices marks the reader's notices of the conversation read: they have
// seen what the notices were about.
func readNotices(ctx context.Context, tx store.Tx, a policy.Actor, c *domain.Conversation, now time.Time) error {
	_, err := tx.MarkNotificationsReadByLink(ctx, a.NetworkID, a.UserID, link(a.NetworkID, c.ID), now)
	return err
}
