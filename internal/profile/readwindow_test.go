package profile

import "testing"

// TestReadableUntil checks both sides of every boundary, month ends included.
func TestReadableUntil(t *testing.T) {
	beppu := &Profile{ID: "beppu"}
	beppu.People.ReadWindow = ReadWindow{Kind: "days_from_loss", Days: 90}
	fukuoka := &Profile{ID: "fukuoka"}
	fukuoka.People.ReadWindow = ReadWindow{Kind: "months_from_next_day", Months: 3}
	none := &Profile{ID: "sendai-izumi"}
	for _, tc := range []struct {
		name   string
		p      *Profile
		lostOn string
		want   string
	}{
		// beppu §18: the day of loss is day 1; readable through day 90.
		{"beppu: SPEC example", beppu, "2026-01-01", "2026-03-31"},
		{"beppu: leap year", beppu, "2028-01-01", "2028-03-30"},
		{"beppu: across the year end", beppu, "2026-12-15", "2027-03-14"},
		{"beppu: loss at a month end", beppu, "2026-02-28", "2026-05-28"},
		// fukuoka §20: from the next day, 3 months, then 「経過した日」 = the day after.
		{"fukuoka: SPEC example", fukuoka, "2026-01-31", "2026-05-01"},
		{"fukuoka: mid-month", fukuoka, "2026-04-10", "2026-07-11"},
		{"fukuoka: no corresponding day (Feb 30)", fukuoka, "2026-11-29", "2027-03-01"},
		{"fukuoka: corresponding day exists (Feb 28)", fukuoka, "2026-11-27", "2027-02-28"},
		{"fukuoka: leap February", fukuoka, "2027-11-29", "2028-03-01"},
		{"fukuoka: Feb 29 in a leap year", fukuoka, "2027-11-28", "2028-02-29"},
		{"fukuoka: year end", fukuoka, "2026-12-31", "2027-04-01"},
		{"fukuoka: loss on the 30th, May has 31", fukuoka, "2026-02-27", "2026-05-28"},
		{"no window", none, "2026-01-01", NoEnd},
	} {
		got, err := tc.p.ReadableUntil(tc.lostOn)
		if err != nil || got != tc.want {
			t.Errorf("%s: ReadableUntil(%s) = %q, %v; want %q", tc.name, tc.lostOn, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "2026-02-30", "2026/01/01", "26-01-01", "2026-1-1"} {
		if _, err := beppu.ReadableUntil(bad); err == nil {
			t.Errorf("ReadableUntil(%q) accepted a bad date", bad)
		}
	}
}
