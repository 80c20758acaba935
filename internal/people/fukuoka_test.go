package people_test

// 福岡市在宅連携支援システム（ケアノート） (fukuoka): consent forms 7 / 7a / 7b and the
// date they changed (§17-3); under form 7 the care-plan office (§19); under 7a/7b
// access from insurance claims (§19の2); withdrawal (§18); the read window of 3
// months from the day after leaving the city, which the 事業責任者 may close early
// (§20).

import (
	"fmt"
	"testing"

	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

type fukuokaNet struct {
	*fx
	hokatsu, office, clinic, clinic2, pharmacy unit
}

const (
	clinicCode  = "4010000001"
	clinic2Code = "4010000002"
)

func fukuoka(t *testing.T, db *sqlstore.DB, start string) *fukuokaNet {
	f := newFx(t, db, "fukuoka", start)
	n := &fukuokaNet{fx: f,
		hokatsu:  f.unit("博多地域包括支援センター", "hokatsu", "shakai_fukushishi"),
		office:   f.unit("中洲居宅介護支援事業所", "kyotaku", "care_manager"),
		clinic:   f.unit("天神内科クリニック", "shinryojo", "doctor"),
		clinic2:  f.unit("西新整形外科", "shinryojo", "doctor"),
		pharmacy: f.unit("薬院薬局", "yakkyoku", "pharmacist"),
	}
	f.setOrgCode(n.clinic.org, clinicCode)
	f.setOrgCode(n.clinic2.org, clinic2Code)
	return n
}

// consented registers a person at the 地域包括支援センター; the city (fukuoka §17-1:
// 市は…同意を…得る) records a consent on form dated on.
func (n *fukuokaNet) consented(family, form, on string) *domain.Person {
	n.t.Helper()
	p := n.person(n.as(n.hokatsu.user), family)
	in := people.ConsentInput{Kind: "self", ConsentedOn: on, FormVersion: form}
	if form == "form7" {
		in.CarePlanOrg = n.office.org
	}
	if _, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, in); err != nil {
		n.t.Fatalf("consent on %s dated %s: %v", form, on, err)
	}
	return p
}

func claimsCSV(lines ...string) []byte {
	s := "insured_no,org_code,insurance_kind,service_month\n"
	for _, l := range lines {
		s += l + "\n"
	}
	return []byte(s)
}

func (n *fukuokaNet) importClaims(data []byte) *people.ClaimsReport {
	n.t.Helper()
	rep, err := n.env.People.ImportClaims(bg(), n.op(), "claims.csv", data)
	if err != nil {
		n.t.Fatalf("import: %v (%+v)", err, rep)
	}
	return rep
}

// fukuoka §17-3: 様式第7号による同意の受付については、平成30年5月31日をもって終了するものとし、平成30年
// 6月1日以降については様式第7a号又は様式第7b号による同意の受付のみを有効とする. §17-1 代筆 and
// §17-2 代理同意 are accepted on the new forms.
func TestFukuoka17ConsentForms(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		h := n.as(n.hokatsu.user)
		for _, c := range []struct {
			form, on string
			kind     string
			ok       bool
		}{
			{"form7", "2018-05-31", "self", true},  // the last day of form 7
			{"form7", "2018-06-01", "self", false}, // form 7 no longer accepted
			{"form7", "2026-11-01", "self", false},
			{"form7a", "2018-05-31", "self", false}, // 7a only from 2018-06-01
			{"form7a", "2018-06-01", "self", true},
			{"form7b", "2018-05-31", "self", false},
			{"form7b", "2018-06-01", "self", true},
			{"form7a", "2026-11-24", "proxy_writer", true}, // §17-1 代筆
			{"form7b", "2026-11-24", "family", true},       // §17-2 代理同意
		} {
			p := n.person(h, "福岡")
			in := people.ConsentInput{Kind: c.kind, ConsentedOn: c.on, FormVersion: c.form, CarePlanOrg: n.office.org}
			if c.kind != "self" {
				in.SignerName, in.Relationship = "福岡 花子", "長女"
			}
			got, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, in)
			what := fmt.Sprintf("fukuoka §17-3: %s (%s) dated %s", c.form, c.kind, c.on)
			if !c.ok {
				wantField(t, err, "form_version", what)
				if n.stored(p.ID).Consent != domain.ConsentNone {
					t.Errorf("%s: refused but recorded", what)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: refused: %v", what, err)
				continue
			}
			if got.FormVersion != c.form || n.stored(p.ID).ConsentForm != c.form {
				t.Errorf("%s: stored form %q / person's form %q", what, got.FormVersion, n.stored(p.ID).ConsentForm)
			}
			// §17-1 代筆者による記入, §17-2 家族等による代理同意: both ways are this network's
			// (profile consent_kinds) and the consent names who signed.
			if got.Kind != c.kind || (c.kind != "self" && (got.SignerName != "福岡 花子" || got.Relationship != "長女")) {
				t.Errorf("%s: stored as %s signed by %q (%q)", what, got.Kind, got.SignerName, got.Relationship)
			}
		}
	})
}

