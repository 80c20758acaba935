package people_test

// The claims file of fukuoka §19の2 (insured_no,org_code,insurance_kind,
// service_month; UTF-8): every malformed file gets a clear error naming the lines
// and imports NOTHING (no import record, no claim, no access); a valid file with a
// BOM is accepted; lines that match no person or organization are reported while
// the valid ones are imported.

import (
	"strings"
	"testing"

	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// "被保険者番号,事業所番号,保険種別,サービス提供月" as a spreadsheet saves it in Shift_JIS:
// 被保険者 is 94 ED 95 DB 8C AF 8E D2.
var sjisHeader = []byte("\x94\xed\x95\xdb\x8c\xaf\x8e\xd2\x94\xd4\x8d\x86,org_code,insurance_kind,service_month\n")

func TestClaimsMalformedFilesImportNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("吉塚", "form7a", "2026-11-01")
		no := p.CareInsuredNo
		good := no + "," + clinicCode + ",kokuho,2026-10"
		header := strings.Join(people.ClaimsHeader, ",") + "\n"

		cases := []struct {
			name  string
			data  []byte
			field string // a file-level refusal (no report)
			lines []int  // the lines the report must name
			say   string // a word the reason of the first named line must contain
		}{
			{name: "empty file", data: nil, field: "file"},
			{name: "header only", data: []byte(header), lines: []int{2}},
			{name: "wrong header", data: []byte("insured_no,org_code,kind,service_month\n" + good + "\n"), lines: []int{1}, say: "見出し"},
			{name: "header of another column order", data: []byte("org_code,insured_no,insurance_kind,service_month\n" + good + "\n"), lines: []int{1}},
			{name: "wrong column count", data: claimsCSV(good, no+","+clinicCode+",kokuho"), lines: []int{3}, say: "列"},
			{name: "too many columns", data: claimsCSV(good + ",extra"), lines: []int{2}, say: "列"},
			{name: "bad month 2026-13", data: claimsCSV(good, no+","+clinicCode+",kokuho,2026-13"), lines: []int{3}, say: "YYYY-MM"},
			{name: "month written 2026/10", data: claimsCSV(no + "," + clinicCode + ",kokuho,2026/10"), lines: []int{2}, say: "YYYY-MM"},
			{name: "bad insurance kind", data: claimsCSV(no + "," + clinicCode + ",shakai,2026-10"), lines: []int{2}, say: "kokuho"},
			{name: "org code not 10 digits", data: claimsCSV(no + ",40100,kokuho,2026-10"), lines: []int{2}},
			{name: "empty insured number", data: claimsCSV("," + clinicCode + ",kokuho,2026-10"), lines: []int{2}},
			{name: "duplicate line", data: claimsCSV(good, no+","+clinic2Code+",kokuho,2026-10", good), lines: []int{4}, say: "2行目"},
			{name: "quoted field not closed", data: claimsCSV(good, `"`+no+","+clinicCode+",kokuho,2026-10"), lines: []int{3}},
			{name: "bare quote in a field", data: claimsCSV(good, no+`,40100"00001,kokuho,2026-10`), lines: []int{3}},
			{name: "Shift_JIS", data: append(append([]byte{}, sjisHeader...), []byte(good+"\n")...), field: "file"},
			{name: "invalid UTF-8 in a data line", data: claimsCSV(good, no+","+clinicCode+",kokuho,2026-10\xff"), field: "file"},
			{name: "several bad lines", data: claimsCSV(good, no+",x,kokuho,2026-10", good[:len(good)-1]+"1", no+","+clinicCode+",kaigo,2026-00"),
				lines: []int{3, 5}},
			// encoding/csv skips blank lines: the line numbers must still be those of the file.
			{name: "bad line after a blank line", data: []byte(header + good + "\n\n" + no + "," + clinicCode + ",kokuho,2026-13\n"), lines: []int{4}},
		}
		for _, c := range cases {
			imports, claims, access := n.count("claim_imports"), n.count("claims"), n.count("access")
			rep, err := n.env.People.ImportClaims(bg(), n.op(), "202610.csv", c.data)
			if c.field != "" {
				wantField(t, err, c.field, c.name)
			} else {
				e := wantCode(t, err, domain.EINVALID, c.name)
				if e != nil && e.Problem != "claims-rejected" {
					t.Errorf("%s: problem %q, want claims-rejected", c.name, e.Problem)
				}
				if rep == nil {
					t.Errorf("%s: no report of the rejected lines", c.name)
				} else {
					var got []int
					for _, r := range rep.Rejected {
						got = append(got, r.Line)
						if r.Reason == "" {
							t.Errorf("%s: line %d rejected without a reason", c.name, r.Line)
						}
					}
					if !equalInts(got, c.lines) {
						t.Errorf("%s: the report names lines %v, want %v (%+v)", c.name, got, c.lines, rep.Rejected)
					} else if c.say != "" && !strings.Contains(rep.Rejected[0].Reason, c.say) {
						t.Errorf("%s: reason %q does not say %q", c.name, rep.Rejected[0].Reason, c.say)
					}
					if rep.ImportID != "" || rep.Granted != 0 {
						t.Errorf("%s: a rejected file reports an import: %+v", c.name, rep)
					}
				}
			}
			if n.count("claim_imports") != imports || n.count("claims") != claims || n.count("access") != access {
				t.Errorf("%s: a rejected file imported something (imports %d→%d, claims %d→%d, access %d→%d)", c.name,
					imports, n.count("claim_imports"), claims, n.count("claims"), access, n.count("access"))
			}
			// Only the refusal may be audited (as denied/failed), never an import.
			for _, e := range n.events(domain.AuditFilter{Action: "claims.import"}) {
				t.Errorf("%s: claims.import audited for a rejected file: %+v", c.name, e)
			}
		}
		if n.visible(n.as(n.clinic.user), p.ID) {
			t.Error("rejected files gave the clinic access")
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A file saved by spreadsheet software with a UTF-8 BOM and CRLF line ends is
// the same file.
func TestClaimsBOMAndCRLFAccepted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("姪浜", "form7a", "2026-11-01")
		data := []byte("\xef\xbb\xbfinsured_no,org_code,insurance_kind,service_month\r\n" + p.CareInsuredNo + "," + clinicCode + ",kaigo,2026-10\r\n")
		rep, err := n.env.People.ImportClaims(bg(), n.op(), "bom.csv", data)
		if err != nil {
			t.Fatalf("a BOM-prefixed valid file is refused: %v %+v", err, rep)
		}
		if rep.Accepted != 1 || rep.Granted != 1 || len(rep.Rejected) != 0 {
			t.Errorf("report %+v", rep)
		}
		if n.count("claim_imports") != 1 || n.count("claims") != 1 {
			t.Errorf("imports %d claims %d, want 1 and 1", n.count("claim_imports"), n.count("claims"))
		}
		if !n.visible(n.as(n.clinic.user), p.ID) {
			t.Error("the BOM-prefixed file gave no access")
		}
	})
}

