// Package domain holds the types every capability shares: networks, organizations,
// users, sessions, and the one error vocabulary that the HTTP surfaces map to status
// codes, RFC 9457 problem details and Japanese messages.
package domain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Code is the error vocabulary. It is mapped to HTTP exactly once (web and api).
type Code string

const (
	ENOTFOUND     Code = "not_found"
	EINVALID      Code = "invalid"
	EFORBIDDEN    Code = "forbidden"
	ECONFLICT     Code = "conflict"
	EUNAVAILABLE  Code = "unavailable"
	EUNAUTHORIZED Code = "unauthorized"
	ELIMITED      Code = "rate_limited"
	EINTERNAL     Code = "internal"
)

// Error is an error a user can be told about. Message is Japanese and safe to show;
// Fields maps a form field to its Japanese message; Problem names a more precise
// problem type (for example "password-change-required") for API clients.
type Error struct {
	Code    Code
	Problem string
	Message string
	Fields  map[string]string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Problem != "" {
		b.WriteString("/" + e.Problem)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " [%s: %s]", k, e.Fields[k])
		}
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a Japanese message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Problem builds an *Error carrying a precise problem type.
func Problem(code Code, problem, message string) *Error {
	return &Error{Code: code, Problem: problem, Message: message}
}

// ErrorCode returns the code of err, EINTERNAL for unknown errors.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// FieldErrors collects per-field validation messages.
type FieldErrors map[string]string

// Add records msg for field unless one is already recorded.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when empty, else an EINVALID *Error.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "入力内容に誤りがあります。各項目のメッセージを確認してください。", Fields: map[string]string(f)}
}

// ErrNotFound is the plain not-found error.
var ErrNotFound = &Error{Code: ENOTFOUND, Message: "見つかりません。"}

// ErrForbidden is the plain denial; the reason is audited, not shown.
var ErrForbidden = &Error{Code: EFORBIDDEN, Message: "この操作を行う権限がありません。"}

// HTTPStatus maps the error vocabulary to an HTTP status; the web UI and the API
// both use it, so the mapping lives here once.
func HTTPStatus(err error) int {
	switch ErrorCode(err) {
	case ENOTFOUND:
		return 404
	case EINVALID:
		return 422
	case EFORBIDDEN:
		return 403
	case ECONFLICT:
		return 409
	case EUNAVAILABLE:
		return 503
	case EUNAUTHORIZED:
		return 401
	case ELIMITED:
		return 429
	}
	return 500
}

// PublicMessage is the Japanese message to show for err; internal errors get a
// generic message (their detail goes to the log, never to the user).
func PublicMessage(err error) string {
	if e := AsError(err); e != nil && e.Message != "" && e.Code != EINTERNAL {
		return e.Message
	}
	return "システムエラーが発生しました。時間をおいて再度お試しください。解決しない場合は運営者にお問い合わせください。"
}
