package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
)

// This file builds the world of the route-matrix test (matrix_test.go): one
// network per profile under test, each with every kind of actor signed in on the
// web and the API, and makes fresh targets (people, users, organizations,
// requests) in a given relationship to the actor's organization for every case,
// so that no case depends on what an earlier one changed.

// Actor kinds. Operators are "op:<operator role key>"; the others are fixed.
const (
	kAnon      = "anon"      // no session
	kSuspended = "suspended" // a staff member of org A, signed in, then suspended
	kOtherNet  = "othernet"  // a staff member of another network, with a valid session there
	kMunicipal = "municipal"
	kAuditor   = "auditor"
	kVendor    = "vendor"
	kAdminA    = "adminA" // the admin of org A, the organization the relationship is about
	kStaffA    = "staffA" // staff of org A, the profile's first occupation
	kStaffA2   = "staffA2"
	kAdminB    = "adminB" // an organization with no relationship to the target
	kStaffB    = "staffB"
)

const matrixPass = "Matrix-Passw0rd-q"

// mxOrgCode is org A's 事業所番号 where the profile imports claims.
const mxOrgCode = "4010000001"

// mxActor is one signed-in account.
type mxActor struct {
	kind, userID, login string
	webToken, apiToken  string
}

// mxNet is one network of the test.
type mxNet struct {
	id   string
	prof *profile.Profile
	// Org A is the organization whose relationship to the target the rows name;
	// org B has none; org C is a third organization that owns "unrelated" people
	// and grants org A access to "shared" ones.
	orgA, orgB, orgC string
	actors           map[string]*mxActor
	kinds            []string // every kind, in a stable order
	staffC, adminC   string   // user IDs, for preparing targets
	op               string   // the operator with the approval role
	insured          atomic.Int64
}

type mxWorld struct {
	t    *testing.T
	s    *site
	ppl  *people.Service
	nets map[string]*mxNet
	seq  atomic.Int64
}

var mxJST = time.FixedZone("JST", 9*3600)

func mxCtx() context.Context {
	return domain.WithRequestMeta(context.Background(), domain.RequestMeta{RequestID: "matrix-prep", RemoteAddr: "192.0.2.1"})
}

// newWorld builds a site with a network per profile.
func newWorld(t *testing.T, db *sqlstore.DB, profiles ...string) *mxWorld {
	t.Helper()
	s := newSite(t, db, profiles[0], profiles[0])
	w := &mxWorld{t: t, s: s, ppl: s.ppl(), nets: map[string]*mxNet{}}
	for i, p := range profiles {
		w.nets[p] = w.buildNet(p, i == 0)
	}
	// othernet: a staff member of the next network in the list.
	for i, p := range profiles {
		other := w.nets[profiles[(i+1)%len(profiles)]].actors[kStaffA]
		cp := *other
		cp.kind = kOtherNet
		w.nets[p].actors[kOtherNet] = &cp
		w.nets[p].kinds = append(w.nets[p].kinds, kOtherNet)
	}
	return w
}

func (w *mxWorld) fatal(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("matrix fixture: %s: %v", what, err)
	}
}

