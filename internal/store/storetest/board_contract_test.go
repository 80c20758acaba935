package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// boardWorld: in netA a 訪問看護 station (its admin, a nurse, a suspended nurse),
// a care-management office (a care manager), a withdrawn 訪問看護 station (a
// nurse), a municipal officer and an operator; in netB one user with the same id
// as the nurse.
func boardWorld(t *testing.T, db store.Store) {
	t.Helper()
	createNetworks(t, db, netA, netB)
	org := func(net, id, typ string, status domain.OrgStatus) *domain.Organization {
		return &domain.Organization{NetworkID: net, ID: id, Name: "組織" + id, Type: typ, Address: "別府市", Phone: "0977-11-1111",
			Status: status, CreatedAt: at(0), UpdatedAt: at(0)}
	}
	user := func(net, id, org string, role domain.Role, occ string, status domain.UserStatus) *domain.User {
		u := newUser(net, id, net+"-"+id, org, role, "利用者 "+id)
		u.Occupation, u.Status = occ, status
		return u
	}
	run(t, db, func(tx store.Tx) error {
		for _, o := range []*domain.Organization{
			org(netA, "o-hk", "houmon_kango", domain.OrgActive), org(netA, "o-ky", "kyotaku", domain.OrgActive),
			org(netA, "o-wd", "houmon_kango", domain.OrgWithdrawn), org(netB, "o-hk", "houmon_kango", domain.OrgActive),
		} {
			if err := tx.CreateOrganization(ctx, o); err != nil {
				return err
			}
		}
		for _, u := range []*domain.User{
			user(netA, "admin", "o-hk", domain.RoleAdmin, "nurse", domain.UserActive),
			user(netA, "nurse", "o-hk", domain.RoleStaff, "nurse", domain.UserActive),
			user(netA, "away", "o-hk", domain.RoleStaff, "nurse", domain.UserSuspended),
			user(netA, "cm", "o-ky", domain.RoleStaff, "care_manager", domain.UserActive),
			user(netA, "gone", "o-wd", domain.RoleStaff, "nurse", domain.UserActive),
			user(netA, "muni", "", domain.RoleMunicipal, "", domain.UserActive),
			user(netA, "op", "", domain.RoleOperator, "", domain.UserActive),
			user(netB, "nurse", "o-hk", domain.RoleStaff, "nurse", domain.UserActive),
		} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
}

func newPost(net, id string, kind domain.BoardKind, pinned bool, created time.Duration, aud domain.BoardAudience) *domain.BoardPost {
	p := &domain.BoardPost{NetworkID: net, ID: id, Kind: kind, Title: "件名" + id, Body: "本文\n" + id, Pinned: pinned,
		Audience: aud, Status: domain.BoardPublished, Version: 1, AuthorID: "op", AuthorName: "運営 太郎",
		CreatedAt: at(created), UpdatedAt: at(created)}
	if kind == domain.BoardMaintenance {
		p.StartsAt, p.EndsAt = at(created+24*time.Hour), at(created+26*time.Hour)
	}
	return p
}

func postIDs(ps []*domain.BoardPost) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestContractBoardPosts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		boardWorld(t, db)
		all := newPost(netA, "p-all", domain.BoardNotice, false, time.Minute, domain.BoardAudience{})
		hk := newPost(netA, "p-hk", domain.BoardNotice, false, 2*time.Minute, domain.BoardAudience{OrgTypes: []string{"houmon_kango"}})
		admins := newPost(netA, "p-admins", domain.BoardNotice, false, 3*time.Minute, domain.BoardAudience{Roles: []string{"admin", "municipal"}})
		pinned := newPost(netA, "p-pinned", domain.BoardNotice, true, 0, domain.BoardAudience{})
		maint := newPost(netA, "p-maint", domain.BoardMaintenance, false, 4*time.Minute, domain.BoardAudience{})
		maint.Urgent = true
		nurses := newPost(netA, "p-nurses", domain.BoardNotice, false, 5*time.Minute,
			domain.BoardAudience{OrgTypes: []string{"houmon_kango", "kyotaku"}, Occupations: []string{"nurse", "nurse"}})
		gone := newPost(netA, "p-gone", domain.BoardNotice, true, 6*time.Minute, domain.BoardAudience{})
		gone.Status, gone.WithdrawnAt, gone.WithdrawnBy, gone.WithdrawReason = domain.BoardWithdrawn, at(7*time.Minute), "op", "誤り"
		other := newPost(netB, "p-all", domain.BoardNotice, true, time.Minute, domain.BoardAudience{})
		run(t, db, func(tx store.Tx) error {
			for _, p := range []*domain.BoardPost{all, hk, admins, pinned, maint, nurses, gone, other} {
				if err := tx.CreateBoardPost(ctx, p); err != nil {
					return fmt.Errorf("%s: %w", p.ID, err)
				}
			}
			return nil
		})

		// Round trip, duplicates in the audience kept out of the SQL table but
		// the post's own lists as given.
		got := get(t, db, func(tx store.Tx) (*domain.BoardPost, error) { return tx.FindBoardPost(ctx, netA, "p-maint") })
		diff(t, "maintenance post", got, inUTC(maint))
		got = get(t, db, func(tx store.Tx) (*domain.BoardPost, error) { return tx.FindBoardPost(ctx, netA, "p-gone") })
		diff(t, "withdrawn post", got, inUTC(gone))
		got = get(t, db, func(tx store.Tx) (*domain.BoardPost, error) { return tx.FindBoardPost(ctx, netB, "p-all") })
		diff(t, "other network's post", got, inUTC(other))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { _, err := tx.FindBoardPost(ctx, netB, "p-hk"); return err })

		list := func(scope domain.BoardScope, f domain.BoardFilter) ([]string, int) {
			t.Helper()
			var ps []*domain.BoardPost
			var n int
			run(t, db, func(tx store.Tx) error {
				var err error
				ps, n, err = tx.FindBoardPosts(ctx, netA, scope, f)
				return err
			})
			return postIDs(ps), n
		}
		// Pinned first, then newest first.
		tests := []struct {
			name  string
			scope domain.BoardScope
			want  []string
		}{
			{"those who manage the board: every post, withdrawn too", domain.BoardScope{All: true},
				[]string{"p-gone", "p-pinned", "p-nurses", "p-maint", "p-admins", "p-hk", "p-all"}},
			// A post for 訪問看護 organizations is not seen by a care-management office.
			{"nurse of a 訪問看護 station", domain.BoardScope{OrgType: "houmon_kango", Role: domain.RoleStaff, Occupation: "nurse"},
				[]string{"p-pinned", "p-nurses", "p-maint", "p-hk", "p-all"}},
			{"care manager of a 居宅介護支援事業所", domain.BoardScope{OrgType: "kyotaku", Role: domain.RoleStaff, Occupation: "care_manager"},
				[]string{"p-pinned", "p-maint", "p-all"}},
			{"admin of a 訪問看護 station (a nurse)", domain.BoardScope{OrgType: "houmon_kango", Role: domain.RoleAdmin, Occupation: "nurse"},
				[]string{"p-pinned", "p-nurses", "p-maint", "p-admins", "p-hk", "p-all"}},
			{"municipal officer: no organization, no occupation", domain.BoardScope{Role: domain.RoleMunicipal},
				[]string{"p-pinned", "p-maint", "p-admins", "p-all"}},
		}
		for _, tt := range tests {
			ids, n := list(tt.scope, domain.BoardFilter{})
			if !slices.Equal(ids, tt.want) || n != len(tt.want) {
				t.Errorf("%s: %v (total %d), want %v", tt.name, ids, n, tt.want)
			}
		}
		// Paging keeps the order and the total.
		ids, n := list(domain.BoardScope{All: true}, domain.BoardFilter{Limit: 3, Offset: 3})
		if !slices.Equal(ids, []string{"p-maint", "p-admins", "p-hk"}) || n != 7 {
			t.Errorf("page 2: %v (total %d)", ids, n)
		}
		// The banner: maintenance windows not ended at a time.
		if ids, _ := list(domain.BoardScope{Role: domain.RoleMunicipal}, domain.BoardFilter{MaintenanceAfter: maint.EndsAt.Add(-time.Second)}); !slices.Equal(ids, []string{"p-maint"}) {
			t.Errorf("before the end: %v", ids)
		}
		if ids, _ := list(domain.BoardScope{Role: domain.RoleMunicipal}, domain.BoardFilter{MaintenanceAfter: maint.EndsAt}); len(ids) != 0 {
			t.Errorf("at the end: %v", ids)
		}

		// An edit replaces the audience.
		hk.Audience = domain.BoardAudience{OrgTypes: []string{"kyotaku"}}
		hk.Title, hk.Version, hk.UpdatedAt, hk.UpdatedBy = "件名（訂正）", 2, at(10*time.Minute), "op"
		run(t, db, func(tx store.Tx) error { return tx.UpdateBoardPost(ctx, hk) })
		got = get(t, db, func(tx store.Tx) (*domain.BoardPost, error) { return tx.FindBoardPost(ctx, netA, "p-hk") })
		diff(t, "edited post", got, inUTC(hk))
		if ids, _ := list(domain.BoardScope{OrgType: "kyotaku", Role: domain.RoleStaff, Occupation: "care_manager"}, domain.BoardFilter{}); !slices.Contains(ids, "p-hk") {
			t.Errorf("care manager after the edit: %v", ids)
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			return tx.UpdateBoardPost(ctx, newPost(netB, "p-hk", domain.BoardNotice, false, 0, domain.BoardAudience{}))
		})

		// Read marks: the first read of a version is kept; a new version replaces it.
		mark := func(user string, version int, when time.Duration) {
			t.Helper()
			run(t, db, func(tx store.Tx) error { return tx.MarkBoardRead(ctx, netA, "p-hk", user, version, at(when)) })
		}
		mark("cm", 1, 20*time.Minute)
		mark("cm", 1, 21*time.Minute)
		mark("admin", 2, 22*time.Minute)
		mark("cm", 2, 23*time.Minute)
		mark("cm", 2, 24*time.Minute)
		mark("cm", 1, 25*time.Minute) // an old version read later changes nothing
		reads := get(t, db, func(tx store.Tx) ([]domain.BoardRead, error) { return tx.FindBoardReads(ctx, netA, "p-hk") })
		diff(t, "reads", reads, []domain.BoardRead{
			{UserID: "admin", DisplayName: "利用者 admin", Role: domain.RoleAdmin, OrgID: "o-hk", OrgName: "組織o-hk", ReadAt: at(22 * time.Minute).UTC(), Version: 2},
			{UserID: "cm", DisplayName: "利用者 cm", Role: domain.RoleStaff, OrgID: "o-ky", OrgName: "組織o-ky", ReadAt: at(23 * time.Minute).UTC(), Version: 2},
		})
		var viewed []*domain.BoardPost
		run(t, db, func(tx store.Tx) error {
			var err error
			viewed, _, err = tx.FindBoardPosts(ctx, netA, domain.BoardScope{OrgType: "kyotaku", Role: domain.RoleStaff, Occupation: "care_manager"},
				domain.BoardFilter{Viewer: "cm"})
			return err
		})
		for _, p := range viewed {
			read := p.ID == "p-hk"
			if read != !p.ReadAt.IsZero() || (read && (p.ReadVersion != 2 || !p.ReadAt.Equal(at(23*time.Minute)))) {
				t.Errorf("%s as seen by cm: read at %v version %d", p.ID, p.ReadAt, p.ReadVersion)
			}
		}

		// The audience as users: active users of active organizations.
		audience := func(a domain.BoardAudience) []string {
			t.Helper()
			return get(t, db, func(tx store.Tx) ([]string, error) { return tx.BoardAudienceUsers(ctx, netA, a) })
		}
		for _, tt := range []struct {
			a    domain.BoardAudience
			want []string
		}{
			{domain.BoardAudience{}, []string{"admin", "cm", "muni", "nurse", "op"}},
			{domain.BoardAudience{OrgTypes: []string{"houmon_kango"}}, []string{"admin", "nurse"}},
			{domain.BoardAudience{Roles: []string{"staff"}, Occupations: []string{"nurse", "care_manager"}}, []string{"cm", "nurse"}},
			{domain.BoardAudience{Roles: []string{"municipal", "operator"}}, []string{"muni", "op"}},
			{domain.BoardAudience{OrgTypes: []string{"yakkyoku"}}, nil},
		} {
			if got := audience(tt.a); !slices.Equal(got, tt.want) {
				t.Errorf("audience %+v: %v, want %v", tt.a, got, tt.want)
			}
		}
	})
}

