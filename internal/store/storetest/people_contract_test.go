package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// Calendar dates around t0 (2025-04-01 in JST).
const (
	yesterday = "2025-03-31"
	today     = "2025-04-01"
	tomorrow  = "2025-04-02"
)

// Organizations of the people tests; the store needs no organization rows for them.
const (
	orgR = "org-reg"   // registers the people
	orgT = "org-team"  // on their care teams
	orgO = "org-other" // on one person's team
	orgX = "org-x"     // sees no one
)

// kanaOrder is basic katakana in 五十音 order, which is also code point order:
// names built from it sort the same under any collation.
var kanaOrder = []rune("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ")

func newPerson(net, id, familyKana, givenKana string) *domain.Person {
	return &domain.Person{
		NetworkID: net, ID: id, FamilyName: "山田", GivenName: "太郎", FamilyKana: familyKana, GivenKana: givenKana,
		BirthDate: "1940-05-06", Sex: "male", Address: "大分県別府市上野口町1-15", Phone: "0977-00-0000",
		RegisteredOrg: orgR, RegisteredBy: "u-reg", Eligible: true, Status: domain.PersonActive,
		Consent: domain.ConsentNone, CreatedAt: at(0), UpdatedAt: at(time.Minute),
	}
}

func createPeople(t *testing.T, db store.Store, ps ...*domain.Person) {
	t.Helper()
	run(t, db, func(tx store.Tx) error {
		for _, p := range ps {
			if err := tx.CreatePerson(ctx, p); err != nil {
				return fmt.Errorf("CreatePerson(%s): %w", p.ID, err)
			}
		}
		return nil
	})
}

func newAccess(net, id, person, org, kind string, created time.Duration) *domain.Access {
	return &domain.Access{
		NetworkID: net, ID: id, PersonID: person, OrgID: org, Kind: kind, GrantedBy: "u-reg", GrantedByOrg: orgR,
		CreatedAt: at(created),
	}
}

func createAccess(t *testing.T, db store.Store, as ...*domain.Access) {
	t.Helper()
	run(t, db, func(tx store.Tx) error {
		for _, a := range as {
			if err := tx.CreateAccess(ctx, a); err != nil {
				return fmt.Errorf("CreateAccess(%s): %w", a.ID, err)
			}
		}
		return nil
	})
}

func personIDs(ps []*domain.Person) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

// findPeople runs FindPeople and returns the ids of the page and the total.
func findPeople(t *testing.T, db store.Store, net string, scope domain.PersonScope, f domain.PeopleFilter) ([]string, int) {
	t.Helper()
	var list []*domain.Person
	var total int
	run(t, db, func(tx store.Tx) (err error) {
		list, total, err = tx.FindPeople(ctx, net, scope, f)
		return err
	})
	return personIDs(list), total
}

// checkPaging asserts that pages of size n concatenate to want, every page
// reporting the same total, and that a page past the end is empty.
func checkPaging(t *testing.T, db store.Store, name, net string, scope domain.PersonScope, f domain.PeopleFilter, n int, want []string) {
	t.Helper()
	var all []string
	for off := 0; ; off += n {
		f.Limit, f.Offset = n, off
		page, total := findPeople(t, db, net, scope, f)
		if total != len(want) {
			t.Errorf("%s: page at %d: total = %d, want %d", name, off, total, len(want))
		}
		if len(page) > n {
			t.Fatalf("%s: page at %d has %d rows, limit %d", name, off, len(page), n)
		}
		all = append(all, page...)
		if len(page) < n {
			if off < len(want) && len(page) == 0 && len(want) > 0 {
				t.Errorf("%s: empty page at %d before the end", name, off)
			}
			break
		}
	}
	diff(t, name+": pages concatenated", all, want)
}

func TestContractPeople(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		p1 := newPerson(netA, "p1", "ヤマダ", "タロウ")
		p1.CareInsuredNo, p1.HealthInsuredNo, p1.HouseholdID = "0000123456", "12345678", "h1"
		p1.Eligible, p1.LostReason, p1.LostOn, p1.ReadableUntil = false, "moved", "2025-03-15", "2025-06-13"
		p1.Consent, p1.ConsentForm, p1.ConsentScopes = domain.ConsentActive, "beppu-2025-04", []string{"sharing", "disaster"}
		p2 := newPerson(netA, "p2", "スズキ", "ハナコ")
		p2.FamilyName, p2.GivenName, p2.Sex, p2.BirthDate = "鈴木", "花子", "female", ""
		b1 := newPerson(netB, "p1", "サトウ", "ジロウ") // same id, other network
		createPeople(t, db, p1, p2, b1)

		for _, tc := range []struct {
			net, id string
			want    *domain.Person
		}{{netA, "p1", p1}, {netA, "p2", p2}, {netB, "p1", b1}} {
			got := get(t, db, func(tx store.Tx) (*domain.Person, error) { return tx.FindPerson(ctx, tc.net, tc.id) })
			diff(t, "FindPerson("+tc.net+", "+tc.id+")", got, inUTC(tc.want))
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindPerson(ctx, netB, "p2")
			return err
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindPerson(ctx, netA, "none")
			return err
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreatePerson(ctx, newPerson(netA, "p1", "ア", "イ")) })

		// Every field but the key and CreatedAt is written.
		upd := *p2
		upd.FamilyName, upd.GivenName, upd.FamilyKana, upd.GivenKana = "鈴木", "華子", "スズキ", "ハナコ"
		upd.BirthDate, upd.Sex, upd.Address, upd.Phone = "1938-12-01", "other", "別府市北浜", "0977-22-2222"
		upd.CareInsuredNo, upd.HealthInsuredNo, upd.HouseholdID = "0000999999", "87654321", "h2"
		upd.RegisteredOrg, upd.RegisteredBy = orgT, "u-team"
		upd.Eligible, upd.LostReason, upd.LostOn, upd.ReadableUntil = false, "death", "2025-04-10", "2025-07-09"
		upd.Status, upd.Consent, upd.ConsentForm, upd.ConsentScopes = domain.PersonStopped, domain.ConsentWithdrawn, "v3", []string{"sharing"}
		upd.UpdatedAt = at(time.Hour)
		sent := upd
		sent.CreatedAt = at(99 * time.Hour)
		run(t, db, func(tx store.Tx) error { return tx.UpdatePerson(ctx, &sent) })
		got := get(t, db, func(tx store.Tx) (*domain.Person, error) { return tx.FindPerson(ctx, netA, "p2") })
		diff(t, "after UpdatePerson", got, inUTC(&upd))

		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *p2
			wrong.NetworkID = netB
			return tx.UpdatePerson(ctx, &wrong)
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *p2
			wrong.ID = "none"
			return tx.UpdatePerson(ctx, &wrong)
		})
		got = get(t, db, func(tx store.Tx) (*domain.Person, error) { return tx.FindPerson(ctx, netB, "p1") })
		diff(t, "other network after updates", got, inUTC(b1))
	})
}

