package people_test

// 香取市 電子@連絡帳 (katori): consent before sharing (§13-1), the care team of
// 支援機関 (§12), 支援中止 on a deletion request (§13-2), sharing required by law
// (§13-3), and households (世帯, §1: 複合化・複雑化した課題を抱える世帯等).

import (
	"context"
	"slices"
	"testing"

	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func katori(t *testing.T, db *sqlstore.DB) (*fx, unit, unit, unit) {
	f := newFx(t, db, "katori", "")
	a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
	b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
	c := f.unit("佐原訪問看護ステーション", "houmon_kango", "nurse")
	return f, a, b, c
}

// katori §13-1: 支援対象者に関する情報を他の利用スタッフと共有する場合は…同意書を用い支援対象者の
// 同意を得る. Before consent only the registering organization (and the operator)
// sees the person; another organization sees nothing, not even once it is put on
// the team; consent opens the record to the team.
func TestKatori13_1ConsentBeforeSharing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b, _ := katori(t, db)
		p := f.person(f.as(a.user), "香取")

		// The registering organization sees its person at once.
		if !f.visible(f.as(a.user), p.ID) {
			t.Fatal("katori §13-1: the registering organization does not see the person it registered")
		}
		if v := f.view(f.as(a.user), p.ID); v.Via != policy.ViaRegistrar || v.Person.FamilyName != "香取" {
			t.Errorf("registering org's view: via %q, name %q", v.Via, v.Person.FamilyName)
		}
		// katori §13-1: another organization sees nothing before consent.
		if f.visible(f.as(b.user), p.ID) {
			t.Error("katori §13-1: another organization sees the person before consent")
		}
		// Put on the team before consent: still nothing.
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatalf("add to team: %v", err)
		}
		if f.visible(f.as(b.user), p.ID) {
			t.Error("katori §13-1: a team organization sees the person before the consent is recorded")
		}
		// An organization not sharing the person cannot record a consent for it.
		_, err := f.env.People.RecordConsent(bg(), f.as(f.unit("他の事業所", "kyotaku", "care_manager").user), p.ID,
			people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-20", FormVersion: "doisho"})
		wantCode(t, err, domain.ENOTFOUND, "consent by an organization that does not see the person")

		// The consent (同意書) is recorded: the team sees the person.
		c := f.consent(f.as(a.user), p.ID)
		if c.FormVersion != "doisho" || c.EnteredOrg != a.org || !slices.Equal(c.Scopes, []string{"sharing"}) {
			t.Errorf("consent as stored: %+v", c)
		}
		if !f.visible(f.as(b.user), p.ID) {
			t.Fatal("katori §13-1: the team organization does not see the person after consent")
		}
		if v := f.view(f.as(b.user), p.ID); v.Via != domain.AccessTeam || len(v.Consents) != 1 {
			t.Errorf("team org's view: via %q, %d consents", v.Via, len(v.Consents))
		}
		// The operator (市) sees it throughout.
		if v := f.view(f.op(), p.ID); v.Via != policy.ViaOperator || v.Hidden {
			t.Errorf("operator's view: via %q hidden %v", v.Via, v.Hidden)
		}
	})
}

// katori §13-1: 利用スタッフは同意書を用い支援対象者の同意を得る: the person's own consent.
// The seed names neither a proxy writer (代筆) nor a family member consenting for
// the person, so both are refused on the field and the team sees nothing; a
// sharing required by law stays open (§13-3, TestKatori13_3LegalSharing).
func TestKatori13_1OwnConsentOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b, _ := katori(t, db)
		p := f.person(f.as(a.user), "多古")
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatal(err)
		}
		f.refusedKind(f.as(a.user), p.ID, "family", "katori §13-1: a family member consenting for the person")
		f.refusedKind(f.as(a.user), p.ID, "proxy_writer", "katori §13-1: a consent written by a proxy writer")
		if f.visible(f.as(b.user), p.ID) {
			t.Fatal("katori §13-1: a refused consent opened the record to the team")
		}
		c := f.consent(f.as(a.user), p.ID)
		if c.Kind != "self" || c.SignerName != "" {
			t.Errorf("the person's own consent as stored: %+v", c)
		}
		if !f.visible(f.as(b.user), p.ID) {
			t.Error("katori §13-1: the team does not see the person after the person's own consent")
		}
	})
}

