package people_test

// Across the profiles: registration input is checked field by field and a bad form
// changes nothing; a duplicate (same kana reading and birth date) is a warning the
// user must confirm; every read and list is audited before the answer leaves, and
// a read that cannot be audited is not answered; the operator lists who viewed a
// person; a list's pages and total are exactly the permitted set; networks are
// isolated.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// TestRegisterValidation: issue #3 "Malformed input (bad dates, bad insured
// numbers, ...) gets a clear error and changes nothing".
func TestRegisterValidation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		type tc struct {
			name   string
			mod    func(*people.PersonInput)
			fields []string
		}
		common := []tc{
			{"empty form", func(in *people.PersonInput) { *in = people.PersonInput{} },
				[]string{"family_name", "given_name", "family_kana", "given_kana", "birth_date", "sex"}},
			{"blank (spaces only) names", func(in *people.PersonInput) { in.FamilyName, in.GivenKana = "　 ", " " },
				[]string{"family_name", "given_kana"}},
			{"family name of 51 characters", func(in *people.PersonInput) { in.FamilyName = strings.Repeat("山", 51) }, []string{"family_name"}},
			{"kana of 51 characters", func(in *people.PersonInput) { in.FamilyKana = strings.Repeat("ア", 51) }, []string{"family_kana"}},
			{"kanji in the kana field", func(in *people.PersonInput) { in.FamilyKana = "山田" }, []string{"family_kana"}},
			{"latin letters in the kana field", func(in *people.PersonInput) { in.GivenKana = "Taro" }, []string{"given_kana"}},
			{"half-width kana", func(in *people.PersonInput) { in.FamilyKana = "ﾔﾏﾀﾞ" }, []string{"family_kana"}},
			{"birth date 2026-02-30", func(in *people.PersonInput) { in.BirthDate = "2026-02-30" }, []string{"birth_date"}},
			{"birth date 1940/01/01", func(in *people.PersonInput) { in.BirthDate = "1940/01/01" }, []string{"birth_date"}},
			{"birth date tomorrow", func(in *people.PersonInput) { in.BirthDate = "2026-11-25" }, []string{"birth_date"}},
			{"birth date 1889-12-31", func(in *people.PersonInput) { in.BirthDate = "1889-12-31" }, []string{"birth_date"}},
			{"unknown sex", func(in *people.PersonInput) { in.Sex = "M" }, []string{"sex"}},
			{"markup in the name", func(in *people.PersonInput) { in.FamilyName = "<script>alert(1)</script>" }, []string{"family_name"}},
			{"markup in the address", func(in *people.PersonInput) { in.Address = "別府市<b>1</b>" }, []string{"address"}},
			{"newline in the name", func(in *people.PersonInput) { in.GivenName = "太\n郎" }, []string{"given_name"}},
			{"invalid UTF-8 in the name", func(in *people.PersonInput) { in.FamilyName = "\xff\xfe" }, []string{"family_name"}},
			{"letters as a phone number", func(in *people.PersonInput) { in.Phone = "call me" }, []string{"phone"}},
		}
		byProfile := map[string][]tc{
			"beppu": append(slices.Clone(common),
				tc{"care insured number of 9 digits", func(in *people.PersonInput) { in.CareInsuredNo = "081234567" }, []string{"care_insured_no"}},
				tc{"care insured number of 11 digits", func(in *people.PersonInput) { in.CareInsuredNo = "08123456789" }, []string{"care_insured_no"}},
				tc{"letters in the care insured number", func(in *people.PersonInput) { in.CareInsuredNo = "08ABC45678" }, []string{"care_insured_no"}},
				tc{"a health insured number (beppu has none)", func(in *people.PersonInput) { in.HealthInsuredNo = "12-345" }, []string{"health_insured_no"}},
				tc{"a household (katori only)", func(in *people.PersonInput) { in.NewHousehold = "別府家" }, []string{"household_id"}},
			),
			"katori": append(slices.Clone(common),
				tc{"any care insured number", func(in *people.PersonInput) { in.CareInsuredNo = "0812345678" }, []string{"care_insured_no"}},
				tc{"any health insured number", func(in *people.PersonInput) { in.HealthInsuredNo = "12-345" }, []string{"health_insured_no"}},
				tc{"household name with markup", func(in *people.PersonInput) { in.NewHousehold = "<i>香取家</i>" }, []string{"new_household"}},
			),
		}
		for prof, cases := range byProfile {
			f := newFx(t, db, prof, "")
			u := f.unit("登録する事業所", "hokatsu", f.prof.Occupations[0].Key)
			a := f.as(u.user)
			before, events := f.count("people"), f.countEvents("person.register", u.user)
			for _, c := range cases {
				in := f.input("検証")
				c.mod(&in)
				p, err := f.env.People.Register(bg(), a, in, true)
				what := prof + ": " + c.name
				e := wantCode(t, err, domain.EINVALID, what)
				if p != nil {
					t.Errorf("%s: returned a person", what)
				}
				if e == nil {
					continue
				}
				for _, fld := range c.fields {
					if e.Fields[fld] == "" {
						t.Errorf("%s: no message for %s: %v", what, fld, err)
					}
				}
				if len(e.Fields) != len(c.fields) {
					t.Errorf("%s: messages for %v, want exactly %v", what, e.Fields, c.fields)
				}
			}
			if f.count("people") != before || f.countEvents("person.register", u.user) != events {
				t.Errorf("%s: refused registrations changed something", prof)
			}
		}

		// What is accepted is normalised: hiragana kana becomes katakana, full-width
		// digits half-width.
		f := newFx(t, db, "fukuoka", "")
		u := f.unit("正規化", "hokatsu", "shakai_fukushishi")
		in := f.input("正規")
		in.FamilyKana, in.GivenKana, in.CareInsuredNo = "せいき", "はなこ", "０８１２３４５６７８"
		p, err := f.env.People.Register(bg(), f.as(u.user), in, false)
		if err != nil {
			t.Fatal(err)
		}
		if s := f.stored(p.ID); s.FamilyKana != "セイキ" || s.GivenKana != "ハナコ" || s.CareInsuredNo != "0812345678" {
			t.Errorf("stored %q %q %q", s.FamilyKana, s.GivenKana, s.CareInsuredNo)
		}
	})
}

