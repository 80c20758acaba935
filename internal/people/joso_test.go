package people_test

// 常総市 電子@連絡帳JOSOシステム (joso): the 参加同意書 of the person or, when that is
// hard, of the family (§17-1); 支援中止 set by the city on a deletion request
// (§17-2..3); access only to what is permitted (§18), with the city's officer on
// every team (profile municipal_on_every_team); use in a disaster (§21).

import (
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func joso(t *testing.T, db *sqlstore.DB) (*fx, unit, unit) {
	f := newFx(t, db, "joso", "")
	clinic := f.unit("水海道診療所", "shinryojo", "doctor_dentist")
	kyotaku := f.unit("石下居宅介護支援事業所", "kyotaku", "care_manager")
	return f, clinic, kyotaku
}

// joso §17-1: 『参加同意書』により、支援対象者本人の同意（本人の同意が困難な場合は、その家族又は親族等
// の同意）を得た上で. A family consent (代理同意) names the family member and the
// relationship; without them it is refused and nothing is shared.
func TestJoso17_1Consent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, clinic, kyotaku := joso(t, db)
		p := f.person(f.as(clinic.user), "常総")
		if err := f.env.People.AddToTeam(bg(), f.as(clinic.user), p.ID, kyotaku.org); err != nil {
			t.Fatal(err)
		}
		family := people.ConsentInput{Kind: "family", SignerName: "常総 一郎", ConsentedOn: "2026-11-20", FormVersion: "sanka_doisho"}
		_, err := f.env.People.RecordConsent(bg(), f.as(clinic.user), p.ID, family)
		wantField(t, err, "relationship", "joso §17-1: a family consent without the relationship")
		noSigner := family
		noSigner.SignerName, noSigner.Relationship = "", "長男"
		_, err = f.env.People.RecordConsent(bg(), f.as(clinic.user), p.ID, noSigner)
		wantField(t, err, "signer_name", "joso §17-1: a family consent without the family member's name")
		// joso has no sharing under law (katori §13-3 only).
		_, err = f.env.People.RecordConsent(bg(), f.as(clinic.user), p.ID, people.ConsentInput{Kind: "legal",
			LegalBasis: "介護保険法", ConsentedOn: "2026-11-20", FormVersion: "sanka_doisho"})
		wantField(t, err, "kind", "a legal sharing in joso")
		// An unknown form version is refused.
		bad := family
		bad.Relationship, bad.FormVersion = "長男", "doisho"
		_, err = f.env.People.RecordConsent(bg(), f.as(clinic.user), p.ID, bad)
		wantField(t, err, "form_version", "a form joso does not have")
		if f.visible(f.as(kyotaku.user), p.ID) {
			t.Fatal("joso §17-1: refused consents opened the record to the team")
		}
		if f.stored(p.ID).Consent != domain.ConsentNone {
			t.Fatalf("refused consents changed the person's consent state to %q", f.stored(p.ID).Consent)
		}

		family.Relationship = "長男"
		c, err := f.env.People.RecordConsent(bg(), f.as(clinic.user), p.ID, family)
		if err != nil {
			t.Fatalf("joso §17-1: a family consent with its relationship is refused: %v", err)
		}
		if c.Kind != "family" || c.SignerName != "常総 一郎" || c.Relationship != "長男" || c.EnteredBy != clinic.user {
			t.Errorf("family consent as stored: %+v", c)
		}
		if !f.visible(f.as(kyotaku.user), p.ID) {
			t.Error("joso §17-1: the team does not see the person after the family consent")
		}
	})
}

