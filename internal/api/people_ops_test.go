package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

type disasterDoc struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	StartedAt *string `json:"started_at"`
	EndedAt   *string `json:"ended_at"`
	EndedBy   string  `json:"ended_by"`
}

// TestPeopleDisasterJoso walks joso §21 through the API: while the city's declared
// disaster lasts, designated responders (here a nurse of another facility) read
// the records of people who consented to disaster use, and no others; every such
// read is audited as a disaster read; ending the disaster ends the access on the
// very next request. joso §17-3: the city sets 支援中止 on a deletion request.
func TestPeopleDisasterJoso(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("joso", "joso")
		_, adminA := c.orgOfType("joso", "joso", "常総市地域包括支援センター", "hokatsu", op)
		b, adminB := c.orgOfType("joso", "joso", "きぬ訪問看護ステーション", "houmon_kango", op)
		nurse := c.requestedStaff("joso", b.Organization.ID, adminB, op, "常総 看護", "nurse")
		pharm := c.requestedStaff("joso", b.Organization.ID, adminB, op, "常総 薬剤", "pharmacist_dental_hygienist")

		// joso §17-1 and §21: one consent covers disaster use, the other does not.
		p1 := c.register(adminA.Token, personBody("水海道", "花", "みつかいどう", "はな", "1936-05-05", "care_insured_no", "0800000001"))
		p2 := c.register(adminA.Token, personBody("石下", "実", "いしげ", "みのる", "1941-07-07", "care_insured_no", "0800000002"))
		var con consentDoc
		c.do("POST", "/api/v1/people/"+p1.ID+"/consents", adminA.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-01", "form_version": "sanka_doisho", "scopes": []string{"sharing", "disaster"}}).
			ok(t, http.StatusCreated, &con)
		if !slices.Equal(con.Scopes, []string{"sharing", "disaster"}) {
			t.Errorf("scopes %v", con.Scopes)
		}
		c.do("POST", "/api/v1/people/"+p2.ID+"/consents", adminA.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-01", "form_version": "sanka_doisho", "scopes": []string{"sharing"}}).ok(t, http.StatusCreated, nil)
		for _, u := range []user{nurse, pharm} {
			c.hiddenFrom(u.Token, p1.ID)
			c.hiddenFrom(u.Token, p2.ID)
		}

		// Only the city declares (joso §21).
		var ds struct {
			Disasters []disasterDoc `json:"disasters"`
		}
		c.do("GET", "/api/v1/disasters", op.Token, nil).ok(t, http.StatusOK, &ds)
		if len(ds.Disasters) != 0 {
			t.Errorf("disasters before any: %+v", ds)
		}
		c.do("POST", "/api/v1/disasters", adminA.Token, map[string]string{"name": "鬼怒川氾濫"}).problem(t, http.StatusForbidden, "forbidden")
		c.do("GET", "/api/v1/disasters", nurse.Token, nil).problem(t, http.StatusForbidden, "forbidden")
		var d disasterDoc
		c.do("POST", "/api/v1/disasters", op.Token, map[string]string{"name": "令和8年11月 鬼怒川氾濫"}).ok(t, http.StatusCreated, &d)
		if d.Name != "令和8年11月 鬼怒川氾濫" || d.State != "active" || d.StartedAt == nil || d.EndedAt != nil {
			t.Errorf("declared %+v", d)
		}
		c.do("POST", "/api/v1/disasters", op.Token, map[string]string{"name": "二つ目"}).problem(t, http.StatusConflict, "conflict")

		// The designated nurse reads the consenting person, not the other; the
		// pharmacist is not designated.
		v := c.view(nurse.Token, p1.ID)
		if v.Via != "disaster" || v.Person.FamilyName != "水海道" {
			t.Errorf("the nurse's view in the disaster: via %q, %+v", v.Via, v.Person)
		}
		c.hiddenFrom(nurse.Token, p2.ID)
		c.hiddenFrom(pharm.Token, p1.ID)
		if l := c.list(nurse.Token, ""); l.Total != 1 || len(l.People) != 1 || l.People[0].ID != p1.ID {
			t.Errorf("the nurse lists %+v", l)
		}
		// Disaster access reads; it does not change the record.
		c.do("POST", "/api/v1/people/"+p1.ID+"/eligibility", nurse.Token, map[string]any{"eligible": false,
			"lost_reason": "death", "lost_on": "2026-11-20"}).problem(t, http.StatusForbidden, "forbidden")
		// The read is audited as a disaster read.
		found := false
		for _, e := range auditEvents(t, env, "joso") {
			if e.ActorUserID == nurse.ID && e.Action == "person.view" && e.Outcome == "ok" && e.PersonID == p1.ID &&
				strings.Contains(e.Detail, `"via":"disaster"`) {
				found = true
			}
		}
		if !found {
			t.Error("the disaster read left no audit event naming the disaster permission")
		}

		// Ending it ends the access at once.
		c.do("POST", "/api/v1/disasters/end", op.Token, nil).ok(t, http.StatusNoContent, nil)
		c.hiddenFrom(nurse.Token, p1.ID)
		c.do("POST", "/api/v1/disasters/end", op.Token, nil).problem(t, http.StatusConflict, "conflict")
		c.do("GET", "/api/v1/disasters", op.Token, nil).ok(t, http.StatusOK, &ds)
		if len(ds.Disasters) != 1 || ds.Disasters[0].ID != d.ID || ds.Disasters[0].EndedAt == nil || ds.Disasters[0].State != "ended" {
			t.Errorf("disasters after the end: %+v", ds)
		}

		// joso §17-2..3: a deletion request is carried out by the city (支援中止);
		// the record is hidden from everyone, the operator sees only that it is.
		c.do("POST", "/api/v1/people/"+p2.ID+"/deletion", adminA.Token, map[string]string{"note": "本人から申し出"}).
			problem(t, http.StatusForbidden, "forbidden")
		c.do("POST", "/api/v1/people/"+p2.ID+"/deletion", op.Token, map[string]string{"note": "本人から申し出"}).ok(t, http.StatusNoContent, nil)
		c.hiddenFrom(adminA.Token, p2.ID)
		hv := c.view(op.Token, p2.ID)
		if !hv.Hidden || hv.Person.Status != "stopped" || hv.Person.FamilyName != "" || hv.Person.BirthDate != nil || len(hv.Consents) != 0 {
			t.Errorf("the operator's view of a stopped record: %+v", hv)
		}
		c.do("POST", "/api/v1/people/"+p2.ID+"/deletion", op.Token, map[string]string{"note": ""}).problem(t, http.StatusForbidden, "forbidden")

		c.checkAudited("joso")
	})
}

