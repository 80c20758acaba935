package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renraku/internal/people"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

var entryIDRe = regexp.MustCompile(`id="entry-([0-9a-z]+)"`)

// entryIDs lists the entries a page shows, in order.
func entryIDs(body string) []string {
	var out []string
	for _, m := range entryIDRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func countEntries(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM timeline_entries`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTimelineWebSendai walks the timeline pages (SPEC §5, sendai §3): the
// clinic writes an instruction to the nursing station with 要対応; the text is
// shown as written (line breaks kept, markup escaped, only http(s) URLs made
// links, with rel="noopener noreferrer"); the nurse finds it under あなた宛て,
// reads it, replies from the timeline and marks it 対応済み; the clinic sees who
// read it, corrects it (a new version; katori §34 (8)) and deletes it (a
// tombstone). Malformed forms change nothing; an organization outside the team
// gets "not found".
func TestTimelineWebSendai(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "sendai-izumi", "sendai-izumi")
		clinic := s.member(t, "sendai-izumi", "泉中央クリニック", "shinryojo", "dr-izumi", "doctor")
		nurse := s.member(t, "sendai-izumi", "泉訪問看護ステーション", "houmon_kango", "ns-izumi", "nurse")
		outsider := s.member(t, "sendai-izumi", "八乙女薬局", "yakkyoku", "ph-izumi", "pharmacist")
		id := register(t, clinic.C, "sendai-izumi", personForm("泉", "花子", "イズミ", "ハナコ", "1937-07-07"))
		ppl := s.ppl()
		ctx := mxCtx()
		if _, err := ppl.RecordConsent(ctx, clinic.Actor, id, people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-20", FormVersion: "doisho"}); err != nil {
			t.Fatal(err)
		}
		if err := ppl.AddToTeam(ctx, clinic.Actor, id, nurse.OrgID); err != nil {
			t.Fatal(err)
		}
		page := "/n/sendai-izumi/people/" + id + "/timeline"

		if r := clinic.C.get("/n/sendai-izumi/people/" + id); !strings.Contains(r.Body, `href="`+page+`"`) {
			t.Fatalf("the person's page has no link to the timeline\n%s", r.Body)
		}
		r := clinic.C.get(page)
		if r.Status != 200 || !strings.Contains(r.Body, `id="compose-form"`) || !strings.Contains(r.Body, "指示事項") ||
			!strings.Contains(r.Body, "泉訪問看護ステーション（組織）") || strings.Contains(r.Body, "八乙女薬局（組織）") {
			t.Fatalf("the compose form: %d\n%s", r.Status, r.Body)
		}
		if strings.Contains(r.Body, "<title>連絡帳 |") == false || strings.Contains(r.Body, "<title>泉") {
			t.Error("the person's name is in <title>")
		}

		// Malformed forms change nothing and say why beside the field.
		before := countEntries(t, db)
		for _, f := range []url.Values{
			{"category": {"instruction"}, "body": {"  "}},
			{"category": {"diagnosis"}, "body": {"本文"}},
			{"category": {"instruction"}, "body": {"本文"}, "to": {"org:" + outsider.OrgID}},
			{"category": {"instruction"}, "body": {strings.Repeat("あ", 4001)}},
		} {
			if r := clinic.C.post(page, f); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `class="field-error"`) {
				t.Errorf("form %v: %d", f, r.Status)
			}
		}
		if countEntries(t, db) != before {
			t.Fatal("a refused form wrote an entry")
		}

		body := "点滴を開始してください。\n詳細: https://example.jp/guide?a=1&b=2 を参照。\n<script>alert(1)</script> javascript:alert(1)"
		r = clinic.C.post(page, url.Values{"category": {"instruction"}, "body": {body}, "to": {"org:" + nurse.OrgID}, "action_required": {"yes"}})
		if r.Status != http.StatusSeeOther || r.Location != page+"?done=entry-created" {
			t.Fatalf("post: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		r = clinic.C.get(page)
		ids := entryIDs(r.Body)
		if len(ids) != 1 {
			t.Fatalf("entries on the page: %v", ids)
		}
		e := ids[0]
		if !strings.Contains(r.Body, `<a href="https://example.jp/guide?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">`) ||
			strings.Contains(r.Body, "<script>alert") || !strings.Contains(r.Body, "&lt;script&gt;") ||
			strings.Contains(r.Body, `href="javascript`) || !strings.Contains(r.Body, "点滴を開始してください。\n詳細") {
			t.Errorf("the text is not shown as written and safe:\n%s", r.Body)
		}

		// Outside the team: not found, and nothing about the entry.
		if r := outsider.C.get(page); r.Status != http.StatusNotFound || strings.Contains(r.Body, "点滴") {
			t.Errorf("outsider's timeline: %d", r.Status)
		}
		if r := outsider.C.get("/n/sendai-izumi/entries/" + e); r.Status != http.StatusNotFound || strings.Contains(r.Body, "点滴") {
			t.Errorf("outsider's entry page: %d", r.Status)
		}
		if r := outsider.C.post("/n/sendai-izumi/entries/"+e+"/replies", url.Values{"reply_body": {"横から"}}); r.Status != http.StatusNotFound {
			t.Errorf("outsider's reply: %d", r.Status)
		}

		// The nurse: あなた宛て on the home page and in the inbox, unread on the timeline.
		if r := nurse.C.get("/n/sendai-izumi/home"); !strings.Contains(r.Body, `id="inbox-unread">1<`) || !strings.Contains(r.Body, "/entries/"+e) {
			t.Errorf("the home page does not show the unread entry\n%s", r.Body)
		}
		if r := nurse.C.get("/n/sendai-izumi/inbox"); !strings.Contains(r.Body, "泉 花子さん") || !strings.Contains(r.Body, "要対応") {
			t.Errorf("inbox\n%s", r.Body)
		}
		r = nurse.C.get(page)
		if !strings.Contains(r.Body, "badge-new") || !strings.Contains(r.Body, "対応済みにする") {
			t.Errorf("the nurse's timeline: no unread mark or done button\n%s", r.Body)
		}
		if r := nurse.C.get("/n/sendai-izumi/inbox"); !strings.Contains(r.Body, `id="inbox-empty"`) {
			t.Errorf("the inbox after reading still lists the entry")
		}
		r = nurse.C.post("/n/sendai-izumi/entries/"+e+"/replies", url.Values{"reply_body": {"明日から開始します。"}, "from": {"timeline"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, page+"?done=entry-replied#entry-") {
			t.Fatalf("reply: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if r := nurse.C.post("/n/sendai-izumi/entries/"+e+"/replies", url.Values{"reply_body": {""}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("an empty reply: %d", r.Status)
		}
		if r := nurse.C.post("/n/sendai-izumi/entries/"+e+"/done", url.Values{"from": {"timeline"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("done: %d\n%s", r.Status, r.Body)
		}
		if r := nurse.C.post("/n/sendai-izumi/entries/"+e+"/done", url.Values{}); r.Status != http.StatusConflict {
			t.Errorf("done twice: %d", r.Status)
		}

		// The clinic: the reply under its entry, who read it, the correction, the tombstone.
		r = clinic.C.get("/n/sendai-izumi/entries/" + e)
		if !strings.Contains(r.Body, "明日から開始します。") || !strings.Contains(r.Body, `id="readers"`) || !strings.Contains(r.Body, "職員 ns-izumiさん") ||
			!strings.Contains(r.Body, "対応済み") {
			t.Errorf("the clinic's entry page\n%s", r.Body)
		}
		if r := nurse.C.post("/n/sendai-izumi/entries/"+e+"/edit", url.Values{"edit_body": {"書き換え"}}); r.Status != http.StatusForbidden {
			t.Errorf("the nurse edits the clinic's entry: %d", r.Status)
		}
		if r := clinic.C.post("/n/sendai-izumi/entries/"+e+"/edit", url.Values{"edit_body": {"点滴を開始してください（500mL）。"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d\n%s", r.Status, r.Body)
		}
		r = nurse.C.get("/n/sendai-izumi/entries/" + e)
		if !strings.Contains(r.Body, `id="versions"`) || !strings.Contains(r.Body, "第1版") || !strings.Contains(r.Body, "（500mL）") {
			t.Errorf("the versions are not shown to a reader\n%s", r.Body)
		}
		if r := clinic.C.post("/n/sendai-izumi/entries/"+e+"/delete", url.Values{}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("delete without confirming: %d", r.Status)
		}
		if r := clinic.C.post("/n/sendai-izumi/entries/"+e+"/delete", url.Values{"delete_confirm": {"yes"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d\n%s", r.Status, r.Body)
		}
		r = nurse.C.get(page)
		if !strings.Contains(r.Body, "職員 dr-izumiさんが削除しました") || strings.Contains(r.Body, "500mL") || !strings.Contains(r.Body, "明日から開始します。") {
			t.Errorf("the tombstone on the timeline\n%s", r.Body)
		}

		// Filters: a bad date is said beside the filter, the page still shows.
		if r := nurse.C.get(page + "?from=2026-02-30"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "年-月-日") {
			t.Errorf("a bad filter: %d", r.Status)
		}
		if r := nurse.C.get(page + "?q=" + url.QueryEscape("明日から")); len(entryIDs(r.Body)) != 2 {
			t.Errorf("search by a reply's words shows %v", entryIDs(r.Body))
		}
	})
}