// fukuoka §19-1: 様式第7号による同意においては、事業責任者は、対象者の介護計画の策定を担当する介護事業者
// （居宅介護事業所等）…に対し…閲覧を許可することができる; §19-3: 居宅介護事業所等は…各利用組織に対し
// …閲覧を許可することができる. Under form 7 the office sees the person; it grants a
// clinic; claims give nothing under form 7; and (§19-3: the office grants) a
// granted clinic cannot pass the access on.
func TestFukuoka19Form7CarePlanOffice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("中洲", "form7", "2018-05-31")
		if !n.visible(n.as(n.office.user), p.ID) {
			t.Fatal("fukuoka §19-1: the care-plan office does not see a form-7 person")
		}
		if v := n.view(n.as(n.office.user), p.ID); v.Via != domain.AccessCarePlan {
			t.Errorf("office's view via %q", v.Via)
		}
		// Claims do not open a form-7 person (§19の2 is for forms 7a/7b).
		rep := n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinicCode + ",kaigo,2026-10"))
		if rep.Granted != 0 || len(rep.Unmatched) != 1 || rep.Unmatched[0].Line != 2 {
			t.Errorf("claims for a form-7 person: %+v", rep)
		}
		if n.visible(n.as(n.clinic.user), p.ID) {
			t.Fatal("fukuoka §19: claims opened a form-7 person to a clinic")
		}
		// §19-3: the office grants the clinic.
		if err := n.env.People.GrantAccess(bg(), n.as(n.office.user), p.ID, n.clinic.org); err != nil {
			t.Fatal(err)
		}
		if !n.visible(n.as(n.clinic.user), p.ID) {
			t.Fatal("fukuoka §19-3: the clinic the office granted does not see the person")
		}
		// §19-3: only 居宅介護事業所等 grant under form 7.
		err := n.env.People.GrantAccess(bg(), n.as(n.clinic.user), p.ID, n.pharmacy.org)
		wantCode(t, err, domain.EFORBIDDEN, "fukuoka §19-3: a granted clinic granting a pharmacy under form 7")
		if n.visible(n.as(n.pharmacy.user), p.ID) {
			t.Error("fukuoka §19-3: under form 7 a granted clinic let a pharmacy in")
		}
	})
}

