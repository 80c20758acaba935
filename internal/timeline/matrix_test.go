package timeline_test

import (
	"slices"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/timeline"
)

// agree checks the list form against the decision entry by entry: the user's
// timeline lists exactly the entries the user may open, and its total counts
// their threads. It returns the listed IDs.
func (f *fx) agree(uid, personID string, entries []*domain.Entry) []string {
	f.t.Helper()
	_, listed := f.reads(uid, personID)
	var opened []string
	for _, e := range entries {
		if f.opens(uid, e.ID) {
			opened = append(opened, e.ID)
		}
	}
	a, b := slices.Clone(listed), slices.Clone(opened)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		f.t.Errorf("%s: the timeline lists %v but opens %v", uid, listed, opened)
	}
	return listed
}

func (f *fx) setMatrix(cells ...domain.MatrixEntry) {
	f.t.Helper()
	if err := f.env.People.SetMatrix(bg(), f.op(), cells); err != nil {
		f.t.Fatalf("matrix: %v", err)
	}
}

// beppu §10-1: 事業責任者は、…業種及び職種ごとのアクセス権限を定める. The operator takes
// 日々の生活状況 away from 訪問介護員 and lets them read, not write, 見守り: the helper's
// timeline, its count, the entry itself, the search and the inbox all lose the
// daily-life entries on the next request; the care manager keeps everything.
func TestBeppu10_1MatrixHidesCategory(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "beppu")
		office := f.unit("鉄輪居宅介護支援事業所", "kyotaku", "care_manager")
		helper := f.unit("浜脇訪問介護事業所", "kaigo_service", "helper")
		p := f.shared(office, "別府", helper)
		care := f.write(office.user, p.ID, timeline.Input{Category: "care", Body: "ケアプランを変更しました"})
		f.env.Advance(time.Minute)
		watch := f.write(office.user, p.ID, timeline.Input{Category: "watch", Body: "民生委員から連絡あり"})
		f.env.Advance(time.Minute)
		daily := f.write(office.user, p.ID, timeline.Input{Category: "daily", Body: "日中はデイサービスで過ごしています",
			To: []string{"user:" + helper.user}})
		reply := f.write(helper.user, p.ID, timeline.Input{ReplyTo: daily.ID, Body: "了解しました"})
		all := []*domain.Entry{care, watch, daily, reply}
		if got := f.agree(helper.user, p.ID, all); len(got) != 4 {
			t.Fatalf("before the matrix changes the helper reads %v", got)
		}

		f.setMatrix(domain.MatrixEntry{Occupation: "helper", Category: "daily", Read: false, Write: false},
			domain.MatrixEntry{Occupation: "helper", Category: "watch", Read: true, Write: false})

		got := f.agree(helper.user, p.ID, all)
		if !slices.Equal(got, []string{watch.ID, care.ID}) {
			t.Errorf("beppu §10-1: the helper reads %v, want 見守り and 介護 only", got)
		}
		if f.opens(helper.user, reply.ID) {
			t.Error("beppu §10-1: a reply in a hidden category is opened (a reply has its thread's category)")
		}
		page, err := f.tl.Timeline(bg(), f.as(helper.user), p.ID, timeline.Filter{Query: "デイサービス"}, true)
		if err != nil || page.Total != 0 {
			t.Errorf("beppu §10-1: the search finds a hidden entry: %+v %v", page, err)
		}
		if len(page.Writable) != 1 || page.Writable[0].Key != "care" || len(page.Readable) != 2 {
			t.Errorf("the helper writes %v and filters by %v", page.Writable, page.Readable)
		}
		if _, total, _ := f.tl.Inbox(bg(), f.as(helper.user), timeline.InboxFilter{}); total != 0 {
			t.Errorf("beppu §10-1: the inbox shows %d entries of a hidden category", total)
		}
		_, err = f.tl.Create(bg(), f.as(helper.user), p.ID, timeline.Input{Category: "watch", Body: "見守りの記録"})
		wantCode(t, err, domain.EFORBIDDEN, "beppu §10-1: writing a category the occupation only reads")
		mine, err := f.tl.Create(bg(), f.as(helper.user), p.ID, timeline.Input{Category: "care", Body: "介護の記録"})
		if err != nil {
			t.Fatalf("writing a permitted category: %v", err)
		}
		all = append(all, mine)
		if got := f.agree(office.user, p.ID, all); len(got) != 5 {
			t.Errorf("the care manager's occupation is untouched, reads %v", got)
		}

		// Nothing readable at all: the timeline is refused (the person is still seen).
		f.setMatrix(domain.MatrixEntry{Occupation: "helper", Category: "care"}, domain.MatrixEntry{Occupation: "helper", Category: "watch"})
		_, err = f.tl.Timeline(bg(), f.as(helper.user), p.ID, timeline.Filter{}, false)
		wantCode(t, err, domain.EFORBIDDEN, "an occupation that reads no category")
	})
}

