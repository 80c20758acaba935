package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/audit"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// upload posts a multipart form with one file, keeping the session cookie.
func (c *client) upload(path string, fields url.Values, fileField, fileName string, data []byte) reply {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, string(b), resp.Header.Get("Location")}
}

// smallPDF is the smallest file http.DetectContentType calls a PDF.
var smallPDF = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// ppl is the site's people service (audit events are MACed with the site's keys).
func (s *site) ppl() *people.Service {
	return people.New(s.DB, audit.New(s.Keys, s.Clock), s.Clock)
}

// actorOf signs a user in through the API login and returns their policy actor.
func (s *site) actorOf(t *testing.T, net, login, pass, secret string) policy.Actor {
	t.Helper()
	ctx := domain.WithRequestMeta(context.Background(), domain.RequestMeta{})
	res, err := s.Acc.Login(ctx, accounts.LoginInput{Network: net, LoginID: login, Password: pass, OTP: s.code(t, secret), Kind: "api"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	s.Clock.Advance(30e9) // codes are single-use
	pr, err := s.Acc.Authenticate(context.Background(), net, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	return pr.Actor
}

// clientOf signs a user in through the login page.
func (s *site) clientOf(t *testing.T, net, login, pass, secret string) *client {
	t.Helper()
	c := newClient(t, s.URL)
	r := c.post("/n/"+net+"/login", url.Values{"login_id": {login}, "password": {pass}, "otp": {s.code(t, secret)}})
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/home") {
		t.Fatalf("login %s: %d %s\n%s", login, r.Status, r.Location, r.Body)
	}
	s.Clock.Advance(30e9)
	return c
}

// member is one staff member of an organization, signed in over HTTP and as an actor.
type member struct {
	OrgID, UserID, Login string
	Actor                policy.Actor
	C                    *client
}

// member creates an approved organization with one staff member (setup done) and
// signs them in. login must be unique in the network.
func (s *site) member(t *testing.T, net, orgName, orgType, login, occupation string) member {
	t.Helper()
	ctx := context.Background()
	_, prof, err := s.Acc.Network(ctx, net)
	if err != nil {
		t.Fatal(err)
	}
	var undertakings []string
	for _, u := range prof.Undertakings {
		undertakings = append(undertakings, u.Key)
	}
	app, _, err := s.Acc.SubmitApplication(ctx, net, accounts.ApplicationInput{OrgName: orgName, OrgType: orgType,
		Address: "大分県別府市野口原1-1", Phone: "0977-00-0000", AdminName: "管理 太郎", AdminEmail: login + "-admin@example.jp",
		AgreeTerms: true, AgreedUndertakings: undertakings})
	if err != nil {
		t.Fatal(err)
	}
	op := s.actorOf(t, net, s.OpID, s.OpPass, s.OpTOTP)
	org, admin, err := s.Acc.ApproveApplication(ctx, op, app.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	issuer := op
	if prof.StaffIssuer == "admin" {
		if err := s.Acc.SeedCredentials(ctx, net, admin.UserID, login+"-admin", staffPass, staffTOTP); err != nil {
			t.Fatal(err)
		}
		issuer = s.actorOf(t, net, login+"-admin", staffPass, staffTOTP)
	}
	creds, err := s.Acc.IssueStaff(ctx, issuer, org.ID, accounts.StaffInput{DisplayName: "職員 " + login, Occupation: occupation})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Acc.SeedCredentials(ctx, net, creds.UserID, login, staffPass, staffTOTP); err != nil {
		t.Fatal(err)
	}
	return member{OrgID: org.ID, UserID: creds.UserID, Login: login,
		Actor: s.actorOf(t, net, login, staffPass, staffTOTP), C: s.clientOf(t, net, login, staffPass, staffTOTP)}
}

func personForm(family, given, fkana, gkana, birth string) url.Values {
	return url.Values{"family_name": {family}, "given_name": {given}, "family_kana": {fkana}, "given_kana": {gkana},
		"birth_date": {birth}, "sex": {"female"}, "address": {"大分県別府市鉄輪1-2"}, "phone": {"0977-66-0000"}}
}

func consentForm(on string) url.Values {
	return url.Values{"kind": {"self"}, "consented_on": {on}, "form_version": {"form6"}, "scopes": {"sharing"}}
}

// register registers a person over HTTP and returns their id.
func register(t *testing.T, c *client, net string, form url.Values) string {
	t.Helper()
	r := c.post("/n/"+net+"/people/new", form)
	m := regexp.MustCompile(`/people/([0-9a-zA-Z_-]+)\?done=person-registered$`).FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("register: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	return m[1]
}

// peopleState is everything the people forms could change, to show that a
// refused form changed nothing.
func peopleState(t *testing.T, db store.Store, net string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := db.Transact(ctx, func(tx store.Tx) error {
		list, total, err := tx.FindPeople(ctx, net, domain.PersonScope{All: true}, domain.PeopleFilter{Limit: 500})
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "people %d\n", total)
		for _, p := range list {
			fmt.Fprintf(&b, "%s %s %s %s %s %v %s %s %s %s %v %s\n", p.ID, p.FamilyName, p.GivenName, p.BirthDate, p.CareInsuredNo,
				p.Eligible, p.LostOn, p.ReadableUntil, p.Status, p.Consent, p.ConsentScopes, p.HouseholdID)
			cs, err := tx.FindConsents(ctx, net, p.ID)
			if err != nil {
				return err
			}
			for _, c := range cs {
				fmt.Fprintf(&b, "  consent %s %s %s %v\n", c.ID, c.AttachmentID, c.Kind, c.WithdrawnAt.IsZero())
			}
			as, err := tx.FindPersonAccess(ctx, net, p.ID)
			if err != nil {
				return err
			}
			for _, a := range as {
				fmt.Fprintf(&b, "  access %s %s %s %v\n", a.OrgID, a.Kind, a.ExpiresOn, a.EndedAt.IsZero())
			}
		}
		rq, err := tx.FindAccessRequests(ctx, net, "", "")
		if err != nil {
			return err
		}
		for _, r := range rq {
			fmt.Fprintf(&b, "request %s %s\n", r.ID, r.Status)
		}
		m, err := tx.FindMatrix(ctx, net)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "matrix %v\n", m)
		ds, err := tx.FindDisasters(ctx, net)
		if err != nil {
			return err
		}
		for _, d := range ds {
			fmt.Fprintf(&b, "disaster %s %v\n", d.Name, d.EndedAt.IsZero())
		}
		ci, err := tx.FindClaimImports(ctx, net)
		fmt.Fprintf(&b, "claim imports %d\n", len(ci))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// accessRow returns the id of org's access row in force to the person.
func accessRow(t *testing.T, db store.Store, net, personID, orgID string) string {
	t.Helper()
	var id string
	err := db.Transact(context.Background(), func(tx store.Tx) error {
		as, err := tx.FindPersonAccess(context.Background(), net, personID)
		for _, a := range as {
			if a.OrgID == orgID && a.EndedAt.IsZero() {
				id = a.ID
			}
		}
		return err
	})
	if err != nil || id == "" {
		t.Fatalf("no access row of %s to %s: %v", orgID, personID, err)
	}
	return id
}

// formCase is one malformed submission: a urlencoded form, or (file != nil) a
// multipart form with a file.
type formCase struct {
	name, path string
	form       url.Values
	fileField  string
	file       []byte
	want       string
}

func runFormCases(t *testing.T, db store.Store, net string, c *client, cases []formCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := peopleState(t, db, net)
			var r reply
			if tc.fileField != "" {
				r = c.upload(tc.path, tc.form, tc.fileField, "upload.bin", tc.file)
			} else {
				r = c.post(tc.path, tc.form)
			}
			if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusConflict {
				t.Errorf("status %d, want 422 or 409\n%s", r.Status, r.Body)
			}
			if !strings.Contains(r.Body, tc.want) {
				t.Errorf("the page does not say %q\n%s", tc.want, r.Body)
			}
			// The message is beside its field, not only in the summary.
			if !regexp.MustCompile(`<p class="field-error" id="[a-z0-9_-]+-error">[^<]*` + regexp.QuoteMeta(tc.want)).MatchString(r.Body) {
				t.Errorf("%q is not shown beside a field", tc.want)
			}
			if after := peopleState(t, db, net); after != before {
				t.Errorf("a refused form changed something:\n--- before\n%s--- after\n%s", before, after)
			}
		})
	}
}

// TestPeopleWebFormsRejectMalformedInput: every people form refuses empty,
// over-long, invalid UTF-8, markup, bad dates, bad insured numbers, a consent
// "form" that is not a PDF or image, a Shift_JIS claims file, with a Japanese
// message beside the field, and changes nothing.
func TestPeopleWebFormsRejectMalformedInput(t *testing.T) {
	long := strings.Repeat("あ", 51)
	bad := string([]byte{0xff, 0xfe, 'a'})
	script := "<script>alert(1)</script>"
	escaped := "使用できない文字（&lt; &gt;）"
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("beppu", func(t *testing.T) {
			s := newSite(t, db, "beppu", "beppu")
			cm := s.member(t, "beppu", "ケアプランセンターあおぞら", "kyotaku", "cm-aozora", "care_manager")
			other := s.member(t, "beppu", "訪問介護ひかり", "kaigo_service", "helper-hikari", "helper")
			valid := personForm("鉄輪", "花子", "かんなわ", "はなこ", "1940-04-01")
			valid.Set("care_insured_no", "1234567890")
			none := register(t, cm.C, "beppu", valid) // no consent yet
			withConsent := register(t, cm.C, "beppu", personForm("明礬", "太郎", "ミョウバン", "タロウ", "1938-01-15"))
			// beppu §15-1: the city takes consent; the operator enters it.
			op := newClient(t, s.URL)
			op.loginOperator(s, "beppu")
			if r := op.upload("/n/beppu/people/"+withConsent+"/consent", consentForm("2026-11-20"), "form", "doui.pdf", smallPDF); r.Status != http.StatusSeeOther {
				t.Fatalf("consent: %d\n%s", r.Status, r.Body)
			}
			if r := cm.C.post("/n/beppu/people/"+withConsent+"/grants", url.Values{"org_id": {other.OrgID}}); r.Status != http.StatusSeeOther {
				t.Fatalf("grant: %d\n%s", r.Status, r.Body)
			}
			grantID := accessRow(t, db, "beppu", withConsent, other.OrgID)

			reg := "/n/beppu/people/new"
			runFormCases(t, db, "beppu", cm.C, []formCase{
				{name: "register/empty", path: reg, form: url.Values{}, want: "氏を入力してください。"},
				{name: "register/over-long name", path: reg, form: with(valid, "family_name", long), want: "氏は50文字以内で入力してください。"},
				{name: "register/invalid UTF-8", path: reg, form: with(valid, "address", bad), want: "住所に不正な文字コードが含まれています。"},
				{name: "register/markup", path: reg, form: with(valid, "given_name", script), want: escaped},
				{name: "register/kanji in kana", path: reg, form: with(valid, "family_kana", "鉄輪"), want: "氏（フリガナ）はひらがな又はカタカナで入力してください。"},
				{name: "register/no such date", path: reg, form: with(valid, "birth_date", "1940-02-30"), want: "生年月日は YYYY-MM-DD の形式の正しい日付で入力してください"},
				{name: "register/slashed date", path: reg, form: with(valid, "birth_date", "1940/04/01"), want: "生年月日は YYYY-MM-DD の形式の正しい日付で入力してください"},
				{name: "register/born tomorrow", path: reg, form: with(valid, "birth_date", "2026-11-25"), want: "生年月日は2026-11-24以前の日付にしてください。"},
				{name: "register/insured number too short", path: reg, form: with(valid, "care_insured_no", "12345"), want: "介護保険被保険者番号は10桁の数字です。"},
				{name: "register/insured number letters", path: reg, form: with(valid, "care_insured_no", "12345abcde"), want: "介護保険被保険者番号は数字で入力してください。"},
				{name: "register/no sex", path: reg, form: with(valid, "sex", "x"), want: "性別を選んでください。"},
				{name: "register/phone letters", path: reg, form: with(valid, "phone", "call me"), want: "数字とハイフンで入力してください"},

				{name: "eligibility/no reason", path: "/n/beppu/people/" + none + "/eligibility", form: url.Values{"eligible": {"no"}, "lost_on": {"2026-11-01"}}, want: "資格喪失の理由を選んでください。"},
				{name: "eligibility/bad date", path: "/n/beppu/people/" + none + "/eligibility", form: url.Values{"eligible": {"no"}, "lost_reason": {"moved"}, "lost_on": {"2026-02-29"}}, want: "資格喪失日は YYYY-MM-DD の形式の正しい日付で入力してください"},
				{name: "eligibility/future date", path: "/n/beppu/people/" + none + "/eligibility", form: url.Values{"eligible": {"no"}, "lost_reason": {"death"}, "lost_on": {"2027-01-01"}}, want: "資格喪失日は2026-11-24以前の日付にしてください。"},
				{name: "eligibility/unknown state", path: "/n/beppu/people/" + none + "/eligibility", form: url.Values{"eligible": {"maybe"}}, want: "資格の状況の指定が正しくありません。"},

				{name: "grant/empty", path: "/n/beppu/people/" + withConsent + "/grants", form: url.Values{}, want: "組織を選んでください。"},
				{name: "grant/markup", path: "/n/beppu/people/" + withConsent + "/grants", form: url.Values{"org_id": {script}}, want: "組織IDは英数字で入力してください"},
				{name: "grant/unknown organization", path: "/n/beppu/people/" + withConsent + "/grants", form: url.Values{"org_id": {"no-such-org"}}, want: "組織が見つからないか、利用中ではありません。"},
				{name: "end access/no reason", path: "/n/beppu/people/" + withConsent + "/access/" + grantID + "/end", form: url.Values{}, want: "理由を入力してください。"},
				{name: "end access/markup", path: "/n/beppu/people/" + withConsent + "/access/" + grantID + "/end", form: url.Values{"end_reason": {script}}, want: escaped},
			})

			// beppu §17-3: another organization asks by care insured number and birth date.
			ar := "/n/beppu/access-requests"
			okRequest := url.Values{"insured_no": {"1234567890"}, "birth_date": {"1940-04-01"}, "reason": {"12月から訪問介護を提供するため"}}
			runFormCases(t, db, "beppu", other.C, []formCase{
				{name: "access request/empty", path: ar, form: url.Values{}, want: "被保険者番号を入力してください。"},
				{name: "access request/letters", path: ar, form: with(okRequest, "insured_no", "12@34"), want: "被保険者番号は英数字とハイフンで入力してください。"},
				{name: "access request/bad date", path: ar, form: with(okRequest, "birth_date", "40-4-1"), want: "生年月日は YYYY-MM-DD の形式の正しい日付で入力してください"},
				{name: "access request/no reason", path: ar, form: with(okRequest, "reason"), want: "申請の理由を入力してください。"},
				{name: "access request/markup", path: ar, form: with(okRequest, "reason", script), want: escaped},
				// The person has no consent yet: nothing confirms they exist.
				{name: "access request/no consented person", path: ar, form: okRequest, want: "この被保険者番号と生年月日の対象者で、同意が登録された方は見つかりません。"},
			})

			runFormCases(t, db, "beppu", op, []formCase{
				{name: "consent/not a PDF", path: "/n/beppu/people/" + none + "/consent", form: consentForm("2026-11-20"), fileField: "form",
					file: []byte("これは同意書ではありません。\n"), want: "同意書はPDF・JPEG・PNGのいずれかで添付してください。"},
				{name: "consent/HTML disguised as a form", path: "/n/beppu/people/" + none + "/consent", form: consentForm("2026-11-20"), fileField: "form",
					file: []byte("<html><body>%PDF-1.4</body></html>"), want: "同意書はPDF・JPEG・PNGのいずれかで添付してください。"},
				{name: "consent/over 10MB", path: "/n/beppu/people/" + none + "/consent", form: consentForm("2026-11-20"), fileField: "form",
					file: append(append([]byte{}, smallPDF...), make([]byte, people.MaxFormBytes)...), want: "10MB以下にしてください。"},
				{name: "consent/request over the cap", path: "/n/beppu/people/" + none + "/consent", form: consentForm("2026-11-20"), fileField: "form",
					file: append(append([]byte{}, smallPDF...), make([]byte, people.MaxFormBytes+1<<20)...), want: "ファイルが大きすぎます。10MB以下にしてください。"},
				{name: "consent/bad date", path: "/n/beppu/people/" + none + "/consent", form: with(consentForm(""), "consented_on", "2026-11-31"), fileField: "form",
					file: smallPDF, want: "同意日は YYYY-MM-DD の形式の正しい日付で入力してください"},
				{name: "consent/future date", path: "/n/beppu/people/" + none + "/consent", form: consentForm("2026-12-01"), fileField: "form",
					file: smallPDF, want: "同意日は2026-11-24以前の日付にしてください。"},
				{name: "consent/family without relationship", path: "/n/beppu/people/" + none + "/consent",
					form: with(with(consentForm("2026-11-20"), "kind", "family"), "signer_name", "鉄輪 一郎"), fileField: "form", file: smallPDF,
					want: "本人との続柄を入力してください。"},
				{name: "consent/markup in signer", path: "/n/beppu/people/" + none + "/consent",
					form: with(with(consentForm("2026-11-20"), "kind", "proxy_writer"), "signer_name", script), fileField: "form", file: smallPDF, want: escaped},
				{name: "consent/unknown form", path: "/n/beppu/people/" + none + "/consent", form: with(consentForm("2026-11-20"), "form_version", "form7a"),
					fileField: "form", file: smallPDF, want: "同意書の様式を選んでください。"},
				// joso §21's disaster scope does not exist in beppu.
				{name: "consent/unknown scope", path: "/n/beppu/people/" + none + "/consent", form: with(consentForm("2026-11-20"), "scopes", "sharing", "disaster"),
					fileField: "form", file: smallPDF, want: "同意の範囲の指定が正しくありません。"},
				{name: "consent/unknown care-plan office", path: "/n/beppu/people/" + none + "/consent", form: with(consentForm("2026-11-20"), "care_plan_org", "no-such-org"),
					fileField: "form", file: smallPDF, want: "居宅介護支援事業所等が見つからないか、利用中ではありません。"},

				// beppu §16: the withdrawal form must have been received.
				{name: "withdraw/not confirmed", path: "/n/beppu/people/" + withConsent + "/withdraw", form: url.Values{"withdraw_note": {"本人より"}}, want: "同意撤回書を受け取ったことを確認するチェックを入れてください。"},
				{name: "withdraw/over-long note", path: "/n/beppu/people/" + withConsent + "/withdraw", form: url.Values{"withdraw_confirm": {"yes"}, "withdraw_note": {strings.Repeat("撤", 1001)}}, want: "備考は1000文字以内で入力してください。"},
				{name: "withdraw/invalid UTF-8 note", path: "/n/beppu/people/" + withConsent + "/withdraw", form: url.Values{"withdraw_confirm": {"yes"}, "withdraw_note": {bad}}, want: "備考に不正な文字コードが含まれています。"},

				{name: "matrix/unknown cell", path: "/n/beppu/matrix", form: url.Values{"read": {"care_manager/care", "surgeon/care"}}, want: "職種又は記録の種類の指定が正しくありません。"},
				{name: "matrix/unknown field", path: "/n/beppu/matrix", form: url.Values{"read": {"care_manager/care"}, "admin": {"1"}}, want: "職種又は記録の種類の指定が正しくありません。"},
			})

			// A search with a malformed condition says so and lists no one.
			if r := cm.C.get("/n/beppu/people?kana=abc"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "フリガナはひらがな又はカタカナで入力してください。") {
				t.Errorf("search by latin kana: %d", r.Status)
			}
			if r := cm.C.get("/n/beppu/people?birth_date=1940-13-01"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="birth_date-error"`) {
				t.Errorf("search by a bad date: %d", r.Status)
			}
			if r := cm.C.get("/n/beppu/people?page=0"); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("page 0: %d", r.Status)
			}
		})

		t.Run("fukuoka claims", func(t *testing.T) {
			s := newSite(t, db, "fukuoka", "fukuoka")
			op := newClient(t, s.URL)
			op.loginOperator(s, "fukuoka")
			good := "insured_no,org_code,insurance_kind,service_month\n12-345,4012345678,kokuho,2026-10\n"
			sjis := []byte("insured_no,org_code,insurance_kind,service_month\n12-345,4012345678,kokuho,2026-10\n\x8e\x81\x96\xbc\n") // 氏名 in Shift_JIS
			runFormCases(t, db, "fukuoka", op, []formCase{
				{name: "no file", path: "/n/fukuoka/claims", form: url.Values{}, fileField: "file", file: nil, want: "ファイルを選んでください。"},
				// Shift_JIS where UTF-8 is expected.
				{name: "Shift_JIS", path: "/n/fukuoka/claims", fileField: "file", file: sjis, want: "文字コードがUTF-8ではありません"},
				{name: "wrong columns", path: "/n/fukuoka/claims", fileField: "file", file: []byte("番号,事業所\n12-345,4012345678\n"), want: "1行に誤りがあるため、取り込みませんでした"},
				{name: "duplicate line", path: "/n/fukuoka/claims", fileField: "file", file: []byte(good + "12-345,4012345678,kokuho,2026-10\n"), want: "1行に誤りがあるため、取り込みませんでした"},
				{name: "bad month", path: "/n/fukuoka/claims", fileField: "file", file: []byte(good + "12-345,4012345678,kaigo,2026-13\n"), want: "1行に誤りがあるため、取り込みませんでした"},
			})
			// The rejected lines are listed with their reasons.
			r := op.upload("/n/fukuoka/claims", nil, "file", "claims.csv", []byte(good+"12-345,40123,kokuho,2026-10\n12-345,4012345678,kokuho,2026-10\n"))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="claims-rejected"`) || !strings.Contains(r.Body, "3行目") ||
				!strings.Contains(r.Body, "事業所番号は10桁の数字です。") || !strings.Contains(r.Body, "2行目と同じ内容です（重複）。") {
				t.Errorf("rejected lines report: %d\n%s", r.Status, r.Body)
			}
		})

		t.Run("joso disasters", func(t *testing.T) {
			s := newSite(t, db, "joso", "joso")
			op := newClient(t, s.URL)
			op.loginOperator(s, "joso")
			runFormCases(t, db, "joso", op, []formCase{
				{name: "no name", path: "/n/joso/disasters", form: url.Values{}, want: "災害の名称を入力してください。"},
				{name: "markup", path: "/n/joso/disasters", form: url.Values{"name": {script}}, want: escaped},
				{name: "over-long", path: "/n/joso/disasters", form: url.Values{"name": {strings.Repeat("災", 101)}}, want: "災害の名称は100文字以内で入力してください。"},
			})
		})
	})
}

