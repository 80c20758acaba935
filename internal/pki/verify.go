package pki

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
)

// Status is the outcome of a verification.
type Status string

const (
	StatusOK            Status = "ok"
	StatusInvalid       Status = "invalid"        // no signature, unknown algorithm, no signing time
	StatusUnknownSigner Status = "unknown_signer" // not a signing certificate of this network's CA
	StatusAltered       Status = "altered"        // the content or signing time changed after signing
	StatusExpired       Status = "expired"        // signed outside the certificate's validity
	StatusRevoked       Status = "revoked"        // signed at or after the key's revocation
)

// Result says whether a signature holds and, as far as the certificate tells,
// who made it and when.
type Result struct {
	Status      Status
	SignerName  string // the certificate's CN (display name when issued)
	SignerLogin string // the certificate's UID (login ID when issued)
	NetworkID   string // from the certificate's URI
	UserID      string // from the certificate's URI: compare with who the record says signed
	Serial      string // lower-case hex
	SignedAt    time.Time
	RevokedAt   time.Time // the key's revocation, also when after the signing (still ok)
	Reason      string    // why, in English, for the log
}

// OK reports whether the signature holds: the content is as signed, by a key of
// the network that was valid and unrevoked when it signed.
func (r Result) OK() bool { return r.Status == StatusOK }

// Message is the Japanese sentence the UI shows for the result.
func (r Result) Message() string {
	switch r.Status {
	case StatusOK:
		if !r.RevokedAt.IsZero() {
			return "電子署名は有効です。署名後に内容は変更されていません（署名者の証明書は署名の後に失効しています）。"
		}
		return "電子署名は有効です。署名後に内容は変更されていません。"
	case StatusAltered:
		return "署名後に内容が変更されています。"
	case StatusUnknownSigner:
		return "署名者を確認できません。この地域ネットワークの認証局が発行した署名用の証明書ではありません。"
	case StatusExpired:
		return "署名の時点で署名者の証明書は有効期間外でした。"
	case StatusRevoked:
		return "署名の時点で署名者の証明書は失効していました。"
	}
	return "署名のデータが不正なため検証できません。"
}

// Revocations maps a revoked certificate's serial (lower-case hex, as
// domain.SigningKey.Serial) to its revocation time. Nil means none is revoked.
type Revocations map[string]time.Time

// RevocationsFromCRL reads a CRL after checking that the CA signed it.
func RevocationsFromCRL(crl *x509.RevocationList, ca *x509.Certificate) (Revocations, error) {
	if err := crl.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("pki: CRL not signed by the CA: %w", err)
	}
	out := Revocations{}
	for _, e := range crl.RevokedCertificateEntries {
		out[serialHex(e.SerialNumber)] = e.RevocationTime.UTC()
	}
	return out, nil
}

// Verify checks sig over canonical against the network CA certificate and the
// revocations known for it, in the order of the package comment, and says what
// it found. It needs no database and no key: an auditor's program can call it.
func Verify(canonical []byte, sig *Signature, caCert *x509.Certificate, revoked Revocations) Result {
	if r, ok := checkForm(sig); !ok {
		return r
	}
	return checkSigner(sig.CertDER, caCert).verify(canonical, sig, revoked)
}

// checkForm checks what needs no certificate.
func checkForm(sig *Signature) (Result, bool) {
	switch {
	case sig == nil:
		return Result{Status: StatusInvalid, Reason: "no signature"}, false
	case sig.Algorithm != Algorithm:
		return Result{Status: StatusInvalid, Reason: fmt.Sprintf("algorithm %q", sig.Algorithm)}, false
	case len(sig.Value) == 0 || sig.SignedAt.IsZero():
		return Result{Status: StatusInvalid, Reason: "no signature value or signing time"}, false
	}
	return Result{}, true
}

