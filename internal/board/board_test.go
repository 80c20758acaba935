package board_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/board"
	"renraku/internal/domain"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

func wantCode(t *testing.T, err error, code domain.Code, field string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error %v (code %s), want %s", err, got, code)
	}
	if field != "" {
		if e := domain.AsError(err); e == nil || e.Fields[field] == "" {
			t.Fatalf("error %v: no message for field %s", err, field)
		}
	}
}

// fukuoka §14 (2): the operator posts to chosen organization types; a post for
// 訪問看護 stations is seen (and notified) there and not by a care-management
// office or the city's staff.
func TestBoardTargeting(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db, "fukuoka")
		hk, hkAdmin := f.org("houmon_kango")
		nurse := f.staff(hk, hkAdmin, "nurse", "")
		ky, kyAdmin := f.org("kyotaku")
		cm := f.staff(ky, kyAdmin, "care_manager", "")
		city := f.municipal()
		jimu := f.operator("unei_jimukyoku") // fukuoka §7-3 (5): 周知及び啓発
		sys := f.operator("system_kanrisha")

		p, err := f.svc.Create(ctx(), f.actor(jimu), board.Input{Kind: "notice", Title: "訪問看護ステーションの皆様へ",
			Body: "研修のご案内です。\n12月1日 14時から", OrgTypes: []string{"houmon_kango"}})
		f.must(err, "post")
		f.env.Advance(time.Minute)
		all, err := f.svc.Create(ctx(), f.actor(jimu), board.Input{Kind: "notice", Title: "システム更新のお知らせ", Body: "新しい機能を追加しました。"})
		f.must(err, "post to all")

		sees := func(user string) []string {
			t.Helper()
			list, total, err := f.svc.List(ctx(), f.actor(user), 0)
			f.must(err, "list")
			if total != len(list) {
				t.Errorf("total %d, listed %d", total, len(list))
			}
			return ids(list)
		}
		for _, c := range []struct {
			name, user string
			want       []string
		}{
			{"nurse of the 訪問看護 station", nurse, []string{all.ID, p.ID}},
			{"its admin", hkAdmin, []string{all.ID, p.ID}},
			{"care manager of the 居宅介護支援事業所", cm, []string{all.ID}},
			{"its admin", kyAdmin, []string{all.ID}},
			{"municipal staff", city, []string{all.ID}},
			{"the システム管理者 (in no audience but everyone's)", sys, []string{all.ID}},
			{"運営事務局, who manages the board", jimu, []string{all.ID, p.ID}},
		} {
			if got := sees(c.user); !slices.Equal(got, c.want) {
				t.Errorf("%s sees %v, want %v", c.name, got, c.want)
			}
		}
		// Opening it directly: not found, and the refusal audited.
		_, err = f.svc.Get(ctx(), f.actor(cm), p.ID)
		wantCode(t, err, domain.ENOTFOUND, "")
		if n := f.audited("board.post.view", "denied"); n != 1 {
			t.Errorf("%d audited refusals, want 1", n)
		}

		// The audience is notified, the author and those outside it are not.
		for _, c := range []struct {
			name, user string
			want       int
		}{{"nurse", nurse, 2}, {"its admin", hkAdmin, 2}, {"care manager", cm, 1}, {"municipal", city, 1},
			{"the author", jimu, 0}, {"the 事業責任者", f.op, 1}} {
			if got := f.unread(c.user); got != c.want {
				t.Errorf("%s: %d unread, want %d", c.name, got, c.want)
			}
		}
		// Opening the post is the read mark, and reads its notification.
		v, err := f.svc.Get(ctx(), f.actor(nurse), p.ID)
		f.must(err, "nurse opens")
		if v.Manage || v.Reads != nil {
			t.Errorf("a reader sees the read marks: %+v", v)
		}
		if got := f.unread(nurse); got != 1 {
			t.Errorf("nurse after opening: %d unread, want 1", got)
		}
		v, err = f.svc.Reads(ctx(), f.actor(jimu), p.ID)
		f.must(err, "reads")
		if v.Audience != 2 || v.ReadCurrent != 1 || len(v.Reads) != 1 || v.Reads[0].UserID != nurse || v.Reads[0].Version != 1 {
			t.Errorf("read marks %+v", v)
		}
		_, err = f.svc.Reads(ctx(), f.actor(nurse), p.ID)
		wantCode(t, err, domain.EFORBIDDEN, "")
	})
}