// TestPeopleWebListShowsOnlyPermitted: a staff user's 「対象者」 never shows a
// person of another organization that has no access, and its total and pages
// agree with the permitted set.
func TestPeopleWebListShowsOnlyPermitted(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		a := s.member(t, "beppu", "ケアプランセンターあおぞら", "kyotaku", "cm-a", "care_manager")
		b := s.member(t, "beppu", "居宅介護支援事業所みなと", "kyotaku", "cm-b", "care_manager")
		c := s.member(t, "beppu", "訪問介護ひかり", "kaigo_service", "helper-c", "helper")

		// An organization with nobody yet is told why the list is empty.
		r := c.C.get("/n/beppu/people")
		if r.Status != 200 || !strings.Contains(r.Body, `id="people-empty"`) || !strings.Contains(r.Body, "閲覧を認められた対象者だけが表示されます") {
			t.Fatalf("empty list: %d\n%s", r.Status, r.Body)
		}

		ppl := s.ppl()
		ctx := domain.WithRequestMeta(context.Background(), domain.RequestMeta{})
		city := s.actorOf(t, "beppu", s.OpID, s.OpPass, s.OpTOTP) // beppu §15-1: the city enters consents
		// b's person, consented: b is the care-plan office; a and c have no access.
		pb, err := ppl.Register(ctx, b.Actor, people.PersonInput{FamilyName: "浜脇", GivenName: "秘密", FamilyKana: "ハマワキ", GivenKana: "ヒミツ",
			BirthDate: "1941-05-05", Sex: "male"}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ppl.RecordConsent(ctx, city, pb.ID, people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-01", FormVersion: "form6"}); err != nil {
			t.Fatal(err)
		}
		// a registers 57 people; one of them consented and granted to c.
		var first string
		for i := range 57 {
			p, err := ppl.Register(ctx, a.Actor, people.PersonInput{FamilyName: "亀川", GivenName: fmt.Sprintf("利用者%02d", i), FamilyKana: "カメガワ",
				GivenKana: "リヨウシャ" + strings.Repeat("ア", i%5+1), BirthDate: fmt.Sprintf("19%02d-01-01", 30+i), Sex: "female"}, true)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = p.ID
			}
		}
		if _, err := ppl.RecordConsent(ctx, city, first, people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-01", FormVersion: "form6"}); err != nil {
			t.Fatal(err)
		}
		if err := ppl.GrantAccess(ctx, a.Actor, first, c.OrgID); err != nil {
			t.Fatal(err)
		}

		rows := regexp.MustCompile(`<tr>\s*<td><a href="/n/beppu/people/([^"]+)">`)
		list := func(cl *client, q string) (ids []string, body string) {
			t.Helper()
			r := cl.get("/n/beppu/people" + q)
			if r.Status != 200 {
				t.Fatalf("list %s: %d\n%s", q, r.Status, r.Body)
			}
			for _, m := range rows.FindAllStringSubmatch(r.Body, -1) {
				ids = append(ids, m[1])
			}
			return ids, r.Body
		}
		ids, body := list(a.C, "")
		if len(ids) != 50 || !strings.Contains(body, "57 名中 1〜50 名を表示") || strings.Contains(body, "浜脇") || strings.Contains(body, pb.ID) {
			t.Errorf("a's first page: %d rows\n%s", len(ids), body)
		}
		ids2, body := list(a.C, "?page=2")
		if len(ids2) != 7 || !strings.Contains(body, "57 名中 51〜57 名を表示") || strings.Contains(body, "浜脇") {
			t.Errorf("a's second page: %d rows", len(ids2))
		}
		seen := map[string]bool{}
		for _, id := range append(ids, ids2...) {
			if seen[id] {
				t.Errorf("%s on both pages", id)
			}
			seen[id] = true
		}
		// Searching for b's person by kana or birth date finds nothing for a.
		if ids, body := list(a.C, "?"+url.Values{"kana": {"はまわき"}}.Encode()); len(ids) != 0 || strings.Contains(body, "秘密") {
			t.Errorf("a finds b's person by kana: %v", ids)
		}
		if ids, _ := list(a.C, "?birth_date=1941-05-05"); len(ids) != 0 {
			t.Errorf("a finds b's person by birth date: %v", ids)
		}
		if ids, body := list(a.C, "?"+url.Values{"kana": {"かめがわ りようしゃああ"}, "birth_date": {"1931-01-01"}}.Encode()); len(ids) != 1 || !strings.Contains(body, "利用者01") {
			t.Errorf("a's search by kana and birth date: %v", ids)
		}
		// b sees only its own person, with its consent badge.
		if ids, body := list(b.C, ""); len(ids) != 1 || ids[0] != pb.ID || !strings.Contains(body, "同意済み") {
			t.Errorf("b's list: %v", ids)
		}
		// c sees only the person it was granted, not a's other 56 or b's.
		if ids, body := list(c.C, ""); len(ids) != 1 || ids[0] != first || strings.Contains(body, "浜脇") {
			t.Errorf("c's list: %v", ids)
		}
		notGranted := ids[0]
		if notGranted == first {
			notGranted = ids[1]
		}
		// The pages of people one may not see are not found, and say nothing of them.
		for _, tc := range []struct {
			cl   *client
			id   string
			name string
		}{{a.C, pb.ID, "浜脇"}, {c.C, pb.ID, "浜脇"}, {b.C, first, "亀川"}, {c.C, notGranted, "亀川"}} {
			if r := tc.cl.get("/n/beppu/people/" + tc.id); r.Status != http.StatusNotFound || strings.Contains(r.Body, tc.name) {
				t.Errorf("a page of someone not permitted: %d", r.Status)
			}
		}
		// The operator sees everyone.
		op := newClient(t, s.URL)
		op.loginOperator(s, "beppu")
		if r := op.get("/n/beppu/people"); r.Status != 200 || !strings.Contains(r.Body, "58 名中 1〜50 名を表示") {
			t.Errorf("operator's list: %d", r.Status)
		}
	})
}

