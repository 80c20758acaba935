package people_test

// Who may sign the consent form is each network's rule (profile people.consent_kinds):
// a way of consenting the seed does not name is refused on the field "kind" with a
// Japanese message, and nothing is recorded.

import (
	"strings"
	"testing"

	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// refusedKind records a complete consent of the kind (signer, relationship and a
// scanned form) and checks that it is refused on "kind" and changes nothing: no
// consent, no stored file, no consent.record event, the person's state as it was.
func (f *fx) refusedKind(a policy.Actor, personID, kind, what string) {
	f.t.Helper()
	before := f.stored(personID)
	consents, files, events := f.count("consents"), f.count("attachments"), f.countEvents("consent.record", a.UserID)
	_, err := f.env.People.RecordConsent(bg(), a, personID, people.ConsentInput{Kind: kind, SignerName: "代理 花子",
		Relationship: "長女", ConsentedOn: "2026-11-20", FormVersion: f.form(), Form: pdf})
	wantField(f.t, err, "kind", what)
	if e := domain.AsError(err); e != nil {
		if !strings.Contains(e.Fields["kind"], "このネットワークでは") {
			f.t.Errorf("%s: the message on kind is %q, want one saying the network does not take it", what, e.Fields["kind"])
		}
		if len(e.Fields) != 1 {
			f.t.Errorf("%s: errors on other fields than kind: %v", what, e.Fields)
		}
	}
	after := f.stored(personID)
	if after.Consent != before.Consent || after.ConsentForm != before.ConsentForm {
		f.t.Errorf("%s: refused, yet the person's consent became %q (%q)", what, after.Consent, after.ConsentForm)
	}
	if f.count("consents") != consents || f.count("attachments") != files || f.countEvents("consent.record", a.UserID) != events {
		f.t.Errorf("%s: refused, yet a consent, a file or an event was recorded", what)
	}
}

// joso §17-1: 支援対象者本人の同意（支援対象者本人の同意が困難な場合は、その家族又は親族等の同意）.
// The family may consent for the person; the seed names no proxy writer (代筆).
func TestJoso17_1ConsentKinds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, clinic, kyotaku := joso(t, db)
		p := f.person(f.as(clinic.user), "水海道")
		if err := f.env.People.AddToTeam(bg(), f.as(clinic.user), p.ID, kyotaku.org); err != nil {
			t.Fatal(err)
		}
		f.refusedKind(f.as(clinic.user), p.ID, "proxy_writer", "joso §17-1: a consent written by a proxy writer")
		if f.visible(f.as(kyotaku.user), p.ID) {
			t.Fatal("joso §17-1: a refused proxy-written consent opened the record to the team")
		}
		c, err := f.env.People.RecordConsent(bg(), f.as(clinic.user), p.ID, people.ConsentInput{Kind: "family",
			SignerName: "水海道 一郎", Relationship: "長男", ConsentedOn: "2026-11-20", FormVersion: "sanka_doisho"})
		if err != nil || c.Kind != "family" {
			t.Fatalf("joso §17-1: the family's consent is refused: %v", err)
		}
		if !f.visible(f.as(kyotaku.user), p.ID) {
			t.Error("joso §17-1: the team does not see the person after the family's consent")
		}
	})
}
