package vitals

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Default and bounding chart sizes, in SVG user units (CSS pixels at 1:1). A
// phone shows 360 wide without scaling the text down.
const (
	DefaultWidth  = 360
	DefaultHeight = 240
)

// The colours are dark enough on white for WCAG AA, and every series differs
// in shape and dash as well as colour.
const (
	colText   = "#1f2937"
	colMuted  = "#4b5563"
	colGrid   = "#e5e7eb"
	colAxis   = "#6b7280"
	colAlert  = "#d97706" // a point outside the reference band
	colBand   = "#dcfce7"
	colRed    = "#b91c1c"
	colRedBg  = "#fee2e2"
	colBlue   = "#1d4ed8"
	colBlueBg = "#dbeafe"
)

type series struct {
	m      Metric
	name   string // legend
	color  string
	band   string // fill of the reference band
	square bool
	dash   string
	pts    []point
}

type point struct {
	r Reading
	v float64
}

// Chart draws the readings of one chart kind (ChartKinds: BloodPressure is
// two lines, systolic and diastolic) as an SVG line chart w×h (DefaultWidth
// and DefaultHeight when ≤ 0): dates and times in Asia/Tokyo on the x axis,
// the reference band shaded, one point per reading with a <title> tooltip,
// the line broken where the records have a long gap. It is plain SVG meant to
// be inlined in a page: no script, no style element or attribute (a strict
// Content-Security-Policy allows it; size it with CSS, e.g. max-width: 100%;
// height: auto), role="img" with a <title> and a <desc> that says in words the
// period, the latest value, the lowest and highest and how many fell outside
// the band. The same readings always give the same bytes.
func Chart(readings []Reading, kind string, w, h int) []byte {
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	w, h = min(max(w, 240), 1600), min(max(h, 160), 1000)

	ss, title, axis := chartSeries(kind)
	sorted := slices.Clone(readings)
	slices.SortStableFunc(sorted, func(a, b Reading) int { return a.MeasuredAt.Compare(b.MeasuredAt) })
	n := 0
	for _, r := range sorted {
		counted := false
		for i := range ss {
			if v, ok := r.Value(ss[i].m.Key); ok {
				ss[i].pts = append(ss[i].pts, point{r, v})
				counted = true
			}
		}
		if counted {
			n++
		}
	}

	c := &canvas{w: float64(w), h: float64(h)}
	id := "vitals-unknown"
	if ss != nil {
		id = "vitals-" + kind
	}
	c.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h, id, id)
	c.printf(`<title id="%s-title">%s</title>`+"\n", id, esc(title))
	c.printf(`<desc id="%s-desc">%s</desc>`+"\n", id, esc(describe(ss, title, n)))
	c.printf(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", w, h)

	// Header: what is plotted and its unit on the left, the legend on the right.
	c.top = 28
	c.text(6, 17, axis, `font-size="13" font-weight="bold" fill="`+colText+`"`)
	legend := legendItems(ss)
	lw := 0.0
	for _, it := range legend {
		lw += it.width()
	}
	ly := 17.0
	if textWidth(axis, 13)+lw+24 > c.w {
		ly, c.top = 35, 44 // no room beside the title on a narrow screen
	}
	lx := c.w - 6 - lw
	for _, it := range legend {
		it.draw(c, lx, ly)
		lx += it.width()
	}
	c.left, c.right, c.bottom = 44, c.w-12, c.h-36

	if ss == nil || n == 0 {
		msg := "記録がありません"
		if ss == nil {
			msg = "この項目のグラフは表示できません"
		}
		c.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s"/>`+"\n",
			f1(c.left), f1(c.top), f1(c.right-c.left), f1(c.bottom-c.top), colGrid)
		c.text((c.left+c.right)/2, (c.top+c.bottom)/2+4, msg, `text-anchor="middle" fill="`+colMuted+`"`)
		c.printf("</svg>\n")
		return c.b.Bytes()
	}

	c.scaleY(ss)
	c.scaleX(ss)
	// Reference bands, clipped to the plot.
	for _, s := range ss {
		if !s.m.HasBand() {
			continue
		}
		y0, y1 := c.y(min(s.m.High, c.hi)), c.y(max(s.m.Low, c.lo))
		if y1 > y0 {
			c.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n", f1(c.left), f1(y0), f1(c.right-c.left), f1(y1-y0), s.band)
		}
	}
	c.drawYAxis()
	c.drawXAxis()
	for _, s := range ss {
		c.drawSeries(s, len(ss) > 1)
	}
	c.printf("</svg>\n")
	return c.b.Bytes()
}

