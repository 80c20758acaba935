// Package storetest is the one contract suite of store.Store: every test runs on
// SQLite and on PostgreSQL, each on a fresh migrated database, and asserts the
// same behaviour on both.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var (
	ctx = context.Background()
	jst = time.FixedZone("JST", 9*60*60)
	// t0 has microseconds and is given in JST: the store must return the same
	// instant, exactly, in UTC.
	t0 = time.Date(2025, 4, 1, 9, 30, 15, 123456000, jst)
)

const (
	netA = "net-a"
	netB = "net-b"
)

// at returns t0+d in JST.
func at(d time.Duration) time.Time { return t0.Add(d) }

// cmpOpts compares times by instant AND requires the same location, so a time
// that comes back in anything but UTC is a difference.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() }),
	cmpopts.EquateEmpty(),
}

// inUTC returns a copy of *p with every time.Time field in UTC: what the store
// must return for p.
func inUTC[T any](p *T) *T {
	c := *p
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		if tm, ok := v.Field(i).Interface().(time.Time); ok {
			v.Field(i).Set(reflect.ValueOf(tm.UTC()))
		}
	}
	return &c
}

func inUTCAll[T any](ps ...*T) []*T {
	out := make([]*T, len(ps))
	for i, p := range ps {
		out[i] = inUTC(p)
	}
	return out
}

// run runs fn in one transaction and fails the test on error.
func run(t *testing.T, db store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := db.Transact(ctx, fn); err != nil {
		t.Fatalf("Transact: %v", err)
	}
}

// get runs fn in one transaction and returns its value.
func get[T any](t *testing.T, db store.Store, fn func(tx store.Tx) (T, error)) T {
	t.Helper()
	var v T
	run(t, db, func(tx store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v
}

// wantCode asserts that fn, run in a transaction, fails with the code.
func wantCode(t *testing.T, db store.Store, want domain.Code, fn func(tx store.Tx) error) {
	t.Helper()
	err := db.Transact(ctx, fn)
	if err == nil {
		t.Errorf("error = nil, want code %q", want)
		return
	}
	if got := domain.ErrorCode(err); got != want {
		t.Errorf("error = %v (code %q), want code %q", err, got, want)
	}
}

func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func createNetworks(t *testing.T, db store.Store, ids ...string) {
	t.Helper()
	run(t, db, func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.CreateNetwork(ctx, &domain.Network{ID: id, Profile: "beppu", Name: id, CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestContractNetworks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		a := &domain.Network{ID: netA, Profile: "beppu", Name: "別府市在宅医療介護連携ネットワーク", CreatedAt: at(0)}
		b := &domain.Network{ID: netB, Profile: "joso", Name: "常総市地域包括ケアネット", CreatedAt: at(time.Hour)}
		run(t, db, func(tx store.Tx) error {
			// Created out of order: the list is ordered by id.
			if err := tx.CreateNetwork(ctx, b); err != nil {
				return err
			}
			return tx.CreateNetwork(ctx, a)
		})

		got := get(t, db, func(tx store.Tx) (*domain.Network, error) { return tx.FindNetwork(ctx, netA) })
		diff(t, "FindNetwork", got, inUTC(a))
		list := get(t, db, func(tx store.Tx) ([]*domain.Network, error) { return tx.ListNetworks(ctx) })
		diff(t, "ListNetworks", list, inUTCAll(a, b))

		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindNetwork(ctx, "net-none")
			return err
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.CreateNetwork(ctx, &domain.Network{ID: netA, Profile: "katori", Name: "重複", CreatedAt: at(0)})
		})
	})
}

func TestContractApplications(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		app := func(net, id string, status domain.ApplicationStatus, created time.Duration) *domain.Application {
			return &domain.Application{
				NetworkID: net, ID: id, OrgName: "あおば訪問看護ステーション " + net, OrgType: "visiting_nurse",
				Address: "大分県別府市上野口町1-15", Phone: "0977-00-0000", AdminName: "管理 太郎",
				AdminEmail: "admin@example.jp", AdminPhone: "090-0000-0000", AgreedTerms: true,
				AgreedUndertakings: []string{"confidentiality", "security"}, Status: status,
				NoticeHash: "hash-" + net + id, CreatedAt: at(created),
			}
		}
		a1 := app(netA, "app1", domain.AppPending, 0)
		a1.AgreedUndertakings = nil // comes back empty
		a2 := app(netA, "app2", domain.AppApproved, time.Minute)
		a2.DecidedBy, a2.DecidedAt, a2.OrgID, a2.Conditions = "op1", at(2*time.Minute), "org9", "年1回の研修受講"
		a3 := app(netA, "app0", domain.AppRejected, 2*time.Minute)
		a3.RejectReason, a3.DecidedAt = "書類不備", at(3*time.Minute)
		b1 := app(netB, "app1", domain.AppPending, -time.Hour) // same id, other network
		run(t, db, func(tx store.Tx) error {
			for _, a := range []*domain.Application{a1, a2, a3, b1} {
				if err := tx.CreateApplication(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})

		for _, tc := range []struct {
			net, id string
			want    *domain.Application
		}{{netA, "app1", a1}, {netA, "app2", a2}, {netB, "app1", b1}} {
			got := get(t, db, func(tx store.Tx) (*domain.Application, error) { return tx.FindApplication(ctx, tc.net, tc.id) })
			diff(t, "FindApplication("+tc.net+", "+tc.id+")", got, inUTC(tc.want))
		}
		for _, tc := range []struct {
			net    string
			status domain.ApplicationStatus
			want   []*domain.Application
		}{
			{netA, "", []*domain.Application{a1, a2, a3}}, // by created_at
			{netA, domain.AppPending, []*domain.Application{a1}},
			{netA, domain.AppApproved, []*domain.Application{a2}},
			{netA, domain.AppRejected, []*domain.Application{a3}},
			{netB, "", []*domain.Application{b1}},
			{netB, domain.AppApproved, nil},
			{"net-none", "", nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.Application, error) {
				return tx.FindApplications(ctx, tc.net, tc.status)
			})
			diff(t, fmt.Sprintf("FindApplications(%s, %q)", tc.net, tc.status), got, inUTCAll(tc.want...))
		}

		upd := *a1
		upd.Status, upd.DecidedBy, upd.DecidedAt, upd.OrgID, upd.Conditions = domain.AppApproved, "op2", at(time.Hour), "org1", "条件"
		run(t, db, func(tx store.Tx) error { return tx.UpdateApplication(ctx, &upd) })
		got := get(t, db, func(tx store.Tx) (*domain.Application, error) { return tx.FindApplication(ctx, netA, "app1") })
		diff(t, "after UpdateApplication", got, inUTC(&upd))
		got = get(t, db, func(tx store.Tx) (*domain.Application, error) { return tx.FindApplication(ctx, netB, "app1") })
		diff(t, "other network after UpdateApplication", got, inUTC(b1))

		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindApplication(ctx, netB, "app2") // exists in A only
			return err
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *a2
			wrong.NetworkID = netB
			return tx.UpdateApplication(ctx, &wrong)
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateApplication(ctx, app(netA, "app2", domain.AppPending, 0)) })
		if err := db.Transact(ctx, func(tx store.Tx) error {
			return tx.CreateApplication(ctx, app("net-none", "x", domain.AppPending, 0))
		}); err == nil {
			t.Error("CreateApplication in an unknown network succeeded")
		}
	})
}

