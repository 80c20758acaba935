// Package demo creates a realistic demo installation: the five seed networks, each
// with its operators, organizations that applied and were approved (the way a real
// network fills up, so the audit log shows it), their admins and staff, a pending
// application, and known credentials so that a person trying the demo can log in
// from the printed table. Running it again on the same database adds nothing twice.
package demo

import (
	"context"
	"encoding/base32"
	"fmt"
	"slices"
	"time"

	"github.com/pquerna/otp/totp"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/secret"
)

// Password is the password of every demo account. It is printed with the table;
// demo data is never production data.
const Password = "Renraku-Demo-2026"

// Login is one demo account.
type Login struct {
	Network      string `json:"network"`
	NetworkName  string `json:"network_name"`
	LoginID      string `json:"login_id"`
	Password     string `json:"password"`
	Role         string `json:"role"`
	RoleName     string `json:"role_name"`
	Organization string `json:"organization"`
	TOTPSecret   string `json:"totp_secret"`
}

// Code returns the login's TOTP code at now.
func (l Login) Code(now time.Time) string {
	c, err := totp.GenerateCode(l.TOTPSecret, now)
	if err != nil {
		return ""
	}
	return c
}

type person struct{ login, name, occupation string }

type org struct {
	key, name, typ, address, phone string
	admin                          person
	staff                          []person
}

type network struct {
	id        string
	operators []person // one per operator role, in profile order
	municipal []person
	auditor   *person
	vendor    *person
	orgs      []org
	pending   org
}

