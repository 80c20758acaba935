package pki

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/url"
	"time"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/store"
)

var (
	// oidUID is the userid attribute (RFC 4519): the user's login ID.
	oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	// oidDocumentSigning is id-kp-documentSigning (RFC 9336): a signing
	// certificate is for documents only, and a client certificate of the same CA
	// (TLS client auth) is no signing certificate.
	oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
)

// UserURI names a user in a certificate's subject alternative name.
func UserURI(network, userID string) string { return "urn:renraku:" + network + ":user:" + userID }

// signingAD binds a sealed signing key to its network and user.
func signingAD(network, userID string) []byte { return []byte(network + "/" + userID) }

// IssueSigningKey creates a new signing key and certificate for an active user;
// from then on it is the user's current key. Earlier keys stay valid for what
// they signed. The user is the actor of the audit event.
func (s *Service) IssueSigningKey(ctx context.Context, tx store.Tx, network, userID string) (*domain.SigningKey, error) {
	u, err := tx.FindUser(ctx, network, userID)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, tx, u, s.clk.Now())
}

// issue issues a key valid from now (to the second, as certificates have it), so
// a signature made at now is within its validity.
func (s *Service) issue(ctx context.Context, tx store.Tx, u *domain.User, now time.Time) (*domain.SigningKey, error) {
	if u.Status != domain.UserActive {
		return nil, domain.Errorf(domain.EFORBIDDEN, "利用が停止または失効しているアカウントには署名鍵を発行できません。")
	}
	ca, err := s.ensureCA(ctx, tx, u.NetworkID, now)
	if err != nil {
		return nil, err
	}
	k, err := s.newSigningKey(ca, u, now)
	if err != nil {
		return nil, err
	}
	if err := tx.CreateSigningKey(ctx, k); err != nil {
		return nil, err
	}
	if err := s.log.Append(ctx, tx, event(ctx, u.NetworkID, nil, u, "signing_key.issue", "signing_key", k.ID,
		map[string]any{"user": u.ID, "serial": k.Serial, "ca_generation": k.CAGeneration, "not_after": k.NotAfter})); err != nil {
		return nil, err
	}
	return k, nil
}

// newSigningKey makes a key pair for u and its certificate from ca, the private
// key sealed.
func (s *Service) newSigningKey(ca *CA, u *domain.User, now time.Time) (*domain.SigningKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	uri, err := url.Parse(UserURI(u.NetworkID, u.ID))
	if err != nil {
		return nil, err
	}
	subject := pkix.Name{
		Country:      []string{"JP"},
		Organization: []string{u.NetworkID},
		CommonName:   u.DisplayName,
		ExtraNames:   []pkix.AttributeTypeAndValue{{Type: oidUID, Value: u.LoginID}},
	}
	if u.OrgID != "" {
		subject.OrganizationalUnit = []string{u.OrgID}
	}
	notBefore := now.UTC().Truncate(time.Second)
	cert, err := ca.Issue(&x509.Certificate{
		Subject:               subject,
		NotBefore:             notBefore,
		NotAfter:              notBefore.AddDate(leafYears, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidDocumentSigning},
		BasicConstraintsValid: true,
		URIs:                  []*url.URL{uri},
	}, &key.PublicKey)
	if err != nil {
		return nil, err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	defer clear(pk)
	return &domain.SigningKey{
		NetworkID: u.NetworkID, ID: domain.NewID(), UserID: u.ID, Serial: serialHex(cert.SerialNumber),
		CAGeneration: ca.Generation, CertDER: cert.Raw, KeySealed: s.keys.Seal(purposeSigning, pk, signingAD(u.NetworkID, u.ID)),
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, CreatedAt: now.UTC(),
	}, nil
}

// UserSigningKeys lists a user's keys, revoked ones included, newest first.
func (s *Service) UserSigningKeys(ctx context.Context, tx store.Tx, network, userID string) ([]*domain.SigningKey, error) {
	return tx.FindUserSigningKeys(ctx, network, userID)
}

// RevokeSigningKey revokes one key now (a lost or compromised key, or the user's
// request); by is who revoked it, nil for the system. Signatures made before now
// still verify; none can be made with the key after.
func (s *Service) RevokeSigningKey(ctx context.Context, tx store.Tx, by *policy.Actor, network, keyID, reason string) error {
	k, err := tx.FindSigningKey(ctx, network, keyID)
	if err != nil {
		return err
	}
	if !k.RevokedAt.IsZero() {
		return domain.Errorf(domain.ECONFLICT, "この署名鍵は既に失効しています。")
	}
	return s.revoke(ctx, tx, by, k, reason)
}

// RevokeUserSigningKeys revokes every key of a user not yet revoked, and returns
// how many: the accounts service calls it in the transaction that suspends or
// revokes the user (a reactivated user is issued a new key on the next signature).
func (s *Service) RevokeUserSigningKeys(ctx context.Context, tx store.Tx, by *policy.Actor, network, userID, reason string) (int, error) {
	keys, err := tx.FindUserSigningKeys(ctx, network, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if !k.RevokedAt.IsZero() {
			continue
		}
		if err := s.revoke(ctx, tx, by, k, reason); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Service) revoke(ctx context.Context, tx store.Tx, by *policy.Actor, k *domain.SigningKey, reason string) error {
	// Microseconds: what both databases store exactly, so the time compared with
	// a signing time is the time stored.
	at := s.clk.Now().UTC().Truncate(time.Microsecond)
	byID := ""
	if by != nil {
		byID = by.UserID
	}
	if err := tx.RevokeSigningKey(ctx, k.NetworkID, k.ID, at, byID, reason); err != nil {
		return err
	}
	ev := event(ctx, k.NetworkID, by, nil, "signing_key.revoke", "signing_key", k.ID,
		map[string]any{"user": k.UserID, "serial": k.Serial, "revoked_at": at})
	ev.Reason = reason
	return s.log.Append(ctx, tx, ev)
}

// currentKey returns the user's newest key that is unrevoked and valid at now,
// or nil.
func currentKey(keys []*domain.SigningKey, now time.Time) *domain.SigningKey {
	for _, k := range keys {
		if k.RevokedAt.IsZero() && !now.Before(k.NotBefore) && now.Before(k.NotAfter) {
			return k
		}
	}
	return nil
}

// openKey opens a signing key and checks it against its certificate.
func (s *Service) openKey(k *domain.SigningKey) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	cert, err := x509.ParseCertificate(k.CertDER)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: certificate of key %s: %w", k.ID, err)
	}
	der, err := s.keys.Open(purposeSigning, k.KeySealed, signingAD(k.NetworkID, k.UserID))
	if err != nil {
		return nil, nil, fmt.Errorf("pki: open signing key %s: %w", k.ID, err)
	}
	defer clear(der)
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, nil, err
	}
	key, ok := pk.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("pki: signing key %s does not match its certificate", k.ID)
	}
	return key, cert, nil
}