// Issue #3 item 1: duplicate detection (same kana name + birth date) warns before
// creating. The reading is compared whatever the script (ひらがな/カタカナ) and the
// spaces (full-width or not, or where family ends and given begins); confirming
// registers; another birth date is no duplicate.
func TestRegisterDuplicate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "katori", "")
		a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
		b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
		in := f.input("山田")
		in.FamilyKana, in.GivenKana, in.BirthDate = "ヤマダ", "タロウ", "1941-04-01"
		first, err := f.env.People.Register(bg(), f.as(a.user), in, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct{ family, given string }{
			{"やまだ", "たろう"},
			{"ヤマダ", "タ　ロウ"},
			{"やま　だ", "たろう"},
			{"ヤマダタ", "ロウ"},
		} {
			dup := f.input("山田")
			dup.FamilyKana, dup.GivenKana, dup.BirthDate = v.family, v.given, "1941-04-01"
			count := f.count("people")
			// Another organization registering the same person gets the warning too.
			_, err := f.env.People.Register(bg(), f.as(b.user), dup, false)
			e := wantCode(t, err, domain.ECONFLICT, "duplicate "+v.family+"/"+v.given)
			if e != nil && e.Problem != "duplicate" {
				t.Errorf("duplicate %s/%s: problem %q, want duplicate", v.family, v.given, e.Problem)
			}
			if f.count("people") != count {
				t.Errorf("duplicate %s/%s: registered without confirmation", v.family, v.given)
			}
		}
		other := f.input("山田")
		other.BirthDate = "1941-04-02"
		if _, err := f.env.People.Register(bg(), f.as(a.user), other, false); err != nil {
			t.Errorf("same name, another birth date is no duplicate: %v", err)
		}
		dup := f.input("山田")
		dup.FamilyKana, dup.GivenKana, dup.BirthDate = "やまだ", "たろう", "1941-04-01"
		second, err := f.env.People.Register(bg(), f.as(b.user), dup, true)
		if err != nil {
			t.Fatalf("a confirmed duplicate is refused: %v", err)
		}
		if second.ID == first.ID {
			t.Fatal("confirming returned the existing person")
		}
		if e := f.lastEvent("person.register", b.user); e == nil || detail(t, e)["duplicate_confirmed"] != true {
			t.Errorf("the confirmed duplicate is not audited as such: %+v", e)
		}
		// The confirmation says nothing to b about a's person: it still cannot see it.
		if f.visible(f.as(b.user), first.ID) {
			t.Error("registering a duplicate opened the existing person to the other organization")
		}
	})
}