func (w *mxWorld) buildNet(id string, first bool) *mxNet {
	t := w.t
	t.Helper()
	ctx := mxCtx()
	acc := w.s.Acc
	n := &mxNet{id: id, actors: map[string]*mxActor{}}
	var opID string
	if first {
		opID = w.userByLogin(id, w.s.OpID)
	} else {
		creds, err := acc.CreateNetwork(ctx, accounts.NewNetwork{ID: id, Profile: id, OperatorName: "運営 太郎"})
		w.fatal(err, "create network "+id)
		opID = creds.UserID
	}
	_, prof, err := acc.Network(ctx, id)
	w.fatal(err, "network")
	n.prof = prof
	n.op = opID
	w.seed(n, "op:"+prof.ApprovalRole, opID)
	op := w.actor(n, opID)
	// The other operator roles and the network-level accounts the profile has.
	for _, r := range prof.OperatorRoles {
		if r.Key == prof.ApprovalRole {
			continue
		}
		c, err := acc.IssueNetworkAccount(ctx, op, accounts.NetworkAccountInput{Role: domain.RoleOperator, OperatorRole: r.Key, DisplayName: "運営 " + r.Key})
		w.fatal(err, "operator "+r.Key)
		w.seed(n, "op:"+r.Key, c.UserID)
	}
	for _, x := range []struct {
		has  bool
		role domain.Role
		kind string
	}{{prof.HasMunicipal, domain.RoleMunicipal, kMunicipal}, {prof.HasAuditor, domain.RoleAuditor, kAuditor}, {prof.HasVendor, domain.RoleVendor, kVendor}} {
		if !x.has {
			continue
		}
		issuer := op
		if x.role == domain.RoleMunicipal {
			// beppu §14: 運営管理責任者 issues municipal accounts.
			for _, r := range prof.OperatorRoles {
				if prof.HasPower(r.Key, profile.PowerIssueMunicipal) {
					issuer = w.actor(n, n.actors["op:"+r.Key].userID)
				}
			}
		}
		c, err := acc.IssueNetworkAccount(ctx, issuer, accounts.NetworkAccountInput{Role: x.role, DisplayName: "職員 " + x.kind})
		w.fatal(err, "issue "+x.kind)
		w.seed(n, x.kind, c.UserID)
	}
	var adminA, adminB, adminC string
	n.orgA, adminA = w.newOrg(n, "A事業所")
	n.orgB, adminB = w.newOrg(n, "B事業所")
	n.orgC, adminC = w.newOrg(n, "C事業所")
	if slices.Contains(prof.Strategies(), "claims") {
		// fukuoka §19の2: claims name organizations by their 事業所番号.
		w.fatal(acc.SetOrganizationCode(ctx, op, n.orgA, mxOrgCode), "org code")
	}
	w.seed(n, kAdminA, adminA)
	w.seed(n, kAdminB, adminB)
	n.adminC = adminC
	occ := prof.Occupations
	w.seed(n, kStaffA, w.newStaff(n, n.orgA, occ[0].Key))
	w.seed(n, kStaffA2, w.newStaff(n, n.orgA, occ[1].Key))
	w.seed(n, kStaffB, w.newStaff(n, n.orgB, occ[0].Key))
	n.staffC = w.newStaff(n, n.orgC, occ[0].Key)
	sus := w.newStaff(n, n.orgA, occ[0].Key)
	w.seed(n, kSuspended, sus)
	w.fatal(acc.SuspendUser(ctx, w.actor(n, opID), sus, "退職"), "suspend")
	n.kinds = append([]string{kAnon}, n.kinds...)
	return n
}

func (w *mxWorld) userByLogin(net, login string) string {
	var id string
	err := w.s.DB.Transact(context.Background(), func(tx store.Tx) error {
		u, err := tx.FindUserByLogin(context.Background(), net, login)
		if err != nil {
			return err
		}
		id = u.ID
		return nil
	})
	w.fatal(err, "find "+login)
	return id
}

// newOrg creates an approved organization of the profile's first type and
// returns its ID and its admin's user ID.
func (w *mxWorld) newOrg(n *mxNet, name string) (org, admin string) {
	ctx := mxCtx()
	var undertakings []string
	for _, u := range n.prof.Undertakings {
		undertakings = append(undertakings, u.Key)
	}
	k := w.seq.Add(1)
	app, _, err := w.s.Acc.SubmitApplication(ctx, n.id, accounts.ApplicationInput{OrgName: fmt.Sprintf("%s%d", name, k), OrgType: n.prof.OrgTypes[0].Key,
		Address: "大分県別府市野口原1-1", Phone: "0977-00-0000", AdminName: "管理 太郎", AdminEmail: fmt.Sprintf("admin%d@example.jp", k),
		AgreeTerms: true, AgreedUndertakings: undertakings})
	w.fatal(err, "application")
	o, creds, err := w.s.Acc.ApproveApplication(ctx, w.actor(n, n.op), app.ID, "")
	w.fatal(err, "approve")
	w.fatal(w.s.Acc.SeedCredentials(ctx, n.id, creds.UserID, fmt.Sprintf("%s-admin%d", n.id, k), matrixPass, staffTOTP), "seed admin")
	return o.ID, creds.UserID
}

