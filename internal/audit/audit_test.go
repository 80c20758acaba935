package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/secret"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var start = time.Date(2026, 4, 1, 0, 30, 0, 123456789, time.UTC)

func testKeys(t testing.TB, b byte) *secret.Keyring {
	k, err := secret.New(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func event(net string, i int) *domain.AuditEvent {
	return &domain.AuditEvent{
		NetworkID: net, ActorUserID: "u-1", ActorLogin: "yamada.hanako", ActorOrgID: "org-1", ActorRole: "staff",
		Action: "person.read", TargetType: "person", TargetID: fmt.Sprint("p-", i), PersonID: fmt.Sprint("p-", i),
		Reason: "訪問前の確認", RemoteAddr: "192.0.2.1", RequestID: fmt.Sprint("req-", i),
		Detail: `{"page":"timeline"}`,
	}
}

// appendEvents appends n events to net, one transaction each, a second apart.
func appendEvents(t testing.TB, st store.Store, l *Log, clk *clock.Fake, net string, n int) []int64 {
	t.Helper()
	ensureNetwork(t, st, net)
	var ids []int64
	for i := range n {
		ev := event(net, i)
		if err := st.Transact(context.Background(), func(tx store.Tx) error { return l.Append(context.Background(), tx, ev) }); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
		if clk != nil {
			clk.Advance(time.Second)
		}
	}
	return ids
}

// ensureNetwork creates the network row the sealer finds networks by.
func ensureNetwork(t testing.TB, st store.Store, net string) {
	t.Helper()
	ctx := context.Background()
	if err := st.Transact(ctx, func(tx store.Tx) error {
		if _, err := tx.FindNetwork(ctx, net); err == nil {
			return nil
		}
		return tx.CreateNetwork(ctx, &domain.Network{ID: net, Profile: "beppu", Name: net, CreatedAt: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
}

func seal(t testing.TB, s *Sealer, want int) {
	t.Helper()
	n, err := s.SealOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("SealOnce sealed %d events, want %d", n, want)
	}
}

func verify(t *testing.T, db store.Store, keys *secret.Keyring, net string) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), db, keys, net)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func leavesOf(t *testing.T, db store.Store, net string) []domain.AuditLeaf {
	t.Helper()
	var ls []domain.AuditLeaf
	if err := db.Transact(context.Background(), func(tx store.Tx) (err error) {
		ls, err = tx.AuditLeaves(context.Background(), net, 0, 1<<20)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ls
}

func checkpointsOf(t *testing.T, db store.Store, net string) []*domain.AuditCheckpoint {
	t.Helper()
	var cs []*domain.AuditCheckpoint
	if err := db.Transact(context.Background(), func(tx store.Tx) (err error) {
		cs, err = tx.AuditCheckpoints(context.Background(), net)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return cs
}

// mth is RFC 6962's Merkle tree hash, written out independently of the compact
// ranges the sealer uses.
func mth(leaves [][]byte) []byte {
	switch n := len(leaves); n {
	case 0:
		s := sha256.Sum256(nil)
		return s[:]
	case 1:
		return leaves[0]
	default:
		k := 1
		for k*2 < n {
			k *= 2
		}
		s := sha256.Sum256(append(append([]byte{1}, mth(leaves[:k])...), mth(leaves[k:])...))
		return s[:]
	}
}

// checkTree checks that the leaves are 0..n-1 and that every checkpoint's root is
// the Merkle tree hash of its prefix.
func checkTree(t *testing.T, db store.Store, net string, wantSizes ...int64) {
	t.Helper()
	ls := leavesOf(t, db, net)
	var hashes [][]byte
	for i, l := range ls {
		if l.Index != int64(i) {
			t.Fatalf("leaf %d has index %d", i, l.Index)
		}
		hashes = append(hashes, l.Hash)
	}
	var sizes []int64
	for _, c := range checkpointsOf(t, db, net) {
		sizes = append(sizes, c.TreeSize)
		if want := mth(hashes[:c.TreeSize]); !bytes.Equal(c.RootHash, want) {
			t.Errorf("checkpoint %d: root %x, want %x", c.TreeSize, c.RootHash, want)
		}
	}
	if fmt.Sprint(sizes) != fmt.Sprint(wantSizes) {
		t.Errorf("checkpoint sizes %v, want %v", sizes, wantSizes)
	}
}

func TestAppendSealVerify(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		keys, clk := testKeys(t, 1), clock.NewFake(start)
		l, s := New(keys, clk), NewSealer(db, keys, clk, "host-a")

		// Defaults and the stored row.
		ev := &domain.AuditEvent{NetworkID: "beppu", Action: "login"}
		if err := db.Transact(ctx, func(tx store.Tx) error { return l.Append(ctx, tx, ev) }); err != nil {
			t.Fatal(err)
		}
		if ev.ID == 0 || ev.Outcome != "ok" || ev.Detail != "{}" || !ev.At.Equal(start.Truncate(time.Microsecond)) {
			t.Errorf("after Append: id %d, outcome %q, detail %q, at %v", ev.ID, ev.Outcome, ev.Detail, ev.At)
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}\.[0-9a-f]{64}$`).MatchString(ev.MAC) {
			t.Errorf("MAC %q is not <nonce>.<mac>", ev.MAC)
		}
		appendEvents(t, db, l, clk, "beppu", 4)
		appendEvents(t, db, l, clk, "katori", 2)

		if rep := verify(t, db, keys, "beppu"); !rep.OK() || rep.Events != 5 || rep.Sealed != 0 || rep.Unsealed != 5 {
			t.Errorf("before sealing: %s", rep)
		}
		seal(t, s, 7)
		seal(t, s, 0)
		appendEvents(t, db, l, clk, "beppu", 3)
		seal(t, s, 3)

		rep := verify(t, db, keys, "beppu")
		if !rep.OK() || rep.Events != 8 || rep.Sealed != 8 || rep.Unsealed != 0 || rep.Checkpoints != 2 {
			t.Errorf("beppu: %s", rep)
		}
		if got, want := rep.String(), "audit log renraku.audit/beppu: 8 events, 8 sealed, 0 unsealed, 2 checkpoints: OK\n"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		if rep.FirstProblem() != nil {
			t.Errorf("FirstProblem() = %v on a good log", rep.FirstProblem())
		}
		if rep := verify(t, db, keys, "katori"); !rep.OK() || rep.Sealed != 2 || rep.Checkpoints != 1 {
			t.Errorf("katori: %s", rep)
		}
		checkTree(t, db, "beppu", 5, 8)
		checkTree(t, db, "katori", 2)

		// With another master key nothing verifies.
		if rep := verify(t, db, testKeys(t, 2), "beppu"); rep.OK() || len(rep.Problems) != 8+2 {
			t.Errorf("with a wrong key: %s", rep)
		}
	})
}

func TestAppendRejects(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		l := New(testKeys(t, 1), clock.NewFake(start))
		for _, ev := range []*domain.AuditEvent{
			{Action: "login"},
			{NetworkID: "beppu"},
			{NetworkID: "beppu", Action: "login", Detail: `[1]`},
			{NetworkID: "beppu", Action: "login", Detail: `{"a":`},
			{NetworkID: "beppu", Action: "login", Detail: `"{}"`},
		} {
			if err := db.Transact(ctx, func(tx store.Tx) error { return l.Append(ctx, tx, ev) }); err == nil {
				t.Errorf("Append(%+v) succeeded", ev)
			}
		}
	})
}

func TestAppendRolledBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		keys, clk := testKeys(t, 1), clock.NewFake(start)
		l := New(keys, clk)
		appendEvents(t, db, l, clk, "beppu", 1)
		boom := errors.New("the change failed")
		err := db.Transact(ctx, func(tx store.Tx) error {
			if err := l.Append(ctx, tx, event("beppu", 9)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact: %v", err)
		}
		seal(t, NewSealer(db, keys, clk, "host-a"), 1)
		if rep := verify(t, db, keys, "beppu"); !rep.OK() || rep.Events != 1 {
			t.Errorf("after a rollback: %s", rep)
		}
	})
}

// TestAppendOnly checks that the database itself refuses changes and removals.
func TestAppendOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		keys, clk := testKeys(t, 1), clock.NewFake(start)
		appendEvents(t, db, New(keys, clk), clk, "beppu", 2)
		seal(t, NewSealer(db, keys, clk, "host-a"), 2)
		for _, q := range []string{
			`UPDATE audit_events SET actor_login = 'someone'`,
			`DELETE FROM audit_events`,
			`UPDATE audit_leaves SET event_id = event_id + 1`,
			`DELETE FROM audit_leaves`,
			`UPDATE audit_checkpoints SET note = ''`,
			`DELETE FROM audit_checkpoints`,
		} {
			if _, err := db.SQL().ExecContext(context.Background(), q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want append-only", q, err)
			}
		}
		if rep := verify(t, db, keys, "beppu"); !rep.OK() || rep.Events != 2 {
			t.Errorf("after refused changes: %s", rep)
		}
	})
}

func TestSealIncrementalAndTakeover(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		keys, clk := testKeys(t, 1), clock.NewFake(start)
		l := New(keys, clk)
		a, b := NewSealer(db, keys, clk, "host-a"), NewSealer(db, keys, clk, "host-b")

		appendEvents(t, db, l, clk, "beppu", 3)
		seal(t, a, 3)
		seal(t, b, 0) // a holds the lease
		appendEvents(t, db, l, clk, "beppu", 2)
		seal(t, b, 0)
		seal(t, a, 2) // from memory

		clk.Advance(leaseTTL + time.Second) // a stops, its lease expires
		appendEvents(t, db, l, clk, "beppu", 4)
		seal(t, b, 4) // b rebuilds the tree from the leaves and continues it
		seal(t, a, 0)

		clk.Advance(leaseTTL + time.Second)
		appendEvents(t, db, l, clk, "beppu", 1)
		seal(t, a, 1) // a's memory is stale (size 5, the log has 9): rebuilt

		// More than one batch in one call: one checkpoint per batch.
		err := db.Transact(context.Background(), func(tx store.Tx) error {
			for i := range sealBatch + 7 {
				if err := l.Append(context.Background(), tx, event("beppu", i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		seal(t, a, sealBatch+7)

		checkTree(t, db, "beppu", 3, 5, 9, 10, 10+sealBatch, 17+sealBatch)
		if rep := verify(t, db, keys, "beppu"); !rep.OK() || rep.Sealed != 17+sealBatch || rep.Checkpoints != 6 {
			t.Errorf("%s", rep)
		}
	})
}

// TestSealWhileAppending runs the sealer in the background while events are
// appended concurrently, so some commit after later ids were sealed.
func TestSealWhileAppending(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		keys := testKeys(t, 1)
		l := New(keys, clock.Real{})
		s := NewSealer(db, keys, clock.Real{}, "host-a")
		ensureNetwork(t, db, "beppu")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx, 2*time.Millisecond); close(done) }()
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 25 {
					ev := event("beppu", g*100+i)
					if err := db.Transact(ctx, func(tx store.Tx) error { return l.Append(ctx, tx, ev) }); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		cancel()
		<-done
		if _, err := s.SealOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, db, keys, "beppu"); !rep.OK() || rep.Events != 100 || rep.Sealed != 100 {
			t.Errorf("%s", rep)
		}
	})
}

func TestVerifierKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		keys, clk := testKeys(t, 1), clock.NewFake(start)
		l, s := New(keys, clk), NewSealer(db, keys, clk, "host-a")
		appendEvents(t, db, l, clk, "beppu", 2)
		seal(t, s, 2)
		appendEvents(t, db, l, clk, "beppu", 1)
		seal(t, s, 1)

		vkey := VerifierKey(keys, "beppu")
		if !regexp.MustCompile(`^renraku\.audit/beppu\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$`).MatchString(vkey) {
			t.Fatalf("VerifierKey = %q", vkey)
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			t.Fatal(err)
		}
		others := map[string]string{
			"another network":    VerifierKey(keys, "katori"),
			"another master key": VerifierKey(testKeys(t, 2), "beppu"),
		}
		for _, c := range checkpointsOf(t, db, "beppu") {
			n, err := note.Open([]byte(c.Note), note.VerifierList(v))
			if err != nil {
				t.Fatalf("checkpoint %d: %v", c.TreeSize, err)
			}
			want := checkpointBody("beppu", uint64(c.TreeSize), c.RootHash)
			if n.Text != want {
				t.Errorf("checkpoint %d: text %q, want %q", c.TreeSize, n.Text, want)
			}
			for name, k := range others {
				ov, err := note.NewVerifier(k)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := note.Open([]byte(c.Note), note.VerifierList(ov)); err == nil {
					t.Errorf("checkpoint %d verifies with the key of %s", c.TreeSize, name)
				}
			}
		}
	})
}

func TestCanonical(t *testing.T) {
	a, b := event("beppu", 1), event("beppu", 1)
	a.ActorLogin, a.ActorOrgID = "ab", "c"
	b.ActorLogin, b.ActorOrgID = "a", "bc"
	if bytes.Equal(canonical(macForm, a, "n"), canonical(macForm, b, "n")) {
		t.Error("fields moved across a boundary encode the same")
	}
	c := event("beppu", 1)
	c.At = start
	d := *c
	d.At = start.In(time.FixedZone("JST", 9*3600))
	if !bytes.Equal(canonical(macForm, c, "n"), canonical(macForm, &d, "n")) {
		t.Error("the same instant in another zone encodes differently")
	}
	if bytes.Equal(canonical(macForm, c, "n"), canonical(leafForm, c, "n")) {
		t.Error("MAC and leaf forms are the same")
	}
	key := []byte("k")
	for _, mac := range []string{"", "garbage", ".", "zz.zz", strings.Repeat("0", 32) + "." + strings.Repeat("0", 64)} {
		c.MAC = mac
		if _, ok := checkMAC(key, c); ok {
			t.Errorf("MAC %q verifies", mac)
		}
	}
}

func BenchmarkAuditAppendSealed(b *testing.B) {
	for _, d := range testdb.Dialects() {
		b.Run(d, func(b *testing.B) {
			db := testdb.Open(b, d)
			ctx := context.Background()
			keys := testKeys(b, 1)
			l, s := New(keys, clock.Real{}), NewSealer(db, keys, clock.Real{}, "bench")
			b.ResetTimer()
			for i := range b.N {
				ev := event("beppu", i)
				if err := db.Transact(ctx, func(tx store.Tx) error { return l.Append(ctx, tx, ev) }); err != nil {
					b.Fatal(err)
				}
				if (i+1)%100 == 0 || i == b.N-1 {
					if _, err := s.SealOnce(ctx); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func BenchmarkPlainInsert(b *testing.B) {
	for _, d := range testdb.Dialects() {
		b.Run(d, func(b *testing.B) {
			db := testdb.Open(b, d)
			ctx := context.Background()
			q := placeholders(db, `INSERT INTO audit_events (network_id, at, actor_user_id, actor_login, actor_org_id,
				actor_role, action, target_type, target_id, person_id, reason, outcome, remote_addr, request_id, detail, mac)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`)
			b.ResetTimer()
			for i := range b.N {
				e := event("beppu", i)
				tx, err := db.SQL().BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, q, e.NetworkID, time.Now().UTC().Truncate(time.Microsecond), e.ActorUserID,
					e.ActorLogin, e.ActorOrgID, e.ActorRole, e.Action, e.TargetType, e.TargetID, e.PersonID, e.Reason,
					"ok", e.RemoteAddr, e.RequestID, e.Detail, "plain"); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// placeholders rewrites $N to ?N for SQLite, as the store does.
func placeholders(db *sqlstore.DB, q string) string {
	if db.Dialect() == sqlstore.SQLite {
		return strings.ReplaceAll(q, "$", "?")
	}
	return q
}
