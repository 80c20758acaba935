package people_test

// 別府市介護情報共有サービス（シェアポート） (beppu): the consent form 様式第6号 by the
// person, a proxy writer or the family (§15); withdrawal (§16); the care-plan
// office (支援事業所等) and the organizations it lets in (§17); the 90-day read
// window (§18); access rights by occupation (§10-1).

import (
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

type beppuNet struct {
	*fx
	hokatsu, office, office2, service, other unit
}

func beppu(t *testing.T, db *sqlstore.DB, start string) *beppuNet {
	f := newFx(t, db, "beppu", start)
	return &beppuNet{fx: f,
		hokatsu: f.unit("別府市中部地域包括支援センター", "hokatsu", "shakai_fukushishi"),
		office:  f.unit("鉄輪居宅介護支援事業所", "kyotaku", "care_manager"),
		office2: f.unit("亀川居宅介護支援事業所", "kyotaku", "care_manager"),
		service: f.unit("浜脇訪問介護事業所", "kaigo_service", "helper"),
		other:   f.unit("石垣デイサービス", "kaigo_service", "service_manager"),
	}
}

// shared registers a person at the 地域包括支援センター and has the city (beppu
// §15-1: 市は…同意を…得る) record the consent naming the care-plan office.
func (n *beppuNet) shared(family string) *domain.Person {
	n.t.Helper()
	p := n.person(n.as(n.hokatsu.user), family)
	if _, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, people.ConsentInput{Kind: "self",
		ConsentedOn: n.today(), FormVersion: "form6", CarePlanOrg: n.office.org}); err != nil {
		n.t.Fatalf("consent: %v", err)
	}
	return p
}

func (f *fx) today() string { return f.env.Clock.Now().In(jst).Format("2006-01-02") }

// beppu §15-1: 同意書（様式第6号）により得る…代筆者による記入をもって…代えることができる;
// §15-2: 家族等による代理同意. Each way of consenting names who signed; the scanned
// form is a PDF (or image), and a text file is refused with a field error.
func TestBeppu15ConsentForms(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		h := n.as(n.hokatsu.user)
		// beppu §15-1: 市は…同意を同意書（様式第6号）により得る: the city enters it, not
		// the organization that registered the person.
		q := n.person(h, "別府")
		_, err := n.env.People.RecordConsent(bg(), h, q.ID, people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-24",
			FormVersion: "form6", CarePlanOrg: n.office.org})
		wantCode(t, err, domain.EFORBIDDEN, "beppu §15-1: a consent entered by the registering organization")
		if n.stored(q.ID).Consent != domain.ConsentNone || n.visible(n.as(n.office.user), q.ID) {
			t.Fatal("a refused consent was recorded")
		}
		city := n.op()
		cases := []struct {
			name  string
			in    people.ConsentInput
			field string // "" = accepted
		}{
			{"§15-1 本人", people.ConsentInput{Kind: "self", SignerName: "無視される", Relationship: "無視"}, ""},
			{"§15-1 代筆 without the writer's name", people.ConsentInput{Kind: "proxy_writer"}, "signer_name"},
			{"§15-1 代筆", people.ConsentInput{Kind: "proxy_writer", SignerName: "別府 代筆者", Relationship: "ケアマネジャー"}, ""},
			{"§15-2 代理同意 without the relationship", people.ConsentInput{Kind: "family", SignerName: "別府 長男"}, "relationship"},
			{"§15-2 代理同意", people.ConsentInput{Kind: "family", SignerName: "別府 長男", Relationship: "長男"}, ""},
			{"unknown way of consenting", people.ConsentInput{Kind: "verbal"}, "kind"},
			{"§15 scanned PDF", people.ConsentInput{Kind: "self", Form: pdf}, ""},
			{"§15 scanned form as a text file", people.ConsentInput{Kind: "self", Form: []byte("同意します。署名：別府 太郎\n")}, "form"},
			{"form of another network", people.ConsentInput{Kind: "self", FormVersion: "form7"}, "form_version"},
			{"consent dated tomorrow", people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-25"}, "consented_on"},
			{"consent dated 2026-02-30", people.ConsentInput{Kind: "self", ConsentedOn: "2026-02-30"}, "consented_on"},
			{"disaster scope (joso only)", people.ConsentInput{Kind: "self", Scopes: []string{"sharing", "disaster"}}, "scopes"},
		}
		for _, c := range cases {
			p := n.person(h, "別府")
			in := c.in
			if in.FormVersion == "" {
				in.FormVersion = "form6"
			}
			if in.ConsentedOn == "" {
				in.ConsentedOn = "2026-11-24"
			}
			in.CarePlanOrg = n.office.org
			got, err := n.env.People.RecordConsent(bg(), city, p.ID, in)
			if c.field != "" {
				wantField(t, err, c.field, c.name)
				if s := n.stored(p.ID); s.Consent != domain.ConsentNone {
					t.Errorf("%s: refused, yet the consent state became %q", c.name, s.Consent)
				}
				if len(n.accessRows(p.ID)) != 0 {
					t.Errorf("%s: refused, yet access rows were created", c.name)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: refused: %v", c.name, err)
				continue
			}
			switch in.Kind {
			case "self":
				if got.SignerName != "" || got.Relationship != "" {
					t.Errorf("%s: a self consent keeps a signer %q/%q", c.name, got.SignerName, got.Relationship)
				}
			default:
				if got.SignerName != in.SignerName || got.Relationship != in.Relationship {
					t.Errorf("%s: stored signer %q/%q", c.name, got.SignerName, got.Relationship)
				}
			}
			if got.EnteredBy != n.opID || got.FormVersion != "form6" {
				t.Errorf("%s: stored %+v", c.name, got)
			}
			if len(in.Form) > 0 {
				if got.AttachmentID == "" {
					t.Errorf("%s: the scanned form was not attached", c.name)
				}
				v := n.view(h, p.ID)
				if len(v.Consents) != 1 || v.Consents[0].AttachmentID != got.AttachmentID {
					t.Errorf("%s: the person page does not show the scanned form", c.name)
				}
			}
		}
	})
}

