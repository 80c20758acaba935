package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var ctx = context.Background()

// env is a migrated database with two networks and their users.
type env struct {
	db  *sqlstore.DB
	clk *clock.Fake
	s   *Service
}

func newEnv(t *testing.T, db *sqlstore.DB) *env {
	t.Helper()
	clk := clock.NewFake(t0)
	keys := testKeys(t, 7)
	e := &env{db: db, clk: clk, s: New(keys, audit.New(keys, clk), clk)}
	e.run(t, func(tx store.Tx) error {
		for _, n := range []*domain.Network{
			{ID: "katori", Profile: "katori", Name: "香取市 在宅医療介護連携ネットワーク", CreatedAt: t0},
			{ID: "joso", Profile: "joso", Name: "常総市 地域包括ケアネット", CreatedAt: t0},
		} {
			if err := tx.CreateNetwork(ctx, n); err != nil {
				return err
			}
		}
		for _, u := range []*domain.User{
			{NetworkID: "katori", ID: "u-hanako", LoginID: "katori-hanako", OrgID: "org-aoba", Role: domain.RoleStaff, DisplayName: "山田 花子"},
			{NetworkID: "katori", ID: "u-taro", LoginID: "katori-taro", OrgID: "org-aoba", Role: domain.RoleStaff, DisplayName: "佐藤 太郎"},
			{NetworkID: "katori", ID: "u-admin", LoginID: "katori-admin", OrgID: "org-aoba", Role: domain.RoleAdmin, DisplayName: "管理 者"},
			{NetworkID: "joso", ID: "u-hanako", LoginID: "joso-hanako", OrgID: "org-j", Role: domain.RoleStaff, DisplayName: "山田 花子"},
		} {
			u.Status, u.PasswordHash, u.CreatedAt, u.UpdatedAt = domain.UserActive, "x", t0, t0
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	return e
}

func (e *env) run(t *testing.T, fn func(tx store.Tx) error) {
	t.Helper()
	if err := e.db.Transact(ctx, fn); err != nil {
		t.Fatalf("Transact: %v", err)
	}
}

func (e *env) sign(t *testing.T, net, user string, canonical []byte) *Signature {
	t.Helper()
	var sig *Signature
	e.run(t, func(tx store.Tx) (err error) {
		sig, err = e.s.Sign(ctx, tx, net, user, canonical)
		return err
	})
	return sig
}

func (e *env) verify(t *testing.T, net string, canonical []byte, sig *Signature) Result {
	t.Helper()
	var r Result
	e.run(t, func(tx store.Tx) (err error) {
		r, err = e.s.Verify(ctx, tx, net, canonical, sig)
		return err
	})
	return r
}

func (e *env) actions(t *testing.T, net, prefix string) []string {
	t.Helper()
	var out []string
	e.run(t, func(tx store.Tx) error {
		evs, _, err := tx.FindAuditEvents(ctx, net, domain.AuditFilter{Action: prefix, Limit: 1000})
		if err != nil {
			return err
		}
		for _, ev := range evs {
			out = append(out, ev.Action+" "+ev.ActorUserID+" "+ev.TargetID)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

func TestEnsureCA(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		var first, again, joso *CA
		e.run(t, func(tx store.Tx) (err error) {
			if first, err = e.s.EnsureCA(ctx, tx, "katori"); err != nil {
				return err
			}
			if again, err = e.s.EnsureCA(ctx, tx, "katori"); err != nil {
				return err
			}
			joso, err = e.s.EnsureCA(ctx, tx, "joso")
			return err
		})
		if !bytes.Equal(first.Cert.Raw, again.Cert.Raw) || first.Generation != 1 {
			t.Errorf("second EnsureCA made another CA (generation %d)", again.Generation)
		}
		if bytes.Equal(first.Cert.Raw, joso.Cert.Raw) || joso.Cert.Subject.Organization[0] != "joso" {
			t.Error("two networks share a CA")
		}
		if got := e.actions(t, "katori", "ca."); len(got) != 1 || got[0] != "ca.create  "+serialHex(first.Cert.SerialNumber) {
			t.Errorf("audit = %q, want one ca.create by the system", got)
		}
		if b, _ := pem.Decode(first.PEM()); b == nil || !bytes.Equal(b.Bytes, first.Cert.Raw) {
			t.Error("PEM does not hold the certificate")
		}

		// Eight years on, two are left: a new generation takes over, and what the
		// old one issued still verifies.
		canonical := entryCanonical()
		old := e.sign(t, "katori", "u-hanako", canonical)
		e.clk.Advance(8*365*24*time.Hour + 72*time.Hour)
		var next *CA
		e.run(t, func(tx store.Tx) (err error) {
			next, err = e.s.EnsureCA(ctx, tx, "katori")
			return err
		})
		if next.Generation != 2 || bytes.Equal(next.Cert.Raw, first.Cert.Raw) {
			t.Errorf("after 8 years: generation %d, want a new generation 2", next.Generation)
		}
		if r := e.verify(t, "katori", canonical, old); !r.OK() {
			t.Errorf("signature of the old generation: %s (%s)", r.Status, r.Reason)
		}
		fresh := e.sign(t, "katori", "u-hanako", canonical)
		if r := e.verify(t, "katori", canonical, fresh); !r.OK() {
			t.Errorf("signature of the new generation: %s (%s)", r.Status, r.Reason)
		}
		if c, _ := x509.ParseCertificate(fresh.CertDER); !bytes.Equal(c.AuthorityKeyId, next.Cert.SubjectKeyId) {
			t.Error("a key issued after the rollover is not from the new generation")
		}
	})
}

// Requests that use the CA for the first time at once end with one CA.
func TestEnsureCAConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		var wg sync.WaitGroup
		serials := make([]string, 6)
		errs := make([]error, len(serials))
		for i := range serials {
			wg.Go(func() {
				errs[i] = e.db.Transact(ctx, func(tx store.Tx) error {
					ca, err := e.s.EnsureCA(ctx, tx, "katori")
					if err == nil {
						serials[i] = serialHex(ca.Cert.SerialNumber)
					}
					return err
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("EnsureCA %d: %v", i, err)
			}
		}
		if got := slices.Compact(slices.Sorted(slices.Values(serials))); len(got) != 1 {
			t.Errorf("serials = %v, want one CA", serials)
		}
		if got := e.actions(t, "katori", "ca."); len(got) != 1 {
			t.Errorf("audit = %q, want one ca.create", got)
		}
	})
}

func TestSignAndVerifyStored(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		canonical := entryCanonical()
		sig := e.sign(t, "katori", "u-hanako", canonical)
		if !sig.SignedAt.Equal(t0) || sig.Algorithm != Algorithm {
			t.Errorf("signature at %s with %s, want the clock's %s", sig.SignedAt, sig.Algorithm, t0)
		}
		r := e.verify(t, "katori", canonical, sig)
		if !r.OK() || r.UserID != "u-hanako" || r.SignerName != "山田 花子" || r.SignerLogin != "katori-hanako" {
			t.Errorf("Verify = %+v", r)
		}
		// The next signature uses the same key.
		e.clk.Advance(time.Minute)
		sig2 := e.sign(t, "katori", "u-hanako", canonical)
		if sig2.KeyID != sig.KeyID {
			t.Error("a second signature issued another key")
		}
		changed := bytes.Clone(canonical)
		changed[len(changed)-2] ^= 0x20
		if r := e.verify(t, "katori", changed, sig); r.Status != StatusAltered || r.Message() != "署名後に内容が変更されています。" {
			t.Errorf("altered: %s %q", r.Status, r.Message())
		}
		// Verified in another network: not its signer (same user id there).
		if r := e.verify(t, "joso", canonical, sig); r.Status != StatusUnknownSigner {
			t.Errorf("in another network: %s, want unknown signer", r.Status)
		}
		e.sign(t, "joso", "u-hanako", canonical) // joso now has a CA and a key too
		if r := e.verify(t, "joso", canonical, sig); r.Status != StatusUnknownSigner {
			t.Errorf("in another network with a CA: %s, want unknown signer", r.Status)
		}
		// Audited: one key issued, two signatures, by the signer.
		want := []string{
			"signature.create u-hanako " + sig.KeyID,
			"signature.create u-hanako " + sig.KeyID,
			"signing_key.issue u-hanako " + sig.KeyID,
		}
		if got := slices.DeleteFunc(e.actions(t, "katori", "sig"), func(s string) bool { return s[:3] == "ca." }); !slices.Equal(got, want) {
			t.Errorf("audit =\n%q\nwant\n%q", got, want)
		}
	})
}

// A signature from another database whose network has the same id and user
// (another installation, or a restored copy with a new CA) is unknown here.
func TestVerifyForeignInstallation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		f := newFixture(t, "katori")
		canonical := entryCanonical()
		e.sign(t, "katori", "u-hanako", canonical)
		if r := e.verify(t, "katori", canonical, f.sign(t, canonical, t0)); r.Status != StatusUnknownSigner {
			t.Errorf("foreign signature: %s, want unknown signer", r.Status)
		}
	})
}

