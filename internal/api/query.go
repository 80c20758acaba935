package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// queryEnum reads an optional query parameter that takes one of a few values.
func queryEnum(r *http.Request, name string, values ...string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" || slices.Contains(values, v) {
		return v, nil
	}
	msg := "「" + strings.Join(values, "」「") + "」のいずれかを指定してください。"
	return "", badRequest(fmt.Sprintf("クエリパラメータ %s が正しくありません。%s", name, msg), name, msg)
}

// queryText reads an optional free-text query parameter of at most max characters.
func queryText(r *http.Request, name string, max int) (string, error) {
	v := r.URL.Query().Get(name)
	msg := ""
	switch {
	case !utf8.ValidString(v):
		msg = "UTF-8として正しくない文字が含まれています。"
	case utf8.RuneCountInString(v) > max:
		msg = fmt.Sprintf("%d文字以内で指定してください。", max)
	case strings.ContainsFunc(v, unicode.IsControl):
		msg = "制御文字は使えません。"
	}
	if msg != "" {
		return "", badRequest(fmt.Sprintf("クエリパラメータ %s が正しくありません。%s", name, msg), name, msg)
	}
	return strings.TrimSpace(v), nil
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || len(v) > 9 {
		msg := "0以上の整数で指定してください。"
		return 0, badRequest(fmt.Sprintf("クエリパラメータ %s が正しくありません。%s", name, msg), name, msg)
	}
	return n, nil
}