// beppu §15-1: 市は…同意を同意書（様式第6号）により得る. The scanned signed form the city
// entered is given back, byte for byte and in its stored type, to whoever may see
// the person: the care-plan office (§17-1), the registering organization and the
// city. An organization that does not share the person gets "not found", and its
// attempt is in the audit log; each download is audited as a read of the person.
// §16-2: after the withdrawal the care-plan office no longer gets it; the city and
// the registering organization still do.
func TestBeppu15ConsentFormDownload(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.person(n.as(n.hokatsu.user), "北浜")
		scan := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 100)...)
		c, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, people.ConsentInput{Kind: "family", SignerName: "北浜 一郎",
			Relationship: "長男", ConsentedOn: "2026-11-24", FormVersion: "form6", CarePlanOrg: n.office.org, Form: scan})
		if err != nil {
			t.Fatal(err)
		}
		// A consent without a scan, and another person's consent.
		bare, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, people.ConsentInput{Kind: "self",
			ConsentedOn: "2026-11-24", FormVersion: "form6", CarePlanOrg: n.office.org})
		if err != nil {
			t.Fatal(err)
		}
		q := n.shared("別の人")
		qc, err := n.env.People.RecordConsent(bg(), n.op(), q.ID, people.ConsentInput{Kind: "self",
			ConsentedOn: "2026-11-24", FormVersion: "form6", CarePlanOrg: n.office.org, Form: pdf})
		if err != nil {
			t.Fatal(err)
		}

		gets := func(who string, a policy.Actor) {
			t.Helper()
			att, err := n.env.People.ConsentForm(bg(), a, p.ID, c.ID)
			if err != nil {
				t.Errorf("the %s cannot download the consent form: %v", who, err)
				return
			}
			if string(att.Data) != string(scan) || att.ContentType != "image/png" {
				t.Errorf("the %s got %d bytes of %s, want the %d bytes of the scanned PNG", who, len(att.Data), att.ContentType, len(scan))
			}
			if e := n.lastEvent("consent.form.view", a.UserID); e == nil || e.Outcome != "ok" || e.PersonID != p.ID || e.TargetID != c.ID {
				t.Errorf("the %s's download is not audited: %+v", who, e)
			}
		}
		gets("care-plan office (§17-1)", n.as(n.office.user))
		gets("registering organization", n.as(n.hokatsu.user))
		gets("city (operator)", n.op())
		if name := people.FormFileName(&domain.Attachment{ID: c.AttachmentID, ContentType: "image/png"}); name != "doisho-"+c.AttachmentID[:16]+".png" {
			t.Errorf("download name %q names something other than the file", name)
		}

		// An organization that does not share the person: not found, and audited.
		att, err := n.env.People.ConsentForm(bg(), n.as(n.other.user), p.ID, c.ID)
		wantCode(t, err, domain.ENOTFOUND, "beppu §17: the form for an organization without access")
		if att != nil {
			t.Fatal("an organization without access got the consent form")
		}
		if e := n.lastEvent(string(policy.ViewPerson), n.other.user); e == nil || e.Outcome != "denied" || e.PersonID != p.ID {
			t.Errorf("the refused download is not in the audit log: %+v", e)
		}
		// Only a consent of this person, and only one with a scan.
		for what, id := range map[string]string{"a consent without a scan": bare.ID, "another person's consent": qc.ID, "an unknown consent": "no-such-consent"} {
			_, err := n.env.People.ConsentForm(bg(), n.op(), p.ID, id)
			wantCode(t, err, domain.ENOTFOUND, what)
		}

		// beppu §16-2: 速やかに…提供及び共有を停止: the very next download is refused.
		if err := n.env.People.WithdrawConsent(bg(), n.op(), p.ID, "同意撤回書（様式第7号）受理"); err != nil {
			t.Fatal(err)
		}
		_, err = n.env.People.ConsentForm(bg(), n.as(n.office.user), p.ID, c.ID)
		wantCode(t, err, domain.ENOTFOUND, "beppu §16-2: the care-plan office's download after the withdrawal")
		gets("city after the withdrawal", n.op())
		gets("registering organization after the withdrawal", n.as(n.hokatsu.user))
	})
}

