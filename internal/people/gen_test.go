package people_test

// The generated network of the scale test and benchmarks (issue 3: "a network of
// 100k people where the user may see 200"). Everything here is prefixed "scale"
// so that it does not clash with the other test files of the package.
//
// The data is generated in Go, deterministically, and written with multi-row
// INSERTs in one transaction, with the column lists of migration 0003; only the
// network, the organizations and the staff user go through the store. The set the
// staff user may see is computed from the same data with policy.Decide (the
// person-by-person form of the policy), not with the SQL under test.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testenv"
)

const (
	scaleNet      = "beppu"  // the network of 100k people
	scaleOtherNet = "beppu2" // a second network whose rows reuse the same IDs
	scaleOrgCount = 50
	scaleVisible  = 200 // what the staff user of organization X may see, by construction
	scaleSize     = 100_000
	scaleSeed     = 20261124
)

// scalePerson is one generated row of people. Category is "" for the background,
// "v-…" for a person X may see and "n-…" for a near miss X may not see.
type scalePerson struct {
	ID, FamilyName, GivenName, FamilyKana, GivenKana, BirthDate, Sex, CareNo string
	RegisteredOrg                                                            string
	Eligible                                                                 bool
	LostReason, LostOn, ReadableUntil                                        string
	Status                                                                   domain.PersonStatus
	Consent                                                                  domain.ConsentState
	Category                                                                 string
}

// scaleAccess is one generated row of access.
type scaleAccess struct {
	ID, PersonID, OrgID, Kind, ExpiresOn string
	Ended                                bool
}

// scaleData is a generated network and its shadow in scaleOtherNet.
type scaleData struct {
	Today       string
	OrgX        string   // the staff user's organization
	Orgs        []string // all scaleOrgCount organizations, OrgX among them
	People      []scalePerson
	Access      []scaleAccess
	Other       []scalePerson // scaleOtherNet: registered by an organization with OrgX's ID
	OtherAccess []scaleAccess
	byID        map[string]*scalePerson
}

var (
	scaleFamilies = []struct{ Kanji, Kana string }{
		{"青木", "アオキ"}, {"阿部", "アベ"}, {"石井", "イシイ"}, {"伊藤", "イトウ"}, {"井上", "イノウエ"},
		{"上田", "ウエダ"}, {"遠藤", "エンドウ"}, {"大野", "オオノ"}, {"岡田", "オカダ"}, {"加藤", "カトウ"},
		{"木村", "キムラ"}, {"工藤", "クドウ"}, {"小林", "コバヤシ"}, {"斎藤", "サイトウ"}, {"佐藤", "サトウ"},
		{"佐藤", "サトウラ"}, {"清水", "シミズ"}, {"鈴木", "スズキ"}, {"関", "セキ"}, {"高橋", "タカハシ"},
		{"田中", "タナカ"}, {"土屋", "ツチヤ"}, {"中村", "ナカムラ"}, {"野口", "ノグチ"}, {"橋本", "ハシモト"},
		{"藤田", "フジタ"}, {"松本", "マツモト"}, {"宮崎", "ミヤザキ"}, {"森", "モリ"}, {"山田", "ヤマダ"},
		{"吉田", "ヨシダ"}, {"渡辺", "ワタナベ"},
	}
	scaleGivens = []struct{ Kanji, Kana string }{
		{"明", "アキラ"}, {"勇", "イサム"}, {"栄子", "エイコ"}, {"和子", "カズコ"}, {"清", "キヨシ"},
		{"幸子", "サチコ"}, {"茂", "シゲル"}, {"進", "ススム"}, {"隆", "タカシ"}, {"千代", "チヨ"},
		{"豊", "ユタカ"}, {"花子", "ハナコ"}, {"博", "ヒロシ"}, {"正", "タダシ"}, {"誠", "マコト"},
		{"稔", "ミノル"}, {"恵子", "ケイコ"}, {"洋子", "ヨウコ"}, {"良子", "ヨシコ"}, {"和夫", "カズオ"},
	}
)

// scaleDay returns the date d days after date.
func scaleDay(date string, d int) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		panic(err)
	}
	return t.AddDate(0, 0, d).Format("2006-01-02")
}