// TestPeopleWebWithdrawalTakesEffectAtOnce: beppu §16, §17-4..5: a revoked grant
// and a withdrawal of consent count from the very next request of the granted
// organization.
func TestPeopleWebWithdrawalTakesEffectAtOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		cm := s.member(t, "beppu", "ケアプランセンターあおぞら", "kyotaku", "cm-a", "care_manager")
		other := s.member(t, "beppu", "訪問介護ひかり", "kaigo_service", "helper-c", "helper")
		f := personForm("堀田", "温子", "ホリタ", "アツコ", "1939-03-03")
		f.Set("care_insured_no", "0000012345")
		id := register(t, cm.C, "beppu", f)
		page := "/n/beppu/people/" + id

		// Before consent the other organization cannot even request access.
		if r := other.C.get(page); r.Status != http.StatusNotFound {
			t.Fatalf("before consent: %d", r.Status)
		}
		// beppu §15-1: the city takes the consent form; the operator enters it.
		city := newClient(t, s.URL)
		city.loginOperator(s, "beppu")
		if r := cm.C.get(page); strings.Contains(r.Body, `id="consent-link"`) || !strings.Contains(r.Body, `id="consent-by"`) {
			t.Errorf("beppu §15-1: the care manager is offered to enter the consent")
		}
		if r := city.upload(page+"/consent", consentForm("2026-11-20"), "form", "doui.pdf", smallPDF); r.Status != http.StatusSeeOther {
			t.Fatalf("consent: %d\n%s", r.Status, r.Body)
		}
		// beppu §17-1: the office that registered the person writes the care plan.
		r := cm.C.get(page)
		if !strings.Contains(r.Body, `id="consent-badge">同意済み`) || !strings.Contains(r.Body, "ケアプラン作成事業所") || !strings.Contains(r.Body, "添付あり") {
			t.Fatalf("after consent the page shows\n%s", r.Body)
		}

		// beppu §17-3..4: the other organization requests, the office grants.
		req := url.Values{"insured_no": {"0000012345"}, "birth_date": {"1939-03-03"}, "reason": {"12月から訪問介護を提供するため"}}
		if r := other.C.post("/n/beppu/access-requests", req); r.Status != http.StatusSeeOther {
			t.Fatalf("request: %d\n%s", r.Status, r.Body)
		}
		r = cm.C.get(page)
		m := regexp.MustCompile(`/access-requests/([^/"]+)/grant`).FindStringSubmatch(r.Body)
		if m == nil || !strings.Contains(r.Body, "12月から訪問介護を提供するため") {
			t.Fatalf("the pending request is not on the person's page\n%s", r.Body)
		}
		if r := cm.C.post("/n/beppu/access-requests/"+m[1]+"/grant", url.Values{"person_id": {id}}); r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, page+"?done=request-granted") {
			t.Fatalf("grant the request: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if r := other.C.get(page); r.Status != 200 || !strings.Contains(r.Body, "堀田 温子") || !strings.Contains(r.Body, "閲覧の根拠: 閲覧の許可") {
			t.Fatalf("after the grant: %d", r.Status)
		}
		// The granted organization does not grant or revoke (beppu §17-4..5).
		if r := other.C.get(page); strings.Contains(r.Body, `id="grant-form"`) || strings.Contains(r.Body, "/end\"") {
			t.Errorf("a granted organization is offered the care-plan office's buttons")
		}

		// beppu §17-5: the office revokes; the next request is refused.
		grantRow := accessRow(t, db, "beppu", id, other.OrgID)
		if r := cm.C.get(page); !strings.Contains(r.Body, `action="/n/beppu/people/`+id+`/access/`+grantRow+`/end"`) {
			t.Fatalf("no end button for the grant on the office's page\n%s", r.Body)
		}
		if r := cm.C.post(page+"/access/"+grantRow+"/end", url.Values{"end_reason": {"サービス終了"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("end the grant: %d\n%s", r.Status, r.Body)
		}
		if r := other.C.get(page); r.Status != http.StatusNotFound || strings.Contains(r.Body, "堀田") {
			t.Errorf("after revocation: %d", r.Status)
		}
		if r := cm.C.post(page+"/grants", url.Values{"org_id": {other.OrgID}}); r.Status != http.StatusSeeOther {
			t.Fatalf("grant again: %d\n%s", r.Status, r.Body)
		}
		if r := other.C.get(page); r.Status != 200 {
			t.Fatalf("after the second grant: %d", r.Status)
		}

		// beppu §16: the withdrawal (received by the city) stops all sharing at once.
		if r := city.post(page+"/withdraw", url.Values{"withdraw_confirm": {"yes"}, "withdraw_note": {"本人が同意撤回書を提出"}}); r.Status != http.StatusSeeOther ||
			!strings.HasSuffix(r.Location, "/people?done=consent-withdrawn") {
			t.Fatalf("withdraw: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if r := other.C.get(page); r.Status != http.StatusNotFound || strings.Contains(r.Body, "堀田") {
			t.Errorf("the granted organization after the withdrawal: %d", r.Status)
		}
		if r := other.C.get("/n/beppu/people"); strings.Contains(r.Body, "堀田") {
			t.Errorf("the withdrawn person is still in the granted organization's list")
		}
		// The registering organization still sees the person, marked 撤回.
		if r := cm.C.get(page); r.Status != 200 || !strings.Contains(r.Body, `id="consent-badge">撤回`) || strings.Contains(r.Body, `id="grant-form"`) {
			t.Errorf("the registering organization after the withdrawal: %d", r.Status)
		}
		if r := cm.C.get("/n/beppu/people"); !strings.Contains(r.Body, "撤回") {
			t.Errorf("the list does not mark the withdrawal")
		}
	})
}

// TestPeopleWebDuplicateWarning: registering someone with the same kana name and
// birth date warns and asks to confirm that it is a different person.
func TestPeopleWebDuplicateWarning(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "beppu", "beppu")
		cm := s.member(t, "beppu", "ケアプランセンターあおぞら", "kyotaku", "cm-a", "care_manager")
		other := s.member(t, "beppu", "居宅介護支援事業所みなと", "kyotaku", "cm-b", "care_manager")
		register(t, other.C, "beppu", personForm("別府", "花子", "ベップ", "ハナコ", "1940-04-01"))
		before := peopleState(t, db, "beppu")
		// The same reading in hiragana and another spacing is the same person.
		f := personForm("別府", "華子", "べっぷ", "はなこ", "1940-04-01")
		r := cm.C.post("/n/beppu/people/new", f)
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, `id="duplicate-warning"`) || !strings.Contains(r.Body, "同一人物ではないことを確認して登録する") ||
			!strings.Contains(r.Body, `value="別府"`) || strings.Contains(r.Body, "花子") {
			t.Fatalf("duplicate: %d\n%s", r.Status, r.Body)
		}
		if after := peopleState(t, db, "beppu"); after != before {
			t.Errorf("the warning registered someone")
		}
		register(t, cm.C, "beppu", with(f, "confirm_distinct", "yes"))
	})
}

