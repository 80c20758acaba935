package board_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/board"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fx is one network of a profile with its operator, over a test database.
type fx struct {
	t    *testing.T
	env  *testenv.Env
	net  string
	prof *profile.Profile
	svc  *board.Service
	op   string // the approval role's operator
	seq  atomic.Int64
}

func ctx() context.Context {
	return domain.WithRequestMeta(context.Background(), domain.RequestMeta{RequestID: "board-test", RemoteAddr: "192.0.2.1"})
}

func newFx(t *testing.T, db *sqlstore.DB, profileID string) *fx {
	t.Helper()
	env := testenv.New(t, db)
	creds := env.Network(t, profileID, profileID)
	return &fx{t: t, env: env, net: profileID, prof: profile.MustGet(profileID), op: creds.UserID,
		svc: board.New(db, env.Audit, env.Clock)}
}

func (f *fx) must(err error, what string) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("%s: %v", what, err)
	}
}

// actor is the policy actor of a user at the clock's time.
func (f *fx) actor(userID string) policy.Actor {
	f.t.Helper()
	var a policy.Actor
	f.must(f.env.Store.Transact(context.Background(), func(tx store.Tx) error {
		u, err := tx.FindUser(context.Background(), f.net, userID)
		if err != nil {
			return err
		}
		a = accounts.ActorFor(u, f.prof, f.env.Clock.Now(), domain.StageFull)
		return nil
	}), "actor")
	return a
}

// operator issues an operator account of a role (the approval role's operator
// manages operator accounts in every profile).
func (f *fx) operator(role string) string {
	f.t.Helper()
	if role == f.prof.ApprovalRole {
		return f.op
	}
	c, err := f.env.Accounts.IssueNetworkAccount(ctx(), f.actor(f.op), accounts.NetworkAccountInput{Role: domain.RoleOperator,
		OperatorRole: role, DisplayName: "運営 " + role})
	f.must(err, "operator "+role)
	return c.UserID
}

// municipal issues a municipal staff account through the role that may.
func (f *fx) municipal() string {
	f.t.Helper()
	for _, r := range f.prof.OperatorRoles {
		if f.prof.HasPower(r.Key, profile.PowerIssueMunicipal) {
			c, err := f.env.Accounts.IssueNetworkAccount(ctx(), f.actor(f.operator(r.Key)),
				accounts.NetworkAccountInput{Role: domain.RoleMunicipal, DisplayName: "市 職員"})
			f.must(err, "municipal")
			return c.UserID
		}
	}
	f.t.Fatal("no role issues municipal accounts")
	return ""
}

// org creates an approved organization of a type and returns it and its admin.
func (f *fx) org(typ string) (orgID, adminID string) {
	f.t.Helper()
	var und []string
	for _, u := range f.prof.Undertakings {
		und = append(und, u.Key)
	}
	k := f.seq.Add(1)
	app, _, err := f.env.Accounts.SubmitApplication(ctx(), f.net, accounts.ApplicationInput{OrgName: fmt.Sprintf("事業所%d", k),
		OrgType: typ, Address: "福岡市中央区1-1", Phone: "092-000-0000", AdminName: "管理 太郎",
		AdminEmail: fmt.Sprintf("admin%d@example.jp", k), AgreeTerms: true, AgreedUndertakings: und})
	f.must(err, "application")
	o, creds, err := f.env.Accounts.ApproveApplication(ctx(), f.actor(f.op), app.ID, "")
	f.must(err, "approve")
	return o.ID, creds.UserID
}

// staff issues a staff account in an organization (by its admin, or in joso by
// the operator).
func (f *fx) staff(orgID, adminID, occupation, email string) string {
	f.t.Helper()
	issuer := adminID
	if f.prof.StaffIssuer == "operator" {
		issuer = f.op
	}
	c, err := f.env.Accounts.IssueStaff(ctx(), f.actor(issuer), orgID, accounts.StaffInput{DisplayName: "職員 " + occupation,
		Occupation: occupation, Email: email})
	f.must(err, "staff")
	return c.UserID
}

// counts are what a malformed request must not change.
type counts struct{ posts, notifications, audit int }

func (f *fx) counts() counts {
	f.t.Helper()
	var c counts
	f.must(f.env.Store.Transact(context.Background(), func(tx store.Tx) error {
		_, n, err := tx.FindBoardPosts(context.Background(), f.net, domain.BoardScope{All: true}, domain.BoardFilter{})
		if err != nil {
			return err
		}
		c.posts = n
		evs, err := tx.AuditEventsFrom(context.Background(), f.net, 0, 1_000_000)
		c.audit = len(evs)
		return err
	}), "counts")
	f.must(f.env.Store.SQL().QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM notifications WHERE network_id = '"+f.net+"'").Scan(&c.notifications), "count notifications")
	return c
}

// unread is a user's unread notification count.
func (f *fx) unread(userID string) int {
	f.t.Helper()
	var n int
	f.must(f.env.Store.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		n, err = tx.CountUnreadNotifications(context.Background(), f.net, userID)
		return err
	}), "unread")
	return n
}

// audited counts the network's audit events of an action and outcome.
func (f *fx) audited(action, outcome string) int {
	f.t.Helper()
	n := 0
	f.must(f.env.Store.Transact(context.Background(), func(tx store.Tx) error {
		evs, err := tx.AuditEventsFrom(context.Background(), f.net, 0, 1_000_000)
		for _, e := range evs {
			if e.Action == action && e.Outcome == outcome {
				n++
			}
		}
		return err
	}), "audit")
	return n
}

func ids(ps []*domain.BoardPost) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
