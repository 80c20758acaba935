package profile

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fresh decodes a profile file again, so a test can change its copy without
// touching the shared, loaded profile (slices would otherwise be shared).
func fresh(t *testing.T, id string) *Profile {
	t.Helper()
	b, err := files.ReadFile("profiles/" + id + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var p Profile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// SPEC §1: five seeds, five deployment profiles.
func TestAllFiveProfilesLoad(t *testing.T) {
	want := []string{"beppu", "fukuoka", "joso", "katori", "sendai-izumi"}
	if got := IDs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("IDs() = %v, want %v", got, want)
	}
	for _, id := range want {
		p, err := Get(id)
		if err != nil {
			t.Fatalf("Get(%q): %v", id, err)
		}
		if p.ID != id {
			t.Errorf("Get(%q).ID = %q", id, p.ID)
		}
		if err := p.validate(); err != nil {
			t.Errorf("%s: validate: %v", id, err)
		}
		if p.Source == "" || p.Operator == "" || p.ShortName == "" {
			t.Errorf("%s: source, operator and short_name are required", id)
		}
	}
	if _, err := Get("tokyo"); err == nil {
		t.Error("Get(unknown) succeeded")
	}
}

// SPEC §1-2 and each seed's own words for the three account kinds, the operator,
// who issues staff accounts and when the service runs.
func TestProfilesFollowTheirSeeds(t *testing.T) {
	tests := []struct {
		id                          string
		org, admin, staff           string
		operator                    string
		roles                       int
		approval                    string
		vendor, auditor, municipal  bool
		citizen                     bool
		issuer, issuerArticle       string
		reissueNewID                bool
		changeArticle               string
		clientCert, adminIssuesCert bool
		serviceStart, serviceEnd    string
		serviceArticle              string
		inquiryArticle              string
	}{
		// katori §4-5: 支援機関 use it as 利用事業所 through their 事業所管理者; §4-2 利用スタッフ;
		// §3 市 runs it, §30-2/§34-3 契約事業者 may act in an emergency; §6-2 the admin
		// issues staff IDs; §6 client certificates, §6-4 more per device by the admin;
		// §11-2 inquiries Mon-Fri 9-17.
		{"katori", "利用事業所", "事業所管理者", "利用スタッフ", "香取市 社会福祉課（社会福祉班）", 1, "shi",
			true, false, false, false, "admin", "katori §6-2, §10", false, "katori §8",
			true, true, "00:00", "24:00", "", "katori §11"},
		// joso §6-7: 利用施設, 利用者; §8 施設管理者; §4 市 runs it, §29-2/§39-3 契約事業者;
		// §7 (1) 地域包括支援センター職員; §10 市 issues IDs, §10-6 a reissue is a new ID;
		// §38 certificates only on lent devices; §14-2 inquiries Mon-Fri 9-17.
		{"joso", "利用施設", "施設管理者", "利用者", "常総市", 1, "shi",
			true, false, true, false, "operator", "joso §10-1, §10-2", true, "joso §12",
			true, false, "00:00", "24:00", "", "joso §14"},
		// sendai §2 (3)-(5): 利用施設, 施設管理者, 利用者; §4 仙台市医師会泉ブロック会 runs it;
		// §29-2/§31-3 契約事業者; §6-3 the admin issues IDs; §7 changes; no inquiry article.
		{"sendai-izumi", "利用施設", "施設管理者", "利用者", "仙台市医師会泉ブロック会", 1, "izumi_block",
			true, false, false, false, "admin", "sendai §6-3, §9", false, "sendai §7",
			false, false, "00:00", "24:00", "", ""},
		// beppu §2, §5-7, §9 (0-24), §13-2, §14 行政利用者.
		{"beppu", "利用組織", "利用組織管理者", "業務利用者", "別府市 介護保険担当", 3, "jigyo_sekininsha",
			false, false, true, false, "admin", "beppu §13-2", false, "beppu §11-3",
			false, false, "00:00", "24:00", "beppu §9", "beppu §6-2"},
		// fukuoka §2 (2)-(6), §4-8 four operator roles, §35 監査責任者, §11-2 the admin
		// issues 業務利用者, §11-3 市民利用者, §15 8:00-22:00.
		{"fukuoka", "利用組織", "利用組織管理者", "業務利用者", "福岡市 福祉局", 4, "jigyo_sekininsha",
			false, true, true, true, "admin", "fukuoka §10-4, §11-2", false, "fukuoka §22-3, §10-3",
			false, false, "08:00", "22:00", "fukuoka §15", "fukuoka §6-2, §7-3 (2)"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p := MustGet(tt.id)
			if p.Terms.OrgLabel != tt.org || p.Terms.AdminLabel != tt.admin || p.Terms.StaffLabel != tt.staff {
				t.Errorf("terms = %+v, want %s/%s/%s", p.Terms, tt.org, tt.admin, tt.staff)
			}
			if p.Operator != tt.operator {
				t.Errorf("operator = %q, want %q", p.Operator, tt.operator)
			}
			if len(p.OperatorRoles) != tt.roles {
				t.Errorf("%d operator roles, want %d", len(p.OperatorRoles), tt.roles)
			}
			if p.ApprovalRole != tt.approval {
				t.Errorf("approval_role = %q, want %q", p.ApprovalRole, tt.approval)
			}
			if !p.HasPower(p.ApprovalRole, PowerReviewApplications) {
				t.Errorf("approval role %q cannot review applications", p.ApprovalRole)
			}
			if p.HasVendor != tt.vendor || p.HasAuditor != tt.auditor || p.HasMunicipal != tt.municipal || p.HasCitizenUsers != tt.citizen {
				t.Errorf("vendor/auditor/municipal/citizen = %v/%v/%v/%v, want %v/%v/%v/%v",
					p.HasVendor, p.HasAuditor, p.HasMunicipal, p.HasCitizenUsers, tt.vendor, tt.auditor, tt.municipal, tt.citizen)
			}
			if p.StaffIssuer != tt.issuer || p.StaffIssuerArticle != tt.issuerArticle || p.ReissueNewID != tt.reissueNewID {
				t.Errorf("staff issuer = %q (%q) reissue_new_id=%v, want %q (%q) %v",
					p.StaffIssuer, p.StaffIssuerArticle, p.ReissueNewID, tt.issuer, tt.issuerArticle, tt.reissueNewID)
			}
			if p.AdminChangeArticle != tt.changeArticle {
				t.Errorf("admin_change_article = %q, want %q", p.AdminChangeArticle, tt.changeArticle)
			}
			if p.ClientCert.Enabled != tt.clientCert || p.ClientCert.AdminIssues != tt.adminIssuesCert {
				t.Errorf("client_cert = %+v, want enabled=%v admin_issues=%v", p.ClientCert, tt.clientCert, tt.adminIssuesCert)
			}
			if p.ServiceHours.Start != tt.serviceStart || p.ServiceHours.End != tt.serviceEnd || p.ServiceHours.Article != tt.serviceArticle {
				t.Errorf("service_hours = %+v, want %s-%s (%q)", p.ServiceHours, tt.serviceStart, tt.serviceEnd, tt.serviceArticle)
			}
			if p.InquiryHours.Article != tt.inquiryArticle {
				t.Errorf("inquiry_hours.article = %q, want %q", p.InquiryHours.Article, tt.inquiryArticle)
			}
			// MHLW guideline 6.0: with a required second factor, 8+ characters.
			if want := (PasswordPolicy{MinLength: 8, RequireTOTP: true, MaxFailures: 5, LockoutMinutes: 30}); p.Password != want {
				t.Errorf("password = %+v, want %+v", p.Password, want)
			}
			if want := (SessionPolicy{IdleMinutes: 30, AbsoluteHours: 12, TokenHours: 12}); p.Session != want {
				t.Errorf("session = %+v, want %+v", p.Session, want)
			}
		})
	}
}

