package people_test

// Shared fixture of the people tests: one network of a profile, its operator,
// organizations made the way the product makes them (application → approval),
// staff issued by whoever the profile says, and small helpers that read like the
// articles ("can this actor see this person?").

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
)

func TestMain(m *testing.M) { testdb.Main(m) }

var jst = time.FixedZone("JST", 9*3600)

// bg is the context of every call: a request id and address, as the server gives.
func bg() context.Context {
	return domain.WithRequestMeta(context.Background(), domain.RequestMeta{RemoteAddr: "192.0.2.10", RequestID: "people-test"})
}

type fx struct {
	t    *testing.T
	db   *sqlstore.DB
	env  *testenv.Env
	net  string
	prof *profile.Profile
	opID string
	seq  int
}

// newFx creates a network of the profile (id = profile id) with its first
// operator. When start is not zero the clock is moved there first (10:00 JST of a
// civil date), so that dates like the loss of eligibility can lie in the past.
func newFx(t *testing.T, db *sqlstore.DB, prof string, start string) *fx {
	t.Helper()
	env := testenv.New(t, db)
	if start != "" {
		setDay(t, env, start)
	}
	creds := env.Network(t, prof, prof)
	_, p, err := env.Accounts.Network(context.Background(), prof)
	if err != nil {
		t.Fatalf("network %s: %v", prof, err)
	}
	return &fx{t: t, db: db, env: env, net: prof, prof: p, opID: creds.UserID}
}

func setDay(t *testing.T, env *testenv.Env, day string) {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02", day, jst)
	if err != nil {
		t.Fatalf("bad day %q", day)
	}
	env.Clock.Set(d.Add(10 * time.Hour))
}

// day moves the clock to 10:00 JST of a civil date (inside every profile's hours).
func (f *fx) day(day string) { f.t.Helper(); setDay(f.t, f.env, day) }

// as builds the actor of a user at the clock's current time, reading the user
// afresh (as Authenticate does on every request).
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

func (f *fx) op() policy.Actor { f.t.Helper(); return f.as(f.opID) }

// org applies for and approves an organization; it returns its id and its admin.
func (f *fx) org(name, typ string) (orgID, adminID string) {
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
	return o.ID, creds.UserID
}

// staff issues a staff account of the occupation in the organization, by the
// organization admin or (joso §10) by the operator.
func (f *fx) staff(orgID, adminID, occupation string) string {
	f.t.Helper()
	issuer := f.as(adminID)
	if f.prof.StaffIssuer == "operator" {
		issuer = f.op()
	}
	creds, err := f.env.Accounts.IssueStaff(bg(), issuer, orgID, accounts.StaffInput{DisplayName: "職員 " + occupation, Occupation: occupation})
	if err != nil {
		f.t.Fatalf("issue staff (%s) in %s: %v", occupation, orgID, err)
	}
	return creds.UserID
}

// unit is an organization with one staff user.
type unit struct{ org, admin, user string }

func (f *fx) unit(name, typ, occupation string) unit {
	f.t.Helper()
	o, a := f.org(name, typ)
	return unit{org: o, admin: a, user: f.staff(o, a, occupation)}
}

// network issues a network-level account (municipal staff, another operator role).
func (f *fx) network(role domain.Role, opRole, occupation string) string {
	f.t.Helper()
	creds, err := f.env.Accounts.IssueNetworkAccount(bg(), f.op(), accounts.NetworkAccountInput{Role: role, OperatorRole: opRole,
		DisplayName: "市 職員", Occupation: occupation})
	if err != nil {
		f.t.Fatalf("issue %s account: %v", role, err)
	}
	return creds.UserID
}

// setOrgCode sets an organization's 事業所番号 (matched by the claims import).
func (f *fx) setOrgCode(orgID, code string) {
	f.t.Helper()
	if err := f.db.Transact(context.Background(), func(tx store.Tx) error {
		o, err := tx.FindOrganization(context.Background(), f.net, orgID)
		if err != nil {
			return err
		}
		o.Code = code
		return tx.UpdateOrganization(context.Background(), o)
	}); err != nil {
		f.t.Fatalf("org code: %v", err)
	}
}

// input is a valid registration form, unique within the fixture (birth date and
// insured number), with the insured numbers the profile uses.
func (f *fx) input(family string) people.PersonInput {
	f.seq++
	in := people.PersonInput{FamilyName: family, GivenName: "太郎", FamilyKana: "ヤマダ", GivenKana: "タロウ",
		BirthDate: time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.seq).Format("2006-01-02"),
		Sex:       "male", Address: "市内4-5-6", Phone: "0977-22-3333"}
	if f.prof.HasInsuredNumber("care") {
		in.CareInsuredNo = fmt.Sprintf("08%08d", f.seq)
	}
	return in
}

// person registers someone for the actor's organization.
func (f *fx) person(a policy.Actor, family string) *domain.Person {
	f.t.Helper()
	p, err := f.env.People.Register(bg(), a, f.input(family), false)
	if err != nil {
		f.t.Fatalf("register %s: %v", family, err)
	}
	return p
}

func (f *fx) form() string { return f.prof.People.ConsentForms[0].Key }

// consent records the person's own consent on the profile's first form, dated
// 2026-11-01, with the scopes given (none = sharing).
func (f *fx) consent(a policy.Actor, personID string, scopes ...string) *domain.Consent {
	f.t.Helper()
	c, err := f.env.People.RecordConsent(bg(), a, personID, people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-01",
		FormVersion: f.form(), Scopes: scopes})
	if err != nil {
		f.t.Fatalf("consent: %v", err)
	}
	return c
}