// Valid lines whose person or organization is unknown are reported as unmatched
// (with their line numbers) while the valid ones are imported; the import and its
// counts are audited.
func TestClaimsUnmatchedLinesReported(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("室見", "form7a", "2026-11-01")
		form7 := n.consented("室見", "form7", "2018-05-01")
		unconsented := n.person(n.as(n.hokatsu.user), "未同意")
		rep := n.importClaims(claimsCSV(
			p.CareInsuredNo+","+clinicCode+",kokuho,2026-10",          // 2: imported, grants
			"0999999999,"+clinicCode+",kokuho,2026-10",                // 3: no such person
			p.CareInsuredNo+",4099999999,kokuho,2026-10",              // 4: no such organization
			form7.CareInsuredNo+","+clinicCode+",kaigo,2026-10",       // 5: form 7 has no claims access
			unconsented.CareInsuredNo+","+clinicCode+",kaigo,2026-10", // 6: no consent
			p.CareInsuredNo+","+clinic2Code+",kaigo,2026-10",          // 7: imported, grants
		))
		if rep.Lines != 6 || rep.Accepted != 6 || rep.Granted != 2 || len(rep.Rejected) != 0 {
			t.Errorf("report: %+v", rep)
		}
		var unmatched []int
		for _, u := range rep.Unmatched {
			unmatched = append(unmatched, u.Line)
			if u.Reason == "" {
				t.Errorf("unmatched line %d without a reason", u.Line)
			}
		}
		if !equalInts(unmatched, []int{3, 4, 5, 6}) {
			t.Errorf("unmatched lines %v, want [3 4 5 6]", unmatched)
		}
		if n.count("claims") != 6 || n.count("claim_imports") != 1 {
			t.Errorf("claims %d imports %d, want 6 and 1", n.count("claims"), n.count("claim_imports"))
		}
		if !n.visible(n.as(n.clinic.user), p.ID) || !n.visible(n.as(n.clinic2.user), p.ID) {
			t.Error("the valid lines gave no access")
		}
		if n.visible(n.as(n.clinic.user), form7.ID) || n.visible(n.as(n.clinic.user), unconsented.ID) {
			t.Error("unmatched lines gave access")
		}
		e := n.lastEvent("claims.import", n.opID)
		if e == nil {
			t.Fatal("the import is not audited")
		}
		d := detail(t, e)
		if d["lines"] != float64(6) || d["unmatched"] != float64(4) || d["granted"] != float64(2) {
			t.Errorf("the import's audit detail: %s", e.Detail)
		}
	})
}