// beppu §17-1: 同意があったときは、当該同意に係る対象者の介護計画の策定を担当する介護事業者（支援事業所
// 等）に対し…閲覧及び登録を可能とする. Recording the consent gives the care-plan office
// access; before it the office sees nothing; other offices see nothing either.
func TestBeppu17_1CarePlanOfficeGetsAccessOnConsent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.person(n.as(n.hokatsu.user), "鉄輪")
		if n.visible(n.as(n.office.user), p.ID) {
			t.Fatal("beppu §17-1: the office sees the person before consent")
		}
		if _, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, people.ConsentInput{Kind: "self",
			ConsentedOn: "2026-11-24", FormVersion: "form6", CarePlanOrg: n.office.org}); err != nil {
			t.Fatal(err)
		}
		if !n.visible(n.as(n.office.user), p.ID) {
			t.Fatal("beppu §17-1: the care-plan office does not see the person after consent")
		}
		if v := n.view(n.as(n.office.user), p.ID); v.Via != domain.AccessCarePlan {
			t.Errorf("office's view via %q, want careplan", v.Via)
		}
		for name, u := range map[string]string{"another office": n.office2.user, "a service provider": n.service.user} {
			if n.visible(n.as(u), p.ID) {
				t.Errorf("beppu §17-1: %s sees the person without a grant", name)
			}
		}
		// A care-plan office must be an organization in use.
		q := n.person(n.as(n.hokatsu.user), "鉄輪")
		_, err := n.env.People.RecordConsent(bg(), n.op(), q.ID, people.ConsentInput{Kind: "self",
			ConsentedOn: "2026-11-24", FormVersion: "form6", CarePlanOrg: "no-such-office"})
		wantField(t, err, "care_plan_org", "an unknown care-plan office")
	})
}