// beppu §8 (2), §9-2..3: notices by the operator's three roles, maintenance by the
// 事業責任者 only; organizations read. katori §32-2: the vendor announces its
// stops; joso §5-4 (3): the vendor announces, but stops are the city's.
func TestBoardWhoPosts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db, "beppu")
		org, admin := f.org("kyotaku")
		staff := f.staff(org, admin, "care_manager", "")
		start := f.env.Clock.Now().Add(48 * time.Hour)
		maint := board.Input{Kind: "maintenance", Title: "定期保守のお知らせ", Body: "システムを停止します。",
			StartsAt: rfc(start), EndsAt: rfc(start.Add(3 * time.Hour))}
		note := board.Input{Kind: "notice", Title: "操作説明会", Body: "説明会を開きます。"}
		for _, c := range []struct {
			who         string
			user        string
			notice, mnt bool
		}{
			{"事業責任者", f.op, true, true},
			{"運営管理責任者", f.operator("unei_kanri_sekininsha"), true, false},
			{"運営事務局", f.operator("unei_jimukyoku"), true, false},
			{"利用組織管理者", admin, false, false},
			{"業務利用者", staff, false, false},
			{"行政利用者", f.municipal(), false, false},
		} {
			_, err := f.svc.Create(ctx(), f.actor(c.user), note)
			if (err == nil) != c.notice {
				t.Errorf("%s posts a notice: %v, want allowed=%t", c.who, err, c.notice)
			}
			_, err = f.svc.Create(ctx(), f.actor(c.user), maint)
			if (err == nil) != c.mnt {
				t.Errorf("%s posts maintenance: %v, want allowed=%t", c.who, err, c.mnt)
			}
			if err != nil && domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Errorf("%s: %v, want forbidden", c.who, err)
			}
		}
		if n := f.audited("board.post", "denied"); n != 8 {
			t.Errorf("%d audited refusals, want 8", n)
		}

		for _, c := range []struct {
			profile     string
			notice, mnt bool
		}{{"katori", true, true}, {"joso", true, false}, {"sendai-izumi", true, false}} {
			g := newFx(t, db, c.profile)
			vc, err := g.env.Accounts.IssueNetworkAccount(ctx(), g.actor(g.op), accounts.NetworkAccountInput{Role: domain.RoleVendor, DisplayName: "保守 業者"})
			g.must(err, "vendor")
			start := g.env.Clock.Now().Add(48 * time.Hour)
			m := maint
			m.StartsAt, m.EndsAt = rfc(start), rfc(start.Add(time.Hour))
			if _, err := g.svc.Create(ctx(), g.actor(vc.UserID), note); (err == nil) != c.notice {
				t.Errorf("%s vendor posts a notice: %v", c.profile, err)
			}
			if _, err := g.svc.Create(ctx(), g.actor(vc.UserID), m); (err == nil) != c.mnt {
				t.Errorf("%s vendor announces maintenance: %v", c.profile, err)
			}
		}
	})
}

// Pinned notices first, then newest first.
func TestBoardPinnedFirst(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db, "beppu")
		org, admin := f.org("kyotaku")
		staff := f.staff(org, admin, "care_manager", "")
		post := func(title string, pinned bool) *domain.BoardPost {
			f.env.Advance(time.Minute)
			p, err := f.svc.Create(ctx(), f.actor(f.op), board.Input{Kind: "notice", Title: title, Body: "本文", Pinned: pinned})
			f.must(err, "post")
			return p
		}
		a, b, c := post("A", false), post("B 固定", true), post("C", false)
		d := post("D 固定", true)
		list, _, err := f.svc.List(ctx(), f.actor(staff), 0)
		f.must(err, "list")
		if got, want := ids(list), []string{d.ID, b.ID, c.ID, a.ID}; !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
		// Unpinning B (an edit) puts it back in date order.
		_, err = f.svc.Update(ctx(), f.actor(f.op), b.ID, board.Input{Kind: "notice", Title: b.Title, Body: b.Body})
		f.must(err, "unpin")
		list, _, err = f.svc.List(ctx(), f.actor(staff), 0)
		f.must(err, "list")
		if got, want := ids(list), []string{d.ID, c.ID, b.ID, a.ID}; !slices.Equal(got, want) {
			t.Errorf("order after unpinning %v, want %v", got, want)
		}
	})
}

