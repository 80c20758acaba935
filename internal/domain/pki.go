package domain

import "time"

// NetworkCA is one generation of a network's certificate authority (認証局). The
// private key is stored only sealed with the master key; a generation is never
// changed once stored, and old generations stay to verify what they issued.
type NetworkCA struct {
	NetworkID  string
	Generation int    // 1, 2, ...: a new generation replaces one nearing expiry
	Serial     string // certificate serial, lower-case hex
	CertDER    []byte
	KeySealed  string // PKCS #8 DER sealed with secret.Keyring ("pki-ca", AD = network id)
	NotBefore  time.Time
	NotAfter   time.Time
	CreatedAt  time.Time
}

// SigningKey is a user's electronic-signature key and its certificate, issued by
// the network's CA (katori §15-2, joso §20-2). A user has several over time; the
// newest valid, unrevoked one signs. Revocation is final and keeps its time, so a
// signature made before it still verifies as made while the key was valid.
type SigningKey struct {
	NetworkID    string
	ID           string
	UserID       string
	Serial       string // certificate serial, lower-case hex, unique in the network
	CAGeneration int
	CertDER      []byte
	KeySealed    string // PKCS #8 DER sealed with secret.Keyring ("pki-signing", AD = network/user)
	NotBefore    time.Time
	NotAfter     time.Time
	CreatedAt    time.Time
	RevokedAt    time.Time // zero while not revoked
	RevokedBy    string    // user id of who revoked it, "" for the system
	RevokeReason string
}
