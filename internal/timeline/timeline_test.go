package timeline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/timeline"
)

// SPEC §5: a nurse writes after a visit, the doctor replies with an instruction,
// the care manager sees both. Threads, newest first; the replies of a thread in
// order; the reply takes the thread's category; the care team reads, an
// organization outside it does not (katori §12: 許可された情報のみ).
func TestTimelineThreads(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "sendai-izumi")
		clinic := f.unit("泉中央クリニック", "shinryojo", "doctor")
		nurse := f.unit("泉訪問看護ステーション", "houmon_kango", "nurse")
		cm := f.unit("将監居宅介護支援事業所", "kyotaku", "care_manager")
		other := f.unit("八乙女薬局", "yakkyoku", "pharmacist")
		p := f.shared(clinic, "泉", nurse, cm)

		visit := f.write(nurse.user, p.ID, timeline.Input{Category: "support", Body: "訪問しました。\n食欲が落ちています。",
			To: []string{"org:" + clinic.org}, ActionRequired: true})
		f.env.Advance(time.Minute)
		reply := f.write(clinic.user, p.ID, timeline.Input{ReplyTo: visit.ID, Body: "明日から点滴を開始してください。", Category: "complaint"})
		if reply.Category != "support" || reply.ThreadID != visit.ID || reply.ReplyTo != visit.ID {
			t.Errorf("a reply takes its thread's category and joins it: %+v", reply)
		}
		f.env.Advance(time.Minute)
		later := f.write(cm.user, p.ID, timeline.Input{Category: "instruction", Body: "サービス担当者会議を来週開きます。"})

		page, err := f.tl.Timeline(bg(), f.as(cm.user), p.ID, timeline.Filter{}, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(page), []string{later.ID, visit.ID, reply.ID}; !slices.Equal(got, want) {
			t.Errorf("timeline %v, want newest thread first, replies under it %v", got, want)
		}
		if page.Total != 2 || page.Via != "team" {
			t.Errorf("total %d via %q", page.Total, page.Via)
		}
		if len(page.Orgs) != 3 || len(page.Writable) != 4 {
			t.Errorf("compose: %d organizations to address, %d categories to write", len(page.Orgs), len(page.Writable))
		}
		// Line breaks are kept as written.
		if page.Threads[1].Root.Entry.Body != "訪問しました。\n食欲が落ちています。" {
			t.Errorf("body %q", page.Threads[1].Root.Entry.Body)
		}
		if ok, _ := f.reads(other.user, p.ID); ok {
			t.Error("an organization outside the care team reads the timeline")
		}
		if f.opens(other.user, visit.ID) {
			t.Error("an organization outside the care team opens an entry")
		}
		// The operator sees the person to run the network, not the record the
		// organizations share.
		if ok, _ := f.reads(f.opID, p.ID); ok {
			t.Error("the operator reads the timeline")
		}
		// A reply to a reply joins the same thread.
		r2 := f.write(nurse.user, p.ID, timeline.Input{ReplyTo: reply.ID, Body: "承知しました。"})
		if r2.ThreadID != visit.ID || r2.ReplyTo != reply.ID {
			t.Errorf("reply to a reply: %+v", r2)
		}
	})
}