func TestContractNotifications(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		boardWorld(t, db)
		active := get(t, db, func(tx store.Tx) ([]string, error) {
			return tx.ActiveUserIDs(ctx, netA, []string{"muni", "away", "nobody", "nurse"}, []string{"o-hk", "o-wd", "o-ky"})
		})
		if !slices.Equal(active, []string{"admin", "cm", "muni", "nurse"}) {
			t.Errorf("ActiveUserIDs: %v", active)
		}

		// 150 notifications for the nurse (more than one insert statement), two
		// for the care manager, one for the nurse of netB.
		var ns []*domain.Notification
		for i := range 150 {
			ns = append(ns, &domain.Notification{NetworkID: netA, ID: fmt.Sprintf("n%03d", i), UserID: "nurse", Kind: "board.post",
				Link: fmt.Sprintf("/n/net-a/board/p%d", i%3), CreatedAt: at(time.Duration(i) * time.Second)})
		}
		ns = append(ns,
			&domain.Notification{NetworkID: netA, ID: "c1", UserID: "cm", Kind: "board.post", Link: "/n/net-a/board/p0", CreatedAt: at(0)},
			&domain.Notification{NetworkID: netA, ID: "c2", UserID: "cm", Kind: "message", Link: "/n/net-a/messages/x", CreatedAt: at(time.Hour)},
			&domain.Notification{NetworkID: netB, ID: "b1", UserID: "nurse", Kind: "board.post", Link: "/n/net-b/board/p0", CreatedAt: at(0)})
		run(t, db, func(tx store.Tx) error { return tx.CreateNotifications(ctx, ns) })
		// A notification must name a user of its network.
		wantCode(t, db, domain.EINTERNAL, func(tx store.Tx) error {
			return tx.CreateNotifications(ctx, []*domain.Notification{{NetworkID: netB, ID: "x", UserID: "cm", Kind: "k", Link: "/", CreatedAt: at(0)}})
		})

		count := func(net, user string) int {
			t.Helper()
			return get(t, db, func(tx store.Tx) (int, error) { return tx.CountUnreadNotifications(ctx, net, user) })
		}
		if count(netA, "nurse") != 150 || count(netA, "cm") != 2 || count(netB, "nurse") != 1 {
			t.Fatalf("unread: nurse %d, cm %d, netB nurse %d", count(netA, "nurse"), count(netA, "cm"), count(netB, "nurse"))
		}
		page := get(t, db, func(tx store.Tx) ([]*domain.Notification, error) {
			return tx.FindNotifications(ctx, netA, "cm", false, 10, 0)
		})
		diff(t, "cm's notifications, newest first", page, inUTCAll(ns[151], ns[150]))

		// Marking read: by ids (another user's id changes nothing), by link, all.
		n := get(t, db, func(tx store.Tx) (int, error) {
			return tx.MarkNotificationsRead(ctx, netA, "cm", []string{"c1", "n000", "n001"}, at(2*time.Hour))
		})
		if n != 1 || count(netA, "nurse") != 150 || count(netA, "cm") != 1 {
			t.Errorf("marked %d; unread nurse %d, cm %d", n, count(netA, "nurse"), count(netA, "cm"))
		}
		c1 := get(t, db, func(tx store.Tx) (*domain.Notification, error) { return tx.FindNotification(ctx, netA, "cm", "c1") })
		if !c1.ReadAt.Equal(at(2 * time.Hour)) {
			t.Errorf("c1 read at %v", c1.ReadAt)
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { _, err := tx.FindNotification(ctx, netA, "nurse", "c1"); return err })
		n = get(t, db, func(tx store.Tx) (int, error) {
			return tx.MarkNotificationsReadByLink(ctx, netA, "nurse", "/n/net-a/board/p0", at(2*time.Hour))
		})
		if n != 50 || count(netA, "nurse") != 100 {
			t.Errorf("by link: marked %d, unread %d", n, count(netA, "nurse"))
		}
		unread := get(t, db, func(tx store.Tx) ([]*domain.Notification, error) {
			return tx.FindNotifications(ctx, netA, "nurse", true, 200, 0)
		})
		if len(unread) != 100 {
			t.Errorf("unread list: %d", len(unread))
		}
		n = get(t, db, func(tx store.Tx) (int, error) {
			return tx.MarkNotificationsRead(ctx, netA, "nurse", nil, at(3*time.Hour))
		})
		if n != 100 || count(netA, "nurse") != 0 || count(netB, "nurse") != 1 {
			t.Errorf("all: marked %d; unread %d, netB %d", n, count(netA, "nurse"), count(netB, "nurse"))
		}
	})
}

