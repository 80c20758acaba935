package vitals

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"renraku/internal/domain"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, tokyo)

func fieldErrors(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := domain.AsError(err)
	if e == nil || e.Code != domain.EINVALID {
		t.Fatalf("err = %v; want EINVALID *domain.Error", err)
	}
	return e.Fields
}

func TestParse(t *testing.T) {
	at := time.Date(2026, 11, 22, 9, 30, 0, 0, tokyo)
	tests := []struct {
		name string
		in   Input
		want Reading
		errs map[string]string
	}{
		{
			name: "visit",
			in:   Input{MeasuredAt: "2026-11-22T09:30", Temperature: "36.5", Systolic: "128", Diastolic: "82", Pulse: "72", SpO2: "97"},
			want: Reading{MeasuredAt: at, Temperature: 36.5, Systolic: 128, Diastolic: 82, Pulse: 72, SpO2: 97},
		},
		{
			name: "full-width digits, units and spaces",
			in: Input{MeasuredAt: "２０２６／１１／２２　９：３０", Temperature: " ３６．８℃ ", Systolic: "１３２ｍｍＨｇ", Diastolic: "８８",
				Pulse: "７０回/分", SpO2: "９６％", Respiration: "１８回", Weight: "４８．２ｋｇ", Glucose: "１２０ mg/dL"},
			want: Reading{MeasuredAt: at, Temperature: 36.8, Systolic: 132, Diastolic: 88, Pulse: 70, SpO2: 96, Respiration: 18, Weight: 48.2, Glucose: 120},
		},
		{name: "degrees typed as 度", in: Input{MeasuredAt: "2026-11-22 09:30", Temperature: "37度"}, want: Reading{MeasuredAt: at, Temperature: 37}},
		{name: "seconds from datetime-local", in: Input{MeasuredAt: "2026-11-22T09:30:00", Weight: "50"}, want: Reading{MeasuredAt: at, Weight: 50}},
		{name: "bounds are allowed", in: Input{MeasuredAt: "2026-11-22 09:30", Temperature: "30.0", SpO2: "100", Systolic: "300", Diastolic: "200"},
			want: Reading{MeasuredAt: at, Temperature: 30, SpO2: 100, Systolic: 300, Diastolic: 200}},

		{name: "nothing measured", in: Input{MeasuredAt: "2026-11-22T09:30"},
			errs: map[string]string{FieldAny: "測定値を1つ以上入力してください。"}},
		{name: "no time", in: Input{Pulse: "70"},
			errs: map[string]string{"measured_at": "測定日時を入力してください。"}},
		{name: "bad time", in: Input{MeasuredAt: "11/22 朝", Pulse: "70"},
			errs: map[string]string{"measured_at": "測定日時は「2026-11-22 09:30」の形で、正しい日付と時刻を入力してください。"}},
		{name: "impossible date", in: Input{MeasuredAt: "2026-02-30T09:00", Pulse: "70"},
			errs: map[string]string{"measured_at": "測定日時は「2026-11-22 09:30」の形で、正しい日付と時刻を入力してください。"}},
		{name: "future", in: Input{MeasuredAt: "2026-11-22T11:00", Pulse: "70"},
			errs: map[string]string{"measured_at": "測定日時が未来になっています。測定した日時を入力してください。"}},
		{name: "typo in year", in: Input{MeasuredAt: "1926-11-22T09:00", Pulse: "70"},
			errs: map[string]string{"measured_at": "測定日時は2000年以降の日時にしてください。"}},
		{name: "temperature out of range", in: Input{MeasuredAt: "2026-11-22T09:30", Temperature: "365"},
			errs: map[string]string{"temperature": "体温は30.0〜45.0℃の範囲で入力してください。"}},
		{name: "temperature in Fahrenheit", in: Input{MeasuredAt: "2026-11-22T09:30", Temperature: "98.6"},
			errs: map[string]string{"temperature": "体温は30.0〜45.0℃の範囲で入力してください。"}},
		{name: "two decimals", in: Input{MeasuredAt: "2026-11-22T09:30", Temperature: "36.55"},
			errs: map[string]string{"temperature": "体温は小数第1位までで入力してください（例: 36.5）。"}},
		{name: "pulse with decimals", in: Input{MeasuredAt: "2026-11-22T09:30", Pulse: "72.5"},
			errs: map[string]string{"pulse": "脈拍は整数で入力してください（例: 72）。"}},
		{name: "zero pulse", in: Input{MeasuredAt: "2026-11-22T09:30", Pulse: "0"},
			errs: map[string]string{"pulse": "脈拍は20〜250回/分の範囲で入力してください。"}},
		{name: "negative", in: Input{MeasuredAt: "2026-11-22T09:30", Weight: "-50"},
			errs: map[string]string{"weight": "体重は半角または全角の数字で入力してください（例: 52.4）。"}},
		{name: "words", in: Input{MeasuredAt: "2026-11-22T09:30", SpO2: "ふつう"},
			errs: map[string]string{"spo2": "SpO₂は半角または全角の数字で入力してください（例: 97）。"}},
		{name: "markup", in: Input{MeasuredAt: "2026-11-22T09:30", Glucose: "<b>120</b>"},
			errs: map[string]string{"glucose": "血糖値に使用できない文字（< >）が含まれています。"}},
		{name: "SpO2 over 100", in: Input{MeasuredAt: "2026-11-22T09:30", SpO2: "101"},
			errs: map[string]string{"spo2": "SpO₂は50〜100%の範囲で入力してください。"}},
		{name: "only systolic", in: Input{MeasuredAt: "2026-11-22T09:30", Systolic: "120"},
			errs: map[string]string{"diastolic": "血圧は上と下の両方を入力してください。"}},
		{name: "only diastolic", in: Input{MeasuredAt: "2026-11-22T09:30", Diastolic: "80"},
			errs: map[string]string{"systolic": "血圧は上と下の両方を入力してください。"}},
		{name: "systolic not above diastolic", in: Input{MeasuredAt: "2026-11-22T09:30", Systolic: "80", Diastolic: "120"},
			errs: map[string]string{"diastolic": "血圧の下（拡張期）は上（収縮期）より小さい値にしてください。上下が逆になっていないか確認してください。"}},
		{name: "equal pressures", in: Input{MeasuredAt: "2026-11-22T09:30", Systolic: "90", Diastolic: "90"},
			errs: map[string]string{"diastolic": "血圧の下（拡張期）は上（収縮期）より小さい値にしてください。上下が逆になっていないか確認してください。"}},
		{name: "several at once", in: Input{MeasuredAt: "", Temperature: "20", Respiration: "100", Weight: "52.45"},
			errs: map[string]string{
				"measured_at": "測定日時を入力してください。",
				"temperature": "体温は30.0〜45.0℃の範囲で入力してください。",
				"respiration": "呼吸数は4〜80回/分の範囲で入力してください。",
				"weight":      "体重は小数第1位までで入力してください（例: 52.4）。",
			}},
		{name: "a wrong value is not 'nothing measured'", in: Input{MeasuredAt: "2026-11-22T09:30", Pulse: "abc"},
			errs: map[string]string{"pulse": "脈拍は半角または全角の数字で入力してください（例: 72）。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in, now)
			if diff := cmp.Diff(tt.errs, fieldErrors(t, err)); diff != "" {
				t.Fatalf("errors (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reading (-want +got):\n%s", diff)
			}
			if got.MeasuredAt.Location() != tokyo {
				t.Errorf("measured_at in %v; want Asia/Tokyo", got.MeasuredAt.Location())
			}
		})
	}
}