// katori §12 (利用スタッフは許可された情報のみにアクセスすることができる): the care team.
// A team member adds another 支援機関, which then sees the person in Get and in its
// list; an organization outside the team can neither see nor change the team; a
// member ending another's membership takes effect on the next request.
func TestKatori12CareTeam(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b, c := katori(t, db)
		p := f.person(f.as(a.user), "佐原")
		f.consent(f.as(a.user), p.ID)
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatalf("registering org adds b: %v", err)
		}
		// c is outside the team: it sees nothing and cannot add itself.
		if f.visible(f.as(c.user), p.ID) {
			t.Fatal("an organization outside the team sees the person")
		}
		err := f.env.People.AddToTeam(bg(), f.as(c.user), p.ID, c.org)
		wantCode(t, err, domain.ENOTFOUND, "an outsider adding itself to the team")
		if f.visible(f.as(c.user), p.ID) {
			t.Fatal("an outsider got on the team by adding itself")
		}
		// b, a team member (not the registrant), adds c.
		if err := f.env.People.AddToTeam(bg(), f.as(b.user), p.ID, c.org); err != nil {
			t.Fatalf("team member adds c: %v", err)
		}
		if !f.visible(f.as(c.user), p.ID) {
			t.Fatal("the organization a team member added does not see the person")
		}
		if v := f.view(f.as(c.user), p.ID); v.Via != domain.AccessTeam {
			t.Errorf("c's view via %q, want team", v.Via)
		}
		if e := f.lastEvent("team.add", b.user); e == nil || e.PersonID != p.ID {
			t.Errorf("adding to the team is not audited with the person: %+v", e)
		}
		// Adding twice is a conflict, not a second row.
		err = f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, c.org)
		wantCode(t, err, domain.ECONFLICT, "adding a team member twice")
		// An unknown organization is a field error.
		err = f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, "no-such-org")
		wantField(t, err, "org_id", "adding an unknown organization")

		// a ends c's membership: c's very next request is refused.
		row := f.activeAccess(p.ID, c.org, domain.AccessTeam)
		if err := f.env.People.EndAccess(bg(), f.as(a.user), p.ID, row.ID, "支援終了"); err != nil {
			t.Fatalf("end c's membership: %v", err)
		}
		if f.visible(f.as(c.user), p.ID) {
			t.Error("an organization removed from the team still sees the person")
		}
		if !f.visible(f.as(b.user), p.ID) {
			t.Error("removing c removed b as well")
		}
	})
}

