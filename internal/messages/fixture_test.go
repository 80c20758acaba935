package messages_test

// The fixture of the messages tests: a fukuoka network (the seed with messages,
// fukuoka §14 (3)) made the way the product makes it: organizations by
// application and approval, staff issued by their admins, a person registered by
// the 地域包括支援センター, consented by the city on form 7a and reached by a clinic
// through imported claims (fukuoka §19の2).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/messages"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func bg() context.Context {
	return domain.WithRequestMeta(context.Background(), domain.RequestMeta{RemoteAddr: "192.0.2.20", RequestID: "messages-test"})
}

type unit struct{ org, admin, user string }

type world struct {
	t    *testing.T
	db   *sqlstore.DB
	env  *testenv.Env
	svc  *messages.Service
	net  string
	prof *profile.Profile
	opID string
	seq  int

	hokatsu, clinic, pharmacy unit
	nurse                     string // a second user of the clinic
	city                      string // municipal staff
}

const clinicCode = "4010000001"

func newWorld(t *testing.T, db *sqlstore.DB) *world {
	t.Helper()
	env := testenv.New(t, db)
	creds := env.Network(t, "fukuoka", "fukuoka")
	_, p, err := env.Accounts.Network(context.Background(), "fukuoka")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, db: db, env: env, svc: messages.New(env.People), net: "fukuoka", prof: p, opID: creds.UserID}
	w.hokatsu = w.unit("博多地域包括支援センター", "hokatsu", "shakai_fukushishi")
	w.clinic = w.unit("天神内科クリニック", "shinryojo", "doctor")
	w.pharmacy = w.unit("薬院薬局", "yakkyoku", "pharmacist")
	w.nurse = w.staff(w.clinic.org, w.clinic.admin, "nurse", "看護 花子")
	w.city = w.municipal("市 職員")
	w.setOrgCode(w.clinic.org, clinicCode)
	return w
}

func (w *world) as(uid string) policy.Actor {
	w.t.Helper()
	var u *domain.User
	if err := w.db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		u, err = tx.FindUser(context.Background(), w.net, uid)
		return err
	}); err != nil {
		w.t.Fatalf("user %s: %v", uid, err)
	}
	return accounts.ActorFor(u, w.prof, w.env.Clock.Now(), domain.StageFull)
}

func (w *world) op() policy.Actor { return w.as(w.opID) }

func (w *world) unit(name, typ, occupation string) unit {
	w.t.Helper()
	var keys []string
	for _, u := range w.prof.Undertakings {
		keys = append(keys, u.Key)
	}
	app, _, err := w.env.Accounts.SubmitApplication(bg(), w.net, accounts.ApplicationInput{OrgName: name, OrgType: typ,
		Address: "福岡市中央区天神1-1-1", Phone: "092-000-0000", AdminName: "管理 花子", AdminEmail: "kanri@example.jp", AgreeTerms: true,
		AgreedUndertakings: keys})
	if err != nil {
		w.t.Fatalf("application %s: %v", name, err)
	}
	o, creds, err := w.env.Accounts.ApproveApplication(bg(), w.op(), app.ID, "")
	if err != nil {
		w.t.Fatalf("approve %s: %v", name, err)
	}
	return unit{org: o.ID, admin: creds.UserID, user: w.staff(o.ID, creds.UserID, occupation, "職員 "+name)}
}

func (w *world) staff(org, admin, occupation, name string) string {
	w.t.Helper()
	c, err := w.env.Accounts.IssueStaff(bg(), w.as(admin), org, accounts.StaffInput{DisplayName: name, Occupation: occupation})
	if err != nil {
		w.t.Fatalf("staff: %v", err)
	}
	return c.UserID
}

func (w *world) municipal(name string) string {
	w.t.Helper()
	var issuer policy.Actor
	for _, r := range w.prof.OperatorRoles {
		if w.prof.HasPower(r.Key, profile.PowerIssueMunicipal) {
			c, err := w.env.Accounts.IssueNetworkAccount(bg(), w.op(), accounts.NetworkAccountInput{Role: domain.RoleOperator,
				OperatorRole: r.Key, DisplayName: "運営 " + r.Key})
			if err != nil {
				w.t.Fatal(err)
			}
			issuer = w.as(c.UserID)
		}
	}
	c, err := w.env.Accounts.IssueNetworkAccount(bg(), issuer, accounts.NetworkAccountInput{Role: domain.RoleMunicipal, DisplayName: name})
	if err != nil {
		w.t.Fatalf("municipal: %v", err)
	}
	return c.UserID
}

func (w *world) setOrgCode(orgID, code string) {
	w.t.Helper()
	if err := w.env.Accounts.SetOrganizationCode(bg(), w.op(), orgID, code); err != nil {
		w.t.Fatalf("org code: %v", err)
	}
}