func TestContractOrganizations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		org := func(net, id, name string, status domain.OrgStatus) *domain.Organization {
			return &domain.Organization{
				NetworkID: net, ID: id, Name: name, Type: "clinic", Address: "別府市", Phone: "0977-11-1111",
				Status: status, ApplicationID: "app-" + id, CreatedAt: at(0), UpdatedAt: at(time.Second),
			}
		}
		// Names sort the same way under any collation: by their first kana.
		o1 := org(netA, "o1", "あおば病院", domain.OrgActive)
		o2 := org(netA, "o2", "かもめ薬局", domain.OrgSuspended)
		o2.SuspendReason = "更新手続き中"
		o3 := org(netA, "o3", "さくら病院 ABC", domain.OrgActive)
		o4 := org(netA, "o4", "たんぽぽ 100%ケア", domain.OrgWithdrawn)
		b1 := org(netB, "o1", "あおば病院 別館", domain.OrgActive) // same id, other network
		run(t, db, func(tx store.Tx) error {
			for _, o := range []*domain.Organization{o4, o3, o2, o1, b1} {
				if err := tx.CreateOrganization(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})

		got := get(t, db, func(tx store.Tx) (*domain.Organization, error) { return tx.FindOrganization(ctx, netA, "o1") })
		diff(t, "FindOrganization(A)", got, inUTC(o1))
		got = get(t, db, func(tx store.Tx) (*domain.Organization, error) { return tx.FindOrganization(ctx, netB, "o1") })
		diff(t, "FindOrganization(B)", got, inUTC(b1))

		for _, tc := range []struct {
			net  string
			f    domain.OrgFilter
			want []*domain.Organization
		}{
			{netA, domain.OrgFilter{}, []*domain.Organization{o1, o2, o3, o4}},
			{netA, domain.OrgFilter{Status: domain.OrgActive}, []*domain.Organization{o1, o3}},
			{netA, domain.OrgFilter{Status: domain.OrgSuspended}, []*domain.Organization{o2}},
			{netA, domain.OrgFilter{Query: "病院"}, []*domain.Organization{o1, o3}},
			{netA, domain.OrgFilter{Query: "病院", Status: domain.OrgSuspended}, nil},
			{netA, domain.OrgFilter{Query: "かもめ"}, []*domain.Organization{o2}},
			// ASCII matches regardless of case, on both dialects.
			{netA, domain.OrgFilter{Query: "abc"}, []*domain.Organization{o3}},
			// LIKE wildcards in the query are plain characters.
			{netA, domain.OrgFilter{Query: "%"}, []*domain.Organization{o4}},
			{netA, domain.OrgFilter{Query: "0_%"}, nil},
			{netA, domain.OrgFilter{Query: "_"}, nil},
			{netB, domain.OrgFilter{}, []*domain.Organization{b1}},
			{netB, domain.OrgFilter{Query: "かもめ"}, nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.Organization, error) { return tx.FindOrganizations(ctx, tc.net, tc.f) })
			diff(t, fmt.Sprintf("FindOrganizations(%s, %+v)", tc.net, tc.f), got, inUTCAll(tc.want...))
		}

		upd := *o2
		upd.Name, upd.Status, upd.SuspendReason, upd.Conditions, upd.UpdatedAt = "かもめ調剤薬局", domain.OrgActive, "", "条件付き", at(time.Hour)
		upd.Type, upd.Address, upd.Phone = "pharmacy", "別府市北浜", "0977-22-2222"
		run(t, db, func(tx store.Tx) error { return tx.UpdateOrganization(ctx, &upd) })
		got = get(t, db, func(tx store.Tx) (*domain.Organization, error) { return tx.FindOrganization(ctx, netA, "o2") })
		diff(t, "after UpdateOrganization", got, inUTC(&upd))

		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindOrganization(ctx, netB, "o2")
			return err
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *o3
			wrong.NetworkID = netB
			return tx.UpdateOrganization(ctx, &wrong)
		})
		got = get(t, db, func(tx store.Tx) (*domain.Organization, error) { return tx.FindOrganization(ctx, netB, "o1") })
		diff(t, "other network after updates", got, inUTC(b1))
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateOrganization(ctx, org(netA, "o1", "x", domain.OrgActive)) })
	})
}

func newUser(net, id, login, org string, role domain.Role, name string) *domain.User {
	return &domain.User{
		NetworkID: net, ID: id, LoginID: login, OrgID: org, Role: role, DisplayName: name,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", Status: domain.UserActive,
		CreatedAt: at(0), UpdatedAt: at(time.Minute),
	}
}

func TestContractUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		u1 := newUser(netA, "u1", "beppu-k7m2q9xa", "o1", domain.RoleStaff, "いとう 花子")
		u1.Occupation, u1.Email, u1.MustChangePassword = "nurse", "hanako@example.jp", true
		u1.TOTPSecret, u1.TOTPEnabled, u1.TOTPLastStep = "sealed:abc", true, 1<<40
		u1.FailedLogins, u1.LockedUntil = 2, at(15*time.Minute)
		u1.PasswordChangedAt, u1.LastLoginAt, u1.ReplacedBy = at(2*time.Minute), at(3*time.Minute), "u9"
		u2 := newUser(netA, "u2", "beppu-admin", "o1", domain.RoleAdmin, "あべ 一郎")
		u2.Status, u2.SuspendReason = domain.UserSuspended, "退職予定"
		u3 := newUser(netA, "u3", "operator", "", domain.RoleOperator, "うえだ 運営")
		u3.OperatorRole = "business_manager"
		u4 := newUser(netA, "u4", "beppu-staff2", "o2", domain.RoleStaff, "えんどう 次郎")
		// Same id and login in another network: allowed.
		b1 := newUser(netB, "u1", "beppu-k7m2q9xa", "o1", domain.RoleStaff, "別ネットワークの利用者")
		run(t, db, func(tx store.Tx) error {
			for _, u := range []*domain.User{u1, u2, u3, u4, b1} {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		})

		for _, tc := range []struct {
			net, id string
			want    *domain.User
		}{{netA, "u1", u1}, {netA, "u3", u3}, {netB, "u1", b1}} {
			got := get(t, db, func(tx store.Tx) (*domain.User, error) { return tx.FindUser(ctx, tc.net, tc.id) })
			diff(t, "FindUser("+tc.net+", "+tc.id+")", got, inUTC(tc.want))
			got = get(t, db, func(tx store.Tx) (*domain.User, error) { return tx.FindUserByLogin(ctx, tc.net, tc.want.LoginID) })
			diff(t, "FindUserByLogin("+tc.net+", "+tc.want.LoginID+")", got, inUTC(tc.want))
		}
		// Nullable times that were never set come back as the zero time.
		if got := get(t, db, func(tx store.Tx) (*domain.User, error) { return tx.FindUser(ctx, netA, "u2") }); !got.LockedUntil.IsZero() ||
			!got.PasswordChangedAt.IsZero() || !got.LastLoginAt.IsZero() {
			t.Errorf("unset nullable times of u2 = %v, %v, %v; want zero", got.LockedUntil, got.PasswordChangedAt, got.LastLoginAt)
		}

		for _, tc := range []struct {
			net  string
			f    domain.UserFilter
			want []*domain.User
		}{
			// Ordered by org, then display name.
			{netA, domain.UserFilter{}, []*domain.User{u3, u2, u1, u4}},
			{netA, domain.UserFilter{OrgID: "o1"}, []*domain.User{u2, u1}},
			{netA, domain.UserFilter{Role: domain.RoleStaff}, []*domain.User{u1, u4}},
			{netA, domain.UserFilter{Status: domain.UserSuspended}, []*domain.User{u2}},
			{netA, domain.UserFilter{NoOrgOnly: true}, []*domain.User{u3}},
			{netA, domain.UserFilter{OrgID: "o1", Role: domain.RoleStaff, Status: domain.UserActive}, []*domain.User{u1}},
			{netA, domain.UserFilter{OrgID: "o1", NoOrgOnly: true}, nil},
			{netA, domain.UserFilter{Role: domain.RoleAuditor}, nil},
			{netB, domain.UserFilter{}, []*domain.User{b1}},
			{netB, domain.UserFilter{Role: domain.RoleAdmin}, nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.User, error) { return tx.FindUsers(ctx, tc.net, tc.f) })
			diff(t, fmt.Sprintf("FindUsers(%s, %+v)", tc.net, tc.f), got, inUTCAll(tc.want...))
		}

		// Update every column, clearing the nullable times.
		upd := *u1
		upd.LoginID, upd.OrgID, upd.Role, upd.OperatorRole, upd.Occupation = "beppu-renamed", "o2", domain.RoleAdmin, "x", "pharmacist"
		upd.DisplayName, upd.Email, upd.PasswordHash, upd.MustChangePassword = "いとう はなこ", "new@example.jp", "$argon2id$new", false
		upd.TOTPSecret, upd.TOTPEnabled, upd.TOTPLastStep = "", false, 0
		upd.Status, upd.SuspendReason, upd.FailedLogins = domain.UserRevoked, "失効", 0
		upd.LockedUntil, upd.PasswordChangedAt, upd.LastLoginAt = time.Time{}, time.Time{}, at(time.Hour)
		upd.UpdatedAt, upd.ReplacedBy = at(2*time.Hour), "u4"
		run(t, db, func(tx store.Tx) error { return tx.UpdateUser(ctx, &upd) })
		got := get(t, db, func(tx store.Tx) (*domain.User, error) { return tx.FindUser(ctx, netA, "u1") })
		want := inUTC(&upd)
		want.CreatedAt = u1.CreatedAt.UTC() // not updatable
		diff(t, "after UpdateUser", got, want)
		got = get(t, db, func(tx store.Tx) (*domain.User, error) { return tx.FindUserByLogin(ctx, netB, "beppu-k7m2q9xa") })
		diff(t, "other network after UpdateUser", got, inUTC(b1))

		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindUser(ctx, netB, "u2")
			return err
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindUserByLogin(ctx, netB, "operator")
			return err
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *u2
			wrong.NetworkID = netB
			return tx.UpdateUser(ctx, &wrong)
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.CreateUser(ctx, newUser(netA, "u5", "operator", "", domain.RoleOperator, "重複ログイン"))
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.CreateUser(ctx, newUser(netA, "u2", "fresh-login", "", domain.RoleOperator, "重複ID"))
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			taken := *u4
			taken.LoginID = "beppu-admin"
			return tx.UpdateUser(ctx, &taken)
		})
	})
}