func TestContractFindDuplicatePeople(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		d1 := newPerson(netA, "d1", "ヤマダ", "タロウ")
		d2 := newPerson(netA, "d2", "ヤマダ ", "タ　ロウ") // spaces, and hidden: still a duplicate
		d2.Status, d2.RegisteredOrg = domain.PersonStopped, orgX
		d3 := newPerson(netA, "d3", "ヤマダ", "タロウ")
		d3.BirthDate = "1940-05-07"
		d4 := newPerson(netA, "d4", "ヤマダ", "ハナコ")
		d5 := newPerson(netA, "d5", "", "")
		b1 := newPerson(netB, "b1", "ヤマダ", "タロウ")
		createPeople(t, db, d4, d3, d2, d1, d5, b1)

		for _, tc := range []struct {
			name                 string
			net, fam, giv, birth string
			want                 []*domain.Person
		}{
			{"same", netA, "ヤマダ", "タロウ", "1940-05-06", []*domain.Person{d1, d2}},
			{"spaces in the query", netA, "ヤマダ　", " タロウ", "1940-05-06", []*domain.Person{d1, d2}},
			{"the reading, split elsewhere", netA, "ヤマダタロウ", "", "1940-05-06", []*domain.Person{d1, d2}},
			{"other birth date", netA, "ヤマダ", "タロウ", "1940-05-07", []*domain.Person{d3}},
			{"other name", netA, "ヤマダ", "ハナ", "1940-05-06", nil},
			{"empty name matches no one", netA, " ", "", "1940-05-06", nil},
			{"other network", netB, "ヤマダ", "タロウ", "1940-05-06", []*domain.Person{b1}},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.Person, error) {
				return tx.FindDuplicatePeople(ctx, tc.net, tc.fam, tc.giv, tc.birth)
			})
			diff(t, "FindDuplicatePeople: "+tc.name, got, inUTCAll(tc.want...))
		}
	})
}

func TestContractFindPeopleByInsuredNo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		i1 := newPerson(netA, "i1", "イ", "イチ")
		i1.CareInsuredNo = "0000000001"
		i2 := newPerson(netA, "i2", "ア", "ニ")
		i2.HealthInsuredNo = "0000000001"
		i2.Status = domain.PersonPurged
		i3 := newPerson(netA, "i3", "ウ", "サン")
		i3.CareInsuredNo, i3.HealthInsuredNo = "0000000003", "0000000004"
		i4 := newPerson(netA, "i4", "エ", "ヨン") // no numbers
		b1 := newPerson(netB, "b1", "ア", "ビー")
		b1.CareInsuredNo = "0000000001"
		createPeople(t, db, i1, i2, i3, i4, b1)

		for _, tc := range []struct {
			net, no string
			want    []*domain.Person
		}{
			{netA, "0000000001", []*domain.Person{i2, i1}}, // care or health, any status
			{netA, "0000000003", []*domain.Person{i3}},
			{netA, "0000000004", []*domain.Person{i3}},
			{netA, "", nil},
			{netA, "0000000009", nil},
			{netB, "0000000001", []*domain.Person{b1}},
			{netB, "0000000003", nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.Person, error) { return tx.FindPeopleByInsuredNo(ctx, tc.net, tc.no) })
			diff(t, fmt.Sprintf("FindPeopleByInsuredNo(%s, %q)", tc.net, tc.no), got, inUTCAll(tc.want...))
		}
	})
}

func TestContractHouseholds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		h1 := &domain.Household{NetworkID: netA, ID: "h1", Name: "山田家", CreatedAt: at(0)}
		h2 := &domain.Household{NetworkID: netA, ID: "h2", Name: "鈴木家", CreatedAt: at(time.Hour)}
		b1 := &domain.Household{NetworkID: netB, ID: "h1", Name: "佐藤家", CreatedAt: at(2 * time.Hour)}
		run(t, db, func(tx store.Tx) error {
			for _, h := range []*domain.Household{h1, h2, b1} {
				if err := tx.CreateHousehold(ctx, h); err != nil {
					return err
				}
			}
			return nil
		})
		m1 := newPerson(netA, "m1", "ヤマダ", "タロウ")
		m2 := newPerson(netA, "m2", "ヤマダ", "ハナコ")
		m3 := newPerson(netA, "m3", "ヤマダ", "イチロウ")
		m4 := newPerson(netA, "m4", "スズキ", "ジロウ")
		m5 := newPerson(netA, "m5", "タナカ", "サブロウ") // no household
		bm := newPerson(netB, "bm", "サトウ", "シロウ")
		m1.HouseholdID, m2.HouseholdID, m3.HouseholdID, m4.HouseholdID, bm.HouseholdID = "h1", "h1", "h1", "h2", "h1"
		createPeople(t, db, m1, m2, m3, m4, m5, bm)

		got := get(t, db, func(tx store.Tx) (*domain.Household, error) { return tx.FindHousehold(ctx, netA, "h1") })
		diff(t, "FindHousehold(A, h1)", got, inUTC(h1))
		got = get(t, db, func(tx store.Tx) (*domain.Household, error) { return tx.FindHousehold(ctx, netB, "h1") })
		diff(t, "FindHousehold(B, h1)", got, inUTC(b1))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindHousehold(ctx, netB, "h2")
			return err
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateHousehold(ctx, h1) })

		for _, tc := range []struct {
			net, id string
			want    []*domain.Person
		}{
			{netA, "h1", []*domain.Person{m3, m1, m2}},
			{netA, "h2", []*domain.Person{m4}},
			{netA, "", nil}, // not "everyone without a household"
			{netA, "h9", nil},
			{netB, "h1", []*domain.Person{bm}},
			{netB, "h2", nil},
		} {
			list := get(t, db, func(tx store.Tx) ([]*domain.Person, error) { return tx.FindHouseholdMembers(ctx, tc.net, tc.id) })
			diff(t, fmt.Sprintf("FindHouseholdMembers(%s, %q)", tc.net, tc.id), list, inUTCAll(tc.want...))
		}
	})
}

func TestContractAttachments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		data := []byte("%PDF-1.7\n\x00\x01\xfe\xff binary")
		a1 := &domain.Attachment{NetworkID: netA, ID: "sha-1", ContentType: "application/pdf", Size: int64(len(data)),
			Data: data, CreatedAt: at(0), CreatedBy: "u1"}
		b1 := &domain.Attachment{NetworkID: netB, ID: "sha-1", ContentType: "image/png", Size: 3,
			Data: []byte{1, 2, 3}, CreatedAt: at(time.Hour), CreatedBy: "u9"}
		empty := &domain.Attachment{NetworkID: netA, ID: "sha-empty", ContentType: "text/plain", CreatedAt: at(0), CreatedBy: "u1"}
		run(t, db, func(tx store.Tx) error {
			for _, a := range []*domain.Attachment{a1, b1, empty} {
				if err := tx.CreateAttachment(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		// The same content again, by someone else, later: no error, the first row stays.
		again := *a1
		again.CreatedBy, again.CreatedAt = "u2", at(time.Hour)
		run(t, db, func(tx store.Tx) error { return tx.CreateAttachment(ctx, &again) })
		run(t, db, func(tx store.Tx) error { return tx.CreateAttachment(ctx, &again) })

		for _, tc := range []struct {
			net, id string
			want    *domain.Attachment
		}{{netA, "sha-1", a1}, {netB, "sha-1", b1}, {netA, "sha-empty", empty}} {
			got := get(t, db, func(tx store.Tx) (*domain.Attachment, error) { return tx.FindAttachment(ctx, tc.net, tc.id) })
			diff(t, "FindAttachment("+tc.net+", "+tc.id+")", got, inUTC(tc.want))
		}

		run(t, db, func(tx store.Tx) error { return tx.DeleteAttachment(ctx, netA, "sha-1") })
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindAttachment(ctx, netA, "sha-1")
			return err
		})
		// Deleting again, or another network's file, is no error and deletes nothing.
		run(t, db, func(tx store.Tx) error {
			if err := tx.DeleteAttachment(ctx, netA, "sha-1"); err != nil {
				return err
			}
			return tx.DeleteAttachment(ctx, netB, "sha-empty")
		})
		got := get(t, db, func(tx store.Tx) (*domain.Attachment, error) { return tx.FindAttachment(ctx, netB, "sha-1") })
		diff(t, "other network's attachment after delete", got, inUTC(b1))
		got = get(t, db, func(tx store.Tx) (*domain.Attachment, error) { return tx.FindAttachment(ctx, netA, "sha-empty") })
		diff(t, "attachment after the other network's delete", got, inUTC(empty))
	})
}

