package people_test

// 仙台市泉区 電子@連絡帳 (sendai-izumi): one consent on record is enough for every
// user (§12-1 ただし書), and a deletion request deletes the data (§12-2..3) while the
// audit trail of the request and of everything before it stays.

import (
	"context"
	"testing"

	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func sendai(t *testing.T, db *sqlstore.DB) (*fx, unit, unit) {
	f := newFx(t, db, "sendai-izumi", "")
	a := f.unit("泉中央クリニック", "shinryojo", "doctor")
	b := f.unit("泉訪問看護ステーション", "houmon_kango", "nurse")
	return f, a, b
}

// sendai §12-1: 他の利用者が既に当該対象者の同意書(別紙)を得ている場合は、同意書(別紙)の取得を省略
// することができる. The second organization put on the team sees the person on the
// consent already on record, without collecting a new one.
func TestSendai12_1NoSecondConsent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b := sendai(t, db)
		p := f.person(f.as(a.user), "泉")
		f.consent(f.as(a.user), p.ID)
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatal(err)
		}
		if !f.visible(f.as(b.user), p.ID) {
			t.Fatal("sendai §12-1: the second organization needs a new consent to see the person")
		}
		v := f.view(f.as(b.user), p.ID)
		if len(v.Consents) != 1 || v.Consents[0].EnteredOrg != a.org {
			t.Errorf("the second organization's page shows consents %+v, want the first organization's one", v.Consents)
		}
		teams := 0
		for _, r := range v.Access {
			if r.Kind == domain.AccessTeam && r.EndedAt.IsZero() {
				teams++
			}
		}
		if teams != 2 {
			t.Errorf("the person page lists %d team organizations, want 2: %+v", teams, v.Access)
		}
		// b can add a third organization on the same consent.
		c := f.unit("将監居宅介護支援事業所", "kyotaku", "care_manager")
		if err := f.env.People.AddToTeam(bg(), f.as(b.user), p.ID, c.org); err != nil {
			t.Fatal(err)
		}
		if !f.visible(f.as(c.user), p.ID) {
			t.Error("sendai §12-1: a third organization needs a new consent")
		}
	})
}

// sendai §12-1: 同意書(別紙)により対象者本人(未成年又は同意困難な場合はその家族)の同意を得る.
// The family consents for a minor or a person who cannot; the seed names no proxy
// writer (代筆), so that is refused on the field and nothing is shared.
func TestSendai12_1ConsentKinds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b := sendai(t, db)
		p := f.person(f.as(a.user), "南光台")
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatal(err)
		}
		f.refusedKind(f.as(a.user), p.ID, "proxy_writer", "sendai §12-1: a consent written by a proxy writer")
		if f.visible(f.as(b.user), p.ID) {
			t.Fatal("sendai §12-1: a refused consent opened the record to the team")
		}
		c, err := f.env.People.RecordConsent(bg(), f.as(a.user), p.ID, people.ConsentInput{Kind: "family",
			SignerName: "南光台 花子", Relationship: "母", ConsentedOn: "2026-11-20", FormVersion: "doisho"})
		if err != nil {
			t.Fatalf("sendai §12-1: the family's consent is refused: %v", err)
		}
		if c.SignerName != "南光台 花子" || c.Relationship != "母" {
			t.Errorf("the family's consent as stored: %+v", c)
		}
		if !f.visible(f.as(b.user), p.ID) {
			t.Error("sendai §12-1: the team does not see the person after the family's consent")
		}
	})
}