// chartSeries returns the series of a chart kind (nil if unknown), its title
// and the label of its value axis.
func chartSeries(kind string) ([]series, string, string) {
	if kind == BloodPressure {
		sys, _ := Lookup(Systolic)
		dia, _ := Lookup(Diastolic)
		return []series{
			{m: sys, name: "上（収縮期）", color: colRed, band: colRedBg},
			{m: dia, name: "下（拡張期）", color: colBlue, band: colBlueBg, square: true, dash: "5 3"},
		}, "血圧の推移", "血圧（mmHg）"
	}
	m, ok := Lookup(kind)
	if !ok || m.Key == Systolic || m.Key == Diastolic {
		return nil, "グラフ", "グラフ"
	}
	return []series{{m: m, name: m.Label, color: colBlue, band: colBand}}, m.Label + "の推移", m.Label + "（" + m.Unit + "）"
}

// describe says in words what the chart shows, for screen readers.
func describe(ss []series, title string, n int) string {
	if ss == nil {
		return "この項目のグラフは表示できません。"
	}
	label := strings.TrimSuffix(title, "の推移")
	if n == 0 {
		return label + "の記録はありません。"
	}
	var first, last time.Time
	for _, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		if a := s.pts[0].r.MeasuredAt; first.IsZero() || a.Before(first) {
			first = a
		}
		if z := s.pts[len(s.pts)-1].r.MeasuredAt; z.After(last) {
			last = z
		}
	}
	var b strings.Builder
	if d1, d2 := longDate(first), longDate(last); d1 == d2 {
		b.WriteString(d1)
	} else {
		b.WriteString(d1 + "〜" + d2)
	}
	fmt.Fprintf(&b, "の%d件の記録。", n)

	// The latest reading, with every value of the chart it has.
	var latest Reading
	for _, s := range ss {
		if len(s.pts) > 0 && !s.pts[len(s.pts)-1].r.MeasuredAt.Before(latest.MeasuredAt) {
			latest = s.pts[len(s.pts)-1].r
		}
	}
	b.WriteString("最新は" + longDateTime(latest.MeasuredAt) + "の" + valueText(ss, latest) + "。")

	if n > 1 {
		for _, s := range ss {
			if len(s.pts) == 0 {
				continue
			}
			lo, hi := s.pts[0].v, s.pts[0].v
			for _, p := range s.pts {
				lo, hi = min(lo, p.v), max(hi, p.v)
			}
			prefix := ""
			if len(ss) > 1 {
				prefix = strings.SplitN(s.name, "（", 2)[0] + "は"
			}
			b.WriteString(prefix + "最低" + s.m.Format(lo) + "、最高" + s.m.Format(hi) + "。")
		}
	}
	var bands []string
	outside := 0
	for _, s := range ss {
		if s.m.HasBand() {
			band := s.m.Number(s.m.Low) + "〜" + s.m.Format(s.m.High)
			if len(ss) > 1 {
				band = strings.SplitN(s.name, "（", 2)[0] + band
			}
			bands = append(bands, band)
		}
	}
	if len(bands) > 0 {
		seen := map[time.Time]bool{}
		for _, s := range ss {
			for _, p := range s.pts {
				if !s.m.InBand(p.v) && !seen[p.r.MeasuredAt] {
					seen[p.r.MeasuredAt] = true
					outside++
				}
			}
		}
		fmt.Fprintf(&b, "目安の範囲は%s（色の帯）で、範囲外は%d件。", strings.Join(bands, "、"), outside)
	}
	for _, s := range ss {
		if len(breaks(s.pts)) > 0 {
			b.WriteString("途中に記録のない期間があります。")
			break
		}
	}
	return b.String()
}

