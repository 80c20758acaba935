package accounts

import (
	"strings"
	"testing"

	"renraku/internal/domain"
)

// The field checks answer with one Japanese message per field; each case says
// which message (or none) it expects and what value comes back.

const (
	lbl          = "氏名"
	msgRequired  = lbl + "を入力してください。"
	msgTooLong   = lbl + "は100文字以内で入力してください。"
	msgBadUTF8   = lbl + "に不正な文字コードが含まれています。"
	msgNewline   = lbl + "に改行やタブは使えません。"
	msgCtrl      = lbl + "に使用できない制御文字が含まれています。"
	msgMarkup    = lbl + "に使用できない文字（< >）が含まれています。"
	msgLoginRule = "IDは英小文字・数字・記号（. _ -）の4〜32文字で、英小文字か数字で始めてください。"
)

func TestText(t *testing.T) {
	hundred := strings.Repeat("あいうえお漢字カナ交", 10) // 100 characters, 300+ bytes
	if n := len([]rune(hundred)); n != 100 {
		t.Fatalf("fixture has %d characters", n)
	}
	tests := []struct {
		name      string
		v         string
		required  bool
		multiline bool
		wantV     string
		wantErr   string
	}{
		{"empty, required", "", true, false, "", msgRequired},
		{"blank, required", " \t\u3000 ", true, false, "", msgRequired},
		{"empty, optional", "", false, false, "", ""},
		{"trimmed", "  別府 花子\u3000", true, false, "別府 花子", ""},
		{"100 Japanese characters at max 100", hundred, true, false, hundred, ""},
		{"100 characters plus surrounding blanks", "  " + hundred + "\n", true, false, hundred, ""},
		{"101 Japanese characters at max 100", hundred + "子", true, false, hundred + "子", msgTooLong},
		{"invalid UTF-8", "別府\xff花子", true, false, "", msgBadUTF8},
		{"truncated UTF-8", "別府花子"[:10], false, false, "", msgBadUTF8},
		{"newline, single line", "別府\n花子", true, false, "別府\n花子", msgNewline},
		{"carriage return, single line", "別府\r花子", true, false, "別府\r花子", msgNewline},
		{"tab, single line", "別府\t花子", true, false, "別府\t花子", msgNewline},
		{"newlines, multiline", "一行目\r\n二行目\n\t三行目", true, true, "一行目\r\n二行目\n\t三行目", ""},
		{"NUL", "別府\x00花子", true, true, "別府\x00花子", msgCtrl},
		{"bell", "別府\a花子", true, false, "別府\a花子", msgCtrl},
		{"DEL", "別府\x7f花子", true, false, "別府\x7f花子", msgCtrl},
		{"C1 control", "別府\u0085花子", true, true, "別府\u0085花子", msgCtrl},
		{"line separator", "別府\u2028花子", true, true, "別府\u2028花子", msgCtrl},
		{"byte order mark", "\ufeff別府花子", true, false, "\ufeff別府花子", msgCtrl},
		{"script tag", "<script>alert(1)</script>", true, false, "<script>alert(1)</script>", msgMarkup},
		{"script tag, multiline", "メモ\n<script>alert(1)</script>", true, true, "メモ\n<script>alert(1)</script>", msgMarkup},
		{"a lone >", "a > b", true, false, "a > b", msgMarkup},
		{"zenkaku brackets are text", "＜重要＞ 連絡", true, false, "＜重要＞ 連絡", ""},
		{"ampersand and quotes are text", `田中 & "佐藤" 's`, true, false, `田中 & "佐藤" 's`, ""},
	}
	for _, tt := range tests {
		errs := domain.FieldErrors{}
		got := text(errs, "name", lbl, tt.v, tt.required, 100, tt.multiline)
		if got != tt.wantV || errs["name"] != tt.wantErr {
			t.Errorf("%s: text(%q, required=%v, multiline=%v) = %q, error %q; want %q, error %q",
				tt.name, tt.v, tt.required, tt.multiline, got, errs["name"], tt.wantV, tt.wantErr)
		}
		if tt.wantErr == "" && len(errs) != 0 {
			t.Errorf("%s: unexpected errors %v", tt.name, errs)
		}
	}

	// A second error on a field keeps the first message.
	errs := domain.FieldErrors{}
	text(errs, "name", lbl, "", true, 100, false)
	text(errs, "name", lbl, "<b>", true, 100, false)
	if errs["name"] != msgRequired {
		t.Errorf("second error replaced the first: %q", errs["name"])
	}
	// Other maxima are spelled out in the message.
	for _, max := range []int{1, 9, 20, 254, 1000} {
		errs := domain.FieldErrors{}
		text(errs, "f", "欄", strings.Repeat("あ", max+1), true, max, false)
		want := "欄は" + itoaRef(max) + "文字以内で入力してください。"
		if errs["f"] != want {
			t.Errorf("max %d: error %q, want %q", max, errs["f"], want)
		}
	}
}