// The five networks with fictional organizations and people.
var networks = []network{
	{id: "beppu",
		operators: []person{{"beppu-jigyo", "別府 一郎", ""}, {"beppu-kanri", "浜脇 花子", ""}, {"beppu-jimu", "亀川 健太", ""}},
		municipal: []person{{"beppu-gyosei", "石垣 由美", "hokenshi"}},
		orgs: []org{
			{"yukemuri", "ケアプランセンターゆけむり", "kyotaku", "大分県別府市北浜2丁目1-1", "0977-21-0001",
				person{"yukemuri-admin", "鉄輪 美和", ""}, []person{{"yukemuri-cm1", "明礬 進", "care_manager"}, {"yukemuri-cm2", "堀田 千春", "shuninkaigo"}}},
			{"chuo-hokatsu", "別府中央地域包括支援センター", "hokatsu", "大分県別府市上野口町1-15", "0977-21-0002",
				person{"chuo-admin", "南立石 直子", ""}, []person{{"chuo-sw", "朝見 光", "shakai_fukushishi"}, {"chuo-phn", "野口 和子", "hokenshi"}}},
			{"beppuwan", "訪問介護ステーションべっぷ湾", "kaigo_service", "大分県別府市汐見町3-2", "0977-21-0003",
				person{"beppuwan-admin", "浜田 隆", ""}, []person{{"beppuwan-helper", "北石垣 舞", "helper"}, {"beppuwan-sp", "石垣 翔", "service_manager"}}},
		},
		pending: org{"tsurumi", "デイサービス鶴見の丘", "kaigo_service", "大分県別府市鶴見4-8", "0977-21-0004", person{"", "鶴見 恵", ""}, nil}},
	{id: "fukuoka",
		operators: []person{{"fukuoka-jigyo", "博多 誠", ""}, {"fukuoka-kanri", "天神 里美", ""}, {"fukuoka-jimu", "中洲 亮", ""}, {"fukuoka-sys", "箱崎 陽子", ""}},
		municipal: []person{{"fukuoka-city", "舞鶴 智子", "hokenshi"}},
		auditor:   &person{"fukuoka-audit", "大濠 修", ""},
		orgs: []org{
			{"momochi", "ももち在宅クリニック", "shinryojo", "福岡市早良区百道浜1-2-3", "092-000-0001",
				person{"momochi-admin", "百道 聡", ""}, []person{{"momochi-dr", "西新 健一", "doctor"}, {"momochi-ns", "藤崎 由香", "nurse"}}},
			{"hakata-kango", "博多訪問看護ステーション", "houmon_kango", "福岡市博多区博多駅前2-1", "092-000-0002",
				person{"hakata-admin", "住吉 恭子", ""}, []person{{"hakata-ns1", "祇園 真理", "nurse"}, {"hakata-pt", "呉服 大輔", "therapist"}}},
			{"ohori-cp", "居宅介護支援事業所おおほり", "kyotaku", "福岡市中央区大濠公園1-1", "092-000-0003",
				person{"ohori-admin", "六本松 恵", ""}, []person{{"ohori-cm", "赤坂 紀子", "care_manager"}}},
			{"tenjin-yakkyoku", "天神みなみ薬局", "yakkyoku", "福岡市中央区天神2-3-4", "092-000-0004",
				person{"tenjin-admin", "渡辺 通", ""}, []person{{"tenjin-ph", "薬院 奈央", "pharmacist"}}},
		},
		pending: org{"meinohama", "姪浜ケアサービス", "kaigo_service", "福岡市西区姪浜駅南1-5", "092-000-0005", person{"", "姪浜 剛", ""}, nil}},
	{id: "katori",
		operators: []person{{"katori-shi", "佐原 浩二", ""}},
		vendor:    &person{"katori-vendor", "保守 太郎", ""},
		orgs: []org{
			{"sawara-hokatsu", "佐原地域包括支援センター", "hokatsu", "千葉県香取市佐原イ1-1", "0478-00-0001",
				person{"sawara-admin", "小野川 幸子", ""}, []person{{"sawara-sw", "利根 一樹", "shakai_fukushishi"}, {"sawara-phn", "香取 恵美", "hokenshi"}}},
			{"katori-shakyo", "香取市社会福祉協議会", "shakyo", "千葉県香取市佐原ロ2-2", "0478-00-0002",
				person{"shakyo-admin", "水郷 明", ""}, []person{{"shakyo-soudan", "大須賀 綾", "sodan_shienin"}}},
			{"kodomo", "香取市こども家庭センター", "kodomo_katei", "千葉県香取市佐原ハ3-3", "0478-00-0003",
				person{"kodomo-admin", "栗源 千里", ""}, []person{{"kodomo-sw", "山田 遥", "seishin_fukushishi"}}},
		},
		pending: org{"omigawa", "小見川相談支援事業所", "shogai_sodan", "千葉県香取市小見川4-4", "0478-00-0004", person{"", "小見川 聡", ""}, nil}},
	{id: "joso",
		operators: []person{{"joso-shi", "水海道 正樹", ""}},
		municipal: []person{{"joso-hokatsu", "石下 敦子", "hokatsu_staff"}},
		vendor:    &person{"joso-vendor", "保守 次郎", ""},
		orgs: []org{
			{"kinu-clinic", "きぬ川在宅クリニック", "shinryojo", "茨城県常総市水海道宝町1-1", "0297-00-0001",
				person{"kinu-admin", "鬼怒 勇", ""}, []person{{"kinu-dr", "豊岡 達也", "doctor_dentist"}, {"kinu-ns", "菅生 朋子", "nurse"}}},
			{"joso-kyotaku", "常総ケアプランセンター", "kyotaku", "茨城県常総市新石下2-2", "0297-00-0002",
				person{"jk-admin", "大生 浩", ""}, []person{{"jk-cm", "三坂 紗希", "care_manager"}}},
		},
		pending: org{"ishige-yakkyoku", "石下中央薬局", "yakkyoku", "茨城県常総市本石下3-3", "0297-00-0003", person{"", "本石下 誠", ""}, nil}},
	{id: "sendai-izumi",
		operators: []person{{"izumi-block", "泉 康弘", ""}},
		vendor:    &person{"izumi-vendor", "保守 三郎", ""},
		orgs: []org{
			{"izumi-clinic", "泉中央ホームクリニック", "shinryojo", "宮城県仙台市泉区泉中央1-1", "022-000-0001",
				person{"izumi-admin", "七北田 亮", ""}, []person{{"izumi-dr", "将監 和夫", "doctor"}, {"izumi-ns", "寺岡 咲", "nurse"}}},
			{"izumi-kango", "いずみ訪問看護ステーション", "houmon_kango", "宮城県仙台市泉区八乙女2-2", "022-000-0002",
				person{"iz-kango-admin", "八乙女 操", ""}, []person{{"iz-kango-ns", "長命 京子", "nurse"}}},
			{"izumi-yakkyoku", "泉パーク薬局", "yakkyoku", "宮城県仙台市泉区寺岡3-3", "022-000-0003",
				person{"iz-ph-admin", "高森 光", ""}, []person{{"iz-ph", "南光台 真", "pharmacist"}}},
		},
		pending: org{"izumi-day", "デイサービス将監", "kaigo_service", "宮城県仙台市泉区将監4-4", "022-000-0004", person{"", "加茂 良子", ""}, nil}},
}