// katori §11-2, joso §14-2: inquiries Monday to Friday 9:00-17:00, except national
// holidays and 29 December to 3 January.
func TestInquiryHours(t *testing.T) {
	for _, id := range []string{"katori", "joso"} {
		h := MustGet(id).InquiryHours
		if h.Weekdays != "mon-fri" || h.Start != "09:00" || h.End != "17:00" {
			t.Errorf("%s inquiry hours = %s %s-%s, want mon-fri 09:00-17:00", id, h.Weekdays, h.Start, h.End)
		}
		if !strings.Contains(h.Closed, "祝日") || !strings.Contains(h.Closed, "12月29日から1月3日まで") {
			t.Errorf("%s closed = %q, want holidays and 12月29日から1月3日まで", id, h.Closed)
		}
	}
}

// joso §7: ten occupations, (1)-(10), in order.
func TestJosoTenOccupations(t *testing.T) {
	want := []string{
		"常総市地域包括支援センター職員",
		"医師・歯科医師",
		"薬剤師・歯科衛生士",
		"管理栄養士",
		"保健師・看護師・准看護師・助産師",
		"理学療法士・作業療法士・言語療法士",
		"介護支援専門員",
		"本事業に参加する医療機関が認めた者",
		"本事業に参加する介護サービス事業者が認めた者",
		"その他市が認める医療・介護関係の者",
	}
	occ := MustGet("joso").Occupations
	if len(occ) != len(want) {
		t.Fatalf("joso has %d occupations, want %d", len(occ), len(want))
	}
	for i, o := range occ {
		if o.Name != want[i] {
			t.Errorf("occupation %d = %q, want %q", i+1, o.Name, want[i])
		}
		if wantArt := "joso §7 (" + strconv.Itoa(i+1) + ")"; o.Article != wantArt {
			t.Errorf("occupation %d article = %q, want %q", i+1, o.Article, wantArt)
		}
	}
	if got := MustGet("joso").Occupation("care_manager"); got == nil || got.Name != "介護支援専門員" {
		t.Errorf("Occupation(care_manager) = %+v", got)
	}
	if MustGet("joso").Occupation("social_worker") != nil {
		t.Error("joso §7 lists no 社会福祉士 of its own; Occupation(social_worker) should be nil")
	}
}