// beppu §17-3: 利用組織は…支援事業所等に対し…閲覧及び登録を申し出ることができる; §17-4: 支援事業所等は
// …閲覧及び登録を可能とすることができる. A service provider asks by the care insured
// number and birth date it holds; it sees nothing until the office grants; the
// office grants and it sees; a refused request gives nothing; the requester
// cannot decide its own request.
func TestBeppu17_3RequestAndGrant(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.shared("浜脇")
		s := n.as(n.service.user)
		// A wrong birth date matches nobody (and says nothing about who exists).
		_, err := n.env.People.RequestAccess(bg(), s, p.CareInsuredNo, "1930-01-01", "訪問介護の開始")
		wantField(t, err, "insured_no", "a request with the wrong birth date")
		_, err = n.env.People.RequestAccess(bg(), s, p.CareInsuredNo, p.BirthDate, "")
		wantField(t, err, "reason", "a request without a reason")
		unconsented := n.person(n.as(n.hokatsu.user), "未同意")
		_, err = n.env.People.RequestAccess(bg(), s, unconsented.CareInsuredNo, unconsented.BirthDate, "訪問介護の開始")
		wantField(t, err, "insured_no", "a request for an unconsented person")
		// The operator is not an organization and does not request.
		_, err = n.env.People.RequestAccess(bg(), n.op(), p.CareInsuredNo, p.BirthDate, "確認")
		wantCode(t, err, domain.EFORBIDDEN, "a request by the operator")

		req, err := n.env.People.RequestAccess(bg(), s, p.CareInsuredNo, p.BirthDate, "訪問介護の開始")
		if err != nil {
			t.Fatalf("beppu §17-3: the request is refused: %v", err)
		}
		if req.Status != "pending" || req.PersonID != p.ID || req.OrgID != n.service.org {
			t.Errorf("request as stored: %+v", req)
		}
		if n.visible(s, p.ID) {
			t.Fatal("beppu §17-3: the requester sees the person before the office answers")
		}
		// The requester cannot answer its own request.
		wantCode(t, n.env.People.DecideAccessRequest(bg(), s, req.ID, true), domain.ENOTFOUND, "the requester deciding")
		// The office sees the request on the person page.
		if v := n.view(n.as(n.office.user), p.ID); len(v.Requests) != 1 || v.Requests[0].ID != req.ID {
			t.Errorf("the office's page lists requests %+v", v.Requests)
		}
		// beppu §17-4: the office grants.
		if err := n.env.People.DecideAccessRequest(bg(), n.as(n.office.user), req.ID, true); err != nil {
			t.Fatalf("beppu §17-4: the office cannot grant: %v", err)
		}
		if !n.visible(s, p.ID) {
			t.Fatal("beppu §17-4: the granted organization does not see the person")
		}
		if v := n.view(s, p.ID); v.Via != domain.AccessGranted {
			t.Errorf("granted org's view via %q", v.Via)
		}
		wantCode(t, n.env.People.DecideAccessRequest(bg(), n.as(n.office.user), req.ID, false), domain.ECONFLICT, "deciding twice")

		// Another provider is refused: it sees nothing.
		req2, err := n.env.People.RequestAccess(bg(), n.as(n.other.user), p.CareInsuredNo, p.BirthDate, "通所介護の検討")
		if err != nil {
			t.Fatal(err)
		}
		if err := n.env.People.DecideAccessRequest(bg(), n.as(n.office.user), req2.ID, false); err != nil {
			t.Fatal(err)
		}
		if n.visible(n.as(n.other.user), p.ID) {
			t.Error("a refused requester sees the person")
		}
		// A granted organization does not grant others in beppu (§17-4: the office does).
		err = n.env.People.GrantAccess(bg(), s, p.ID, n.other.org)
		wantCode(t, err, domain.EFORBIDDEN, "beppu §17-4: a granted organization granting another")
		if n.visible(n.as(n.other.user), p.ID) {
			t.Error("a granted organization let another in")
		}
		// The office may also grant without a request.
		if err := n.env.People.GrantAccess(bg(), n.as(n.office.user), p.ID, n.other.org); err != nil {
			t.Fatalf("the office granting directly: %v", err)
		}
		if !n.visible(n.as(n.other.user), p.ID) {
			t.Error("a directly granted organization does not see the person")
		}
	})
}