func itoaRef(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}

func TestPhone(t *testing.T) {
	const msgFormat = "電話番号は数字とハイフンで入力してください（例: 0977-21-1111）。"
	tests := []struct {
		v        string
		required bool
		wantV    string
		wantErr  string
	}{
		{"0977-21-1111", true, "0977-21-1111", ""},
		{"092-711-4111", true, "092-711-4111", ""},
		{"090 1234 5678", true, "090 1234 5678", ""},
		{"09012345678", true, "09012345678", ""},
		{"0977(21)1111", true, "0977(21)1111", ""},
		{"0977（21）1111", true, "0977（21）1111", ""},
		{"０９７７－２１－１１１１", true, "０９７７－２１－１１１１", ""}, // zenkaku digits and hyphen
		{"０９０１２３４５６７８", true, "０９０１２３４５６７８", ""},
		{" 0977-21-1111\n", true, "0977-21-1111", ""}, // trimmed
		{"", true, "", "電話番号を入力してください。"},
		{"", false, "", ""},
		{"12345678", true, "12345678", msgFormat}, // too few digits
		{"123456789", true, "123456789", ""},
		{"0977-21-1111-2222-3333", true, "0977-21-1111-2222-3333", "電話番号は20文字以内で入力してください。"},
		{"0977-21-abcd", true, "0977-21-abcd", msgFormat},
		{"+81-977-21-1111", true, "+81-977-21-1111", msgFormat},
		{"-0977-21-1111", true, "-0977-21-1111", msgFormat},
		{"0977-21-1111 内線12", true, "0977-21-1111 内線12", msgFormat},
		{"0977\n21-1111", true, "0977\n21-1111", "電話番号に改行やタブは使えません。"},
		{"0977-21-111\xff", true, "", "電話番号に不正な文字コードが含まれています。"},
		{"<0977-21-1111>", true, "<0977-21-1111>", "電話番号に使用できない文字（< >）が含まれています。"},
	}
	for _, tt := range tests {
		errs := domain.FieldErrors{}
		got := phone(errs, "phone", "電話番号", tt.v, tt.required)
		if got != tt.wantV || errs["phone"] != tt.wantErr {
			t.Errorf("phone(%q, required=%v) = %q, error %q; want %q, error %q",
				tt.v, tt.required, got, errs["phone"], tt.wantV, tt.wantErr)
		}
	}
}