// joso §10: 市 issues each user's ID and password; the 施設管理者 passes them on
// (§10-2); on a lost ID 市 stops it and issues a new one (§10-6).
func TestJosoStaffIssuedByOperator(t *testing.T) {
	p := MustGet("joso")
	if p.StaffIssuer != "operator" {
		t.Errorf("staff_issuer = %q, want operator", p.StaffIssuer)
	}
	if !p.ReissueNewID {
		t.Error("joso §10-6: a reissue must stop the old ID and issue a new one")
	}
	if !p.HasPower("shi", PowerIssueStaff) {
		t.Error("joso §10-1: 市 must hold staff.issue")
	}
	// The others: the organization admin issues (katori §6-2, sendai §6-3, beppu §13-2,
	// fukuoka §11-2) and a reissue keeps the ID.
	for _, id := range []string{"katori", "sendai-izumi", "beppu", "fukuoka"} {
		if q := MustGet(id); q.StaffIssuer != "admin" || q.ReissueNewID {
			t.Errorf("%s: staff_issuer=%q reissue_new_id=%v, want admin/false", id, q.StaffIssuer, q.ReissueNewID)
		}
	}
}

// beppu §11-1 (1)-(6): the six undertakings of the applicant; no other seed lists
// its own (fukuoka §10-1 refers to 様式第1号).
func TestUndertakings(t *testing.T) {
	u := MustGet("beppu").Undertakings
	if len(u) != 6 {
		t.Fatalf("beppu has %d undertakings, want 6", len(u))
	}
	for i, x := range u {
		if x.Key != strconv.Itoa(i+1) || x.Text == "" {
			t.Errorf("undertaking %d = %+v", i+1, x)
		}
	}
	if !strings.HasPrefix(u[0].Text, "本サービスを通じて入手した介護情報等を") {
		t.Errorf("(1) = %q", u[0].Text)
	}
	if !strings.HasPrefix(u[5].Text, "市から入手介護情報等の提示又は返還を求められたときは") {
		t.Errorf("(6) = %q", u[5].Text)
	}
	for _, id := range []string{"katori", "joso", "sendai-izumi", "fukuoka"} {
		if n := len(MustGet(id).Undertakings); n != 0 {
			t.Errorf("%s has %d undertakings, want none", id, n)
		}
	}
}

