package vitals

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func jst(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, tokyo)
}

// temperatures: three weeks of morning temperatures with a fever, and six
// days without records (a hospital stay) in the middle.
func temperatures() []Reading {
	var rs []Reading
	vals := []float64{36.4, 36.6, 36.5, 37.8, 38.4, 37.6, 36.9, 36.5, 36.4, 36.6, 36.7, 36.5, 36.3, 36.5, 36.6}
	day := 0
	for i, v := range vals {
		if i == 8 {
			day += 6
		}
		rs = append(rs, Reading{MeasuredAt: jst(2026, 11, 1, 9, 15).AddDate(0, 0, day), Temperature: v, Pulse: 70 + i})
		day++
	}
	return rs
}

// pressures: morning and evening home blood pressure for ten days, and one
// visit where only the temperature was taken.
func pressures() []Reading {
	var rs []Reading
	for d := 0; d < 10; d++ {
		rs = append(rs,
			Reading{MeasuredAt: jst(2026, 11, 10+d, 7, 0), Systolic: 138 + d%4*3, Diastolic: 84 + d%3*2, Pulse: 68},
			Reading{MeasuredAt: jst(2026, 11, 10+d, 19, 30), Systolic: 126 + d%5*2, Diastolic: 76 + d%2*4},
		)
	}
	rs[5].Systolic, rs[5].Diastolic = 162, 96 // a high morning
	return append(rs, Reading{MeasuredAt: jst(2026, 11, 15, 14, 0), Temperature: 36.6})
}

// spo2Day: SpO₂ every hour of one afternoon (a chest infection).
func spo2Day() []Reading {
	var rs []Reading
	for h := 0; h < 9; h++ {
		rs = append(rs, Reading{MeasuredAt: jst(2026, 11, 20, 12+h, 0), SpO2: []int{97, 96, 95, 93, 92, 94, 95, 96, 97}[h]})
	}
	return rs
}

// weights: monthly weight over two years.
func weights() []Reading {
	var rs []Reading
	w := 52.0
	for m := 0; m < 24; m++ {
		rs = append(rs, Reading{MeasuredAt: jst(2025, 1, 10, 10, 0).AddDate(0, m, 0), Weight: w})
		w += []float64{-0.3, 0.1, -0.5, 0.2}[m%4]
	}
	return rs
}

// glucoseMany: 300 readings, four a day.
func glucoseMany() []Reading {
	var rs []Reading
	for i := 0; i < 300; i++ {
		rs = append(rs, Reading{MeasuredAt: jst(2026, 9, 1, 7, 0).Add(time.Duration(i) * 6 * time.Hour), Glucose: 90 + (i*37)%120})
	}
	return rs
}

var goldens = []struct {
	name     string
	readings []Reading
	kind     string
	w, h     int
}{
	{"temperature_empty", nil, Temperature, 0, 0},
	{"temperature_one", []Reading{{MeasuredAt: jst(2026, 11, 22, 9, 30), Temperature: 36.8}}, Temperature, 0, 0},
	{"temperature_gap", temperatures(), Temperature, 0, 0},
	{"pulse", temperatures(), Pulse, 0, 0},
	{"blood_pressure", pressures(), BloodPressure, 0, 0},
	{"blood_pressure_narrow", pressures(), BloodPressure, 240, 180},
	{"blood_pressure_one", []Reading{{MeasuredAt: jst(2026, 11, 22, 9, 30), Systolic: 128, Diastolic: 82}}, BloodPressure, 0, 0},
	{"spo2_hours", spo2Day(), SpO2, 0, 0},
	{"weight_months", weights(), Weight, 480, 240},
	{"glucose_many", glucoseMany(), Glucose, 640, 320},
	{"unknown", temperatures(), "height", 0, 0},
}

func TestChartGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			got := Chart(g.readings, g.kind, g.w, g.h)
			path := filepath.Join("testdata", g.name+".svg")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; run go test -update and look at the diff", path)
			}
		})
	}
}

