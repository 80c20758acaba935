package accounts

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"renraku/internal/domain"
	"renraku/internal/profile"
)

// Argon2Params are the argon2id cost parameters; they are recorded in each hash
// (PHC string), so raising them later keeps old hashes verifiable.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 follows the OWASP recommendation band for argon2id.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 2, Threads: 2}

// TestArgon2 is cheap, for tests only.
var TestArgon2 = Argon2Params{Memory: 1024, Time: 1, Threads: 1}

func hashPassword(p Argon2Params, password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 {
		return false
	}
	// A stored hash is data: bound its parameters so a damaged or planted row can
	// neither crash argon2 nor make one login allocate gigabytes.
	if t < 1 || t > 10 || p < 1 || m < 8*uint32(p) || m > 1<<20 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

//go:embed testdata/common-passwords.txt
var commonPasswordList string

// trimTail drops trailing digits and symbols: "beppu2026!" and "beppu123" are the
// same guess.
func trimTail(s string) string { return strings.TrimRight(s, "0123456789!@#$%&*?.-_") }

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			w = strings.ToLower(w)
			m[w] = true
			if base := trimTail(w); utf8.RuneCountInString(base) >= 4 {
				m[base] = true
			}
		}
	}
	return m
}()

// MaxPasswordLength bounds the work argon2 does on attacker-chosen input.
const MaxPasswordLength = 128

// CheckPasswordPolicy applies the MHLW guideline 6.0 rule the profile chose and
// refuses guessable passwords (sendai §19-4, beppu §12-3: 容易に推測されない).
func CheckPasswordPolicy(pp profile.PasswordPolicy, loginID, displayName, pw string) string {
	if !utf8.ValidString(pw) {
		return "パスワードに不正な文字コードが含まれています。"
	}
	n := utf8.RuneCountInString(pw)
	if n < pp.MinLength {
		return fmt.Sprintf("パスワードは%d文字以上にしてください。", pp.MinLength)
	}
	if n > MaxPasswordLength {
		return fmt.Sprintf("パスワードは%d文字以内にしてください。", MaxPasswordLength)
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return "パスワードに制御文字は使えません。"
		}
	}
	lower := strings.ToLower(pw)
	if loginID != "" && strings.Contains(lower, strings.ToLower(loginID)) {
		return "パスワードにIDを含めないでください。"
	}
	if displayName != "" {
		for _, part := range strings.Fields(displayName) {
			if utf8.RuneCountInString(part) >= 2 && strings.Contains(lower, strings.ToLower(part)) {
				return "パスワードに氏名を含めないでください。"
			}
		}
	}
	if commonPasswords[lower] || commonPasswords[trimTail(lower)] {
		return "よく使われるパスワードのため使えません。推測されにくいものにしてください。"
	}
	if repetitive(pw) {
		return "同じ文字の繰り返しや連続した文字（例: aaaa, 1234）が多すぎます。"
	}
	if pp.RequireMixed && classes(pw) < 3 {
		return "英大文字・英小文字・数字・記号のうち3種類以上を組み合わせてください。"
	}
	return ""
}

// repetitive: one character makes up half the password, or it is mostly a run
// of consecutive characters (abcd, 4321).
func repetitive(pw string) bool {
	rs := []rune(pw)
	counts := map[rune]int{}
	for _, r := range rs {
		counts[r]++
		if counts[r]*2 >= len(rs) {
			return true
		}
	}
	run, longest := 1, 1
	for i := 1; i < len(rs); i++ {
		d := rs[i] - rs[i-1]
		if d == 1 || d == -1 || d == 0 {
			run++
		} else {
			run = 1
		}
		longest = max(longest, run)
	}
	return longest*2 > len(rs) || longest >= 6
}

func classes(pw string) int {
	var u, l, d, s int
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			u = 1
		case unicode.IsLower(r):
			l = 1
		case unicode.IsDigit(r):
			d = 1
		default:
			s = 1
		}
	}
	return u + l + d + s
}

var errBadCredentials = &domain.Error{Code: domain.EUNAUTHORIZED, Problem: "invalid-credentials",
	Message: "IDまたはパスワードが正しくありません。"}