// katori §13-2: 支援対象者から削除の申し出があった場合は、当該利用スタッフは…「支援中止」の設定を
// 行う. After it the record is hidden from everyone, the registering organization
// included; the operator sees that it is hidden (View.Hidden), not its content.
func TestKatori13_2DeletionRequestStopsSupport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b, c := katori(t, db)
		p := f.person(f.as(a.user), "小見川")
		other := f.person(f.as(a.user), "栗源")
		f.consent(f.as(a.user), p.ID)
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatal(err)
		}
		// Only someone who shares the person can act on the request.
		err := f.env.People.RequestDeletion(bg(), f.as(c.user), p.ID, "本人から削除の申出")
		wantCode(t, err, domain.ENOTFOUND, "deletion request by an organization outside the team")

		// katori §13-2: the staff user (a team member) sets 支援中止.
		if err := f.env.People.RequestDeletion(bg(), f.as(b.user), p.ID, "本人から削除の申出（電話）"); err != nil {
			t.Fatalf("katori §13-2: the team's staff user cannot set 支援中止: %v", err)
		}
		if s := f.stored(p.ID); s.Status != domain.PersonStopped {
			t.Fatalf("status after the deletion request: %q, want stopped", s.Status)
		}
		for name, u := range map[string]string{"registering org": a.user, "team org": b.user} {
			if f.visible(f.as(u), p.ID) {
				t.Errorf("katori §13-2: the %s still sees a person set to 支援中止", name)
			}
		}
		// The registering organization's other people are untouched.
		if !f.visible(f.as(a.user), other.ID) {
			t.Error("支援中止 of one person hid another")
		}
		// The operator sees that it is hidden, not what it holds.
		v := f.view(f.op(), p.ID)
		if !v.Hidden || v.Person.Status != domain.PersonStopped {
			t.Errorf("operator's view of a stopped person: hidden %v status %q", v.Hidden, v.Person.Status)
		}
		if v.Person.FamilyName != "" || v.Person.GivenName != "" || v.Person.FamilyKana != "" || v.Person.BirthDate != "" ||
			v.Person.Address != "" || v.Person.Phone != "" || len(v.Consents) != 0 {
			t.Errorf("the operator sees the content of a stopped person: %+v, %d consents", v.Person, len(v.Consents))
		}
		list, _, err := f.env.People.List(bg(), f.op(), domain.PeopleFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, q := range list {
			if q.ID == p.ID {
				found = true
				if q.FamilyName != "" || q.FamilyKana != "" || q.Status != domain.PersonStopped {
					t.Errorf("operator's list shows a stopped person's content: %+v", q)
				}
			}
		}
		if !found {
			t.Error("the operator's list does not show that the stopped person exists")
		}
		// 支援中止 hides; it does not delete (that is sendai's purge).
		if s := f.stored(p.ID); s.FamilyName != "小見川" {
			t.Errorf("支援中止 deleted the stored name: %q", s.FamilyName)
		}
		// Once stopped, it cannot be stopped again.
		err = f.env.People.RequestDeletion(bg(), f.op(), p.ID, "")
		wantCode(t, err, domain.EFORBIDDEN, "a second deletion request")
		if e := f.lastEvent("person.delete_request", b.user); e == nil || e.PersonID != p.ID || e.Outcome != "ok" {
			t.Errorf("the deletion request is not audited: %+v", e)
		}
	})
}

// katori §13-2: after 支援中止 the record is hidden: the scanned consent form goes
// with it. The registering organization downloads the form before, and neither it
// nor the operator (who sees only that the record is hidden) gets it after; the
// operator's attempt is audited as refused.
func TestKatori13_2StoppedRecordGivesNoForm(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, _, _ := katori(t, db)
		p := f.person(f.as(a.user), "山田")
		c, err := f.env.People.RecordConsent(bg(), f.as(a.user), p.ID, people.ConsentInput{Kind: "self",
			ConsentedOn: "2026-11-20", FormVersion: "doisho", Form: pdf})
		if err != nil {
			t.Fatal(err)
		}
		if att, err := f.env.People.ConsentForm(bg(), f.as(a.user), p.ID, c.ID); err != nil || string(att.Data) != string(pdf) {
			t.Fatalf("the registering organization cannot download the form it scanned: %v", err)
		}
		if err := f.env.People.RequestDeletion(bg(), f.as(a.user), p.ID, "本人から削除の申出"); err != nil {
			t.Fatal(err)
		}
		_, err = f.env.People.ConsentForm(bg(), f.as(a.user), p.ID, c.ID)
		wantCode(t, err, domain.ENOTFOUND, "katori §13-2: the registering organization's download after 支援中止")
		att, err := f.env.People.ConsentForm(bg(), f.op(), p.ID, c.ID)
		wantCode(t, err, domain.ENOTFOUND, "katori §13-2: the operator's download after 支援中止")
		if att != nil {
			t.Error("katori §13-2: the operator got the form of a stopped record")
		}
		if e := f.lastEvent("consent.form.view", f.opID); e == nil || e.Outcome != "denied" || e.PersonID != p.ID {
			t.Errorf("the operator's refused download is not audited: %+v", e)
		}
	})
}

