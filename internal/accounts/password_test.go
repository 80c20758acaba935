package accounts

import (
	"strings"
	"testing"

	"renraku/internal/profile"
)

// The messages CheckPasswordPolicy gives; each case names the rule it expects to
// fire, so a password refused for the wrong reason fails too.
const (
	msgEncoding  = "パスワードに不正な文字コードが含まれています。"
	msgShort8    = "パスワードは8文字以上にしてください。"
	msgShort13   = "パスワードは13文字以上にしてください。"
	msgLong      = "パスワードは128文字以内にしてください。"
	msgControl   = "パスワードに制御文字は使えません。"
	msgLoginID   = "パスワードにIDを含めないでください。"
	msgName      = "パスワードに氏名を含めないでください。"
	msgCommon    = "よく使われるパスワードのため使えません。推測されにくいものにしてください。"
	msgRepeat    = "同じ文字の繰り返しや連続した文字（例: aaaa, 1234）が多すぎます。"
	msgMixed     = "英大文字・英小文字・数字・記号のうち3種類以上を組み合わせてください。"
	passphraseJA = "さくら並木を歩く2026春"
)

// TestPasswordPolicy: MHLW guideline 6.0 as the profiles choose it (SPEC §2:
// 8+ characters with a second factor, 13+ mixed without), and the seeds'
// "not guessable" (sendai §19-4, beppu §12-3, fukuoka §12-3).
func TestPasswordPolicy(t *testing.T) {
	// Every seed profile requires TOTP, so 8 characters suffice.
	totp := profile.MustGet("beppu").Password
	if totp.MinLength != 8 || !totp.RequireTOTP || totp.RequireMixed {
		t.Fatalf("beppu password policy = %+v, want 8 characters with TOTP, no mixed rule", totp)
	}
	// A deployment without a second factor: 13+ characters of three classes.
	mixed := profile.PasswordPolicy{MinLength: 13, RequireMixed: true, MaxFailures: 5, LockoutMinutes: 30}

	tests := []struct {
		name        string
		pp          profile.PasswordPolicy
		login, disp string
		pw          string
		want        string // "" = accepted
	}{
		// Length, counted in characters.
		{"empty", totp, "tanaka.h", "田中 花子", "", msgShort8},
		{"7 characters", totp, "tanaka.h", "田中 花子", "k7#Qm2x", msgShort8},
		{"exactly 8", totp, "tanaka.h", "田中 花子", "k7#Qm2xv", ""},
		{"7 kanji/kana are 21 bytes but 7 characters", totp, "", "", "さくら並木を歩", msgShort8},
		{"8 kanji/kana", totp, "", "", "さくら並木を歩く", ""},
		{"12 under the 13 rule", mixed, "", "", "Correct-hor7", msgShort13},
		{"exactly 13 mixed", mixed, "", "", "Tr0ub4dor&3xy", ""},
		{"128 characters", totp, "", "", strings.Repeat("さくら並木", 25) + "を歩く", ""},
		{"129 characters", totp, "", "", strings.Repeat("さくら並木", 25) + "を歩く春", msgLong},
		{"far too long", totp, "", "", strings.Repeat("k7#Qm2xv", 100), msgLong},

		// Encoding and control characters.
		{"invalid UTF-8", totp, "", "", "k7#Qm\xff2xv", msgEncoding},
		{"truncated UTF-8", totp, "", "", "k7#Qm2xvさ"[:10], msgEncoding},
		{"tab", totp, "", "", "correct\thorse7", msgControl},
		{"newline", totp, "", "", "correct horse\n7", msgControl},
		{"NUL", totp, "", "", "correct\x00horse7", msgControl},
		{"DEL", totp, "", "", "correct\x7fhorse7", msgControl},

		// The login ID, in any case.
		{"contains the login ID", totp, "tanaka.h", "", "Xy9tanaka.h!q", msgLoginID},
		{"contains the login ID in upper case", totp, "tanaka.h", "", "Xy9TANAKA.H!q", msgLoginID},
		{"is the login ID with digits", totp, "satoh", "", "satoh2026", msgLoginID},

		// Parts of the display name.
		{"contains the family name", totp, "", "田中 花子", "田中の庭で2026年", msgName},
		{"contains the given name", totp, "", "田中 花子", "2026年花子の春", msgName},
		{"contains a romaji name", totp, "", "Hanako Tanaka", "Hanako-2026-spring", msgName},
		{"contains a romaji name in another case", totp, "", "Hanako Tanaka", "hanako-2026-spring", msgName},
		{"one-character name parts are ignored", totp, "", "李 明", "李さんの庭で2026", ""},

		// Common passwords, also with trailing digits and symbols.
		{"password", totp, "", "", "password", msgCommon},
		{"Password123 in another case", totp, "", "", "Password123", msgCommon},
		{"12345678", totp, "", "", "12345678", msgCommon},
		{"qwerty plus a year", totp, "", "", "qwerty2026", msgCommon},
		{"iloveyou plus symbols", totp, "", "", "iloveyou!!", msgCommon},
		{"p@ssw0rd plus a year", totp, "", "", "p@ssw0rd2024", msgCommon},
		{"abcdefgh1 is abcdefgh plus a digit", totp, "", "", "abcdefgh1", msgCommon},
		// The list holds local words with digits (beppu123, fukuoka1, kaigo123);
		// the same word with another number is as guessable.
		{"the network's name plus a year", totp, "", "", "beppu2026", msgCommon},
		{"the city plus a year and a symbol", totp, "", "", "Fukuoka2026!", msgCommon},
		{"care vocabulary plus a year", totp, "", "", "kaigo2026", msgCommon},

		// Repetition and sequences.
		{"one character repeated", totp, "", "", "zzzzzzzz1", msgRepeat},
		{"half the password is one character", totp, "", "", "xxxx9y8z", msgRepeat},
		{"ascending letters", totp, "", "", "lmnopqrs7", msgRepeat},
		{"descending digits", totp, "", "", "9876543x", msgRepeat},
		{"a long run inside a long password", totp, "", "", "Qz!3456789#Wp", msgRepeat},
		{"short runs are fine", totp, "", "", "ab7Kq-yz4M", ""},

		// Good passphrases.
		{"Japanese passphrase", totp, "tanaka.h", "田中 花子", passphraseJA, ""},
		{"English passphrase", totp, "tanaka.h", "田中 花子", "correct horse battery staple", ""},

		// The mixed-class rule (at least three of upper, lower, digit, symbol).
		{"lower only", mixed, "", "", "correcthorsebattery", msgMixed},
		{"lower and digits", mixed, "", "", "correcthorse12", msgMixed},
		{"upper, lower, digits", mixed, "", "", "CorrectHorse12", ""},
		{"all four classes", mixed, "", "", "Correct-horse-7", ""},
		// Kana and kanji count as neither letter class: with digits that is two.
		{"Japanese with digits is two classes", mixed, "", "", passphraseJA, msgMixed},
		{"Japanese with Latin letters and digits", mixed, "", "", "さくら並木を歩くSpring2026", ""},
		{"the mixed rule is off with TOTP", totp, "", "", "correcthorsebattery", ""},
	}
	for _, tt := range tests {
		if got := CheckPasswordPolicy(tt.pp, tt.login, tt.disp, tt.pw); got != tt.want {
			t.Errorf("%s: CheckPasswordPolicy(min %d mixed %v, id %q, name %q, %q) = %q, want %q",
				tt.name, tt.pp.MinLength, tt.pp.RequireMixed, tt.login, tt.disp, tt.pw, got, orOK(tt.want))
		}
	}
}

