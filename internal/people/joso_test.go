package people_test

// 常総市 電子@連絡帳JOSOシステム (joso): the 参加同意書 of the person or, when that is
// hard, of the family (§17-1); 支援中止 set by the city on a deletion request
// (§17-2..3); access only to what is permitted (§18), with the city's officer on
// every team (profile municipal_on_every_team); use in a disaster (§21).

import (
	"strings"
	"testing"

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
		_, err := f.env.People.DeclareDisaster(bg(), f.as(clinic.user), "鬼怒川氾濫")
		wantCode(t, err, domain.EFORBIDDEN, "joso §21: a staff user declaring a disaster")
		_, err = f.env.People.DeclareDisaster(bg(), f.op(), "")
		wantField(t, err, "name", "a disaster without a name")
		if f.visible(f.as(nurse), disasterScope.ID) {
			t.Fatal("refused declarations opened disaster access")
		}

		d, err := f.env.People.DeclareDisaster(bg(), f.op(), "令和8年 鬼怒川氾濫")
		if err != nil {
			t.Fatalf("joso §21: the city cannot declare a disaster: %v", err)
		}
		_, err = f.env.People.DeclareDisaster(bg(), f.op(), "二重の宣言")
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
		wantCode(t, f.env.People.EndDisaster(bg(), f.as(nurse)), domain.EFORBIDDEN, "a staff user ending the disaster")
		if err := f.env.People.EndDisaster(bg(), f.op()); err != nil {
			t.Fatalf("end the disaster: %v", err)
		}
		if f.visible(f.as(nurse), disasterScope.ID) {
			t.Error("joso §21: the responder still sees the person after the disaster ended")
		}
		wantCode(t, f.env.People.EndDisaster(bg(), f.op()), domain.ECONFLICT, "ending a disaster twice")
		// The clinic's own access is untouched by all this.
		if !f.visible(f.as(clinic.user), sharingOnly.ID) {
			t.Error("the registering clinic lost its person")
		}
	})
}