// sees reports whether the actor's Get of the person succeeds; a refusal must be
// "not found" (a refusal does not confirm the person exists).
func (f *fx) sees(a policy.Actor, id string) bool {
	f.t.Helper()
	v, err := f.env.People.Get(bg(), a, id)
	switch {
	case err == nil:
		if v == nil || v.Person == nil || v.Person.ID != id {
			f.t.Fatalf("Get %s returned %+v", id, v)
		}
		return true
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		return false
	}
	f.t.Fatalf("Get %s: unexpected error %v", id, err)
	return false
}

// view is Get that must succeed.
func (f *fx) view(a policy.Actor, id string) *people.PersonView {
	f.t.Helper()
	v, err := f.env.People.Get(bg(), a, id)
	if err != nil {
		f.t.Fatalf("Get %s as %s/%s: %v", id, a.Role, a.OrgID, err)
	}
	return v
}

// listIDs is the actor's whole list (one page of 500) and its total.
func (f *fx) listIDs(a policy.Actor) ([]string, int) {
	f.t.Helper()
	list, total, err := f.env.People.List(bg(), a, domain.PeopleFilter{Limit: 500})
	if err != nil {
		f.t.Fatalf("List: %v", err)
	}
	var ids []string
	for _, p := range list {
		ids = append(ids, p.ID)
	}
	if total != len(ids) {
		f.t.Errorf("List total %d but %d rows on a page of 500", total, len(ids))
	}
	return ids, total
}

func (f *fx) listed(a policy.Actor, id string) bool {
	f.t.Helper()
	ids, _ := f.listIDs(a)
	return slices.Contains(ids, id)
}

// visible checks Get and List agree and returns the answer.
func (f *fx) visible(a policy.Actor, id string) bool {
	f.t.Helper()
	g, l := f.sees(a, id), f.listed(a, id)
	if g != l {
		f.t.Errorf("Get says %v but List says %v for %s as %s/%s/%s", g, l, id, a.Role, a.OrgID, a.Occupation)
	}
	return g
}

// stored reads the person row as it is in the database.
func (f *fx) stored(id string) *domain.Person {
	f.t.Helper()
	var p *domain.Person
	if err := f.db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		p, err = tx.FindPerson(context.Background(), f.net, id)
		return err
	}); err != nil {
		f.t.Fatalf("FindPerson %s: %v", id, err)
	}
	return p
}

func (f *fx) accessRows(personID string) []*domain.Access {
	f.t.Helper()
	var out []*domain.Access
	if err := f.db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		out, err = tx.FindPersonAccess(context.Background(), f.net, personID)
		return err
	}); err != nil {
		f.t.Fatalf("FindPersonAccess: %v", err)
	}
	return out
}

// activeAccess finds the org's access row of kind that has not ended.
func (f *fx) activeAccess(personID, orgID, kind string) *domain.Access {
	f.t.Helper()
	for _, r := range f.accessRows(personID) {
		if r.OrgID == orgID && r.Kind == kind && r.EndedAt.IsZero() {
			return r
		}
	}
	f.t.Fatalf("no active %s access of %s to %s", kind, orgID, personID)
	return nil
}

// events returns the network's audit events matching the filter, newest first.
func (f *fx) events(flt domain.AuditFilter) []*domain.AuditEvent {
	f.t.Helper()
	if flt.Limit == 0 {
		flt.Limit = 500
	}
	var out []*domain.AuditEvent
	if err := f.db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		out, _, err = tx.FindAuditEvents(context.Background(), f.net, flt)
		return err
	}); err != nil {
		f.t.Fatalf("FindAuditEvents: %v", err)
	}
	return out
}

// lastEvent is the newest event of the action by the user, or nil.
func (f *fx) lastEvent(action, userID string) *domain.AuditEvent {
	f.t.Helper()
	for _, e := range f.events(domain.AuditFilter{Action: action}) {
		if e.ActorUserID == userID {
			return e
		}
	}
	return nil
}

func (f *fx) countEvents(action, userID string) int {
	f.t.Helper()
	n := 0
	for _, e := range f.events(domain.AuditFilter{Action: action}) {
		if e.ActorUserID == userID {
			n++
		}
	}
	return n
}

func detail(t *testing.T, e *domain.AuditEvent) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := json.Unmarshal([]byte(e.Detail), &m); err != nil {
		t.Fatalf("detail of %s: %v (%s)", e.Action, err, e.Detail)
	}
	return m
}

// count runs SELECT COUNT(*) over a table of the test's own database.
func (f *fx) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.db.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		f.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// wantCode fails unless err carries the code.
func wantCode(t *testing.T, err error, code domain.Code, what string) *domain.Error {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want %s", what, code)
		return nil
	}
	if c := domain.ErrorCode(err); c != code {
		t.Errorf("%s: got %s (%v), want %s", what, c, err, code)
	}
	return domain.AsError(err)
}

// wantField fails unless err is EINVALID naming the field.
func wantField(t *testing.T, err error, field, what string) {
	t.Helper()
	e := wantCode(t, err, domain.EINVALID, what)
	if e != nil && e.Fields[field] == "" {
		t.Errorf("%s: no message for field %q: %v", what, field, err)
	}
}
