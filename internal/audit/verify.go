package audit

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"renraku/internal/domain"
	"renraku/internal/secret"
	"renraku/internal/store"
)

// Report is the outcome of Verify for one network.
type Report struct {
	Network     string
	Events      int64 // events stored
	Sealed      int64 // leaves of the Merkle log (its tree size)
	Unsealed    int64 // events not yet bound to a leaf
	Checkpoints int
	Problems    []Problem // ordered by event id, then leaf index; checkpoints last
}

// Problem is one thing that does not verify. EventID is 0 and LeafIndex -1 when
// the problem concerns no particular event or leaf.
type Problem struct {
	EventID   int64
	LeafIndex int64
	What      string // one English sentence naming the event, leaf or checkpoint
}

func (p Problem) String() string { return p.What }

// OK reports whether nothing failed.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// FirstProblem returns the problem with the lowest event id, or nil.
func (r *Report) FirstProblem() *Problem {
	if len(r.Problems) == 0 {
		return nil
	}
	return &r.Problems[0]
}

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "audit log %s: %s, %d sealed, %d unsealed, %s: ",
		Origin(r.Network), plural(int(r.Events), "event"), r.Sealed, r.Unsealed, plural(r.Checkpoints, "checkpoint"))
	if r.OK() {
		b.WriteString("OK\n")
		return b.String()
	}
	b.WriteString(plural(len(r.Problems), "problem") + "\n")
	for _, p := range r.Problems {
		b.WriteString(p.What + "\n")
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// lateSeal is how long before the latest checkpoint an event must have been
// written for its missing leaf to be suspicious rather than a transaction that
// committed after a seal.
const lateSeal = time.Minute

type leafRef struct {
	index int64
	hash  []byte
	seen  bool
}

// Verify checks a network's audit log: every event's MAC, every leaf against its
// event, and every checkpoint's signature and root. It only reads, page by page,
// in the order checkpoints, leaves, events, so that whatever an earlier read
// refers to is already committed when a later read looks for it.
func Verify(ctx context.Context, st store.Store, keys *secret.Keyring, network string) (*Report, error) {
	v, err := newVerifier(keys, network)
	if err != nil {
		return nil, fmt.Errorf("audit: verifier of %s: %w", network, err)
	}
	rep := &Report{Network: network}
	problem := func(event, leaf int64, format string, args ...any) {
		rep.Problems = append(rep.Problems, Problem{EventID: event, LeafIndex: leaf, What: fmt.Sprintf(format, args...)})
	}

	var cps []*domain.AuditCheckpoint
	if err := st.Transact(ctx, func(tx store.Tx) (err error) {
		cps, err = tx.AuditCheckpoints(ctx, network)
		return err
	}); err != nil {
		return nil, err
	}
	rep.Checkpoints = len(cps)

	// Checkpoints: the signature first; the root is compared with the leaves below.
	var cpProblems []Problem
	roots := map[uint64][]byte{} // signed root by tree size
	var latest *domain.AuditCheckpoint
	for _, c := range cps {
		size, root, err := openCheckpoint(v, network, c.Note)
		msg := ""
		switch {
		case err != nil:
			msg = fmt.Sprintf("checkpoint of size %d: signature invalid (%v)", c.TreeSize, err)
		case size != uint64(c.TreeSize):
			msg = fmt.Sprintf("checkpoint of size %d: its signed note says size %d", c.TreeSize, size)
		case !bytes.Equal(root, c.RootHash):
			msg = fmt.Sprintf("checkpoint of size %d: its root_hash differs from its signed note", c.TreeSize)
		}
		if msg != "" {
			cpProblems = append(cpProblems, Problem{LeafIndex: -1, What: msg})
			continue
		}
		roots[size] = root
		if latest == nil || c.TreeSize > latest.TreeSize {
			latest = c
		}
	}

	// Leaves: contiguous indexes, one per event, and the tree they form must have
	// the signed roots.
	leaves := map[int64]*leafRef{} // by event id
	var maxSealedEvent int64
	r := ranges.NewEmptyRange(0)
	computed := map[uint64][]byte{}
	for next := int64(0); ; {
		var page []domain.AuditLeaf
		if err := st.Transact(ctx, func(tx store.Tx) (err error) {
			page, err = tx.AuditLeaves(ctx, network, next, pageSize)
			return err
		}); err != nil {
			return nil, err
		}
		for _, l := range page {
			if l.Index != next {
				problem(0, next, "leaf %d missing: the leaf indexes jump from %d to %d", next, next-1, l.Index)
			}
			next = l.Index + 1
			if prev, ok := leaves[l.EventID]; ok {
				problem(l.EventID, l.Index, "leaf %d (event %d): leaf row altered: the event is already sealed at leaf %d",
					l.Index, l.EventID, prev.index)
			} else {
				leaves[l.EventID] = &leafRef{index: l.Index, hash: l.Hash}
			}
			maxSealedEvent = max(maxSealedEvent, l.EventID)
			if err := r.Append(l.Hash, nil); err != nil {
				return nil, err
			}
			if _, ok := roots[r.End()]; ok {
				computed[r.End()], _ = r.GetRootHash(nil)
			}
			rep.Sealed++
		}
		if len(page) < pageSize {
			break
		}
	}
	for _, c := range cps {
		size := uint64(c.TreeSize)
		want, signed := roots[size]
		got, reached := computed[size]
		switch {
		case !signed:
		case !reached:
			cpProblems = append(cpProblems, Problem{LeafIndex: -1, What: fmt.Sprintf(
				"checkpoint of size %d: the log has only %d leaves: leaves removed", size, rep.Sealed)})
		case !bytes.Equal(want, got):
			cpProblems = append(cpProblems, Problem{LeafIndex: -1, What: fmt.Sprintf(
				"checkpoint of size %d: root does not match the leaves: leaves altered or removed", size)})
		}
	}

	// Events: the MAC proves the row is as Append wrote it; the leaf proves it is
	// as it was when sealed.
	key := macKey(keys)
	nonces := map[string]int64{}
	for after := int64(0); ; {
		var page []*domain.AuditEvent
		if err := st.Transact(ctx, func(tx store.Tx) (err error) {
			page, err = tx.AuditEventsFrom(ctx, network, after, pageSize)
			return err
		}); err != nil {
			return nil, err
		}
		for _, ev := range page {
			after = ev.ID
			rep.Events++
			nonce, macOK := checkMAC(key, ev)
			leaf := leaves[ev.ID]
			leafOK := leaf != nil && bytes.Equal(leaf.hash, leafHash(ev))
			if leaf != nil {
				leaf.seen = true
			} else {
				rep.Unsealed++
			}
			switch {
			case !macOK && leaf != nil && !leafOK:
				problem(ev.ID, leaf.index, "event %d (leaf %d): altered after sealing: neither its MAC nor its leaf matches", ev.ID, leaf.index)
			case !macOK && leaf != nil:
				problem(ev.ID, leaf.index, "event %d (leaf %d): MAC does not match: altered or inserted by hand", ev.ID, leaf.index)
			case !macOK:
				problem(ev.ID, -1, "event %d: MAC does not match: altered or inserted by hand", ev.ID)
			case nonces[nonce] != 0:
				problem(ev.ID, leafIndex(leaf), "event %d: copy of event %d (same nonce): copied event", ev.ID, nonces[nonce])
			case leaf != nil && !leafOK:
				problem(ev.ID, leaf.index, "leaf %d (event %d): leaf row altered: its hash does not match the event", leaf.index, ev.ID)
			case leaf == nil && ev.ID < maxSealedEvent && latest != nil && ev.At.Before(latest.CreatedAt.Add(-lateSeal)):
				problem(ev.ID, -1, "event %d: not sealed although later events are: inserted by hand after sealing, or its leaf removed", ev.ID)
			}
			if macOK && nonces[nonce] == 0 {
				nonces[nonce] = ev.ID
			}
		}
		if len(page) < pageSize {
			break
		}
	}
	for id, l := range leaves {
		if !l.seen {
			problem(id, l.index, "event %d deleted: leaf %d points to it", id, l.index)
		}
	}

	sort.SliceStable(rep.Problems, func(i, j int) bool { return before(rep.Problems[i], rep.Problems[j]) })
	rep.Problems = append(rep.Problems, cpProblems...)
	return rep, nil
}

func leafIndex(l *leafRef) int64 {
	if l == nil {
		return -1
	}
	return l.index
}

// before orders problems of events by event id, then those of leaves alone by
// leaf index.
func before(a, b Problem) bool {
	if (a.EventID == 0) != (b.EventID == 0) {
		return a.EventID != 0
	}
	if a.EventID != b.EventID {
		return a.EventID < b.EventID
	}
	return a.LeafIndex < b.LeafIndex
}