func TestRevocation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		canonical := entryCanonical()
		before := e.sign(t, "katori", "u-hanako", canonical)
		e.clk.Advance(time.Hour)
		admin := &policy.Actor{NetworkID: "katori", UserID: "u-admin", LoginID: "katori-admin", OrgID: "org-aoba", Role: domain.RoleAdmin}
		var n int
		e.run(t, func(tx store.Tx) (err error) {
			n, err = e.s.RevokeUserSigningKeys(ctx, tx, admin, "katori", "u-hanako", "利用停止")
			return err
		})
		if n != 1 {
			t.Errorf("revoked %d keys, want 1", n)
		}
		// Signed before the revocation: still valid, and says when it was revoked.
		r := e.verify(t, "katori", canonical, before)
		if !r.OK() || !r.RevokedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("signed before revocation: %s revoked at %s, want ok revoked at %s", r.Status, r.RevokedAt, t0.Add(time.Hour))
		}
		// A signature with the revoked key after the revocation (someone who kept
		// the key) fails.
		var k *domain.SigningKey
		e.run(t, func(tx store.Tx) (err error) {
			k, err = tx.FindSigningKey(ctx, "katori", before.KeyID)
			return err
		})
		after, err := e.s.signWith(k, canonical, t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if r := e.verify(t, "katori", canonical, after); r.Status != StatusRevoked ||
			r.Message() != "署名の時点で署名者の証明書は失効していました。" {
			t.Errorf("signed after revocation: %s %q", r.Status, r.Message())
		}
		// The user's next signature gets a new key.
		e.clk.Advance(time.Hour)
		next := e.sign(t, "katori", "u-hanako", canonical)
		if next.KeyID == before.KeyID {
			t.Error("signed with the revoked key")
		}
		if r := e.verify(t, "katori", canonical, next); !r.OK() || !r.RevokedAt.IsZero() {
			t.Errorf("new key: %+v", r)
		}
		// Revoking again: a conflict, and the first revocation stays.
		e.clk.Advance(time.Hour)
		err = e.db.Transact(ctx, func(tx store.Tx) error {
			return e.s.RevokeSigningKey(ctx, tx, admin, "katori", before.KeyID, "再度")
		})
		if domain.ErrorCode(err) != domain.ECONFLICT {
			t.Errorf("second revocation: %v, want conflict", err)
		}
		e.run(t, func(tx store.Tx) (err error) {
			k, err = tx.FindSigningKey(ctx, "katori", before.KeyID)
			return err
		})
		if !k.RevokedAt.Equal(t0.Add(time.Hour)) || k.RevokedBy != "u-admin" || k.RevokeReason != "利用停止" {
			t.Errorf("revocation = %s by %q (%q)", k.RevokedAt, k.RevokedBy, k.RevokeReason)
		}
		// One key revoked by the system (a lost device), the other by the admin.
		e.run(t, func(tx store.Tx) error { return e.s.RevokeSigningKey(ctx, tx, nil, "katori", next.KeyID, "紛失") })
		want := []string{"signing_key.revoke  " + next.KeyID, "signing_key.revoke u-admin " + before.KeyID}
		if got := e.actions(t, "katori", "signing_key.revoke"); !slices.Equal(got, want) {
			t.Errorf("audit = %q, want %q", got, want)
		}
		var keys []*domain.SigningKey
		e.run(t, func(tx store.Tx) (err error) {
			keys, err = e.s.UserSigningKeys(ctx, tx, "katori", "u-hanako")
			return err
		})
		if len(keys) != 2 || keys[0].ID != next.KeyID || keys[1].ID != before.KeyID {
			t.Errorf("UserSigningKeys = %d keys, want the two, newest first", len(keys))
		}

		// The CRL lists both, with their times.
		var crlDER []byte
		var ca *CA
		e.run(t, func(tx store.Tx) (err error) {
			if ca, err = e.s.EnsureCA(ctx, tx, "katori"); err != nil {
				return err
			}
			crlDER, err = e.s.CRL(ctx, tx, ca)
			return err
		})
		crl, err := x509.ParseRevocationList(crlDER)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := RevocationsFromCRL(crl, ca.Cert)
		if err != nil {
			t.Fatal(err)
		}
		if len(rev) != 2 || !rev[keys[1].Serial].Equal(t0.Add(time.Hour).Truncate(time.Second)) { // CRLs have whole seconds
			t.Errorf("CRL = %v", rev)
		}
		if r := Verify(canonical, before, ca.Cert, rev); !r.OK() {
			t.Errorf("verified with the CRL: %s", r.Status)
		}
		if r := Verify(canonical, after, ca.Cert, rev); r.Status != StatusRevoked {
			t.Errorf("verified with the CRL: %s, want revoked", r.Status)
		}
	})
}