// Before consent nothing is shared (sendai §12-1, katori §13-1, beppu §15): the
// registering organization writes and reads its own notes, nobody else does.
// After a withdrawal (beppu §16) the organizations let in lose the timeline on
// the very next request; the registering organization keeps only what it wrote.
func TestTimelineConsentAndWithdrawal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "beppu")
		office := f.unit("鉄輪居宅介護支援事業所", "kyotaku", "care_manager")
		helper := f.unit("浜脇訪問介護事業所", "kaigo_service", "helper")
		p := f.register(office, "別府")
		before := f.write(office.user, p.ID, timeline.Input{Body: "同意前の記録"})
		if ok, got := f.reads(office.user, p.ID); !ok || !slices.Equal(got, []string{before.ID}) {
			t.Fatalf("the registering organization before consent: %v %v", ok, got)
		}
		if ok, _ := f.reads(helper.user, p.ID); ok {
			t.Fatal("another organization reads before consent")
		}
		f.consent(office, p)
		f.share(office, p, helper)
		f.env.Advance(time.Minute)
		own := f.write(office.user, p.ID, timeline.Input{Body: "事業所の記録"})
		f.env.Advance(time.Minute)
		theirs := f.write(helper.user, p.ID, timeline.Input{Body: "ヘルパーの記録"})
		if ok, got := f.reads(helper.user, p.ID); !ok || len(got) != 3 {
			t.Fatalf("after consent and grant the helper reads %v %v", ok, got)
		}

		// beppu §16: the city enters the withdrawal; the next request is refused.
		if err := f.env.People.WithdrawConsent(bg(), f.op(), p.ID, "本人の申出"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := f.reads(helper.user, p.ID); ok {
			t.Error("beppu §16: the timeline is still read after the withdrawal")
		}
		if f.opens(helper.user, theirs.ID) {
			t.Error("beppu §16: an entry is still opened after the withdrawal")
		}
		_, err := f.tl.Create(bg(), f.as(helper.user), p.ID, timeline.Input{Category: f.cat(0), Body: "撤回後"})
		wantCode(t, err, domain.ENOTFOUND, "writing after the withdrawal")
		ok, got := f.reads(office.user, p.ID)
		if !ok || !slices.Equal(got, []string{own.ID, before.ID}) {
			t.Errorf("after the withdrawal the registering organization reads %v, want only its own entries", got)
		}
		if f.opens(office.user, theirs.ID) {
			t.Error("after the withdrawal the registering organization opens another organization's entry")
		}
	})
}

// katori §13-2 支援中止 hides the record from everyone; sendai §12-3 deletes the
// shared content: the person's entries, versions, read marks and addressees go,
// the audit trail says how many.
func TestTimelineStopAndPurge(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("katori", func(t *testing.T) {
			f := newFx(t, db, "katori")
			a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
			b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
			p := f.shared(a, "香取", b)
			e := f.write(b.user, p.ID, timeline.Input{Body: "相談を受けました。"})
			if err := f.env.People.RequestDeletion(bg(), f.as(a.user), p.ID, "本人の申出"); err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{a.user, b.user, f.opID} {
				if ok, _ := f.reads(u, p.ID); ok {
					t.Errorf("katori §13-2: %s reads a stopped person's timeline", u)
				}
				if f.opens(u, e.ID) {
					t.Errorf("katori §13-2: %s opens an entry of a stopped person", u)
				}
			}
		})
		t.Run("sendai", func(t *testing.T) {
			f := newFx(t, db, "sendai-izumi")
			a := f.unit("泉中央クリニック", "shinryojo", "doctor")
			b := f.unit("泉訪問看護ステーション", "houmon_kango", "nurse")
			p := f.shared(a, "泉", b)
			keep := f.shared(a, "残る", b)
			e := f.write(b.user, p.ID, timeline.Input{Body: "訪問記録", To: []string{"user:" + a.user}})
			f.write(a.user, p.ID, timeline.Input{ReplyTo: e.ID, Body: "確認しました"})
			if _, err := f.tl.Edit(bg(), f.as(b.user), e.ID, "訪問記録（訂正）"); err != nil {
				t.Fatal(err)
			}
			other := f.write(a.user, keep.ID, timeline.Input{Body: "別の方の記録"})
			if _, err := f.tl.Get(bg(), f.as(a.user), e.ID); err != nil {
				t.Fatal(err)
			}
			if err := f.env.People.RequestDeletion(bg(), f.as(a.user), p.ID, "本人の申出"); err != nil {
				t.Fatal(err)
			}
			for table, q := range map[string]string{
				"entries":    `SELECT COUNT(*) FROM timeline_entries WHERE person_id = $1`,
				"versions":   `SELECT COUNT(*) FROM timeline_versions WHERE entry_id = $1`,
				"reads":      `SELECT COUNT(*) FROM timeline_reads WHERE entry_id = $1`,
				"addressees": `SELECT COUNT(*) FROM timeline_addressees WHERE entry_id = $1`,
			} {
				arg := e.ID
				if table == "entries" {
					arg = p.ID
				}
				if n := f.count(q, arg); n != 0 {
					t.Errorf("sendai §12-3: %d %s left after the purge", n, table)
				}
			}
			if n := f.count(`SELECT COUNT(*) FROM timeline_entries WHERE person_id = $1`, keep.ID); n != 1 || !f.opens(a.user, other.ID) {
				t.Errorf("the purge of one person touched another's timeline (%d entries left)", n)
			}
			evs := f.events("person.delete_request")
			if len(evs) == 0 || detail(t, evs[0])["entries_deleted"] != float64(2) {
				t.Errorf("the purge's audit event does not count the entries: %+v", evs)
			}
			// The audit trail of the reads before the purge stays.
			if len(f.events("entry.view")) == 0 || len(f.events("entry.create")) < 2 {
				t.Error("sendai §12-3: the audit trail of the timeline is gone")
			}
		})
	})
}

