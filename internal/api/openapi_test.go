package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"renraku/internal/api"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

func apiRoutes() []struct{ Method, Path string } {
	var out []struct{ Method, Path string }
	for _, rt := range api.RouteTable {
		out = append(out, struct{ Method, Path string }{rt.Method, rt.Path})
	}
	return out
}

// openAPI is the parsed openapi.json.
type openAPI map[string]any

var (
	docOnce sync.Once
	doc     openAPI
	docErr  error
)

func loadDoc(t *testing.T) openAPI {
	t.Helper()
	docOnce.Do(func() {
		b, err := os.ReadFile("openapi.json")
		if err != nil {
			docErr = err
			return
		}
		docErr = json.Unmarshal(b, &doc)
	})
	if docErr != nil {
		t.Fatalf("openapi.json: %v", docErr)
	}
	return doc
}

func (d openAPI) obj(v any, path ...string) map[string]any {
	if o, ok := v.(openAPI); ok {
		v = map[string]any(o)
	}
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	m, _ := v.(map[string]any)
	return m
}

// resolve follows a local $ref.
func (d openAPI) resolve(v map[string]any) map[string]any {
	for i := 0; v != nil && i < 10; i++ {
		r, ok := v["$ref"].(string)
		if !ok {
			return v
		}
		v = d.obj(map[string]any(d), strings.Split(strings.TrimPrefix(r, "#/"), "/")...)
	}
	return v
}

// operation returns the document's operation for a route, or nil.
func (d openAPI) operation(method, path string) map[string]any {
	return d.obj(d["paths"], path, strings.ToLower(method))
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIMatchesRoutes keeps openapi.json and routes.go in step: the same set of
// (method, path); a request body schema exactly where a route takes a body, with
// the same members as the handler's request type and no others allowed; no
// security on the public routes; every path parameter declared; every $ref
// resolvable. (The walk tests also check every response against the document.)
func TestOpenAPIMatchesRoutes(t *testing.T) {
	d := loadDoc(t)
	if v, _ := d["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", v)
	}
	if d.obj(d, "components", "securitySchemes", "bearerAuth")["scheme"] != "bearer" {
		t.Error("no bearerAuth security scheme")
	}
	if d.obj(d, "components", "schemas", "Problem") == nil {
		t.Error("no Problem schema")
	}

	var documented, registered []string
	for path, item := range d.obj(d["paths"]) {
		for m := range item.(map[string]any) {
			if slices.Contains(httpMethods, m) {
				documented = append(documented, strings.ToUpper(m)+" "+path)
			}
		}
	}
	for _, rt := range api.RouteTable {
		registered = append(registered, rt.Method+" "+rt.Path)
	}
	sort.Strings(documented)
	sort.Strings(registered)
	if !slices.Equal(documented, registered) {
		for _, r := range registered {
			if !slices.Contains(documented, r) {
				t.Errorf("route %s is not in openapi.json", r)
			}
		}
		for _, r := range documented {
			if !slices.Contains(registered, r) {
				t.Errorf("openapi.json documents %s, which routes.go does not register", r)
			}
		}
	}

	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, rt := range api.RouteTable {
		name := rt.Method + " " + rt.Path
		op := d.operation(rt.Method, rt.Path)
		if op == nil {
			continue
		}
		if id, _ := op["operationId"].(string); id == "" {
			t.Errorf("%s: no operationId", name)
		}
		if len(d.obj(op, "responses")) == 0 {
			t.Errorf("%s: no responses", name)
		}
		sec, hasSec := op["security"].([]any)
		if rt.Public != (hasSec && len(sec) == 0) {
			t.Errorf("%s: public=%t but security override %v", name, rt.Public, op["security"])
		}
		var declared []string
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			p := d.resolve(p.(map[string]any))
			if p["in"] == "path" {
				declared = append(declared, p["name"].(string))
			}
		}
		for _, m := range param.FindAllStringSubmatch(rt.Path, -1) {
			if !slices.Contains(declared, m[1]) {
				t.Errorf("%s: path parameter %s is not declared", name, m[1])
			}
		}

		body := d.resolve(d.obj(op, "requestBody", "content", "application/json", "schema"))
		if rt.Body == nil {
			if op["requestBody"] != nil {
				t.Errorf("%s takes no body but the document describes one", name)
			}
			continue
		}
		if body == nil {
			t.Errorf("%s: no application/json request body schema", name)
			continue
		}
		if body["additionalProperties"] != false {
			t.Errorf("%s: the request schema must say additionalProperties: false (unknown members are refused)", name)
		}
		var want, got []string
		for f := range api.JSONFields(reflect.TypeOf(rt.Body)) {
			want = append(want, f)
		}
		for f := range d.obj(body, "properties") {
			got = append(got, f)
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s: request members %v in openapi.json, %v in the handler", name, got, want)
		}
		req, _ := body["required"].([]any)
		for _, r := range req {
			if !slices.Contains(want, r.(string)) {
				t.Errorf("%s: required member %v does not exist", name, r)
			}
		}
	}

	// Every $ref resolves.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok && d.resolve(v) == nil {
				t.Errorf("%s: $ref %s does not resolve", at, r)
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(map[string]any(d), "#")
}

