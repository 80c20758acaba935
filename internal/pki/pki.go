// Package pki is each network's certificate authority (認証局) and the electronic
// signatures its users put on entries. Signed information is guaranteed complete
// and correct (katori §15-2, joso §20-2), so a signature must be checkable by
// anyone, with standard tools, long after it was made.
//
// # Algorithm
//
// Every key, the CA's and the users', is ECDSA on NIST P-256 with SHA-256
// (ecdsa-with-SHA256, signatures ASN.1 DER). Go's crypto/x509 supports it fully
// for CA and leaf certificates and for CRLs; OpenSSL (openssl x509, verify, dgst,
// crl) shows and checks it on any hospital PC; it is on the CRYPTREC list the
// MHLW guideline refers to; and the client certificates of the same CA (issue 6)
// must work in every browser and OS key store, which Ed25519 certificates do not
// yet (Windows, most browsers' TLS client authentication).
//
// # Keys
//
// Private keys are PKCS #8 DER sealed with the master key (secret.Keyring: purpose
// "pki-ca" with the network id as associated data for the CA, "pki-signing" with
// "network/user" for a user's key), so a sealed key copied to another row or
// network does not open. Nothing is cached between calls: every operation reads
// the CA, the key and its revocation in the caller's transaction, so a revocation
// counts from the next call on.
//
// The CA is a self-signed root (CN "<network name> renraku 認証局", O = network
// id, 10 years, keyCertSign + cRLSign, path length 1 so that an intermediate may
// be placed under it). A new generation replaces it when fewer than two years are
// left, so every user certificate gets its full two years; old generations stay
// to verify what they issued. A user's signing certificate (CN = display name, O
// = network id, UID = login ID, SAN URI urn:renraku:<network>:user:<user id>,
// digitalSignature + contentCommitment, extended key usage id-kp-documentSigning
// 1.3.6.1.5.5.7.3.36 of RFC 9336, 2 years, random 128-bit serial) is issued on
// first use; a client certificate of the same CA cannot pass for a signer.
//
// # Canonical form
//
// Canonical encodes the fields of what is signed (an entry's id, person,
// category, text, author, creation time, attachment hashes, ...) as a sequence of
// netstrings (a netstring is the byte length in decimal, ":", the bytes, ","):
//
//	canonical = ns("renraku-canonical/v1") { ns(name) ns(value) }
//
// fields sorted by name, then by value, comparing bytes; names are [a-z][a-z0-9_.-]*;
// values are the stored bytes (UTF-8 text as stored, line breaks kept, no
// normalization); times are UTC RFC 3339 with the fraction digits needed
// (Go's time.RFC3339Nano); a set (attachment hashes) is one field per member,
// so sorting orders the set. For example the fields author=u1 and text=体温37.2
// give
//
//	20:renraku-canonical/v1,6:author,2:u1,4:text,10:体温37.2,
//
// # Signature
//
// Sign signs, with the user's current key, the message
//
//	message = "renraku-signature/v1\n" signed_at "\n" canonical
//
// where signed_at is the signing time from the clock, UTC, RFC 3339 (as in
// canonical), so that the signing time is covered by the signature and cannot be
// moved before a revocation afterwards.
//
// # Verification
//
// Verify answers, in this order: invalid (no signature, an unknown algorithm),
// unknown signer (the certificate does not chain to the network's CA or is not a
// signing certificate), altered (the signature does not match the canonical form
// and signing time: the content was changed after signing), expired (the signing
// time is outside the validity of the certificate or of the CA), revoked (the
// key had been revoked at or before the signing time), or ok (a key revoked after
// the signing time still gives ok, with the revocation time, because the
// signature was made while the key was valid). Service.Verify, and a Verifier for
// the many signatures of one request, read the CAs and the signer's revocation
// from the database; a certificate the network holds no key for is an unknown
// signer there.
//
// An auditor re-verifies with OpenSSL alone, given the network CA certificate
// (ca.pem), the signer's certificate (signer.der), the signature (signature.der),
// the signing time ($SIGNED_AT, e.g. 2025-04-01T00:30:15.123456Z) and the
// canonical form (canonical.bin, or rebuilt from the stored fields with the ns
// function below, in sorted order):
//
//	ns() { for s; do printf '%d:%s,' "$(printf '%s' "$s" | LC_ALL=C wc -c)" "$s"; done; }
//	{ ns renraku-canonical/v1; ns author u1; ns text '体温37.2'; } > canonical.bin
//	openssl x509 -inform DER -in signer.der -out signer.pem
//	openssl verify -CAfile ca.pem -attime "$(date -d "$SIGNED_AT" +%s)" signer.pem
//	openssl x509 -in signer.pem -pubkey -noout > signer.pub
//	{ printf 'renraku-signature/v1\n%s\n' "$SIGNED_AT"; cat canonical.bin; } > message.bin
//	openssl dgst -sha256 -verify signer.pub -signature signature.der message.bin
//	openssl crl -inform DER -in crl.der -noout -text   # revoked serials and dates
//
// "Verified OK" from dgst means the content is as signed; verify checks the chain
// and the validity at the signing time; the CRL (Service.CRL) lists each revoked
// serial with its revocation date, to compare with $SIGNED_AT (OpenSSL's own
// -crl_check refuses a revoked certificate whatever the dates, so it answers a
// different question). A CRL's dates have whole seconds; a revocation within the
// same second as the signature counts as before it.
package pki

import (
	"context"
	"encoding/json"

	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/secret"
)

// Sealing purposes of the keyring.
const (
	purposeCA      = "pki-ca"
	purposeSigning = "pki-signing"
)

// Service issues, revokes and uses the keys of every network. It holds no key and
// no state between calls; it works in the caller's transaction, and the caller
// has decided (through policy) that the call is allowed.
type Service struct {
	keys *secret.Keyring
	log  *audit.Log
	clk  clock.Clock
}

// New returns the service.
func New(keys *secret.Keyring, log *audit.Log, clk clock.Clock) *Service {
	return &Service{keys: keys, log: log, clk: clk}
}

// event builds an audit event; the actor is a, or the user u when a is nil, or
// the system when both are nil.
func event(ctx context.Context, net string, a *policy.Actor, u *domain.User, action, targetType, targetID string, detail map[string]any) *domain.AuditEvent {
	m := domain.RequestMetaFrom(ctx)
	ev := &domain.AuditEvent{NetworkID: net, Action: action, TargetType: targetType, TargetID: targetID,
		RemoteAddr: m.RemoteAddr, RequestID: m.RequestID, Outcome: "ok"}
	switch {
	case a != nil:
		ev.ActorUserID, ev.ActorLogin, ev.ActorOrgID, ev.ActorRole = a.UserID, a.LoginID, a.OrgID, string(a.Role)
		if a.OperatorRole != "" {
			ev.ActorRole += "/" + a.OperatorRole
		}
	case u != nil:
		ev.ActorUserID, ev.ActorLogin, ev.ActorOrgID, ev.ActorRole = u.ID, u.LoginID, u.OrgID, string(u.Role)
		if u.OperatorRole != "" {
			ev.ActorRole += "/" + u.OperatorRole
		}
	}
	if detail != nil {
		b, _ := json.Marshal(detail)
		ev.Detail = string(b)
	}
	return ev
}