// newStaff issues a staff account in org (by its admin, or in joso §10 by the
// operator) with known credentials.
func (w *mxWorld) newStaff(n *mxNet, org, occupation string) string {
	ctx := mxCtx()
	issuer := w.actor(n, n.op)
	if n.prof.StaffIssuer == "admin" {
		issuer = w.actor(n, w.adminOf(n, org))
	}
	c, err := w.s.Acc.IssueStaff(ctx, issuer, org, accounts.StaffInput{DisplayName: "職員 " + occupation, Occupation: occupation})
	w.fatal(err, "issue staff")
	w.fatal(w.s.Acc.SeedCredentials(ctx, n.id, c.UserID, fmt.Sprintf("%s-staff%d", n.id, w.seq.Add(1)), matrixPass, staffTOTP), "seed staff")
	return c.UserID
}

func (w *mxWorld) adminOf(n *mxNet, org string) string {
	var id string
	err := w.s.DB.Transact(context.Background(), func(tx store.Tx) error {
		us, err := tx.FindUsers(context.Background(), n.id, domain.UserFilter{OrgID: org})
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.Role == domain.RoleAdmin && u.Status == domain.UserActive {
				id = u.ID
			}
		}
		return nil
	})
	w.fatal(err, "admin of "+org)
	if id == "" {
		w.t.Fatalf("matrix fixture: no admin in %s", org)
	}
	return id
}

// seed signs an account in on the web and the API and records it as kind.
func (w *mxWorld) seed(n *mxNet, kind, userID string) {
	a := &mxActor{kind: kind, userID: userID}
	a.webToken, a.apiToken = w.login(n, userID, "web"), w.login(n, userID, "api")
	n.actors[kind] = a
	n.kinds = append(n.kinds, kind)
}

// login opens a new session for the user. It resets the TOTP secret first, so
// the same step's code may be used again (SeedCredentials starts a new sequence).
func (w *mxWorld) login(n *mxNet, userID, kind string) string {
	ctx := mxCtx()
	var login string
	err := w.s.DB.Transact(ctx, func(tx store.Tx) error {
		u, err := tx.FindUser(ctx, n.id, userID)
		if err == nil {
			login = u.LoginID
		}
		return err
	})
	w.fatal(err, "find user")
	w.fatal(w.s.Acc.SeedCredentials(ctx, n.id, userID, "", matrixPass, staffTOTP), "reseed")
	res, err := w.s.Acc.Login(ctx, accounts.LoginInput{Network: n.id, LoginID: login, Password: matrixPass, OTP: w.s.code(w.t, staffTOTP), Kind: kind})
	w.fatal(err, "login "+login)
	if kind == "api" {
		return n.id + "." + res.Token // the API's bearer token names its network
	}
	return res.Token
}

// actor is the policy actor of a user now, for preparing targets through the
// services.
func (w *mxWorld) actor(n *mxNet, userID string) policy.Actor {
	var a policy.Actor
	err := w.s.DB.Transact(context.Background(), func(tx store.Tx) error {
		u, err := tx.FindUser(context.Background(), n.id, userID)
		if err != nil {
			return err
		}
		a = accounts.ActorFor(u, n.prof, w.s.Clock.Now(), domain.StageFull)
		return nil
	})
	w.fatal(err, "actor")
	return a
}

// Relationships of a person to org A.
const (
	relPending   = "pending"   // org A registered them; no consent yet
	relMine      = "mine"      // org A registered them and has access under the profile's strategy
	relShared    = "shared"    // org C registered them and let org A in (grant or team)
	relUnrelated = "unrelated" // org C registered them; org A has no access
	relEnded     = "ended"     // org C registered them, org A was let in; withdrawn (beppu §16), 支援中止 (katori §13-2, joso §17-3) or purged (sendai §12-3)
)

