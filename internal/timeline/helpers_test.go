package timeline_test

// Shared fixture of the timeline tests: a network of a profile with organizations
// made the way the product makes them, people registered by one organization and
// shared with another under the profile's strategy (care team, or the care-plan
// office granting), and helpers that read like the articles.

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
	"renraku/internal/timeline"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func bg() context.Context {
	return domain.WithRequestMeta(context.Background(), domain.RequestMeta{RemoteAddr: "192.0.2.20", RequestID: "timeline-test"})
}

type fx struct {
	t    testing.TB
	db   *sqlstore.DB
	env  *testenv.Env
	net  string
	prof *profile.Profile
	opID string
	tl   *timeline.Service
	seq  int
}

// unit is an organization with its admin and one staff member.
type unit struct{ org, admin, user string }

func newFx(t testing.TB, db *sqlstore.DB, prof string) *fx {
	t.Helper()
	env := testenv.New(t, db)
	creds := env.Network(t, prof, prof)
	_, p, err := env.Accounts.Network(context.Background(), prof)
	if err != nil {
		t.Fatal(err)
	}
	return &fx{t: t, db: db, env: env, net: prof, prof: p, opID: creds.UserID, tl: timeline.New(env.People)}
}

func (f *fx) as(uid string) policy.Actor {
	f.t.Helper()
	var u *domain.User
	if err := f.db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		u, err = tx.FindUser(context.Background(), f.net, uid)
		return err
	}); err != nil {
		f.t.Fatalf("user %s: %v", uid, err)
	}
	return accounts.ActorFor(u, f.prof, f.env.Clock.Now(), domain.StageFull)
}

func (f *fx) op() policy.Actor { return f.as(f.opID) }

// unit applies for and approves an organization of the type, with one staff
// member of the occupation.
func (f *fx) unit(name, typ, occupation string) unit {
	f.t.Helper()
	var keys []string
	for _, u := range f.prof.Undertakings {
		keys = append(keys, u.Key)
	}
	app, _, err := f.env.Accounts.SubmitApplication(bg(), f.net, accounts.ApplicationInput{OrgName: name, OrgType: typ,
		Address: "市内1-2-3", Phone: "0977-21-1111", AdminName: "管理 花子", AdminEmail: "kanri@example.jp",
		AgreeTerms: true, AgreedUndertakings: keys})
	if err != nil {
		f.t.Fatalf("application of %s: %v", name, err)
	}
	o, creds, err := f.env.Accounts.ApproveApplication(bg(), f.op(), app.ID, "")
	if err != nil {
		f.t.Fatalf("approval of %s: %v", name, err)
	}
	return unit{org: o.ID, admin: creds.UserID, user: f.staff(o.ID, creds.UserID, occupation)}
}

func (f *fx) staff(org, admin, occupation string) string {
	f.t.Helper()
	issuer := f.as(admin)
	if f.prof.StaffIssuer == "operator" {
		issuer = f.op()
	}
	f.seq++
	creds, err := f.env.Accounts.IssueStaff(bg(), issuer, org, accounts.StaffInput{DisplayName: "職員" + string(rune('A'+f.seq)) + " " + occupation, Occupation: occupation})
	if err != nil {
		f.t.Fatalf("issue staff: %v", err)
	}
	return creds.UserID
}

// register registers a person for u's organization (no consent yet).
func (f *fx) register(u unit, family string) *domain.Person {
	f.t.Helper()
	f.seq++
	in := people.PersonInput{FamilyName: family, GivenName: "太郎", FamilyKana: "ヤマダ", GivenKana: "タロウ",
		BirthDate: time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.seq).Format("2006-01-02"), Sex: "male"}
	if f.prof.HasInsuredNumber("care") {
		in.CareInsuredNo = "08" + time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.seq).Format("20060102")
	}
	p, err := f.env.People.Register(bg(), f.as(u.user), in, true)
	if err != nil {
		f.t.Fatalf("register: %v", err)
	}
	return p
}

// consent records the person's consent (by the city where it takes consent,
// beppu §15-1, fukuoka §17-1); under a care-plan form u is the care-plan office.
func (f *fx) consent(u unit, p *domain.Person) {
	f.t.Helper()
	form := f.prof.People.ConsentForms[0]
	in := people.ConsentInput{Kind: "self", ConsentedOn: f.env.Clock.Now().In(profile.Tokyo()).Format("2006-01-02"), FormVersion: form.Key}
	if form.ValidUntil != "" {
		in.ConsentedOn = form.ValidUntil // fukuoka §17-3: form 7 until 2018-05-31
	}
	if form.Strategy == "careplan" {
		in.CarePlanOrg = u.org
	}
	by := f.as(u.user)
	if f.prof.People.ConsentBy == "operator" {
		by = f.op()
	}
	if _, err := f.env.People.RecordConsent(bg(), by, p.ID, in); err != nil {
		f.t.Fatalf("consent: %v", err)
	}
}

