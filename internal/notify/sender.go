package notify

import (
	"context"
	"log/slog"
	"time"

	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/store"
)

// Deliverer sends one rendered mail to one address (SMTP in production, a
// recorder in tests).
type Deliverer interface {
	Send(ctx context.Context, to string, msg []byte) error
}

// Sender sends the mails owed in the outbox. One process at a time sends (a
// lease in the database), so several `renraku serve` processes do not send the
// same mail twice.
type Sender struct {
	st     store.Store
	cfg    MailConfig
	d      Deliverer
	clk    clock.Clock
	holder string
	logger *slog.Logger

	// MinInterval is the least time between two mails to one user: what
	// arrives meanwhile waits and goes out as one mail (default 10 minutes).
	MinInterval time.Duration
	// Backoff is the wait after the first failure, doubled after each further
	// one up to MaxBackoff (defaults 1 minute and 1 hour).
	Backoff, MaxBackoff time.Duration
	// MaxAttempts: after this many failures in a row the mail is given up
	// (default 12, about half a day); the in-app notification stays.
	MaxAttempts int
	// Batch is how many mails of a network one round sends at most (default 20).
	Batch int
}

const leaseName = "notify-mailer"

// NewSender returns a sender through d (NewSMTP(cfg) in production).
func NewSender(st store.Store, cfg MailConfig, d Deliverer, clk clock.Clock, holder string, logger *slog.Logger) *Sender {
	if logger == nil {
		logger = slog.Default()
	}
	return &Sender{st: st, cfg: cfg, d: d, clk: clk, holder: holder, logger: logger,
		MinInterval: 10 * time.Minute, Backoff: time.Minute, MaxBackoff: time.Hour, MaxAttempts: 12, Batch: 20}
}

// Run sends what is owed every interval until ctx ends.
func (s *Sender) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SendOnce(ctx); err != nil && ctx.Err() == nil {
			s.logger.ErrorContext(ctx, "notification mail", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// leaseTTL covers a whole batch delivered at the relay's timeout.
func (s *Sender) leaseTTL() time.Duration {
	timeout := s.cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return time.Minute + time.Duration(max(s.Batch, 1))*timeout
}

// backoff is the wait after the n-th failure in a row.
func (s *Sender) backoff(n int) time.Duration {
	d := s.Backoff
	for i := 1; i < n && d < s.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.MaxBackoff)
}

// SendOnce sends the mails due now, network by network, and reports how many
// were sent. It returns early, sending nothing, when another process holds the
// lease.
func (s *Sender) SendOnce(ctx context.Context) (int, error) {
	now := s.clk.Now().UTC()
	var nets []*domain.Network
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		nets = nil
		ok, err := tx.AcquireLease(ctx, leaseName, s.holder, now, now.Add(s.leaseTTL()))
		if err != nil || !ok {
			return err
		}
		nets, err = tx.ListNetworks(ctx)
		return err
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, n := range nets {
		k, err := s.sendNetwork(ctx, n)
		sent += k
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (s *Sender) sendNetwork(ctx context.Context, n *domain.Network) (int, error) {
	now := s.clk.Now().UTC()
	type job struct {
		state *domain.MailState
		to    string
	}
	var jobs []job
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		jobs = nil
		// Renew the lease for this batch: a slow relay must not let a second
		// process start on the same mails.
		if ok, err := tx.AcquireLease(ctx, leaseName, s.holder, now, now.Add(s.leaseTTL())); err != nil || !ok {
			return err
		}
		due, err := tx.DueMail(ctx, n.ID, now, s.Batch)
		if err != nil {
			return err
		}
		for _, m := range due {
			u, err := tx.FindUser(ctx, n.ID, m.UserID)
			if err != nil {
				return err
			}
			if u.Status != domain.UserActive || u.Email == "" {
				// Nobody to tell any more: settle it without sending.
				if err := tx.MailDone(ctx, n.ID, m.UserID, m.QueuedSeq, time.Time{}, time.Time{}); err != nil {
					return err
				}
				continue
			}
			jobs = append(jobs, job{m, u.Email})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, j := range jobs {
		msg := Message{To: j.to, NetworkID: n.ID, NetworkName: n.Name}
		// Delivery happens outside any transaction; its outcome is recorded after.
		serr := s.d.Send(ctx, j.to, msg.Bytes(s.cfg.From, s.cfg.BaseURL, s.clk.Now()))
		at := s.clk.Now().UTC().Truncate(time.Microsecond)
		err := s.st.Transact(context.WithoutCancel(ctx), func(tx store.Tx) error {
			if serr == nil {
				return tx.MailDone(ctx, n.ID, j.state.UserID, j.state.QueuedSeq, at, at.Add(s.MinInterval))
			}
			attempts := j.state.Attempts + 1
			if attempts >= s.MaxAttempts {
				return tx.MailDone(ctx, n.ID, j.state.UserID, j.state.QueuedSeq, time.Time{}, time.Time{})
			}
			return tx.MailFailed(ctx, n.ID, j.state.UserID, attempts, at.Add(s.backoff(attempts)), redact(serr.Error()))
		})
		if err != nil {
			return sent, err
		}
		if serr != nil {
			// The user's ID, never their address or name (STYLE §10).
			s.logger.WarnContext(ctx, "notification mail failed", "network", n.ID, "user", j.state.UserID,
				"attempt", j.state.Attempts+1, "given_up", j.state.Attempts+1 >= s.MaxAttempts, "err", redact(serr.Error()))
			continue
		}
		sent++
	}
	return sent, nil
}
