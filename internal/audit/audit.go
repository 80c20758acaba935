// Package audit is renraku's tamper-evident audit log (beppu §10-3, fukuoka §9-3).
//
// Three layers protect an event:
//
//   - Append stores the event in the caller's transaction with a MAC keyed by the
//     master key, so a row altered, copied or inserted by hand in SQL no longer
//     verifies (the key is never stored beside the data).
//   - The Sealer binds events, in the order it finds them, to the leaves of an
//     append-only Merkle log per network (RFC 6962 hashing), so a removed or
//     altered sealed event changes a leaf or the tree.
//   - Every seal ends with a checkpoint (C2SP tlog-checkpoint body) signed as a
//     C2SP signed note with an Ed25519 key derived from the master key. An auditor
//     who pins VerifierKey and keeps the notes can prove the log only grew.
//
// Verify walks everything and names each event, leaf or checkpoint that fails.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/secret"
	"renraku/internal/store"
)

// Log appends audit events.
type Log struct {
	macKey []byte
	clk    clock.Clock
}

// New returns a Log that MACs events with a key derived from keys.
func New(keys *secret.Keyring, clk clock.Clock) *Log {
	return &Log{macKey: macKey(keys), clk: clk}
}

func macKey(keys *secret.Keyring) []byte { return keys.Derive("audit-mac", 32) }

// Append stores ev in tx, so it commits or rolls back with the change it records;
// if it fails, the caller's request must fail. It fills in the time (the clock's
// now when zero; always UTC, truncated to microseconds, which both databases
// store exactly), the outcome ("ok") and the detail ("{}") when empty, and sets
// ev.MAC and ev.ID.
func (l *Log) Append(ctx context.Context, tx store.Tx, ev *domain.AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = l.clk.Now()
	}
	ev.At = ev.At.UTC().Truncate(time.Microsecond)
	if ev.Outcome == "" {
		ev.Outcome = "ok"
	}
	if ev.Detail == "" {
		ev.Detail = "{}"
	}
	if err := validate(ev); err != nil {
		return err
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	n := hex.EncodeToString(nonce[:])
	ev.MAC = n + "." + hex.EncodeToString(computeMAC(l.macKey, ev, n))
	return tx.InsertAuditEvent(ctx, ev)
}

func validate(ev *domain.AuditEvent) error {
	switch {
	case ev.NetworkID == "":
		return errors.New("audit: event without network")
	case ev.Action == "":
		return errors.New("audit: event without action")
	case !strings.HasPrefix(strings.TrimSpace(ev.Detail), "{") || !json.Valid([]byte(ev.Detail)):
		return errors.New("audit: detail of " + ev.Action + " is not a JSON object")
	}
	return nil
}

// The two canonical forms of an event. The MAC form leaves out the id (the
// database assigns it after the MAC is computed) and ends with the nonce; the
// leaf form includes the id and ends with the stored MAC, so a leaf commits to
// the whole row.
const (
	macForm  = "renraku.audit.event/v1 mac"
	leafForm = "renraku.audit.event/v1 leaf"
)

// canonical encodes ev deterministically: every field length-prefixed (4 bytes,
// big-endian) in a fixed order, times as RFC 3339 with nanoseconds in UTC.
func canonical(form string, ev *domain.AuditEvent, last string) []byte {
	b := make([]byte, 0, 256+len(ev.Detail))
	field := func(s string) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	field(form)
	if form == leafForm {
		field(strconv.FormatInt(ev.ID, 10))
	}
	for _, s := range []string{
		ev.NetworkID, ev.At.UTC().Format(time.RFC3339Nano),
		ev.ActorUserID, ev.ActorLogin, ev.ActorOrgID, ev.ActorRole,
		ev.Action, ev.TargetType, ev.TargetID, ev.PersonID, ev.Reason, ev.Outcome,
		ev.RemoteAddr, ev.RequestID, ev.Detail, last,
	} {
		field(s)
	}
	return b
}

func computeMAC(key []byte, ev *domain.AuditEvent, nonce string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(canonical(macForm, ev, nonce))
	return m.Sum(nil)
}

// checkMAC reports whether ev's stored MAC is well formed and matches, and
// returns its nonce.
func checkMAC(key []byte, ev *domain.AuditEvent) (nonce string, ok bool) {
	nonce, sum, found := strings.Cut(ev.MAC, ".")
	if !found || len(nonce) != 32 {
		return "", false
	}
	if _, err := hex.DecodeString(nonce); err != nil {
		return "", false
	}
	got, err := hex.DecodeString(sum)
	if err != nil {
		return "", false
	}
	return nonce, hmac.Equal(got, computeMAC(key, ev, nonce))
}

// leafHash is the RFC 6962 leaf hash of a stored event: SHA-256(0x00 || leaf form).
func leafHash(ev *domain.AuditEvent) []byte {
	return hasher.HashLeaf(canonical(leafForm, ev, ev.MAC))
}