func TestContractConsents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		consent := func(net, id, person string, created time.Duration) *domain.Consent {
			return &domain.Consent{
				NetworkID: net, ID: id, PersonID: person, Kind: "self", ConsentedOn: "2025-03-30",
				FormVersion: "beppu-2025-04", Scopes: []string{"sharing"}, EnteredBy: "u-reg", EnteredOrg: orgR,
				CreatedAt: at(created),
			}
		}
		c1 := consent(netA, "c1", "p1", 0)
		c1.WithdrawnAt, c1.WithdrawnBy, c1.WithdrawNote = at(30*time.Minute), "u-reg", "本人の申出"
		c2 := consent(netA, "c2", "p1", time.Hour)
		c2.Kind, c2.SignerName, c2.Relationship = "family", "山田 花子", "長女"
		c2.Scopes, c2.AttachmentID = []string{"sharing", "disaster"}, "sha-1"
		c0 := consent(netA, "c0", "p1", time.Hour) // same time as c2: id decides
		c0.Kind, c0.LegalBasis, c0.Scopes = "legal", "災害対策基本法第49条の11", nil
		c3 := consent(netA, "c3", "p2", 2*time.Hour)
		b1 := consent(netB, "c1", "p1", 3*time.Hour)
		run(t, db, func(tx store.Tx) error {
			for _, c := range []*domain.Consent{c1, c2, c0, c3, b1} {
				if err := tx.CreateConsent(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateConsent(ctx, consent(netA, "c1", "p9", 0)) })

		for _, tc := range []struct {
			net, person string
			want        []*domain.Consent
		}{
			{netA, "p1", []*domain.Consent{c0, c2, c1}},
			{netA, "p2", []*domain.Consent{c3}},
			{netA, "p9", nil},
			{netB, "p1", []*domain.Consent{b1}},
			{netB, "p2", nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.Consent, error) { return tx.FindConsents(ctx, tc.net, tc.person) })
			diff(t, "FindConsents("+tc.net+", "+tc.person+")", got, inUTCAll(tc.want...))
		}

		// Withdrawal is recorded; what was signed is not rewritten.
		withdrawn := *c2
		withdrawn.WithdrawnAt, withdrawn.WithdrawnBy, withdrawn.WithdrawNote = at(5*time.Hour), "u-team", "家族からの撤回"
		sent := withdrawn
		sent.SignerName, sent.Scopes, sent.ConsentedOn = "別人", []string{"x"}, "2000-01-01"
		run(t, db, func(tx store.Tx) error { return tx.UpdateConsent(ctx, &sent) })
		got := get(t, db, func(tx store.Tx) ([]*domain.Consent, error) { return tx.FindConsents(ctx, netA, "p1") })
		diff(t, "after UpdateConsent", got, inUTCAll(c0, &withdrawn, c1))

		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *c3
			wrong.NetworkID = netB
			return tx.UpdateConsent(ctx, &wrong)
		})
		got = get(t, db, func(tx store.Tx) ([]*domain.Consent, error) { return tx.FindConsents(ctx, netB, "p1") })
		diff(t, "other network after updates", got, inUTCAll(b1))
	})
}

func TestContractAccess(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		a1 := newAccess(netA, "a1", "p1", orgT, domain.AccessTeam, 0)
		a2 := newAccess(netA, "a2", "p1", orgT, domain.AccessClaims, time.Minute)
		a2.ExpiresOn, a2.GrantedBy, a2.GrantedByOrg = today, "", ""
		a3 := newAccess(netA, "a3", "p1", orgT, domain.AccessClaims, 2*time.Minute)
		a3.ExpiresOn = yesterday
		a4 := newAccess(netA, "a4", "p1", orgT, domain.AccessTeam, 3*time.Minute)
		a4.EndedAt, a4.EndedBy, a4.EndReason = at(time.Hour), "u-reg", "担当終了"
		a5 := newAccess(netA, "a5", "p1", orgO, domain.AccessGranted, 4*time.Minute)
		a6 := newAccess(netA, "a6", "p1", orgT, domain.AccessCarePlan, 5*time.Minute)
		a6.ExpiresOn = tomorrow
		a7 := newAccess(netA, "a7", "p2", orgT, domain.AccessTeam, 6*time.Minute)
		b1 := newAccess(netB, "a1", "p1", orgT, domain.AccessTeam, -time.Hour)
		createAccess(t, db, a7, a6, a5, a4, a3, a2, a1, b1)
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateAccess(ctx, a1) })

		for _, tc := range []struct {
			net, id string
			want    *domain.Access
		}{{netA, "a1", a1}, {netA, "a2", a2}, {netA, "a4", a4}, {netB, "a1", b1}} {
			got := get(t, db, func(tx store.Tx) (*domain.Access, error) { return tx.FindAccess(ctx, tc.net, tc.id) })
			diff(t, "FindAccess("+tc.net+", "+tc.id+")", got, inUTC(tc.want))
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindAccess(ctx, netB, "a2")
			return err
		})

		for _, tc := range []struct {
			net, person string
			want        []*domain.Access
		}{
			{netA, "p1", []*domain.Access{a1, a2, a3, a4, a5, a6}}, // ended and expired included, oldest first
			{netA, "p2", []*domain.Access{a7}},
			{netA, "p9", nil},
			{netB, "p1", []*domain.Access{b1}},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.Access, error) { return tx.FindPersonAccess(ctx, tc.net, tc.person) })
			diff(t, "FindPersonAccess("+tc.net+", "+tc.person+")", got, inUTCAll(tc.want...))
		}

		orgAccess := func(net, person, org, day string) []*domain.Access {
			t.Helper()
			return get(t, db, func(tx store.Tx) ([]*domain.Access, error) { return tx.FindOrgAccess(ctx, net, person, org, day) })
		}
		for _, tc := range []struct {
			net, person, org, day string
			want                  []*domain.Access
		}{
			// a2 expires today: still in force; a3 expired yesterday; a4 ended.
			{netA, "p1", orgT, today, []*domain.Access{a1, a2, a6}},
			{netA, "p1", orgT, yesterday, []*domain.Access{a1, a2, a3, a6}},
			{netA, "p1", orgT, tomorrow, []*domain.Access{a1, a6}},
			{netA, "p1", orgT, "2025-04-03", []*domain.Access{a1}},
			{netA, "p1", orgO, today, []*domain.Access{a5}},
			{netA, "p1", orgX, today, nil},
			{netA, "p2", orgT, today, []*domain.Access{a7}},
			{netB, "p1", orgT, today, []*domain.Access{b1}},
			{netB, "p1", orgO, today, nil},
		} {
			diff(t, fmt.Sprintf("FindOrgAccess(%s, %s, %s, %s)", tc.net, tc.person, tc.org, tc.day),
				orgAccess(tc.net, tc.person, tc.org, tc.day), inUTCAll(tc.want...))
		}

		// End a1 and extend a3; who granted what stays.
		ended := *a1
		ended.EndedAt, ended.EndedBy, ended.EndReason = at(2*time.Hour), "u-team", "転居"
		extended := *a3
		extended.ExpiresOn = "2025-06-30"
		run(t, db, func(tx store.Tx) error {
			sent := ended
			sent.Kind, sent.OrgID, sent.GrantedBy = domain.AccessGranted, orgX, "someone"
			if err := tx.UpdateAccess(ctx, &sent); err != nil {
				return err
			}
			return tx.UpdateAccess(ctx, &extended)
		})
		got := get(t, db, func(tx store.Tx) (*domain.Access, error) { return tx.FindAccess(ctx, netA, "a1") })
		diff(t, "after UpdateAccess (end)", got, inUTC(&ended))
		diff(t, "FindOrgAccess after updates", orgAccess(netA, "p1", orgT, today), inUTCAll(a2, &extended, a6))
		diff(t, "other network after updates", orgAccess(netB, "p1", orgT, today), inUTCAll(b1))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *a7
			wrong.NetworkID = netB
			return tx.UpdateAccess(ctx, &wrong)
		})
	})
}

func TestContractAccessRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		req := func(net, id, person, org, status string, created time.Duration) *domain.AccessRequest {
			return &domain.AccessRequest{NetworkID: net, ID: id, PersonID: person, OrgID: org, RequestedBy: "u-" + org,
				Reason: "退院後の訪問看護のため", Status: status, CreatedAt: at(created)}
		}
		r1 := req(netA, "r1", "p1", orgT, "pending", 0)
		r2 := req(netA, "r2", "p1", orgO, "granted", time.Minute)
		r2.DecidedBy, r2.DecidedAt = "u-reg", at(time.Hour)
		r3 := req(netA, "r3", "p2", orgT, "pending", 2*time.Minute)
		r0 := req(netA, "r0", "p2", orgX, "refused", 2*time.Minute) // same time as r3: id decides
		r0.DecidedBy, r0.DecidedAt = "u-reg", at(3*time.Minute)
		b1 := req(netB, "r1", "p1", orgT, "pending", -time.Hour)
		run(t, db, func(tx store.Tx) error {
			for _, r := range []*domain.AccessRequest{r3, r2, r1, r0, b1} {
				if err := tx.CreateAccessRequest(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateAccessRequest(ctx, r1) })

		for _, tc := range []struct {
			net, id string
			want    *domain.AccessRequest
		}{{netA, "r1", r1}, {netA, "r2", r2}, {netB, "r1", b1}} {
			got := get(t, db, func(tx store.Tx) (*domain.AccessRequest, error) { return tx.FindAccessRequest(ctx, tc.net, tc.id) })
			diff(t, "FindAccessRequest("+tc.net+", "+tc.id+")", got, inUTC(tc.want))
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindAccessRequest(ctx, netB, "r2")
			return err
		})

		for _, tc := range []struct {
			net, person, status string
			want                []*domain.AccessRequest
		}{
			{netA, "", "", []*domain.AccessRequest{r1, r2, r0, r3}},
			{netA, "p1", "", []*domain.AccessRequest{r1, r2}},
			{netA, "", "pending", []*domain.AccessRequest{r1, r3}},
			{netA, "p2", "pending", []*domain.AccessRequest{r3}},
			{netA, "p2", "granted", nil},
			{netA, "p9", "", nil},
			{netB, "", "", []*domain.AccessRequest{b1}},
			{netB, "p2", "", nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.AccessRequest, error) {
				return tx.FindAccessRequests(ctx, tc.net, tc.person, tc.status)
			})
			diff(t, fmt.Sprintf("FindAccessRequests(%s, %q, %q)", tc.net, tc.person, tc.status), got, inUTCAll(tc.want...))
		}

		decided := *r1
		decided.Status, decided.DecidedBy, decided.DecidedAt = "granted", "u-reg", at(4*time.Hour)
		run(t, db, func(tx store.Tx) error { return tx.UpdateAccessRequest(ctx, &decided) })
		got := get(t, db, func(tx store.Tx) (*domain.AccessRequest, error) { return tx.FindAccessRequest(ctx, netA, "r1") })
		diff(t, "after UpdateAccessRequest", got, inUTC(&decided))
		got = get(t, db, func(tx store.Tx) (*domain.AccessRequest, error) { return tx.FindAccessRequest(ctx, netB, "r1") })
		diff(t, "other network after updates", got, inUTC(b1))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *r3
			wrong.NetworkID = netB
			return tx.UpdateAccessRequest(ctx, &wrong)
		})
	})
}

func TestContractOrganizationCode(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		org := func(net, id, code string, status domain.OrgStatus) *domain.Organization {
			return &domain.Organization{NetworkID: net, ID: id, Name: "事業所 " + id, Type: "home_care", Code: code,
				Address: "別府市", Phone: "0977-11-1111", Status: status, CreatedAt: at(0), UpdatedAt: at(time.Second)}
		}
		o1 := org(netA, "o1", "4410000001", domain.OrgActive)
		o2 := org(netA, "o2", "", domain.OrgActive)
		o3 := org(netA, "o3", "4410000002", domain.OrgWithdrawn) // then registered again as o4
		o4 := org(netA, "o4", "4410000002", domain.OrgActive)
		o5 := org(netA, "o5", "4410000003", domain.OrgActive)
		o6 := org(netA, "o6", "4410000003", domain.OrgActive)
		o7 := org(netA, "o7", "4410000004", domain.OrgSuspended)
		b1 := org(netB, "b1", "4410000001", domain.OrgActive)
		run(t, db, func(tx store.Tx) error {
			for _, o := range []*domain.Organization{o1, o2, o3, o4, o5, o6, o7, b1} {
				if err := tx.CreateOrganization(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
		got := get(t, db, func(tx store.Tx) (*domain.Organization, error) { return tx.FindOrganization(ctx, netA, "o1") })
		diff(t, "FindOrganization keeps Code", got, inUTC(o1))

		for _, tc := range []struct {
			net, code string
			want      *domain.Organization
			err       domain.Code
		}{
			{netA, "4410000001", o1, ""},
			{netA, "4410000002", o4, ""},                // the active one, not the withdrawn one
			{netA, "4410000004", o7, ""},                // not active, but the only one
			{netA, "4410000003", nil, domain.ECONFLICT}, // two active: no guessing
			{netA, "", nil, domain.ENOTFOUND},           // o2 has no code
			{netA, "4410000009", nil, domain.ENOTFOUND},
			{netB, "4410000001", b1, ""},
			{netB, "4410000002", nil, domain.ENOTFOUND},
		} {
			name := fmt.Sprintf("FindOrganizationByCode(%s, %q)", tc.net, tc.code)
			if tc.err != "" {
				wantCode(t, db, tc.err, func(tx store.Tx) error {
					_, err := tx.FindOrganizationByCode(ctx, tc.net, tc.code)
					return err
				})
				continue
			}
			got := get(t, db, func(tx store.Tx) (*domain.Organization, error) {
				return tx.FindOrganizationByCode(ctx, tc.net, tc.code)
			})
			diff(t, name, got, inUTC(tc.want))
		}

		upd := *o1
		upd.Code, upd.UpdatedAt = "4410000099", at(time.Hour)
		run(t, db, func(tx store.Tx) error { return tx.UpdateOrganization(ctx, &upd) })
		got = get(t, db, func(tx store.Tx) (*domain.Organization, error) {
			return tx.FindOrganizationByCode(ctx, netA, "4410000099")
		})
		diff(t, "by the new code", got, inUTC(&upd))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindOrganizationByCode(ctx, netA, "4410000001")
			return err
		})
		got = get(t, db, func(tx store.Tx) (*domain.Organization, error) {
			return tx.FindOrganizationByCode(ctx, netB, "4410000001")
		})
		diff(t, "other network after the update", got, inUTC(b1))
	})
}

