package demo

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/secret"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/timeline"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestSeedTime(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	for _, tc := range []struct{ now, want time.Time }{
		{time.Date(2026, 11, 22, 23, 30, 0, 0, jst), time.Date(2026, 11, 22, 10, 0, 0, 0, jst)},
		{time.Date(2026, 11, 23, 2, 0, 0, 0, jst), time.Date(2026, 11, 22, 10, 0, 0, 0, jst)},
		{time.Date(2026, 11, 23, 10, 0, 0, 0, jst), time.Date(2026, 11, 23, 10, 0, 0, 0, jst)},
		{time.Date(2026, 1, 1, 9, 59, 0, 0, jst), time.Date(2025, 12, 31, 10, 0, 0, 0, jst)},
	} {
		if got := SeedTime(tc.now); !got.Equal(tc.want) {
			t.Errorf("SeedTime(%s) = %s, want %s", tc.now, got.In(jst), tc.want)
		}
	}
}

// TestSeedAtNight: the demo can be created at 23:30 JST, when fukuoka §15 refuses
// staff work, because its organizations were set up at SeedTime; a second run adds
// nothing and returns the same logins.
func TestSeedAtNight(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		master := make([]byte, 32)
		rand.Read(master)
		keys, _ := secret.New(master)
		night := time.Date(2026, 11, 22, 14, 30, 0, 0, time.UTC) // 23:30 JST
		clk := clock.NewFake(SeedTime(night))
		log := audit.New(keys, clk)
		acc := accounts.New(db, log, keys, clk, accounts.Options{Argon2: accounts.TestArgon2})
		ppl := people.New(db, log, clk)
		ctx := context.Background()
		first, err := Seed(ctx, acc, ppl, keys)
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
		second, err := Seed(ctx, acc, ppl, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != len(second) || len(first) < 40 {
			t.Fatalf("logins: %d then %d", len(first), len(second))
		}
		nets, err := acc.Networks(ctx)
		if err != nil || len(nets) != 5 {
			t.Fatalf("networks: %d %v", len(nets), err)
		}
		// Each network has its demo people, visible to the operator.
		for _, n := range nets {
			op := first[0]
			for _, l := range first {
				if l.Network == n.ID && l.Role == "operator" {
					op = l
					break
				}
			}
			res, err := acc.Login(ctx, accounts.LoginInput{Network: n.ID, LoginID: op.LoginID, Password: op.Password, OTP: op.Code(clk.Now()), Kind: "api"})
			if err != nil {
				t.Fatalf("operator login %s: %v", n.ID, err)
			}
			pr, err := acc.Authenticate(ctx, n.ID, res.Token)
			if err != nil {
				t.Fatal(err)
			}
			list, total, err := ppl.List(ctx, pr.Actor, domain.PeopleFilter{})
			if err != nil || total != len(demoPeople[n.ID]) || len(list) != total {
				t.Errorf("%s: demo people %d (%d listed), want %d: %v", n.ID, total, len(list), len(demoPeople[n.ID]), err)
			}
		}
		clk.Advance(time.Minute) // the operators' codes were used
		// Every demo login works with its printed password and code.
		clk.Set(night.Add(-12 * time.Hour)) // 11:30 JST: every network in service
		for _, l := range first {
			if _, err := acc.Login(ctx, accounts.LoginInput{Network: l.Network, LoginID: l.LoginID, Password: l.Password,
				OTP: l.Code(clk.Now()), Kind: "api"}); err != nil {
				t.Errorf("demo login %s/%s: %v", l.Network, l.LoginID, err)
			}
		}
	})
}

// TestSeedTimelines: the demo opens on timelines a week in use — threads with
// replies, read marks the author sees, an entry still waiting for action in the
// care manager's inbox — written through the services, so every network's
// policy accepted them (fukuoka §15: all inside service hours).
func TestSeedTimelines(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		master := make([]byte, 32)
		rand.Read(master)
		keys, _ := secret.New(master)
		seeded := SeedTime(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
		clk := clock.NewFake(seeded)
		log := audit.New(keys, clk)
		acc := accounts.New(db, log, keys, clk, accounts.Options{Argon2: accounts.TestArgon2})
		ppl := people.New(db, log, clk)
		ctx := context.Background()
		logins, err := Seed(ctx, acc, ppl, keys)
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
		clk.Advance(2 * time.Hour)
		actor := func(net, login string) policy.Actor {
			for _, l := range logins {
				if l.Network == net && l.LoginID == login {
					clk.Advance(time.Minute) // a TOTP code is used once
					res, err := acc.Login(ctx, accounts.LoginInput{Network: net, LoginID: login, Password: l.Password, OTP: l.Code(clk.Now()), Kind: "api"})
					if err != nil {
						t.Fatalf("login %s: %v", login, err)
					}
					pr, err := acc.Authenticate(ctx, net, res.Token)
					if err != nil {
						t.Fatal(err)
					}
					return pr.Actor
				}
			}
			t.Fatalf("no demo login %s/%s", net, login)
			return policy.Actor{}
		}
		tl := timeline.New(ppl)
		for net, entries := range demoEntries {
			byPerson := map[string]int{}
			for _, e := range entries {
				if e.person != "" {
					byPerson[e.person]++
				}
			}
			a := actor(net, entries[0].by)
			list, _, err := ppl.List(ctx, a, domain.PeopleFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range list {
				page, err := tl.Timeline(ctx, a, p.ID, timeline.Filter{}, false)
				if err != nil {
					t.Fatalf("%s %s: %v", net, p.FamilyName, err)
				}
				if page.Total != byPerson[p.FamilyName] {
					t.Errorf("%s %s: %d threads, want %d", net, p.FamilyName, page.Total, byPerson[p.FamilyName])
				}
			}
		}
		// fukuoka: the doctor's instruction was read by the nurse and the care
		// manager, and the doctor (its author) sees both read marks; the
		// therapist's request waits, unread, for the care manager.
		dr := actor("fukuoka", "momochi-dr")
		people, _, _ := ppl.List(ctx, dr, domain.PeopleFilter{})
		var page *timeline.Page
		for _, p := range people {
			if p.FamilyName == "百道" {
				if page, err = tl.Timeline(ctx, dr, p.ID, timeline.Filter{}, false); err != nil {
					t.Fatal(err)
				}
			}
		}
		if page == nil || len(page.Threads) != 4 {
			t.Fatalf("百道's timeline for the doctor: %+v", page)
		}
		first := page.Threads[len(page.Threads)-1].Root
		if first.Entry.AuthorID != dr.UserID || len(first.Readers) != 2 {
			t.Errorf("the doctor's first entry: author %s, readers %d, want the doctor and 2", first.Entry.AuthorName, len(first.Readers))
		}
		inbox, _, err := tl.Inbox(ctx, actor("fukuoka", "ohori-cm"), timeline.InboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		waiting := 0
		for _, it := range inbox {
			if it.Entry.ActionRequired && it.Entry.DoneAt.IsZero() {
				waiting++
			}
		}
		if waiting == 0 {
			t.Errorf("the care manager's inbox has no entry waiting for action: %d items", len(inbox))
		}
	})
}