// SeedTime is when the demo's organizations applied and were approved: the latest
// 10:00 in Asia/Tokyo at or before now, inside every profile's service hours
// (fukuoka §15 refuses staff work at night, so a demo created at 23:30 must not
// pretend its staff were issued then).
func SeedTime(now time.Time) time.Time {
	t := now.In(profile.Tokyo())
	ten := time.Date(t.Year(), t.Month(), t.Day(), 10, 0, 0, 0, profile.Tokyo())
	if ten.After(t) {
		ten = ten.AddDate(0, 0, -1)
	}
	return ten.UTC()
}

// Seed creates the demo networks (skipping any that exist) and returns the demo
// logins. keys derive the TOTP secrets, so they are the same on every run. acc
// should run on a clock at SeedTime.
func Seed(ctx context.Context, acc *accounts.Service, ppl *people.Service, keys *secret.Keyring) ([]Login, error) {
	var logins []Login
	for _, n := range networks {
		ls, err := seedNetwork(ctx, acc, ppl, keys, n)
		if err != nil {
			return nil, fmt.Errorf("demo network %s: %w", n.id, err)
		}
		logins = append(logins, ls...)
	}
	return logins, nil
}

func totpSecret(keys *secret.Keyring, net, login string) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(keys.Derive("demo-totp/"+net+"/"+login, 20))
}