// beppu §17-5: 利用組織における介護サービス提供対象者でなくなったときは、速やかに当該閲覧及び登録を不可に
// しなければならない. The office revokes; the very next Get is refused (not found) and
// the list no longer holds the person. The revoked organization cannot revoke.
func TestBeppu17_5Revoke(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.shared("亀川")
		if err := n.env.People.GrantAccess(bg(), n.as(n.office.user), p.ID, n.service.org); err != nil {
			t.Fatal(err)
		}
		if err := n.env.People.GrantAccess(bg(), n.as(n.office.user), p.ID, n.other.org); err != nil {
			t.Fatal(err)
		}
		s := n.as(n.service.user)
		if !n.visible(s, p.ID) {
			t.Fatal("granted org does not see the person")
		}
		// A granted organization cannot revoke another's grant.
		otherRow := n.activeAccess(p.ID, n.other.org, domain.AccessGranted)
		err := n.env.People.EndAccess(bg(), s, p.ID, otherRow.ID, "誤り")
		wantCode(t, err, domain.EFORBIDDEN, "a granted organization revoking another")
		row := n.activeAccess(p.ID, n.service.org, domain.AccessGranted)
		wantField(t, n.env.People.EndAccess(bg(), n.as(n.office.user), p.ID, row.ID, ""), "reason", "a revocation without reason")
		wantCode(t, n.env.People.EndAccess(bg(), n.as(n.office.user), "someone-else", row.ID, "サービス終了"), domain.ENOTFOUND,
			"a revocation naming another person")

		if err := n.env.People.EndAccess(bg(), n.as(n.office.user), p.ID, row.ID, "サービス提供終了"); err != nil {
			t.Fatalf("beppu §17-5: the office cannot revoke: %v", err)
		}
		// The very next request.
		_, err = n.env.People.Get(bg(), n.as(n.service.user), p.ID)
		wantCode(t, err, domain.ENOTFOUND, "beppu §17-5: Get right after the revocation")
		if n.listed(n.as(n.service.user), p.ID) {
			t.Error("beppu §17-5: the list still holds the person after the revocation")
		}
		if !n.visible(n.as(n.other.user), p.ID) {
			t.Error("revoking one grant revoked another")
		}
		wantCode(t, n.env.People.EndAccess(bg(), n.as(n.office.user), p.ID, row.ID, "再度"), domain.ECONFLICT, "revoking twice")
		if e := n.lastEvent("access.end", n.office.user); e == nil || e.PersonID != p.ID || detail(t, e)["organization"] != n.service.org {
			t.Errorf("the revocation is not audited: %+v", e)
		}
	})
}

// beppu §17-2: 支援事業所等が当該対象者の介護計画の策定を担当しなくなったときは、速やかに当該閲覧及び登録
// を不可にしなければならない. The operator reassigns the care-plan office: the old one
// loses access at once, the new one gains it.
func TestBeppu17_2ReassignCarePlanOffice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.shared("南立石")
		// Only an operator holding people.manage reassigns; 運営管理責任者 does not.
		kanri := n.network(domain.RoleOperator, "unei_kanri_sekininsha", "")
		err := n.env.People.AssignCarePlan(bg(), n.as(kanri), p.ID, n.office2.org)
		wantCode(t, err, domain.EFORBIDDEN, "reassignment by 運営管理責任者")
		err = n.env.People.AssignCarePlan(bg(), n.as(n.service.user), p.ID, n.office2.org)
		wantCode(t, err, domain.ENOTFOUND, "reassignment by an organization that does not see the person")

		if err := n.env.People.AssignCarePlan(bg(), n.op(), p.ID, n.office2.org); err != nil {
			t.Fatalf("beppu §17-2: the operator cannot reassign: %v", err)
		}
		if n.visible(n.as(n.office.user), p.ID) {
			t.Error("beppu §17-2: the old care-plan office still sees the person")
		}
		if !n.visible(n.as(n.office2.user), p.ID) {
			t.Error("the new care-plan office does not see the person")
		}
		// The new office is the one that grants now.
		if err := n.env.People.GrantAccess(bg(), n.as(n.office2.user), p.ID, n.service.org); err != nil {
			t.Errorf("the new office cannot grant: %v", err)
		}
	})
}

// beppu §17-2 when the office itself registered the person (the usual case: the
// care manager enters the person and the consent): after the operator moves the
// care plan to another office, the old office must lose access all the same.
func TestBeppu17_2ReassignOfficeThatRegistered(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		k := n.as(n.office.user)
		p := n.person(k, "北石垣")
		if _, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, people.ConsentInput{Kind: "self",
			ConsentedOn: "2026-11-24", FormVersion: "form6", CarePlanOrg: n.office.org}); err != nil {
			t.Fatal(err)
		}
		if v := n.view(k, p.ID); v.Via != policy.ViaRegistrar && v.Via != domain.AccessCarePlan {
			t.Fatalf("office's view via %q", v.Via)
		}
		n.activeAccess(p.ID, n.office.org, domain.AccessCarePlan)
		if err := n.env.People.AssignCarePlan(bg(), n.op(), p.ID, n.office2.org); err != nil {
			t.Fatal(err)
		}
		if n.visible(n.as(n.office.user), p.ID) {
			t.Error("beppu §17-2: the old care-plan office keeps access after reassignment because it registered the person")
		}
	})
}