func TestContractRecordFailedLogin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		run(t, db, func(tx store.Tx) error {
			if err := tx.CreateUser(ctx, newUser(netA, "u1", "login", "", domain.RoleOperator, "a")); err != nil {
				return err
			}
			return tx.CreateUser(ctx, newUser(netB, "u1", "login", "", domain.RoleOperator, "b"))
		})
		lockAt := at(30 * time.Minute)
		var seen []int
		lockAfter3 := func(n int) time.Time {
			seen = append(seen, n)
			if n >= 3 {
				return lockAt
			}
			return time.Time{}
		}
		for want := 1; want <= 3; want++ {
			n := get(t, db, func(tx store.Tx) (int, error) { return tx.RecordFailedLogin(ctx, netA, "u1", lockAfter3) })
			if n != want {
				t.Errorf("RecordFailedLogin = %d, want %d", n, want)
			}
			u := get(t, db, func(tx store.Tx) (*domain.User, error) { return tx.FindUser(ctx, netA, "u1") })
			wantLock := time.Time{}
			if want >= 3 {
				wantLock = lockAt.UTC()
			}
			diff(t, fmt.Sprintf("after %d failures: FailedLogins, LockedUntil", want),
				[]any{u.FailedLogins, u.LockedUntil}, []any{want, wantLock})
		}
		diff(t, "lockUntil arguments", seen, []int{1, 2, 3})

		b := get(t, db, func(tx store.Tx) (*domain.User, error) { return tx.FindUser(ctx, netB, "u1") })
		if b.FailedLogins != 0 || !b.LockedUntil.IsZero() {
			t.Errorf("other network's user: FailedLogins = %d, LockedUntil = %v; want untouched", b.FailedLogins, b.LockedUntil)
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.RecordFailedLogin(ctx, netB, "u2", lockAfter3)
			return err
		})
	})
}

func TestContractSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		now := at(10 * time.Minute)
		sess := func(net, id, user string, lastSeen time.Duration) *domain.Session {
			return &domain.Session{
				NetworkID: net, ID: id, UserID: user, TokenHash: domain.HashToken(net + id), Kind: "web",
				Stage: domain.StageFull, CreatedAt: at(0), LastSeenAt: at(lastSeen), ExpiresAt: at(12 * time.Hour),
				IdleUntil: at(lastSeen + 30*time.Minute), UserAgent: "Mozilla/5.0", RemoteAddr: "192.0.2.1",
			}
		}
		s1 := sess(netA, "s1", "u1", time.Minute)
		s2 := sess(netA, "s2", "u1", 2*time.Minute)
		s2.Kind, s2.Stage = "api", domain.StageChangePassword
		expired := sess(netA, "s3", "u1", 3*time.Minute)
		expired.ExpiresAt = now // expires_at must be after now
		expiredSec := sess(netA, "s3b", "u1", 3*time.Minute)
		expiredSec.ExpiresAt = now.Truncate(time.Second) // a whole second, before now
		idle := sess(netA, "s4", "u1", 4*time.Minute)
		idle.IdleUntil = now
		revoked := sess(netA, "s5", "u1", 5*time.Minute)
		revoked.RevokedAt = at(6 * time.Minute)
		wholeSec := sess(netA, "s7", "u1", 30*time.Second)
		wholeSec.IdleUntil = now.Truncate(time.Second).Add(time.Second) // a whole second, after now
		other := sess(netA, "s6", "u2", time.Minute)
		b1 := sess(netB, "s1", "u1", 7*time.Minute) // same ids, other network
		all := []*domain.Session{s1, s2, expired, expiredSec, idle, revoked, wholeSec, other, b1}
		run(t, db, func(tx store.Tx) error {
			for _, s := range all {
				if err := tx.CreateSession(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})

		for _, s := range all {
			got := get(t, db, func(tx store.Tx) (*domain.Session, error) {
				return tx.FindSessionByToken(ctx, s.NetworkID, s.TokenHash)
			})
			diff(t, "FindSessionByToken("+s.NetworkID+", "+s.ID+")", got, inUTC(s))
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindSessionByToken(ctx, netB, s2.TokenHash) // a token of network A
			return err
		})

		list := get(t, db, func(tx store.Tx) ([]*domain.Session, error) { return tx.FindUserSessions(ctx, netA, "u1", now) })
		diff(t, "FindUserSessions(A, u1)", list, inUTCAll(s2, s1, wholeSec)) // open ones, most recent first
		list = get(t, db, func(tx store.Tx) ([]*domain.Session, error) { return tx.FindUserSessions(ctx, netB, "u1", now) })
		diff(t, "FindUserSessions(B, u1)", list, inUTCAll(b1))

		upd := *s1
		upd.Stage, upd.LastSeenAt, upd.IdleUntil, upd.RevokedAt = domain.StageEnrolTOTP, at(8*time.Minute), at(38*time.Minute), at(9*time.Minute)
		run(t, db, func(tx store.Tx) error { return tx.UpdateSession(ctx, &upd) })
		got := get(t, db, func(tx store.Tx) (*domain.Session, error) { return tx.FindSessionByToken(ctx, netA, s1.TokenHash) })
		diff(t, "after UpdateSession", got, inUTC(&upd))
		upd.RevokedAt = time.Time{} // nullable: can be cleared
		run(t, db, func(tx store.Tx) error { return tx.UpdateSession(ctx, &upd) })
		got = get(t, db, func(tx store.Tx) (*domain.Session, error) { return tx.FindSessionByToken(ctx, netA, s1.TokenHash) })
		diff(t, "after UpdateSession clearing RevokedAt", got, inUTC(&upd))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *s2
			wrong.NetworkID = netB
			return tx.UpdateSession(ctx, &wrong)
		})

		// RevokeSession keeps the first revocation time and touches one network only.
		run(t, db, func(tx store.Tx) error { return tx.RevokeSession(ctx, netA, "s1", at(20*time.Minute)) })
		run(t, db, func(tx store.Tx) error { return tx.RevokeSession(ctx, netA, "s1", at(21*time.Minute)) })
		got = get(t, db, func(tx store.Tx) (*domain.Session, error) { return tx.FindSessionByToken(ctx, netA, s1.TokenHash) })
		diff(t, "RevokedAt after two revocations", got.RevokedAt, at(20*time.Minute).UTC())
		got = get(t, db, func(tx store.Tx) (*domain.Session, error) { return tx.FindSessionByToken(ctx, netB, b1.TokenHash) })
		diff(t, "other network after RevokeSession", got, inUTC(b1))

		// Open (not yet revoked) sessions of u1 in A: s2, s3, s3b, s4, s7.
		n := get(t, db, func(tx store.Tx) (int, error) { return tx.RevokeUserSessions(ctx, netA, "u1", at(time.Hour)) })
		if n != 5 {
			t.Errorf("RevokeUserSessions = %d, want 5", n)
		}
		n = get(t, db, func(tx store.Tx) (int, error) { return tx.RevokeUserSessions(ctx, netA, "u1", at(2*time.Hour)) })
		if n != 0 {
			t.Errorf("second RevokeUserSessions = %d, want 0", n)
		}
		for _, tc := range []struct {
			s    *domain.Session
			want time.Time
		}{
			{s1, at(20 * time.Minute)}, {s2, at(time.Hour)}, {revoked, revoked.RevokedAt}, {other, time.Time{}}, {b1, time.Time{}},
		} {
			got := get(t, db, func(tx store.Tx) (*domain.Session, error) {
				return tx.FindSessionByToken(ctx, tc.s.NetworkID, tc.s.TokenHash)
			})
			diff(t, "RevokedAt of "+tc.s.NetworkID+"/"+tc.s.ID, got.RevokedAt, tc.want.UTC())
		}

		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			dup := *s2
			dup.ID = "s9"
			return tx.CreateSession(ctx, &dup) // same token hash
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			dup := *s2
			dup.TokenHash = "fresh"
			return tx.CreateSession(ctx, &dup) // same id
		})
	})
}

func TestContractStaffRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		req := func(net, id, org string, status domain.StaffRequestStatus, created time.Duration) *domain.StaffRequest {
			return &domain.StaffRequest{
				NetworkID: net, ID: id, OrgID: org, RequestedBy: "admin-" + org, DisplayName: "新規 職員",
				Email: "staff@example.jp", Occupation: "care_manager", Kind: "new", Status: status, CreatedAt: at(created),
			}
		}
		r1 := req(netA, "r1", "o1", domain.StaffRequestPending, 0)
		r2 := req(netA, "r2", "o1", domain.StaffRequestIssued, time.Minute)
		r2.DecidedBy, r2.DecidedAt, r2.UserID = "op1", at(2*time.Minute), "u7"
		r3 := req(netA, "r3", "o2", domain.StaffRequestPending, 2*time.Minute)
		r3.Kind, r3.TargetUserID = "reissue", "u3"
		r4 := req(netA, "r0", "o2", domain.StaffRequestRejected, 3*time.Minute)
		r4.Reason, r4.DecidedAt = "重複申請", at(4*time.Minute)
		b1 := req(netB, "r1", "o1", domain.StaffRequestPending, 0)
		run(t, db, func(tx store.Tx) error {
			for _, r := range []*domain.StaffRequest{r4, r3, r2, r1, b1} {
				if err := tx.CreateStaffRequest(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})

		for _, r := range []*domain.StaffRequest{r1, r2, r3, b1} {
			got := get(t, db, func(tx store.Tx) (*domain.StaffRequest, error) { return tx.FindStaffRequest(ctx, r.NetworkID, r.ID) })
			diff(t, "FindStaffRequest("+r.NetworkID+", "+r.ID+")", got, inUTC(r))
		}
		for _, tc := range []struct {
			net, org string
			status   domain.StaffRequestStatus
			want     []*domain.StaffRequest
		}{
			{netA, "", "", []*domain.StaffRequest{r1, r2, r3, r4}}, // by created_at
			{netA, "o1", "", []*domain.StaffRequest{r1, r2}},
			{netA, "", domain.StaffRequestPending, []*domain.StaffRequest{r1, r3}},
			{netA, "o1", domain.StaffRequestIssued, []*domain.StaffRequest{r2}},
			{netA, "o2", domain.StaffRequestIssued, nil},
			{netA, "o9", "", nil},
			{netB, "", "", []*domain.StaffRequest{b1}},
			{netB, "o2", "", nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.StaffRequest, error) {
				return tx.FindStaffRequests(ctx, tc.net, tc.org, tc.status)
			})
			diff(t, fmt.Sprintf("FindStaffRequests(%s, %q, %q)", tc.net, tc.org, tc.status), got, inUTCAll(tc.want...))
		}

		upd := *r1
		upd.Status, upd.Reason, upd.DecidedBy, upd.DecidedAt, upd.UserID = domain.StaffRequestIssued, "承認", "op2", at(time.Hour), "u8"
		run(t, db, func(tx store.Tx) error { return tx.UpdateStaffRequest(ctx, &upd) })
		got := get(t, db, func(tx store.Tx) (*domain.StaffRequest, error) { return tx.FindStaffRequest(ctx, netA, "r1") })
		diff(t, "after UpdateStaffRequest", got, inUTC(&upd))
		got = get(t, db, func(tx store.Tx) (*domain.StaffRequest, error) { return tx.FindStaffRequest(ctx, netB, "r1") })
		diff(t, "other network after UpdateStaffRequest", got, inUTC(b1))

		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindStaffRequest(ctx, netB, "r2")
			return err
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *r3
			wrong.NetworkID = netB
			return tx.UpdateStaffRequest(ctx, &wrong)
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.CreateStaffRequest(ctx, req(netA, "r2", "o1", domain.StaffRequestPending, 0))
		})
	})
}

func auditEvent(net, login, org, action string, when time.Duration) *domain.AuditEvent {
	return &domain.AuditEvent{
		NetworkID: net, At: at(when), ActorUserID: "id-" + login, ActorLogin: login, ActorOrgID: org,
		ActorRole: "staff", Action: action, TargetType: "user", TargetID: "u1", PersonID: "p1",
		Reason: "訪問前の確認", Outcome: "ok", RemoteAddr: "192.0.2.7", RequestID: "req-" + action,
		Detail: `{"k":"値"}`, MAC: "mac",
	}
}