// TestOpenAPIServed: the document is served as JSON to anyone.
func TestOpenAPIServed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		c := newClient(t, testenv.New(t, db))
		var served map[string]any
		c.do("GET", "/api/v1/openapi.json", "", nil).ok(t, http.StatusOK, &served)
		if served["openapi"] != loadDoc(t)["openapi"] {
			t.Errorf("served document differs")
		}
	})
}

// conform checks a JSON value against a schema of the document: the types, the
// enums, the required members, and that an object has no member the schema does
// not list. It returns what does not match.
func (d openAPI) conform(schema map[string]any, v any, at string) []string {
	schema = d.resolve(schema)
	if schema == nil {
		return nil
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		var all []string
		for _, a := range alts {
			errs := d.conform(a.(map[string]any), v, at)
			if len(errs) == 0 {
				return nil
			}
			all = append(all, errs...)
		}
		return []string{at + ": matches no alternative: " + strings.Join(all, "; ")}
	}
	var types []string
	switch ty := schema["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	kind := jsonKind(v)
	if len(types) > 0 && !slices.Contains(types, kind) && !(kind == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: %s, want %v", at, kind, types)}
	}
	var errs []string
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	switch v := v.(type) {
	case map[string]any:
		props := d.obj(schema, "properties")
		if props != nil {
			for k, x := range v {
				p, ok := props[k].(map[string]any)
				if !ok {
					errs = append(errs, at+"."+k+": not in the document")
					continue
				}
				errs = append(errs, d.conform(p, x, at+"."+k)...)
			}
		} else if ap, ok := schema["additionalProperties"].(map[string]any); ok {
			for k, x := range v {
				errs = append(errs, d.conform(ap, x, at+"."+k)...)
			}
		}
		req, _ := schema["required"].([]any)
		for _, r := range req {
			if _, ok := v[r.(string)]; !ok {
				errs = append(errs, at+"."+r.(string)+": required but missing")
			}
		}
	case []any:
		if items := d.obj(schema, "items"); items != nil {
			for i, x := range v {
				errs = append(errs, d.conform(items, x, at+"["+strconv.Itoa(i)+"]")...)
			}
		}
	}
	return errs
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// checkDocumented checks a response against the document: its status is one the
// operation lists, and its JSON body conforms to the schema given for it.
func checkDocumented(t *testing.T, pattern string, res *response) {
	t.Helper()
	d := loadDoc(t)
	method, path, _ := strings.Cut(pattern, " ")
	op := d.operation(method, path)
	var schema map[string]any
	switch {
	case op != nil:
		r := d.resolve(d.obj(op, "responses", strconv.Itoa(res.Status)))
		if r == nil && res.Status >= 500 {
			r = d.resolve(d.obj(op, "responses", "default"))
		}
		if r == nil {
			t.Errorf("%s answered %d, which openapi.json does not list: %s", pattern, res.Status, res.Body)
			return
		}
		ct := strings.TrimSpace(strings.Split(res.Header.Get("Content-Type"), ";")[0])
		content := d.obj(r, "content")
		if len(content) == 0 {
			if len(res.Body) > 0 {
				t.Errorf("%s %d: a body the document does not describe: %s", pattern, res.Status, res.Body)
			}
			return
		}
		if schema = d.obj(content, ct, "schema"); schema == nil {
			t.Errorf("%s %d: Content-Type %q is not documented", pattern, res.Status, ct)
			return
		}
		if schema["contentMediaType"] == ct {
			return // a file (the scanned consent form), not JSON
		}
	case res.Status >= 400: // an unmatched path or method: a problem all the same
		schema = d.obj(d, "components", "schemas", "Problem")
	default:
		return
	}
	var v any
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Errorf("%s %d: body is not JSON: %v", pattern, res.Status, err)
		return
	}
	for _, e := range d.conform(schema, v, "body") {
		t.Errorf("%s %d: %s", pattern, res.Status, e)
	}
}