// fukuoka §19の2-1: 様式第7a号及び様式第7b号による同意においては…国民健康保険、後期高齢者医療保険及び介護
// 保険を使って利用・受診された利用組織…に対し…閲覧を許可することができる. The city imports
// claims; the clinic whose code matches gets access; another clinic does not;
// the access lapses after claims_lapse_months (6) without claims: a claim for
// 2026-10 keeps it through 2027-04-30, not on 2027-05-01; a later claim extends it.
func TestFukuoka19_2ClaimsAccessAndLapse(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("天神", "form7a", "2026-11-01")
		c := n.as(n.clinic.user)
		if n.visible(c, p.ID) {
			t.Fatal("the clinic sees the person before any claim")
		}
		// Only the operator (people.manage) imports.
		_, err := n.env.People.ImportClaims(bg(), c, "claims.csv", claimsCSV(p.CareInsuredNo+","+clinicCode+",kaigo,2026-10"))
		wantCode(t, err, domain.EFORBIDDEN, "a clinic importing claims")
		kanri := n.network(domain.RoleOperator, "unei_kanri_sekininsha", "")
		_, err = n.env.People.ImportClaims(bg(), n.as(kanri), "claims.csv", claimsCSV(p.CareInsuredNo+","+clinicCode+",kaigo,2026-10"))
		wantCode(t, err, domain.EFORBIDDEN, "運営管理責任者 importing claims")
		if n.count("claim_imports") != 0 || n.visible(c, p.ID) {
			t.Fatal("refused imports imported")
		}

		rep := n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinicCode + ",kokuho,2026-10"))
		if rep.Lines != 1 || rep.Accepted != 1 || rep.Granted != 1 || len(rep.Unmatched) != 0 || rep.ImportID == "" {
			t.Errorf("import report: %+v", rep)
		}
		if !n.visible(c, p.ID) {
			t.Fatal("fukuoka §19の2: the clinic with a claim does not see the person")
		}
		if v := n.view(c, p.ID); v.Via != domain.AccessClaims {
			t.Errorf("clinic's view via %q, want claims", v.Via)
		}
		if n.visible(n.as(n.clinic2.user), p.ID) {
			t.Error("a clinic without claims sees the person")
		}
		if r := n.activeAccess(p.ID, n.clinic.org, domain.AccessClaims); r.ExpiresOn != "2027-04-30" {
			t.Errorf("claims access for service month 2026-10 expires %s, want 2027-04-30", r.ExpiresOn)
		}
		// An older claim does not shorten it; a later one extends the same row.
		n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinicCode + ",kokuho,2026-09"))
		if r := n.activeAccess(p.ID, n.clinic.org, domain.AccessClaims); r.ExpiresOn != "2027-04-30" {
			t.Errorf("an older claim changed the expiry to %s", r.ExpiresOn)
		}
		n.day("2027-01-15")
		n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinicCode + ",kouki,2026-11"))
		rows := 0
		for _, r := range n.accessRows(p.ID) {
			if r.OrgID == n.clinic.org && r.Kind == domain.AccessClaims {
				rows++
				if r.ExpiresOn != "2027-05-31" {
					t.Errorf("a claim for 2026-11 extends to %s, want 2027-05-31", r.ExpiresOn)
				}
			}
		}
		if rows != 1 {
			t.Errorf("%d claims access rows for one clinic, want 1 (extended)", rows)
		}
		for _, c := range []struct {
			day  string
			want bool
		}{{"2027-05-31", true}, {"2027-06-01", false}} {
			n.day(c.day)
			if got := n.visible(n.as(n.clinic.user), p.ID); got != c.want {
				t.Errorf("fukuoka §19の2: the clinic reads on %s: %v, want %v (last claim 2026-11, 6 months)", c.day, got, c.want)
			}
		}
	})
}

// The first claims lapse exactly: a claim for 2026-10 alone → readable through
// 2027-04-30, not on 2027-05-01.
func TestFukuoka19_2ClaimsLapseBoundary(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("博多", "form7b", "2026-11-01")
		n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinicCode + ",kaigo,2026-10"))
		for _, c := range []struct {
			day  string
			want bool
		}{{"2027-04-29", true}, {"2027-04-30", true}, {"2027-05-01", false}} {
			n.day(c.day)
			if got := n.visible(n.as(n.clinic.user), p.ID); got != c.want {
				t.Errorf("fukuoka §19の2: the clinic reads on %s: %v, want %v", c.day, got, c.want)
			}
		}
		// A claim for a month long past gives no access today.
		q := n.consented("博多", "form7a", "2026-11-01")
		rep := n.importClaims(claimsCSV(q.CareInsuredNo + "," + clinicCode + ",kaigo,2026-01"))
		if rep.Granted != 0 || n.visible(n.as(n.clinic.user), q.ID) {
			t.Errorf("a claim for 2026-01 gave access on %s: %+v", n.today(), rep)
		}
	})
}