// wellFormed parses the SVG and returns its elements in order.
func wellFormed(t *testing.T, svg []byte) []xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var els []xml.StartElement
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return els
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			els = append(els, se.Copy())
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestChartProperties(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			svg := Chart(g.readings, g.kind, g.w, g.h)
			els := wellFormed(t, svg)
			root := els[0]
			if root.Name.Local != "svg" || attr(root, "role") != "img" || attr(root, "viewBox") == "" {
				t.Errorf("root element %v", root)
			}
			if els[1].Name.Local != "title" || els[2].Name.Local != "desc" {
				t.Errorf("title and desc must come first, got %s, %s", els[1].Name.Local, els[2].Name.Local)
			}
			ids := strings.Fields(attr(root, "aria-labelledby"))
			if len(ids) != 2 || attr(els[1], "id") != ids[0] || attr(els[2], "id") != ids[1] {
				t.Errorf("aria-labelledby %q does not name the title and desc", ids)
			}
			for _, e := range els {
				switch e.Name.Local {
				case "script", "style", "foreignObject", "a", "image", "use":
					t.Errorf("element <%s> in a chart", e.Name.Local)
				}
				for _, a := range e.Attr {
					if strings.HasPrefix(a.Name.Local, "on") || a.Name.Local == "style" || a.Name.Local == "href" {
						t.Errorf("attribute %s on <%s>", a.Name.Local, e.Name.Local)
					}
				}
			}
			// One point, with a tooltip, per measured value.
			want := 0
			for _, r := range g.readings {
				for _, s := range mustSeries(g.kind) {
					if _, ok := r.Value(s.m.Key); ok {
						want++
					}
				}
			}
			if got := bytes.Count(svg, []byte("</title></circle>")) + bytes.Count(svg, []byte("</title></rect>")); got != want {
				t.Errorf("%d points with tooltips; want %d", got, want)
			}
			// Every coordinate is inside the picture.
			w, h := g.w, g.h
			if w == 0 {
				w, h = DefaultWidth, DefaultHeight
			}
			for _, e := range els {
				for _, a := range e.Attr {
					switch a.Name.Local {
					case "x", "x1", "x2", "cx":
						if v := num(t, a.Value); v < -1 || v > float64(w)+1 {
							t.Errorf("<%s %s=%s> outside width %d", e.Name.Local, a.Name.Local, a.Value, w)
						}
					case "y", "y1", "y2", "cy":
						if v := num(t, a.Value); v < -1 || v > float64(h)+1 {
							t.Errorf("<%s %s=%s> outside height %d", e.Name.Local, a.Name.Local, a.Value, h)
						}
					}
				}
			}
		})
	}
}