// beppu §9-3: a maintenance stop is announced in advance on the board; the
// announcement shows on the home page while the window is upcoming or ongoing,
// on both sides of its start and end.
func TestBoardMaintenanceWindow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db, "beppu")
		org, admin := f.org("kyotaku")
		staff := f.staff(org, admin, "care_manager", "")
		start := time.Date(2026, 11, 28, 22, 0, 0, 0, time.FixedZone("JST", 9*3600))
		end := start.Add(4 * time.Hour)
		p, err := f.svc.Create(ctx(), f.actor(f.op), board.Input{Kind: "maintenance", Title: "定期保守による停止",
			Body: "サーバーの保守点検のため停止します。", StartsAt: "2026-11-28T22:00", EndsAt: rfc(end)}) // the form's local time, RFC 3339
		f.must(err, "announce")
		if !p.StartsAt.Equal(start) || !p.EndsAt.Equal(end) {
			t.Fatalf("window %v - %v", p.StartsAt, p.EndsAt)
		}
		banner := func() []string {
			t.Helper()
			list, err := f.svc.Maintenance(ctx(), f.actor(staff))
			f.must(err, "maintenance")
			return ids(list)
		}
		for _, c := range []struct {
			name            string
			at              time.Time
			shown, upcoming bool
		}{
			{"days before", testenvStart(), true, true},
			{"a second before the start", start.Add(-time.Second), true, true},
			{"at the start", start, true, false},
			{"a second before the end", end.Add(-time.Second), true, false},
			{"at the end", end, false, false},
			{"after the end", end.Add(time.Hour), false, false},
		} {
			f.env.Clock.Set(c.at)
			got := banner()
			if (len(got) == 1) != c.shown {
				t.Errorf("%s: banner %v, want shown=%t", c.name, got, c.shown)
			}
			if c.shown && (p.Upcoming(c.at) != c.upcoming || p.Ongoing(c.at) == c.upcoming) {
				t.Errorf("%s: upcoming=%t ongoing=%t", c.name, p.Upcoming(c.at), p.Ongoing(c.at))
			}
		}

		// After the start only as an urgent stop (beppu §9-3 ただし書).
		f.env.Clock.Set(start.Add(24 * time.Hour))
		now := f.env.Clock.Now()
		late := board.Input{Kind: "maintenance", Title: "緊急停止", Body: "障害のため停止しています。",
			StartsAt: rfc(now.Add(-10 * time.Minute)), EndsAt: rfc(now.Add(time.Hour))}
		_, err = f.svc.Create(ctx(), f.actor(f.op), late)
		wantCode(t, err, domain.EINVALID, "starts_at")
		late.Urgent = true
		u, err := f.svc.Create(ctx(), f.actor(f.op), late)
		f.must(err, "urgent stop")
		if got := banner(); !slices.Equal(got, []string{u.ID}) || !u.Ongoing(f.env.Clock.Now()) {
			t.Errorf("urgent stop: banner %v", got)
		}
		// A withdrawn stop leaves the banner, for the operator too.
		f.must(f.svc.Withdraw(ctx(), f.actor(f.op), u.ID, "復旧しました"), "withdraw")
		if got := banner(); len(got) != 0 {
			t.Errorf("after withdrawal: %v", got)
		}
		if list, err := f.svc.Maintenance(ctx(), f.actor(f.op)); err != nil || len(list) != 0 {
			t.Errorf("operator's banner after withdrawal: %v %v", ids(list), err)
		}
	})
}

func testenvStart() time.Time {
	return time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))
}