// fukuoka §15: 午前8時から午後10時まで; beppu §9: 午前0時から午後12時まで. Both in
// Asia/Tokyo whatever the input's zone.
func TestInService(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		id   string
		at   time.Time // UTC; JST = UTC+9
		jst  string
		want bool
	}{
		{"fukuoka", utc(2026, 3, 1, 22, 59, 59), "03-02 07:59:59", false},
		{"fukuoka", utc(2026, 3, 1, 23, 0, 0), "03-02 08:00:00", true},
		{"fukuoka", utc(2026, 3, 2, 3, 0, 0), "03-02 12:00:00", true},
		{"fukuoka", utc(2026, 3, 2, 12, 59, 59), "03-02 21:59:59", true},
		{"fukuoka", utc(2026, 3, 2, 13, 0, 0), "03-02 22:00:00", false},
		{"fukuoka", utc(2026, 3, 2, 15, 0, 0), "03-03 00:00:00", false},
		{"beppu", utc(2026, 3, 1, 15, 0, 0), "03-02 00:00:00", true},
		{"beppu", utc(2026, 3, 2, 14, 59, 59), "03-02 23:59:59", true},
		{"beppu", utc(2026, 3, 2, 3, 0, 0), "03-02 12:00:00", true},
		// The seeds that set no hours are open all day.
		{"katori", utc(2026, 3, 1, 18, 30, 0), "03-02 03:30:00", true},
		{"joso", utc(2026, 3, 1, 18, 30, 0), "03-02 03:30:00", true},
		{"sendai-izumi", utc(2026, 3, 1, 18, 30, 0), "03-02 03:30:00", true},
	}
	for _, tt := range tests {
		if got := tt.at.In(Tokyo()).Format("01-02 15:04:05"); got != tt.jst {
			t.Fatalf("test input %v is %s JST, want %s", tt.at, got, tt.jst)
		}
		if got := MustGet(tt.id).InService(tt.at); got != tt.want {
			t.Errorf("%s InService(%s JST) = %v, want %v", tt.id, tt.jst, got, tt.want)
		}
	}
}

// fukuoka §4-8: 事業責任者 (§5), 運営管理責任者 (§6), 運営事務局 (§7), システム管理者
// (§8); the 事業責任者 permits applications (§11-1); §35 監査責任者.
func TestFukuokaOperators(t *testing.T) {
	p := MustGet("fukuoka")
	if !p.HasAuditor {
		t.Error("fukuoka §35: has_auditor must be true")
	}
	var keys []string
	for _, r := range p.OperatorRoles {
		keys = append(keys, r.Key)
	}
	want := []string{"jigyo_sekininsha", "unei_kanri_sekininsha", "unei_jimukyoku", "system_kanrisha"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("operator roles = %v, want %v", keys, want)
	}
	r := p.OperatorRole(p.ApprovalRole)
	if p.ApprovalRole != "jigyo_sekininsha" || r == nil || !strings.HasPrefix(r.Name, "事業責任者") {
		t.Errorf("approval role = %q (%+v), want 事業責任者", p.ApprovalRole, r)
	}
	articles := map[string]string{
		"jigyo_sekininsha":      "fukuoka §5",
		"unei_kanri_sekininsha": "fukuoka §6",
		"unei_jimukyoku":        "fukuoka §7",
		"system_kanrisha":       "fukuoka §8",
	}
	for k, prefix := range articles {
		if a := p.OperatorRole(k).Article; !strings.HasPrefix(a, prefix) {
			t.Errorf("%s article = %q, want it to start with %q", k, a, prefix)
		}
	}
}