// share lets other's organization see the person: the care team (katori, joso,
// sendai) or a grant of the care-plan office (beppu §17-4, fukuoka §19-3).
func (f *fx) share(owner unit, p *domain.Person, other unit) {
	f.t.Helper()
	var err error
	if f.prof.People.ConsentForms[0].Strategy == "careplan" {
		err = f.env.People.GrantAccess(bg(), f.as(owner.user), p.ID, other.org)
	} else {
		err = f.env.People.AddToTeam(bg(), f.as(owner.user), p.ID, other.org)
	}
	if err != nil {
		f.t.Fatalf("share: %v", err)
	}
}

// shared registers a person at owner, consented and shared with the others.
func (f *fx) shared(owner unit, family string, others ...unit) *domain.Person {
	f.t.Helper()
	p := f.register(owner, family)
	f.consent(owner, p)
	for _, o := range others {
		f.share(owner, p, o)
	}
	return p
}

func (f *fx) cat(i int) string { return f.prof.People.RecordCategories[i].Key }

// write creates an entry that must succeed.
func (f *fx) write(uid, personID string, in timeline.Input) *domain.Entry {
	f.t.Helper()
	if in.Category == "" && in.ReplyTo == "" {
		in.Category = f.cat(0)
	}
	if in.Body == "" {
		in.Body = "訪問しました。\n血圧 132/84、変わりありません。"
	}
	e, err := f.tl.Create(bg(), f.as(uid), personID, in)
	if err != nil {
		f.t.Fatalf("create entry: %v", err)
	}
	return e
}

// ids lists the entry IDs of a timeline page: first entries and replies in order.
func ids(p *timeline.Page) []string {
	var out []string
	for _, t := range p.Threads {
		out = append(out, t.Root.Entry.ID)
		for _, r := range t.Replies {
			out = append(out, r.Entry.ID)
		}
	}
	return out
}

// reads reports whether the user may read the person's timeline and which
// entries it shows; a refusal must be not found or forbidden.
func (f *fx) reads(uid, personID string) (bool, []string) {
	f.t.Helper()
	page, err := f.tl.Timeline(bg(), f.as(uid), personID, timeline.Filter{Limit: 100}, false)
	switch c := domain.ErrorCode(err); {
	case err == nil:
		return true, ids(page)
	case c == domain.ENOTFOUND || c == domain.EFORBIDDEN:
		return false, nil
	}
	f.t.Fatalf("Timeline: %v", err)
	return false, nil
}

// opens reports whether Get of the entry succeeds for the user.
func (f *fx) opens(uid, entryID string) bool {
	f.t.Helper()
	_, err := f.tl.Get(bg(), f.as(uid), entryID)
	switch {
	case err == nil:
		return true
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		return false
	}
	f.t.Fatalf("Get: %v", err)
	return false
}

// count runs SELECT COUNT(*) on the test's database.
func (f *fx) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	q := query
	if f.db.Dialect() == sqlstore.SQLite {
		for i := len(args); i >= 1; i-- {
			q = strings.ReplaceAll(q, "$"+strconv.Itoa(i), "?")
		}
	}
	if err := f.db.SQL().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (f *fx) events(action string) []*domain.AuditEvent {
	f.t.Helper()
	var out []*domain.AuditEvent
	if err := f.db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		out, _, err = tx.FindAuditEvents(context.Background(), f.net, domain.AuditFilter{Action: action, Limit: 500})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fx) notifications(uid string) []*domain.Notification {
	f.t.Helper()
	var out []*domain.Notification
	if err := f.db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		out, err = tx.FindNotifications(context.Background(), f.net, uid, false, 100, 0)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func detail(t *testing.T, e *domain.AuditEvent) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := json.Unmarshal([]byte(e.Detail), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func wantCode(t *testing.T, err error, code domain.Code, what string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want %s", what, code)
		return
	}
	if c := domain.ErrorCode(err); c != code {
		t.Errorf("%s: got %s (%v), want %s", what, c, err, code)
	}
}

func has(list []string, v string) bool { return slices.Contains(list, v) }