// katori §34 (8): 入力されている情報の改ざん is forbidden, so nothing changes
// silently: an edit writes a new version and every version stays readable; a
// deletion leaves a tombstone naming who and when. Only the author edits; the
// author or the admin of the author's organization deletes (sendai §19-2).
func TestTimelineHistory(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "katori")
		a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
		b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
		p := f.shared(a, "香取", b)
		e := f.write(b.user, p.ID, timeline.Input{Body: "第1版"})
		f.env.Advance(time.Minute)
		if _, err := f.tl.Edit(bg(), f.as(a.user), e.ID, "他人による書き換え"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("katori §34 (8): another user edits the entry: %v", err)
		}
		if _, err := f.tl.Edit(bg(), f.as(b.admin), e.ID, "管理者による書き換え"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("the admin edits the staff member's entry: %v", err)
		}
		if _, err := f.tl.Edit(bg(), f.as(b.user), e.ID, "第2版"); err != nil {
			t.Fatal(err)
		}
		_, err := f.tl.Edit(bg(), f.as(b.user), e.ID, "第2版")
		wantCode(t, err, domain.EINVALID, "an edit that changes nothing")
		_, vs, err := f.tl.Versions(bg(), f.as(a.user), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0].Body != "第1版" || vs[1].Body != "第2版" || vs[1].Version != 2 || vs[1].EditedBy != b.user {
			t.Fatalf("versions %+v", vs)
		}
		v, err := f.tl.Get(bg(), f.as(a.user), e.ID)
		if err != nil || v.Item.Entry.Body != "第2版" || v.Item.Entry.Version != 2 || len(v.Versions) != 2 {
			t.Fatalf("Get after the edit: %+v %v", v, err)
		}

		// Deletion: not by another organization's user; by the admin of the
		// author's organization (sendai §19-2 responsibility), leaving a tombstone.
		if _, err := f.tl.Delete(bg(), f.as(a.user), e.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("another organization deletes the entry: %v", err)
		}
		if _, err := f.tl.Delete(bg(), f.as(b.admin), e.ID); err != nil {
			t.Fatal(err)
		}
		v, err = f.tl.Get(bg(), f.as(a.user), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x := v.Item.Entry; !x.Deleted() || x.DeletedBy != b.admin || x.DeletedByName == "" || len(v.Versions) != 0 {
			t.Errorf("tombstone %+v versions %d", x, len(v.Versions))
		}
		if _, err := f.tl.Delete(bg(), f.as(b.user), e.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("deleting twice: %v", err)
		}
		if _, err := f.tl.Edit(bg(), f.as(b.user), e.ID, "削除後"); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("editing a tombstone: %v", err)
		}
		_, err = f.tl.Create(bg(), f.as(a.user), p.ID, timeline.Input{ReplyTo: e.ID, Body: "返信"})
		wantCode(t, err, domain.ECONFLICT, "a reply to a deleted entry")
		// The text of every version is still in the database (append-only).
		if n := f.count(`SELECT COUNT(*) FROM timeline_versions WHERE entry_id = $1`, e.ID); n != 2 {
			t.Errorf("%d versions stored after the deletion, want 2", n)
		}
		for _, action := range []string{"entry.edit", "entry.delete", "entry.versions"} {
			if len(f.events(action)) == 0 {
				t.Errorf("no %s audit event", action)
			}
		}
	})
}

