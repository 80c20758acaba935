package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// maxBody bounds every request body.
const maxBody = 64 << 10

// decodeJSON reads a required JSON object body strictly into dst, a pointer to a
// struct whose fields carry json tags. The shape is checked here (400 naming the
// field or byte offset); the values are checked by the service (422).
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := checkMediaType(r); err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("リクエスト本文がありません。JSONオブジェクトを送ってください。", "", "")
	}
	return parseJSON(body, dst)
}

// noBody checks the body of a route that takes none: empty, or an empty JSON object.
func noBody(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := checkMediaType(r); err != nil {
		return err
	}
	return parseJSON(body, &struct{}{})
}

func checkMediaType(r *http.Request) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mt == "application/json" {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return &requestError{status: http.StatusUnsupportedMediaType, problem: "unsupported-media-type",
		detail: "Content-Type は application/json（文字コードは UTF-8）にしてください。"}
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, problem: "request-too-large",
			detail: fmt.Sprintf("リクエスト本文は%dKiB以内にしてください。", maxBody>>10)}
	}
	if err != nil {
		return nil, badRequest("リクエスト本文を読み取れませんでした。", "", "")
	}
	return b, nil
}

// parseJSON decodes one JSON object into dst. Beyond what encoding/json checks it
// refuses invalid UTF-8 (which encoding/json would silently replace), members
// whose names are not exactly a field's (encoding/json matches them without
// regard to case), duplicate members, null values and trailing data.
func parseJSON(body []byte, dst any) error {
	fields := jsonFields(reflect.TypeOf(dst).Elem())
	badByte := -1
	if !utf8.Valid(body) {
		badByte = firstInvalidUTF8(body)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return syntaxError(err, body)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return badRequest("リクエスト本文はJSONオブジェクト（{ … }）にしてください。", "", "")
	}
	seen := map[string]bool{}
	for dec.More() {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return syntaxError(err, body)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return syntaxError(err, body)
		}
		if badByte >= 0 && int64(badByte) >= start && int64(badByte) < dec.InputOffset() {
			return badRequest(fmt.Sprintf("「%s」にUTF-8として正しくないバイトがあります（先頭から%dバイト目）。", name, badByte+1),
				name, "UTF-8として正しくないバイトが含まれています。")
		}
		typ, known := fields[name]
		if !known {
			return badRequest(fmt.Sprintf("「%s」という項目はありません。項目名は大文字・小文字も含めて正確に指定してください。", name),
				name, "この項目はありません。")
		}
		if seen[name] {
			return badRequest(fmt.Sprintf("「%s」が2回以上指定されています。", name), name, "2回以上指定されています。")
		}
		seen[name] = true
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			msg := typeName(typ) + "で指定してください（nullは使えません）。"
			return badRequest(fmt.Sprintf("「%s」は%s", name, msg), name, msg)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return syntaxError(err, body)
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(body[end:], " \t\r\n"); len(rest) > 0 {
		off := len(body) - len(rest)
		return badRequest(fmt.Sprintf("JSONオブジェクトの後に余分なデータがあります（先頭から%dバイト目）。", off+1), "", "")
	}
	if badByte >= 0 { // outside any member, e.g. between members
		return badRequest(fmt.Sprintf("リクエスト本文にUTF-8として正しくないバイトがあります（先頭から%dバイト目）。", badByte+1), "", "")
	}

	full := json.NewDecoder(bytes.NewReader(body))
	full.DisallowUnknownFields()
	if err := full.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			name := te.Field
			if i := strings.IndexAny(name, ".["); i >= 0 {
				name = name[:i]
			}
			want := typeName(fields[name]) + "で指定してください"
			return badRequest(fmt.Sprintf("「%s」は%s（先頭から%dバイト目）。", name, want, te.Offset), name, want+"。")
		}
		return syntaxError(err, body)
	}
	return nil
}

func syntaxError(err error, body []byte) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("JSONの構文が正しくありません（先頭から%dバイト目）。", se.Offset), "", "")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest(fmt.Sprintf("JSONが途中で終わっています（%dバイト）。", len(body)), "", "")
	}
	return badRequest("JSONを読み取れませんでした。", "", "")
}

// jsonFields maps the JSON member names of a struct type to their field types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// typeName says in Japanese what JSON type a field takes.
func typeName(t reflect.Type) string {
	if t == nil {
		return "正しい型"
	}
	switch t.Kind() {
	case reflect.String:
		return "文字列"
	case reflect.Bool:
		return "真偽値（true または false）"
	case reflect.Int, reflect.Int64:
		return "整数"
	case reflect.Slice:
		return typeName(t.Elem()) + "の配列"
	}
	return "正しい型"
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}
