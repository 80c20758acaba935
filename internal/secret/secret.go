// Package secret derives the installation's keys from one master key, given by file
// or environment and never stored beside the data it protects: the audit MAC key,
// the audit checkpoint signing keys, and the key that seals TOTP secrets at rest.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Keyring holds the master key.
type Keyring struct{ master []byte }

// MinKeyBytes is the shortest master key accepted.
const MinKeyBytes = 32

// New returns a keyring over a master key of at least 32 bytes.
func New(master []byte) (*Keyring, error) {
	if len(master) < MinKeyBytes {
		return nil, fmt.Errorf("master key must be at least %d bytes, got %d", MinKeyBytes, len(master))
	}
	return &Keyring{master: append([]byte(nil), master...)}, nil
}

// Parse reads a master key written as hex or base64 (as GenerateFile writes it).
func Parse(s string) (*Keyring, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil {
		return New(b)
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return New(b)
	}
	return nil, errors.New("master key must be hex or base64")
}

// LoadFile reads a master key file.
func LoadFile(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(string(b))
}

// GenerateFile writes a new random master key to path (mode 0600), refusing to
// overwrite an existing file.
func GenerateFile(path string) (*Keyring, error) {
	key := make([]byte, 32)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return New(key)
}

// Derive returns n bytes of key material for a named purpose (HKDF-SHA256).
func (k *Keyring) Derive(purpose string, n int) []byte {
	b, err := hkdf.Key(sha256.New, k.master, nil, "renraku/"+purpose, n)
	if err != nil {
		panic(err) // only for n out of range, a programming error
	}
	return b
}

// SigningKey returns the Ed25519 key for a purpose, e.g. "audit-checkpoint/beppu".
func (k *Keyring) SigningKey(purpose string) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(k.Derive("ed25519/"+purpose, ed25519.SeedSize))
}

func (k *Keyring) aead(purpose string) cipher.AEAD {
	block, err := aes.NewCipher(k.Derive("aead/"+purpose, 32))
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return g
}

// Seal encrypts plaintext for a purpose; aad binds it to its row (e.g. network/user).
func (k *Keyring) Seal(purpose string, plaintext, aad []byte) string {
	g := k.aead(purpose)
	nonce := make([]byte, g.NonceSize())
	rand.Read(nonce)
	return "v1:" + base64.RawStdEncoding.EncodeToString(g.Seal(nonce, nonce, plaintext, aad))
}

// Open decrypts what Seal produced.
func (k *Keyring) Open(purpose, sealed string, aad []byte) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return nil, errors.New("secret: unknown sealed format")
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return nil, err
	}
	g := k.aead(purpose)
	if len(b) < g.NonceSize() {
		return nil, errors.New("secret: sealed value too short")
	}
	return g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], aad)
}