// person registers a person and puts them in relationship rel to org A.
func (w *mxWorld) person(n *mxNet, rel string) (id, insuredNo, birth string) {
	ctx := mxCtx()
	k := w.seq.Add(1)
	birth = fmt.Sprintf("19%02d-%02d-%02d", 30+k%60, 1+k%12, 1+k%28)
	in := people.PersonInput{FamilyName: "試験", GivenName: fmt.Sprintf("太郎%d", k), FamilyKana: "シケン",
		GivenKana: "タロウ" + strings.Repeat("ア", int(k%7)) + kanaNum(k), BirthDate: birth, Sex: "male"}
	if n.prof.HasInsuredNumber("care") {
		insuredNo = fmt.Sprintf("%010d", 1000000000+n.insured.Add(1))
		in.CareInsuredNo = insuredNo
	}
	owner := n.staffC
	if rel == relPending || rel == relMine {
		owner = w.userOfKind(n, kStaffA)
	}
	p, err := w.ppl.Register(ctx, w.actor(n, owner), in, true)
	w.fatal(err, "register")
	id = p.ID
	if rel == relPending {
		return
	}
	ownerOrg := n.orgC
	if owner != n.staffC {
		ownerOrg = n.orgA
	}
	consenter := owner
	if n.prof.People.ConsentBy == "operator" {
		consenter = n.op
	}
	today := w.s.Clock.Now().In(mxJST).Format("2006-01-02")
	var form profile.ConsentForm
	for _, f := range n.prof.People.ConsentForms {
		if (f.ValidFrom == "" || f.ValidFrom <= today) && (f.ValidUntil == "" || today <= f.ValidUntil) {
			form = f
			break
		}
	}
	scopes := []string{"sharing"}
	for _, sc := range n.prof.People.ConsentScopes {
		if sc.Key != "sharing" {
			scopes = append(scopes, sc.Key)
		}
	}
	ci := people.ConsentInput{Kind: "self", ConsentedOn: w.s.Clock.Now().In(mxJST).Format("2006-01-02"), FormVersion: form.Key, Scopes: scopes, Form: smallPDF}
	if form.Strategy == "careplan" {
		ci.CarePlanOrg = ownerOrg
	}
	_, err = w.ppl.RecordConsent(ctx, w.actor(n, consenter), id, ci)
	w.fatal(err, "consent")
	switch rel {
	case relShared:
		if form.Strategy == "careplan" {
			w.fatal(w.ppl.GrantAccess(ctx, w.actor(n, n.staffC), id, n.orgA), "grant")
		} else {
			w.fatal(w.ppl.AddToTeam(ctx, w.actor(n, n.staffC), id, n.orgA), "team")
		}
	case relEnded:
		// Org C registered them and let org A in; then the person withdrew or
		// asked for deletion.
		if form.Strategy == "careplan" {
			w.fatal(w.ppl.GrantAccess(ctx, w.actor(n, n.staffC), id, n.orgA), "grant")
		} else {
			w.fatal(w.ppl.AddToTeam(ctx, w.actor(n, n.staffC), id, n.orgA), "team")
		}
		switch {
		case n.prof.People.Withdrawal != "":
			by := owner
			if n.prof.People.ConsentBy == "operator" {
				by = n.op
			}
			w.fatal(w.ppl.WithdrawConsent(ctx, w.actor(n, by), id, "本人の申出"), "withdraw")
		default:
			by := owner
			if n.prof.People.DeletionBy == "operator" {
				by = n.op
			}
			w.fatal(w.ppl.RequestDeletion(ctx, w.actor(n, by), id, "本人の申出"), "delete")
		}
	}
	return
}