// beppu §17-1..2 (the 事業責任者 enables the office that writes the care plan and
// ends it only when it no longer does): a provider the office granted cannot enter
// a consent (§15-1: the city does); and when the city enters a further consent
// form (here the family's) without naming an office, the office stays the office;
// nobody else becomes one.
func TestBeppu17AnotherConsentKeepsTheOffice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.shared("朝見")
		if err := n.env.People.GrantAccess(bg(), n.as(n.office.user), p.ID, n.service.org); err != nil {
			t.Fatal(err)
		}
		// The granted provider enters a (new) consent form: refused (§15-1: the city does).
		_, err := n.env.People.RecordConsent(bg(), n.as(n.service.user), p.ID, people.ConsentInput{Kind: "self",
			ConsentedOn: "2026-11-24", FormVersion: "form6"})
		wantCode(t, err, domain.EFORBIDDEN, "a granted provider entering a consent")
		// The city re-entering a consent without naming an office keeps the office.
		if _, err := n.env.People.RecordConsent(bg(), n.op(), p.ID, people.ConsentInput{Kind: "family", SignerName: "朝見 長男",
			Relationship: "長男", ConsentedOn: "2026-11-24", FormVersion: "form6"}); err != nil {
			t.Fatal(err)
		}
		if !n.visible(n.as(n.office.user), p.ID) {
			t.Error("beppu §17-2: a further consent without an office named took the care-plan office's access away")
		}
		for _, r := range n.accessRows(p.ID) {
			if r.OrgID == n.hokatsu.org && r.Kind == domain.AccessCarePlan && r.EndedAt.IsZero() {
				t.Error("beppu §17-1: the registering 地域包括支援センター became the care-plan office by a further consent")
			}
			if r.OrgID == n.service.org && r.Kind == domain.AccessCarePlan && r.EndedAt.IsZero() {
				t.Error("a granted provider became the care-plan office")
			}
		}
	})
}

// beppu §16-2: 同意撤回書が提出されたときは、速やかに…提供及び共有を停止しなければならない. The
// withdrawal stops all sharing at once: the office and the granted organization
// lose access on the next request; the registering organization keeps what it
// entered; the operator still sees the person.
func TestBeppu16Withdrawal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		p := n.shared("観海寺")
		if err := n.env.People.GrantAccess(bg(), n.as(n.office.user), p.ID, n.service.org); err != nil {
			t.Fatal(err)
		}
		// Withdrawal is beppu's answer to a person's request; deletion is not.
		wantCode(t, n.env.People.RequestDeletion(bg(), n.op(), p.ID, ""), domain.EFORBIDDEN, "a deletion request in beppu")
		// Someone who does not share the person cannot withdraw for it.
		wantCode(t, n.env.People.WithdrawConsent(bg(), n.as(n.other.user), p.ID, ""), domain.ENOTFOUND, "withdrawal by an outsider")

		// A request pending when the consent is withdrawn.
		pending, err := n.env.People.RequestAccess(bg(), n.as(n.other.user), p.CareInsuredNo, p.BirthDate, "通所介護")
		if err != nil {
			t.Fatal(err)
		}
		if err := n.env.People.WithdrawConsent(bg(), n.op(), p.ID, "同意撤回書（様式第7号）受理"); err != nil {
			t.Fatalf("beppu §16: withdrawal: %v", err)
		}
		for name, u := range map[string]string{"care-plan office": n.office.user, "granted provider": n.service.user} {
			if n.visible(n.as(u), p.ID) {
				t.Errorf("beppu §16-2: the %s still sees the person after the withdrawal", name)
			}
		}
		if !n.visible(n.as(n.hokatsu.user), p.ID) {
			t.Error("the registering organization lost the person it entered")
		}
		if v := n.view(n.op(), p.ID); v.Person.Consent != domain.ConsentWithdrawn || len(v.Consents) != 1 || v.Consents[0].WithdrawnAt.IsZero() {
			t.Errorf("after withdrawal: consent %q, consents %+v", v.Person.Consent, v.Consents)
		}
		// Nothing more can be granted or requested.
		wantCode(t, n.env.People.GrantAccess(bg(), n.as(n.office.user), p.ID, n.other.org), domain.ENOTFOUND, "a grant after withdrawal")
		wantCode(t, n.env.People.DecideAccessRequest(bg(), n.as(n.office.user), pending.ID, true), domain.ENOTFOUND,
			"the former office granting a request after the withdrawal")
		for _, r := range n.accessRows(p.ID) {
			if r.OrgID == n.other.org {
				t.Errorf("beppu §16-2: an access row was created after the withdrawal: %+v", r)
			}
		}
		_, err = n.env.People.RequestAccess(bg(), n.as(n.other.user), p.CareInsuredNo, p.BirthDate, "訪問介護")
		wantField(t, err, "insured_no", "a request after withdrawal")
		wantCode(t, n.env.People.WithdrawConsent(bg(), n.op(), p.ID, ""), domain.EFORBIDDEN, "withdrawing twice")
	})
}