// TestPeopleWebOperatorPages: the claims import report (fukuoka §19-2), disaster
// mode (joso §21), the occupation matrix (beppu §10-1) and who viewed a person
// (beppu §10-3); menus follow the policy.
func TestPeopleWebOperatorPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("beppu", func(t *testing.T) {
			s := newSite(t, db, "beppu", "beppu")
			cm := s.member(t, "beppu", "ケアプランセンターあおぞら", "kyotaku", "cm-a", "care_manager")
			op := newClient(t, s.URL)
			op.loginOperator(s, "beppu")
			home := op.get("/n/beppu/home").Body
			for _, want := range []string{`href="/n/beppu/people"`, `href="/n/beppu/matrix"`} {
				if !strings.Contains(home, want) {
					t.Errorf("operator's home lacks %s", want)
				}
			}
			for _, not := range []string{`href="/n/beppu/claims"`, `href="/n/beppu/disasters"`} {
				if strings.Contains(home, not) {
					t.Errorf("beppu's operator is offered %s", not)
				}
			}
			staffHome := cm.C.get("/n/beppu/home").Body
			if !strings.Contains(staffHome, `href="/n/beppu/people/new"`) || !strings.Contains(staffHome, `href="/n/beppu/access-requests"`) || strings.Contains(staffHome, `href="/n/beppu/matrix"`) {
				t.Errorf("staff home menu:\n%s", staffHome)
			}
			for _, path := range []string{"/n/beppu/matrix", "/n/beppu/claims", "/n/beppu/disasters"} {
				if r := cm.C.get(path); r.Status != http.StatusForbidden {
					t.Errorf("staff GET %s: %d", path, r.Status)
				}
			}
			if r := cm.C.post("/n/beppu/matrix", url.Values{}); r.Status != http.StatusForbidden {
				t.Errorf("staff POST matrix: %d", r.Status)
			}
			if r := op.get("/n/beppu/claims"); r.Status != http.StatusForbidden {
				t.Errorf("claims import in beppu: %d", r.Status)
			}

			// The matrix: every cell allowed by default; the helper loses writing care records.
			r := op.get("/n/beppu/matrix")
			if r.Status != 200 || !strings.Contains(r.Body, `id="w-helper/care" name="write" value="helper/care" checked`) {
				t.Fatalf("matrix: %d\n%s", r.Status, r.Body)
			}
			form := url.Values{}
			for _, occ := range []string{"care_manager", "shuninkaigo", "shakai_fukushishi", "hokenshi", "nurse", "kaigo_fukushishi", "helper", "therapist", "service_manager", "clerk"} {
				for _, cat := range []string{"care", "watch", "daily"} {
					form.Add("read", occ+"/"+cat)
					if !(occ == "helper" && cat == "care") && occ != "clerk" {
						form.Add("write", occ+"/"+cat)
					}
				}
			}
			if r := op.post("/n/beppu/matrix", form); r.Status != http.StatusSeeOther {
				t.Fatalf("save matrix: %d\n%s", r.Status, r.Body)
			}
			r = op.get("/n/beppu/matrix?done=matrix")
			if !strings.Contains(r.Body, `id="w-helper/care" name="write" value="helper/care" >`) || !strings.Contains(r.Body, `id="r-helper/care" name="read" value="helper/care" checked`) ||
				!strings.Contains(r.Body, "職種別の権限を保存しました。") {
				t.Errorf("the matrix after saving:\n%s", r.Body)
			}

			// Who viewed a person: the operator's page, not the staff's.
			id := register(t, cm.C, "beppu", personForm("北浜", "誠", "キタハマ", "マコト", "1945-08-08"))
			cm.C.get("/n/beppu/people/" + id)
			if r := cm.C.get("/n/beppu/people/" + id); strings.Contains(r.Body, "/log\"") {
				t.Errorf("staff are offered the access log")
			}
			if r := cm.C.get("/n/beppu/people/" + id + "/log"); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Errorf("staff GET the access log: %d", r.Status)
			}
			r = op.get("/n/beppu/people/" + id + "/log")
			if r.Status != 200 || strings.Count(r.Body, "<code>person.view</code>") < 2 || !strings.Contains(r.Body, "cm-a") || !strings.Contains(r.Body, "登録した組織") {
				t.Errorf("access log: %d\n%s", r.Status, r.Body)
			}
			if r := op.get("/n/beppu/people/" + id + "/log?from=2026-02-30"); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("access log with a bad date: %d", r.Status)
			}
			// beppu §18: loss of eligibility on 2026-11-01 is readable through day 90.
			if r := cm.C.post("/n/beppu/people/"+id+"/eligibility", url.Values{"eligible": {"no"}, "lost_reason": {"moved"}, "lost_on": {"2026-11-01"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("eligibility: %d\n%s", r.Status, r.Body)
			}
			if r := cm.C.get("/n/beppu/people/" + id); !strings.Contains(r.Body, "2027-01-29まで閲覧できます") || !strings.Contains(r.Body, "beppu §18") {
				t.Errorf("read window not shown:\n%s", r.Body)
			}
		})

		t.Run("fukuoka claims", func(t *testing.T) {
			s := newSite(t, db, "fukuoka", "fukuoka")
			op := newClient(t, s.URL)
			op.loginOperator(s, "fukuoka")
			if !strings.Contains(op.get("/n/fukuoka/home").Body, `href="/n/fukuoka/claims"`) {
				t.Errorf("fukuoka's operator is not offered the claims import")
			}
			csv := "\ufeffinsured_no,org_code,insurance_kind,service_month\n12-345,4012345678,kokuho,2026-10\n67-890,4012345679,kaigo,2026-09\n"
			r := op.upload("/n/fukuoka/claims", nil, "file", "claims.csv", []byte(csv))
			if r.Status != 200 || !strings.Contains(r.Body, `id="claims-accepted">2`) || !strings.Contains(r.Body, `id="claims-unmatched"`) ||
				!strings.Contains(r.Body, "事業所番号 4012345678 の利用組織が登録されていません。") {
				t.Errorf("claims report: %d\n%s", r.Status, r.Body)
			}
		})

		t.Run("joso disasters", func(t *testing.T) {
			s := newSite(t, db, "joso", "joso")
			op := newClient(t, s.URL)
			op.loginOperator(s, "joso")
			if r := op.post("/n/joso/disasters", url.Values{"name": {"令和8年台風第10号"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("declare: %d\n%s", r.Status, r.Body)
			}
			r := op.get("/n/joso/disasters?done=disaster-declared")
			if !strings.Contains(r.Body, `id="disaster-active"`) || !strings.Contains(r.Body, "令和8年台風第10号") {
				t.Errorf("active disaster not shown:\n%s", r.Body)
			}
			// A second declaration while one lasts is a conflict, shown on the page.
			if r := op.post("/n/joso/disasters", url.Values{"name": {"地震"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "終了してから宣言してください") {
				t.Errorf("second declaration: %d", r.Status)
			}
			if r := op.post("/n/joso/disasters/end", url.Values{}); r.Status != http.StatusSeeOther {
				t.Fatalf("end: %d\n%s", r.Status, r.Body)
			}
			if r := op.get("/n/joso/disasters"); strings.Contains(r.Body, `id="disaster-active"`) || !strings.Contains(r.Body, `id="disaster-form"`) {
				t.Errorf("ended disaster still active")
			}
		})
	})
}

// TestPeopleWebKatoriTeamHouseholdDeletion: katori §1 registers households (世帯),
// §13-1 the user enters the consent (§13-3 a sharing required by law with its
// basis), the care team grows by a team member's decision, and §13-2 a deletion
// request sets 支援中止: hidden from everyone but the operator, who sees that it
// is hidden and not its content.
func TestPeopleWebKatoriTeamHouseholdDeletion(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "katori", "katori")
		a := s.member(t, "katori", "香取市地域包括支援センター", "hokatsu", "sw-a", "shakai_fukushishi")
		b := s.member(t, "katori", "香取市社会福祉協議会", "shakyo", "sw-b", "sodan_shienin")

		r := a.C.get("/n/katori/people/new")
		if r.Status != 200 || !strings.Contains(r.Body, `id="household"`) || strings.Contains(r.Body, `id="care_insured_no"`) {
			t.Fatalf("katori's registration form: %d\n%s", r.Status, r.Body)
		}
		f := personForm("佐原", "一郎", "さわら", "いちろう", "1950-06-01")
		f.Set("new_household", "佐原さん世帯")
		id1 := register(t, a.C, "katori", f)
		r = a.C.get("/n/katori/people/" + id1)
		m := regexp.MustCompile(`世帯ID <code>([^<]+)</code>`).FindStringSubmatch(r.Body)
		if m == nil || !strings.Contains(r.Body, `id="household-register"`) {
			t.Fatalf("no household on the person's page\n%s", r.Body)
		}
		hh := m[1]
		if r := a.C.get("/n/katori/people/new?household_id=" + hh); !strings.Contains(r.Body, `<option value="`+hh+`" selected>佐原 一郎さんの世帯</option>`) {
			t.Errorf("the household is not preselected\n%s", r.Body)
		}
		before := peopleState(t, db, "katori")
		if r := a.C.post("/n/katori/people/new", with(with(personForm("佐原", "花", "さわら", "はな", "1980-01-01"), "household_id", hh), "new_household", "別の世帯")); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="household_id-error">既存の世帯に加えるか、新しい世帯を作るか、どちらか一方にしてください。`) {
			t.Errorf("both household fields: %d", r.Status)
		}
		if peopleState(t, db, "katori") != before {
			t.Errorf("a refused registration changed something")
		}
		id2 := register(t, a.C, "katori", with(personForm("佐原", "花", "さわら", "はな", "1980-01-01"), "household_id", hh))
		if r := a.C.get("/n/katori/people/" + id2); !strings.Contains(r.Body, `同じ世帯の方: <a href="/n/katori/people/`+id1+`">佐原 一郎</a>`) {
			t.Errorf("the household's other member is not shown\n%s", r.Body)
		}

		// katori §13-1: the user enters the consent; §13-3: with the law's basis.
		page := "/n/katori/people/" + id1
		if r := a.C.post(page+"/consent", url.Values{"kind": {"legal"}, "consented_on": {"2026-11-20"}, "form_version": {"doisho"}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="legal_basis-error">根拠となる法令を入力してください。`) {
			t.Errorf("legal sharing without its basis: %d", r.Status)
		}
		if r := a.C.post(page+"/consent", url.Values{"kind": {"legal"}, "legal_basis": {"社会福祉法第106条の6"}, "consented_on": {"2026-11-20"}, "form_version": {"doisho"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("consent: %d\n%s", r.Status, r.Body)
		}
		if r := b.C.get(page); r.Status != http.StatusNotFound {
			t.Fatalf("another organization before joining the team: %d", r.Status)
		}
		// A team member adds an organization to the care team.
		if r := a.C.post(page+"/team", url.Values{"org_id": {b.OrgID}}); r.Status != http.StatusSeeOther {
			t.Fatalf("team: %d\n%s", r.Status, r.Body)
		}
		r = b.C.get(page)
		if r.Status != 200 || !strings.Contains(r.Body, "閲覧の根拠: ケアチーム") || !strings.Contains(r.Body, "社会福祉法第106条の6") {
			t.Fatalf("team member: %d\n%s", r.Status, r.Body)
		}
		// The household member b may not see is not mentioned.
		if strings.Contains(r.Body, "佐原 花") {
			t.Errorf("a household member the team may not see is named")
		}
		if r := b.C.post(page+"/team", url.Values{"org_id": {b.OrgID}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "この組織は既に閲覧できます。") {
			t.Errorf("adding a member twice: %d", r.Status)
		}

		// katori §13-2: the deletion request sets 支援中止.
		if r := b.C.post(page+"/delete", url.Values{"delete_note": {"本人から申し出"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="delete_confirm-error"`) {
			t.Errorf("deletion without confirmation: %d", r.Status)
		}
		if r := b.C.post(page+"/delete", url.Values{"delete_confirm": {"yes"}, "delete_note": {"本人から申し出"}}); r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/people?done=person-deleted") {
			t.Fatalf("deletion: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		for _, c := range []*client{a.C, b.C} {
			if r := c.get(page); r.Status != http.StatusNotFound || strings.Contains(r.Body, "佐原") {
				t.Errorf("after 支援中止 a user sees the page: %d", r.Status)
			}
		}
		op := newClient(t, s.URL)
		op.loginOperator(s, "katori")
		r = op.get(page)
		if r.Status != 200 || !strings.Contains(r.Body, `id="hidden-note"`) || strings.Contains(r.Body, "佐原") || strings.Contains(r.Body, "社会福祉法") {
			t.Errorf("the operator's view of a stopped record: %d\n%s", r.Status, r.Body)
		}
		if r := op.get("/n/katori/people"); !strings.Contains(r.Body, "支援中止の対象者") || strings.Contains(r.Body, "佐原 一郎") {
			t.Errorf("the operator's list shows the stopped record's content")
		}
	})
}

// TestPeopleWebFukuoka: the health insurance number (fukuoka §2), the consent forms
// by date (§17: form 7 up to 2018-05-31, then 7a or 7b), the read window after
// leaving (§20: until 3 months have passed from the next day) and the
// operator's early close (§20 なお書き).
func TestPeopleWebFukuoka(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db, "fukuoka", "fukuoka")
		cm := s.member(t, "fukuoka", "ケアプランセンターももち", "kyotaku", "cm-momochi", "care_manager")
		r := cm.C.get("/n/fukuoka/people/new")
		if !strings.Contains(r.Body, `id="health_insured_no"`) || !strings.Contains(r.Body, `id="care_insured_no"`) {
			t.Fatalf("fukuoka's registration asks for both insured numbers\n%s", r.Body)
		}
		f := personForm("百道", "浜子", "ももち", "はまこ", "1945-02-02")
		before := peopleState(t, db, "fukuoka")
		if r := cm.C.post("/n/fukuoka/people/new", with(f, "health_insured_no", "12*345")); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="health_insured_no-error">医療保険の被保険者記号・番号は英数字とハイフンで入力してください。`) {
			t.Errorf("bad health insured number: %d", r.Status)
		}
		if peopleState(t, db, "fukuoka") != before {
			t.Errorf("a refused registration changed something")
		}
		id := register(t, cm.C, "fukuoka", with(f, "health_insured_no", "１２・３４５"))
		page := "/n/fukuoka/people/" + id
		r = cm.C.get(page)
		if !strings.Contains(r.Body, "<dd>12-345</dd>") {
			t.Errorf("the health insured number is not normalised on the page")
		}
		// fukuoka §14 (3): staff message each other about the person from the person's page.
		if !strings.Contains(r.Body, `href="/n/fukuoka/messages/new?person=`+id+`" id="message-link"`) {
			t.Errorf("no link to message about the person on the care manager's page")
		}
		op := newClient(t, s.URL)
		op.loginOperator(s, "fukuoka")
		// fukuoka §17: form 7 only for consents up to 2018-05-31.
		if r := op.post(page+"/consent", url.Values{"kind": {"self"}, "consented_on": {"2026-11-01"}, "form_version": {"form7"}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, `id="form_version-error">同意書（様式第7号）は2018-05-31までの同意にのみ使えます。`) {
			t.Errorf("form 7 in 2026: %d", r.Status)
		}
		if r := op.post(page+"/consent", url.Values{"kind": {"self"}, "consented_on": {"2026-11-01"}, "form_version": {"form7a"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("form 7a: %d\n%s", r.Status, r.Body)
		}
		// fukuoka §20: left on 2026-10-31, counted from 11-01, the period ends 2027-01-31;
		// readable through the day after (経過した日).
		if r := cm.C.post(page+"/eligibility", url.Values{"eligible": {"no"}, "lost_reason": {"moved"}, "lost_on": {"2026-10-31"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("eligibility: %d\n%s", r.Status, r.Body)
		}
		if r := cm.C.get(page); !strings.Contains(r.Body, "2027-02-01まで閲覧できます") || strings.Contains(r.Body, "/read-window") {
			t.Errorf("read window on the staff's page:\n%s", r.Body)
		}
		r = op.get(page)
		if !strings.Contains(r.Body, `action="/n/fukuoka/people/`+id+`/read-window"`) {
			t.Fatalf("the operator is not offered to close the read window\n%s", r.Body)
		}
		if strings.Contains(r.Body, `id="message-link"`) {
			t.Errorf("the operator is offered staff messages (fukuoka §14 (3): between 業務利用者)")
		}
		if r := op.post(page+"/read-window", url.Values{"close_from": {"2026-12-32"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="close_from-error"`) {
			t.Errorf("close with a bad date: %d", r.Status)
		}
		if r := op.post(page+"/read-window", url.Values{"close_from": {"2026-12-01"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("close: %d\n%s", r.Status, r.Body)
		}
		if r := cm.C.get(page); !strings.Contains(r.Body, "2026-11-30まで閲覧できます") {
			t.Errorf("after the early close:\n%s", r.Body)
		}
	})
}