func TestContractClaims(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		ci1 := &domain.ClaimImport{NetworkID: netA, ID: "ci1", FileName: "2025-03.csv", ImportedBy: "op1", Lines: 250, Accepted: 240, CreatedAt: at(0)}
		ci2 := &domain.ClaimImport{NetworkID: netA, ID: "ci2", FileName: "2025-04.csv", ImportedBy: "op2", Lines: 3, Accepted: 0, CreatedAt: at(24 * time.Hour)}
		ci0 := &domain.ClaimImport{NetworkID: netA, ID: "ci0", FileName: "再取込.csv", ImportedBy: "op1", Lines: 1, Accepted: 1, CreatedAt: at(24 * time.Hour)}
		b1 := &domain.ClaimImport{NetworkID: netB, ID: "ci1", FileName: "b.csv", ImportedBy: "op9", Lines: 2, Accepted: 2, CreatedAt: at(48 * time.Hour)}
		var claims []domain.Claim
		for i := range 250 { // more than one statement's worth
			claims = append(claims, domain.Claim{NetworkID: netA, ImportID: "ci1", Line: i + 1,
				InsuredNo: fmt.Sprintf("%010d", i), OrgCode: "4410000001", InsuranceKind: "kaigo", ServiceMonth: "2025-03"})
		}
		bClaims := []domain.Claim{
			{NetworkID: netB, ImportID: "ci1", Line: 1, InsuredNo: "X1", OrgCode: "1310000001", InsuranceKind: "kokuho", ServiceMonth: "2025-02"},
			{NetworkID: netB, ImportID: "ci1", Line: 2, InsuredNo: "X2", OrgCode: "1310000002", InsuranceKind: "kouki", ServiceMonth: "2025-02"},
		}
		run(t, db, func(tx store.Tx) error {
			for _, ci := range []*domain.ClaimImport{ci1, ci2, ci0, b1} {
				if err := tx.CreateClaimImport(ctx, ci); err != nil {
					return err
				}
			}
			if err := tx.InsertClaims(ctx, nil); err != nil {
				return err
			}
			if err := tx.InsertClaims(ctx, claims); err != nil {
				return err
			}
			return tx.InsertClaims(ctx, bClaims)
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateClaimImport(ctx, ci1) })
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.InsertClaims(ctx, claims[249:]) })

		list := get(t, db, func(tx store.Tx) ([]*domain.ClaimImport, error) { return tx.FindClaimImports(ctx, netA) })
		diff(t, "FindClaimImports(A), newest first", list, inUTCAll(ci0, ci2, ci1))
		list = get(t, db, func(tx store.Tx) ([]*domain.ClaimImport, error) { return tx.FindClaimImports(ctx, netB) })
		diff(t, "FindClaimImports(B)", list, inUTCAll(b1))

		// No method reads claims back yet: look at the table.
		rows, err := db.SQL().QueryContext(ctx, `SELECT network_id, import_id, line, insured_no, org_code, insurance_kind, service_month
			FROM claims ORDER BY network_id, import_id, line`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var stored []domain.Claim
		for rows.Next() {
			var c domain.Claim
			if err := rows.Scan(&c.NetworkID, &c.ImportID, &c.Line, &c.InsuredNo, &c.OrgCode, &c.InsuranceKind, &c.ServiceMonth); err != nil {
				t.Fatal(err)
			}
			stored = append(stored, c)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		diff(t, "stored claims", stored, append(slices.Clone(claims), bClaims...))
	})
}

func TestContractDisasters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		d1 := &domain.Disaster{NetworkID: netA, ID: "d1", Name: "令和7年台風第10号", StartedAt: at(0), EndedAt: at(72 * time.Hour),
			DeclaredBy: "op1", EndedBy: "op2"}
		d2 := &domain.Disaster{NetworkID: netA, ID: "d2", Name: "鬼怒川氾濫", StartedAt: at(240 * time.Hour), DeclaredBy: "op1"}
		d0 := &domain.Disaster{NetworkID: netA, ID: "d0", Name: "同時刻", StartedAt: at(240 * time.Hour), DeclaredBy: "op3"}
		b1 := &domain.Disaster{NetworkID: netB, ID: "d1", Name: "地震", StartedAt: at(time.Hour), DeclaredBy: "op9"}
		run(t, db, func(tx store.Tx) error {
			for _, d := range []*domain.Disaster{d1, d2, d0, b1} {
				if err := tx.CreateDisaster(ctx, d); err != nil {
					return err
				}
			}
			return nil
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error { return tx.CreateDisaster(ctx, d1) })
		list := get(t, db, func(tx store.Tx) ([]*domain.Disaster, error) { return tx.FindDisasters(ctx, netA) })
		diff(t, "FindDisasters(A), newest first", list, inUTCAll(d0, d2, d1))

		ended := *d2
		ended.Name, ended.EndedAt, ended.EndedBy = "鬼怒川氾濫（常総市）", at(300*time.Hour), "op2"
		sent := ended
		sent.StartedAt, sent.DeclaredBy = at(0), "someone"
		run(t, db, func(tx store.Tx) error { return tx.UpdateDisaster(ctx, &sent) })
		list = get(t, db, func(tx store.Tx) ([]*domain.Disaster, error) { return tx.FindDisasters(ctx, netA) })
		diff(t, "after UpdateDisaster", list, inUTCAll(d0, &ended, d1))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			wrong := *d2
			wrong.NetworkID = netB
			return tx.UpdateDisaster(ctx, &wrong)
		})
		list = get(t, db, func(tx store.Tx) ([]*domain.Disaster, error) { return tx.FindDisasters(ctx, netB) })
		diff(t, "FindDisasters(B)", list, inUTCAll(b1))
	})
}

func TestContractMatrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		entries := []domain.MatrixEntry{
			{NetworkID: netA, Occupation: "nurse", Category: "vitals", Read: true, Write: true},
			{NetworkID: netA, Occupation: "care_manager", Category: "care_plan", Read: true, Write: true},
			{NetworkID: netA, Occupation: "nurse", Category: "care_plan", Read: true},
			{NetworkID: netA, Occupation: "pharmacist", Category: "vitals"},
			{NetworkID: netB, Occupation: "nurse", Category: "care_plan", Read: false, Write: true},
		}
		run(t, db, func(tx store.Tx) error {
			for _, e := range entries {
				if err := tx.UpsertMatrixEntry(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		got := get(t, db, func(tx store.Tx) ([]domain.MatrixEntry, error) { return tx.FindMatrix(ctx, netA) })
		diff(t, "FindMatrix(A)", got, []domain.MatrixEntry{entries[1], entries[2], entries[0], entries[3]})

		changed := domain.MatrixEntry{NetworkID: netA, Occupation: "nurse", Category: "care_plan", Read: false, Write: true}
		run(t, db, func(tx store.Tx) error { return tx.UpsertMatrixEntry(ctx, changed) })
		got = get(t, db, func(tx store.Tx) ([]domain.MatrixEntry, error) { return tx.FindMatrix(ctx, netA) })
		diff(t, "FindMatrix(A) after upsert", got, []domain.MatrixEntry{entries[1], changed, entries[0], entries[3]})
		got = get(t, db, func(tx store.Tx) ([]domain.MatrixEntry, error) { return tx.FindMatrix(ctx, netB) })
		diff(t, "FindMatrix(B)", got, []domain.MatrixEntry{entries[4]})
		got = get(t, db, func(tx store.Tx) ([]domain.MatrixEntry, error) { return tx.FindMatrix(ctx, "net-none") })
		diff(t, "FindMatrix(none)", got, []domain.MatrixEntry(nil))
	})
}

func TestContractAuditEventsByPerson(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e1 := auditEvent(netA, "alice", orgT, "person.view", 0)
		e1.PersonID = "p7"
		e2 := auditEvent(netA, "bob", orgR, "person.update", time.Minute)
		e2.PersonID = "p7"
		e3 := auditEvent(netA, "alice", orgT, "person.view", 2*time.Minute)
		e3.PersonID = "p8"
		e4 := auditEvent(netA, "carol", "", "login", 3*time.Minute)
		e4.PersonID = ""
		b1 := auditEvent(netB, "alice", orgT, "person.view", 4*time.Minute)
		b1.PersonID = "p7"
		run(t, db, func(tx store.Tx) error {
			for _, e := range []*domain.AuditEvent{e1, e2, e3, e4, b1} {
				if err := tx.InsertAuditEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range []struct {
			name string
			net  string
			f    domain.AuditFilter
			want []*domain.AuditEvent
		}{
			{"person", netA, domain.AuditFilter{PersonID: "p7"}, []*domain.AuditEvent{e2, e1}},
			{"person and actor", netA, domain.AuditFilter{PersonID: "p7", ActorLogin: "alice"}, []*domain.AuditEvent{e1}},
			{"other person", netA, domain.AuditFilter{PersonID: "p8"}, []*domain.AuditEvent{e3}},
			{"no such person", netA, domain.AuditFilter{PersonID: "p9"}, nil},
			{"other network", netB, domain.AuditFilter{PersonID: "p7"}, []*domain.AuditEvent{b1}},
		} {
			var got []*domain.AuditEvent
			var total int
			run(t, db, func(tx store.Tx) (err error) {
				got, total, err = tx.FindAuditEvents(ctx, tc.net, tc.f)
				return err
			})
			diff(t, "FindAuditEvents: "+tc.name, got, inUTCAll(tc.want...))
			if total != len(tc.want) {
				t.Errorf("FindAuditEvents: %s: total = %d, want %d", tc.name, total, len(tc.want))
			}
		}
	})
}

// TestContractFindPeopleScope covers every branch of the list form of the policy.
func TestContractFindPeopleScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		var people []*domain.Person
		// mk makes the next person; family kana follow kanaOrder, so people sort in
		// the order they are made.
		mk := func(id string, consent domain.ConsentState, mod func(p *domain.Person)) *domain.Person {
			p := newPerson(netA, id, string(kanaOrder[len(people)]), "タロウ")
			p.Consent = consent
			if consent != domain.ConsentNone {
				p.ConsentForm, p.ConsentScopes = "v1", []string{"sharing"}
			}
			if mod != nil {
				mod(p)
			}
			people = append(people, p)
			return p
		}
		var access []*domain.Access
		grant := func(p *domain.Person, org, kind string, mod func(a *domain.Access)) {
			a := newAccess(p.NetworkID, fmt.Sprintf("a%02d", len(access)), p.ID, org, kind, time.Duration(len(access))*time.Minute)
			if mod != nil {
				mod(a)
			}
			access = append(access, a)
		}
		unconsented := mk("unconsented", domain.ConsentNone, nil)
		team := mk("team", domain.ConsentActive, nil)
		grant(team, orgT, domain.AccessTeam, nil)
		withdrawn := mk("withdrawn", domain.ConsentWithdrawn, nil)
		grant(withdrawn, orgT, domain.AccessTeam, nil)
		ended := mk("ended", domain.ConsentActive, nil)
		grant(ended, orgT, domain.AccessTeam, func(a *domain.Access) { a.EndedAt, a.EndedBy, a.EndReason = at(time.Hour), "u", "終了" })
		expired := mk("expired", domain.ConsentActive, nil)
		grant(expired, orgT, domain.AccessClaims, func(a *domain.Access) { a.ExpiresOn = yesterday })
		claimsToday := mk("claims-today", domain.ConsentActive, nil)
		grant(claimsToday, orgT, domain.AccessClaims, func(a *domain.Access) { a.ExpiresOn = today })
		stopped := mk("stopped", domain.ConsentActive, func(p *domain.Person) { p.Status = domain.PersonStopped })
		grant(stopped, orgT, domain.AccessTeam, nil)
		purged := mk("purged", domain.ConsentActive, func(p *domain.Person) { p.Status = domain.PersonPurged })
		grant(purged, orgT, domain.AccessTeam, nil)
		windowToday := mk("window-today", domain.ConsentActive, func(p *domain.Person) {
			p.Eligible, p.LostReason, p.LostOn, p.ReadableUntil = false, "death", "2025-01-01", today
		})
		grant(windowToday, orgT, domain.AccessTeam, nil)
		windowPast := mk("window-past", domain.ConsentActive, func(p *domain.Person) {
			p.Eligible, p.LostReason, p.LostOn, p.ReadableUntil = false, "moved", "2025-01-01", yesterday
		})
		grant(windowPast, orgT, domain.AccessTeam, nil)
		disaster := mk("disaster", domain.ConsentActive, func(p *domain.Person) { p.ConsentScopes = []string{"sharing", "disaster"} })
		disasterWithdrawn := mk("disaster-withdrawn", domain.ConsentWithdrawn, func(p *domain.Person) { p.ConsentScopes = []string{"sharing", "disaster"} })
		careplan := mk("careplan", domain.ConsentActive, nil)
		grant(careplan, orgT, domain.AccessCarePlan, nil)
		teamOwn := mk("team-own", domain.ConsentNone, func(p *domain.Person) { p.RegisteredOrg = orgT })
		noOrg := mk("no-org", domain.ConsentActive, func(p *domain.Person) { p.RegisteredOrg = "" })
		otherTeam := mk("other-team", domain.ConsentActive, nil)
		grant(otherTeam, orgO, domain.AccessTeam, nil)
		notEligible := mk("not-eligible", domain.ConsentActive, func(p *domain.Person) { p.Eligible = false }) // no read window
		grant(notEligible, orgT, domain.AccessTeam, nil)
		crossNet := mk("cross-net", domain.ConsentActive, nil) // only an access row of network B names it
		// Network B: the same organizations and ids, and an access row to a person of A.
		bPerson := newPerson(netB, "unconsented", "ア", "ビー")
		bTeam := newPerson(netB, "b-team", "イ", "ビー")
		bTeam.Consent = domain.ConsentActive
		bAccess := []*domain.Access{
			newAccess(netB, "ba1", crossNet.ID, orgT, domain.AccessTeam, 0),
			newAccess(netB, "ba2", bTeam.ID, orgT, domain.AccessTeam, 0),
		}
		createPeople(t, db, append(slices.Clone(people), bPerson, bTeam)...)
		createAccess(t, db, append(slices.Clone(access), bAccess...)...)

		kinds := []string{domain.AccessTeam, domain.AccessClaims}
		ids := func(ps ...*domain.Person) []string { return personIDs(ps) }
		for _, tc := range []struct {
			name  string
			net   string
			scope domain.PersonScope
			want  []string
		}{
			{"registrant sees its own, whatever the consent", netA, domain.PersonScope{OrgID: orgR, AccessKinds: kinds, Today: today},
				ids(unconsented, team, withdrawn, ended, expired, claimsToday, windowToday, disaster, disasterWithdrawn, careplan, otherTeam, crossNet)},
			{"team: active consent and access in force", netA, domain.PersonScope{OrgID: orgT, AccessKinds: kinds, Today: today},
				ids(team, claimsToday, windowToday, teamOwn)},
			{"team, one day later: claims access and read window lapse", netA, domain.PersonScope{OrgID: orgT, AccessKinds: kinds, Today: tomorrow},
				ids(team, teamOwn)},
			{"team, one day earlier: the expired claims access was in force", netA, domain.PersonScope{OrgID: orgT, AccessKinds: kinds, Today: yesterday},
				ids(team, expired, claimsToday, windowToday, windowPast, teamOwn)},
			{"access kinds of the network count", netA, domain.PersonScope{OrgID: orgT, AccessKinds: []string{domain.AccessTeam, domain.AccessCarePlan, domain.AccessClaims}, Today: today},
				ids(team, claimsToday, windowToday, careplan, teamOwn)},
			{"no access kinds: own registrations only", netA, domain.PersonScope{OrgID: orgT, Today: today}, ids(teamOwn)},
			{"other organization's team", netA, domain.PersonScope{OrgID: orgO, AccessKinds: kinds, Today: today}, ids(otherTeam)},
			{"organization without people", netA, domain.PersonScope{OrgID: orgX, AccessKinds: kinds, Today: today}, nil},
			{"all consented", netA, domain.PersonScope{OrgID: orgX, AccessKinds: kinds, AllConsented: true, Today: today},
				ids(team, ended, expired, claimsToday, windowToday, disaster, careplan, noOrg, otherTeam, crossNet)},
			{"all consented, without an organization", netA, domain.PersonScope{AllConsented: true, Today: today},
				ids(team, ended, expired, claimsToday, windowToday, disaster, careplan, noOrg, otherTeam, crossNet)},
			{"all consented and own unconsented", netA, domain.PersonScope{OrgID: orgT, AccessKinds: kinds, AllConsented: true, Today: today},
				ids(team, ended, expired, claimsToday, windowToday, disaster, careplan, teamOwn, noOrg, otherTeam, crossNet)},
			{"disaster: consented to disaster sharing", netA, domain.PersonScope{OrgID: orgX, AccessKinds: kinds, Disaster: true, Today: today},
				ids(disaster)},
			{"disaster, without an organization", netA, domain.PersonScope{Disaster: true, Today: today}, ids(disaster)},
			{"disaster and team", netA, domain.PersonScope{OrgID: orgT, AccessKinds: kinds, Disaster: true, Today: today},
				ids(team, claimsToday, windowToday, disaster, teamOwn)},
			{"disaster and registrant", netA, domain.PersonScope{OrgID: orgR, Disaster: true, Today: today},
				ids(unconsented, team, withdrawn, ended, expired, claimsToday, windowToday, disaster, disasterWithdrawn, careplan, otherTeam, crossNet)},
			{"no organization: no one", netA, domain.PersonScope{AccessKinds: kinds, Today: today}, nil},
			{"the zero scope: no one", netA, domain.PersonScope{}, nil},
			{"all: every person, every status", netA, domain.PersonScope{All: true}, personIDs(people)},
			{"network B registrant", netB, domain.PersonScope{OrgID: orgR, AccessKinds: kinds, Today: today}, ids(bPerson, bTeam)},
			{"network B team", netB, domain.PersonScope{OrgID: orgT, AccessKinds: kinds, Today: today}, ids(bTeam)},
			{"network B all", netB, domain.PersonScope{All: true}, ids(bPerson, bTeam)},
		} {
			got, total := findPeople(t, db, tc.net, tc.scope, domain.PeopleFilter{Limit: 100})
			diff(t, "FindPeople: "+tc.name, got, tc.want)
			if total != len(tc.want) {
				t.Errorf("FindPeople: %s: total = %d, want %d", tc.name, total, len(tc.want))
			}
			checkPaging(t, db, "FindPeople: "+tc.name, tc.net, tc.scope, domain.PeopleFilter{}, 3, tc.want)
		}

		// The rows themselves, exactly.
		var list []*domain.Person
		run(t, db, func(tx store.Tx) (err error) {
			list, _, err = tx.FindPeople(ctx, netA, domain.PersonScope{OrgID: orgT, AccessKinds: kinds, Today: today}, domain.PeopleFilter{})
			return err
		})
		diff(t, "FindPeople rows", list, inUTCAll(team, claimsToday, windowToday, teamOwn))

		// A scope without a date would let every expired access and read window pass.
		if err := db.Transact(ctx, func(tx store.Tx) error {
			_, _, err := tx.FindPeople(ctx, netA, domain.PersonScope{OrgID: orgT, AccessKinds: kinds}, domain.PeopleFilter{})
			return err
		}); err == nil {
			t.Error("FindPeople with a scope without Today succeeded")
		}

		// The disaster flag follows the consent scopes on update.
		run(t, db, func(tx store.Tx) error {
			d, n := *disaster, *noOrg
			d.ConsentScopes = []string{"sharing"}
			n.ConsentScopes = []string{"disaster"}
			if err := tx.UpdatePerson(ctx, &d); err != nil {
				return err
			}
			return tx.UpdatePerson(ctx, &n)
		})
		got, total := findPeople(t, db, netA, domain.PersonScope{Disaster: true, Today: today}, domain.PeopleFilter{})
		diff(t, "FindPeople: disaster after updates", got, ids(noOrg))
		if total != 1 {
			t.Errorf("FindPeople: disaster after updates: total = %d, want 1", total)
		}
	})
}