// Who may do what: the approving roles, the single operators of katori, joso and
// sendai, and fukuoka's division of the work.
func TestHasPowerAndRolesWith(t *testing.T) {
	has := []struct {
		id, role string
		pw       Power
		want     bool
	}{
		{"fukuoka", "jigyo_sekininsha", PowerReviewApplications, true}, // §11-1
		{"fukuoka", "jigyo_sekininsha", PowerSuspend, true},            // §13
		{"fukuoka", "unei_jimukyoku", PowerReviewApplications, false},  // §7: window work, not the decision
		{"fukuoka", "unei_jimukyoku", PowerIssueMunicipal, true},       // §7-3 (3)
		{"fukuoka", "system_kanrisha", PowerReviewApplications, false}, // §8
		{"fukuoka", "unei_kanri_sekininsha", PowerViewAudit, true},     // §6-3, §35-1
		{"fukuoka", "nobody", PowerViewAudit, false},
		{"katori", "shi", PowerIssueStaff, true},                      // §10-2: on the admin's request
		{"katori", "shi", PowerIssueMunicipal, false},                 // no municipal staff users
		{"katori", "shi", PowerSuspend, true},                         // §30, §34-2
		{"joso", "shi", PowerIssueMunicipal, true},                    // §7 (1), §10: 地域包括支援センター職員
		{"sendai-izumi", "izumi_block", PowerSuspend, true},           // §28, §31-2
		{"sendai-izumi", "izumi_block", PowerIssueStaff, false},       // §6-3: the admin issues
		{"beppu", "unei_kanri_sekininsha", PowerIssueMunicipal, true}, // §14
		{"beppu", "unei_jimukyoku", PowerSuspend, false},
	}
	for _, tt := range has {
		if got := MustGet(tt.id).HasPower(tt.role, tt.pw); got != tt.want {
			t.Errorf("%s: HasPower(%s, %s) = %v, want %v", tt.id, tt.role, tt.pw, got, tt.want)
		}
	}

	with := []struct {
		id   string
		pw   Power
		want []string
	}{
		{"fukuoka", PowerReviewApplications, []string{"jigyo_sekininsha"}},
		{"fukuoka", PowerViewAudit, []string{"jigyo_sekininsha", "unei_kanri_sekininsha", "system_kanrisha"}},
		{"fukuoka", PowerIssueMunicipal, []string{"unei_jimukyoku"}},
		{"fukuoka", PowerSuspend, []string{"jigyo_sekininsha"}}, // §13
		{"fukuoka", PowerIssueStaff, nil},
		{"beppu", PowerManageUsers, []string{"jigyo_sekininsha", "unei_kanri_sekininsha", "unei_jimukyoku"}},
		{"joso", PowerIssueStaff, []string{"shi"}},
		{"sendai-izumi", PowerIssueMunicipal, nil},
	}
	for _, tt := range with {
		var got []string
		for _, r := range MustGet(tt.id).RolesWith(tt.pw) {
			got = append(got, r.Key)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: RolesWith(%s) = %v, want %v", tt.id, tt.pw, got, tt.want)
		}
	}
}

