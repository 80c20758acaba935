package validate

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"renraku/internal/domain"
)

// Kana checks a name in kana and returns it in full-width katakana with single
// spaces, so that 「やまだ　はなこ」 and 「ヤマダ ハナコ」 are the same person.
func Kana(errs domain.FieldErrors, field, label, v string, required bool) string {
	v = Text(errs, field, label, v, required, 50, false)
	if v == "" || errs[field] != "" {
		return v
	}
	var b strings.Builder
	space := false
	for _, r := range v {
		switch {
		case r == ' ' || r == '　':
			space = true
			continue
		case r >= 'ぁ' && r <= 'ゖ':
			r += 'ァ' - 'ぁ'
		case (r >= 'ァ' && r <= 'ヺ') || r == 'ー' || r == 'ヽ' || r == 'ヾ' || r == '・':
		default:
			errs.Add(field, label+"はひらがな又はカタカナで入力してください。")
			return v
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// Date checks a civil date "YYYY-MM-DD" within [min, max] (either may be "").
func Date(errs domain.FieldErrors, field, label, v string, required bool, min, max string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			errs.Add(field, label+"を入力してください。")
		}
		return ""
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil || t.Format("2006-01-02") != v {
		errs.Add(field, label+"は YYYY-MM-DD の形式の正しい日付で入力してください（例: 1940-04-01）。")
		return v
	}
	if min != "" && v < min {
		errs.Add(field, label+"は"+min+"以降の日付にしてください。")
	} else if max != "" && v > max {
		errs.Add(field, label+"は"+max+"以前の日付にしてください。")
	}
	return v
}

// Digits checks a number written in digits (full-width digits are converted),
// of exactly n digits when n > 0.
func Digits(errs domain.FieldErrors, field, label, v string, required bool, n int) string {
	v = Text(errs, field, label, v, required, 40, false)
	if v == "" || errs[field] != "" {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		case r == '-' || r == ' ':
		default:
			errs.Add(field, label+"は数字で入力してください。")
			return v
		}
	}
	out := b.String()
	if n > 0 && len(out) != n {
		errs.Add(field, label+"は"+strconv.Itoa(n)+"桁の数字です。")
	}
	return out
}

// InsuredSymbol checks a health-insurance 記号・番号: letters, digits, hyphen
// and the middle dot, up to 30 characters; full-width letters and digits become
// half-width.
func InsuredSymbol(errs domain.FieldErrors, field, label, v string, required bool) string {
	v = Text(errs, field, label, v, required, 30, false)
	if v == "" || errs[field] != "" {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		if r >= '！' && r <= '～' {
			r -= '！' - '!'
		}
		switch {
		case r < unicode.MaxASCII && (unicode.IsDigit(r) || unicode.IsLetter(r) || r == '-'):
			b.WriteRune(r)
		case r == '・' || r == ' ' || r == '　':
			b.WriteByte('-')
		default:
			errs.Add(field, label+"は英数字とハイフンで入力してください。")
			return v
		}
	}
	return b.String()
}