// scaleGenerate builds a network of n people (n >= 1000) in which the staff user of
// OrgX may see exactly scaleVisible, surrounded by near misses of every kind: the
// wrong status, a closed read window, no or withdrawn consent, an ended, expired
// or foreign-kind access row, and the same IDs in another network.
func scaleGenerate(n int, today string) *scaleData {
	r := rand.New(rand.NewPCG(scaleSeed, 3))
	seen := map[string]bool{}
	id := func() string {
		for {
			s := fmt.Sprintf("%016x", r.Uint64())
			if !seen[s] {
				seen[s] = true
				return s
			}
		}
	}
	d := &scaleData{Today: today}
	for range scaleOrgCount {
		d.Orgs = append(d.Orgs, id())
	}
	d.OrgX = d.Orgs[7]
	other := func() string { // an organization that is not X
		for {
			if o := d.Orgs[r.IntN(len(d.Orgs))]; o != d.OrgX {
				return o
			}
		}
	}
	newPerson := func(category, org string) scalePerson {
		f, g := scaleFamilies[r.IntN(len(scaleFamilies))], scaleGivens[r.IntN(len(scaleGivens))]
		p := scalePerson{ID: id(), FamilyName: f.Kanji, GivenName: g.Kanji, FamilyKana: f.Kana, GivenKana: g.Kana,
			BirthDate: scaleDay("1925-01-01", r.IntN(30*365)), Sex: []string{"male", "female"}[r.IntN(2)],
			CareNo: fmt.Sprintf("%010d", r.IntN(1e10)), RegisteredOrg: org, Eligible: true,
			Status: domain.PersonActive, Consent: domain.ConsentActive, Category: category}
		return p
	}
	lose := func(p *scalePerson, readableUntil string) { // eligibility lost; beppu §18: 90 days from the day of loss
		p.Eligible, p.LostReason, p.ReadableUntil = false, "death", readableUntil
		if readableUntil != "" {
			p.LostOn = scaleDay(readableUntil, -89)
		} else {
			p.LostOn = scaleDay(today, -1000)
		}
	}
	grant := func(p *scalePerson, org, kind, expires string, ended bool) {
		d.Access = append(d.Access, scaleAccess{ID: id(), PersonID: p.ID, OrgID: org, Kind: kind, ExpiresOn: expires, Ended: ended})
	}
	yesterday, tomorrow := scaleDay(today, -1), scaleDay(today, 1)

	// What X may see: 200.
	type cat struct {
		name  string
		count int
		make  func(p *scalePerson)
	}
	x := d.OrgX
	cats := []cat{
		// Before consent (and after withdrawal) the registering organization still sees the person.
		{"v-reg-none", 50, func(p *scalePerson) { p.RegisteredOrg, p.Consent = x, domain.ConsentNone }},
		{"v-reg-withdrawn", 15, func(p *scalePerson) { p.RegisteredOrg, p.Consent = x, domain.ConsentWithdrawn }},
		// Registered by X and also X's care-plan office: one row, not two.
		{"v-reg-careplan", 15, func(p *scalePerson) { p.RegisteredOrg = x; grant(p, x, domain.AccessCarePlan, "", false) }},
		// beppu §18: the last day of the read window is readable.
		{"v-reg-window-last-day", 10, func(p *scalePerson) { p.RegisteredOrg = x; lose(p, today) }},
		{"v-careplan", 50, func(p *scalePerson) { p.RegisteredOrg = other(); grant(p, x, domain.AccessCarePlan, "", false) }},
		{"v-granted", 20, func(p *scalePerson) { p.RegisteredOrg = other(); grant(p, x, domain.AccessGranted, "", false) }},
		// An access row is in force through its expiry date.
		{"v-granted-expires-today", 10, func(p *scalePerson) {
			p.RegisteredOrg = other()
			grant(p, x, domain.AccessGranted, today, false)
		}},
		{"v-careplan-window", 10, func(p *scalePerson) {
			p.RegisteredOrg = other()
			lose(p, scaleDay(today, 45))
			grant(p, x, domain.AccessCarePlan, "", false)
		}},
		// Several rows for X, one in force: one row in the list.
		{"v-multi", 10, func(p *scalePerson) {
			p.RegisteredOrg = other()
			grant(p, x, domain.AccessCarePlan, "", true)
			grant(p, x, domain.AccessGranted, tomorrow, false)
			grant(p, x, domain.AccessGranted, "", false)
			grant(p, other(), domain.AccessCarePlan, "", false)
		}},
		// A kind that does not count in beppu beside one that does.
		{"v-claims-and-granted", 10, func(p *scalePerson) {
			p.RegisteredOrg = other()
			grant(p, x, domain.AccessClaims, "", false)
			grant(p, x, domain.AccessGranted, "", false)
		}},
		// Near misses: 120 people X may not see.
		{"n-reg-stopped", 10, func(p *scalePerson) { p.RegisteredOrg, p.Status = x, domain.PersonStopped }},
		{"n-reg-purged", 10, func(p *scalePerson) {
			p.RegisteredOrg, p.Status = x, domain.PersonPurged
			grant(p, x, domain.AccessCarePlan, "", false)
		}},
		{"n-reg-window-closed", 10, func(p *scalePerson) { p.RegisteredOrg = x; lose(p, yesterday) }},
		{"n-reg-lost-no-window", 5, func(p *scalePerson) { p.RegisteredOrg = x; lose(p, "") }},
		{"n-ended", 15, func(p *scalePerson) { p.RegisteredOrg = other(); grant(p, x, domain.AccessCarePlan, "", true) }},
		{"n-expired", 15, func(p *scalePerson) { p.RegisteredOrg = other(); grant(p, x, domain.AccessGranted, yesterday, false) }},
		{"n-no-consent", 15, func(p *scalePerson) {
			p.RegisteredOrg, p.Consent = other(), domain.ConsentNone
			grant(p, x, domain.AccessCarePlan, "", false)
		}},
		// beppu §16: a withdrawal stops all sharing, access rows or not.
		{"n-withdrawn", 15, func(p *scalePerson) {
			p.RegisteredOrg, p.Consent = other(), domain.ConsentWithdrawn
			grant(p, x, domain.AccessGranted, "", false)
		}},
		{"n-foreign-kind", 10, func(p *scalePerson) {
			p.RegisteredOrg = other()
			grant(p, x, []string{domain.AccessClaims, domain.AccessTeam}[r.IntN(2)], "", false)
		}},
		{"n-stopped", 5, func(p *scalePerson) {
			p.RegisteredOrg, p.Status = other(), domain.PersonStopped
			grant(p, x, domain.AccessCarePlan, "", false)
		}},
		{"n-window-closed", 10, func(p *scalePerson) {
			p.RegisteredOrg = other()
			lose(p, yesterday)
			grant(p, x, domain.AccessCarePlan, "", false)
		}},
	}
	for _, c := range cats {
		for range c.count {
			p := newPerson(c.name, "")
			c.make(&p)
			d.People = append(d.People, p)
		}
	}
	// The background: registered by the 49 other organizations, in every state,
	// with access rows for other organizations only.
	kinds := []string{domain.AccessCarePlan, domain.AccessCarePlan, domain.AccessGranted, domain.AccessClaims}
	for len(d.People) < n {
		p := newPerson("", other())
		switch v := r.IntN(10); {
		case v < 3:
			p.Consent = domain.ConsentNone
		case v < 4:
			p.Consent = domain.ConsentWithdrawn
		}
		switch v := r.IntN(100); {
		case v < 3:
			p.Status = domain.PersonStopped
		case v < 5:
			p.Status = domain.PersonPurged
		}
		if r.IntN(10) == 0 {
			lose(&p, scaleDay(today, r.IntN(400)-200))
		}
		for range r.IntN(3) {
			exp := ""
			if r.IntN(8) == 0 {
				exp = scaleDay(today, r.IntN(200)-100)
			}
			grant(&p, other(), kinds[r.IntN(len(kinds))], exp, r.IntN(10) == 0)
		}
		d.People = append(d.People, p)
	}
	// Shuffle, so that neither insertion order nor rowid says who X may see.
	r.Shuffle(len(d.People), func(i, j int) { d.People[i], d.People[j] = d.People[j], d.People[i] })
	d.byID = map[string]*scalePerson{}
	for i := range d.People {
		d.byID[d.People[i].ID] = &d.People[i]
	}

	// The other network reuses IDs: its organization has X's ID and registered,
	// and holds care-plan access to, people whose IDs are those of background
	// people of the main network that X may not see but that are otherwise
	// visible (consented, active, eligible). A filter that forgot network_id
	// anywhere would let them in. 20 more IDs exist only there.
	for i := range d.People {
		p := d.People[i]
		if len(d.Other) == 300 {
			break
		}
		if p.Category == "" && p.Consent == domain.ConsentActive && p.Status == domain.PersonActive && p.Eligible {
			p.RegisteredOrg = x
			d.Other = append(d.Other, p)
			d.OtherAccess = append(d.OtherAccess, scaleAccess{ID: id(), PersonID: p.ID, OrgID: x, Kind: domain.AccessCarePlan})
		}
	}
	for range 20 {
		p := newPerson("other-network-only", x)
		d.Other = append(d.Other, p)
		d.OtherAccess = append(d.OtherAccess, scaleAccess{ID: id(), PersonID: p.ID, OrgID: x, Kind: domain.AccessCarePlan})
	}
	return d
}