// Read marks (the viewing history): the first read of each user is recorded when
// a page shows an entry; the author and the addressees see the list, nobody else
// does. 要対応 entries are marked 対応済み by an addressee; the inbox lists what is
// addressed to a user and not yet read.
func TestTimelineReadMarks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "katori")
		a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
		b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
		c := f.unit("佐原訪問看護ステーション", "houmon_kango", "nurse")
		p := f.shared(a, "香取", b, c)
		e := f.write(a.user, p.ID, timeline.Input{Body: "至急ご連絡ください", To: []string{"user:" + b.user}, ActionRequired: true})

		inbox, total, err := f.tl.Inbox(bg(), f.as(b.user), timeline.InboxFilter{UnreadOnly: true})
		if err != nil || total != 1 || len(inbox) != 1 || inbox[0].Entry.ID != e.ID || inbox[0].FamilyName != "香取" {
			t.Fatalf("b's unread inbox: %d %+v %v", total, inbox, err)
		}
		if _, total, _ := f.tl.Inbox(bg(), f.as(c.user), timeline.InboxFilter{UnreadOnly: true}); total != 0 {
			t.Errorf("c is not addressed but has %d in the inbox", total)
		}
		// c reads first, then b: the first read of each is kept.
		page, err := f.tl.Timeline(bg(), f.as(c.user), p.ID, timeline.Filter{}, false)
		if err != nil || !page.Threads[0].Root.Unread {
			t.Fatalf("c's first view: %+v %v", page, err)
		}
		if page.Threads[0].Root.Readers != nil || page.Threads[0].Root.CanReaders {
			t.Error("a reader who is neither author nor addressee sees who read")
		}
		if page.Threads[0].Root.CanDone {
			t.Error("a reader who is not addressed may mark the entry done")
		}
		if _, err := f.tl.Readers(bg(), f.as(c.user), e.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("Readers by a reader who is neither author nor addressee: %v", err)
		}
		f.env.Advance(time.Minute)
		v, err := f.tl.Get(bg(), f.as(b.user), e.ID)
		if err != nil || !v.Item.Unread || !v.Item.CanDone {
			t.Fatalf("b opens the entry: %+v %v", v, err)
		}
		f.env.Advance(time.Minute)
		page, _ = f.tl.Timeline(bg(), f.as(c.user), p.ID, timeline.Filter{}, false)
		if page.Threads[0].Root.Unread {
			t.Error("an entry read once is still unread")
		}
		if _, total, _ := f.tl.Inbox(bg(), f.as(b.user), timeline.InboxFilter{UnreadOnly: true}); total != 0 {
			t.Errorf("b's unread inbox after reading: %d", total)
		}
		if all, total, _ := f.tl.Inbox(bg(), f.as(b.user), timeline.InboxFilter{}); total != 1 || !all[0].Read {
			t.Errorf("b's whole inbox: %d %+v", total, all)
		}
		for _, who := range []string{a.user, b.user} {
			rs, err := f.tl.Readers(bg(), f.as(who), e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 2 || rs[0].UserID != c.user || rs[1].UserID != b.user || !rs[0].ReadAt.Before(rs[1].ReadAt) {
				t.Errorf("readers as %s: %+v", who, rs)
			}
		}

		// 対応済み: by the addressee only, once.
		if _, err := f.tl.MarkDone(bg(), f.as(c.user), e.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("done by a reader who is not addressed: %v", err)
		}
		done, err := f.tl.MarkDone(bg(), f.as(b.user), e.ID)
		if err != nil || done.DoneBy != b.user || done.DoneAt.IsZero() {
			t.Fatalf("done: %+v %v", done, err)
		}
		_, err = f.tl.MarkDone(bg(), f.as(b.user), e.ID)
		wantCode(t, err, domain.ECONFLICT, "done twice")
		plain := f.write(a.user, p.ID, timeline.Input{Body: "連絡のみ", To: []string{"org:" + b.org}})
		if _, err := f.tl.MarkDone(bg(), f.as(b.user), plain.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("done on an entry that asks for no action: %v", err)
		}
		// Addressed to the organization: every member has it in the inbox.
		if _, total, _ := f.tl.Inbox(bg(), f.as(b.admin), timeline.InboxFilter{UnreadOnly: true}); total != 1 {
			t.Errorf("the organization's admin has %d unread addressed to the organization, want 1", total)
		}
		// A reply is addressed to the author of the entry answered, who is told
		// (a notification with a link, never the text); reading it marks the
		// notification read.
		reply := f.write(b.user, p.ID, timeline.Input{ReplyTo: e.ID, Body: "折り返します"})
		if len(reply.Addressees) != 1 || reply.Addressees[0] != (domain.Addressee{Kind: domain.AddresseeUser, ID: a.user}) {
			t.Errorf("the reply's addressees %+v, want the author of the entry answered", reply.Addressees)
		}
		if items, _, _ := f.tl.Inbox(bg(), f.as(a.user), timeline.InboxFilter{UnreadOnly: true}); len(items) != 1 || items[0].Entry.ID != reply.ID {
			t.Errorf("the author's inbox lacks the reply: %+v", items)
		}
		notes := f.notifications(a.user)
		if len(notes) != 1 || notes[0].Kind != "timeline.reply" || notes[0].Link != "/n/katori/entries/"+reply.ID || !notes[0].ReadAt.IsZero() {
			t.Errorf("the author's notifications %+v", notes)
		}
		found := false
		for _, n := range f.notifications(b.user) {
			if n.Link == "/n/katori/entries/"+e.ID {
				found = true
				if n.Kind != "timeline.addressed" || n.ReadAt.IsZero() {
					t.Errorf("the addressee's notification of the entry, read when the entry was opened: %+v", n)
				}
			}
		}
		if !found {
			t.Error("the addressee was not notified")
		}
		if _, err := f.tl.Get(bg(), f.as(a.user), reply.ID); err != nil {
			t.Fatal(err)
		}
		if notes := f.notifications(a.user); notes[0].ReadAt.IsZero() {
			t.Error("opening the reply left its notification unread")
		}
		// The inbox is audited per person shown.
		if evs := f.events("inbox.entries"); len(evs) == 0 || evs[0].PersonID != p.ID {
			t.Errorf("inbox reads are not audited per person: %+v", evs)
		}
	})
}

