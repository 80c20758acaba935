package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"renraku/internal/domain"
	"renraku/internal/secret"
	"renraku/internal/store"
)

// Validity of the certificates.
const (
	caYears   = 10
	leafYears = 2
)

// CA is one generation of a network's certificate authority. It holds the
// private key only sealed: Issue and CreateCRL open it for the one operation.
type CA struct {
	NetworkID  string
	Generation int
	Cert       *x509.Certificate
	sealed     string
	keys       *secret.Keyring
}

// PEM returns the CA certificate in PEM, for download and for openssl.
func (c *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

func (s *Service) loadCA(row *domain.NetworkCA) (*CA, error) {
	cert, err := x509.ParseCertificate(row.CertDER)
	if err != nil {
		return nil, fmt.Errorf("pki: CA %s/%d: %w", row.NetworkID, row.Generation, err)
	}
	return &CA{NetworkID: row.NetworkID, Generation: row.Generation, Cert: cert, sealed: row.KeySealed, keys: s.keys}, nil
}

// CAs returns every CA generation of the network, newest first (to verify what
// older generations issued, and as the trust pool of client certificates).
func (s *Service) CAs(ctx context.Context, tx store.Tx, network string) ([]*CA, error) {
	rows, err := tx.FindCAs(ctx, network)
	if err != nil {
		return nil, err
	}
	out := make([]*CA, 0, len(rows))
	for _, r := range rows {
		ca, err := s.loadCA(r)
		if err != nil {
			return nil, err
		}
		out = append(out, ca)
	}
	return out, nil
}

// EnsureCA returns the network's current CA, creating its first generation on
// first use, and a new generation when the current one has fewer than two years
// left (a user certificate always gets its full validity).
func (s *Service) EnsureCA(ctx context.Context, tx store.Tx, network string) (*CA, error) {
	return s.ensureCA(ctx, tx, network, s.clk.Now())
}

// ensureCA is EnsureCA at now: a CA it creates is valid from now (to the second),
// as is the user certificate the caller issues from it.
func (s *Service) ensureCA(ctx context.Context, tx store.Tx, network string, now time.Time) (*CA, error) {
	for range 3 {
		cas, err := s.CAs(ctx, tx, network)
		if err != nil {
			return nil, err
		}
		next := 1
		if len(cas) > 0 {
			cur := cas[0]
			if !now.AddDate(leafYears, 0, 0).After(cur.Cert.NotAfter) {
				return cur, nil
			}
			next = cur.Generation + 1
		}
		// Stored here, or (created false) by a concurrent first use: read it.
		if _, err := s.createCA(ctx, tx, network, next, now); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("pki: no CA for network %s after creating one", network)
}

func (s *Service) createCA(ctx context.Context, tx store.Tx, network string, generation int, now time.Time) (bool, error) {
	n, err := tx.FindNetwork(ctx, network)
	if err != nil {
		return false, err
	}
	row, err := s.newCA(n, generation, now)
	if err != nil {
		return false, err
	}
	created, err := tx.CreateCA(ctx, row)
	if err != nil || !created {
		return created, err
	}
	return true, s.log.Append(ctx, tx, event(ctx, network, nil, nil, "ca.create", "ca", row.Serial,
		map[string]any{"generation": generation, "not_after": row.NotAfter}))
}

// newCA makes a self-signed root for the network, its key sealed.
func (s *Service) newCA(n *domain.Network, generation int, now time.Time) (*domain.NetworkCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	notBefore := now.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Country:      []string{"JP"},
			Organization: []string{n.ID},
			CommonName:   n.Name + " renraku 認証局",
		},
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(caYears, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// One intermediate may be placed under the root (client certificates, issue 6).
		MaxPathLen:   1,
		SubjectKeyId: keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	defer clear(pk)
	return &domain.NetworkCA{
		NetworkID: n.ID, Generation: generation, Serial: serialHex(serial), CertDER: der,
		KeySealed: s.keys.Seal(purposeCA, pk, []byte(n.ID)),
		NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, CreatedAt: now.UTC(),
	}, nil
}

// signer opens the CA's private key.
func (c *CA) signer() (*ecdsa.PrivateKey, error) {
	der, err := c.keys.Open(purposeCA, c.sealed, []byte(c.NetworkID))
	if err != nil {
		return nil, fmt.Errorf("pki: open CA key of %s/%d: %w", c.NetworkID, c.Generation, err)
	}
	defer clear(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(c.Cert.PublicKey) {
		return nil, fmt.Errorf("pki: CA key of %s/%d does not match its certificate", c.NetworkID, c.Generation)
	}
	return key, nil
}

// Issue signs a certificate for pub from tmpl: a leaf, or an intermediate CA with
// path length 0. It fills in a random serial when tmpl has none and the subject
// key id, and ends the validity no later than the CA's own. The caller keeps
// what it needs to revoke the certificate.
func (c *CA) Issue(tmpl *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	t := *tmpl
	if t.IsCA && (t.MaxPathLen != 0 || !t.MaxPathLenZero) {
		return nil, errors.New("pki: an intermediate CA must have path length 0")
	}
	if t.SerialNumber == nil {
		serial, err := randomSerial()
		if err != nil {
			return nil, err
		}
		t.SerialNumber = serial
	}
	if t.NotAfter.After(c.Cert.NotAfter) {
		t.NotAfter = c.Cert.NotAfter
	}
	if len(t.SubjectKeyId) == 0 {
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return nil, errors.New("pki: only ECDSA P-256 keys are issued")
		}
		t.SubjectKeyId = keyID(ec)
	}
	key, err := c.signer()
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, &t, c.Cert, pub, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// CreateCRL signs a certificate revocation list (DER) of the given entries.
func (c *CA) CreateCRL(number *big.Int, entries []x509.RevocationListEntry, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	key, err := c.signer()
	if err != nil {
		return nil, err
	}
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: number, ThisUpdate: thisUpdate.UTC(), NextUpdate: nextUpdate.UTC(), RevokedCertificateEntries: entries,
	}, c.Cert, key)
}

// randomSerial returns a random positive serial below 2^128 (RFC 5280: positive,
// at most 20 octets; unpredictable serials also defeat chosen-prefix collisions).
func randomSerial() (*big.Int, error) {
	for {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
		if err != nil {
			return nil, err
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

func serialHex(n *big.Int) string { return fmt.Sprintf("%032x", n) }

// keyID is the subject key identifier: the first 160 bits of the SHA-256 of the
// subjectPublicKey bits (RFC 7093, method 1).
func keyID(pub *ecdsa.PublicKey) []byte {
	b, err := pub.Bytes()
	if err != nil {
		panic(err) // a P-256 key always encodes
	}
	sum := sha256.Sum256(b)
	return sum[:20]
}
