package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// NewID returns a random 16-character identifier (80 bits).
func NewID() string {
	var b [10]byte
	rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

// NewToken returns a random bearer/session token (256 bits) and its stored hash.
func NewToken() (token, hash string) {
	var b [32]byte
	rand.Read(b[:])
	token = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken is the only form in which tokens are stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewLoginID returns a temporary login ID (仮ID) such as "beppu-k7m2q9xa".
func NewLoginID(prefix string) string {
	var b [5]byte
	rand.Read(b[:])
	return strings.ToLower(prefix) + "-" + idEncoding.EncodeToString(b[:])
}

// NewTempPassword returns a temporary password (仮パスワード) of 16 characters from an
// alphabet without look-alike characters, so it can be read out on the phone.
func NewTempPassword() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
	out := make([]byte, 16)
	for i := range out {
		out[i] = alphabet[randIndex(len(alphabet))]
	}
	// Guarantee the mix the password policy asks for.
	out[0] = "ABCDEFGHJKLMNPQRSTUVWXYZ"[randIndex(24)]
	out[1] = "abcdefghijkmnpqrstuvwxyz"[randIndex(24)]
	out[2] = "23456789"[randIndex(8)]
	return string(out)
}

// randIndex returns a uniform random index below n (n <= 256) by rejection sampling.
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