// Malformed input is refused with a message for the field, and changes nothing:
// no post, no notification, no audit event.
func TestBoardMalformedInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db, "beppu")
		org, admin := f.org("kyotaku")
		f.staff(org, admin, "care_manager", "")
		now := f.env.Clock.Now()
		start, end := rfc(now.Add(24*time.Hour)), rfc(now.Add(26*time.Hour))
		ok := board.Input{Kind: "notice", Title: "件名", Body: "本文"}
		m := func(mod func(*board.Input)) board.Input {
			in := ok
			mod(&in)
			return in
		}
		maint := func(s, e string) func(*board.Input) {
			return func(in *board.Input) { in.Kind, in.StartsAt, in.EndsAt = "maintenance", s, e }
		}
		tests := []struct {
			name  string
			in    board.Input
			field string
		}{
			{"empty title", m(func(in *board.Input) { in.Title = " 　" }), "title"},
			{"title over 100 characters", m(func(in *board.Input) { in.Title = strings.Repeat("あ", 101) }), "title"},
			{"title with a line break", m(func(in *board.Input) { in.Title = "一行目\n二行目" }), "title"},
			{"empty body", m(func(in *board.Input) { in.Body = "" }), "body"},
			{"markup in the body", m(func(in *board.Input) { in.Body = "<script>alert(1)</script>" }), "body"},
			{"invalid UTF-8", m(func(in *board.Input) { in.Body = "\xff\xfe" }), "body"},
			{"unknown kind", m(func(in *board.Input) { in.Kind = "advert" }), "kind"},
			{"unknown organization type (beppu has no 病院)", m(func(in *board.Input) { in.OrgTypes = []string{"byoin"} }), "org_types"},
			{"unknown role", m(func(in *board.Input) { in.Roles = []string{"citizen"} }), "roles"},
			{"unknown occupation", m(func(in *board.Input) { in.Occupations = []string{"astronaut"} }), "occupations"},
			{"auditor in a network without one", m(func(in *board.Input) { in.Roles = []string{"auditor"} }), "roles"},
			{"an organization type for accounts of no organization", m(func(in *board.Input) {
				in.OrgTypes, in.Roles = []string{"kyotaku"}, []string{"municipal"}
			}), "roles"},
			{"maintenance without a window", m(maint("", "")), "starts_at"},
			{"maintenance without an end", m(maint(start, "")), "ends_at"},
			{"end before start", m(maint(end, start)), "ends_at"},
			{"end equal to start", m(maint(start, start)), "ends_at"},
			{"a date that is not one", m(maint("2026-13-01T09:00", end)), "starts_at"},
			{"text for a time", m(maint("来週", end)), "starts_at"},
			{"not announced in advance (beppu §9-3)", m(maint(rfc(now.Add(-time.Hour)), end)), "starts_at"},
			{"a window already over", m(maint(rfc(now.Add(-3*time.Hour)), rfc(now.Add(-time.Hour)))), "ends_at"},
		}
		before := f.counts()
		for _, tt := range tests {
			_, err := f.svc.Create(ctx(), f.actor(f.op), tt.in)
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("%s: %v, want invalid", tt.name, err)
				continue
			}
			if e := domain.AsError(err); e.Fields[tt.field] == "" {
				t.Errorf("%s: no message for %s: %v", tt.name, tt.field, e.Fields)
			}
		}
		if after := f.counts(); after != before {
			t.Errorf("malformed posts changed %+v into %+v", before, after)
		}

		// The same for edits and withdrawals of a real post.
		p, err := f.svc.Create(ctx(), f.actor(f.op), ok)
		f.must(err, "post")
		before = f.counts()
		for _, tt := range tests {
			if _, err := f.svc.Update(ctx(), f.actor(f.op), p.ID, tt.in); domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("edit, %s: %v, want invalid", tt.name, err)
			}
		}
		err = f.svc.Withdraw(ctx(), f.actor(f.op), p.ID, "理由\n二行目")
		wantCode(t, err, domain.EINVALID, "reason")
		_, err = f.svc.Update(ctx(), f.actor(f.op), "no-such-post", ok)
		wantCode(t, err, domain.ENOTFOUND, "")
		if after := f.counts(); after != before {
			t.Errorf("malformed edits changed %+v into %+v", before, after)
		}
		v, err := f.svc.Reads(ctx(), f.actor(f.op), p.ID)
		f.must(err, "reads")
		if v.Post.Version != 1 || v.Post.Title != "件名" {
			t.Errorf("post after malformed edits: %+v", v.Post)
		}
	})
}