// fukuoka §9-1: 事業責任者は、…業務利用者の業種及び職種ごとのアクセス権限を定める. A
// pharmacist who reads 投薬 and 生体情報 only sees those among the seven categories of
// §2 (医療, 介護, 健診, 見守り, 投薬, 日々の生活状況, 生体情報); a doctor sees all.
func TestFukuoka9_1Matrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "fukuoka")
		var keys []string
		for _, c := range f.prof.People.RecordCategories {
			keys = append(keys, c.Name)
		}
		if want := []string{"医療", "介護", "健診", "見守り", "投薬", "日々の生活状況", "生体情報"}; !slices.Equal(keys, want) {
			t.Fatalf("fukuoka §2 categories %v, want %v", keys, want)
		}
		office := f.unit("中洲居宅介護支援事業所", "kyotaku", "care_manager")
		clinic := f.unit("天神内科クリニック", "shinryojo", "doctor")
		pharmacy := f.unit("薬院薬局", "yakkyoku", "pharmacist")
		p := f.shared(office, "博多", clinic, pharmacy)
		var all []*domain.Entry
		var cells []domain.MatrixEntry
		for _, c := range f.prof.People.RecordCategories {
			all = append(all, f.write(clinic.user, p.ID, timeline.Input{Category: c.Key, Body: c.Name + "の記録"}))
			read := c.Key == "medication" || c.Key == "vitals"
			cells = append(cells, domain.MatrixEntry{Occupation: "pharmacist", Category: c.Key, Read: read, Write: c.Key == "medication"})
		}
		f.setMatrix(cells...)
		got := f.agree(pharmacy.user, p.ID, all)
		var cats []string
		for _, id := range got {
			for _, e := range all {
				if e.ID == id {
					cats = append(cats, e.Category)
				}
			}
		}
		slices.Sort(cats)
		if !slices.Equal(cats, []string{"medication", "vitals"}) {
			t.Errorf("fukuoka §9-1: the pharmacist reads %v", cats)
		}
		if got := f.agree(clinic.user, p.ID, all); len(got) != 7 {
			t.Errorf("the doctor reads %d of 7", len(got))
		}
		_, err := f.tl.Create(bg(), f.as(pharmacy.user), p.ID, timeline.Input{Category: "vitals", Body: "血圧"})
		wantCode(t, err, domain.EFORBIDDEN, "fukuoka §9-1: the pharmacist writes 生体情報")
		if _, err := f.tl.Create(bg(), f.as(pharmacy.user), p.ID, timeline.Input{Category: "medication", Body: "一包化しました"}); err != nil {
			t.Errorf("the pharmacist writes 投薬: %v", err)
		}
	})
}

// sendai §3: 指示事項, 治療経過, 支援経過, 訴え; the profiles without a matrix
// (katori, joso, sendai) let every occupation of a permitted organization read and
// write every category.
func TestSendai3CategoriesWithoutMatrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFx(t, db, "sendai-izumi")
		var names []string
		for _, c := range f.prof.People.RecordCategories {
			names = append(names, c.Name)
		}
		if want := []string{"指示事項", "治療経過", "支援経過", "訴え"}; !slices.Equal(names, want) {
			t.Fatalf("sendai §3 categories %v, want %v", names, want)
		}
		a := f.unit("泉中央クリニック", "shinryojo", "doctor")
		b := f.unit("泉ヘルパーステーション", "kaigo_service", "helper")
		p := f.shared(a, "泉", b)
		var all []*domain.Entry
		for _, c := range f.prof.People.RecordCategories {
			all = append(all, f.write(b.user, p.ID, timeline.Input{Category: c.Key, Body: c.Name}))
		}
		if got := f.agree(b.user, p.ID, all); len(got) != 4 {
			t.Errorf("without a matrix a helper reads %d of 4", len(got))
		}
		if err := f.env.People.SetMatrix(bg(), f.op(), []domain.MatrixEntry{{Occupation: "helper", Category: "instruction"}}); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("the matrix of a network without one was changed: %v", err)
		}
	})
}