func mustSeries(kind string) []series {
	ss, _, _ := chartSeries(kind)
	return ss
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

func TestChartDeterministic(t *testing.T) {
	rs := pressures()
	want := Chart(rs, BloodPressure, 0, 0)
	reversed := slices.Clone(rs)
	slices.Reverse(reversed)
	for _, in := range [][]Reading{rs, reversed} {
		if got := Chart(in, BloodPressure, 0, 0); !bytes.Equal(got, want) {
			t.Error("same readings, different chart")
		}
	}
	// The input is not reordered.
	if reversed[0] != rs[len(rs)-1] {
		t.Error("Chart sorted the caller's slice")
	}
	// Times in another zone draw the same as in Tokyo.
	utc := slices.Clone(rs)
	for i := range utc {
		utc[i].MeasuredAt = utc[i].MeasuredAt.UTC()
	}
	if got := Chart(utc, BloodPressure, 0, 0); !bytes.Equal(got, want) {
		t.Error("UTC times give a different chart")
	}
}

func TestChartDescription(t *testing.T) {
	desc := func(svg []byte) string {
		m := regexp.MustCompile(`<desc id="[^"]+">([^<]*)</desc>`).FindSubmatch(svg)
		if m == nil {
			t.Fatal("no desc")
		}
		return string(m[1])
	}
	tests := []struct {
		name     string
		readings []Reading
		kind     string
		want     string
	}{
		{"empty", nil, Temperature, "体温の記録はありません。"},
		{"one", []Reading{{MeasuredAt: jst(2026, 11, 22, 9, 30), Temperature: 36.8}}, Temperature,
			"2026年11月22日の1件の記録。最新は2026年11月22日 09:30の36.8℃。目安の範囲は36.0〜37.4℃（色の帯）で、範囲外は0件。"},
		{"gap", temperatures(), Temperature,
			"2026年11月1日〜2026年11月21日の15件の記録。最新は2026年11月21日 09:15の36.6℃。最低36.3℃、最高38.4℃。目安の範囲は36.0〜37.4℃（色の帯）で、範囲外は3件。途中に記録のない期間があります。"},
		{"blood pressure", pressures(), BloodPressure,
			"2026年11月10日〜2026年11月19日の20件の記録。最新は2026年11月19日 19:30の134/80mmHg。上は最低126mmHg、最高162mmHg。下は最低76mmHg、最高96mmHg。目安の範囲は上90〜139mmHg、下60〜89mmHg（色の帯）で、範囲外は8件。"},
		{"weight has no band", weights()[:2], Weight,
			"2025年1月10日〜2025年2月10日の2件の記録。最新は2025年2月10日 10:00の51.7kg。最低51.7kg、最高52.0kg。"},
		{"unknown", temperatures(), "systolic", "この項目のグラフは表示できません。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := desc(Chart(tt.readings, tt.kind, 0, 0)); got != tt.want {
				t.Errorf("desc\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestChartGap(t *testing.T) {
	svg := string(Chart(temperatures(), Temperature, 0, 0))
	path := regexp.MustCompile(`<path d="([^"]+)"`).FindStringSubmatch(svg)
	if path == nil {
		t.Fatal("no line")
	}
	if n := strings.Count(path[1], "M"); n != 2 {
		t.Errorf("line has %d parts; want 2 (broken at the six-day gap)", n)
	}
	// Regular readings, even weekly ones, are one line.
	var weekly []Reading
	for i := 0; i < 8; i++ {
		weekly = append(weekly, Reading{MeasuredAt: jst(2026, 9, 1, 10, 0).AddDate(0, 0, 7*i), Weight: 50})
	}
	path = regexp.MustCompile(`<path d="([^"]+)"`).FindStringSubmatch(string(Chart(weekly, Weight, 0, 0)))
	if n := strings.Count(path[1], "M"); n != 1 {
		t.Errorf("weekly line has %d parts; want 1", n)
	}
}

func TestXTicks(t *testing.T) {
	tests := []struct {
		name   string
		t0, t1 time.Time
		width  float64
		want   []string
	}{
		{"an afternoon", jst(2026, 11, 20, 11, 40), jst(2026, 11, 20, 20, 20), 304, []string{"12時", "14時", "16時", "18時", "20時"}},
		{"around midnight", jst(2026, 11, 20, 21, 0), jst(2026, 11, 21, 9, 0), 304, []string{"21時", "11/21", "3時", "6時", "9時"}},
		{"a week on a phone", jst(2026, 11, 1, 8, 0), jst(2026, 11, 8, 8, 0), 304, []string{"11/3", "11/5", "11/7"}},
		{"a week on a desk", jst(2026, 11, 1, 8, 0), jst(2026, 11, 8, 8, 0), 580, []string{"11/2", "11/3", "11/4", "11/5", "11/6", "11/7", "11/8"}},
		{"a month", jst(2026, 10, 28, 8, 0), jst(2026, 11, 22, 8, 0), 304, []string{"11/4", "11/11", "11/18"}},
		{"two years", jst(2025, 1, 1, 0, 0), jst(2026, 12, 31, 0, 0), 304, []string{"2025/1", "7月", "2026/1", "7月"}},
		{"two years wide", jst(2025, 1, 1, 0, 0), jst(2026, 12, 31, 0, 0), 580, []string{"2025/1", "4月", "7月", "10月", "2026/1", "4月", "7月", "10月"}},
		{"since 2000", jst(2000, 1, 1, 0, 0), jst(2026, 12, 31, 0, 0), 304, []string{"2000/1", "2010/1", "2020/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &canvas{left: 0, right: tt.width, t0: tt.t0, t1: tt.t1}
			var got []string
			for _, tk := range c.xTicks() {
				got = append(got, tk.label)
			}
			if len(got) > int(tt.width/56) {
				t.Errorf("%d ticks on %v units", len(got), tt.width)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ticks %q; want %q", got, tt.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	if got := esc(`<a href="x">&'`); got != "&lt;a href=&quot;x&quot;&gt;&amp;&apos;" {
		t.Errorf("esc = %s", got)
	}
}