// signer is a certificate checked against a CA: who it names, and whether it is
// a signing certificate of that CA (Status "" if so). It depends on the
// certificate and the CA only, so a Verifier checks each signer once.
type signer struct {
	r    Result
	cert *x509.Certificate
	ca   *x509.Certificate
	pub  *ecdsa.PublicKey
}

func checkSigner(certDER []byte, caCert *x509.Certificate) *signer {
	s := &signer{ca: caCert}
	fail := func(format string, args ...any) *signer {
		s.r.Status, s.r.Reason = StatusUnknownSigner, fmt.Sprintf(format, args...)
		return s
	}
	if caCert == nil {
		return fail("no CA certificate")
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return fail("certificate: %v", err)
	}
	s.cert = cert
	s.r.Serial, s.r.SignerName = serialHex(cert.SerialNumber), cert.Subject.CommonName
	for _, a := range cert.Subject.Names {
		if v, ok := a.Value.(string); ok && a.Type.Equal(oidUID) {
			s.r.SignerLogin = v
		}
	}
	for _, u := range cert.URIs {
		if net, id, ok := parseUserURI(u.String()); ok {
			s.r.NetworkID, s.r.UserID = net, id
		}
	}
	// Issued by this CA, directly (x509.Verify would check the CA's signature a
	// second time for a chain of one), as a signing certificate.
	if !bytes.Equal(cert.RawIssuer, caCert.RawSubject) {
		return fail("issuer is not the CA")
	}
	if err := cert.CheckSignatureFrom(caCert); err != nil {
		return fail("not signed by the CA: %v", err)
	}
	if cert.IsCA || cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 ||
		!slices.ContainsFunc(cert.UnknownExtKeyUsage, oidDocumentSigning.Equal) {
		return fail("not a document-signing certificate")
	}
	if len(cert.UnhandledCriticalExtensions) > 0 {
		return fail("unhandled critical extension")
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return fail("not a P-256 key")
	}
	s.pub = pub
	return s
}

// verify checks what sig says with the signer's key: content, time, revocation.
func (s *signer) verify(canonical []byte, sig *Signature, revoked Revocations) Result {
	r := s.r
	r.SignedAt = sig.SignedAt.UTC()
	if r.Status != "" {
		return r
	}
	fail := func(st Status, format string, args ...any) Result {
		r.Status, r.Reason = st, fmt.Sprintf(format, args...)
		return r
	}

	// Content: the signature over the canonical form and the signing time.
	digest := sha256.Sum256(Message(canonical, sig.SignedAt))
	if !ecdsa.VerifyASN1(s.pub, digest[:], sig.Value) {
		return fail(StatusAltered, "signature does not match")
	}

	// Validity at the signing time, of the certificate and of the CA.
	for _, c := range []*x509.Certificate{s.cert, s.ca} {
		if sig.SignedAt.Before(c.NotBefore) || sig.SignedAt.After(c.NotAfter) {
			return fail(StatusExpired, "signed at %s, %q valid %s to %s", r.SignedAt.Format(time.RFC3339Nano),
				c.Subject.CommonName, c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339))
		}
	}

	// Revocation: a key revoked after the signing still signed validly.
	if at, ok := revoked[r.Serial]; ok {
		r.RevokedAt = at.UTC()
		if !at.After(sig.SignedAt) {
			return fail(StatusRevoked, "revoked at %s, signed at %s", r.RevokedAt.Format(time.RFC3339Nano),
				r.SignedAt.Format(time.RFC3339Nano))
		}
	}
	r.Status = StatusOK
	return r
}

// parseUserURI reads urn:renraku:<network>:user:<id>.
func parseUserURI(s string) (network, userID string, ok bool) {
	rest, ok := strings.CutPrefix(s, "urn:renraku:")
	if !ok {
		return "", "", false
	}
	network, userID, ok = strings.Cut(rest, ":user:")
	return network, userID, ok && network != "" && userID != ""
}