// valueText writes the chart's values of one reading: "36.5℃", "128/82mmHg".
func valueText(ss []series, r Reading) string {
	if len(ss) > 1 {
		if bp := r.bloodPressure(); bp != "" {
			return bp
		}
	}
	var parts []string
	for _, s := range ss {
		if v, ok := r.Value(s.m.Key); ok {
			name := ""
			if len(ss) > 1 {
				name = s.m.Label + " "
			}
			parts = append(parts, name+s.m.Format(v))
		}
	}
	return strings.Join(parts, "、")
}

func longDate(t time.Time) string {
	t = t.In(tokyo)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func longDateTime(t time.Time) string {
	return longDate(t) + " " + t.In(tokyo).Format("15:04")
}

// breaks returns the indexes i where the line from pts[i-1] to pts[i] is not
// drawn: the gap is over three times the usual interval and over three days,
// so a missed week of daily temperatures shows as a gap, not as a trend.
func breaks(pts []point) []int {
	if len(pts) < 3 {
		return nil
	}
	gaps := make([]time.Duration, len(pts)-1)
	for i := 1; i < len(pts); i++ {
		gaps[i-1] = pts[i].r.MeasuredAt.Sub(pts[i-1].r.MeasuredAt)
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	limit := max(3*sorted[len(sorted)/2], 72*time.Hour)
	var out []int
	for i, g := range gaps {
		if g > limit {
			out = append(out, i+1)
		}
	}
	return out
}

// canvas writes the SVG and maps values to the plot area.
type canvas struct {
	b                        bytes.Buffer
	w, h                     float64
	top, left, right, bottom float64
	lo, hi, step             float64 // value axis
	t0, t1                   time.Time
}

func (c *canvas) printf(format string, args ...any) { fmt.Fprintf(&c.b, format, args...) }

func (c *canvas) text(x, y float64, s, attrs string) {
	c.printf(`<text x="%s" y="%s" %s>%s</text>`+"\n", f1(x), f1(y), attrs, esc(s))
}

// y maps a value to the plot; the explicit conversions keep the compiler from
// fusing multiply-adds, which would change the last digit on some machines.
func (c *canvas) y(v float64) float64 {
	return c.bottom - float64(float64(v-c.lo)/float64(c.hi-c.lo))*float64(c.bottom-c.top)
}

func (c *canvas) x(t time.Time) float64 {
	return c.left + float64(float64(t.Sub(c.t0))/float64(c.t1.Sub(c.t0)))*float64(c.right-c.left)
}

// scaleY chooses the value axis: every value with a little room, so that
// the extreme points are not drawn on the frame (but none beyond what can be
// measured: SpO₂ stops at 100), and the reference bands, on round steps.
func (c *canvas) scaleY(ss []series) {
	lo, hi := math.Inf(1), math.Inf(-1)
	floor, ceil := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.pts {
			lo, hi = min(lo, p.v), max(hi, p.v)
		}
		floor, ceil = min(floor, s.m.Min), max(ceil, s.m.Max)
	}
	pad := (hi - lo) / 20
	if pad == 0 {
		pad = math.Abs(hi) / 100 // one value, or all the same
	}
	lo, hi = max(lo-pad, min(lo, floor)), min(hi+pad, max(hi, ceil))
	for _, s := range ss {
		if s.m.HasBand() {
			lo, hi = min(lo, s.m.Low), max(hi, s.m.High)
		}
	}
	// About one grid line per 32 units of height, 3 to 6 of them.
	parts := float64(min(max(int((c.bottom-c.top)/32), 3), 6))
	step := niceStep((hi - lo) / parts)
	c.step = step
	c.lo = math.Floor(lo/step+1e-9) * step
	c.hi = math.Ceil(hi/step-1e-9) * step
	if c.hi-c.lo < step {
		c.lo -= step
		c.hi += step
	}
}

// niceStep rounds up to 1, 2, 5 × 10ⁿ, or 25 × 10ⁿ for whole numbers
// (blood pressure on 25 mmHg); a step 5% short of raw still does (one more
// grid line rather than twice as few).
func niceStep(raw float64) float64 {
	base := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, k := range []float64{1, 2, 2.5, 5} {
		if k == 2.5 && base < 10 {
			continue
		}
		if k*base >= raw*0.95 {
			return k * base
		}
	}
	return 10 * base
}

func (c *canvas) drawYAxis() {
	dec := max(0, int(-math.Floor(math.Log10(c.step)+1e-9)))
	first := int(math.Ceil(c.lo/c.step - 1e-9))
	last := int(math.Floor(c.hi/c.step + 1e-9))
	for k := first; k <= last; k++ {
		v := float64(k) * c.step
		y := c.y(v)
		c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", f1(c.left), f1(y), f1(c.right), f1(y), colGrid)
		c.text(c.left-5, y+4, strconv.FormatFloat(v, 'f', dec, 64), `text-anchor="end" fill="`+colMuted+`"`)
	}
	c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", f1(c.left), f1(c.top), f1(c.left), f1(c.bottom), colAxis)
}

// scaleX chooses the time axis, with some room on both sides so that the
// first and last points are not on the frame; one reading gets a day around it.
func (c *canvas) scaleX(ss []series) {
	for _, s := range ss {
		for _, p := range s.pts {
			t := p.r.MeasuredAt
			if c.t0.IsZero() || t.Before(c.t0) {
				c.t0 = t
			}
			if t.After(c.t1) {
				c.t1 = t
			}
		}
	}
	if !c.t1.After(c.t0) {
		c.t0, c.t1 = c.t0.Add(-12*time.Hour), c.t1.Add(12*time.Hour)
		return
	}
	pad := c.t1.Sub(c.t0) / 25
	c.t0, c.t1 = c.t0.Add(-pad), c.t1.Add(pad)
}

type tick struct {
	t     time.Time
	label string
}

// A tick step: every so many hours, days or calendar months.
type tickStep struct{ hours, days, months int }

var tickSteps = []tickStep{
	{hours: 1}, {hours: 2}, {hours: 3}, {hours: 6}, {hours: 12},
	{days: 1}, {days: 2}, {days: 7}, {days: 14},
	{months: 1}, {months: 2}, {months: 3}, {months: 6}, {months: 12}, {months: 24}, {months: 60},
	{months: 120}, {months: 240}, {months: 600},
}

// xTicks picks the finest step that leaves about 56 units per label.
func (c *canvas) xTicks() []tick {
	most := max(2, int((c.right-c.left)/56))
	t0, t1 := c.t0.In(tokyo), c.t1.In(tokyo)
	day0 := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, tokyo)
	month0 := time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, tokyo)
	var times []time.Time
	var st tickStep
	for _, st = range tickSteps {
		times = times[:0]
		for k := 0; len(times) <= most; k++ {
			var t time.Time
			switch {
			case st.hours > 0:
				t = day0.Add(time.Duration(k*st.hours) * time.Hour) // no summer time in Japan
			case st.days > 0:
				t = day0.AddDate(0, 0, k*st.days)
			default:
				t = month0.AddDate(0, k, 0)
			}
			if t.After(t1) {
				break
			}
			// Months on the calendar: quarters from January, years from round ones.
			if st.months > 0 && (12*t.Year()+int(t.Month())-1)%st.months != 0 {
				continue
			}
			if !t.Before(t0) {
				times = append(times, t)
			}
		}
		if len(times) <= most {
			break
		}
	}
	ticks := make([]tick, len(times))
	for i, t := range times {
		var label string
		switch {
		case st.months > 0 && (i == 0 || t.Month() == time.January):
			label = fmt.Sprintf("%d/%d", t.Year(), t.Month())
		case st.months > 0:
			label = fmt.Sprintf("%d月", t.Month())
		case st.hours > 0 && t.Hour() != 0:
			label = fmt.Sprintf("%d時", t.Hour())
		default:
			label = fmt.Sprintf("%d/%d", t.Month(), t.Day())
		}
		ticks[i] = tick{t, label}
	}
	return ticks
}

