package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"renraku/internal/secret"
)

var (
	hasher = rfc6962.DefaultHasher
	ranges = &compact.RangeFactory{Hash: hasher.HashChildren}
)

// Origin names a network's log in its checkpoints and is the name of its key.
func Origin(network string) string { return "renraku.audit/" + network }

// VerifierKey returns the public key of a network's checkpoints as a signed-note
// verifier key ("name+hash+data"), for an auditor to pin and use with note.Open.
func VerifierKey(keys *secret.Keyring, network string) string {
	pub := keys.SigningKey("audit-checkpoint/" + network).Public().(ed25519.PublicKey)
	vk, err := note.NewEd25519VerifierKey(Origin(network), pub)
	if err != nil {
		panic(err) // only for a key of the wrong size
	}
	return vk
}

// newSigner builds the signed-note signer key "PRIVATE+KEY+name+hash+data", where
// data is the algorithm byte (1, Ed25519) and the seed, and hash is the public
// key's hash, taken from the verifier key; note.NewSigner checks that they agree.
func newSigner(keys *secret.Keyring, network string) (note.Signer, error) {
	parts := strings.SplitN(VerifierKey(keys, network), "+", 3)
	seed := keys.SigningKey("audit-checkpoint/" + network).Seed()
	data := append([]byte{1}, seed...)
	return note.NewSigner("PRIVATE+KEY+" + parts[0] + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(data))
}

func newVerifier(keys *secret.Keyring, network string) (note.Verifier, error) {
	return note.NewVerifier(VerifierKey(keys, network))
}

// checkpointBody is a C2SP tlog-checkpoint body.
func checkpointBody(network string, size uint64, root []byte) string {
	return fmt.Sprintf("%s\n%d\n%s\n", Origin(network), size, base64.StdEncoding.EncodeToString(root))
}

func signCheckpoint(s note.Signer, network string, size uint64, root []byte) (string, error) {
	b, err := note.Sign(&note.Note{Text: checkpointBody(network, size, root)}, s)
	return string(b), err
}

// openCheckpoint verifies a signed checkpoint and returns its size and root.
func openCheckpoint(v note.Verifier, network, signed string) (size uint64, root []byte, err error) {
	n, err := note.Open([]byte(signed), note.VerifierList(v))
	if err != nil {
		return 0, nil, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != Origin(network) {
		return 0, nil, errors.New("not a checkpoint of this log")
	}
	if size, err = strconv.ParseUint(lines[1], 10, 64); err != nil {
		return 0, nil, errors.New("malformed tree size")
	}
	if root, err = base64.StdEncoding.DecodeString(lines[2]); err != nil || len(root) != sha256.Size {
		return 0, nil, errors.New("malformed root hash")
	}
	return size, root, nil
}