// fukuoka §19の2-1: access goes to the organization the person used. When a code
// names two active organizations the import cannot know which one, so the whole
// file fails (nothing imported, nobody opened) instead of the line being called
// unregistered; an organization that has withdrawn is reported as withdrawn, and
// only a code no organization has is "not registered".
func TestClaimsOrganizationLookupFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		n := fukuoka(t, db, "")
		p := n.consented("箱崎", "form7a", "2026-11-01")
		n.setOrgCode(n.clinic2.org, clinicCode) // two active organizations with one code
		imports, claims, access := n.count("claim_imports"), n.count("claims"), n.count("access")
		rep, err := n.env.People.ImportClaims(bg(), n.op(), "202610.csv", claimsCSV(
			p.CareInsuredNo+",4010000009,kokuho,2026-10",     // 2: no such organization
			p.CareInsuredNo+","+clinicCode+",kokuho,2026-10", // 3: which of the two?
		))
		if e := wantCode(t, err, domain.ECONFLICT, "a code shared by two active organizations"); e != nil &&
			(!strings.Contains(e.Message, "3行目") || !strings.Contains(e.Message, clinicCode) || strings.Contains(e.Message, "登録されていません")) {
			t.Errorf("the refusal does not name the line and the shared code: %s", e.Message)
		}
		if rep != nil {
			t.Errorf("a failed import reports %+v", rep)
		}
		if n.count("claim_imports") != imports || n.count("claims") != claims || n.count("access") != access {
			t.Error("a failed import stored something")
		}
		if n.visible(n.as(n.clinic.user), p.ID) || n.visible(n.as(n.clinic2.user), p.ID) {
			t.Error("a failed import opened the person to an organization")
		}

		n.setOrgCode(n.clinic2.org, clinic2Code)
		if err := n.env.Accounts.WithdrawOrganization(bg(), n.op(), n.clinic2.org, "廃業"); err != nil {
			t.Fatal(err)
		}
		rep = n.importClaims(claimsCSV(
			p.CareInsuredNo+",4010000009,kokuho,2026-10",      // 2: no such organization
			p.CareInsuredNo+","+clinic2Code+",kokuho,2026-10", // 3: withdrawn
			p.CareInsuredNo+","+clinicCode+",kokuho,2026-10",  // 4: imported, grants
		))
		if rep.Granted != 1 || len(rep.Unmatched) != 2 {
			t.Fatalf("report %+v", rep)
		}
		if u := rep.Unmatched[0]; u.Line != 2 || !strings.Contains(u.Reason, "登録されていません") {
			t.Errorf("unknown code: %+v", u)
		}
		if u := rep.Unmatched[1]; u.Line != 3 || strings.Contains(u.Reason, "登録されていません") || !strings.Contains(u.Reason, "廃止") {
			t.Errorf("withdrawn organization: %+v", u)
		}
		if !n.visible(n.as(n.clinic.user), p.ID) {
			t.Error("fukuoka §19の2-1: the clinic the person used gets no access")
		}
	})
}