// Search, filters and paging: every page's threads and the total agree, whatever
// the filter; search is a literal substring ("100%" finds only itself).
func TestTimelineSearchAndPaging(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "sendai-izumi")
		a := f.unit("泉中央クリニック", "shinryojo", "doctor")
		b := f.unit("泉訪問看護ステーション", "houmon_kango", "nurse")
		p := f.shared(a, "泉", b)
		start := f.env.Clock.Now()
		var all []*domain.Entry
		for i := 0; i < 23; i++ {
			u := a
			if i%3 == 0 {
				u = b
			}
			body := fmt.Sprintf("記録%02d 体温36.%d度", i, i%10)
			if i == 7 {
				body = "酸素飽和度 100% を確認。Fever なし"
			}
			if i == 8 {
				body = "100 percent"
			}
			all = append(all, f.write(u.user, p.ID, timeline.Input{Category: f.cat(i % 4), Body: body}))
			f.env.Advance(6 * time.Hour)
		}
		// A reply that matches makes its thread match.
		f.write(b.user, p.ID, timeline.Input{ReplyTo: all[2].ID, Body: "褥瘡の処置をしました"})

		check := func(name string, flt timeline.Filter, want func(i int, e *domain.Entry) bool) {
			t.Helper()
			var expect []string
			for i := len(all) - 1; i >= 0; i-- {
				if want(i, all[i]) {
					expect = append(expect, all[i].ID)
				}
			}
			var got []string
			for off := 0; ; off += 5 {
				flt.Limit, flt.Offset = 5, off
				page, err := f.tl.Timeline(bg(), f.as(a.user), p.ID, flt, false)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if page.Total != len(expect) {
					t.Errorf("%s: total %d, want %d", name, page.Total, len(expect))
				}
				for _, th := range page.Threads {
					got = append(got, th.Root.Entry.ID)
				}
				if len(page.Threads) < 5 {
					break
				}
			}
			if !slices.Equal(got, expect) {
				t.Errorf("%s: pages hold %v, want %v", name, got, expect)
			}
		}
		check("everything", timeline.Filter{}, func(int, *domain.Entry) bool { return true })
		check("category", timeline.Filter{Category: f.cat(1)}, func(i int, _ *domain.Entry) bool { return i%4 == 1 })
		check("author organization", timeline.Filter{AuthorOrg: b.org}, func(i int, _ *domain.Entry) bool { return i%3 == 0 || i == 2 })
		check("search", timeline.Filter{Query: "体温36.1"}, func(i int, _ *domain.Entry) bool { return i%10 == 1 && i != 7 && i != 8 })
		check("search a reply", timeline.Filter{Query: "褥瘡"}, func(i int, _ *domain.Entry) bool { return i == 2 })
		check("literal %", timeline.Filter{Query: "100%"}, func(i int, _ *domain.Entry) bool { return i == 7 })
		check("ASCII case", timeline.Filter{Query: "fever"}, func(i int, _ *domain.Entry) bool { return i == 7 })
		day := func(d time.Duration) string {
			return start.Add(d).In(time.FixedZone("JST", 9*3600)).Format("2006-01-02")
		}
		from, to := day(24*time.Hour), day(48*time.Hour)
		check("dates", timeline.Filter{From: from, To: to}, func(i int, e *domain.Entry) bool {
			d := e.CreatedAt.In(time.FixedZone("JST", 9*3600)).Format("2006-01-02")
			return d >= from && d <= to
		})
		// The search is audited with its query.
		evs := f.events("timeline.view")
		if d := detail(t, evs[0]); d["from"] != from || d["to"] != to {
			t.Errorf("the timeline read is audited without its query: %v", d)
		}
		found := false
		for _, e := range evs {
			if d := detail(t, e); d["q"] == "褥瘡" && e.PersonID == p.ID && e.ActorUserID == a.user {
				found = true
			}
		}
		if !found {
			t.Error("a search is not audited with its words")
		}
	})
}