// joso §17-3: 前項の削除の申出を受けた場合、市は…「支援中止」の設定を行う. The city (the
// operator) sets 支援中止; a staff user, even of the registering facility, is refused.
func TestJoso17_3DeletionByTheCity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, clinic, kyotaku := joso(t, db)
		p := f.person(f.as(clinic.user), "石下")
		f.consent(f.as(clinic.user), p.ID)
		if err := f.env.People.AddToTeam(bg(), f.as(clinic.user), p.ID, kyotaku.org); err != nil {
			t.Fatal(err)
		}
		err := f.env.People.RequestDeletion(bg(), f.as(clinic.user), p.ID, "本人から削除の申出")
		wantCode(t, err, domain.EFORBIDDEN, "joso §17-3: a staff user setting 支援中止")
		if e := f.lastEvent("person.delete", clinic.user); e == nil || e.Outcome != "denied" || e.PersonID != p.ID {
			t.Errorf("the refusal is not audited as denied: %+v", e)
		}
		if s := f.stored(p.ID); s.Status != domain.PersonActive || !f.visible(f.as(kyotaku.user), p.ID) {
			t.Fatalf("a refused deletion request changed the person: %q", s.Status)
		}

		if err := f.env.People.RequestDeletion(bg(), f.op(), p.ID, "家族（長女）から削除の申出"); err != nil {
			t.Fatalf("joso §17-3: the city cannot set 支援中止: %v", err)
		}
		for name, u := range map[string]string{"registering clinic": clinic.user, "team member": kyotaku.user} {
			if f.visible(f.as(u), p.ID) {
				t.Errorf("joso §17-3: the %s still sees a person set to 支援中止", name)
			}
		}
		if v := f.view(f.op(), p.ID); !v.Hidden || v.Person.FamilyName != "" {
			t.Errorf("the city's view of a stopped person: hidden %v name %q", v.Hidden, v.Person.FamilyName)
		}
	})
}

// joso §18 (許可された連携情報にのみアクセス) with the profile's
// municipal_on_every_team: the city's officer (role municipal) sees every consented
// person without being added to a team, and no unconsented one.
func TestJosoMunicipalOfficerOnEveryTeam(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, clinic, kyotaku := joso(t, db)
		officer := f.network(domain.RoleMunicipal, "", "")
		consented := f.person(f.as(clinic.user), "水海道")
		f.consent(f.as(clinic.user), consented.ID)
		unconsented := f.person(f.as(clinic.user), "豊岡")
		elsewhere := f.person(f.as(kyotaku.user), "大生郷")
		f.consent(f.as(kyotaku.user), elsewhere.ID)

		m := f.as(officer)
		if !f.visible(m, consented.ID) || !f.visible(m, elsewhere.ID) {
			t.Fatal("the municipal officer does not see every consented person")
		}
		if v := f.view(m, consented.ID); v.Via != policy.ViaMunicipal {
			t.Errorf("officer's view via %q, want municipal", v.Via)
		}
		if f.visible(m, unconsented.ID) {
			t.Error("joso §17-1: the municipal officer sees a person who has not consented")
		}
		ids, total := f.listIDs(m)
		if total != 2 {
			t.Errorf("officer's list: %d people %v, want the 2 consented", total, ids)
		}
		// A facility not on the team sees neither of the clinic's people.
		if f.visible(f.as(kyotaku.user), consented.ID) {
			t.Error("a facility outside the team sees the clinic's consented person")
		}
	})
}