// Issue #3 item 8: every view of a person, and every list, appends an audit event
// (who, organization, which person or which query, under which permission)
// before the response; a denied view appends a denied event and answers "not
// found"; if the append fails the request fails.
func TestReadsAreAudited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "katori", "")
		a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
		b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
		c := f.unit("佐原訪問看護ステーション", "houmon_kango", "nurse")
		p := f.person(f.as(a.user), "香取")
		f.consent(f.as(a.user), p.ID)
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatal(err)
		}

		for _, r := range []struct {
			who  string
			org  string
			act  func() policy.Actor
			via  string
			role string
		}{
			{a.user, a.org, func() policy.Actor { return f.as(a.user) }, policy.ViaRegistrar, "staff"},
			{b.user, b.org, func() policy.Actor { return f.as(b.user) }, domain.AccessTeam, "staff"},
			{f.opID, "", f.op, policy.ViaOperator, "operator/shi"},
		} {
			n := f.countEvents("person.view", r.who)
			f.view(r.act(), p.ID)
			if got := f.countEvents("person.view", r.who); got != n+1 {
				t.Errorf("%s: one Get appended %d view events", r.via, got-n)
			}
			e := f.lastEvent("person.view", r.who)
			if e == nil || e.PersonID != p.ID || e.TargetID != p.ID || e.Outcome != "ok" || e.ActorOrgID != r.org ||
				e.ActorRole != r.role || e.RequestID != "people-test" || e.RemoteAddr != "192.0.2.10" {
				t.Errorf("%s: view event %+v", r.via, e)
				continue
			}
			if d := detail(t, e); d["via"] != r.via {
				t.Errorf("view event via %v, want %s", d["via"], r.via)
			}
			if strings.Contains(e.Detail, "香取") || strings.Contains(e.Detail, p.BirthDate) {
				t.Errorf("the audit detail holds the person's record: %s", e.Detail)
			}
		}

		// A denied Get: "not found", audited as denied with the person.
		_, err := f.env.People.Get(bg(), f.as(c.user), p.ID)
		wantCode(t, err, domain.ENOTFOUND, "Get by an organization outside the team")
		if e := f.lastEvent("person.view", c.user); e == nil || e.Outcome != "denied" || e.PersonID != p.ID || e.Reason == "" {
			t.Errorf("the denied Get is not audited: %+v", e)
		}
		// An id that does not exist looks the same, and is audited too.
		_, err = f.env.People.Get(bg(), f.as(c.user), "no-such-person")
		wantCode(t, err, domain.ENOTFOUND, "Get of an unknown id")
		if e := f.lastEvent("person.view", c.user); e == nil || e.Outcome != "denied" || e.TargetID != "no-such-person" {
			t.Errorf("the Get of an unknown id is not audited: %+v", e)
		}

		// A list is audited with its query, its counts and its permission.
		n := f.countEvents("people.list", a.user)
		list, total, err := f.env.People.List(bg(), f.as(a.user), domain.PeopleFilter{Kana: "やま", BirthDate: p.BirthDate})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != p.ID {
			t.Fatalf("list by kana and birth date: %d %v %v", total, list, err)
		}
		if f.countEvents("people.list", a.user) != n+1 {
			t.Fatal("a list appended no audit event")
		}
		e := f.lastEvent("people.list", a.user)
		d := detail(t, e)
		if d["kana"] != "ヤマ" || d["birth_date"] != p.BirthDate || d["total"] != float64(1) || d["returned"] != float64(1) ||
			d["scope"] != "organization" || e.ActorOrgID != a.org || e.Outcome != "ok" {
			t.Errorf("list event: %+v %s", e, e.Detail)
		}
		if _, _, err := f.env.People.List(bg(), f.op(), domain.PeopleFilter{}); err != nil {
			t.Fatal(err)
		}
		if e := f.lastEvent("people.list", f.opID); e == nil || detail(t, e)["scope"] != "operator" {
			t.Errorf("operator's list event: %+v", e)
		}

		// If the audit append fails, the read fails and nothing is returned.
		failAuditOf(t, db, "person.view")
		v, err := f.env.People.Get(bg(), f.as(a.user), p.ID)
		if err == nil || v != nil {
			t.Errorf("a Get whose audit event could not be written answered: %+v %v", v, err)
		}
		failAuditOf(t, db, "people.list")
		list, total, err = f.env.People.List(bg(), f.as(a.user), domain.PeopleFilter{})
		if err == nil || len(list) != 0 || total != 0 {
			t.Errorf("a list whose audit event could not be written answered %d people (total %d, err %v)", len(list), total, err)
		}
	})
}