// Malformed input changes nothing: no entry, no version, no audit event of a
// creation.
func TestTimelineMalformedInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "katori")
		a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
		b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
		outside := f.unit("佐原訪問看護ステーション", "houmon_kango", "nurse")
		p := f.shared(a, "香取", b)
		q := f.shared(a, "別人")
		other := f.write(a.user, q.ID, timeline.Input{Body: "別の方の記録"})
		att := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		ok := func(in timeline.Input) timeline.Input {
			if in.Category == "" && in.ReplyTo == "" {
				in.Category = f.cat(0)
			}
			if in.Body == "" {
				in.Body = "本文"
			}
			return in
		}
		for _, c := range []struct {
			name  string
			in    timeline.Input
			code  domain.Code
			field string
		}{
			{"unknown category", ok(timeline.Input{Category: "diagnosis"}), domain.EINVALID, "category"},
			{"no category", timeline.Input{Body: "本文"}, domain.EINVALID, "category"},
			{"empty text", ok(timeline.Input{Body: " \n\t "}), domain.EINVALID, "body"},
			{"too long", ok(timeline.Input{Body: strings.Repeat("あ", timeline.MaxBody+1)}), domain.EINVALID, "body"},
			{"control character", ok(timeline.Input{Body: "本文\x00"}), domain.EINVALID, "body"},
			{"invalid UTF-8", ok(timeline.Input{Body: "本文\xff"}), domain.EINVALID, "body"},
			{"unknown addressee", ok(timeline.Input{To: []string{"user:nobody"}}), domain.EINVALID, "to"},
			{"organization outside the team", ok(timeline.Input{To: []string{"org:" + outside.org}}), domain.EINVALID, "to"},
			{"addressee of another kind", ok(timeline.Input{To: []string{"person:" + p.ID}}), domain.EINVALID, "to"},
			{"reply to another person's entry", ok(timeline.Input{ReplyTo: other.ID}), domain.EINVALID, "reply_to"},
			{"reply to nothing", ok(timeline.Input{ReplyTo: "no-such-entry"}), domain.EINVALID, "reply_to"},
			{"attachment not held", ok(timeline.Input{Attachments: []string{att}}), domain.EINVALID, "attachments"},
			{"attachment path", ok(timeline.Input{Attachments: []string{"../etc/passwd"}}), domain.EINVALID, "attachments"},
		} {
			entries := f.count(`SELECT COUNT(*) FROM timeline_entries`)
			versions := f.count(`SELECT COUNT(*) FROM timeline_versions`)
			creates := len(f.events("entry.create"))
			_, err := f.tl.Create(bg(), f.as(b.user), p.ID, c.in)
			wantCode(t, err, c.code, c.name)
			if e := domain.AsError(err); e != nil && c.field != "" && e.Fields[c.field] == "" {
				t.Errorf("%s: no message for %s: %v", c.name, c.field, err)
			}
			if f.count(`SELECT COUNT(*) FROM timeline_entries`) != entries || f.count(`SELECT COUNT(*) FROM timeline_versions`) != versions ||
				len(f.events("entry.create")) != creates {
				t.Errorf("%s changed something", c.name)
			}
		}
		// Bad filters are refused, not ignored.
		for _, flt := range []timeline.Filter{{Category: "x"}, {From: "2026-02-30"}, {From: "2026-11-02", To: "2026-11-01"},
			{Query: strings.Repeat("検", timeline.MaxQuery+1)}, {Limit: 101}, {Offset: -1}} {
			if _, err := f.tl.Timeline(bg(), f.as(b.user), p.ID, flt, false); domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("filter %+v: %v", flt, err)
			}
		}
	})
}