// Read marks per user and version; an edit is a new version (audited with the
// fields it changed) and may tell the audience again; a withdrawal hides the
// post from users and keeps it for the operator.
func TestBoardReadsEditsWithdrawal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		f := newFx(t, db, "beppu")
		org, admin := f.org("kyotaku")
		staff := f.staff(org, admin, "care_manager", "")
		kanri := f.operator("unei_kanri_sekininsha")
		p, err := f.svc.Create(ctx(), f.actor(kanri), board.Input{Kind: "notice", Title: "研修のお知らせ", Body: "12月1日に研修を行います。"})
		f.must(err, "post")
		f.env.Advance(time.Minute)
		_, err = f.svc.Get(ctx(), f.actor(staff), p.ID)
		f.must(err, "staff reads")
		f.env.Advance(time.Minute)
		_, err = f.svc.Get(ctx(), f.actor(admin), p.ID)
		f.must(err, "admin reads")
		v, err := f.svc.Reads(ctx(), f.actor(f.op), p.ID)
		f.must(err, "reads")
		if v.ReadCurrent != 2 || len(v.Reads) != 2 || v.Reads[0].UserID != staff || v.Reads[1].UserID != admin {
			t.Fatalf("reads %+v", v.Reads)
		}

		// The 運営事務局 corrects the date and tells everyone again.
		f.env.Advance(time.Minute)
		edited, err := f.svc.Update(ctx(), f.actor(f.operator("unei_jimukyoku")), p.ID,
			board.Input{Kind: "notice", Title: "研修のお知らせ（日程変更）", Body: "12月8日に研修を行います。", Notify: true})
		f.must(err, "edit")
		if edited.Version != 2 {
			t.Errorf("version %d", edited.Version)
		}
		if f.unread(staff) != 1 {
			t.Errorf("staff: %d unread after the edit, want 1", f.unread(staff))
		}
		v, err = f.svc.Reads(ctx(), f.actor(kanri), p.ID)
		f.must(err, "reads")
		if v.ReadCurrent != 0 || len(v.Reads) != 2 {
			t.Errorf("after the edit: %d read the current version, %d marks", v.ReadCurrent, len(v.Reads))
		}
		list, _, err := f.svc.List(ctx(), f.actor(staff), 0)
		f.must(err, "list")
		if len(list) != 1 || list[0].ReadVersion != 1 || list[0].Version != 2 {
			t.Errorf("staff's list after the edit: %+v", list)
		}
		_, err = f.svc.Get(ctx(), f.actor(staff), p.ID)
		f.must(err, "staff reads again")
		if v, _ := f.svc.Reads(ctx(), f.actor(kanri), p.ID); v.ReadCurrent != 1 {
			t.Errorf("read current after rereading: %d", v.ReadCurrent)
		}
		// An edit that changes nothing is no new version.
		same, err := f.svc.Update(ctx(), f.actor(kanri), p.ID, board.Input{Kind: "notice", Title: edited.Title, Body: edited.Body})
		f.must(err, "no-op edit")
		if same.Version != 2 {
			t.Errorf("a no-op edit made version %d", same.Version)
		}
		// Only the board's managers edit.
		_, err = f.svc.Update(ctx(), f.actor(admin), p.ID, board.Input{Kind: "notice", Title: "改ざん", Body: "改ざん"})
		wantCode(t, err, domain.EFORBIDDEN, "")

		f.must(f.svc.Withdraw(ctx(), f.actor(f.op), p.ID, "日程未定のため"), "withdraw")
		_, err = f.svc.Get(ctx(), f.actor(staff), p.ID)
		wantCode(t, err, domain.ENOTFOUND, "")
		if list, _, _ := f.svc.List(ctx(), f.actor(staff), 0); len(list) != 0 {
			t.Errorf("staff still lists %v", ids(list))
		}
		v, err = f.svc.Get(ctx(), f.actor(kanri), p.ID)
		f.must(err, "operator reads the withdrawn post")
		if v.Post.Status != domain.BoardWithdrawn || v.Post.WithdrawReason != "日程未定のため" || !v.Manage {
			t.Errorf("withdrawn post %+v", v.Post)
		}
		_, err = f.svc.Update(ctx(), f.actor(f.op), p.ID, board.Input{Kind: "notice", Title: "再掲", Body: "再掲"})
		wantCode(t, err, domain.ECONFLICT, "")
		wantCode(t, f.svc.Withdraw(ctx(), f.actor(f.op), p.ID, ""), domain.ECONFLICT, "")

		for _, a := range []string{"board.post", "board.edit", "board.withdraw"} {
			if n := f.audited(a, "ok"); n != 1 {
				t.Errorf("%d audited %s, want 1", n, a)
			}
		}
		f.env.SealAndVerify(t, f.net)
	})
}