func seedNetwork(ctx context.Context, acc *accounts.Service, ppl *people.Service, keys *secret.Keyring, n network) ([]Login, error) {
	p := profile.MustGet(n.id)
	var logins []Login
	add := func(u person, role domain.Role, opRole, orgName string) {
		logins = append(logins, Login{Network: n.id, NetworkName: p.Name, LoginID: u.login, Password: Password,
			Role: string(role), RoleName: p.RoleName(string(role), opRole), Organization: orgName, TOTPSecret: totpSecret(keys, n.id, u.login)})
	}
	// Describe every account first: a rerun on an existing database prints the same table.
	for i, op := range n.operators {
		add(op, domain.RoleOperator, p.OperatorRoles[i].Key, p.Operator)
	}
	for _, m := range n.municipal {
		add(m, domain.RoleMunicipal, "", p.Operator)
	}
	if n.auditor != nil {
		add(*n.auditor, domain.RoleAuditor, "", p.Operator)
	}
	if n.vendor != nil {
		add(*n.vendor, domain.RoleVendor, "", "契約事業者")
	}
	for _, o := range n.orgs {
		add(o.admin, domain.RoleAdmin, "", o.name)
		for _, s := range o.staff {
			add(s, domain.RoleStaff, "", o.name)
		}
	}

	if _, _, err := acc.Network(ctx, n.id); err == nil {
		return logins, nil // already seeded
	}
	seed := func(c accounts.Credentials, u person) error {
		return acc.SeedCredentials(ctx, n.id, c.UserID, u.login, Password, totpSecret(keys, n.id, u.login))
	}
	first, err := acc.CreateNetwork(ctx, accounts.NewNetwork{ID: n.id, Profile: n.id, Name: p.Name,
		OperatorName: n.operators[0].name, OperatorEmail: n.operators[0].login + "@example.jp"})
	if err != nil {
		return nil, err
	}
	if err := seed(first, n.operators[0]); err != nil {
		return nil, err
	}
	now := acc.Clock().Now()
	op := policy.Actor{NetworkID: n.id, UserID: first.UserID, LoginID: n.operators[0].login, Role: domain.RoleOperator,
		OperatorRole: p.ApprovalRole, Profile: p, Now: now, Stage: domain.StageFull}
	issue := func(in accounts.NetworkAccountInput, u person) (accounts.Credentials, error) {
		c, err := acc.IssueNetworkAccount(ctx, op, in)
		if err != nil {
			return c, err
		}
		return c, seed(c, u)
	}
	operatorIDs := []string{first.UserID}
	for i, o := range n.operators[1:] {
		c, err := issue(accounts.NetworkAccountInput{Role: domain.RoleOperator, OperatorRole: p.OperatorRoles[i+1].Key,
			DisplayName: o.name, Email: o.login + "@example.jp"}, o)
		if err != nil {
			return nil, err
		}
		operatorIDs = append(operatorIDs, c.UserID)
	}
	// Municipal staff are issued by whoever holds that power (beppu §14: 運営管理責任者).
	for _, m := range n.municipal {
		issuer := op
		for i, r := range p.OperatorRoles {
			if p.HasPower(r.Key, profile.PowerIssueMunicipal) {
				issuer.OperatorRole, issuer.UserID, issuer.LoginID = r.Key, operatorIDs[i], n.operators[i].login
				break
			}
		}
		c, err := acc.IssueNetworkAccount(ctx, issuer, accounts.NetworkAccountInput{Role: domain.RoleMunicipal,
			DisplayName: m.name, Email: m.login + "@example.jp", Occupation: m.occupation})
		if err != nil {
			return nil, err
		}
		if err := seed(c, m); err != nil {
			return nil, err
		}
	}
	for _, x := range []struct {
		p    *person
		role domain.Role
	}{{n.auditor, domain.RoleAuditor}, {n.vendor, domain.RoleVendor}} {
		if x.p != nil {
			if _, err := issue(accounts.NetworkAccountInput{Role: x.role, DisplayName: x.p.name, Email: x.p.login + "@example.jp"}, *x.p); err != nil {
				return nil, err
			}
		}
	}

	var undertakings []string
	for _, u := range p.Undertakings {
		undertakings = append(undertakings, u.Key)
	}
	apply := func(o org) (*domain.Application, error) {
		app, _, err := acc.SubmitApplication(ctx, n.id, accounts.ApplicationInput{OrgName: o.name, OrgType: o.typ,
			Address: o.address, Phone: o.phone, AdminName: o.admin.name, AdminEmail: o.key + "@example.jp",
			AgreeTerms: true, AgreedUndertakings: undertakings})
		return app, err
	}
	orgIDs := map[string]string{}
	staffActors := map[string]policy.Actor{}
	for _, o := range n.orgs {
		app, err := apply(o)
		if err != nil {
			return nil, err
		}
		org, c, err := acc.ApproveApplication(ctx, op, app.ID, "")
		if err != nil {
			return nil, err
		}
		if err := seed(c, o.admin); err != nil {
			return nil, err
		}
		admin := policy.Actor{NetworkID: n.id, UserID: c.UserID, LoginID: o.admin.login, OrgID: org.ID, Role: domain.RoleAdmin,
			Profile: p, Now: now, Stage: domain.StageFull}
		orgIDs[o.key] = org.ID
		for _, s := range o.staff {
			in := accounts.StaffInput{DisplayName: s.name, Occupation: s.occupation}
			var sc accounts.Credentials
			if p.StaffIssuer == "operator" {
				// joso §10: the admin asks, the city issues.
				req, err := acc.RequestStaff(ctx, admin, org.ID, in, "")
				if err != nil {
					return nil, err
				}
				if sc, err = acc.DecideStaffRequest(ctx, op, req.ID, true, ""); err != nil {
					return nil, err
				}
			} else if sc, err = acc.IssueStaff(ctx, admin, org.ID, in); err != nil {
				return nil, err
			}
			if err := seed(sc, s); err != nil {
				return nil, err
			}
			staffActors[s.login] = policy.Actor{NetworkID: n.id, UserID: sc.UserID, LoginID: s.login, OrgID: org.ID,
				Role: domain.RoleStaff, Occupation: s.occupation, Profile: p, Now: now, Stage: domain.StageFull}
		}
	}
	if _, err := apply(n.pending); err != nil {
		return nil, err
	}
	persons, err := seedPeople(ctx, ppl, n.id, op, staffActors, orgIDs)
	if err != nil {
		return nil, fmt.Errorf("people: %w", err)
	}
	if err := seedTimeline(ctx, ppl, n.id, staffActors, orgIDs, persons); err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	ops := make([]policy.Actor, len(operatorIDs))
	for i, id := range operatorIDs {
		ops[i] = op
		ops[i].UserID, ops[i].LoginID, ops[i].OperatorRole = id, n.operators[i].login, p.OperatorRoles[i].Key
	}
	if err := seedBoard(ctx, ppl, p, ops); err != nil {
		return nil, err
	}
	if err := seedMessages(ctx, ppl, p, staffActors, persons); err != nil {
		return nil, err
	}
	return logins, nil
}