// katori §13-3: 前各項の規定にかかわらず、関係法令の規定に基づく場合は共有することができる. A
// sharing required by law is recorded as a consent of kind "legal" with its legal
// basis; it opens the record to the team like a consent; the basis is required.
func TestKatori13_3LegalSharing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b, _ := katori(t, db)
		p := f.person(f.as(a.user), "府馬")
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatal(err)
		}
		_, err := f.env.People.RecordConsent(bg(), f.as(a.user), p.ID, people.ConsentInput{Kind: "legal",
			ConsentedOn: "2026-11-20", FormVersion: "doisho"})
		wantField(t, err, "legal_basis", "a legal sharing without its basis")
		if f.visible(f.as(b.user), p.ID) {
			t.Fatal("a refused legal sharing opened the record")
		}
		c, err := f.env.People.RecordConsent(bg(), f.as(a.user), p.ID, people.ConsentInput{Kind: "legal",
			ConsentedOn: "2026-11-20", FormVersion: "doisho", LegalBasis: "社会福祉法第106条の6（支援会議）"})
		if err != nil {
			t.Fatalf("katori §13-3: a sharing under law is refused: %v", err)
		}
		if c.Kind != "legal" || c.LegalBasis != "社会福祉法第106条の6（支援会議）" {
			t.Errorf("legal sharing as stored: %+v", c)
		}
		if !f.visible(f.as(b.user), p.ID) {
			t.Error("katori §13-3: the team does not see a person shared under law")
		}
		v := f.view(f.as(b.user), p.ID)
		if len(v.Consents) != 1 || v.Consents[0].LegalBasis == "" {
			t.Errorf("the person page does not show the legal basis: %+v", v.Consents)
		}
	})
}

// katori §1 (複合化・複雑化した課題を抱える世帯等): people are supported as households. Two
// people registered into a new 世帯 share it; an unknown household is a field error.
func TestKatoriHouseholds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, _, _ := katori(t, db)
		in := f.input("香取")
		in.NewHousehold = "香取家"
		mother, err := f.env.People.Register(bg(), f.as(a.user), in, false)
		if err != nil {
			t.Fatalf("register into a new household: %v", err)
		}
		if mother.HouseholdID == "" {
			t.Fatal("no household created")
		}
		in = f.input("香取")
		in.GivenName, in.GivenKana, in.Sex = "次郎", "ジロウ", "male"
		in.HouseholdID = mother.HouseholdID
		son, err := f.env.People.Register(bg(), f.as(a.user), in, false)
		if err != nil {
			t.Fatalf("register into the household: %v", err)
		}
		var members []*domain.Person
		var h *domain.Household
		if err := db.Transact(context.Background(), func(tx store.Tx) error {
			var err error
			if h, err = tx.FindHousehold(context.Background(), f.net, mother.HouseholdID); err != nil {
				return err
			}
			members, err = tx.FindHouseholdMembers(context.Background(), f.net, mother.HouseholdID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if h.Name != "香取家" || len(members) != 2 {
			t.Errorf("household %+v has %d members, want 香取家 with 2", h, len(members))
		}
		in = f.input("香取")
		in.HouseholdID = "no-such-household"
		_, err = f.env.People.Register(bg(), f.as(a.user), in, false)
		wantField(t, err, "household_id", "registering into an unknown household")

		// The person page shows the household: PersonView.Household holds "other
		// members of the household the actor may see".
		v := f.view(f.as(a.user), mother.ID)
		if len(v.Household) != 1 || v.Household[0].ID != son.ID {
			t.Errorf("the mother's page lists household members %v, want the son %s", v.Household, son.ID)
		}
	})
}