func TestContractFindPeopleFilter(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		spaced := newPerson(netA, "spaced", "ヤマ ダ", "ジロウ") // stored with a space
		taro := newPerson(netA, "taro", "ヤマダ", "タロウ")
		hanako := newPerson(netA, "hanako", "ヤマダ", "ハナコ")
		hanako.BirthDate = "1950-01-01"
		yamamoto := newPerson(netA, "yamamoto", "ヤマモト", "タロウ")
		yamamoto.BirthDate = "1950-01-01"
		tanaka := newPerson(netA, "tanaka", "タナカ", "ヤマダ")
		tanaka.Consent = domain.ConsentActive
		bTaro := newPerson(netB, "b-taro", "ヤマダ", "タロウ")
		createPeople(t, db, spaced, taro, hanako, yamamoto, tanaka, bTaro)
		createAccess(t, db, newAccess(netA, "a1", taro.ID, orgT, domain.AccessTeam, 0), newAccess(netA, "a2", tanaka.ID, orgT, domain.AccessTeam, 0))
		run(t, db, func(tx store.Tx) error {
			p := *taro
			p.Consent = domain.ConsentActive
			return tx.UpdatePerson(ctx, &p)
		})

		all := domain.PersonScope{All: true}
		team := domain.PersonScope{OrgID: orgT, AccessKinds: []string{domain.AccessTeam}, Today: today}
		for _, tc := range []struct {
			name  string
			net   string
			scope domain.PersonScope
			f     domain.PeopleFilter
			want  []string
		}{
			{"family prefix", netA, all, domain.PeopleFilter{Kana: "ヤマ"}, []string{"spaced", "taro", "hanako", "yamamoto"}},
			{"whole family name, stored with a space", netA, all, domain.PeopleFilter{Kana: "ヤマダ"}, []string{"spaced", "taro", "hanako"}},
			{"family and given, ASCII space", netA, all, domain.PeopleFilter{Kana: "ヤマダ タロウ"}, []string{"taro"}},
			{"family and given, full-width space", netA, all, domain.PeopleFilter{Kana: "ヤマダ　タロウ"}, []string{"taro"}},
			{"family and given prefix, no space", netA, all, domain.PeopleFilter{Kana: " ヤマダタ"}, []string{"taro"}},
			{"given name alone is no prefix", netA, all, domain.PeopleFilter{Kana: "タロウ"}, nil},
			{"% is literal", netA, all, domain.PeopleFilter{Kana: "ヤ%"}, nil},
			{"_ is literal", netA, all, domain.PeopleFilter{Kana: "ヤ_ダ"}, nil},
			{"spaces only: no filter", netA, all, domain.PeopleFilter{Kana: " 　"}, []string{"tanaka", "spaced", "taro", "hanako", "yamamoto"}},
			{"birth date", netA, all, domain.PeopleFilter{BirthDate: "1950-01-01"}, []string{"hanako", "yamamoto"}},
			{"kana and birth date", netA, all, domain.PeopleFilter{Kana: "ヤマダ", BirthDate: "1950-01-01"}, []string{"hanako"}},
			{"scope and kana", netA, team, domain.PeopleFilter{Kana: "ヤマ"}, []string{"taro"}},
			{"scope and kana, the other one", netA, team, domain.PeopleFilter{Kana: "タ"}, []string{"tanaka"}},
			{"other network", netB, all, domain.PeopleFilter{Kana: "ヤマダ"}, []string{"b-taro"}},
		} {
			got, total := findPeople(t, db, tc.net, tc.scope, tc.f)
			diff(t, "FindPeople: "+tc.name, got, tc.want)
			if total != len(tc.want) {
				t.Errorf("FindPeople: %s: total = %d, want %d", tc.name, total, len(tc.want))
			}
			checkPaging(t, db, "FindPeople: "+tc.name, tc.net, tc.scope, tc.f, 2, tc.want)
		}
	})
}

