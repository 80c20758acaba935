// Package vitals holds vital signs as numbers (SPEC §5, fukuoka §2 生体情報):
// temperature, blood pressure, pulse, SpO₂, respiration, weight and blood
// glucose, with their units, the range a measurement can plausibly have (a
// typing mistake is refused with a Japanese message), and a chart over time
// rendered on the server as SVG.
//
// The reference bands shaded on the charts are a guide (目安) for the people
// reading the timeline, not a diagnosis; they are the usual adult values in
// Japan.
package vitals

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Keys of the measured values (form fields, JSON names) and of the charts.
const (
	Temperature   = "temperature"
	Systolic      = "systolic"
	Diastolic     = "diastolic"
	Pulse         = "pulse"
	SpO2          = "spo2"
	Respiration   = "respiration"
	Weight        = "weight"
	Glucose       = "glucose"
	BloodPressure = "blood_pressure" // the chart of systolic and diastolic together
)

// FieldAny is the form field that carries "enter at least one value".
const FieldAny = "vitals"

// Metric describes one measured value.
type Metric struct {
	Key      string
	Label    string  // 体温
	Unit     string  // ℃
	Min, Max float64 // what a measurement can plausibly be; outside is a typing mistake
	Decimals int     // digits after the point accepted and shown
	Low      float64 // reference band (目安) shaded on charts; Low == High == 0: none
	High     float64
	example  string
	suffixes []string // units people type after the number, after width folding
}

var metrics = []Metric{
	{Key: Temperature, Label: "体温", Unit: "℃", Min: 30, Max: 45, Decimals: 1, Low: 36.0, High: 37.4,
		example: "36.5", suffixes: []string{"℃", "°C", "°c", "度", "C"}},
	{Key: Systolic, Label: "血圧（上）", Unit: "mmHg", Min: 40, Max: 300, Low: 90, High: 139,
		example: "128", suffixes: []string{"mmHg", "mmhg"}},
	{Key: Diastolic, Label: "血圧（下）", Unit: "mmHg", Min: 20, Max: 200, Low: 60, High: 89,
		example: "82", suffixes: []string{"mmHg", "mmhg"}},
	{Key: Pulse, Label: "脈拍", Unit: "回/分", Min: 20, Max: 250, Low: 60, High: 100,
		example: "72", suffixes: []string{"回/分", "/分", "回", "bpm"}},
	{Key: SpO2, Label: "SpO₂", Unit: "%", Min: 50, Max: 100, Low: 96, High: 100,
		example: "97", suffixes: []string{"%"}},
	{Key: Respiration, Label: "呼吸数", Unit: "回/分", Min: 4, Max: 80, Low: 12, High: 20,
		example: "16", suffixes: []string{"回/分", "/分", "回"}},
	{Key: Weight, Label: "体重", Unit: "kg", Min: 1, Max: 300, Decimals: 1,
		example: "52.4", suffixes: []string{"kg", "Kg", "KG", "キロ"}},
	{Key: Glucose, Label: "血糖値", Unit: "mg/dL", Min: 20, Max: 800, Low: 70, High: 139,
		example: "110", suffixes: []string{"mg/dL", "mg/dl"}},
}

// Metrics lists the measured values in the order a form and a summary show them.
func Metrics() []Metric { return append([]Metric(nil), metrics...) }

// Lookup returns the metric of a key.
func Lookup(key string) (Metric, bool) {
	for _, m := range metrics {
		if m.Key == key {
			return m, true
		}
	}
	return Metric{}, false
}

// ChartKinds lists the charts, blood pressure as one chart of two lines.
func ChartKinds() []string {
	return []string{Temperature, BloodPressure, Pulse, SpO2, Respiration, Weight, Glucose}
}

// HasBand reports whether the metric has a reference band.
func (m Metric) HasBand() bool { return m.Low != 0 || m.High != 0 }

// Format writes v with the metric's decimals and unit: "36.5℃".
func (m Metric) Format(v float64) string { return m.Number(v) + m.Unit }

// Number writes v with the metric's decimals, without unit.
func (m Metric) Number(v float64) string { return strconv.FormatFloat(v, 'f', m.Decimals, 64) }

// InBand reports whether v lies within the reference band (true if none).
func (m Metric) InBand(v float64) bool { return !m.HasBand() || (v >= m.Low && v <= m.High) }

// Reading is one set of measurements taken at one time. A value of 0 means
// not measured: no plausible measurement is 0.
type Reading struct {
	MeasuredAt  time.Time `json:"measured_at"` // kept in Asia/Tokyo
	Temperature float64   `json:"temperature,omitempty"`
	Systolic    int       `json:"systolic,omitempty"`
	Diastolic   int       `json:"diastolic,omitempty"`
	Pulse       int       `json:"pulse,omitempty"`
	SpO2        int       `json:"spo2,omitempty"`
	Respiration int       `json:"respiration,omitempty"`
	Weight      float64   `json:"weight,omitempty"`
	Glucose     int       `json:"glucose,omitempty"`
}

// Value returns the value of a metric and whether it was measured.
func (r Reading) Value(key string) (float64, bool) {
	var v float64
	switch key {
	case Temperature:
		v = r.Temperature
	case Systolic:
		v = float64(r.Systolic)
	case Diastolic:
		v = float64(r.Diastolic)
	case Pulse:
		v = float64(r.Pulse)
	case SpO2:
		v = float64(r.SpO2)
	case Respiration:
		v = float64(r.Respiration)
	case Weight:
		v = r.Weight
	case Glucose:
		v = float64(r.Glucose)
	}
	return v, v != 0
}

func (r *Reading) set(key string, v float64) {
	n := int(math.Round(v))
	switch key {
	case Temperature:
		r.Temperature = v
	case Systolic:
		r.Systolic = n
	case Diastolic:
		r.Diastolic = n
	case Pulse:
		r.Pulse = n
	case SpO2:
		r.SpO2 = n
	case Respiration:
		r.Respiration = n
	case Weight:
		r.Weight = v
	case Glucose:
		r.Glucose = n
	}
}

// Empty reports whether nothing was measured.
func (r Reading) Empty() bool {
	for _, m := range metrics {
		if _, ok := r.Value(m.Key); ok {
			return false
		}
	}
	return true
}

// Summary writes the measured values on one line for the timeline:
// "体温 36.5℃、血圧 128/82mmHg、脈拍 72回/分、SpO₂ 97%".
func (r Reading) Summary() string {
	var parts []string
	for _, m := range metrics {
		v, ok := r.Value(m.Key)
		switch {
		case m.Key == Diastolic:
			continue
		case m.Key == Systolic:
			if bp := r.bloodPressure(); bp != "" {
				parts = append(parts, "血圧 "+bp)
			}
		case ok:
			parts = append(parts, m.Label+" "+m.Format(v))
		}
	}
	return strings.Join(parts, "、")
}

// bloodPressure writes "128/82mmHg" ("" unless both are measured).
func (r Reading) bloodPressure() string {
	if r.Systolic == 0 || r.Diastolic == 0 {
		return ""
	}
	return strconv.Itoa(r.Systolic) + "/" + strconv.Itoa(r.Diastolic) + "mmHg"
}

var tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		// The binary embeds time/tzdata; Japan has kept +09:00 since 1951.
		return time.FixedZone("JST", 9*3600)
	}
	return loc
}()