// joso §21: 災害時において、市が必要と判断した場合…連携情報を利用できる; §21-2: 事前に参加同意書により
// 同意を得る. The city declares a disaster; while it lasts a designated responder
// (profile people.disaster.occupations) of a facility that is not on the team
// reads the people who consented to disaster use, and no one else; each read is
// audited as a disaster read; ending the disaster ends that access at once.
func TestJoso21Disaster(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, clinic, _ := joso(t, db)
		station := f.unit("鬼怒川訪問看護ステーション", "houmon_kango", "nurse")           // designated occupation
		pharmacy := f.unit("常総薬局", "yakkyoku", "pharmacist_dental_hygienist") // not designated
		disasterScope := f.person(f.as(clinic.user), "三坂")
		f.consent(f.as(clinic.user), disasterScope.ID, "sharing", "disaster")
		sharingOnly := f.person(f.as(clinic.user), "中妻")
		f.consent(f.as(clinic.user), sharingOnly.ID, "sharing")
		unconsented := f.person(f.as(clinic.user), "新石下")

		nurse := station.user
		if f.visible(f.as(nurse), disasterScope.ID) {
			t.Fatal("a responder sees a disaster-consented person before any disaster")
		}
		// Only the city declares.
		_, err := f.env.People.DeclareDisaster(bg(), f.as(clinic.user), people.DisasterInput{Name: "鬼怒川氾濫"})
		wantCode(t, err, domain.EFORBIDDEN, "joso §21: a staff user declaring a disaster")
		_, err = f.env.People.DeclareDisaster(bg(), f.op(), people.DisasterInput{})
		wantField(t, err, "name", "a disaster without a name")
		if f.visible(f.as(nurse), disasterScope.ID) {
			t.Fatal("refused declarations opened disaster access")
		}

		d, err := f.env.People.DeclareDisaster(bg(), f.op(), people.DisasterInput{Name: "令和8年 鬼怒川氾濫"})
		if err != nil {
			t.Fatalf("joso §21: the city cannot declare a disaster: %v", err)
		}
		_, err = f.env.People.DeclareDisaster(bg(), f.op(), people.DisasterInput{Name: "二重の宣言"})
		wantCode(t, err, domain.ECONFLICT, "a second declaration while one is active")

		if !f.visible(f.as(nurse), disasterScope.ID) {
			t.Fatal("joso §21: the designated responder does not see a person who consented to disaster use")
		}
		v := f.view(f.as(nurse), disasterScope.ID)
		if v.Via != policy.ViaDisaster {
			t.Errorf("responder's view via %q, want disaster", v.Via)
		}
		// A disaster read is audited as one.
		e := f.lastEvent("person.view", nurse)
		if e == nil || e.PersonID != disasterScope.ID || e.Outcome != "ok" || e.ActorOrgID != station.org {
			t.Fatalf("the disaster read is not audited: %+v", e)
		}
		if det := detail(t, e); det["via"] != policy.ViaDisaster {
			t.Errorf("disaster read audited with via %v, want disaster", det["via"])
		}
		// Issue #3 item 6: "every such read is audited with the disaster".
		if !strings.Contains(e.Detail, d.ID) && !strings.Contains(e.Detail, d.Name) {
			t.Errorf("the disaster read's audit event does not name the disaster %s (%s): %s", d.ID, d.Name, e.Detail)
		}
		if f.visible(f.as(nurse), sharingOnly.ID) {
			t.Error("joso §21-2: the responder sees a person who did not consent to disaster use")
		}
		if f.visible(f.as(nurse), unconsented.ID) {
			t.Error("the responder sees an unconsented person")
		}
		if f.visible(f.as(pharmacy.user), disasterScope.ID) {
			t.Error("a user of an occupation the profile does not designate reads in the disaster")
		}
		// A list that returns people through the disaster is a disaster read too.
		ids, total := f.listIDs(f.as(nurse))
		if total != 1 || ids[0] != disasterScope.ID {
			t.Errorf("responder's list in the disaster: %v, want only %s", ids, disasterScope.ID)
		}
		if le := f.lastEvent("people.list", nurse); le == nil || !strings.Contains(le.Detail, d.ID) {
			t.Errorf("joso §21: the responder's list is not audited with the disaster %s: %+v", d.ID, le)
		}
		// Reading is all a disaster permits.
		err = f.env.People.SetEligibility(bg(), f.as(nurse), disasterScope.ID, false, "moved", "2026-11-20")
		wantCode(t, err, domain.EFORBIDDEN, "a responder changing a person in the disaster")

		// Only the city ends it; when it does, the next request is refused.
		wantCode(t, endErr(f.env.People.EndDisaster(bg(), f.as(nurse), "")), domain.EFORBIDDEN, "a staff user ending the disaster")
		if _, err := f.env.People.EndDisaster(bg(), f.op(), ""); err != nil {
			t.Fatalf("end the disaster: %v", err)
		}
		if f.visible(f.as(nurse), disasterScope.ID) {
			t.Error("joso §21: the responder still sees the person after the disaster ended")
		}
		wantCode(t, endErr(f.env.People.EndDisaster(bg(), f.op(), "")), domain.ECONFLICT, "ending a disaster twice")
		// The clinic's own access is untouched by all this.
		if !f.visible(f.as(clinic.user), sharingOnly.ID) {
			t.Error("the registering clinic lost its person")
		}
	})
}