// demoPerson is someone a demo network supports, registered by a staff member.
type demoPerson struct {
	by         string // staff login that registers the person
	in         people.PersonInput
	consent    people.ConsentInput
	shareWith  []string // organization keys added to the team or granted access
	lostReason string   // eligibility ended 30 days before the demo (the read window is open)
}

var demoPeople = map[string][]demoPerson{
	"beppu": {
		{by: "yukemuri-cm1", in: people.PersonInput{FamilyName: "鶴見", GivenName: "ハナ", FamilyKana: "ツルミ", GivenKana: "ハナ",
			BirthDate: "1938-05-12", Sex: "female", Address: "大分県別府市鶴見3-1", Phone: "0977-22-1001", CareInsuredNo: "0000123456"},
			consent: people.ConsentInput{Kind: "self", ConsentedOn: "2026-04-01", FormVersion: "form6"}, shareWith: []string{"beppuwan"}},
		{by: "yukemuri-cm2", in: people.PersonInput{FamilyName: "浜脇", GivenName: "次郎", FamilyKana: "ハマワキ", GivenKana: "ジロウ",
			BirthDate: "1941-11-03", Sex: "male", Address: "大分県別府市浜脇1-4", CareInsuredNo: "0000123457"},
			consent:   people.ConsentInput{Kind: "family", SignerName: "浜脇 陽子", Relationship: "長女", ConsentedOn: "2026-06-15", FormVersion: "form6"},
			shareWith: []string{"chuo-hokatsu"}},
		{by: "yukemuri-cm1", in: people.PersonInput{FamilyName: "亀川", GivenName: "トメ", FamilyKana: "カメガワ", GivenKana: "トメ",
			BirthDate: "1933-02-20", Sex: "female", Address: "大分県別府市亀川東町2-2", CareInsuredNo: "0000123458"},
			consent:    people.ConsentInput{Kind: "proxy_writer", SignerName: "亀川 修", Relationship: "長男", ConsentedOn: "2025-10-01", FormVersion: "form6"},
			lostReason: "death"},
	},
	"fukuoka": {
		{by: "ohori-cm", in: people.PersonInput{FamilyName: "百道", GivenName: "ヨシ", FamilyKana: "モモチ", GivenKana: "ヨシ",
			BirthDate: "1936-08-08", Sex: "female", Address: "福岡市早良区百道2-3", CareInsuredNo: "1300000001", HealthInsuredNo: "40-1234"},
			consent: people.ConsentInput{Kind: "self", ConsentedOn: "2017-04-01", FormVersion: "form7"}, shareWith: []string{"momochi", "hakata-kango"}},
		{by: "ohori-cm", in: people.PersonInput{FamilyName: "赤坂", GivenName: "勇", FamilyKana: "アカサカ", GivenKana: "イサム",
			BirthDate: "1944-01-15", Sex: "male", Address: "福岡市中央区赤坂1-1", CareInsuredNo: "1300000002"},
			consent: people.ConsentInput{Kind: "self", ConsentedOn: "2016-09-01", FormVersion: "form7"}, shareWith: []string{"tenjin-yakkyoku"}},
	},
	"katori": {
		{by: "sawara-sw", in: people.PersonInput{FamilyName: "佐原", GivenName: "一夫", FamilyKana: "サワラ", GivenKana: "カズオ",
			BirthDate: "1950-03-03", Sex: "male", Address: "千葉県香取市佐原イ10", NewHousehold: "佐原家"},
			consent: people.ConsentInput{Kind: "self", ConsentedOn: "2026-05-10", FormVersion: "doisho"}, shareWith: []string{"katori-shakyo"}},
	},
	"joso": {
		{by: "jk-cm", in: people.PersonInput{FamilyName: "石下", GivenName: "正", FamilyKana: "イシゲ", GivenKana: "タダシ",
			BirthDate: "1939-07-07", Sex: "male", Address: "茨城県常総市新石下5-5", CareInsuredNo: "0800000001"},
			consent:   people.ConsentInput{Kind: "self", ConsentedOn: "2026-03-01", FormVersion: "sanka_doisho", Scopes: []string{"sharing", "disaster"}},
			shareWith: []string{"kinu-clinic"}},
	},
	"sendai-izumi": {
		{by: "izumi-ns", in: people.PersonInput{FamilyName: "泉", GivenName: "キヨ", FamilyKana: "イズミ", GivenKana: "キヨ",
			BirthDate: "1935-12-01", Sex: "female", Address: "宮城県仙台市泉区泉中央2-2"},
			consent:   people.ConsentInput{Kind: "family", SignerName: "泉 誠", Relationship: "長男", ConsentedOn: "2026-02-01", FormVersion: "doisho"},
			shareWith: []string{"izumi-kango", "izumi-yakkyoku"}},
	},
}