// beppu §18: 被保険者資格を喪失した場合…当該喪失の日から起算して90日が経過する日まで閲覧できる. Lost
// on 2026-01-01 (day 1) → readable through 2026-03-31 (day 90), to the last second
// of that day in Japan, and not from 2026-04-01 00:00 JST; the operator still sees.
func TestBeppu18ReadWindow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "2026-01-05")
		p := n.shared("堀田")
		k := n.as(n.office.user)
		wantField(t, n.env.People.SetEligibility(bg(), k, p.ID, false, "", "2026-01-01"), "lost_reason", "loss without reason")
		wantField(t, n.env.People.SetEligibility(bg(), k, p.ID, false, "death", "2026-01-06"), "lost_on", "loss dated tomorrow")
		wantField(t, n.env.People.SetEligibility(bg(), k, p.ID, false, "death", "2025-02-29"), "lost_on", "loss on 2025-02-29")
		wantCode(t, n.env.People.SetEligibility(bg(), n.as(n.service.user), p.ID, false, "death", "2026-01-01"),
			domain.ENOTFOUND, "loss entered by an organization that does not see the person")
		if s := n.stored(p.ID); !s.Eligible {
			t.Fatal("refused changes made the person ineligible")
		}
		if err := n.env.People.SetEligibility(bg(), k, p.ID, false, "death", "2026-01-01"); err != nil {
			t.Fatal(err)
		}
		if s := n.stored(p.ID); s.Eligible || s.LostOn != "2026-01-01" || s.ReadableUntil != "2026-03-31" {
			t.Fatalf("beppu §18: stored eligible %v lost %s readable until %s, want 2026-03-31", s.Eligible, s.LostOn, s.ReadableUntil)
		}
		at := func(ts time.Time) {
			n.env.Clock.Set(ts)
		}
		for _, c := range []struct {
			at   time.Time
			want bool
		}{
			{time.Date(2026, 3, 30, 10, 0, 0, 0, jst), true},
			{time.Date(2026, 3, 31, 10, 0, 0, 0, jst), true},   // day 90
			{time.Date(2026, 3, 31, 23, 59, 59, 0, jst), true}, // the last second of day 90 in Japan (14:59:59 UTC)
			{time.Date(2026, 4, 1, 0, 0, 0, 0, jst), false},    // 2026-03-31 15:00 UTC: day 91 in Japan
			{time.Date(2026, 4, 1, 10, 0, 0, 0, jst), false},
		} {
			at(c.at)
			for name, u := range map[string]string{"care-plan office": n.office.user, "registering org": n.hokatsu.user} {
				if got := n.visible(n.as(u), p.ID); got != c.want {
					t.Errorf("beppu §18: %s reads at %s: %v, want %v", name, c.at.Format(time.RFC3339), got, c.want)
				}
			}
			if v := n.view(n.op(), p.ID); v.Via != policy.ViaOperator {
				t.Errorf("operator at %s: via %q", c.at, v.Via)
			}
		}
		// Regaining eligibility opens the record again.
		if err := n.env.People.SetEligibility(bg(), n.op(), p.ID, true, "", ""); err != nil {
			t.Fatal(err)
		}
		if !n.visible(n.as(n.office.user), p.ID) {
			t.Error("the office does not see a person whose eligibility was restored")
		}
		// beppu has no early closing (that is fukuoka §20).
		wantCode(t, n.env.People.CloseReadWindow(bg(), n.op(), p.ID, "2026-04-02"), domain.EFORBIDDEN, "closing the window early in beppu")
	})
}