// TestPeopleDisasterScheduleJoso: joso §21 through the API with a start and a
// planned end in RFC 3339. A disaster declared ahead opens the responder's access
// at its start and closes it at its planned end by the clock alone; the list
// says scheduled, active, ended, cancelled; a local time without an offset, an
// end before the start and an overlapping period are refused.
func TestPeopleDisasterScheduleJoso(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("joso", "joso")
		_, adminA := c.orgOfType("joso", "joso", "常総市地域包括支援センター", "hokatsu", op)
		b, adminB := c.orgOfType("joso", "joso", "きぬ訪問看護ステーション", "houmon_kango", op)
		nurse := c.requestedStaff("joso", b.Organization.ID, adminB, op, "常総 看護", "nurse")
		p := c.register(adminA.Token, personBody("水海道", "花", "みつかいどう", "はな", "1936-05-05", "care_insured_no", "0800000001"))
		c.do("POST", "/api/v1/people/"+p.ID+"/consents", adminA.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-01", "form_version": "sanka_doisho", "scopes": []string{"sharing", "disaster"}}).
			ok(t, http.StatusCreated, nil)

		jst := time.FixedZone("JST", 9*3600)
		start := env.Clock.Now().Add(2 * time.Hour).Truncate(time.Minute)
		end := start.Add(3 * time.Hour)
		rfc := func(t time.Time) string { return t.In(jst).Format(time.RFC3339) }

		for name, body := range map[string]map[string]string{
			"start":         {"name": "台風", "start": start.In(jst).Format("2006-01-02T15:04")}, // no offset
			"end":           {"name": "台風", "start": rfc(end), "end": rfc(start)},
			"end/not RFC":   {"name": "台風", "end": "明日"},
			"start/too old": {"name": "台風", "start": rfc(start.AddDate(0, -2, 0))},
		} {
			field, _, _ := strings.Cut(name, "/")
			if pr := c.do("POST", "/api/v1/disasters", op.Token, body).problem(t, http.StatusUnprocessableEntity, "invalid"); pr.Errors[field] == "" {
				t.Errorf("%s: errors %v, want one for %s", name, pr.Errors, field)
			}
		}

		var d disasterDoc
		c.do("POST", "/api/v1/disasters", op.Token, map[string]string{"name": "令和8年台風第10号", "start": rfc(start), "end": rfc(end)}).
			ok(t, http.StatusCreated, &d)
		if d.State != "scheduled" || d.StartedAt == nil || *d.StartedAt != rfc(start) || d.EndedAt == nil || *d.EndedAt != rfc(end) || d.EndedBy != "" {
			t.Errorf("declared ahead: %+v", d)
		}
		c.do("POST", "/api/v1/disasters", op.Token, map[string]string{"name": "重なる", "start": rfc(start.Add(time.Hour))}).
			problem(t, http.StatusConflict, "conflict")
		c.hiddenFrom(nurse.Token, p.ID)

		// Its start opens access, its planned end closes it; nobody acts. The
		// sessions are renewed since the clock jumps hours.
		for _, step := range []struct {
			at    time.Time
			sees  bool
			state string
		}{{start.Add(time.Minute), true, "active"}, {end.Add(time.Minute), false, "ended"}} {
			env.Clock.Set(step.at)
			nurse.Token, op.Token = c.login("joso", nurse), c.login("joso", op)
			if step.sees {
				if v := c.view(nurse.Token, p.ID); v.Via != "disaster" {
					t.Errorf("at the start: via %q", v.Via)
				}
			} else {
				c.hiddenFrom(nurse.Token, p.ID)
			}
			var ds struct {
				Disasters []disasterDoc `json:"disasters"`
			}
			c.do("GET", "/api/v1/disasters", op.Token, nil).ok(t, http.StatusOK, &ds)
			if len(ds.Disasters) != 1 || ds.Disasters[0].State != step.state || ds.Disasters[0].EndedBy != "" {
				t.Errorf("the list at %s: %+v, want %s", step.at, ds, step.state)
			}
		}
		c.do("POST", "/api/v1/disasters/end", op.Token, nil).problem(t, http.StatusConflict, "conflict")

		// With none active, ending cancels the scheduled one; it never opens access.
		later := end.Add(24 * time.Hour)
		c.do("POST", "/api/v1/disasters", op.Token, map[string]string{"name": "余震", "start": rfc(later)}).ok(t, http.StatusCreated, &d)
		c.do("POST", "/api/v1/disasters/end", op.Token, nil).ok(t, http.StatusNoContent, nil)
		var ds struct {
			Disasters []disasterDoc `json:"disasters"`
		}
		c.do("GET", "/api/v1/disasters", op.Token, nil).ok(t, http.StatusOK, &ds)
		if len(ds.Disasters) != 2 || ds.Disasters[0].ID != d.ID || ds.Disasters[0].State != "cancelled" || ds.Disasters[0].EndedBy != op.ID {
			t.Errorf("after cancelling: %+v", ds)
		}
		env.Clock.Set(later.Add(time.Minute))
		nurse.Token = c.login("joso", nurse)
		c.hiddenFrom(nurse.Token, p.ID)

		c.checkAudited("joso")
	})
}