// endErr drops the disaster EndDisaster returns.
func endErr(_ *domain.Disaster, err error) error { return err }

// joso §21: 災害時において、市が必要と判断した場合…連携情報を利用できる. The city may declare a
// disaster ahead (a typhoon on its way) with a planned end: the responder's access
// opens at the start and closes at the planned end by the clock alone, nobody
// pressing a button, and the reads in between are audited with the disaster.
func TestJoso21DisasterScheduledStartAndPlannedEnd(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, clinic, _ := joso(t, db)
		nurse := f.unit("鬼怒川訪問看護ステーション", "houmon_kango", "nurse").user
		p := f.person(f.as(clinic.user), "三坂")
		f.consent(f.as(clinic.user), p.ID, "sharing", "disaster")

		// The clock stands at 2026-11-24 10:00 JST (testenv.Start).
		d, err := f.env.People.DeclareDisaster(bg(), f.op(), people.DisasterInput{Name: "令和8年台風第10号",
			Start: "2026-11-24T18:00", End: "2026-11-26T18:00"})
		if err != nil {
			t.Fatalf("joso §21: the city cannot declare a disaster ahead: %v", err)
		}
		start, end := time.Date(2026, 11, 24, 18, 0, 0, 0, jst), time.Date(2026, 11, 26, 18, 0, 0, 0, jst)
		if !d.StartedAt.Equal(start) || !d.EndedAt.Equal(end) || d.EndedBy != "" {
			t.Errorf("declared %s to %s (ended by %q), want %s to %s as planned", d.StartedAt, d.EndedAt, d.EndedBy, start, end)
		}
		for _, c := range []struct {
			when  time.Time
			sees  bool
			state string
		}{
			{start.Add(-time.Minute), false, people.DisasterScheduled},
			{start, true, people.DisasterActive},
			{end.Add(-time.Minute), true, people.DisasterActive},
			{end, false, people.DisasterEnded},
			{end.Add(15 * time.Hour), false, people.DisasterEnded},
		} {
			f.env.Clock.Set(c.when)
			if got := f.visible(f.as(nurse), p.ID); got != c.sees {
				t.Errorf("joso §21: at %s the responder sees the person: %v, want %v", c.when.In(jst).Format("01-02 15:04"), got, c.sees)
			}
			if got := people.DisasterState(d, c.when); got != c.state {
				t.Errorf("at %s the disaster is %s, want %s", c.when.In(jst).Format("01-02 15:04"), got, c.state)
			}
		}
		// The two reads inside the window, and only they, name the disaster.
		ok := 0
		for _, e := range f.events(domain.AuditFilter{Action: "person.view"}) {
			if e.ActorUserID == nurse && e.Outcome == "ok" {
				ok++
				if !strings.Contains(e.Detail, d.ID) {
					t.Errorf("joso §21: a disaster read is not audited with the disaster: %s", e.Detail)
				}
			}
		}
		if ok != 2 {
			t.Errorf("%d successful reads by the responder audited, want the 2 inside the window", ok)
		}
		// Its planned end passed: nothing is left to end, and the next may be declared.
		wantCode(t, endErr(f.env.People.EndDisaster(bg(), f.op(), "")), domain.ECONFLICT, "ending a disaster whose planned end has passed")
		if _, err := f.env.People.DeclareDisaster(bg(), f.op(), people.DisasterInput{Name: "地震"}); err != nil {
			t.Errorf("a declaration after the planned end: %v", err)
		}
	})
}