// failAuditOf makes the database refuse audit events of the action.
func failAuditOf(t *testing.T, db *sqlstore.DB, action string) {
	t.Helper()
	name := "fail_" + strings.ReplaceAll(action, ".", "_")
	var stmts []string
	switch db.Dialect() {
	case sqlstore.SQLite:
		stmts = []string{`CREATE TRIGGER ` + name + ` BEFORE INSERT ON audit_events WHEN NEW.action = '` + action + `'
			BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END`}
	default:
		stmts = []string{
			`CREATE FUNCTION ` + name + `() RETURNS trigger AS $$ BEGIN
				IF NEW.action = '` + action + `' THEN RAISE EXCEPTION 'audit store unavailable'; END IF;
				RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER ` + name + ` BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION ` + name + `()`,
		}
	}
	for _, s := range stmts {
		if _, err := db.SQL().ExecContext(context.Background(), s); err != nil {
			t.Fatalf("install %s: %v", name, err)
		}
	}
}

// beppu §10-3: いつ、だれが、どの介護情報等を閲覧したか等の利用情報を記録し (fukuoka §9-3). The
// operator lists who viewed a person, newest first, by date; the list is itself
// audited; a staff user and an operator role without audit.view are refused.
func TestAccessLogWhoViewed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.shared("鉄輪")
		if err := n.env.People.GrantAccess(bg(), n.as(n.office.user), p.ID, n.service.org); err != nil {
			t.Fatal(err)
		}
		n.view(n.as(n.office.user), p.ID)
		n.day("2026-11-25")
		n.view(n.as(n.service.user), p.ID)
		n.view(n.as(n.service.user), p.ID)

		log, total, err := n.env.People.AccessLog(bg(), n.op(), p.ID, domain.AuditFilter{Action: "person.view"})
		if err != nil {
			t.Fatalf("the operator cannot list who viewed: %v", err)
		}
		var who []string
		for _, e := range log {
			if e.PersonID != p.ID {
				t.Errorf("another person's event in the log: %+v", e)
			}
			who = append(who, e.ActorUserID)
		}
		want := []string{n.service.user, n.service.user, n.office.user}
		if total != 3 || !slices.Equal(who, want) {
			t.Errorf("who viewed (newest first): %v (total %d), want %v", who, total, want)
		}
		// By date: only 2026-11-25 (JST).
		from := time.Date(2026, 11, 25, 0, 0, 0, 0, jst)
		log, total, err = n.env.People.AccessLog(bg(), n.op(), p.ID, domain.AuditFilter{Action: "person.view", From: from, To: from.AddDate(0, 0, 1)})
		if err != nil || total != 2 || len(log) != 2 || log[0].ActorUserID != n.service.user {
			t.Errorf("views of 2026-11-25: %d %v", total, err)
		}
		if e := n.lastEvent("person.access_log", n.opID); e == nil || e.PersonID != p.ID {
			t.Errorf("reading the access log is not audited: %+v", e)
		}
		wantCode(t, pickErr(n.env.People.AccessLog(bg(), n.as(n.office.user), p.ID, domain.AuditFilter{})), domain.EFORBIDDEN,
			"the care-plan office reading the access log")
		jimu := n.network(domain.RoleOperator, "unei_jimukyoku", "")
		wantCode(t, pickErr(n.env.People.AccessLog(bg(), n.as(jimu), p.ID, domain.AuditFilter{})), domain.EFORBIDDEN,
			"運営事務局 (no audit.view) reading the access log")
	})
}