func (c *canvas) drawXAxis() {
	for _, tk := range c.xTicks() {
		x := c.x(tk.t)
		c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", f1(x), f1(c.top), f1(x), f1(c.bottom), colGrid)
		// Labels at the ends stay inside the picture.
		anchor, half := "middle", textWidth(tk.label, 12)/2
		switch {
		case x+half > c.w-2:
			anchor, x = "end", c.w-2
		case x-half < 2:
			anchor, x = "start", 2
		}
		c.text(x, c.bottom+15, tk.label, `text-anchor="`+anchor+`" fill="`+colMuted+`"`)
	}
	c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`+"\n", f1(c.left), f1(c.bottom), f1(c.right), f1(c.bottom), colAxis)
	c.text(c.right, c.h-5, "測定日時", `text-anchor="end" font-size="11" fill="`+colMuted+`"`)
}

func (c *canvas) drawSeries(s series, pair bool) {
	if len(s.pts) == 0 {
		return
	}
	// The line, broken at long gaps.
	var d strings.Builder
	br := breaks(s.pts)
	for i, p := range s.pts {
		cmd := "L"
		if i == 0 || slices.Contains(br, i) {
			cmd = "M"
		}
		if d.Len() > 0 {
			d.WriteByte(' ')
		}
		d.WriteString(cmd + f1(c.x(p.r.MeasuredAt)) + " " + f1(c.y(p.v)))
	}
	dash := ""
	if s.dash != "" {
		dash = ` stroke-dasharray="` + s.dash + `"`
	}
	c.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s/>`+"\n", d.String(), s.color, dash)

	// The points, each with its tooltip; dense series get smaller points.
	r := 3.5
	if float64(len(s.pts)) > (c.right-c.left)/10 {
		r = 2.5
	}
	c.printf(`<g stroke="%s" stroke-width="1.5">`+"\n", s.color)
	for _, p := range s.pts {
		x, y := c.x(p.r.MeasuredAt), c.y(p.v)
		fill := "#ffffff"
		note := ""
		if !s.m.InBand(p.v) {
			fill, note = colAlert, "（目安の範囲外）"
		}
		value := s.m.Label + " " + s.m.Format(p.v)
		if pair {
			if bp := p.r.bloodPressure(); bp != "" {
				value = "血圧 " + bp
			}
		} else {
			value = s.m.Format(p.v)
		}
		tip := esc(longDateTime(p.r.MeasuredAt) + " " + value + note)
		if s.square {
			c.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n", f1(x-r), f1(y-r), f1(2*r), f1(2*r), fill, tip)
		} else {
			c.printf(`<circle cx="%s" cy="%s" r="%s" fill="%s"><title>%s</title></circle>`+"\n", f1(x), f1(y), f1(r), fill, tip)
		}
	}
	c.printf("</g>\n")
}