func TestContractAuditEvents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e1 := auditEvent(netA, "alice", "o1", "login", 0)
		e2 := auditEvent(netA, "alice", "o1", "login.failed", time.Minute)
		b1 := auditEvent(netB, "alice", "o1", "login", time.Minute) // interleaved with A's events
		e3 := auditEvent(netA, "bob", "o2", "logout", 2*time.Minute)
		e4 := auditEvent(netA, "bob", "o2", "loginXfailed", 3*time.Minute)
		e5 := auditEvent(netA, "carol", "", "application.approve", 4*time.Minute)
		events := []*domain.AuditEvent{e1, e2, b1, e3, e4, e5}
		run(t, db, func(tx store.Tx) error {
			for _, e := range events {
				if err := tx.InsertAuditEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		for i, e := range events {
			if e.ID <= 0 || (i > 0 && e.ID <= events[i-1].ID) {
				t.Fatalf("event ids %d, %d are not increasing", events[max(i-1, 0)].ID, e.ID)
			}
		}

		for _, tc := range []struct {
			name  string
			net   string
			f     domain.AuditFilter
			want  []*domain.AuditEvent
			total int
		}{
			{"all, newest first", netA, domain.AuditFilter{}, []*domain.AuditEvent{e5, e4, e3, e2, e1}, 5},
			{"actor login", netA, domain.AuditFilter{ActorLogin: "bob"}, []*domain.AuditEvent{e4, e3}, 2},
			{"actor org", netA, domain.AuditFilter{ActorOrgID: "o1"}, []*domain.AuditEvent{e2, e1}, 2},
			{"action prefix", netA, domain.AuditFilter{Action: "login"}, []*domain.AuditEvent{e4, e2, e1}, 3},
			{"action prefix is literal", netA, domain.AuditFilter{Action: "login_"}, nil, 0},
			{"action prefix with dot", netA, domain.AuditFilter{Action: "login."}, []*domain.AuditEvent{e2}, 1},
			{"from inclusive", netA, domain.AuditFilter{From: at(2 * time.Minute)}, []*domain.AuditEvent{e5, e4, e3}, 3},
			{"to exclusive", netA, domain.AuditFilter{To: at(2 * time.Minute)}, []*domain.AuditEvent{e2, e1}, 2},
			{"from and to, microseconds", netA, domain.AuditFilter{From: at(time.Minute - time.Microsecond), To: at(3*time.Minute + time.Microsecond)},
				[]*domain.AuditEvent{e4, e3, e2}, 3},
			{"limit and offset", netA, domain.AuditFilter{Limit: 2, Offset: 1}, []*domain.AuditEvent{e4, e3}, 5},
			{"offset past the end", netA, domain.AuditFilter{Offset: 10}, nil, 5},
			{"combined", netA, domain.AuditFilter{ActorLogin: "alice", Action: "login", From: at(time.Second)}, []*domain.AuditEvent{e2}, 1},
			{"other network", netB, domain.AuditFilter{}, []*domain.AuditEvent{b1}, 1},
			{"other network, filtered", netB, domain.AuditFilter{ActorLogin: "bob"}, nil, 0},
		} {
			var got []*domain.AuditEvent
			var total int
			run(t, db, func(tx store.Tx) (err error) {
				got, total, err = tx.FindAuditEvents(ctx, tc.net, tc.f)
				return err
			})
			diff(t, "FindAuditEvents: "+tc.name, got, inUTCAll(tc.want...))
			if total != tc.total {
				t.Errorf("FindAuditEvents: %s: total = %d, want %d", tc.name, total, tc.total)
			}
		}

		list := get(t, db, func(tx store.Tx) ([]*domain.AuditEvent, error) { return tx.AuditEventsFrom(ctx, netA, e2.ID, 2) })
		diff(t, "AuditEventsFrom(A, e2, 2)", list, inUTCAll(e3, e4))
		list = get(t, db, func(tx store.Tx) ([]*domain.AuditEvent, error) { return tx.AuditEventsFrom(ctx, netB, 0, 10) })
		diff(t, "AuditEventsFrom(B, 0)", list, inUTCAll(b1))
		// AuditNetworks names every network (each network's log starts with its creation).
		if err := db.Transact(ctx, func(tx store.Tx) error {
			for _, id := range []string{netB, netA} {
				if err := tx.CreateNetwork(ctx, &domain.Network{ID: id, Profile: "beppu", Name: id, CreatedAt: t0}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		nets := get(t, db, func(tx store.Tx) ([]string, error) { return tx.AuditNetworks(ctx) })
		diff(t, "AuditNetworks", nets, []string{netA, netB})
	})
}

func TestContractAuditLog(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		var a, b []*domain.AuditEvent
		run(t, db, func(tx store.Tx) error {
			for i := range 4 {
				for _, e := range []*domain.AuditEvent{
					auditEvent(netA, "alice", "o1", "read", time.Duration(i)*time.Second),
					auditEvent(netB, "bob", "o1", "read", time.Duration(i)*time.Second),
				} {
					if err := tx.InsertAuditEvent(ctx, e); err != nil {
						return err
					}
					if e.NetworkID == netA {
						a = append(a, e)
					} else {
						b = append(b, e)
					}
				}
			}
			return nil
		})

		unsealed := get(t, db, func(tx store.Tx) ([]*domain.AuditEvent, error) { return tx.UnsealedAuditEvents(ctx, netA, 3) })
		diff(t, "UnsealedAuditEvents(A, 3)", unsealed, inUTCAll(a[:3]...))

		leaves := []domain.AuditLeaf{
			{NetworkID: netA, Index: 0, EventID: a[0].ID, Hash: []byte{0, 1, 2, 0xff}},
			{NetworkID: netA, Index: 1, EventID: a[1].ID, Hash: []byte("leaf-1-hash-32-bytes-long-------")},
		}
		bLeaves := []domain.AuditLeaf{{NetworkID: netB, Index: 0, EventID: b[0].ID, Hash: []byte{9}}}
		run(t, db, func(tx store.Tx) error {
			if err := tx.InsertAuditLeaves(ctx, leaves); err != nil {
				return err
			}
			return tx.InsertAuditLeaves(ctx, bLeaves)
		})
		unsealed = get(t, db, func(tx store.Tx) ([]*domain.AuditEvent, error) { return tx.UnsealedAuditEvents(ctx, netA, 10) })
		diff(t, "UnsealedAuditEvents(A) after sealing two", unsealed, inUTCAll(a[2:]...))
		unsealed = get(t, db, func(tx store.Tx) ([]*domain.AuditEvent, error) { return tx.UnsealedAuditEvents(ctx, netB, 10) })
		diff(t, "UnsealedAuditEvents(B) after sealing one", unsealed, inUTCAll(b[1:]...))

		got := get(t, db, func(tx store.Tx) ([]domain.AuditLeaf, error) { return tx.AuditLeaves(ctx, netA, 0, 10) })
		diff(t, "AuditLeaves(A, 0)", got, leaves)
		got = get(t, db, func(tx store.Tx) ([]domain.AuditLeaf, error) { return tx.AuditLeaves(ctx, netA, 1, 10) })
		diff(t, "AuditLeaves(A, 1)", got, leaves[1:])
		got = get(t, db, func(tx store.Tx) ([]domain.AuditLeaf, error) { return tx.AuditLeaves(ctx, netA, 0, 1) })
		diff(t, "AuditLeaves(A, 0, limit 1)", got, leaves[:1])
		got = get(t, db, func(tx store.Tx) ([]domain.AuditLeaf, error) { return tx.AuditLeaves(ctx, netB, 0, 10) })
		diff(t, "AuditLeaves(B, 0)", got, bLeaves)
		for net, want := range map[string]int64{netA: 2, netB: 1, "net-none": 0} {
			if n := get(t, db, func(tx store.Tx) (int64, error) { return tx.AuditTreeSize(ctx, net) }); n != want {
				t.Errorf("AuditTreeSize(%s) = %d, want %d", net, n, want)
			}
		}
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.InsertAuditLeaves(ctx, []domain.AuditLeaf{{NetworkID: netA, Index: 1, EventID: a[2].ID, Hash: []byte{1}}})
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.InsertAuditLeaves(ctx, []domain.AuditLeaf{{NetworkID: netA, Index: 2, EventID: a[0].ID, Hash: []byte{1}}})
		})
		// A failed batch leaves nothing behind.
		if err := db.Transact(ctx, func(tx store.Tx) error {
			return tx.InsertAuditLeaves(ctx, []domain.AuditLeaf{
				{NetworkID: netA, Index: 2, EventID: a[2].ID, Hash: []byte{2}},
				{NetworkID: netA, Index: 3, EventID: a[0].ID, Hash: []byte{3}},
			})
		}); err == nil {
			t.Error("InsertAuditLeaves with a sealed event succeeded")
		}
		if n := get(t, db, func(tx store.Tx) (int64, error) { return tx.AuditTreeSize(ctx, netA) }); n != 2 {
			t.Errorf("AuditTreeSize(A) after a failed batch = %d, want 2", n)
		}

		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.LatestAuditCheckpoint(ctx, netA)
			return err
		})
		c1 := &domain.AuditCheckpoint{NetworkID: netA, TreeSize: 1, RootHash: []byte{1, 1}, Note: "renraku/net-a\n1\nAQE=\n", CreatedAt: at(time.Minute)}
		c2 := &domain.AuditCheckpoint{NetworkID: netA, TreeSize: 2, RootHash: []byte{2, 2}, Note: "renraku/net-a\n2\nAgI=\n", CreatedAt: at(2 * time.Minute)}
		cb := &domain.AuditCheckpoint{NetworkID: netB, TreeSize: 5, RootHash: []byte{5}, Note: "renraku/net-b\n5\n", CreatedAt: at(3 * time.Minute)}
		run(t, db, func(tx store.Tx) error {
			for _, c := range []*domain.AuditCheckpoint{c2, c1, cb} {
				if err := tx.InsertAuditCheckpoint(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		cps := get(t, db, func(tx store.Tx) ([]*domain.AuditCheckpoint, error) { return tx.AuditCheckpoints(ctx, netA) })
		diff(t, "AuditCheckpoints(A)", cps, inUTCAll(c1, c2))
		latest := get(t, db, func(tx store.Tx) (*domain.AuditCheckpoint, error) { return tx.LatestAuditCheckpoint(ctx, netA) })
		diff(t, "LatestAuditCheckpoint(A)", latest, inUTC(c2))
		latest = get(t, db, func(tx store.Tx) (*domain.AuditCheckpoint, error) { return tx.LatestAuditCheckpoint(ctx, netB) })
		diff(t, "LatestAuditCheckpoint(B)", latest, inUTC(cb))
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.InsertAuditCheckpoint(ctx, &domain.AuditCheckpoint{NetworkID: netA, TreeSize: 2, RootHash: []byte{0}, Note: "x", CreatedAt: at(0)})
		})

		// The database itself refuses to change or remove audit rows, whoever asks.
		tamper := []string{
			`UPDATE audit_events SET reason = 'tampered'`,
			`DELETE FROM audit_events`,
			`UPDATE audit_leaves SET leaf_hash = leaf_hash || leaf_hash`,
			`DELETE FROM audit_leaves`,
			`UPDATE audit_checkpoints SET note = 'forged'`,
			`DELETE FROM audit_checkpoints`,
		}
		if db.Dialect() == sqlstore.Postgres {
			tamper = append(tamper, `TRUNCATE audit_events`, `TRUNCATE audit_leaves`, `TRUNCATE audit_checkpoints`)
		}
		for _, q := range tamper {
			if _, err := db.SQL().ExecContext(ctx, q); err == nil {
				t.Errorf("%s: succeeded, want the database to refuse", q)
			}
		}
		all := get(t, db, func(tx store.Tx) ([]*domain.AuditEvent, error) { return tx.AuditEventsFrom(ctx, netA, 0, 100) })
		diff(t, "events after tampering", all, inUTCAll(a...))
		got = get(t, db, func(tx store.Tx) ([]domain.AuditLeaf, error) { return tx.AuditLeaves(ctx, netA, 0, 10) })
		diff(t, "leaves after tampering", got, leaves)
		cps = get(t, db, func(tx store.Tx) ([]*domain.AuditCheckpoint, error) { return tx.AuditCheckpoints(ctx, netA) })
		diff(t, "checkpoints after tampering", cps, inUTCAll(c1, c2))
	})
}

