package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// tamper writes to an audit table around its append-only triggers, as someone
// with the database's owner rights could.
func tamper(t *testing.T, db *sqlstore.DB, table, query string, args ...any) {
	t.Helper()
	ctx := context.Background()
	var bypass []string
	if db.Dialect() == sqlstore.SQLite {
		bypass = []string{"DROP TRIGGER IF EXISTS " + table + "_no_update", "DROP TRIGGER IF EXISTS " + table + "_no_delete"}
	} else {
		bypass = []string{"ALTER TABLE " + table + " DISABLE TRIGGER USER"}
	}
	for _, q := range bypass {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	r, err := db.SQL().ExecContext(ctx, placeholders(db, query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows affected", query, n)
	}
}

func maxEventID(t *testing.T, db *sqlstore.DB) int64 {
	var id int64
	if err := db.SQL().QueryRow(`SELECT MAX(id) FROM audit_events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

const eventCols = `network_id, at, actor_user_id, actor_login, actor_org_id, actor_role, action, target_type,
	target_id, person_id, reason, outcome, remote_addr, request_id, detail, mac`

// TestVerifyNamesTampering seals six events (leaves 0-5, one checkpoint of size 6)
// and leaves a seventh unsealed, tampers with the tables in SQL, and checks that
// Verify fails and that its first problem names the tampered event or leaf.
func TestVerifyNamesTampering(t *testing.T) {
	for _, tc := range []struct {
		name string
		// tamper changes the database and returns the event id and leaf index the
		// first problem must name.
		tamper func(t *testing.T, db *sqlstore.DB, ids []int64) (event, leaf int64)
		what   string
	}{{
		name: "sealed event altered",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_events", `UPDATE audit_events SET actor_login = 'sato.taro' WHERE id = $1`, ids[2])
			return ids[2], 2
		},
		what: "altered after sealing",
	}, {
		name: "unsealed event altered",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_events", `UPDATE audit_events SET reason = '' WHERE id = $1`, ids[6])
			return ids[6], -1
		},
		what: "MAC does not match: altered or inserted by hand",
	}, {
		name: "event deleted",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_events", `DELETE FROM audit_events WHERE id = $1`, ids[3])
			return ids[3], 3
		},
		what: "deleted",
	}, {
		name: "event inserted",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_events", `INSERT INTO audit_events (`+eventCols+`)
				VALUES ('beppu', $1, 'u-9', 'sato.taro', 'org-1', 'staff', 'person.read', 'person', 'p-1', 'p-1', '', 'ok', '', '', '{}', 'garbage')`,
				start.Add(time.Second))
			return maxEventID(t, db), -1
		},
		what: "inserted by hand",
	}, {
		name: "event copied",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_events", `INSERT INTO audit_events (`+eventCols+`)
				SELECT `+eventCols+` FROM audit_events WHERE id = $1`, ids[1])
			return maxEventID(t, db), -1
		},
		what: "copied event",
	}, {
		name: "event and its leaf rewritten to match",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_events", `UPDATE audit_events SET person_id = 'p-99' WHERE id = $1`, ids[4])
			var ev *domain.AuditEvent
			if err := db.Transact(context.Background(), func(tx store.Tx) error {
				evs, err := tx.AuditEventsFrom(context.Background(), "beppu", ids[4]-1, 1)
				ev = evs[0]
				return err
			}); err != nil {
				t.Fatal(err)
			}
			tamper(t, db, "audit_leaves", `UPDATE audit_leaves SET leaf_hash = $1 WHERE leaf_index = 4`, leafHash(ev))
			return ids[4], 4
		},
		what: "MAC does not match",
	}, {
		name: "leaf hash altered",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_leaves", `UPDATE audit_leaves SET leaf_hash = $1 WHERE leaf_index = 2`, make([]byte, 32))
			return ids[2], 2
		},
		what: "leaf row altered",
	}, {
		name: "leaf pointed at another event",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_leaves", `UPDATE audit_leaves SET event_id = $1 WHERE leaf_index = 4`, ids[6])
			return ids[4], -1
		},
		what: "not sealed although later events are",
	}, {
		name: "leaf deleted",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_leaves", `DELETE FROM audit_leaves WHERE leaf_index = 1`)
			return ids[1], -1
		},
		what: "not sealed although later events are",
	}, {
		name: "checkpoint note altered",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			cp := checkpointsOf(t, db, "beppu")[0]
			forged := strings.Replace(cp.Note, "\n6\n", "\n5\n", 1)
			tamper(t, db, "audit_checkpoints", `UPDATE audit_checkpoints SET note = $1 WHERE tree_size = 6`, forged)
			return 0, -1
		},
		what: "checkpoint of size 6: signature invalid",
	}, {
		name: "checkpoint root altered",
		tamper: func(t *testing.T, db *sqlstore.DB, ids []int64) (int64, int64) {
			tamper(t, db, "audit_checkpoints", `UPDATE audit_checkpoints SET root_hash = $1 WHERE tree_size = 6`, make([]byte, 32))
			return 0, -1
		},
		what: "checkpoint of size 6: its root_hash differs from its signed note",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
				keys, clk := testKeys(t, 1), clock.NewFake(start)
				l := New(keys, clk)
				ids := appendEvents(t, db, l, clk, "beppu", 6)
				clk.Advance(2 * time.Minute)
				seal(t, NewSealer(db, keys, clk, "host-a"), 6)
				ids = append(ids, appendEvents(t, db, l, clk, "beppu", 1)...)
				if rep := verify(t, db, keys, "beppu"); !rep.OK() || rep.Unsealed != 1 {
					t.Fatalf("before tampering: %s", rep)
				}

				event, leaf := tc.tamper(t, db, ids)
				rep := verify(t, db, keys, "beppu")
				t.Logf("%s", rep)
				p := rep.FirstProblem()
				if rep.OK() || p == nil {
					t.Fatalf("Verify passed after tampering: %s", rep)
				}
				if p.EventID != event || p.LeafIndex != leaf || !strings.Contains(p.What, tc.what) {
					t.Errorf("first problem = {event %d, leaf %d, %q}, want {event %d, leaf %d, …%q…}",
						p.EventID, p.LeafIndex, p.What, event, leaf, tc.what)
				}
				if !strings.Contains(rep.String(), "\n"+p.What+"\n") {
					t.Errorf("String() does not list the first problem on its own line:\n%s", rep)
				}
			})
		})
	}
}