// Verify checks a stored signature against the network's CA and the signing
// key's revocation as the database has them now. A certificate whose key the
// network never issued (or no longer has) is an unknown signer. The error is
// only for a failing database.
func (s *Service) Verify(ctx context.Context, tx store.Tx, network string, canonical []byte, sig *Signature) (Result, error) {
	v, err := s.Verifier(ctx, tx, network)
	if err != nil {
		return Result{}, err
	}
	return v.Verify(ctx, canonical, sig)
}

// Verifier verifies the signatures of one network within one transaction (a
// timeline page): it reads the CAs once and each signer's key once. It must not
// outlive the transaction, so a revocation counts from the next request on.
type Verifier struct {
	tx      store.Tx
	network string
	cas     []*CA
	signers map[string]*verifierSigner // by certificate DER
}

type verifierSigner struct {
	*signer
	known   bool // the network issued this certificate and still has its key
	revoked Revocations
}

// Verifier returns a Verifier for network in tx.
func (s *Service) Verifier(ctx context.Context, tx store.Tx, network string) (*Verifier, error) {
	cas, err := s.CAs(ctx, tx, network)
	if err != nil {
		return nil, err
	}
	return &Verifier{tx: tx, network: network, cas: cas, signers: map[string]*verifierSigner{}}, nil
}

// Verify is Service.Verify.
func (v *Verifier) Verify(ctx context.Context, canonical []byte, sig *Signature) (Result, error) {
	if r, ok := checkForm(sig); !ok {
		return r, nil
	}
	if len(v.cas) == 0 {
		return Verify(canonical, sig, nil, nil), nil
	}
	vs, ok := v.signers[string(sig.CertDER)]
	if !ok {
		var err error
		if vs, err = v.signer(ctx, sig.CertDER); err != nil {
			return Result{}, err
		}
		v.signers[string(sig.CertDER)] = vs
	}
	r := vs.verify(canonical, sig, vs.revoked)
	if !vs.known {
		r.Status, r.Reason = StatusUnknownSigner, "the network has no key with this certificate"
	}
	return r, nil
}

// signer checks a certificate against the CA generation that issued it, and
// reads its key's revocation.
func (v *Verifier) signer(ctx context.Context, certDER []byte) (*verifierSigner, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return &verifierSigner{signer: checkSigner(certDER, v.cas[0].Cert)}, nil
	}
	k, err := v.tx.FindSigningKeyBySerial(ctx, v.network, serialHex(cert.SerialNumber))
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && !bytes.Equal(k.CertDER, certDER)) {
		return &verifierSigner{signer: checkSigner(certDER, v.cas[0].Cert)}, nil
	}
	if err != nil {
		return nil, err
	}
	var ca *x509.Certificate
	for _, c := range v.cas {
		if c.Generation == k.CAGeneration {
			ca = c.Cert
		}
	}
	vs := &verifierSigner{signer: checkSigner(certDER, ca), known: true}
	if !k.RevokedAt.IsZero() {
		vs.revoked = Revocations{k.Serial: k.RevokedAt}
	}
	return vs, nil
}

// CRL returns the CA's certificate revocation list (DER) of the signing keys it
// issued that are revoked, valid for a day: for auditors and openssl.
func (s *Service) CRL(ctx context.Context, tx store.Tx, ca *CA) ([]byte, error) {
	keys, err := tx.FindRevokedSigningKeys(ctx, ca.NetworkID, ca.Generation)
	if err != nil {
		return nil, err
	}
	entries := make([]x509.RevocationListEntry, 0, len(keys))
	for _, k := range keys {
		cert, err := x509.ParseCertificate(k.CertDER)
		if err != nil {
			return nil, err
		}
		entries = append(entries, x509.RevocationListEntry{SerialNumber: cert.SerialNumber, RevocationTime: k.RevokedAt})
	}
	now := s.clk.Now()
	// The CRL number only grows: the issue time in milliseconds.
	return ca.CreateCRL(big.NewInt(now.UnixMilli()), entries, now, now.Add(24*time.Hour))
}
