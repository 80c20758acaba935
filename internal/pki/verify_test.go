package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/secret"
)

var t0 = time.Date(2025, 4, 1, 0, 30, 15, 123456000, time.UTC)

func testKeys(t testing.TB, b byte) *secret.Keyring {
	t.Helper()
	k, err := secret.New(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is a network's CA and one user's signing key, made without a database.
type fixture struct {
	s   *Service
	ca  *CA
	row *domain.NetworkCA
	u   *domain.User
	key *domain.SigningKey
}

func newFixture(t testing.TB, net string) *fixture {
	t.Helper()
	s := New(testKeys(t, 7), nil, clock.NewFake(t0))
	row, err := s.newCA(&domain.Network{ID: net, Name: "香取市 在宅医療介護連携ネットワーク"}, 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := s.loadCA(row)
	if err != nil {
		t.Fatal(err)
	}
	u := &domain.User{NetworkID: net, ID: "u-hanako", LoginID: "katori-k7m2q9xa", OrgID: "org-aoba", Role: domain.RoleStaff,
		DisplayName: "山田 花子", Status: domain.UserActive}
	k, err := s.newSigningKey(ca, u, t0)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{s: s, ca: ca, row: row, u: u, key: k}
}

func (f *fixture) sign(t testing.TB, canonical []byte, at time.Time) *Signature {
	t.Helper()
	sig, err := f.s.signWith(f.key, canonical, at)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func entryCanonical() []byte {
	return Canonical(String("entry", "e-1"), String("person", "p-1"), String("category", "治療経過"),
		String("text", "訪問しました。血圧 132/84、SpO₂ 97%。\n次回は来週火曜。"), String("author", "u-hanako"),
		Time("created_at", t0), String("attachment", "sha256:0f1e"))
}

func TestCACertificate(t *testing.T) {
	f := newFixture(t, "katori")
	c, err := x509.ParseCertificate(f.row.CertDER)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 1 || c.MaxPathLenZero {
		t.Errorf("basic constraints: CA %v valid %v path length %d (zero %v), want CA with path length 1",
			c.IsCA, c.BasicConstraintsValid, c.MaxPathLen, c.MaxPathLenZero)
	}
	if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("key usage = %b, want cert sign + CRL sign", c.KeyUsage)
	}
	if want := "香取市 在宅医療介護連携ネットワーク renraku 認証局"; c.Subject.CommonName != want {
		t.Errorf("CN = %q, want %q", c.Subject.CommonName, want)
	}
	if !slices.Equal(c.Subject.Organization, []string{"katori"}) {
		t.Errorf("O = %v, want [katori]", c.Subject.Organization)
	}
	if !c.NotBefore.Equal(t0.Truncate(time.Second)) || !c.NotAfter.Equal(t0.Truncate(time.Second).AddDate(10, 0, 0)) {
		t.Errorf("validity %s .. %s, want 10 years from %s", c.NotBefore, c.NotAfter, t0)
	}
	if c.SignatureAlgorithm != x509.ECDSAWithSHA256 || c.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("algorithms %v / %v, want ECDSA with SHA-256", c.SignatureAlgorithm, c.PublicKeyAlgorithm)
	}
	if pub := c.PublicKey.(*ecdsa.PublicKey); pub.Curve != elliptic.P256() {
		t.Errorf("curve %v, want P-256", pub.Curve.Params().Name)
	}
	if err := c.CheckSignatureFrom(c); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if !bytes.Equal(c.SubjectKeyId, keyID(c.PublicKey.(*ecdsa.PublicKey))) {
		t.Errorf("subject key id %x", c.SubjectKeyId)
	}
	if f.row.Serial != serialHex(c.SerialNumber) || c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("serial %s (%d bits), row %s", c.SerialNumber, c.SerialNumber.BitLen(), f.row.Serial)
	}
}

func TestSigningCertificate(t *testing.T) {
	f := newFixture(t, "katori")
	c, err := x509.ParseCertificate(f.key.CertDER)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject.CommonName != "山田 花子" || !slices.Equal(c.Subject.Organization, []string{"katori"}) ||
		!slices.Equal(c.Subject.OrganizationalUnit, []string{"org-aoba"}) {
		t.Errorf("subject = %v", c.Subject)
	}
	var uid string
	for _, a := range c.Subject.Names {
		if a.Type.Equal(oidUID) {
			uid, _ = a.Value.(string)
		}
	}
	if uid != "katori-k7m2q9xa" {
		t.Errorf("UID = %q, want the login ID", uid)
	}
	if len(c.URIs) != 1 || c.URIs[0].String() != "urn:renraku:katori:user:u-hanako" {
		t.Errorf("URIs = %v", c.URIs)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("key usage = %b, want digitalSignature + contentCommitment", c.KeyUsage)
	}
	if !slices.ContainsFunc(c.UnknownExtKeyUsage, oidDocumentSigning.Equal) || len(c.ExtKeyUsage) != 0 {
		t.Errorf("extended key usage = %v %v, want documentSigning only", c.ExtKeyUsage, c.UnknownExtKeyUsage)
	}
	if c.IsCA || !c.BasicConstraintsValid {
		t.Error("a signing certificate must say it is not a CA")
	}
	if !c.NotAfter.Equal(c.NotBefore.AddDate(2, 0, 0)) {
		t.Errorf("validity %s .. %s, want 2 years", c.NotBefore, c.NotAfter)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 || f.key.Serial != serialHex(c.SerialNumber) {
		t.Errorf("serial %x", c.SerialNumber)
	}
	if !bytes.Equal(c.AuthorityKeyId, f.ca.Cert.SubjectKeyId) {
		t.Errorf("authority key id %x, CA's subject key id %x", c.AuthorityKeyId, f.ca.Cert.SubjectKeyId)
	}
	roots := x509.NewCertPool()
	roots.AddCert(f.ca.Cert)
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: t0, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("chain: %v", err)
	}
	// Serials are random.
	k2, err := f.s.newSigningKey(f.ca, f.u, t0)
	if err != nil {
		t.Fatal(err)
	}
	if k2.Serial == f.key.Serial {
		t.Error("two keys got the same serial")
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	f := newFixture(t, "katori")
	canonical := entryCanonical()
	sig := f.sign(t, canonical, t0.Add(time.Hour))
	r := Verify(canonical, sig, f.ca.Cert, nil)
	if !r.OK() {
		t.Fatalf("Verify = %+v, want ok", r)
	}
	want := Result{Status: StatusOK, SignerName: "山田 花子", SignerLogin: "katori-k7m2q9xa", NetworkID: "katori",
		UserID: "u-hanako", Serial: f.key.Serial, SignedAt: t0.Add(time.Hour)}
	if r != want {
		t.Errorf("Verify =\n%+v\nwant\n%+v", r, want)
	}
	if r.Message() != "電子署名は有効です。署名後に内容は変更されていません。" {
		t.Errorf("Message = %q", r.Message())
	}
	if sig.Algorithm != Algorithm || sig.KeyID != f.key.ID || !bytes.Equal(sig.CertDER, f.key.CertDER) {
		t.Errorf("signature = %+v", sig)
	}
}

func TestVerifyAltered(t *testing.T) {
	f := newFixture(t, "katori")
	canonical := entryCanonical()
	sig := f.sign(t, canonical, t0)
	// Every single byte changed, one at a time.
	for i := range canonical {
		c := bytes.Clone(canonical)
		c[i] ^= 0x01
		if r := Verify(c, sig, f.ca.Cert, nil); r.Status != StatusAltered {
			t.Fatalf("byte %d changed: %s, want altered", i, r.Status)
		}
	}
	if r := Verify(append(bytes.Clone(canonical), ' '), sig, f.ca.Cert, nil); r.Status != StatusAltered {
		t.Errorf("byte appended: %s", r.Status)
	}
	// The signing time is signed too: moving it (before a revocation) breaks it.
	moved := *sig
	moved.SignedAt = sig.SignedAt.Add(-time.Microsecond)
	if r := Verify(canonical, &moved, f.ca.Cert, nil); r.Status != StatusAltered {
		t.Errorf("signing time moved: %s", r.Status)
	}
	bad := *sig
	bad.Value = bytes.Clone(sig.Value)
	bad.Value[len(bad.Value)-1] ^= 0x01
	r := Verify(canonical, &bad, f.ca.Cert, nil)
	if r.Status != StatusAltered {
		t.Errorf("signature value changed: %s", r.Status)
	}
	if r.Message() != "署名後に内容が変更されています。" {
		t.Errorf("Message = %q", r.Message())
	}
}

func TestVerifyOtherCA(t *testing.T) {
	a, b := newFixture(t, "katori"), newFixture(t, "joso")
	canonical := entryCanonical()
	sig := a.sign(t, canonical, t0)
	if r := Verify(canonical, sig, b.ca.Cert, nil); r.Status != StatusUnknownSigner {
		t.Errorf("another network's CA: %s (%s), want unknown signer", r.Status, r.Reason)
	}
	// A second CA of the same network id and name (a forged or lost one) is not it either.
	a2 := newFixture(t, "katori")
	if r := Verify(canonical, sig, a2.ca.Cert, nil); r.Status != StatusUnknownSigner {
		t.Errorf("look-alike CA: %s (%s), want unknown signer", r.Status, r.Reason)
	}
	// A certificate signed by someone else with the CA's name.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl, _ := x509.ParseCertificate(a.key.CertDER)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a2.ca.Cert, &key.PublicKey, mustSigner(t, a2.ca))
	if err != nil {
		t.Fatal(err)
	}
	forged := *sig
	forged.CertDER = der
	if r := Verify(canonical, &forged, a.ca.Cert, nil); r.Status != StatusUnknownSigner {
		t.Errorf("forged certificate: %s (%s), want unknown signer", r.Status, r.Reason)
	}
}

func mustSigner(t testing.TB, ca *CA) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ca.signer()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A client certificate of the same CA (issue 6) does not pass for a signer.
func TestVerifyClientCertificateIsNoSigner(t *testing.T) {
	f := newFixture(t, "katori")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := f.ca.Issue(&x509.Certificate{
		Subject:   pkix.Name{CommonName: "訪問用タブレット1"},
		NotBefore: t0.Truncate(time.Second), NotAfter: t0.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	canonical := entryCanonical()
	sig := f.sign(t, canonical, t0)
	sig.CertDER = cert.Raw
	if r := Verify(canonical, sig, f.ca.Cert, nil); r.Status != StatusUnknownSigner {
		t.Errorf("client certificate: %s, want unknown signer", r.Status)
	}
	// And Issue refuses to make a second-level CA.
	if _, err := f.ca.Issue(&x509.Certificate{IsCA: true, BasicConstraintsValid: true, MaxPathLen: 1,
		NotBefore: t0, NotAfter: t0.AddDate(1, 0, 0)}, &key.PublicKey); err == nil {
		t.Error("Issue made an intermediate that may have intermediates")
	}
}

func TestVerifyRevocation(t *testing.T) {
	f := newFixture(t, "katori")
	canonical := entryCanonical()
	signedAt := t0.Add(time.Hour)
	sig := f.sign(t, canonical, signedAt)
	cases := []struct {
		name      string
		revokedAt time.Time
		want      Status
	}{
		{"revoked after signing", signedAt.Add(time.Microsecond), StatusOK},
		{"revoked a day after", signedAt.Add(24 * time.Hour), StatusOK},
		{"revoked at the signing time", signedAt, StatusRevoked},
		{"revoked before signing", signedAt.Add(-time.Minute), StatusRevoked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Verify(canonical, sig, f.ca.Cert, Revocations{f.key.Serial: c.revokedAt})
			if r.Status != c.want || !r.RevokedAt.Equal(c.revokedAt) {
				t.Errorf("Verify = %s revoked at %s, want %s at %s", r.Status, r.RevokedAt, c.want, c.revokedAt)
			}
			if c.want == StatusOK && !strings.Contains(r.Message(), "署名の後に失効") {
				t.Errorf("Message = %q, want it to say the key was revoked after signing", r.Message())
			}
		})
	}
	// Another serial revoked changes nothing.
	if r := Verify(canonical, sig, f.ca.Cert, Revocations{"00": t0}); !r.OK() || !r.RevokedAt.IsZero() {
		t.Errorf("other serial revoked: %+v", r)
	}
}

func TestVerifyExpired(t *testing.T) {
	f := newFixture(t, "katori")
	canonical := entryCanonical()
	for _, at := range []time.Time{t0.AddDate(2, 0, 1), t0.Add(-time.Hour)} {
		sig := f.sign(t, canonical, at)
		r := Verify(canonical, sig, f.ca.Cert, nil)
		if r.Status != StatusExpired {
			t.Errorf("signed at %s: %s (%s), want expired", at, r.Status, r.Reason)
		}
		if r.Message() != "署名の時点で署名者の証明書は有効期間外でした。" {
			t.Errorf("Message = %q", r.Message())
		}
	}
}

func TestVerifyInvalid(t *testing.T) {
	f := newFixture(t, "katori")
	canonical := entryCanonical()
	sig := f.sign(t, canonical, t0)
	for name, s := range map[string]*Signature{
		"nil":          nil,
		"algorithm":    {Algorithm: "rsa-sha1", Value: sig.Value, CertDER: sig.CertDER, SignedAt: sig.SignedAt},
		"no value":     {Algorithm: Algorithm, CertDER: sig.CertDER, SignedAt: sig.SignedAt},
		"no time":      {Algorithm: Algorithm, Value: sig.Value, CertDER: sig.CertDER},
		"certificate":  {Algorithm: Algorithm, Value: sig.Value, CertDER: []byte("not DER"), SignedAt: sig.SignedAt},
		"empty certif": {Algorithm: Algorithm, Value: sig.Value, SignedAt: sig.SignedAt},
	} {
		r := Verify(canonical, s, f.ca.Cert, nil)
		if r.OK() || r.Message() == "" {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if r := Verify(canonical, sig, nil, nil); r.Status != StatusUnknownSigner {
		t.Errorf("no CA: %s", r.Status)
	}
}

func TestMessagesAreJapanese(t *testing.T) {
	seen := map[string]Status{}
	for _, s := range []Status{StatusOK, StatusInvalid, StatusUnknownSigner, StatusAltered, StatusExpired, StatusRevoked} {
		m := Result{Status: s}.Message()
		if prev, dup := seen[m]; dup {
			t.Errorf("%s and %s share the message %q", s, prev, m)
		}
		seen[m] = s
		if !strings.HasSuffix(m, "。") {
			t.Errorf("%s: %q", s, m)
		}
	}
}

func TestCRL(t *testing.T) {
	f := newFixture(t, "katori")
	cert, _ := x509.ParseCertificate(f.key.CertDER)
	revokedAt := t0.Add(2 * time.Hour)
	der, err := f.ca.CreateCRL(big.NewInt(1), []x509.RevocationListEntry{{SerialNumber: cert.SerialNumber, RevocationTime: revokedAt}},
		t0.Add(3*time.Hour), t0.Add(27*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := RevocationsFromCRL(crl, f.ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	canonical := entryCanonical()
	// A CRL has whole seconds: within the same second counts as before.
	for _, c := range []struct {
		at   time.Time
		want Status
	}{{revokedAt.Add(-time.Second), StatusOK}, {revokedAt.Add(500 * time.Millisecond), StatusRevoked}} {
		if r := Verify(canonical, f.sign(t, canonical, c.at), f.ca.Cert, rev); r.Status != c.want {
			t.Errorf("signed at %s, CRL revokes at %s: %s, want %s", c.at, revokedAt, r.Status, c.want)
		}
	}
	if _, err := RevocationsFromCRL(crl, newFixture(t, "joso").ca.Cert); err == nil {
		t.Error("a CRL of another CA was accepted")
	}
}

// A sealed key opens only for its network (CA) or its network and user.
func TestSealedKeysAreBound(t *testing.T) {
	f := newFixture(t, "katori")
	moved := *f.ca
	moved.NetworkID = "joso"
	if _, err := moved.signer(); err == nil {
		t.Error("the CA key opened for another network")
	}
	k := *f.key
	k.UserID = "u-other"
	if _, _, err := f.s.openKey(&k); err == nil {
		t.Error("a signing key opened for another user")
	}
	other := New(testKeys(t, 8), nil, clock.NewFake(t0))
	if _, _, err := other.openKey(f.key); err == nil {
		t.Error("a signing key opened with another master key")
	}
	// A key swapped between two rows of the same user does not match the certificate.
	k2, err := f.s.newSigningKey(f.ca, f.u, t0)
	if err != nil {
		t.Fatal(err)
	}
	swapped := *f.key
	swapped.KeySealed = k2.KeySealed
	if _, _, err := f.s.openKey(&swapped); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("swapped key: %v", err)
	}
}

// ecdhScalar returns the private scalar of an ECDSA key, as 32 bytes.
func ecdhScalar(k any) ([]byte, error) {
	e, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("not an ECDSA key: %T", k)
	}
	return e.Bytes()
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, "katori")
	canonical := entryCanonical()
	sig := f.sign(b, canonical, t0)
	for b.Loop() {
		if r := Verify(canonical, sig, f.ca.Cert, nil); !r.OK() {
			b.Fatal(r.Status)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	f := newFixture(b, "katori")
	canonical := entryCanonical()
	for b.Loop() {
		f.sign(b, canonical, t0)
	}
}

// What a Verifier pays per signature once it has checked the signer.
func BenchmarkVerifyKnownSigner(b *testing.B) {
	f := newFixture(b, "katori")
	canonical := entryCanonical()
	sig := f.sign(b, canonical, t0)
	s := checkSigner(sig.CertDER, f.ca.Cert)
	for b.Loop() {
		if r := s.verify(canonical, sig, nil); !r.OK() {
			b.Fatal(r.Status)
		}
	}
}