// The loader refuses a profile that breaks the rules: an unknown power, a password
// shorter than the MHLW guideline 6.0 allows, no second factor with a short
// password, an approval role that is not an operator role, bad service hours.
func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		mutate  func(p *Profile)
		wantErr string // "" = valid
	}{
		{"unchanged", "fukuoka", func(p *Profile) {}, ""},
		{"unknown power", "fukuoka", func(p *Profile) {
			p.OperatorRoles[2].Powers = append(p.OperatorRoles[2].Powers, "records.delete")
		}, `unknown power "records.delete"`},
		{"min_length 7", "joso", func(p *Profile) { p.Password.MinLength = 7 }, "at least 8"},
		{"no TOTP, 8 characters", "katori", func(p *Profile) { p.Password.RequireTOTP = false }, "13+ mixed"},
		{"no TOTP, 13 unmixed", "katori", func(p *Profile) {
			p.Password.RequireTOTP = false
			p.Password.MinLength = 13
		}, "13+ mixed"},
		{"no TOTP, 13 mixed", "katori", func(p *Profile) {
			p.Password.RequireTOTP = false
			p.Password.MinLength = 13
			p.Password.RequireMixed = true
		}, ""},
		{"approval by a non-role", "sendai-izumi", func(p *Profile) { p.ApprovalRole = "ishikai" }, "approval_role"},
		{"bad staff issuer", "beppu", func(p *Profile) { p.StaffIssuer = "vendor" }, "staff_issuer"},
		{"no occupations", "joso", func(p *Profile) { p.Occupations = nil }, "occupations"},
		{"service hours reversed", "fukuoka", func(p *Profile) { p.ServiceHours.Start, p.ServiceHours.End = "22:00", "08:00" }, "must be after"},
		{"service hours 25:00", "beppu", func(p *Profile) { p.ServiceHours.End = "25:00" }, "bad time"},
		{"cert per device without certs", "katori", func(p *Profile) { p.ClientCert.Enabled = false }, "client_cert"},
		{"no session timeout", "joso", func(p *Profile) { p.Session.IdleMinutes = 0 }, "session"},
		{"no consent kinds", "beppu", func(p *Profile) { p.People.ConsentKinds = nil }, "consent_kinds"},
		{"consent kinds without self", "joso", func(p *Profile) { p.People.ConsentKinds = []string{"family"} }, "consent_kinds"},
		{"unknown consent kind", "sendai-izumi", func(p *Profile) { p.People.ConsentKinds = append(p.People.ConsentKinds, "verbal") }, "consent_kinds"},
		{"legal as a consent kind", "katori", func(p *Profile) { p.People.ConsentKinds = append(p.People.ConsentKinds, "legal") }, "consent_kinds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fresh(t, tt.id)
			tt.mutate(p)
			err := p.validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("validate() = %v, want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("validate() = nil, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("validate() = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	// The shared profile is untouched by the copies above.
	if p := MustGet("fukuoka"); len(p.OperatorRoles[2].Powers) != 4 || p.validate() != nil {
		t.Errorf("loaded fukuoka profile was changed: %+v", p.OperatorRoles[2])
	}
}

// SPEC §1: org types and occupations carry the articles that name them.
func TestOrgTypesCiteTheSeed(t *testing.T) {
	tests := []struct{ id, key, name, article string }{
		{"sendai-izumi", "shinryojo", "診療所", "sendai §5-1（医療提供施設）"},
		{"sendai-izumi", "kyotaku", "居宅介護支援事業所", "sendai §5-1（居宅サービス等提供施設）"},
		{"katori", "shogai_sodan", "障害者相談支援事業所", "katori §1（相談支援機関）"},
		{"joso", "hokatsu", "常総市地域包括支援センター", "joso §7 (1)"},
		{"fukuoka", "kyotaku", "居宅介護支援事業所", "fukuoka §2 (2), §19-1（居宅介護事業所等）"},
	}
	for _, tt := range tests {
		o := MustGet(tt.id).OrgType(tt.key)
		if o == nil || o.Name != tt.name || o.Article != tt.article {
			t.Errorf("%s OrgType(%s) = %+v, want %s (%s)", tt.id, tt.key, o, tt.name, tt.article)
		}
	}
	if MustGet("joso").OrgType("gyosei") != nil {
		t.Error("joso OrgType(gyosei) should be nil")
	}
	// katori §4-2: 相談支援専門員 among the 利用スタッフ of a 相談支援機関.
	if o := MustGet("katori").Occupation("sodan_shien_senmonin"); o == nil || o.Name != "相談支援専門員" {
		t.Errorf("katori Occupation(sodan_shien_senmonin) = %+v", o)
	}
}

// TestRoleName: each network names its accounts in its own words (beppu §2 (3),
// (6): 利用組織管理者, 業務利用者; joso §7, §8: 利用者, 施設管理者).
func TestRoleName(t *testing.T) {
	for _, tc := range []struct{ profile, role, op, want string }{
		{"beppu", "admin", "", "利用組織管理者"},
		{"beppu", "staff", "", "業務利用者"},
		{"beppu", "operator", "unei_kanri_sekininsha", "運営者（運営管理責任者（介護保険担当課長））"},
		{"joso", "admin", "", "施設管理者"},
		{"joso", "staff", "", "利用者"},
		{"beppu", "municipal", "", "行政利用者"},
		{"fukuoka", "auditor", "", "監査責任者・監査員"},
		{"beppu", "operator", "no-such-role", "運営者"},
	} {
		if got := MustGet(tc.profile).RoleName(tc.role, tc.op); got != tc.want {
			t.Errorf("%s RoleName(%s, %s) = %q, want %q", tc.profile, tc.role, tc.op, got, tc.want)
		}
	}
}

// TestPeoplePolicies: the access strategy and rules of each network, as the seeds
// word them.
func TestPeoplePolicies(t *testing.T) {
	for _, tc := range []struct {
		id         string
		strategies []string
		kinds      []string
		withdrawal string
		deletion   string
		window     string
	}{
		{"katori", []string{"team"}, []string{"team"}, "", "stop_support", ""},                                 // katori §13-2
		{"joso", []string{"team"}, []string{"team"}, "", "stop_support", ""},                                   // joso §17-2..3
		{"sendai-izumi", []string{"team"}, []string{"team"}, "", "purge", ""},                                  // sendai §12-2..3
		{"beppu", []string{"careplan"}, []string{"careplan", "granted"}, "stop_sharing", "", "days_from_loss"}, // beppu §16-18
		{"fukuoka", []string{"careplan", "claims"}, []string{"careplan", "granted", "claims"}, "stop_sharing", "", "months_from_next_day"},
	} {
		p := MustGet(tc.id)
		if got := p.Strategies(); !slices.Equal(got, tc.strategies) {
			t.Errorf("%s strategies = %v, want %v", tc.id, got, tc.strategies)
		}
		if got := p.AccessKinds(); !slices.Equal(got, tc.kinds) {
			t.Errorf("%s access kinds = %v, want %v", tc.id, got, tc.kinds)
		}
		if p.People.Withdrawal != tc.withdrawal || p.People.Deletion != tc.deletion || p.People.ReadWindow.Kind != tc.window {
			t.Errorf("%s withdrawal/deletion/window = %q/%q/%q", tc.id, p.People.Withdrawal, p.People.Deletion, p.People.ReadWindow.Kind)
		}
	}
	// fukuoka §17: form 7 only for consents up to 2018-05-31, then 7a or 7b.
	f := MustGet("fukuoka")
	if c := f.ConsentForm("form7"); c == nil || c.ValidUntil != "2018-05-31" || c.Strategy != "careplan" {
		t.Errorf("fukuoka form 7 = %+v", c)
	}
	if c := f.ConsentForm("form7a"); c == nil || c.ValidFrom != "2018-06-01" || c.Strategy != "claims" {
		t.Errorf("fukuoka form 7a = %+v", c)
	}
	// joso §21: disaster use is a separate consent scope.
	j := MustGet("joso")
	if !j.People.Disaster.Enabled || len(j.People.ConsentScopes) != 2 || j.People.ConsentScopes[1].Key != "disaster" || !j.People.MunicipalOnEveryTeam {
		t.Errorf("joso disaster/team = %+v %+v", j.People.Disaster, j.People.ConsentScopes)
	}
	// katori §13-3 (sharing required by law) and households.
	if k := MustGet("katori"); !k.People.LegalSharing || !k.People.Households {
		t.Errorf("katori legal sharing / households missing")
	}
	if !f.HasInsuredNumber("health") || !f.HasInsuredNumber("care") || MustGet("katori").HasInsuredNumber("care") {
		t.Errorf("insured numbers per profile wrong")
	}
}

// Who may sign the consent form, as each seed words it. katori §13-1: the person
// (支援対象者の同意); a sharing required by law (§13-3) is legal_sharing, not a kind.
// joso §17-1: 本人の同意（困難な場合は、その家族又は親族等の同意）. sendai §12-1: 本人（未成年
// 又は同意困難な場合はその家族）. beppu §15-1 代筆者による記入, §15-2 家族等による代理同意;
// fukuoka §17-1 代筆者による記入, §17-2 家族等による代理同意. A file without the list
// does not load.
func TestConsentKinds(t *testing.T) {
	want := map[string][]string{
		"katori":       {"self"},
		"joso":         {"self", "family"},
		"sendai-izumi": {"self", "family"},
		"beppu":        {"self", "proxy_writer", "family"},
		"fukuoka":      {"self", "proxy_writer", "family"},
	}
	for _, id := range IDs() {
		p := MustGet(id)
		if !slices.Equal(p.People.ConsentKinds, want[id]) {
			t.Errorf("%s consent_kinds = %v, want %v", id, p.People.ConsentKinds, want[id])
		}
		for _, k := range []string{"self", "proxy_writer", "family"} {
			if got := p.HasConsentKind(k); got != slices.Contains(want[id], k) {
				t.Errorf("%s HasConsentKind(%s) = %v", id, k, got)
			}
		}
		if p.HasConsentKind("legal") {
			t.Errorf("%s: legal is not a consent kind (katori §13-3 is legal_sharing)", id)
		}
		// The file itself must say it: a profile without the list is refused.
		b, err := files.ReadFile("profiles/" + id + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var raw struct {
			People map[string]json.RawMessage `json:"people"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		if _, ok := raw.People["consent_kinds"]; !ok {
			t.Errorf("%s.json has no people.consent_kinds", id)
		}
	}
	if k := MustGet("katori"); !k.People.LegalSharing {
		t.Error("katori §13-3: legal sharing must stay on")
	}
}