// Every read of entries is audited before the answer; if the append fails, the
// read fails and records nothing (no read mark either).
func TestTimelineReadsAreAudited(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "katori")
		a := f.unit("香取市社会福祉協議会", "shakyo", "shakai_fukushishi")
		b := f.unit("香取市地域包括支援センター", "hokatsu", "hokenshi")
		c := f.unit("佐原訪問看護ステーション", "houmon_kango", "nurse")
		p := f.shared(a, "香取", b)
		e := f.write(a.user, p.ID, timeline.Input{Body: "本文はログに残らない", To: []string{"user:" + b.user}})
		if _, err := f.tl.Timeline(bg(), f.as(b.user), p.ID, timeline.Filter{Query: "本文"}, false); err != nil {
			t.Fatal(err)
		}
		ev := f.events("timeline.view")[0]
		if ev.PersonID != p.ID || ev.ActorUserID != b.user || ev.ActorOrgID != b.org || ev.Outcome != "ok" ||
			detail(t, ev)["via"] != "team" || detail(t, ev)["q"] != "本文" {
			t.Errorf("timeline.view %+v %s", ev, ev.Detail)
		}
		for _, ev := range f.events("") {
			if strings.Contains(ev.Detail, "ログに残らない") {
				t.Errorf("the audit log holds an entry's text: %s %s", ev.Action, ev.Detail)
			}
		}
		// A refusal is audited as denied, and looks like "not found".
		_, err := f.tl.Timeline(bg(), f.as(c.user), p.ID, timeline.Filter{}, false)
		wantCode(t, err, domain.ENOTFOUND, "the timeline of a person outside c's reach")
		if ev := f.events("timeline.read")[0]; ev.Outcome != "denied" || ev.ActorUserID != c.user || ev.PersonID != p.ID {
			t.Errorf("the refusal is not audited: %+v", ev)
		}
		_, err = f.tl.Get(bg(), f.as(c.user), e.ID)
		wantCode(t, err, domain.ENOTFOUND, "an entry outside c's reach")
		if ev := f.events("entry.read")[0]; ev.Outcome != "denied" || ev.TargetID != e.ID {
			t.Errorf("the refused Get is not audited: %+v", ev)
		}

		failAuditOf(t, db, "timeline.view")
		if page, err := f.tl.Timeline(bg(), f.as(b.user), p.ID, timeline.Filter{}, false); err == nil || page != nil {
			t.Errorf("a timeline read whose audit event failed answered: %v", err)
		}
		failAuditOf(t, db, "entry.view")
		reads := f.count(`SELECT COUNT(*) FROM timeline_reads`)
		if v, err := f.tl.Get(bg(), f.as(a.admin), e.ID); err == nil || v != nil {
			t.Errorf("an entry read whose audit event failed answered: %v", err)
		}
		if f.count(`SELECT COUNT(*) FROM timeline_reads`) != reads {
			t.Error("a failed read left a read mark")
		}
		failAuditOf(t, db, "inbox.view")
		if items, _, err := f.tl.Inbox(bg(), f.as(b.user), timeline.InboxFilter{}); err == nil || items != nil {
			t.Errorf("an inbox whose audit event failed answered: %v", err)
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