func pickErr[A, B any](_ A, _ B, err error) error { return err }

// Issue #3: "A person list for a staff user never contains a person they may not
// see, and its count and paging agree with the permitted set".
func TestListPagingMatchesThePermittedSet(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "katori", "")
		a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
		b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
		var want []string
		for i := range 7 {
			p := f.person(f.as(a.user), "自組織")
			if i%2 == 0 {
				f.consent(f.as(a.user), p.ID)
			}
			want = append(want, p.ID)
		}
		var notMine []string
		for i := range 5 {
			p := f.person(f.as(b.user), "他組織")
			switch i {
			case 0: // consented, a on the team: visible
				f.consent(f.as(b.user), p.ID)
				if err := f.env.People.AddToTeam(bg(), f.as(b.user), p.ID, a.org); err != nil {
					t.Fatal(err)
				}
				want = append(want, p.ID)
				continue
			case 1: // a on the team but no consent: not visible
				if err := f.env.People.AddToTeam(bg(), f.as(b.user), p.ID, a.org); err != nil {
					t.Fatal(err)
				}
			case 2: // consented, a was on the team and left: not visible
				f.consent(f.as(b.user), p.ID)
				if err := f.env.People.AddToTeam(bg(), f.as(b.user), p.ID, a.org); err != nil {
					t.Fatal(err)
				}
				row := f.activeAccess(p.ID, a.org, domain.AccessTeam)
				if err := f.env.People.EndAccess(bg(), f.as(b.user), p.ID, row.ID, "支援終了"); err != nil {
					t.Fatal(err)
				}
			case 3: // consented, not on the team
				f.consent(f.as(b.user), p.ID)
			}
			notMine = append(notMine, p.ID)
		}
		// a's own person set to 支援中止 disappears from its list.
		stopped := f.person(f.as(a.user), "中止")
		if err := f.env.People.RequestDeletion(bg(), f.as(a.user), stopped.ID, "削除の申出"); err != nil {
			t.Fatal(err)
		}
		notMine = append(notMine, stopped.ID)

		var got []string
		for off := 0; off < 12; off += 3 {
			page, total, err := f.env.People.List(bg(), f.as(a.user), domain.PeopleFilter{Limit: 3, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			if total != len(want) {
				t.Errorf("page at %d: total %d, want %d", off, total, len(want))
			}
			wantLen := min(3, max(len(want)-off, 0))
			if len(page) != wantLen {
				t.Errorf("page at %d has %d people, want %d", off, len(page), wantLen)
			}
			for _, p := range page {
				got = append(got, p.ID)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("the pages hold %v, want exactly %v", got, want)
		}
		for _, id := range notMine {
			if slices.Contains(got, id) {
				t.Errorf("the list holds %s, which a may not see", id)
			}
			if f.sees(f.as(a.user), id) {
				t.Errorf("Get lets a see %s", id)
			}
		}
		// Every listed person is one Get lets it see.
		for _, id := range want {
			if !f.sees(f.as(a.user), id) {
				t.Errorf("listed %s but Get refuses it", id)
			}
		}
		// Filters narrow the same permitted set.
		in := f.input("鈴木")
		in.FamilyKana, in.GivenKana = "スズキ", "ハナコ"
		suzuki, err := f.env.People.Register(bg(), f.as(a.user), in, false)
		if err != nil {
			t.Fatal(err)
		}
		in = f.input("鈴木")
		in.FamilyKana, in.GivenKana = "スズキ", "ハナコ"
		if _, err := f.env.People.Register(bg(), f.as(b.user), in, false); err != nil { // b's, not visible
			t.Fatal(err)
		}
		list, total, err := f.env.People.List(bg(), f.as(a.user), domain.PeopleFilter{Kana: "すずき　はな"})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != suzuki.ID {
			t.Errorf("kana search すずき　はな: %d %v %v", total, list, err)
		}
		for _, bad := range []domain.PeopleFilter{{Limit: -1}, {Limit: 501}, {Offset: -3}, {Kana: "鈴木"}, {BirthDate: "1941-02-30"}} {
			_, _, err := f.env.People.List(bg(), f.as(a.user), bad)
			wantCode(t, err, domain.EINVALID, "list filter "+strings.TrimSpace(bad.Kana+" "+bad.BirthDate))
		}
	})
}

