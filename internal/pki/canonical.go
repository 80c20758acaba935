package pki

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// canonicalTag opens every canonical form, so that bytes signed as one kind of
// thing cannot be read as another, and so a later format can be told apart.
const canonicalTag = "renraku-canonical/v1"

// Field is one named value of a canonical form.
type Field struct {
	Name  string
	Value string
}

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_.-]*$`)

// String is a text field, taken byte for byte: no Unicode normalization, line
// breaks kept as stored.
func String(name, value string) Field { return Field{Name: name, Value: value} }

// Time is a time field in UTC, RFC 3339 with as many fraction digits as needed
// (time.RFC3339Nano: "2025-04-01T00:30:15.123456Z").
func Time(name string, t time.Time) Field {
	return Field{Name: name, Value: t.UTC().Format(time.RFC3339Nano)}
}

// Int is an integer field in decimal.
func Int(name string, n int64) Field { return Field{Name: name, Value: strconv.FormatInt(n, 10)} }

// Set is a field that holds several values (attachment hashes): one field of the
// same name per value. Canonical sorts them, so their order does not matter.
func Set(name string, values ...string) []Field {
	out := make([]Field, len(values))
	for i, v := range values {
		out[i] = Field{Name: name, Value: v}
	}
	return out
}

// Canonical encodes fields deterministically (see the package comment): the tag,
// then each field as the netstrings of its name and value, fields sorted by name
// and then by value, byte order. It panics on a field name outside [a-z0-9_.-]
// (starting with a letter): names are constants of the calling code.
func Canonical(fields ...Field) []byte {
	fs := slices.Clone(fields)
	n := len(canonicalTag) + 16
	for _, f := range fs {
		if !fieldName.MatchString(f.Name) {
			panic("pki: canonical field name " + strconv.Quote(f.Name) + " is not [a-z][a-z0-9_.-]*")
		}
		n += len(f.Name) + len(f.Value) + 24
	}
	slices.SortFunc(fs, func(a, b Field) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	b := make([]byte, 0, n)
	b = netstring(b, canonicalTag)
	for _, f := range fs {
		b = netstring(b, f.Name)
		b = netstring(b, f.Value)
	}
	return b
}

// netstring appends s as a netstring: its length in bytes in decimal, ":", s, ",".
func netstring(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, ',')
}