func TestContractMailOutbox(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		boardWorld(t, db)
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { _, err := tx.FindMailState(ctx, netA, "nurse"); return err })
		run(t, db, func(tx store.Tx) error {
			for _, u := range []string{"nurse", "cm"} {
				if err := tx.SetMailEnabled(ctx, netA, u, true, at(0)); err != nil {
					return err
				}
			}
			return tx.SetMailEnabled(ctx, netB, "nurse", true, at(0))
		})
		state := func(user string) *domain.MailState {
			t.Helper()
			return get(t, db, func(tx store.Tx) (*domain.MailState, error) { return tx.FindMailState(ctx, netA, user) })
		}
		queue := func(when time.Duration, users ...string) {
			t.Helper()
			run(t, db, func(tx store.Tx) error { return tx.QueueMail(ctx, netA, users, at(when)) })
		}
		due := func(when time.Duration) []string {
			t.Helper()
			ms := get(t, db, func(tx store.Tx) ([]*domain.MailState, error) { return tx.DueMail(ctx, netA, at(when), 10) })
			var out []string
			for _, m := range ms {
				out = append(out, m.UserID)
			}
			return out
		}
		// Only those who chose e-mail owe a mail; one at a time, from the first.
		queue(time.Minute, "nurse", "admin")
		queue(2*time.Minute, "nurse", "cm")
		if s := state("nurse"); !s.EmailOn || !s.PendingSince.Equal(at(time.Minute)) || s.QueuedSeq != 2 {
			t.Errorf("nurse: %+v", s)
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { _, err := tx.FindMailState(ctx, netA, "admin"); return err })
		if got := due(2 * time.Minute); !slices.Equal(got, []string{"nurse", "cm"}) {
			t.Errorf("due: %v", got)
		}
		// A failure waits for its next attempt.
		run(t, db, func(tx store.Tx) error { return tx.MailFailed(ctx, netA, "cm", 1, at(10*time.Minute), "451 try later") })
		if got := due(9 * time.Minute); !slices.Equal(got, []string{"nurse"}) {
			t.Errorf("due before the retry: %v", got)
		}
		if s := state("cm"); s.Attempts != 1 || s.LastError != "451 try later" || !s.NextAttempt.Equal(at(10*time.Minute)) {
			t.Errorf("cm after a failure: %+v", s)
		}
		// A mail sent as of seq 2 settles it; one sent as of an older seq leaves
		// what was queued since owed.
		s := state("nurse")
		queue(3*time.Minute, "nurse")
		run(t, db, func(tx store.Tx) error {
			return tx.MailDone(ctx, netA, "nurse", s.QueuedSeq, at(4*time.Minute), at(14*time.Minute))
		})
		if s := state("nurse"); s.PendingSince.IsZero() || !s.LastSentAt.Equal(at(4*time.Minute)) || !s.NextAttempt.Equal(at(14*time.Minute)) {
			t.Errorf("nurse after a mail that missed one: %+v", s)
		}
		if got := due(13 * time.Minute); !slices.Equal(got, []string{"cm"}) {
			t.Errorf("due before the rate limit: %v", got)
		}
		s = state("nurse")
		run(t, db, func(tx store.Tx) error {
			return tx.MailDone(ctx, netA, "nurse", s.QueuedSeq, at(15*time.Minute), at(25*time.Minute))
		})
		if s := state("nurse"); !s.PendingSince.IsZero() || s.Attempts != 0 {
			t.Errorf("nurse settled: %+v", s)
		}
		// Turning e-mail off drops what is owed; the other network is untouched.
		run(t, db, func(tx store.Tx) error { return tx.SetMailEnabled(ctx, netA, "cm", false, at(30*time.Minute)) })
		if s := state("cm"); s.EmailOn || !s.PendingSince.IsZero() {
			t.Errorf("cm after turning off: %+v", s)
		}
		queue(31*time.Minute, "cm")
		if got := due(time.Hour); len(got) != 0 {
			t.Errorf("due after turning off: %v", got)
		}
		if b := get(t, db, func(tx store.Tx) (*domain.MailState, error) { return tx.FindMailState(ctx, netB, "nurse") }); !b.PendingSince.IsZero() {
			t.Errorf("netB: %+v", b)
		}
	})
}