// TestContractFindPeopleMany: an organization sees 37 of 2,000 people; the count
// and the pages hold exactly those.
func TestContractFindPeopleMany(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA)
		rng := rand.New(rand.NewPCG(1, 2))
		var people []*domain.Person
		var access []*domain.Access
		var want []*domain.Person
		for i := range 2000 {
			p := newPerson(netA, fmt.Sprintf("p%04d", i), string(kanaOrder[rng.IntN(len(kanaOrder))])+string(kanaOrder[rng.IntN(len(kanaOrder))]),
				string(kanaOrder[rng.IntN(len(kanaOrder))]))
			p.RegisteredOrg = orgR
			grant := func(kind string, mod func(a *domain.Access)) {
				a := newAccess(netA, "a-"+p.ID, p.ID, orgX, kind, 0)
				if mod != nil {
					mod(a)
				}
				access = append(access, a)
			}
			visible := true
			switch {
			case i%200 == 0: // 10, plus 2 below
				p.RegisteredOrg = orgX
			case i%200 == 1: // 10
				p.Consent = domain.ConsentActive
				grant(domain.AccessTeam, nil)
			case i%200 == 2: // 10
				p.Consent = domain.ConsentActive
				grant(domain.AccessCarePlan, nil)
			case i%400 == 3: // 5
				p.Consent = domain.ConsentActive
				grant(domain.AccessClaims, func(a *domain.Access) { a.ExpiresOn = today })
			case i == 5 || i == 6:
				p.RegisteredOrg = orgX
			// The rest cannot be seen by org-x.
			case i%100 == 7:
				p.Consent = domain.ConsentWithdrawn
				grant(domain.AccessTeam, nil)
				visible = false
			case i%100 == 8:
				p.Consent = domain.ConsentActive
				grant(domain.AccessTeam, func(a *domain.Access) { a.EndedAt = at(time.Hour) })
				visible = false
			case i%100 == 9:
				p.Consent = domain.ConsentActive
				grant(domain.AccessClaims, func(a *domain.Access) { a.ExpiresOn = yesterday })
				visible = false
			case i%100 == 10:
				p.RegisteredOrg, p.Status = orgX, domain.PersonStopped
				visible = false
			case i%100 == 11:
				p.Consent = domain.ConsentActive
				grant(domain.AccessGranted, nil) // not a kind of this network
				visible = false
			case i%100 == 12:
				p.Consent = domain.ConsentActive
				a := newAccess(netA, "a-"+p.ID, p.ID, orgT, domain.AccessTeam, 0)
				access = append(access, a)
				visible = false
			default:
				p.Consent = domain.ConsentActive
				visible = false
			}
			people = append(people, p)
			if visible {
				want = append(want, p)
			}
		}
		createPeople(t, db, people...)
		createAccess(t, db, access...)
		slices.SortFunc(want, func(a, b *domain.Person) int {
			return strings.Compare(a.FamilyKana+"\x00"+a.GivenKana+"\x00"+a.ID, b.FamilyKana+"\x00"+b.GivenKana+"\x00"+b.ID)
		})
		if len(want) != 37 {
			t.Fatalf("test data: %d visible people, want 37", len(want))
		}

		scope := domain.PersonScope{OrgID: orgX, AccessKinds: []string{domain.AccessTeam, domain.AccessCarePlan, domain.AccessClaims}, Today: today}
		got, total := findPeople(t, db, netA, scope, domain.PeopleFilter{Limit: 500})
		if total != 37 {
			t.Errorf("total = %d, want 37", total)
		}
		diff(t, "all 37", got, personIDs(want))
		checkPaging(t, db, "pages of 10", netA, scope, domain.PeopleFilter{}, 10, personIDs(want))

		// Page size: 50 by default, at most 500.
		for _, tc := range []struct {
			f    domain.PeopleFilter
			rows int
		}{
			{domain.PeopleFilter{}, 50},
			{domain.PeopleFilter{Limit: -1}, 50},
			{domain.PeopleFilter{Limit: 10000}, 500},
			{domain.PeopleFilter{Limit: 100, Offset: 1950}, 50},
			{domain.PeopleFilter{Offset: -5}, 50},
		} {
			got, total := findPeople(t, db, netA, domain.PersonScope{All: true}, tc.f)
			if len(got) != tc.rows || total != 2000 {
				t.Errorf("FindPeople(All, %+v): %d rows of %d, want %d of 2000", tc.f, len(got), total, tc.rows)
			}
		}
	})
}