// fukuoka §19の2-3: 閲覧を許可された利用組織は、対象者と関係する各利用組織に対し…閲覧を許可することが
// できる; §19の2-4: 各利用組織は、閲覧が許可されている利用組織に対し…閲覧許可を依頼することができる.
// The clinic with claims access grants a pharmacy; an organization without access
// cannot; another organization asks the clinic, which answers.
func TestFukuoka19_2ClaimsOrganizationGrants(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("薬院", "form7a", "2026-11-01")
		n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinicCode + ",kokuho,2026-10"))

		err := n.env.People.GrantAccess(bg(), n.as(n.clinic2.user), p.ID, n.pharmacy.org)
		wantCode(t, err, domain.ENOTFOUND, "an organization without access granting")
		if err := n.env.People.GrantAccess(bg(), n.as(n.clinic.user), p.ID, n.pharmacy.org); err != nil {
			t.Fatalf("fukuoka §19の2-3: the clinic with claims access cannot grant: %v", err)
		}
		if !n.visible(n.as(n.pharmacy.user), p.ID) {
			t.Fatal("fukuoka §19の2-3: the granted pharmacy does not see the person")
		}
		if v := n.view(n.as(n.pharmacy.user), p.ID); v.Via != domain.AccessGranted {
			t.Errorf("pharmacy's view via %q", v.Via)
		}

		// §19の2-4: clinic2 asks the clinic (an organization with access).
		req, err := n.env.People.RequestAccess(bg(), n.as(n.clinic2.user), p.CareInsuredNo, p.BirthDate, "整形外科の受診")
		if err != nil {
			t.Fatalf("fukuoka §19の2-4: request: %v", err)
		}
		if err := n.env.People.DecideAccessRequest(bg(), n.as(n.clinic.user), req.ID, true); err != nil {
			t.Errorf("fukuoka §19の2-4: the clinic with access cannot answer a request made to it: %v", err)
		} else if !n.visible(n.as(n.clinic2.user), p.ID) {
			t.Error("fukuoka §19の2-4: the clinic the request was granted to does not see the person")
		}
	})
}

// fukuoka §18-2: 同意撤回書が提出された場合は、速やかに…提供及び共有を停止しなければならない. The
// clinic (claims) and the pharmacy (granted) lose access on the next request; a
// later claim gives nothing; the registering organization keeps its record.
func TestFukuoka18Withdrawal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("西新", "form7a", "2026-11-01")
		n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinicCode + ",kokuho,2026-10"))
		if err := n.env.People.GrantAccess(bg(), n.as(n.clinic.user), p.ID, n.pharmacy.org); err != nil {
			t.Fatal(err)
		}
		// fukuoka §18-1: the withdrawal form is submitted to the city, which enters it.
		wantCode(t, n.env.People.WithdrawConsent(bg(), n.as(n.hokatsu.user), p.ID, ""), domain.EFORBIDDEN,
			"a withdrawal entered by the registering organization")
		if !n.visible(n.as(n.clinic.user), p.ID) {
			t.Fatal("a refused withdrawal stopped sharing")
		}
		if err := n.env.People.WithdrawConsent(bg(), n.op(), p.ID, "同意撤回書（様式第8号）"); err != nil {
			t.Fatalf("fukuoka §18: withdrawal: %v", err)
		}
		for name, u := range map[string]string{"claims clinic": n.clinic.user, "granted pharmacy": n.pharmacy.user} {
			if n.visible(n.as(u), p.ID) {
				t.Errorf("fukuoka §18-2: the %s still sees the person after the withdrawal", name)
			}
		}
		if !n.visible(n.as(n.hokatsu.user), p.ID) {
			t.Error("the registering organization lost its person")
		}
		before := len(n.accessRows(p.ID))
		rep := n.importClaims(claimsCSV(p.CareInsuredNo + "," + clinic2Code + ",kokuho,2026-11"))
		if rep.Granted != 0 || len(n.accessRows(p.ID)) != before || n.visible(n.as(n.clinic2.user), p.ID) {
			t.Errorf("fukuoka §18-2: a claim after the withdrawal gave access: %+v", rep)
		}
	})
}