// Networks are isolated: an operator of another network (same profile) neither
// reads nor lists nor changes a person by its id.
func TestPeopleNetworkIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "katori", "")
		a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
		p := f.person(f.as(a.user), "香取")
		f.consent(f.as(a.user), p.ID)
		creds := f.env.Network(t, "katori-b", "katori")
		g := &fx{t: t, db: db, env: f.env, net: "katori-b", prof: f.prof, opID: creds.UserID}
		_, err := g.env.People.Get(bg(), g.op(), p.ID)
		wantCode(t, err, domain.ENOTFOUND, "another network's operator reading")
		if ids, total := g.listIDs(g.op()); total != 0 {
			t.Errorf("another network's operator lists %v", ids)
		}
		wantCode(t, g.env.People.RequestDeletion(bg(), g.op(), p.ID, ""), domain.ENOTFOUND, "another network's operator stopping support")
		wantCode(t, g.env.People.AddToTeam(bg(), g.op(), p.ID, a.org), domain.ENOTFOUND, "another network's operator changing the team")
		if s := f.stored(p.ID); s.Status != domain.PersonActive {
			t.Errorf("the person was changed from another network: %q", s.Status)
		}
		// Its denied read is in its own log, not in katori's.
		if e := g.lastEvent("person.view", g.opID); e == nil || e.NetworkID != "katori-b" || e.Outcome != "denied" {
			t.Errorf("the cross-network read is not audited in katori-b: %+v", e)
		}
		if e := f.lastEvent("person.view", g.opID); e != nil {
			t.Errorf("katori's log holds another network's read: %+v", e)
		}
	})
}

// requestLists is AccessRequests that must succeed.
func (f *fx) requestLists(a policy.Actor) (incoming, outgoing []*people.AccessRequestItem) {
	f.t.Helper()
	in, out, err := f.env.People.AccessRequests(bg(), a)
	if err != nil {
		f.t.Fatalf("AccessRequests as %s/%s: %v", a.Role, a.OrgID, err)
	}
	return in, out
}

func requestIDs(items []*people.AccessRequestItem) []string {
	var ids []string
	for _, it := range items {
		ids = append(ids, it.Request.ID)
	}
	return ids
}