// joso §21 (the city declares; issue 3 item 6: name, start, optional end): a start
// more than 30 days back or a year ahead, an end not after the start or already
// past, or a period that meets another disaster's is refused with the field or the
// conflict named, and stores nothing.
func TestJoso21DisasterDeclarationChecked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, _, _ := joso(t, db) // 2026-11-24 10:00 JST
		declare := func(in people.DisasterInput) (*domain.Disaster, error) {
			if in.Name == "" {
				in.Name = "令和8年 鬼怒川氾濫"
			}
			return f.env.People.DeclareDisaster(bg(), f.op(), in)
		}
		for _, c := range []struct {
			name  string
			in    people.DisasterInput
			field string
		}{
			{"start not a date-time", people.DisasterInput{Start: "2026/11/24 10:00"}, "start"},
			{"start more than 30 days ago", people.DisasterInput{Start: "2026-10-25T09:59"}, "start"},
			{"start more than a year ahead", people.DisasterInput{Start: "2027-11-24T10:01"}, "start"},
			{"end not a date-time", people.DisasterInput{End: "明日"}, "end"},
			{"end before start", people.DisasterInput{Start: "2026-11-25T10:00", End: "2026-11-25T09:00"}, "end"},
			{"end at start", people.DisasterInput{Start: "2026-11-25T10:00", End: "2026-11-25T10:00"}, "end"},
			{"end already past", people.DisasterInput{Start: "2026-11-20T10:00", End: "2026-11-23T10:00"}, "end"},
			{"longer than a year", people.DisasterInput{Start: "2026-11-24T12:00", End: "2027-11-25T12:00"}, "end"},
		} {
			_, err := declare(c.in)
			wantField(t, err, c.field, c.name)
		}
		if n := f.count("disasters"); n != 0 {
			t.Fatalf("refused declarations stored %d disasters", n)
		}

		// Declared after it began (two days ago): in force at once.
		first, err := declare(people.DisasterInput{Start: "2026-11-22T06:00"})
		if err != nil {
			t.Fatalf("a disaster declared after it began: %v", err)
		}
		if !first.StartedAt.Equal(time.Date(2026, 11, 22, 6, 0, 0, 0, jst)) || people.DisasterState(first, f.env.Clock.Now()) != people.DisasterActive {
			t.Errorf("declared from %s: %s", first.StartedAt, people.DisasterState(first, f.env.Clock.Now()))
		}
		// No two overlap, so that a read names one disaster.
		_, err = declare(people.DisasterInput{Name: "台風", Start: "2026-12-01T00:00"})
		wantCode(t, err, domain.ECONFLICT, "a disaster scheduled while one without an end lasts")
		if _, err := f.env.People.EndDisaster(bg(), f.op(), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := declare(people.DisasterInput{Start: "2026-12-01T00:00", End: "2026-12-03T00:00"}); err != nil {
			t.Fatalf("a scheduled disaster: %v", err)
		}
		if _, err := declare(people.DisasterInput{Start: "2026-12-03T00:00", End: "2026-12-05T00:00"}); err != nil {
			t.Errorf("a disaster beginning when the previous one ends: %v", err)
		}
		for name, in := range map[string]people.DisasterInput{
			"overlapping two scheduled":           {Start: "2026-12-02T12:00", End: "2026-12-04T00:00"},
			"without an end before scheduled one": {Start: "2026-11-30T00:00"},
			"over the ended first one":            {Start: "2026-11-23T00:00", End: "2026-11-24T12:00"},
		} {
			_, err := declare(in)
			if e := wantCode(t, err, domain.ECONFLICT, name); e != nil && !strings.Contains(e.Message, "重なります") {
				t.Errorf("%s: the conflict does not say the periods overlap: %s", name, e.Message)
			}
		}
		if n := f.count("disasters"); n != 3 {
			t.Errorf("%d disasters stored, want 3", n)
		}
	})
}

