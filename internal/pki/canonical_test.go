package pki

import (
	"bytes"
	"testing"
	"time"
)

func TestCanonicalExample(t *testing.T) {
	// The example of the package comment.
	got := Canonical(String("text", "体温37.2"), String("author", "u1"))
	want := "20:renraku-canonical/v1,6:author,2:u1,4:text,10:体温37.2,"
	if string(got) != want {
		t.Errorf("Canonical = %q, want %q", got, want)
	}
}

func TestCanonicalDeterministic(t *testing.T) {
	at := time.Date(2025, 4, 1, 9, 30, 15, 123456000, time.FixedZone("JST", 9*60*60))
	fields := []Field{
		String("entry", "e1"), String("person", "p1"), String("category", "治療経過"),
		String("text", "訪問しました。\r\n血圧 132/84\n"), String("author", "u1"), Time("created_at", at),
	}
	fields = append(fields, Set("attachment", "sha256:bb", "sha256:aa", "sha256:cc")...)
	a := Canonical(fields...)
	// Another order of the same fields (and of the set) gives the same bytes.
	rev := make([]Field, len(fields))
	for i, f := range fields {
		rev[len(fields)-1-i] = f
	}
	if b := Canonical(rev...); !bytes.Equal(a, b) {
		t.Errorf("order changed the canonical form:\n%q\n%q", a, b)
	}
	want := "20:renraku-canonical/v1," +
		"10:attachment,9:sha256:aa,10:attachment,9:sha256:bb,10:attachment,9:sha256:cc," +
		"6:author,2:u1,8:category,12:治療経過," +
		"10:created_at,27:2025-04-01T00:30:15.123456Z," +
		"5:entry,2:e1,6:person,2:p1," +
		"4:text,37:訪問しました。\r\n血圧 132/84\n,"
	if string(a) != want {
		t.Errorf("Canonical =\n%q\nwant\n%q", a, want)
	}
}

func TestCanonicalUnambiguous(t *testing.T) {
	// Pairs that a naive concatenation would confuse.
	pairs := [][2][]Field{
		{{String("a", "bc")}, {String("ab", "c")}},
		{{String("a", "1,1:b")}, {String("a", "1"), String("b", "")}},
		{{String("a", "")}, {}},
		{{String("a", "x"), String("a", "y")}, {String("a", "xy")}},
		{{String("t", "a\n")}, {String("t", "a\r\n")}},
	}
	for _, p := range pairs {
		if bytes.Equal(Canonical(p[0]...), Canonical(p[1]...)) {
			t.Errorf("%v and %v encode the same", p[0], p[1])
		}
	}
}

func TestCanonicalTimeIsUTC(t *testing.T) {
	jst := time.FixedZone("JST", 9*60*60)
	a := Time("at", time.Date(2025, 4, 1, 9, 0, 0, 0, jst))
	b := Time("at", time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	if a != b || a.Value != "2025-04-01T00:00:00Z" {
		t.Errorf("Time = %v and %v, want both 2025-04-01T00:00:00Z", a, b)
	}
}

func TestCanonicalBadName(t *testing.T) {
	for _, name := range []string{"", "Text", "1a", "a b", "a:b", "名前"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Canonical accepted the field name %q", name)
				}
			}()
			Canonical(String(name, "v"))
		}()
	}
}