func orOK(s string) string {
	if s == "" {
		return `"" (accepted)`
	}
	return s
}

// TestPasswordHash: argon2id in a PHC string (SPEC §2: a slow salted hash).
func TestPasswordHash(t *testing.T) {
	const pw = "さくら並木を歩く2026春"
	h := hashPassword(TestArgon2, pw)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q does not record argon2id v=19 and its parameters", h)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("hash %q: want a 16-byte salt and a 32-byte key in unpadded base64", h)
	}
	if !checkPassword(h, pw) {
		t.Fatal("checkPassword(hash of pw, pw) = false")
	}
	for _, wrong := range []string{"", "さくら並木を歩く2026夏", "さくら並木を歩く2026", pw + " ", strings.ToUpper("k7#qm2xv")} {
		if checkPassword(h, wrong) {
			t.Errorf("checkPassword accepted the wrong password %q", wrong)
		}
	}

	// Two hashes of one password differ (a fresh salt each time) and both verify.
	h2 := hashPassword(TestArgon2, pw)
	if h2 == h || strings.Split(h2, "$")[4] == parts[4] {
		t.Errorf("two hashes of the same password share their salt:\n%s\n%s", h, h2)
	}
	if !checkPassword(h2, pw) {
		t.Error("the second hash does not verify")
	}

	// The default cost is recorded in the hash and verifies.
	hd := hashPassword(DefaultArgon2, "k7#Qm2xv")
	if !strings.HasPrefix(hd, "$argon2id$v=19$m=65536,t=2,p=2$") || !checkPassword(hd, "k7#Qm2xv") {
		t.Errorf("default-cost hash %q does not round-trip", hd)
	}

	// A tampered or broken PHC string never verifies (and never panics).
	flip := func(s string) string { // change the first character of s
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	join := func(p ...string) string { return strings.Join(p, "$") }
	tampered := []struct{ name, enc string }{
		{"key changed", join("", parts[1], parts[2], parts[3], parts[4], flip(parts[5]))},
		{"salt changed", join("", parts[1], parts[2], parts[3], flip(parts[4]), parts[5])},
		{"memory changed", join("", parts[1], parts[2], "m=2048,t=1,p=1", parts[4], parts[5])},
		{"time changed", join("", parts[1], parts[2], "m=1024,t=2,p=1", parts[4], parts[5])},
		{"key truncated", join("", parts[1], parts[2], parts[3], parts[4], parts[5][:20])},
		{"argon2i", join("", "argon2i", parts[2], parts[3], parts[4], parts[5])},
		{"bcrypt-looking", "$2a$10$" + parts[5]},
		{"one field missing", join("", parts[1], parts[2], parts[3], parts[5])},
		{"extra field", h + "$x"},
		{"bad base64 salt", join("", parts[1], parts[2], parts[3], "!!!!", parts[5])},
		{"bad base64 key", join("", parts[1], parts[2], parts[3], parts[4], "!!!!")},
		{"garbage parameters", join("", parts[1], parts[2], "memory=lots", parts[4], parts[5])},
		{"empty", ""},
		{"plain text password", pw},
		{"empty key", join("", parts[1], parts[2], parts[3], parts[4], "")},
		{"zero time", join("", parts[1], parts[2], "m=1024,t=0,p=1", parts[4], parts[5])},
		{"zero threads", join("", parts[1], parts[2], "m=1024,t=1,p=0", parts[4], parts[5])},
		{"unknown version", join("", parts[1], "v=16", parts[3], parts[4], parts[5])},
	}
	for _, tc := range tampered {
		name, enc := tc.name, tc.enc
		ok, panicked := safeCheck(enc, pw)
		if panicked != "" {
			t.Errorf("%s: checkPassword(%q) panicked: %s", name, enc, panicked)
		} else if ok {
			t.Errorf("%s: checkPassword(%q, the right password) = true", name, enc)
		}
	}
}

func safeCheck(enc, pw string) (ok bool, panicked string) {
	defer func() {
		if r := recover(); r != nil {
			panicked = strings.TrimSpace(strings.SplitN(strings.TrimSpace(toString(r)), "\n", 2)[0])
		}
	}()
	return checkPassword(enc, pw), ""
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case error:
		return x.Error()
	}
	return "panic"
}