// joso §21: a disaster declared ahead can be called off before it begins; it then
// never opens access. Ending without naming one ends the active disaster, not a
// scheduled one; a second press cancels the scheduled one; a third finds nothing.
func TestJoso21DisasterCancelScheduled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, clinic, _ := joso(t, db) // 2026-11-24 10:00 JST
		nurse := f.unit("鬼怒川訪問看護ステーション", "houmon_kango", "nurse").user
		p := f.person(f.as(clinic.user), "三坂")
		f.consent(f.as(clinic.user), p.ID, "sharing", "disaster")

		sched, err := f.env.People.DeclareDisaster(bg(), f.op(), people.DisasterInput{Name: "台風第12号", Start: "2026-11-25T06:00"})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, endErr(f.env.People.EndDisaster(bg(), f.as(clinic.user), sched.ID)), domain.EFORBIDDEN, "a staff user cancelling a disaster")
		d, err := f.env.People.EndDisaster(bg(), f.op(), sched.ID)
		if err != nil {
			t.Fatalf("cancel a scheduled disaster: %v", err)
		}
		if people.DisasterState(d, f.env.Clock.Now()) != people.DisasterCancelled || d.EndedBy != f.opID {
			t.Errorf("cancelled disaster: %+v", d)
		}
		if e := f.lastEvent("disaster.cancel", f.opID); e == nil || e.TargetID != sched.ID || e.Outcome != "ok" {
			t.Errorf("the cancellation is not audited: %+v", e)
		}
		f.env.Clock.Set(time.Date(2026, 11, 25, 7, 0, 0, 0, jst))
		if f.visible(f.as(nurse), p.ID) {
			t.Error("joso §21: a cancelled disaster opened access at its start")
		}
		wantCode(t, endErr(f.env.People.EndDisaster(bg(), f.op(), sched.ID)), domain.ECONFLICT, "cancelling twice")
		wantCode(t, endErr(f.env.People.EndDisaster(bg(), f.op(), "no-such-disaster")), domain.ENOTFOUND, "ending an unknown disaster")

		// A cancelled period blocks nothing.
		active, err := f.env.People.DeclareDisaster(bg(), f.op(), people.DisasterInput{Name: "鬼怒川氾濫", End: "2026-11-25T18:00"})
		if err != nil {
			t.Fatalf("a declaration over a cancelled one: %v", err)
		}
		next, err := f.env.People.DeclareDisaster(bg(), f.op(), people.DisasterInput{Name: "余震", Start: "2026-11-26T06:00"})
		if err != nil {
			t.Fatal(err)
		}
		f.env.Clock.Advance(time.Hour)
		if !f.visible(f.as(nurse), p.ID) {
			t.Fatal("joso §21: the responder does not see the person in the active disaster")
		}
		d, err = f.env.People.EndDisaster(bg(), f.op(), "")
		if err != nil || d.ID != active.ID || people.DisasterState(d, f.env.Clock.Now()) != people.DisasterEnded {
			t.Fatalf("ending without naming one: %+v %v, want %s ended", d, err, active.ID)
		}
		if f.visible(f.as(nurse), p.ID) {
			t.Error("joso §21: the responder still sees the person after the end")
		}
		d, err = f.env.People.EndDisaster(bg(), f.op(), "")
		if err != nil || d.ID != next.ID || people.DisasterState(d, f.env.Clock.Now()) != people.DisasterCancelled {
			t.Errorf("the second press: %+v %v, want %s cancelled", d, err, next.ID)
		}
		wantCode(t, endErr(f.env.People.EndDisaster(bg(), f.op(), "")), domain.ECONFLICT, "ending with nothing declared")
	})
}