func TestOnlyActiveUsersSign(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		for _, st := range []domain.UserStatus{domain.UserSuspended, domain.UserRevoked} {
			e.run(t, func(tx store.Tx) error {
				u, err := tx.FindUser(ctx, "katori", "u-taro")
				if err != nil {
					return err
				}
				u.Status = st
				return tx.UpdateUser(ctx, u)
			})
			err := e.db.Transact(ctx, func(tx store.Tx) error {
				_, err := e.s.Sign(ctx, tx, "katori", "u-taro", entryCanonical())
				return err
			})
			if domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Errorf("%s user signs: %v, want forbidden", st, err)
			}
			err = e.db.Transact(ctx, func(tx store.Tx) error {
				_, err := e.s.IssueSigningKey(ctx, tx, "katori", "u-taro")
				return err
			})
			if domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Errorf("key for a %s user: %v, want forbidden", st, err)
			}
		}
		err := e.db.Transact(ctx, func(tx store.Tx) error {
			_, err := e.s.Sign(ctx, tx, "joso", "u-taro", entryCanonical())
			return err
		})
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("user of another network signs: %v, want not found", err)
		}
	})
}

// Keys are never stored in clear: the raw rows hold neither the PKCS #8 DER, nor
// its PEM or base64, nor the private scalar.
func TestKeysNotStoredInPlaintext(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		var k *domain.SigningKey
		var ca *CA
		e.run(t, func(tx store.Tx) (err error) {
			if k, err = e.s.IssueSigningKey(ctx, tx, "katori", "u-hanako"); err != nil {
				return err
			}
			ca, err = e.s.EnsureCA(ctx, tx, "katori")
			return err
		})
		userKey, _, err := e.s.openKey(k)
		if err != nil {
			t.Fatal(err)
		}
		caKey, err := ca.signer()
		if err != nil {
			t.Fatal(err)
		}
		rawRow := func(query string) []byte {
			rows, err := db.SQL().QueryContext(ctx, query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			var all []byte
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for _, v := range vals {
					switch v := v.(type) {
					case []byte:
						all = append(all, v...)
					case string:
						all = append(all, v...)
					default:
						all = append(all, fmt.Sprint(v)...)
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return all
		}
		stored := append(rawRow(`SELECT * FROM signing_keys`), rawRow(`SELECT * FROM pki_cas`)...)
		if len(stored) == 0 {
			t.Fatal("no rows")
		}
		for name, key := range map[string]any{"user key": userKey, "CA key": caKey} {
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			scalar, err := ecdhScalar(key)
			if err != nil {
				t.Fatal(err)
			}
			pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
			for what, secret := range map[string][]byte{
				"PKCS #8 DER": der, "PEM": pemKey, "base64": []byte(base64.StdEncoding.EncodeToString(der)),
				"raw base64": []byte(base64.RawStdEncoding.EncodeToString(der)), "scalar": scalar,
			} {
				if bytes.Contains(stored, secret) {
					t.Errorf("the %s appears in the database as %s", name, what)
				}
			}
		}
		if !bytes.Contains(stored, []byte("v1:")) || bytes.Contains(stored, []byte("PRIVATE KEY")) {
			t.Error("keys are not stored sealed")
		}
	})
}

// One Verifier for a page of entries: signers are read once each, and each
// signature still gets its own answer.
func TestVerifierPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		e := newEnv(t, db)
		type item struct {
			canonical []byte
			sig       *Signature
			want      Status
		}
		var page []item
		for i := range 6 {
			user := []string{"u-hanako", "u-taro"}[i%2]
			c := Canonical(String("entry", fmt.Sprint("e-", i)), String("text", "バイタル安定"))
			page = append(page, item{c, e.sign(t, "katori", user, c), StatusOK})
			e.clk.Advance(time.Minute)
		}
		e.run(t, func(tx store.Tx) error {
			_, err := e.s.RevokeUserSigningKeys(ctx, tx, nil, "katori", "u-taro", "退職")
			return err
		})
		var taroKey *domain.SigningKey
		e.run(t, func(tx store.Tx) (err error) {
			taroKey, err = tx.FindSigningKey(ctx, "katori", page[1].sig.KeyID)
			return err
		})
		late, err := e.s.signWith(taroKey, page[1].canonical, e.clk.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		page = append(page,
			item{page[1].canonical, late, StatusRevoked},
			item{append(bytes.Clone(page[2].canonical), '!'), page[2].sig, StatusAltered},
			item{page[0].canonical, newFixture(t, "katori").sign(t, page[0].canonical, t0), StatusUnknownSigner},
			item{page[0].canonical, nil, StatusInvalid},
		)
		e.run(t, func(tx store.Tx) error {
			v, err := e.s.Verifier(ctx, tx, "katori")
			if err != nil {
				return err
			}
			for i, it := range page {
				r, err := v.Verify(ctx, it.canonical, it.sig)
				if err != nil {
					return err
				}
				if r.Status != it.want {
					t.Errorf("item %d: %s (%s), want %s", i, r.Status, r.Reason, it.want)
				}
				if it.want == StatusOK && i%2 == 1 && r.RevokedAt.IsZero() {
					t.Errorf("item %d: the revocation after signing is not shown", i)
				}
			}
			if len(v.signers) != 3 {
				t.Errorf("the Verifier checked %d signers, want 3 (two users, the foreign one)", len(v.signers))
			}
			return nil
		})
	})
}