// scaleExpected is the people actor may see, in the list's order, decided person by
// person by policy.Decide with the facts the service would load (the access rows
// of the actor's organization in force today, as FindOrgAccess returns them).
func scaleExpected(d *scaleData, a policy.Actor) []*scalePerson {
	inForce := map[string][]string{}
	for _, ac := range d.Access {
		if ac.OrgID == a.OrgID && !ac.Ended && (ac.ExpiresOn == "" || ac.ExpiresOn >= d.Today) {
			inForce[ac.PersonID] = append(inForce[ac.PersonID], ac.Kind)
		}
	}
	var out []*scalePerson
	for i := range d.People {
		p := &d.People[i]
		f := &policy.PersonFacts{ID: p.ID, RegisteredOrg: p.RegisteredOrg, Status: p.Status, Consent: p.Consent,
			ConsentForm: scaleForm(p), ConsentScopes: scaleScopes(p), Eligible: p.Eligible, ReadableUntil: p.ReadableUntil,
			OrgAccess: inForce[p.ID]}
		if policy.Decide(a, policy.ViewPerson, policy.Resource{Person: f}).Allow {
			out = append(out, p)
		}
	}
	scaleSort(out)
	return out
}

// scaleSort is the list's order, ORDER BY family_kana, given_kana, id, compared
// byte by byte as SQLite's BINARY and PostgreSQL's "C" collation do.
func scaleSort(ps []*scalePerson) {
	slices.SortFunc(ps, func(a, b *scalePerson) int {
		if c := strings.Compare(a.FamilyKana, b.FamilyKana); c != 0 {
			return c
		}
		if c := strings.Compare(a.GivenKana, b.GivenKana); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func scaleForm(p *scalePerson) string {
	if p.Consent == domain.ConsentNone {
		return ""
	}
	return "form6"
}

func scaleScopes(p *scalePerson) []string {
	if p.Consent == domain.ConsentActive {
		return []string{"sharing"}
	}
	return []string{}
}

// scaleEnv is a generated network loaded into a database.
type scaleEnv struct {
	Env   *testenv.Env
	Data  *scaleData
	Actor policy.Actor // the staff user of OrgX
	Ctx   context.Context
}

// scaleSetup builds an Env over db and loads a generated network of n people.
func scaleSetup(tb testing.TB, db *sqlstore.DB, n int) *scaleEnv {
	tb.Helper()
	ctx := domain.WithRequestMeta(context.Background(), domain.RequestMeta{RemoteAddr: "192.0.2.10", RequestID: "scale"})
	env := testenv.New(tb, db)
	env.Network(tb, scaleNet, "beppu")
	env.Network(tb, scaleOtherNet, "beppu")
	now := env.Clock.Now()
	d := scaleGenerate(n, profile.Today(now))

	staffID := "scale-staff-x"
	err := db.Transact(ctx, func(tx store.Tx) error {
		for _, net := range []string{scaleNet, scaleOtherNet} {
			for i, o := range d.Orgs {
				if err := tx.CreateOrganization(ctx, &domain.Organization{NetworkID: net, ID: o,
					Name: "事業所" + strconv.Itoa(i), Type: "kyotaku", Code: fmt.Sprintf("44%08d", i), Address: "別府市",
					Phone: "0977-00-0000", Status: domain.OrgActive, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}); err != nil {
					return err
				}
			}
		}
		return tx.CreateUser(ctx, &domain.User{NetworkID: scaleNet, ID: staffID, LoginID: "scale-staff", OrgID: d.OrgX,
			Role: domain.RoleStaff, Occupation: "care_manager", DisplayName: "規模 試験", PasswordHash: "-",
			Status: domain.UserActive, CreatedAt: now.UTC(), UpdatedAt: now.UTC()})
	})
	if err != nil {
		tb.Fatalf("scale: organizations and staff: %v", err)
	}
	if err := scaleLoad(ctx, db, d, now.UTC()); err != nil {
		tb.Fatalf("scale: load %d people: %v", n, err)
	}
	// Fresh statistics, as autovacuum would gather soon after such a load in
	// production. SQLite keeps no statistics unless told; the application never
	// runs ANALYZE there, so neither does the test.
	if db.Dialect() == sqlstore.Postgres {
		if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
			tb.Fatalf("scale: analyze: %v", err)
		}
	}
	var u *domain.User
	if err := db.Transact(ctx, func(tx store.Tx) (err error) { u, err = tx.FindUser(ctx, scaleNet, staffID); return err }); err != nil {
		tb.Fatalf("scale: staff user: %v", err)
	}
	return &scaleEnv{Env: env, Data: d, Actor: accounts.ActorFor(u, profile.MustGet("beppu"), now, domain.StageFull), Ctx: ctx}
}

// scaleQ rewrites $N placeholders for SQLite, as the store does.
func scaleQ(db *sqlstore.DB, q string) string {
	if db.Dialect() != sqlstore.SQLite {
		return q
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '$' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// scaleInsert writes rows with multi-row INSERTs of at most 1000 rows (and under
// SQLite's and PostgreSQL's limits on bound parameters).
func scaleInsert(ctx context.Context, db *sqlstore.DB, tx *sql.Tx, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := min(1000, 30000/width)
	var b strings.Builder
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		b.Reset()
		b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, len(batch)*width)
		for i, row := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range row {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				if db.Dialect() == sqlstore.SQLite {
					// Anonymous: modernc's bind looks each numbered name up in a
					// list, quadratic in a statement of 27,000 parameters.
					b.WriteByte('?')
				} else {
					b.WriteString("$" + strconv.Itoa(len(args)))
				}
			}
			b.WriteByte(')')
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	return nil
}

// Column lists of migration 0003.
const (
	scalePeopleCols = `network_id, id, family_name, given_name, family_kana, given_kana, kana_key, birth_date, sex,
		address, phone, care_insured_no, health_insured_no, household_id, registered_org, registered_by, eligible,
		lost_reason, lost_on, readable_until, status, consent, consent_form, consent_scopes, consent_disaster,
		created_at, updated_at`
	scaleAccessCols = `network_id, id, person_id, org_id, kind, granted_by, granted_by_org, expires_on, created_at,
		ended_at, ended_by, end_reason`
	scaleConsentCols = `network_id, id, person_id, kind, signer_name, relationship, consented_on, form_version, scopes,
		legal_basis, attachment_id, entered_by, entered_org, created_at, withdrawn_at, withdrawn_by, withdraw_note`
)

// scaleLoad writes the generated rows in one transaction.
//
// To keep it quick (and bearable under -race, where SQLite's translated C runs
// instrumented), rows go in primary-key order, and the secondary indexes of the
// three tables are dropped first and rebuilt at the end, in the same transaction,
// from the definitions the database itself holds: the schema afterwards is the
// migration's.
func scaleLoad(ctx context.Context, db *sqlstore.DB, d *scaleData, now time.Time) error {
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.Dialect() == sqlstore.SQLite {
		// 64 MiB of page cache on this connection, instead of 2 MiB.
		if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -65536"); err != nil {
			return err
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	indexes, err := scaleDropIndexes(ctx, db, tx, "people", "access", "consents")
	if err != nil {
		return err
	}
	personRows := func(net string, ps []scalePerson) [][]any {
		rows := make([][]any, 0, len(ps))
		for _, p := range ps {
			scopes := `[]`
			if p.Consent == domain.ConsentActive {
				scopes = `["sharing"]`
			}
			rows = append(rows, []any{net, p.ID, p.FamilyName, p.GivenName, p.FamilyKana, p.GivenKana,
				p.FamilyKana + p.GivenKana, p.BirthDate, p.Sex, "大分県別府市上野口町1-1", "0977-00-0000", p.CareNo, "", "",
				p.RegisteredOrg, "", p.Eligible, p.LostReason, p.LostOn, p.ReadableUntil, string(p.Status), string(p.Consent),
				scaleForm(&p), scopes, false, now, now})
		}
		return rows
	}
	accessRows := func(net string, as []scaleAccess) [][]any {
		rows := make([][]any, 0, len(as))
		for _, a := range as {
			var ended any // NULL
			endedBy, reason := "", ""
			if a.Ended {
				ended, endedBy, reason = now.Add(-24*time.Hour), "scale", "ended"
			}
			rows = append(rows, []any{net, a.ID, a.PersonID, a.OrgID, a.Kind, "", "", a.ExpiresOn, now.Add(-48 * time.Hour),
				ended, endedBy, reason})
		}
		return rows
	}
	// A consent record for the people around X who have one: the person page reads them.
	var consents [][]any
	for _, p := range d.People {
		if p.Category == "" || p.Consent == domain.ConsentNone {
			continue
		}
		var withdrawn any
		if p.Consent == domain.ConsentWithdrawn {
			withdrawn = now.Add(-24 * time.Hour)
		}
		consents = append(consents, []any{scaleNet, "c" + p.ID, p.ID, "self", "", "", scaleDay(d.Today, -30), "form6",
			`["sharing"]`, "", "", "", p.RegisteredOrg, now.Add(-30 * 24 * time.Hour), withdrawn, "", ""})
	}
	for _, w := range []struct {
		table, cols string
		rows        [][]any
	}{
		{"people", scalePeopleCols, personRows(scaleNet, d.People)},
		{"access", scaleAccessCols, accessRows(scaleNet, d.Access)},
		{"consents", scaleConsentCols, consents},
		{"people", scalePeopleCols, personRows(scaleOtherNet, d.Other)},
		{"access", scaleAccessCols, accessRows(scaleOtherNet, d.OtherAccess)},
	} {
		// Primary-key order: (network_id, id), and the ID is the second column.
		slices.SortFunc(w.rows, func(a, b []any) int { return strings.Compare(a[1].(string), b[1].(string)) })
		if err := scaleInsert(ctx, db, tx, w.table, w.cols, w.rows); err != nil {
			return err
		}
	}
	for _, def := range indexes {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("recreate index: %s: %w", def, err)
		}
	}
	return tx.Commit()
}

// scaleDropIndexes drops the secondary indexes of tables in tx and returns the
// statements that create them again, as the database's catalog has them.
func scaleDropIndexes(ctx context.Context, db *sqlstore.DB, tx *sql.Tx, tables ...string) ([]string, error) {
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('` +
		strings.Join(tables, "', '") + `') ORDER BY name`
	if db.Dialect() == sqlstore.Postgres {
		q = `SELECT i.indexname, i.indexdef FROM pg_indexes i
			WHERE i.schemaname = current_schema() AND i.tablename IN ('` + strings.Join(tables, "', '") + `')
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.indexname`
	}
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(defs) < 5 {
		return nil, fmt.Errorf("found only %d secondary indexes on %v: %v", len(defs), tables, names)
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return nil, err
		}
	}
	return defs, nil
}