func TestContractLeases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		now := at(0)
		for _, step := range []struct {
			name, lease, holder string
			now, until          time.Time
			want                bool
		}{
			{"A takes a free lease", "sealer", "A", now, now.Add(30 * time.Second), true},
			{"B cannot take it while it runs", "sealer", "B", now.Add(10 * time.Second), now.Add(40 * time.Second), false},
			{"A renews", "sealer", "A", now.Add(20 * time.Second), now.Add(50 * time.Second), true},
			{"B cannot take it at the old expiry", "sealer", "B", now.Add(35 * time.Second), now.Add(65 * time.Second), false},
			{"B cannot take it at the exact expiry", "sealer", "B", now.Add(50 * time.Second), now.Add(80 * time.Second), false},
			{"B takes it once expired", "sealer", "B", now.Add(50*time.Second + time.Microsecond), now.Add(80 * time.Second), true},
			{"A cannot take it back", "sealer", "A", now.Add(60 * time.Second), now.Add(90 * time.Second), false},
			{"other leases are independent", "retention", "A", now.Add(60 * time.Second), now.Add(90 * time.Second), true},
			{"B renews", "sealer", "B", now.Add(79 * time.Second), now.Add(110 * time.Second), true},
			{"A still cannot", "sealer", "A", now.Add(100 * time.Second), now.Add(130 * time.Second), false},
		} {
			got := get(t, db, func(tx store.Tx) (bool, error) {
				return tx.AcquireLease(ctx, step.lease, step.holder, step.now, step.until)
			})
			if got != step.want {
				t.Errorf("%s: AcquireLease = %v, want %v", step.name, got, step.want)
			}
		}
	})
}