// fukuoka §20: 福岡市の住民でなくなった日の翌日から起算して3月を経過した日まで閲覧できる. Left on
// 2026-01-31 → counted from 02-01, the 3 months end 04-30, 経過した日 is 05-01:
// readable through 2026-05-01, not on 05-02 (for the registering organization and
// a clinic whose claims would last longer). なお書き: the 事業責任者 may close it
// earlier; a staff user or 運営管理責任者 may not; closing never extends.
func TestFukuoka20ReadWindow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "2026-02-02")
		h := n.as(n.hokatsu.user)
		p := n.consented("香椎", "form7a", "2026-02-01")
		q := n.consented("箱崎", "form7a", "2026-02-01")
		n.importClaims(claimsCSV(p.CareInsuredNo+","+clinicCode+",kokuho,2026-01", q.CareInsuredNo+","+clinicCode+",kokuho,2026-01"))
		for _, id := range []string{p.ID, q.ID} {
			if err := n.env.People.SetEligibility(bg(), h, id, false, "moved", "2026-01-31"); err != nil {
				t.Fatal(err)
			}
		}
		if s := n.stored(p.ID); s.ReadableUntil != "2026-05-01" {
			t.Fatalf("fukuoka §20: left on 2026-01-31 → readable until %s, want 2026-05-01", s.ReadableUntil)
		}

		// Early closing: only an operator holding people.manage.
		wantCode(t, n.env.People.CloseReadWindow(bg(), h, q.ID, "2026-03-01"), domain.EFORBIDDEN, "a staff user closing the window")
		kanri := n.network(domain.RoleOperator, "unei_kanri_sekininsha", "")
		wantCode(t, n.env.People.CloseReadWindow(bg(), n.as(kanri), q.ID, "2026-03-01"), domain.EFORBIDDEN, "運営管理責任者 closing the window")
		wantField(t, n.env.People.CloseReadWindow(bg(), n.op(), q.ID, "2026-02-30"), "from", "closing from 2026-02-30")
		if s := n.stored(q.ID); s.ReadableUntil != "2026-05-01" {
			t.Fatalf("refused closings changed the window to %s", s.ReadableUntil)
		}
		eligible := n.consented("千早", "form7a", "2026-02-01")
		wantCode(t, n.env.People.CloseReadWindow(bg(), n.op(), eligible.ID, "2026-03-01"), domain.ECONFLICT, "closing the window of an eligible person")
		if err := n.env.People.CloseReadWindow(bg(), n.op(), q.ID, "2026-03-01"); err != nil {
			t.Fatalf("fukuoka §20: the 事業責任者 cannot close the window early: %v", err)
		}
		if err := n.env.People.CloseReadWindow(bg(), n.op(), q.ID, "2026-06-01"); err != nil {
			t.Fatal(err)
		}
		if s := n.stored(q.ID); s.ReadableUntil != "2026-02-28" {
			t.Errorf("closed from 2026-03-01 (then 06-01): readable until %s, want 2026-02-28", s.ReadableUntil)
		}

		for _, c := range []struct {
			day  string
			p, q bool
		}{
			{"2026-02-28", true, true},
			{"2026-03-01", true, false},
			{"2026-04-30", true, false},
			{"2026-05-01", true, false}, // 経過した日
			{"2026-05-02", false, false},
		} {
			n.day(c.day)
			for name, u := range map[string]string{"registering org": n.hokatsu.user, "claims clinic": n.clinic.user} {
				if got := n.visible(n.as(u), p.ID); got != c.p {
					t.Errorf("fukuoka §20: %s reads the person who left on 01-31 on %s: %v, want %v", name, c.day, got, c.p)
				}
				if got := n.visible(n.as(u), q.ID); got != c.q {
					t.Errorf("fukuoka §20 なお書き: %s reads the closed person on %s: %v, want %v", name, c.day, got, c.q)
				}
			}
		}
		if v := n.view(n.op(), q.ID); v.Person.ReadableUntil != "2026-02-28" {
			t.Errorf("the operator's view: %+v", v.Person)
		}
	})
}

// fukuoka §19の2-4 (各利用組織は…閲覧許可を依頼することができる): an organization asks by
// the insured number it holds. In fukuoka that may be the health insurance 記号・番号
// (the profile registers "health"), written as on the card, with its hyphen.
func TestFukuoka19_2RequestByHealthInsuredNumber(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		in := n.input("大濠")
		in.HealthInsuredNo = "12-345678"
		p, err := n.env.People.Register(bg(), n.as(n.hokatsu.user), in, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-01",
			FormVersion: "form7a"}); err != nil {
			t.Fatal(err)
		}
		req, err := n.env.People.RequestAccess(bg(), n.as(n.pharmacy.user), "12-345678", p.BirthDate, "処方の確認")
		if err != nil {
			t.Fatalf("fukuoka §19の2-4: a request by the health insured number as written on the card is refused: %v", err)
		}
		if req.PersonID != p.ID {
			t.Errorf("the request is about %s, want %s", req.PersonID, p.ID)
		}
	})
}
