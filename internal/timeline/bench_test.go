package timeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/timeline"
)

// BenchmarkTimeline: the first page (20 threads) of a person's timeline of 1,000
// entries as a team member reads it, through the service (decision, matrix,
// scope, page, replies, read marks, audit append, all in one transaction) and as
// the bare SQL floor: the same count and page query and one audit INSERT.
//
//	go test -run '^$' -bench Timeline -benchtime 2s ./internal/timeline/
func BenchmarkTimeline(b *testing.B) {
	for _, dialect := range testdb.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			db := testdb.Open(b, dialect)
			f := newFx(b, db, "katori")
			a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
			t := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
			p := f.shared(a, "香取", t)
			other := f.shared(a, "別の方", t)
			ctx := context.Background()
			start := f.env.Clock.Now().Add(-1000 * time.Hour)
			err := db.Transact(ctx, func(tx store.Tx) error {
				for _, person := range []string{p.ID, other.ID} {
					var root string
					for i := range 1000 {
						at := start.Add(time.Duration(i) * time.Hour)
						e := &domain.Entry{NetworkID: f.net, ID: domain.NewID(), PersonID: person, Category: f.cat(i % 3),
							Body: fmt.Sprintf("訪問記録 %d: 血圧 13%d/8%d、体調に変わりなし。", i, i%10, i%7), AuthorID: a.user,
							AuthorName: "職員", AuthorOrg: a.org, Version: 1, CreatedAt: at, UpdatedAt: at}
						e.ThreadID = e.ID
						if i%4 == 3 {
							e.ThreadID, e.ReplyTo = root, root
						} else {
							root = e.ID
						}
						if err := tx.CreateEntry(ctx, e); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			actor := f.as(t.user)
			tl := timeline.New(f.env.People)
			page, err := tl.Timeline(bg(), actor, p.ID, timeline.Filter{}, false)
			if err != nil || len(page.Threads) != 20 || page.Total != 750 {
				b.Fatalf("first page: %v %+v", err, page)
			}
			q := func(s string) string {
				if db.Dialect() == sqlstore.SQLite {
					return strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3").Replace(s)
				}
				return s
			}
			count := q(`SELECT COUNT(*) FROM timeline_entries e WHERE e.network_id = $1 AND e.person_id = $2 AND e.thread_id = e.id`)
			list := q(`SELECT e.id, e.thread_id, e.category, e.body, e.author_name, e.created_at FROM timeline_entries e
				WHERE e.network_id = $1 AND e.person_id = $2 AND e.thread_id = e.id ORDER BY e.created_at DESC, e.id DESC LIMIT 20`)
			audit := q(`INSERT INTO audit_events (network_id, at, actor_user_id, actor_login, actor_org_id, actor_role, action,
				target_type, target_id, person_id, reason, outcome, remote_addr, request_id, detail, mac)
				VALUES ($1, $2, $3, '', '', 'staff', 'timeline.view', 'person', '', '', '', 'ok', '', '', '{}', 'bench')`)
			b.Run("service", func(b *testing.B) {
				for b.Loop() {
					if _, err := tl.Timeline(bg(), actor, p.ID, timeline.Filter{}, false); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("bare", func(b *testing.B) {
				for b.Loop() {
					tx, err := db.SQL().BeginTx(ctx, nil)
					if err != nil {
						b.Fatal(err)
					}
					var n int
					if err := tx.QueryRowContext(ctx, count, f.net, p.ID).Scan(&n); err != nil {
						b.Fatal(err)
					}
					rows, err := tx.QueryContext(ctx, list, f.net, p.ID)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						var id, thread, cat, body, name string
						var at time.Time
						if err := rows.Scan(&id, &thread, &cat, &body, &name, &at); err != nil {
							b.Fatal(err)
						}
					}
					rows.Close()
					if _, err := tx.ExecContext(ctx, audit, f.net, time.Now().UTC(), actor.UserID); err != nil {
						b.Fatal(err)
					}
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