func kanaNum(k int64) string {
	const digits = "アイウエオカキクケコ"
	r := []rune(digits)
	var b strings.Builder
	for _, c := range fmt.Sprint(k) {
		b.WriteRune(r[c-'0'])
	}
	return b.String()
}

func (w *mxWorld) userOfKind(n *mxNet, kind string) string { return n.actors[kind].userID }

// consentID is the ID of the person's latest consent.
func (w *mxWorld) consentID(n *mxNet, personID string) string {
	var id string
	err := w.s.DB.Transact(context.Background(), func(tx store.Tx) error {
		cs, err := tx.FindConsents(context.Background(), n.id, personID)
		for _, c := range cs {
			id = c.ID
		}
		return err
	})
	w.fatal(err, "consents")
	return id
}

// accessRow is the ID of org's open access row on the person.
func (w *mxWorld) accessRow(n *mxNet, personID, org string) string {
	var id string
	err := w.s.DB.Transact(context.Background(), func(tx store.Tx) error {
		rows, err := tx.FindPersonAccess(context.Background(), n.id, personID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.OrgID == org && r.EndedAt.IsZero() {
				id = r.ID
			}
		}
		return nil
	})
	w.fatal(err, "access rows")
	if id == "" {
		w.t.Fatalf("matrix fixture: %s has no access row on %s", org, personID)
	}
	return id
}

// mxRequest is one HTTP request of a case.
type mxRequest struct {
	method, path string
	form         url.Values // web forms
	file         []byte     // a multipart upload in field "file" (web)
	fileField    string
	body         any    // API JSON body
	raw          []byte // API raw body (text/csv)
	ctype        string
}

// send makes the request as actor (nil: anonymous) and returns status, location
// and body.
func (w *mxWorld) send(n *mxNet, a *mxActor, rq mxRequest) (int, string, string) {
	w.t.Helper()
	var body io.Reader
	ctype := ""
	api := strings.HasPrefix(rq.path, "/api/")
	switch {
	case rq.file != nil:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, vs := range rq.form {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		fw, _ := mw.CreateFormFile(rq.fileField, "upload.csv")
		fw.Write(rq.file)
		mw.Close()
		body, ctype = &buf, mw.FormDataContentType()
	case rq.form != nil:
		body, ctype = strings.NewReader(rq.form.Encode()), "application/x-www-form-urlencoded"
	case rq.raw != nil:
		body, ctype = bytes.NewReader(rq.raw), rq.ctype
	case rq.body != nil:
		b, err := json.Marshal(rq.body)
		w.fatal(err, "json")
		body, ctype = bytes.NewReader(b), "application/json"
	case api && (rq.method == "POST" || rq.method == "PUT"):
		body, ctype = strings.NewReader("{}"), "application/json"
	}
	req, err := http.NewRequest(rq.method, w.s.URL+rq.path, body)
	w.fatal(err, "request")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if a != nil {
		if api {
			req.Header.Set("Authorization", "Bearer "+a.apiToken)
		} else {
			// Another network's session is presented under this network's cookie.
			req.AddCookie(&http.Cookie{Name: "__Host-renraku-" + n.id, Value: a.webToken})
		}
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	w.fatal(err, "do")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// expand turns a row's allow list into kinds: "ops" is every operator role,
// "A" is org A's admin and staff, "B" org B's, "net" every signed-in kind of the
// network; other words are kinds.
func (n *mxNet) expand(allow string) map[string]bool {
	out := map[string]bool{}
	for _, f := range strings.Fields(allow) {
		switch f {
		case "ops":
			for _, k := range n.kinds {
				if strings.HasPrefix(k, "op:") {
					out[k] = true
				}
			}
		case "A":
			out[kAdminA], out[kStaffA], out[kStaffA2] = true, true, true
		case "B":
			out[kAdminB], out[kStaffB] = true, true
		case "net":
			for _, k := range n.kinds {
				if !slices.Contains([]string{kAnon, kSuspended, kOtherNet}, k) {
					out[k] = true
				}
			}
		default:
			out[f] = true
		}
	}
	return out
}