// beppu §17-3: 利用組織は…支援事業所等に対し…閲覧及び登録を申し出ることができる; §17-4: 支援事業所等は
// …閲覧及び登録を可能とすることができる. The care-plan office finds the requests made
// to it on one list, with the person and the requesting organization named, and
// answers there; an office that does not write the person's plan, and the
// organization that registered the person, see none of them; the operator sees
// them all. The requester follows its own requests: before the answer it sees
// only what it typed, never who answered; after a grant it gets a link to the
// person, for as long as the grant lasts.
func TestBeppu17_3AccessRequestLists(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.shared("浜脇") // the care-plan office is n.office
		req, err := n.env.People.RequestAccess(bg(), n.as(n.service.user), p.CareInsuredNo, p.BirthDate, "訪問介護の開始")
		if err != nil {
			t.Fatal(err)
		}
		n.env.Clock.Advance(time.Minute)
		req2, err := n.env.People.RequestAccess(bg(), n.as(n.other.user), p.CareInsuredNo, p.BirthDate, "通所介護の検討")
		if err != nil {
			t.Fatal(err)
		}

		// beppu §17-4: the office's list, oldest first, each with the person and
		// the requesting organization by name.
		in, out := n.requestLists(n.as(n.office.user))
		if got := requestIDs(in); !slices.Equal(got, []string{req.ID, req2.ID}) || len(out) != 0 {
			t.Fatalf("the office's incoming list %v (outgoing %d), want [%s %s]", got, len(out), req.ID, req2.ID)
		}
		if it := in[0]; !it.CanDecide || it.Person == nil || it.Person.ID != p.ID || it.Person.FamilyName != "浜脇" ||
			it.Org.Name != "浜脇訪問介護事業所" || it.Org.Type != "kaigo_service" || it.Request.Reason != "訪問介護の開始" {
			t.Errorf("the office's first request: %+v person %+v", it, it.Person)
		}
		// Naming the person on the list is an audited read of the record.
		if e := n.lastEvent("person.view", n.office.user); e == nil || e.PersonID != p.ID || detail(t, e)["as_access_request"] != req.ID {
			t.Errorf("the list's read of the person is not audited: %+v", e)
		}
		// The operator sees every request of the network and may answer.
		if in, _ := n.requestLists(n.op()); !slices.Equal(requestIDs(in), []string{req.ID, req2.ID}) || !in[0].CanDecide {
			t.Errorf("the operator's list %v", requestIDs(in))
		}
		// Another office, and the 地域包括 that registered the person, answer nothing.
		for name, u := range map[string]string{"another office": n.office2.user, "the registering 地域包括": n.hokatsu.user} {
			if in, _ := n.requestLists(n.as(u)); len(in) != 0 {
				t.Errorf("beppu §17-4: %s is listed requests %v", name, requestIDs(in))
			}
		}

		// beppu §17-3: the requester's own list shows what it typed and nothing of
		// the person.
		in, out = n.requestLists(n.as(n.service.user))
		if len(in) != 0 || len(out) != 1 {
			t.Fatalf("the requester's lists: %d incoming, %d outgoing", len(in), len(out))
		}
		if r := out[0].Request; r.ID != req.ID || r.Status != "pending" || r.InsuredNo != p.CareInsuredNo || r.BirthDate != p.BirthDate ||
			r.PersonID != "" || out[0].Person != nil || out[0].CanDecide {
			t.Errorf("the requester's pending request: %+v person %v", r, out[0].Person)
		}

		// The office grants one and refuses the other from its list.
		if err := n.env.People.DecideAccessRequest(bg(), n.as(n.office.user), req.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := n.env.People.DecideAccessRequest(bg(), n.as(n.office.user), req2.ID, false); err != nil {
			t.Fatal(err)
		}
		_, out = n.requestLists(n.as(n.service.user))
		if r := out[0].Request; r.Status != "granted" || r.DecidedAt.IsZero() || r.PersonID != p.ID || r.DecidedBy != "" {
			t.Errorf("the granted requester sees %+v, want granted with a link to %s and not who answered", r, p.ID)
		}
		_, out = n.requestLists(n.as(n.other.user))
		if r := out[0].Request; r.Status != "refused" || r.DecidedAt.IsZero() || r.PersonID != "" || r.DecidedBy != "" {
			t.Errorf("the refused requester sees %+v, want refused, no person, not who answered", r)
		}
		// Answered requests stay on the office's list for a while, without buttons.
		in, _ = n.requestLists(n.as(n.office.user))
		if len(in) != 2 || in[0].CanDecide || in[1].CanDecide || in[0].Request.Status != "granted" {
			t.Errorf("the office's list after answering: %v", requestIDs(in))
		}

		// beppu §17-5: once the office ends the grant the link goes too.
		if err := n.env.People.EndAccess(bg(), n.as(n.office.user), p.ID, n.activeAccess(p.ID, n.service.org, domain.AccessGranted).ID,
			"サービス終了"); err != nil {
			t.Fatal(err)
		}
		if _, out = n.requestLists(n.as(n.service.user)); out[0].Request.Status != "granted" || out[0].Request.PersonID != "" {
			t.Errorf("after the grant ended the requester still gets a link: %+v", out[0].Request)
		}
		// After 30 days answered requests leave the office's list; the requester
		// keeps its history.
		n.env.Clock.Advance(31 * 24 * time.Hour)
		if in, _ := n.requestLists(n.as(n.office.user)); len(in) != 0 {
			t.Errorf("answered requests a month old are still listed: %v", requestIDs(in))
		}
		if _, out := n.requestLists(n.as(n.service.user)); len(out) != 1 {
			t.Errorf("the requester's history has %d requests", len(out))
		}
	})
}