func TestValidate(t *testing.T) {
	at := time.Date(2026, 11, 22, 9, 30, 0, 0, tokyo)
	tests := []struct {
		name string
		r    Reading
		errs map[string]string
	}{
		{"ok", Reading{MeasuredAt: at, Temperature: 36.5, Systolic: 120, Diastolic: 70}, nil},
		{"UTC time is fine", Reading{MeasuredAt: at.UTC(), Weight: 60.5}, nil},
		{"empty", Reading{MeasuredAt: at}, map[string]string{FieldAny: "測定値を1つ以上入力してください。"}},
		{"no time", Reading{Pulse: 70}, map[string]string{"measured_at": "測定日時を入力してください。"}},
		{"float noise accepted", Reading{MeasuredAt: at, Temperature: 36.1 + 1e-12}, nil},
		{"too precise", Reading{MeasuredAt: at, Weight: 60.25}, map[string]string{"weight": "体重は小数第1位までで入力してください（例: 52.4）。"}},
		{"NaN", Reading{MeasuredAt: at, Temperature: math.NaN()}, map[string]string{"temperature": "体温は30.0〜45.0℃の範囲で入力してください。"}},
		{"Inf", Reading{MeasuredAt: at, Weight: math.Inf(1)}, map[string]string{"weight": "体重は1.0〜300.0kgの範囲で入力してください。"}},
		{"negative pulse", Reading{MeasuredAt: at, Pulse: -70}, map[string]string{"pulse": "脈拍は20〜250回/分の範囲で入力してください。"}},
		{"glucose", Reading{MeasuredAt: at, Glucose: 900}, map[string]string{"glucose": "血糖値は20〜800mg/dLの範囲で入力してください。"}},
		{"future by clock skew is fine", Reading{MeasuredAt: now.Add(5 * time.Minute), Pulse: 70}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.errs, fieldErrors(t, tt.r.Validate(now))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		r    Reading
		want string
	}{
		{Reading{Temperature: 36.5, Systolic: 128, Diastolic: 82, Pulse: 72, SpO2: 97},
			"体温 36.5℃、血圧 128/82mmHg、脈拍 72回/分、SpO₂ 97%"},
		{Reading{Temperature: 37, Respiration: 18, Weight: 52, Glucose: 110},
			"体温 37.0℃、呼吸数 18回/分、体重 52.0kg、血糖値 110mg/dL"},
		{Reading{}, ""},
	}
	for _, tt := range tests {
		if got := tt.r.Summary(); got != tt.want {
			t.Errorf("Summary = %q; want %q", got, tt.want)
		}
	}
}

func TestMetrics(t *testing.T) {
	if len(Metrics()) != 8 {
		t.Fatalf("%d metrics", len(Metrics()))
	}
	for _, m := range Metrics() {
		if m.Min <= 0 || m.Max <= m.Min || m.Label == "" || m.Unit == "" || m.example == "" {
			t.Errorf("%s: incomplete", m.Key)
		}
		if m.HasBand() && (m.Low < m.Min || m.High > m.Max || m.Low >= m.High) {
			t.Errorf("%s: band %v-%v outside %v-%v", m.Key, m.Low, m.High, m.Min, m.Max)
		}
		// The example in every message is itself valid.
		if _, ok := parseNumber(domain.FieldErrors{}, m, m.example); !ok {
			t.Errorf("%s: example %q does not parse", m.Key, m.example)
		}
		got, ok := Lookup(m.Key)
		if !ok || got.Key != m.Key {
			t.Errorf("Lookup(%q) failed", m.Key)
		}
	}
	if _, ok := Lookup("height"); ok {
		t.Error("Lookup(height) found")
	}
	m := Metrics()
	m[0].Label = "changed"
	if Metrics()[0].Label == "changed" {
		t.Error("Metrics returns the package's own slice")
	}
}