func TestEmail(t *testing.T) {
	const msgFormat = "メールの形式が正しくありません（例: taro@example.jp）。"
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61) + ".jp"
	tests := []struct {
		v        string
		required bool
		wantErr  string
	}{
		{"taro@example.jp", true, ""},
		{"taro.yamada+care@sub.example.co.jp", true, ""},
		{"t_y-2026@example-city.lg.jp", true, ""},
		{" taro@example.jp ", true, ""},
		{"", true, "メールを入力してください。"},
		{"", false, ""},
		{"taro", true, msgFormat},
		{"taro@", true, msgFormat},
		{"@example.jp", true, msgFormat},
		{"taro@@example.jp", true, msgFormat},
		{"taro@localhost", true, msgFormat}, // no dot in the domain
		{"taro@example..jp", true, msgFormat},
		{".taro@example.jp", true, msgFormat},
		{"taro.@example.jp", true, msgFormat},
		{"taro @example.jp", true, msgFormat},
		{"taro@example.jp, hanako@example.jp", true, msgFormat},
		{`"taro yamada"@example.jp`, true, msgFormat},
		{"t@example.jp (Taro)", true, msgFormat}, // a comment is a display-name form too
		{`"Taro" t@example.jp`, true, msgFormat},
		{"=?UTF-8?B?5aSq6YOO?= t@example.jp", true, msgFormat},
		// Angle-address forms are refused by the markup rule before parsing.
		{"Taro <t@example.jp>", true, "メールに使用できない文字（< >）が含まれています。"},
		{"<t@example.jp>", true, "メールに使用できない文字（< >）が含まれています。"},
		{"太郎 <t@example.jp>", true, "メールに使用できない文字（< >）が含まれています。"},
		{"taro@example.jp\nBcc: x@example.jp", true, "メールに改行やタブは使えません。"},
		{"taro@exa\xffmple.jp", true, "メールに不正な文字コードが含まれています。"},
		{long, true, "メールは254文字以内で入力してください。"},
	}
	if n := len(long); n != 257 {
		t.Fatalf("long fixture is %d characters", n)
	}
	for _, tt := range tests {
		errs := domain.FieldErrors{}
		got := email(errs, "email", "メール", tt.v, tt.required)
		if errs["email"] != tt.wantErr {
			t.Errorf("email(%q) error %q, want %q", tt.v, errs["email"], tt.wantErr)
		}
		if tt.wantErr == "" && got != strings.TrimSpace(tt.v) {
			t.Errorf("email(%q) = %q, want it trimmed", tt.v, got)
		}
	}
}

func TestLoginID(t *testing.T) {
	tests := []struct {
		v       string
		wantV   string
		wantErr string
	}{
		{"tanaka.h", "tanaka.h", ""},
		{"abcd", "abcd", ""},                                   // 4: the shortest
		{"0977clinic", "0977clinic", ""},                       // may start with a digit
		{"t_y-2026.x", "t_y-2026.x", ""},                       // . _ - inside
		{strings.Repeat("a", 32), strings.Repeat("a", 32), ""}, // 32: the longest
		{"  tanaka  ", "tanaka", ""},
		{"tanaka\n", "tanaka", ""},
		{"abc", "abc", msgLoginRule},                                     // 3
		{strings.Repeat("a", 33), strings.Repeat("a", 33), msgLoginRule}, // 33
		{"", "", msgLoginRule},
		{"Tanaka", "Tanaka", msgLoginRule},
		{"TANAKA.H", "TANAKA.H", msgLoginRule},
		{"-tanaka", "-tanaka", msgLoginRule},
		{".tanaka", ".tanaka", msgLoginRule},
		{"_tanaka", "_tanaka", msgLoginRule},
		{"tana ka", "tana ka", msgLoginRule},
		{"tanaka@clinic", "tanaka@clinic", msgLoginRule},
		{"田中はなこ", "田中はなこ", msgLoginRule},
		{"ｔａｎａｋａ", "ｔａｎａｋａ", msgLoginRule}, // zenkaku letters
		{"tana\x00ka", "tana\x00ka", msgLoginRule},
		{"tana\xffka", "", "IDに不正な文字コードが含まれています。"},
	}
	for _, tt := range tests {
		errs := domain.FieldErrors{}
		got := loginID(errs, "login_id", tt.v)
		if got != tt.wantV || errs["login_id"] != tt.wantErr {
			t.Errorf("loginID(%q) = %q, error %q; want %q, error %q", tt.v, got, errs["login_id"], tt.wantV, tt.wantErr)
		}
	}
}

func TestNetworkID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"beppu", true},
		{"sendai-izumi", true},
		{"joso2", true},
		{"ab", true},
		{"a" + strings.Repeat("b", 31), true},  // 32
		{"a" + strings.Repeat("b", 32), false}, // 33
		{"", false},
		{"b", false},
		{"1beppu", false},
		{"-beppu", false},
		{"Beppu", false},
		{"beppu_city", false},
		{"beppu.city", false},
		{"beppu/city", false},
		{"beppu\n", false},
		{" beppu", false},
		{"べっぷ", false},
	}
	for _, tt := range tests {
		if got := ValidNetworkID(tt.id); got != tt.want {
			t.Errorf("ValidNetworkID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