// fukuoka §19の2-4: 各利用組織は、閲覧が許可されている利用組織に対し…閲覧許可を依頼することができる.
// Under claims-based access the request goes to the organizations allowed to view:
// the clinic with claims access finds it on its list and may answer.
func TestFukuoka19_2AccessRequestLists(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("薬院", "form7a", "2026-11-01")
		n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinicCode + ",kokuho,2026-10"))
		req, err := n.env.People.RequestAccess(bg(), n.as(n.pharmacy.user), p.CareInsuredNo, p.BirthDate, "処方の確認")
		if err != nil {
			t.Fatal(err)
		}
		if in, _ := n.requestLists(n.as(n.clinic.user)); len(in) != 1 || in[0].Request.ID != req.ID || !in[0].CanDecide ||
			in[0].Org.Name != "薬院薬局" {
			t.Errorf("fukuoka §19の2-4: the clinic with claims access is listed %v", requestIDs(in))
		}
		if in, _ := n.requestLists(n.as(n.clinic2.user)); len(in) != 0 {
			t.Errorf("a clinic without access is listed %v", requestIDs(in))
		}
	})
}

// The person page and its forms name organizations: any member of the network
// may list the organizations (names are not personal data), a user in first-login
// setup may not.
func TestOrganizationsNamesForMembers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		orgs, err := n.env.People.Organizations(bg(), n.as(n.service.user))
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{}
		for _, o := range orgs {
			names[o.ID] = o.Name + "/" + o.Type + "/" + string(o.Status)
		}
		if names[n.office.org] != "鉄輪居宅介護支援事業所/kyotaku/active" || len(names) != 5 {
			t.Errorf("organizations as a service provider: %v", names)
		}
		a := n.as(n.service.user)
		a.Stage = domain.StageChangePassword
		_, err = n.env.People.Organizations(bg(), a)
		wantCode(t, err, domain.EFORBIDDEN, "organizations before first-login setup is done")
	})
}

// katori §1 (複合化・複雑化した課題を抱える世帯等): a person joins a household one knows:
// registering into a household whose members the organization cannot see is
// refused as if there were none (before consent only the registering organization
// sees a person, katori §13-1); once the organization sees a member it may add
// someone, and the person page names the household and lists only the members the
// reader may see.
func TestKatoriHouseholdJoinNeedsAVisibleMember(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b, _ := katori(t, db)
		in := f.input("香取")
		in.NewHousehold = "香取家"
		mother, err := f.env.People.Register(bg(), f.as(a.user), in, false)
		if err != nil {
			t.Fatal(err)
		}
		son := f.input("香取")
		son.GivenName, son.HouseholdID = "次郎", mother.HouseholdID
		before := f.count("people")
		_, err = f.env.People.Register(bg(), f.as(b.user), son, false)
		wantField(t, err, "household_id", "katori §13-1: registering into a household of people the organization cannot see")
		if f.count("people") != before {
			t.Error("a refused registration added a person")
		}
		sonP, err := f.env.People.Register(bg(), f.as(a.user), son, false)
		if err != nil {
			t.Fatalf("the registering organization adds to its household: %v", err)
		}

		// The mother consents and b joins her team: b now knows the household.
		f.consent(f.as(a.user), mother.ID)
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), mother.ID, b.org); err != nil {
			t.Fatal(err)
		}
		daughter := f.input("香取")
		daughter.GivenName, daughter.Sex, daughter.HouseholdID = "花子", "female", mother.HouseholdID
		dP, err := f.env.People.Register(bg(), f.as(b.user), daughter, false)
		if err != nil {
			t.Fatalf("a team member registers into the household it sees: %v", err)
		}
		v := f.view(f.as(b.user), mother.ID)
		if v.HouseholdName != "香取家" || len(v.Household) != 1 || v.Household[0].ID != dP.ID {
			t.Errorf("b's page of the mother: household %q, members %v; want 香取家 with only %s (not the son %s)",
				v.HouseholdName, v.Household, dP.ID, sonP.ID)
		}
		if v := f.view(f.as(a.user), mother.ID); len(v.Household) != 1 || v.Household[0].ID != sonP.ID {
			t.Errorf("a's page of the mother lists %v, want only the son it registered", v.Household)
		}
	})
}