var errRollback = errors.New("roll back")

func TestContractTransact(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		if !strings.HasSuffix(t.Name(), "/"+db.Dialect()) {
			t.Errorf("Dialect() = %q in subtest %s", db.Dialect(), t.Name())
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}

		err := db.Transact(ctx, func(tx store.Tx) error {
			if err := tx.CreateNetwork(ctx, &domain.Network{ID: netA, Profile: "beppu", Name: "a", CreatedAt: t0}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Errorf("Transact error = %v, want the error of fn", err)
		}
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("recovered %v, want the panic of fn", p)
				}
			}()
			db.Transact(ctx, func(tx store.Tx) error {
				if err := tx.CreateNetwork(ctx, &domain.Network{ID: netB, Profile: "beppu", Name: "b", CreatedAt: t0}); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		nets := get(t, db, func(tx store.Tx) ([]*domain.Network, error) { return tx.ListNetworks(ctx) })
		if len(nets) != 0 {
			t.Errorf("networks after rolled back transactions = %v, want none", nets)
		}
		// A domain error from fn keeps its code.
		wantCode(t, db, domain.EFORBIDDEN, func(tx store.Tx) error { return domain.ErrForbidden })

		// Concurrent transactions serialise: every increment is counted once.
		createNetworks(t, db, netA)
		run(t, db, func(tx store.Tx) error {
			return tx.CreateUser(ctx, newUser(netA, "u1", "login", "", domain.RoleOperator, "a"))
		})
		const workers, perWorker = 8, 20
		noLock := func(int) time.Time { return time.Time{} }
		var (
			mu   sync.Mutex
			seen []int
			wg   sync.WaitGroup
		)
		errs := make(chan error, workers)
		for range workers {
			wg.Go(func() {
				for range perWorker {
					var n int
					if err := db.Transact(ctx, func(tx store.Tx) (err error) {
						n, err = tx.RecordFailedLogin(ctx, netA, "u1", noLock)
						return err
					}); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					seen = append(seen, n)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent Transact: %v", err)
		}
		u := get(t, db, func(tx store.Tx) (*domain.User, error) { return tx.FindUser(ctx, netA, "u1") })
		if u.FailedLogins != workers*perWorker {
			t.Errorf("FailedLogins = %d after %d increments", u.FailedLogins, workers*perWorker)
		}
		// Each committed transaction saw a distinct count: 1..160.
		sort.Ints(seen)
		want := make([]int, workers*perWorker)
		for i := range want {
			want[i] = i + 1
		}
		diff(t, "counts seen by the transactions", seen, want)
	})
}

func TestContractMigrations(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db, err := sqlstore.Open(ctx, testdb.URL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			applied, latest, err := db.MigrationVersion(ctx)
			if err != nil || applied != 0 || latest < 1 {
				t.Fatalf("MigrationVersion before Migrate = %d, %d, %v; want 0, >= 1", applied, latest, err)
			}
			for i := range 2 { // Migrate is idempotent
				if err := db.Migrate(ctx); err != nil {
					t.Fatalf("Migrate #%d: %v", i+1, err)
				}
				a, l, err := db.MigrationVersion(ctx)
				if err != nil || a != latest || l != latest {
					t.Errorf("MigrationVersion after Migrate #%d = %d, %d, %v; want %d, %d", i+1, a, l, err, latest, latest)
				}
			}
			// The schema works after the second run.
			run(t, db, func(tx store.Tx) error {
				return tx.CreateNetwork(ctx, &domain.Network{ID: netA, Profile: "beppu", Name: "a", CreatedAt: t0})
			})
		})
	}
}

// A path with URI characters is still one file, and the connection settings still
// apply: foreign keys are enforced.
func TestSQLiteOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a#b?c%20d", "renraku.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
	if err := db.Transact(ctx, func(tx store.Tx) error {
		return tx.CreateUser(ctx, newUser("net-none", "u1", "login", "", domain.RoleOperator, "a"))
	}); err == nil {
		t.Error("CreateUser in an unknown network succeeded: foreign keys are off")
	}
}