// beppu §10-1: 事業責任者は…業種及び職種ごとのアクセス権限を定める (§7-3 (4): 運営事務局 sets them).
// The operator edits the occupation x category matrix; LoadMatrix reflects it;
// writing implies reading; a staff user and 運営管理責任者 are refused; unknown
// occupations or categories are refused and change nothing.
func TestBeppu10_1OccupationMatrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := beppu(t, db, "")
		m, err := n.env.People.LoadMatrix(bg(), n.op())
		if err != nil {
			t.Fatal(err)
		}
		if !m.Allows("helper", "care", true) {
			t.Fatal("an unset cell should allow (the default)")
		}
		cells := []domain.MatrixEntry{
			{Occupation: "helper", Category: "care", Read: true, Write: false},
			{Occupation: "clerk", Category: "watch", Read: false, Write: false},
			{Occupation: "nurse", Category: "daily", Read: false, Write: true},
		}
		wantCode(t, n.env.People.SetMatrix(bg(), n.as(n.office.user), cells), domain.EFORBIDDEN, "a staff user editing the matrix")
		wantCode(t, n.env.People.SetMatrix(bg(), n.as(n.office.admin), cells), domain.EFORBIDDEN, "an organization admin editing the matrix")
		kanri := n.network(domain.RoleOperator, "unei_kanri_sekininsha", "")
		wantCode(t, n.env.People.SetMatrix(bg(), n.as(kanri), cells), domain.EFORBIDDEN, "運営管理責任者 editing the matrix")
		wantCode(t, n.env.People.SetMatrix(bg(), n.op(), []domain.MatrixEntry{{Occupation: "helper", Category: "care"},
			{Occupation: "doctor", Category: "care"}}), domain.EINVALID, "an occupation beppu does not have")
		wantCode(t, n.env.People.SetMatrix(bg(), n.op(), []domain.MatrixEntry{{Occupation: "helper", Category: "medical"}}),
			domain.EINVALID, "a category beppu does not have")
		if n.count("matrix") != 0 {
			t.Fatal("refused edits changed the matrix")
		}

		if err := n.env.People.SetMatrix(bg(), n.op(), cells); err != nil {
			t.Fatalf("beppu §10-1: the 事業責任者 cannot edit the matrix: %v", err)
		}
		// Staff do not read the grid itself; their organization's admin does.
		_, err = n.env.People.LoadMatrix(bg(), n.as(n.office.user))
		wantCode(t, err, domain.EFORBIDDEN, "a staff member reading the matrix")
		m, err = n.env.People.LoadMatrix(bg(), n.as(n.office.admin))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			occ, cat     string
			write, allow bool
		}{
			{"helper", "care", false, true}, {"helper", "care", true, false},
			{"clerk", "watch", false, false}, {"clerk", "watch", true, false},
			{"nurse", "daily", false, true}, {"nurse", "daily", true, true}, // writing implies reading
			{"helper", "daily", true, true}, // untouched cell
		} {
			if got := m.Allows(c.occ, c.cat, c.write); got != c.allow {
				t.Errorf("beppu §10-1: %s/%s write=%v: %v, want %v", c.occ, c.cat, c.write, got, c.allow)
			}
		}
		// 運営事務局 (§7-3 (4)) edits too.
		jimu := n.network(domain.RoleOperator, "unei_jimukyoku", "")
		if err := n.env.People.SetMatrix(bg(), n.as(jimu), []domain.MatrixEntry{{Occupation: "clerk", Category: "watch", Read: true}}); err != nil {
			t.Errorf("beppu §7-3 (4): 運営事務局 cannot set access rights: %v", err)
		}
		if m, _ = n.env.People.LoadMatrix(bg(), n.op()); !m.Allows("clerk", "watch", false) {
			t.Error("a changed cell is not reflected")
		}
		if e := n.lastEvent("matrix.edit", n.opID); e == nil || e.Outcome != "ok" {
			t.Errorf("the matrix edit is not audited: %+v", e)
		}
		// A network without a matrix (katori) refuses edits.
		k := newFx(t, db, "katori", "")
		wantCode(t, k.env.People.SetMatrix(bg(), k.op(), []domain.MatrixEntry{{Occupation: "nurse", Category: "note"}}),
			domain.EFORBIDDEN, "editing a matrix in katori")
	})
}