// sendai §12-2: 削除の申し出があった場合は、当該利用者はこれに応じなければならない; §12-3: 利用者が…
// 所定の操作を行い、当該データの削除を行う. A user of the team deletes: the names and
// every personal field are gone from the database, the status is purged, the
// scanned consent form is deleted, the consent no longer names the family member
// who signed it nor points at the form, nobody but the operator (who sees only
// that it was purged) finds the person or downloads the form, and the audit events
// of the person and of the request stay and still verify.
func TestSendai12_2DeletionPurges(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, b := sendai(t, db)
		p := f.person(f.as(a.user), "七北田")
		c, err := f.env.People.RecordConsent(bg(), f.as(a.user), p.ID, people.ConsentInput{Kind: "family",
			SignerName: "七北田 花子", Relationship: "長女", ConsentedOn: "2026-11-20", FormVersion: "doisho", Form: pdf})
		if err != nil {
			t.Fatal(err)
		}
		if c.AttachmentID == "" {
			t.Fatal("the scanned form was not stored")
		}
		if err := f.env.People.AddToTeam(bg(), f.as(a.user), p.ID, b.org); err != nil {
			t.Fatal(err)
		}
		f.view(f.as(b.user), p.ID) // a read before the purge, to be kept in the log

		if err := f.env.People.RequestDeletion(bg(), f.as(b.user), p.ID, "本人から削除の申出"); err != nil {
			t.Fatalf("sendai §12-3: the user cannot delete: %v", err)
		}
		s := f.stored(p.ID)
		if s.Status != domain.PersonPurged {
			t.Errorf("status %q, want purged", s.Status)
		}
		if s.FamilyName != "" || s.GivenName != "" || s.FamilyKana != "" || s.GivenKana != "" || s.BirthDate != "" ||
			s.Address != "" || s.Phone != "" || s.Sex != "" {
			t.Errorf("sendai §12-3: personal data left after the purge: %+v", s)
		}
		if err := db.Transact(context.Background(), func(tx store.Tx) error {
			_, err := tx.FindAttachment(context.Background(), f.net, c.AttachmentID)
			return err
		}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("sendai §12-3: the scanned consent form is still stored (%v)", err)
		}
		// The consent stays as the record that one was given, without the family
		// member's name and relationship (personal data of someone else) and
		// without the reference to the deleted scan.
		var cs []*domain.Consent
		if err := db.Transact(context.Background(), func(tx store.Tx) error {
			var err error
			cs, err = tx.FindConsents(context.Background(), f.net, p.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Fatalf("%d consents after the purge, want the one, emptied", len(cs))
		}
		if got := cs[0]; got.SignerName != "" || got.Relationship != "" || got.AttachmentID != "" {
			t.Errorf("sendai §12-3: the consent keeps signer %q, relationship %q, form %q after the purge",
				got.SignerName, got.Relationship, got.AttachmentID)
		}
		for name, a := range map[string]string{"operator": f.opID, "team org": b.user} {
			if _, err := f.env.People.ConsentForm(bg(), f.as(a), p.ID, c.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Errorf("sendai §12-3: the %s's download of the purged form: %v, want not found", name, err)
			}
		}
		// A search by the old name finds nobody, not even for the operator.
		list, total, err := f.env.People.List(bg(), f.op(), domain.PeopleFilter{Kana: "ヤマダ"})
		if err != nil || total != 0 {
			t.Errorf("the operator's kana search still finds the purged person: %d %v %v", total, list, err)
		}
		for name, u := range map[string]string{"registering org": a.user, "team org": b.user} {
			if f.visible(f.as(u), p.ID) {
				t.Errorf("the %s still sees the purged person", name)
			}
		}
		if v := f.view(f.op(), p.ID); !v.Hidden || v.Person.Status != domain.PersonPurged || v.Person.FamilyName != "" {
			t.Errorf("the operator's view of a purged person: %+v hidden %v", v.Person, v.Hidden)
		}
		// The audit trail stays: the registration, the consent, the read and the request.
		want := map[string]bool{"person.register": false, "consent.record": false, "person.view": false, "person.delete_request": false}
		for _, e := range f.events(domain.AuditFilter{PersonID: p.ID}) {
			if _, ok := want[e.Action]; ok {
				want[e.Action] = true
			}
			if e.Action == "person.delete_request" {
				if e.ActorUserID != b.user || detail(t, e)["mode"] != "purge" {
					t.Errorf("the deletion request's event: %+v", e)
				}
			}
		}
		for action, found := range want {
			if !found {
				t.Errorf("sendai §12-3: the audit event %s of the purged person is gone", action)
			}
		}
		f.env.SealAndVerify(t, f.net)
	})
}

// sendai §12-3 with a consent recorded twice on the same scanned form (the same
// file uploaded again, stored once since attachments are content-addressed): the
// purge still succeeds.
func TestSendai12_3PurgeWithTheSameScanTwice(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, _ := sendai(t, db)
		p := f.person(f.as(a.user), "寺岡")
		for range 2 {
			if _, err := f.env.People.RecordConsent(bg(), f.as(a.user), p.ID, people.ConsentInput{Kind: "self",
				ConsentedOn: "2026-11-20", FormVersion: "doisho", Form: pdf}); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.env.People.RequestDeletion(bg(), f.as(a.user), p.ID, "本人から削除の申出"); err != nil {
			t.Fatalf("sendai §12-3: the purge fails when two consents share one scanned form: %v", err)
		}
		if s := f.stored(p.ID); s.Status != domain.PersonPurged || s.FamilyName != "" {
			t.Errorf("not purged: %+v", s)
		}
	})
}

// sendai §12-3 deletes this person's data only: attachments are stored by content,
// so when another person's consent carries the very same file (a form uploaded
// twice by mistake, a placeholder scan), the purge must leave that person's form.
func TestSendai12_3PurgeKeepsAnotherPersonsForm(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, a, _ := sendai(t, db)
		p := f.person(f.as(a.user), "高森")
		q := f.person(f.as(a.user), "桂")
		var cq *domain.Consent
		for _, id := range []string{p.ID, q.ID} {
			c, err := f.env.People.RecordConsent(bg(), f.as(a.user), id, people.ConsentInput{Kind: "self",
				ConsentedOn: "2026-11-20", FormVersion: "doisho", Form: pdf})
			if err != nil {
				t.Fatal(err)
			}
			cq = c
		}
		if err := f.env.People.RequestDeletion(bg(), f.as(a.user), p.ID, "本人から削除の申出"); err != nil {
			t.Fatal(err)
		}
		if err := db.Transact(context.Background(), func(tx store.Tx) error {
			_, err := tx.FindAttachment(context.Background(), f.net, cq.AttachmentID)
			return err
		}); err != nil {
			t.Errorf("purging one person deleted the scanned form of another person's consent: %v", err)
		}
	})
}
