package pki

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
)

// Algorithm names the one signature algorithm: ECDSA on P-256 over the SHA-256
// of the message, the signature ASN.1 DER (what openssl dgst -sha256 makes and
// checks).
const Algorithm = "ecdsa-p256-sha256"

// messageTag opens the signed message (see the package comment).
const messageTag = "renraku-signature/v1"

// Signature is an electronic signature over a canonical form. The caller stores
// all of it beside what was signed; together with the network's CA it is all
// that verification needs.
type Signature struct {
	Algorithm string
	Value     []byte    // ASN.1 DER ECDSA signature
	CertDER   []byte    // the signer's certificate
	SignedAt  time.Time // from the clock, UTC, microseconds; covered by the signature
	KeyID     string    // the signing key's row
}

// Message is what is signed: the tag, the signing time and the canonical form.
func Message(canonical []byte, signedAt time.Time) []byte {
	t := signedAt.UTC().Format(time.RFC3339Nano)
	b := make([]byte, 0, len(messageTag)+len(t)+2+len(canonical))
	b = append(b, messageTag+"\n"...)
	b = append(b, t+"\n"...)
	return append(b, canonical...)
}

// Sign signs canonical with the user's current key, issuing the user a key (and
// the network its CA) on first use or when the current one was revoked or has
// expired. Only an active user signs. The signature is audited with the key and
// the SHA-256 of the canonical form (never its content).
func (s *Service) Sign(ctx context.Context, tx store.Tx, network, userID string, canonical []byte) (*Signature, error) {
	u, err := tx.FindUser(ctx, network, userID)
	if err != nil {
		return nil, err
	}
	if u.Status != domain.UserActive {
		return nil, domain.Errorf(domain.EFORBIDDEN, "利用が停止または失効しているアカウントでは署名できません。")
	}
	// Microseconds: what both databases store exactly, so the time stored beside
	// the signature is the time signed.
	now := s.clk.Now().UTC().Truncate(time.Microsecond)
	keys, err := tx.FindUserSigningKeys(ctx, network, userID)
	if err != nil {
		return nil, err
	}
	k := currentKey(keys, now)
	if k == nil {
		if k, err = s.issue(ctx, tx, u, now); err != nil {
			return nil, err
		}
	}
	sig, err := s.signWith(k, canonical, now)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canonical)
	if err := s.log.Append(ctx, tx, event(ctx, network, nil, u, "signature.create", "signing_key", k.ID,
		map[string]any{"serial": k.Serial, "signed_at": now, "canonical_sha256": hex.EncodeToString(sum[:])})); err != nil {
		return nil, err
	}
	return sig, nil
}

// signWith signs canonical at signedAt with k.
func (s *Service) signWith(k *domain.SigningKey, canonical []byte, signedAt time.Time) (*Signature, error) {
	key, _, err := s.openKey(k)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(Message(canonical, signedAt))
	v, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return nil, err
	}
	return &Signature{Algorithm: Algorithm, Value: v, CertDER: k.CertDER, SignedAt: signedAt, KeyID: k.ID}, nil
}