// A legend item: a marker and a name.
type legendItem struct {
	s    series
	band bool // the reference band of a single series
}

func legendItems(ss []series) []legendItem {
	switch {
	case len(ss) > 1:
		items := make([]legendItem, len(ss))
		for i, s := range ss {
			items[i] = legendItem{s: s}
		}
		return items
	case len(ss) == 1 && ss[0].m.HasBand():
		return []legendItem{{s: ss[0], band: true}}
	}
	return nil
}

func (it legendItem) label() string {
	if it.band {
		return "目安 " + it.s.m.Number(it.s.m.Low) + "〜" + it.s.m.Format(it.s.m.High)
	}
	return it.s.name
}

func (it legendItem) width() float64 { return 16 + textWidth(it.label(), 12) + 10 }

func (it legendItem) draw(c *canvas, x, y float64) {
	switch {
	case it.band:
		c.printf(`<rect x="%s" y="%s" width="12" height="10" fill="%s" stroke="%s"/>`+"\n", f1(x), f1(y-9), it.s.band, colGrid)
	case it.s.square:
		c.printf(`<rect x="%s" y="%s" width="7" height="7" fill="#ffffff" stroke="%s" stroke-width="1.5"/>`+"\n", f1(x+2.5), f1(y-7.5), it.s.color)
	default:
		c.printf(`<circle cx="%s" cy="%s" r="3.5" fill="#ffffff" stroke="%s" stroke-width="1.5"/>`+"\n", f1(x+6), f1(y-4), it.s.color)
	}
	c.text(x+16, y, it.label(), `fill="`+colText+`"`)
}

// textWidth estimates the width of s: Japanese characters are square, Latin
// ones about half as wide.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x2000 {
			w += 0.6 * size
		} else {
			w += size
		}
	}
	return w
}

// f1 writes a coordinate with one decimal, never "-0.0".
func f1(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if s == "-0.0" {
		return "0.0"
	}
	return s
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

// esc escapes text and attribute values.
func esc(s string) string { return xmlEscaper.Replace(s) }
