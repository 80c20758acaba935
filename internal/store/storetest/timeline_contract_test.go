package storetest

import (
	"slices"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func newEntry(net, id, person, thread, category, org, body string, created time.Duration) *domain.Entry {
	if thread == "" {
		thread = id
	}
	reply := ""
	if thread != id {
		reply = thread
	}
	return &domain.Entry{NetworkID: net, ID: id, PersonID: person, ThreadID: thread, ReplyTo: reply, Category: category,
		Body: body, AuthorID: "u-" + org, AuthorName: "職員 " + org, AuthorOrg: org, AuthorOccupation: "nurse", Version: 1,
		CreatedAt: at(created), UpdatedAt: at(created)}
}

func createEntries(t *testing.T, db store.Store, es ...*domain.Entry) {
	t.Helper()
	run(t, db, func(tx store.Tx) error {
		for _, e := range es {
			if err := tx.CreateEntry(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func entryIDs(es []*domain.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

var allCats = domain.EntryScope{AllCategories: true}

// The timeline's store: an entry comes back as written (times in UTC, addressees
// and attachments); versions accumulate; threads page newest first with counts
// that agree with the pages; the scope is SQL (categories, own organization's
// entries without consent); search is literal; read marks keep the first read;
// the inbox joins the people scope; a purge removes one person's timeline only.
func TestContractTimeline(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		createNetworks(t, db, netA, netB)
		p, q := newPerson(netA, "p1", "ヤマダ", "タロウ"), newPerson(netA, "p2", "スズキ", "ハナコ")
		p.Consent = domain.ConsentActive
		createPeople(t, db, p, q, newPerson(netB, "p1", "ヤマダ", "タロウ"))
		createAccess(t, db, newAccess(netA, "a1", "p1", orgT, domain.AccessTeam, 0))
		att := &domain.Attachment{NetworkID: netA, ID: "aaaa", ContentType: "image/png", Size: 3, Data: []byte("png"), CreatedAt: t0, CreatedBy: "u-" + orgR}
		run(t, db, func(tx store.Tx) error { return tx.CreateAttachment(ctx, att) })

		e1 := newEntry(netA, "e1", "p1", "", "care", orgR, "訪問しました。\n変わりなし", 0)
		e1.Addressees = []domain.Addressee{{Kind: domain.AddresseeOrg, ID: orgT}, {Kind: domain.AddresseeUser, ID: "u-x"}}
		e1.Attachments = []string{"aaaa"}
		e1.ActionRequired = true
		e2 := newEntry(netA, "e2", "p1", "", "watch", orgT, "100% 確認", time.Hour)
		r1 := newEntry(netA, "r1", "p1", "e1", "care", orgT, "褥瘡の処置", 2*time.Hour)
		e3 := newEntry(netA, "e3", "p1", "", "daily", orgT, "100 percent", 3*time.Hour)
		e4 := newEntry(netA, "e4", "p1", "", "care", orgR, "Fever なし", 4*time.Hour)
		other := newEntry(netA, "o1", "p2", "", "care", orgR, "別の方", 5*time.Hour)
		elsewhere := newEntry(netB, "e1", "p1", "", "care", orgR, "別のネットワーク", 6*time.Hour)
		createEntries(t, db, e1, e2, r1, e3, e4, other, elsewhere)

		got := get(t, db, func(tx store.Tx) (*domain.Entry, error) { return tx.FindEntry(ctx, netA, "e1") })
		diff(t, "FindEntry", got, inUTC(e1))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { _, err := tx.FindEntry(ctx, netA, "nope"); return err })
		if got := get(t, db, func(tx store.Tx) (*domain.Entry, error) { return tx.FindEntry(ctx, netB, "e1") }); got.Body != "別のネットワーク" {
			t.Errorf("an id of one network read another's entry: %+v", got)
		}

		// Versions: the first is written with the entry; an edit adds one.
		run(t, db, func(tx store.Tx) error {
			e := *e1
			e.Body, e.Version, e.UpdatedAt = "訂正しました", 2, at(time.Minute)
			if err := tx.AddEntryVersion(ctx, &domain.EntryVersion{NetworkID: netA, EntryID: "e1", Version: 2, Body: e.Body,
				EditedBy: "u-" + orgR, EditedByName: "職員", EditedAt: at(time.Minute)}); err != nil {
				return err
			}
			return tx.UpdateEntry(ctx, &e)
		})
		vs := get(t, db, func(tx store.Tx) ([]*domain.EntryVersion, error) { return tx.FindEntryVersions(ctx, netA, "e1") })
		if len(vs) != 2 || vs[0].Body != e1.Body || vs[1].Body != "訂正しました" || vs[1].EditedAt.Location() != time.UTC {
			t.Errorf("versions %+v", vs)
		}
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.AddEntryVersion(ctx, &domain.EntryVersion{NetworkID: netA, EntryID: "e1", Version: 2, Body: "x", EditedAt: t0})
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			return tx.UpdateEntry(ctx, newEntry(netA, "nope", "p1", "", "care", orgR, "", 0))
		})

		list := func(scope domain.EntryScope, f domain.EntryFilter) ([]string, int) {
			t.Helper()
			var es []*domain.Entry
			var n int
			run(t, db, func(tx store.Tx) error {
				var err error
				es, n, err = tx.FindEntries(ctx, netA, "p1", scope, f)
				return err
			})
			return entryIDs(es), n
		}
		for _, c := range []struct {
			name  string
			scope domain.EntryScope
			f     domain.EntryFilter
			want  []string
			total int
		}{
			{"all, newest first", allCats, domain.EntryFilter{}, []string{"e4", "e3", "e2", "e1"}, 4},
			{"page 2", allCats, domain.EntryFilter{Limit: 3, Offset: 3}, []string{"e1"}, 4},
			{"past the end", allCats, domain.EntryFilter{Limit: 3, Offset: 9}, nil, 4},
			{"categories", domain.EntryScope{Categories: []string{"care", "daily"}}, domain.EntryFilter{}, []string{"e4", "e3", "e1"}, 3},
			{"zero scope", domain.EntryScope{}, domain.EntryFilter{}, nil, 0},
			{"unconsented: own organization's only", domain.EntryScope{AllCategories: true, Unconsented: true, OwnOrg: orgR}, domain.EntryFilter{}, []string{"e4", "e1"}, 2},
			{"unconsented without organization", domain.EntryScope{AllCategories: true, Unconsented: true}, domain.EntryFilter{}, nil, 0},
			{"category filter", allCats, domain.EntryFilter{Category: "care"}, []string{"e4", "e1"}, 2},
			{"author org matches a reply", allCats, domain.EntryFilter{AuthorOrg: orgT}, []string{"e3", "e2", "e1"}, 3},
			{"search a reply", allCats, domain.EntryFilter{Query: "褥瘡"}, []string{"e1"}, 1},
			{"search is literal", allCats, domain.EntryFilter{Query: "100%"}, []string{"e2"}, 1},
			{"search _ is literal", allCats, domain.EntryFilter{Query: "100_"}, nil, 0},
			{"search ignores ASCII case", allCats, domain.EntryFilter{Query: "fever"}, []string{"e4"}, 1},
			{"search within the scope", domain.EntryScope{Categories: []string{"watch"}}, domain.EntryFilter{Query: "褥瘡"}, nil, 0},
			{"since", allCats, domain.EntryFilter{Since: at(2 * time.Hour)}, []string{"e4", "e3", "e1"}, 3},
			{"until", allCats, domain.EntryFilter{Until: at(time.Hour)}, []string{"e1"}, 1},
		} {
			ids, n := list(c.scope, c.f)
			if !slices.Equal(ids, c.want) || n != c.total {
				t.Errorf("%s: %v (total %d), want %v (%d)", c.name, ids, n, c.want, c.total)
			}
		}
		// A reply in a scope that excludes its thread's category is not read.
		rs := get(t, db, func(tx store.Tx) ([]*domain.Entry, error) {
			return tx.FindReplies(ctx, netA, "p1", []string{"e1", "e2"}, allCats)
		})
		if ids := entryIDs(rs); !slices.Equal(ids, []string{"r1"}) {
			t.Errorf("replies %v", ids)
		}
		rs = get(t, db, func(tx store.Tx) ([]*domain.Entry, error) {
			return tx.FindReplies(ctx, netA, "p1", []string{"e1"}, domain.EntryScope{AllCategories: true, Unconsented: true, OwnOrg: orgR})
		})
		if len(rs) != 0 {
			t.Errorf("replies of another organization without consent: %v", entryIDs(rs))
		}

		// Read marks: the first read is kept.
		mark := func(user string, when time.Duration, ids ...string) {
			run(t, db, func(tx store.Tx) error {
				return tx.MarkEntriesRead(ctx, netA, ids, domain.EntryRead{UserID: user, UserName: user, OrgID: orgT, ReadAt: at(when)})
			})
		}
		mark("u-x", time.Hour, "e1", "e2")
		mark("u-x", 5*time.Hour, "e1", "e3")
		mark("u-y", 2*time.Hour, "e1")
		reads := get(t, db, func(tx store.Tx) ([]*domain.EntryRead, error) {
			return tx.FindEntryReads(ctx, netA, []string{"e1", "e3"})
		})
		var got3 []string
		for _, r := range reads {
			got3 = append(got3, r.EntryID+"/"+r.UserID+"/"+r.ReadAt.Sub(t0).String())
		}
		if want := []string{"e1/u-x/1h0m0s", "e1/u-y/2h0m0s", "e3/u-x/5h0m0s"}; !slices.Equal(got3, want) {
			t.Errorf("reads %v, want %v", got3, want)
		}

		// Inbox: addressed to the user or the organization, of permitted people.
		inbox := func(scope domain.PersonScope, es domain.EntryScope, f domain.InboxFilter) ([]string, int) {
			t.Helper()
			var items []*domain.InboxItem
			var n int
			run(t, db, func(tx store.Tx) error {
				var err error
				items, n, err = tx.FindInbox(ctx, netA, scope, es, f)
				return err
			})
			var out []string
			for _, it := range items {
				s := it.Entry.ID + "/" + it.FamilyName
				if it.Read {
					s += "/read"
				}
				out = append(out, s)
			}
			return out, n
		}
		addr := newEntry(netA, "e5", "p1", "", "daily", orgR, "宛先あり", 7*time.Hour)
		addr.Addressees = []domain.Addressee{{Kind: domain.AddresseeUser, ID: "u-x"}}
		// p2 has no consent: of the entries addressed to org R about p2, org R's
		// reader gets only those org R wrote.
		theirs := newEntry(netA, "o2", "p2", "", "care", orgT, "同意のない方（他組織）", 8*time.Hour)
		theirs.Addressees = []domain.Addressee{{Kind: domain.AddresseeOrg, ID: orgR}}
		ours := newEntry(netA, "o3", "p2", "", "care", orgR, "同意のない方（自組織）", 9*time.Hour)
		ours.Addressees = []domain.Addressee{{Kind: domain.AddresseeUser, ID: "u-r"}}
		createEntries(t, db, addr, theirs, ours)
		teamScope := domain.PersonScope{OrgID: orgT, AccessKinds: []string{domain.AccessTeam}, Today: today}
		ownScope := domain.PersonScope{OrgID: orgR, AccessKinds: []string{domain.AccessTeam}, Today: today}
		es := domain.EntryScope{AllCategories: true, OwnOrg: orgT}
		if ids, n := inbox(teamScope, es, domain.InboxFilter{UserID: "u-x", OrgID: orgT}); !slices.Equal(ids, []string{"e5/山田", "e1/山田/read"}) || n != 2 {
			t.Errorf("inbox of u-x: %v %d", ids, n)
		}
		if ids, n := inbox(teamScope, es, domain.InboxFilter{UserID: "u-x", OrgID: orgT, UnreadOnly: true}); !slices.Equal(ids, []string{"e5/山田"}) || n != 1 {
			t.Errorf("unread inbox of u-x: %v %d", ids, n)
		}
		if ids, _ := inbox(teamScope, domain.EntryScope{Categories: []string{"care"}, OwnOrg: orgT}, domain.InboxFilter{UserID: "u-x", OrgID: orgT}); !slices.Equal(ids, []string{"e1/山田/read"}) {
			t.Errorf("inbox within categories: %v", ids)
		}
		if ids, _ := inbox(ownScope, domain.EntryScope{AllCategories: true, OwnOrg: orgR}, domain.InboxFilter{UserID: "u-r", OrgID: orgR}); !slices.Equal(ids, []string{"o3/山田"}) {
			t.Errorf("inbox of org R about a person without consent: %v, want its own entry only", ids)
		}
		if ids, _ := inbox(teamScope, es, domain.InboxFilter{UserID: "u-z", OrgID: orgX}); len(ids) != 0 {
			t.Errorf("inbox of someone not addressed: %v", ids)
		}
		if ids, _ := inbox(domain.PersonScope{}, es, domain.InboxFilter{UserID: "u-x", OrgID: orgT}); len(ids) != 0 {
			t.Errorf("inbox with the zero people scope: %v", ids)
		}
		// A deleted entry leaves the inbox.
		run(t, db, func(tx store.Tx) error {
			e, err := tx.FindEntry(ctx, netA, "e5")
			if err != nil {
				return err
			}
			e.DeletedAt, e.DeletedBy, e.DeletedByName = at(9*time.Hour), "u-r", "職員"
			return tx.UpdateEntry(ctx, e)
		})
		if ids, _ := inbox(teamScope, es, domain.InboxFilter{UserID: "u-x", OrgID: orgT, UnreadOnly: true}); len(ids) != 0 {
			t.Errorf("a tombstone in the inbox: %v", ids)
		}
		if ids, _ := list(allCats, domain.EntryFilter{Query: "宛先"}); len(ids) != 0 {
			t.Errorf("a deleted entry's text is searched: %v", ids)
		}

		// The purge of p1: its entries and everything hanging off them; the file
		// goes too, since nothing else uses it. p2 and the other network stay.
		n := get(t, db, func(tx store.Tx) (int, error) { return tx.PurgePersonEntries(ctx, netA, "p1") })
		if n != 6 {
			t.Errorf("purged %d entries, want 6", n)
		}
		if ids, total := list(allCats, domain.EntryFilter{}); len(ids) != 0 || total != 0 {
			t.Errorf("after the purge: %v", ids)
		}
		for _, table := range []string{"timeline_versions", "timeline_reads", "timeline_addressees", "entry_attachments"} {
			var c int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE network_id = 'net-a' AND entry_id IN ('e1', 'e2', 'e3', 'e4', 'e5', 'r1')`).Scan(&c); err != nil || c != 0 {
				t.Errorf("%s: %d rows left (%v)", table, c, err)
			}
		}
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error { _, err := tx.FindAttachment(ctx, netA, "aaaa"); return err })
		if got := get(t, db, func(tx store.Tx) (*domain.Entry, error) { return tx.FindEntry(ctx, netA, "o1") }); got == nil {
			t.Error("the purge touched another person")
		}
		if got := get(t, db, func(tx store.Tx) (*domain.Entry, error) { return tx.FindEntry(ctx, netB, "e1") }); got == nil {
			t.Error("the purge touched another network")
		}
	})
}

// A file shared by two people's records (content-addressed) survives the purge
// of one of them, and AttachmentInUse says so.
func TestContractTimelineSharedAttachment(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		createNetworks(t, db, netA)
		createPeople(t, db, newPerson(netA, "p1", "ヤマダ", "タロウ"), newPerson(netA, "p2", "スズキ", "ハナコ"))
		run(t, db, func(tx store.Tx) error {
			return tx.CreateAttachment(ctx, &domain.Attachment{NetworkID: netA, ID: "bbbb", ContentType: "application/pdf", Size: 3,
				Data: []byte("pdf"), CreatedAt: t0, CreatedBy: "u"})
		})
		a := newEntry(netA, "e1", "p1", "", "care", orgR, "写真", 0)
		b := newEntry(netA, "e2", "p2", "", "care", orgR, "同じ写真", time.Minute)
		a.Attachments, b.Attachments = []string{"bbbb"}, []string{"bbbb"}
		createEntries(t, db, a, b)
		if inUse := get(t, db, func(tx store.Tx) (bool, error) { return tx.AttachmentInUse(ctx, netA, "bbbb", "p1") }); !inUse {
			t.Error("AttachmentInUse misses another person's entry")
		}
		get(t, db, func(tx store.Tx) (int, error) { return tx.PurgePersonEntries(ctx, netA, "p1") })
		if att := get(t, db, func(tx store.Tx) (*domain.Attachment, error) { return tx.FindAttachment(ctx, netA, "bbbb") }); string(att.Data) != "pdf" {
			t.Error("the shared file went with one person's purge")
		}
		// An entry cannot name a file that is not stored.
		bad := newEntry(netA, "e3", "p1", "", "care", orgR, "x", 0)
		bad.Attachments = []string{"missing"}
		if err := db.Transact(ctx, func(tx store.Tx) error { return tx.CreateEntry(ctx, bad) }); err == nil {
			t.Error("an entry linked a file that does not exist")
		}
	})
}
