package api

import (
	"strings"
	"testing"
)

// TestParseJSON covers the corners of strict decoding that the endpoint tables
// do not reach.
func TestParseJSON(t *testing.T) {
	type body struct {
		Name  string   `json:"name"`
		OK    bool     `json:"ok"`
		Items []string `json:"items"`
	}
	for _, c := range []struct {
		name, in string
		field    string // the field the error must name; "" for none
		detail   string // part of the detail; "" when the body is valid
	}{
		{"valid", `{"name":"a","ok":true,"items":["x"]}`, "", ""},
		{"valid, members omitted", ` {"name":"a"} ` + "\n", "", ""},
		{"trailing comma", `{"name":"a",}`, "", "構文"},
		{"missing comma", `{"name":"a" "ok":true}`, "", "構文"},
		{"byte order mark", "\xef\xbb\xbf{}", "", "構文"},
		{"second object", `{"name":"a"}{"name":"b"}`, "", "余分"},
		{"garbage after", `{"name":"a"} x`, "", "余分"},
		{"nested in a member", `{"name":{"x":1,"x":2}}`, "name", "文字列"},
		{"number for bool", `{"ok":1e999}`, "ok", "真偽値"},
		{"object for list", `{"items":{}}`, "items", "配列"},
		{"invalid UTF-8 in a name", "{\"na\xffme\":\"a\"}", "na\ufffdme", "UTF-8"},
		{"invalid UTF-8 between members", "{\"name\":\"a\",\xff\"ok\":true}", "", "構文"},
		{"escaped lone surrogate", `{"name":"\ud800"}`, "", ""},
		{"deep nesting", `{"items":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, "", "構文"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b body
			err := parseJSON([]byte(c.in), &b)
			if c.detail == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			re, ok := err.(*requestError)
			if !ok || re.status != 400 {
				t.Fatalf("got %v, want a 400", err)
			}
			if !strings.Contains(re.detail, c.detail) {
				t.Errorf("detail %q lacks %q", re.detail, c.detail)
			}
			if c.field != "" && re.fields[c.field] == "" {
				t.Errorf("fields %v lack %q", re.fields, c.field)
			}
		})
	}
}