// TestPeopleMatrixReaders: the occupation matrix (beppu §10-1, fukuoka §9-1) is
// read by the operators, the auditor (fukuoka §35) and organization admins, who
// admit their staff (beppu §13-2, fukuoka §11-2); a staff user is refused and the
// refusal is audited.
func TestPeopleMatrixReaders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		for _, net := range []string{"beppu", "fukuoka"} {
			c := newClient(t, env) // one per network: checkAudited looks at one network
			op := c.operator(net, net)
			org, admin := c.orgOfType(net, net, "居宅介護支援事業所みなと", "kyotaku", op)
			staff := c.seeded(net, c.staff(org.Organization.ID, admin, "職員 一郎", "care_manager"))
			readers := map[string]user{"operator": op, "organization admin": admin}
			if net == "fukuoka" {
				var creds accounts.Credentials
				c.do("POST", "/api/v1/users", op.Token, map[string]string{"role": "auditor", "display_name": "監査 責任者"}).
					ok(t, http.StatusCreated, &creds)
				readers["auditor"] = c.seeded(net, creds)
			}
			for who, u := range readers {
				var m struct {
					Cells []struct{ Occupation, Category string } `json:"cells"`
				}
				c.do("GET", "/api/v1/matrix", u.Token, nil).ok(t, http.StatusOK, &m)
				if len(m.Cells) == 0 {
					t.Errorf("%s: the %s reads an empty matrix", net, who)
				}
			}
			c.do("GET", "/api/v1/matrix", staff.Token, nil).problem(t, http.StatusForbidden, "forbidden")
			denied := false
			for _, e := range auditEvents(t, env, net) {
				if e.ActorUserID == staff.ID && e.Action == "matrix.view" && e.Outcome == "denied" {
					denied = true
				}
			}
			if !denied {
				t.Errorf("%s: the staff user's refused read of the matrix is not audited", net)
			}
			c.checkAudited(net)
		}
	})
}