// person is registered by the 地域包括支援センター and consented by the city on
// form 7a (fukuoka §17-1); the clinic reaches them through a claim of last month
// (fukuoka §19の2-2).
func (w *world) person(family string) *domain.Person {
	w.t.Helper()
	w.seq++
	p, err := w.env.People.Register(bg(), w.as(w.hokatsu.user), people.PersonInput{FamilyName: family, GivenName: "花子",
		FamilyKana: "フクオカ", GivenKana: "ハナコ", BirthDate: fmt.Sprintf("1938-04-%02d", w.seq), Sex: "female",
		CareInsuredNo: fmt.Sprintf("09%08d", w.seq)}, true)
	if err != nil {
		w.t.Fatalf("register: %v", err)
	}
	if _, err := w.env.People.RecordConsent(bg(), w.op(), p.ID, people.ConsentInput{Kind: "self", ConsentedOn: "2026-11-01",
		FormVersion: "form7a"}); err != nil {
		w.t.Fatalf("consent: %v", err)
	}
	month := w.env.Clock.Now().In(profile.Tokyo()).AddDate(0, -1, 0).Format("2006-01")
	csv := strings.Join(people.ClaimsHeader, ",") + "\n" + p.CareInsuredNo + "," + clinicCode + ",kaigo," + month + "\n"
	if rep, err := w.env.People.ImportClaims(bg(), w.op(), "claims.csv", []byte(csv)); err != nil {
		w.t.Fatalf("claims: %v %+v", err, rep)
	}
	return p
}

// start opens a conversation and fails the test on error.
func (w *world) start(by string, in messages.NewConversation) *domain.Conversation {
	w.t.Helper()
	c, err := w.svc.Start(bg(), w.as(by), in)
	if err != nil {
		w.t.Fatalf("start: %v", err)
	}
	return c
}

func (w *world) list(uid string) *messages.List {
	w.t.Helper()
	l, err := w.svc.List(bg(), w.as(uid), 0)
	if err != nil {
		w.t.Fatalf("list: %v", err)
	}
	return l
}

// listed returns the conversation's item on the user's list, nil when absent.
func (w *world) listed(uid, convID string) *messages.Item {
	w.t.Helper()
	for _, it := range w.list(uid).Items {
		if it.ID == convID {
			return it
		}
	}
	return nil
}

func (w *world) get(uid, convID string) *messages.View {
	w.t.Helper()
	v, err := w.svc.Get(bg(), w.as(uid), convID, 0)
	if err != nil {
		w.t.Fatalf("get: %v", err)
	}
	return v
}

// events returns the audit events of the network with the action, oldest first.
func (w *world) events(action string) []*domain.AuditEvent {
	w.t.Helper()
	var out []*domain.AuditEvent
	if err := w.db.Transact(context.Background(), func(tx store.Tx) error {
		all, err := tx.AuditEventsFrom(context.Background(), w.net, 0, 1_000_000)
		for _, e := range all {
			if e.Action == action {
				out = append(out, e)
			}
		}
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *world) lastEvent(action string) *domain.AuditEvent {
	w.t.Helper()
	evs := w.events(action)
	if len(evs) == 0 {
		w.t.Fatalf("no %s event", action)
	}
	return evs[len(evs)-1]
}

// unreadNotices are the user's unread in-app notifications.
func (w *world) unreadNotices(uid string) []*domain.Notification {
	w.t.Helper()
	var out []*domain.Notification
	if err := w.db.Transact(context.Background(), func(tx store.Tx) error {
		var err error
		out, err = tx.FindNotifications(context.Background(), w.net, uid, true, 100, 0)
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// wantCode checks an error's code.
func wantCode(t *testing.T, err error, code domain.Code, what string) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

// wantField checks that err is invalid input naming field.
func wantField(t *testing.T, err error, field, what string) *domain.Error {
	t.Helper()
	e := domain.AsError(err)
	if e == nil || e.Code != domain.EINVALID || e.Fields[field] == "" {
		t.Errorf("%s: %v, want invalid %s", what, err, field)
		return nil
	}
	return e
}

// snapshot renders every row of the messages tables and counts the audit
// events: what a refused request must leave as it was.
func snapshot(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT network_id || ' ' || id || ' ' || subject || ' ' || person_id || ' ' || CAST(last_seq AS TEXT) FROM conversations ORDER BY network_id, id`,
		`SELECT network_id || ' ' || conversation_id || ' ' || user_id || ' ' || CAST(read_seq AS TEXT) || ' ' || CASE WHEN left_at IS NULL THEN 'in' ELSE 'left' END
			FROM conversation_participants ORDER BY network_id, conversation_id, user_id`,
		`SELECT network_id || ' ' || conversation_id || ' ' || CAST(seq AS TEXT) || ' ' || kind || ' ' || body FROM messages ORDER BY network_id, conversation_id, seq`,
		`SELECT 'audit events ' || CAST(COUNT(*) AS TEXT) FROM audit_events`,
	} {
		rows, err := db.SQL().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s sql.NullString
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s.String + "\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func isNotFound(err error) bool {
	var e *domain.Error
	return errors.As(err, &e) && e.Code == domain.ENOTFOUND
}

var _ = time.Second