// seedPeople registers the demo people the way a care manager would: register,
// record consent, then bring in the other organizations serving the person. It
// returns their IDs by family name.
func seedPeople(ctx context.Context, ppl *people.Service, net string, op policy.Actor, staff map[string]policy.Actor, orgs map[string]string) (map[string]string, error) {
	ids := map[string]string{}
	for _, dp := range demoPeople[net] {
		a, ok := staff[dp.by]
		if !ok {
			return nil, fmt.Errorf("no demo staff %s", dp.by)
		}
		person, err := ppl.Register(ctx, a, dp.in, false)
		if err != nil {
			return nil, err
		}
		ids[dp.in.FamilyName] = person.ID
		// beppu §15-1, fukuoka §17-1: the city takes consent; elsewhere the staff do.
		consenter := a
		if a.Profile.People.ConsentBy == "operator" {
			consenter = op
		}
		if _, err := ppl.RecordConsent(ctx, consenter, person.ID, dp.consent); err != nil {
			return nil, err
		}
		for _, key := range dp.shareWith {
			share := ppl.GrantAccess
			if slices.Contains(a.Profile.Strategies(), "team") {
				share = ppl.AddToTeam
			}
			if err := share(ctx, a, person.ID, orgs[key]); err != nil {
				return nil, err
			}
		}
		if dp.lostReason != "" {
			lost := a.Now.AddDate(0, 0, -30).In(profile.Tokyo()).Format("2006-01-02")
			if err := ppl.SetEligibility(ctx, a, person.ID, false, dp.lostReason, lost); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}
