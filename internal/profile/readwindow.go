package profile

import (
	"fmt"
	"time"
)

// NoEnd is the read limit of a record whose network sets no read window.
const NoEnd = "9999-12-31"

// ParseDate reads a civil date "YYYY-MM-DD".
func ParseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", s, time.UTC)
	if err != nil || t.Format("2006-01-02") != s {
		return time.Time{}, fmt.Errorf("bad date %q: want YYYY-MM-DD", s)
	}
	return t, nil
}

// Today is the civil date of t in Asia/Tokyo.
func Today(t time.Time) string { return t.In(tokyo).Format("2006-01-02") }

// ReadableUntil is the last day a person's record may be read after eligibility
// ended on lostOn, following the Civil Code's counting as the seeds word it
// (民法 §140-143; shared/SPEC.md §3):
//   - beppu §18 「当該喪失の日から起算して90日が経過する日まで」: the day of loss is
//     day 1, readable through day 90 (2026-01-01 → 2026-03-31);
//   - fukuoka §20 「住民でなくなった日の翌日から起算して3月を経過した日まで」: counted
//     from the next day, a period of months ends the day before the corresponding
//     day of the last month (or that month's last day when it has none), and
//     「経過した日」 is the day after that end (2026-01-31 → 2026-05-01);
//   - no window: readable with no end (NoEnd).
func (p *Profile) ReadableUntil(lostOn string) (string, error) {
	d, err := ParseDate(lostOn)
	if err != nil {
		return "", err
	}
	w := p.People.ReadWindow
	switch w.Kind {
	case "":
		return NoEnd, nil
	case "days_from_loss":
		return d.AddDate(0, 0, w.Days-1).Format("2006-01-02"), nil
	case "months_from_next_day":
		start := d.AddDate(0, 0, 1)
		return periodEnd(start, w.Months).AddDate(0, 0, 1).Format("2006-01-02"), nil
	}
	return "", fmt.Errorf("profile %s: unknown read window %q", p.ID, w.Kind)
}

// periodEnd is the last day of a period of months starting on start (民法 §143-2).
func periodEnd(start time.Time, months int) time.Time {
	y, m := start.Year(), start.Month()+time.Month(months)
	firstOfTarget := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	lastDay := firstOfTarget.AddDate(0, 1, -1).Day()
	if start.Day() > lastDay {
		// No corresponding day: the period ends on the last day of that month.
		return firstOfTarget.AddDate(0, 1, -1)
	}
	return time.Date(firstOfTarget.Year(), firstOfTarget.Month(), start.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
}
