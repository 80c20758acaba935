// Package validate checks what people type: every rule returns a Japanese message
// for the form to show beside the field, and nothing invalid reaches a service.
package validate

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"renraku/internal/domain"
)

// Text checks one free-text field and returns it trimmed. Every rule gives a
// Japanese message that the form shows beside the field.
//   - invalid UTF-8, control characters (newlines only where multiline) and markup
//     (< and >) are refused: the UI escapes output anyway, but a name or address
//     containing a tag is a mistake or an attack, never data;
//   - length is counted in characters, not bytes.
func Text(errs domain.FieldErrors, field, label, v string, required bool, max int, multiline bool) string {
	if !utf8.ValidString(v) {
		errs.Add(field, label+"に不正な文字コードが含まれています。")
		return ""
	}
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			errs.Add(field, label+"を入力してください。")
		}
		return ""
	}
	if n := utf8.RuneCountInString(v); n > max {
		errs.Add(field, label+"は"+strconv.Itoa(max)+"文字以内で入力してください。")
		return v
	}
	for _, r := range v {
		if r == '\n' || r == '\r' || r == '\t' {
			if !multiline {
				errs.Add(field, label+"に改行やタブは使えません。")
				return v
			}
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			errs.Add(field, label+"に使用できない制御文字が含まれています。")
			return v
		}
		if r == '<' || r == '>' {
			errs.Add(field, label+"に使用できない文字（< >）が含まれています。")
			return v
		}
	}
	return v
}

var phoneRe = regexp.MustCompile(`^[0-9０-９][0-9０-９\-－()（） ]{8,18}$`)

func Phone(errs domain.FieldErrors, field, label, v string, required bool) string {
	v = Text(errs, field, label, v, required, 20, false)
	if v != "" && errs[field] == "" && !phoneRe.MatchString(v) {
		errs.Add(field, label+"は数字とハイフンで入力してください（例: 0977-21-1111）。")
	}
	return v
}

func Email(errs domain.FieldErrors, field, label, v string, required bool) string {
	v = Text(errs, field, label, v, required, 254, false)
	if v == "" || errs[field] != "" {
		return v
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndex(v, "@")+1:], ".") {
		errs.Add(field, label+"の形式が正しくありません（例: taro@example.jp）。")
	}
	return v
}

var loginIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{3,31}$`)

// LoginID checks a login ID chosen by a user: 4-32 lowercase letters, digits, . _ -.
func LoginID(errs domain.FieldErrors, field, v string) string {
	if !utf8.ValidString(v) {
		errs.Add(field, "IDに不正な文字コードが含まれています。")
		return ""
	}
	v = strings.TrimSpace(v)
	if !loginIDRe.MatchString(v) {
		errs.Add(field, "IDは英小文字・数字・記号（. _ -）の4〜32文字で、英小文字か数字で始めてください。")
	}
	return v
}

var networkIDRe = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)

// NetworkID reports whether id can name a network (it appears in URLs).
func NetworkID(id string) bool { return networkIDRe.MatchString(id) }