// TestPeopleClaimsFukuoka walks fukuoka §19-2 through the API: the operator imports
// claims as CSV; the organization where a person with a form 7a consent used
// insurance gets access; a malformed file is refused with the report of its bad
// lines and imports nothing. fukuoka §20: the read window after eligibility ends,
// and the operator closing it early.
func TestPeopleClaimsFukuoka(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("fukuoka", "fukuoka")
		_, adminA := c.orgOfType("fukuoka", "fukuoka", "はかた居宅介護支援事業所", "kyotaku", op)
		b, adminB := c.orgOfType("fukuoka", "fukuoka", "天神内科クリニック", "shinryojo", op)
		// No route or service sets an organization's code (事業所番号) yet: set it
		// in the store (see the report).
		setOrgCode(t, env, "fukuoka", b.Organization.ID, "4012345678")

		p := c.register(adminA.Token, personBody("博多", "梅", "はかた", "うめ", "1939-03-03",
			"care_insured_no", "4000000001", "health_insured_no", "12-345678"))
		// fukuoka §17: form 7 only for consents up to 2018-05-31.
		pr := c.do("POST", "/api/v1/people/"+p.ID+"/consents", op.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-20", "form_version": "form7"}).problem(t, http.StatusUnprocessableEntity, "invalid")
		if pr.Errors["form_version"] == "" {
			t.Errorf("errors %v", pr.Errors)
		}
		c.do("POST", "/api/v1/people/"+p.ID+"/consents", op.Token, map[string]any{"kind": "self",
			"consented_on": "2026-11-20", "form_version": "form7a"}).ok(t, http.StatusCreated, nil)
		c.hiddenFrom(adminB.Token, p.ID)

		before := claimsState(t, env, "fukuoka")
		// Malformed files: the report names every bad line; nothing is imported.
		const header = "insured_no,org_code,insurance_kind,service_month\n"
		bad := header +
			"12-345678,4012345678,kokuho,2026-10\n" + // line 2: fine
			"12-345678,4012345678,kokuho\n" + // line 3: three columns
			"12-345678,4012345678,kokuho,2026-10\n" + // line 4: the same as line 2
			"12-345678,4012345678,kokuho,2026-13\n" + // line 5: no such month
			"12-345678,401234567X,iryo,2026-09\n" // line 6: bad code and kind
		var rej struct {
			problemDoc
			Report claimsReportDoc `json:"report"`
		}
		res := c.send("POST", "/api/v1/claims?file_name=bad.csv", op.Token, raw(bad), "text/csv")
		res.problem(t, http.StatusUnprocessableEntity, "claims-rejected")
		if err := json.Unmarshal(res.Body, &rej); err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, l := range rej.Report.Rejected {
			lines = append(lines, l.Line)
			if l.Reason == "" {
				t.Errorf("line %d rejected without a reason", l.Line)
			}
		}
		if !slices.Equal(lines, []int{3, 4, 5, 6}) || rej.Report.ImportID != "" || rej.Report.Lines != 5 {
			t.Errorf("report %+v", rej.Report)
		}
		for name, file := range map[string]string{
			"wrong header":  "insured,org,kind,month\n12-345678,4012345678,kokuho,2026-10\n",
			"header only":   header,
			"unclosed":      header + "\"12-345678,4012345678,kokuho,2026-10\n",
			"blank line":    header + "12-345678,4012345678,kokuho,2026-10\n  \n12-345678,4012345678,kouki,2026-10\n",
			"five columns":  header + "12-345678,4012345678,kokuho,2026-10,x\n",
			"bad insured":   header + "12/345678,4012345678,kokuho,2026-10\n",
			"month as date": header + "12-345678,4012345678,kokuho,2026-10-01\n",
		} {
			res := c.send("POST", "/api/v1/claims?file_name=bad.csv", op.Token, raw(file), "text/csv")
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"report"`) {
				t.Errorf("%s: %d %s", name, res.Status, res.Body)
			}
		}
		// Shift_JIS where UTF-8 is expected: said so, nothing imported.
		sjis := append([]byte(header+"12-345678,4012345678,"), 0x8d, 0x91, 0x95, 0xdb) // 国保
		sjis = append(sjis, ",2026-10\n"...)
		pe := c.send("POST", "/api/v1/claims?file_name=sjis.csv", op.Token, raw(sjis), "text/csv").
			problem(t, http.StatusUnprocessableEntity, "invalid")
		if !strings.Contains(pe.Errors["file"], "UTF-8") {
			t.Errorf("Shift_JIS file: %+v", pe)
		}
		c.send("POST", "/api/v1/claims", op.Token, raw(header+"12-345678,4012345678,kokuho,2026-10\n"), "text/csv; charset=Shift_JIS").
			problem(t, http.StatusUnsupportedMediaType, "unsupported-media-type")
		c.send("POST", "/api/v1/claims", op.Token, raw(`{"insured_no":"12-345678"}`), "application/json").
			problem(t, http.StatusUnsupportedMediaType, "unsupported-media-type")
		c.send("POST", "/api/v1/claims", op.Token, raw(""), "text/csv").problem(t, http.StatusUnprocessableEntity, "invalid")
		c.send("POST", "/api/v1/claims?file_name="+strings.Repeat("a", 201), op.Token, raw(header), "text/csv").
			problem(t, http.StatusBadRequest, "bad-request")
		c.send("POST", "/api/v1/claims?file_name=%3Cb%3E.csv", op.Token, raw(header), "text/csv").
			problem(t, http.StatusUnprocessableEntity, "invalid")
		// Only the operator imports.
		c.send("POST", "/api/v1/claims", adminA.Token, raw(header+"12-345678,4012345678,kokuho,2026-10\n"), "text/csv").
			problem(t, http.StatusForbidden, "forbidden")
		if after := claimsState(t, env, "fukuoka"); !slices.Equal(before, after) {
			t.Errorf("a refused file changed something:\n%s", diffSnapshots(before, after))
		}
		c.hiddenFrom(adminB.Token, p.ID)

		// A valid file: the clinic's claim gives it access; the unknown insured
		// number is reported, not refused.
		good := "\xef\xbb\xbf" + header + "12-345678,4012345678,kokuho,2026-10\n" + "99-999999,4012345678,kouki,2026-10\n"
		var rep claimsReportDoc
		res = c.send("POST", "/api/v1/claims?file_name=claims-2026-10.csv", op.Token, raw(good), "text/csv; charset=utf-8")
		res.ok(t, http.StatusCreated, &rep)
		if rep.ImportID == "" || rep.Lines != 2 || rep.Accepted != 2 || rep.Granted != 1 || len(rep.Rejected) != 0 ||
			len(rep.Unmatched) != 1 || rep.Unmatched[0].Line != 3 {
			t.Errorf("report %s", res.Body)
		}
		v := c.view(adminB.Token, p.ID)
		if v.Via != "claims" {
			t.Errorf("the clinic reads via %q", v.Via)
		}
		var claims *accessDoc
		for i, x := range v.Access {
			if x.Kind == "claims" && x.OrgID == b.Organization.ID {
				claims = &v.Access[i]
			}
		}
		// Six months without claims after October 2026 (the profile's lapse).
		if claims == nil || claims.ExpiresOn == nil || *claims.ExpiresOn != "2027-04-30" {
			t.Errorf("claims access %+v", v.Access)
		}

		// fukuoka §20: left on 2026-10-31 → counted from 11-01, readable through
		// 2027-02-01; the operator restricts reading from 2026-11-24 on.
		c.do("POST", "/api/v1/people/"+p.ID+"/eligibility", adminA.Token, map[string]any{"eligible": false,
			"lost_reason": "moved", "lost_on": "2026-10-31"}).ok(t, http.StatusNoContent, nil)
		if pp := c.view(adminB.Token, p.ID).Person; pp.ReadableUntil == nil || *pp.ReadableUntil != "2027-02-01" {
			t.Errorf("after the move: %+v", pp)
		}
		c.do("POST", "/api/v1/people/"+p.ID+"/read-window/close", adminA.Token, map[string]string{"from": "2026-11-24"}).
			problem(t, http.StatusForbidden, "forbidden")
		c.do("POST", "/api/v1/people/"+p.ID+"/read-window/close", op.Token, map[string]string{"from": "2026-11-24"}).
			ok(t, http.StatusNoContent, nil)
		c.hiddenFrom(adminB.Token, p.ID)
		c.hiddenFrom(adminA.Token, p.ID)
		if pp := c.view(op.Token, p.ID).Person; *pp.ReadableUntil != "2026-11-23" {
			t.Errorf("after closing: readable until %v", *pp.ReadableUntil)
		}

		c.checkAudited("fukuoka")
	})
}

type claimsReportDoc struct {
	ImportID string `json:"import_id"`
	Lines    int    `json:"lines"`
	Accepted int    `json:"accepted"`
	Rejected []struct {
		Line   int    `json:"line"`
		Reason string `json:"reason"`
	} `json:"rejected"`
	Unmatched []struct {
		Line   int    `json:"line"`
		Reason string `json:"reason"`
	} `json:"unmatched"`
	Granted int `json:"granted"`
}

func setOrgCode(t *testing.T, env *testenv.Env, network, orgID, code string) {
	t.Helper()
	ctx := context.Background()
	err := env.Store.Transact(ctx, func(tx store.Tx) error {
		o, err := tx.FindOrganization(ctx, network, orgID)
		if err != nil {
			return err
		}
		o.Code = code
		return tx.UpdateOrganization(ctx, o)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// claimsState renders the claims imports and the access rows of a network.
func claimsState(t *testing.T, env *testenv.Env, network string) []string {
	t.Helper()
	out := peopleSnapshot(t, env)
	var imports []*domain.ClaimImport
	ctx := context.Background()
	if err := env.Store.Transact(ctx, func(tx store.Tx) error {
		var err error
		imports, err = tx.FindClaimImports(ctx, network)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, ci := range imports {
		out = append(out, "claims import "+ci.ID)
	}
	return out
}
