package audit

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/secret"
	"renraku/internal/store"
)

const (
	// leaseName elects the one sealer among all processes.
	leaseName = "audit-sealer"
	leaseTTL  = 30 * time.Second
	// sealBatch events are sealed per transaction, ending with one checkpoint.
	sealBatch = 500
	pageSize  = 1000
)

// Sealer binds unsealed events to Merkle-log leaves and signs checkpoints. Many
// processes may run one; only the holder of the database lease seals.
type Sealer struct {
	st     store.Store
	keys   *secret.Keyring
	clk    clock.Clock
	holder string

	mu      sync.Mutex // serializes SealOnce; guards trees and signers
	trees   map[string]tree
	signers map[string]note.Signer
}

// tree is the sealer's memory of a network's log: its size, the last leaf's hash
// (to notice that someone else sealed), and the compact range of perfect subtrees
// covering [0, size), from which the next root follows in O(batch·log n).
type tree struct {
	size     uint64
	lastHash []byte
	hashes   [][]byte
}

// NewSealer returns a sealer that competes for the lease as holder, a name unique
// to the process (e.g. host and pid).
func NewSealer(st store.Store, keys *secret.Keyring, clk clock.Clock, holder string) *Sealer {
	return &Sealer{st: st, keys: keys, clk: clk, holder: holder,
		trees: map[string]tree{}, signers: map[string]note.Signer{}}
}

// Run seals every interval until ctx is done. Errors are logged and retried on the
// next tick; they never contain event content.
func (s *Sealer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.SealOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			slog.ErrorContext(ctx, "audit: sealing failed", "holder", s.holder, "err", err)
		case n > 0:
			slog.DebugContext(ctx, "audit: sealed", "holder", s.holder, "events", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SealOnce seals every unsealed event of every network and returns how many it
// sealed. It returns 0, nil when another holder has the lease.
func (s *Sealer) SealOnce(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var nets []string
	if err := s.st.Transact(ctx, func(tx store.Tx) (err error) {
		nets, err = tx.AuditNetworks(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	total := 0
	for _, net := range nets {
		for {
			n, held, err := s.sealBatch(ctx, net)
			total += n
			if err != nil {
				return total, fmt.Errorf("audit: sealing %s: %w", net, err)
			}
			if !held {
				return total, nil
			}
			if n < sealBatch {
				break
			}
		}
	}
	return total, nil
}

// sealBatch seals up to sealBatch events of one network in one transaction that
// also renews the lease, so a sealer that lost the lease cannot write leaves.
func (s *Sealer) sealBatch(ctx context.Context, net string) (n int, held bool, err error) {
	signer, err := s.signer(net)
	if err != nil {
		return 0, false, err
	}
	now := s.clk.Now()
	var next *tree
	err = s.st.Transact(ctx, func(tx store.Tx) error {
		n, held, next = 0, false, nil // Transact may rerun this function
		ok, err := tx.AcquireLease(ctx, leaseName, s.holder, now, now.Add(leaseTTL))
		if err != nil || !ok {
			return err
		}
		held = true
		cur, err := s.current(ctx, tx, net)
		if err != nil {
			return err
		}
		next = &cur
		evs, err := tx.UnsealedAuditEvents(ctx, net, sealBatch)
		if err != nil || len(evs) == 0 {
			return err
		}
		r, err := ranges.NewRange(0, cur.size, slices.Clone(cur.hashes))
		if err != nil {
			return err
		}
		leaves := make([]domain.AuditLeaf, len(evs))
		for i, ev := range evs {
			h := leafHash(ev)
			leaves[i] = domain.AuditLeaf{NetworkID: net, Index: int64(r.End()), EventID: ev.ID, Hash: h}
			if err := r.Append(h, nil); err != nil {
				return err
			}
		}
		if err := tx.InsertAuditLeaves(ctx, leaves); err != nil {
			return err
		}
		root, err := r.GetRootHash(nil)
		if err != nil {
			return err
		}
		signed, err := signCheckpoint(signer, net, r.End(), root)
		if err != nil {
			return err
		}
		if err := tx.InsertAuditCheckpoint(ctx, &domain.AuditCheckpoint{
			NetworkID: net, TreeSize: int64(r.End()), RootHash: root, Note: signed, CreatedAt: now,
		}); err != nil {
			return err
		}
		next = &tree{size: r.End(), lastHash: leaves[len(leaves)-1].Hash, hashes: slices.Clone(r.Hashes())}
		n = len(evs)
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	if next != nil {
		s.trees[net] = *next
	}
	return n, held, nil
}

func (s *Sealer) signer(net string) (note.Signer, error) {
	if sg, ok := s.signers[net]; ok {
		return sg, nil
	}
	sg, err := newSigner(s.keys, net)
	if err != nil {
		return nil, err
	}
	s.signers[net] = sg
	return sg, nil
}

// current returns the log of net as the database has it: the remembered tree if
// its last leaf is still the database's last leaf, else one rebuilt from the leaves
// (at start, or after another process sealed).
func (s *Sealer) current(ctx context.Context, tx store.Tx, net string) (tree, error) {
	t, known := s.trees[net]
	from := int64(0)
	if t.size > 0 {
		from = int64(t.size) - 1
	}
	probe, err := tx.AuditLeaves(ctx, net, from, 2)
	if err != nil {
		return tree{}, err
	}
	switch {
	case len(probe) == 0 && t.size == 0:
		return tree{}, nil
	case known && len(probe) == 1 && probe[0].Index == from && bytes.Equal(probe[0].Hash, t.lastHash):
		return t, nil
	}
	return rebuild(ctx, tx, net)
}

// rebuild reads all leaves of net and refuses to extend a log whose leaves no
// longer match its latest checkpoint.
func rebuild(ctx context.Context, tx store.Tx, net string) (tree, error) {
	r := ranges.NewEmptyRange(0)
	var last []byte
	for {
		page, err := tx.AuditLeaves(ctx, net, int64(r.End()), pageSize)
		if err != nil {
			return tree{}, err
		}
		for _, l := range page {
			if l.Index != int64(r.End()) {
				return tree{}, fmt.Errorf("leaf %d is missing; run renraku audit verify", r.End())
			}
			if err := r.Append(l.Hash, nil); err != nil {
				return tree{}, err
			}
			last = l.Hash
		}
		if len(page) < pageSize {
			break
		}
	}
	cp, err := tx.LatestAuditCheckpoint(ctx, net)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		cp, err = nil, nil
	}
	if err != nil {
		return tree{}, err
	}
	if cp != nil {
		root, _ := r.GetRootHash(nil)
		if cp.TreeSize != int64(r.End()) || !bytes.Equal(cp.RootHash, root) {
			return tree{}, fmt.Errorf("leaves do not match the checkpoint of size %d; run renraku audit verify", cp.TreeSize)
		}
	}
	return tree{size: r.End(), lastHash: last, hashes: slices.Clone(r.Hashes())}, nil
}
