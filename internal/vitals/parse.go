package vitals

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"renraku/internal/domain"
	"renraku/internal/validate"
)

// Input is the vital-signs form as typed. Numbers may have full-width digits
// ("３６．５"), surrounding spaces and their unit ("36.5℃", "36.5度").
type Input struct {
	MeasuredAt  string `json:"measured_at"` // "2026-11-22T09:30" (datetime-local) in Asia/Tokyo
	Temperature string `json:"temperature"`
	Systolic    string `json:"systolic"`
	Diastolic   string `json:"diastolic"`
	Pulse       string `json:"pulse"`
	SpO2        string `json:"spo2"`
	Respiration string `json:"respiration"`
	Weight      string `json:"weight"`
	Glucose     string `json:"glucose"`
}

func (in Input) field(key string) string {
	switch key {
	case Temperature:
		return in.Temperature
	case Systolic:
		return in.Systolic
	case Diastolic:
		return in.Diastolic
	case Pulse:
		return in.Pulse
	case SpO2:
		return in.SpO2
	case Respiration:
		return in.Respiration
	case Weight:
		return in.Weight
	case Glucose:
		return in.Glucose
	}
	return ""
}

// Parse checks a typed form and returns the reading, or a domain.FieldErrors
// error whose keys are the Input's JSON names (and FieldAny). now is the
// request's clock: a measurement cannot lie in the future.
func Parse(in Input, now time.Time) (Reading, error) {
	errs := domain.FieldErrors{}
	var r Reading
	r.MeasuredAt = parseTime(errs, in.MeasuredAt)
	for _, m := range metrics {
		if v, ok := parseNumber(errs, m, in.field(m.Key)); ok {
			r.set(m.Key, v)
		}
	}
	r.check(errs, now)
	return r, errs.Err()
}

// Validate checks a reading that arrived as numbers (the API): the same rules
// as Parse after the text is read.
func (r Reading) Validate(now time.Time) error {
	errs := domain.FieldErrors{}
	r.check(errs, now)
	return errs.Err()
}

// Measurements before this are typing mistakes (2006 for 2026).
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, tokyo)

// A phone's clock may run a little ahead of the server's.
const clockSkew = 10 * time.Minute

func (r Reading) check(errs domain.FieldErrors, now time.Time) {
	switch {
	case r.MeasuredAt.IsZero():
		errs.Add("measured_at", "測定日時を入力してください。")
	case r.MeasuredAt.After(now.Add(clockSkew)):
		errs.Add("measured_at", "測定日時が未来になっています。測定した日時を入力してください。")
	case r.MeasuredAt.Before(earliest):
		errs.Add("measured_at", "測定日時は2000年以降の日時にしてください。")
	}
	for _, m := range metrics {
		v, ok := r.Value(m.Key)
		if !ok {
			continue
		}
		if math.IsNaN(v) || v < m.Min || v > m.Max {
			errs.Add(m.Key, rangeMessage(m))
		} else if scaled := v * math.Pow10(m.Decimals); math.Abs(scaled-math.Round(scaled)) > 1e-6 {
			errs.Add(m.Key, decimalsMessage(m))
		}
	}
	// Blood pressure is one measurement of two numbers.
	switch {
	case r.Systolic != 0 && r.Diastolic == 0:
		errs.Add(Diastolic, "血圧は上と下の両方を入力してください。")
	case r.Systolic == 0 && r.Diastolic != 0:
		errs.Add(Systolic, "血圧は上と下の両方を入力してください。")
	case r.Systolic != 0 && errs[Systolic] == "" && errs[Diastolic] == "" && r.Systolic <= r.Diastolic:
		errs.Add(Diastolic, "血圧の下（拡張期）は上（収縮期）より小さい値にしてください。上下が逆になっていないか確認してください。")
	}
	if len(errs) == 0 && r.Empty() {
		errs.Add(FieldAny, "測定値を1つ以上入力してください。")
	}
}

func rangeMessage(m Metric) string {
	return m.Label + "は" + m.Number(m.Min) + "〜" + m.Number(m.Max) + m.Unit + "の範囲で入力してください。"
}

func decimalsMessage(m Metric) string {
	if m.Decimals == 0 {
		return m.Label + "は整数で入力してください（例: " + m.example + "）。"
	}
	return m.Label + "は小数第" + strconv.Itoa(m.Decimals) + "位までで入力してください（例: " + m.example + "）。"
}

var numberRe = regexp.MustCompile(`^([0-9]{1,6})(?:\.([0-9]+))?$`)

// parseNumber reads one typed value; ok is false when it is empty or wrong
// (the message is then in errs).
func parseNumber(errs domain.FieldErrors, m Metric, s string) (float64, bool) {
	s = validate.Text(errs, m.Key, m.Label, s, false, 20, false)
	if s == "" || errs[m.Key] != "" {
		return 0, false
	}
	s = foldWidth(s)
	for _, u := range m.suffixes {
		if t, ok := strings.CutSuffix(s, u); ok {
			s = strings.TrimSpace(t)
			break
		}
	}
	g := numberRe.FindStringSubmatch(s)
	if g == nil {
		errs.Add(m.Key, m.Label+"は半角または全角の数字で入力してください（例: "+m.example+"）。")
		return 0, false
	}
	if len(g[2]) > m.Decimals {
		errs.Add(m.Key, decimalsMessage(m))
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		errs.Add(m.Key, m.Label+"は数字で入力してください（例: "+m.example+"）。")
		return 0, false
	}
	if v == 0 { // 0 would read as "not measured"
		errs.Add(m.Key, rangeMessage(m))
		return 0, false
	}
	return v, true // the range is checked with the rest, in check
}

// foldWidth turns full-width ASCII (digits, point, letters, %, /) into
// half-width and the ideographic space into a space, as a Japanese IME types
// them, and trims.
func foldWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '！' && r <= '～':
			r -= '！' - '!'
		case r == '　':
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

var timeLayouts = []string{
	"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05",
	"2006/01/02 15:04", "2006/1/2 15:04", "2006-1-2 15:04",
}

// parseTime reads a local date and time in Asia/Tokyo.
func parseTime(errs domain.FieldErrors, s string) time.Time {
	s = foldWidth(s)
	if s == "" {
		errs.Add("measured_at", "測定日時を入力してください。")
		return time.Time{}
	}
	s = strings.Join(strings.Fields(s), " ")
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, tokyo); err == nil {
			return t
		}
	}
	errs.Add("measured_at", "測定日時は「2026-11-22 09:30」の形で、正しい日付と時刻を入力してください。")
	return time.Time{}
}
