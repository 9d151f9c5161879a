package incident_test

import (
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/incident"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// nineToFive is Monday to Friday 09:00-17:00 in loc, with holidays.
func nineToFive(loc *time.Location, holidays ...string) *incident.Calendar {
	c := &incident.Calendar{Location: loc, Holidays: map[string]bool{}}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []incident.Span{{Start: 9 * 60, End: 17 * 60}}
	}
	for _, h := range holidays {
		c.Holidays[h] = true
	}
	return c
}

// allDay counts every hour of every day in loc (so DST days are 23 or 25
// hours long).
func allDay(loc *time.Location) *incident.Calendar {
	c := &incident.Calendar{Location: loc}
	for d := range 7 {
		c.Week[d] = []incident.Span{{Start: 0, End: 1440}}
	}
	return c
}

func TestBusinessElapsedAndAdd(t *testing.T) {
	ber, ny := mustLoc(t, "Europe/Berlin"), mustLoc(t, "America/New_York")
	at := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name     string
		cal      *incident.Calendar
		from, to time.Time
		want     time.Duration
	}{
		{"same day inside", nineToFive(ber), at(ber, "2026-12-01 10:00"), at(ber, "2026-12-01 12:30"), 150 * time.Minute},
		{"before opening to after closing", nineToFive(ber), at(ber, "2026-12-01 06:00"), at(ber, "2026-12-01 20:00"), 8 * time.Hour},
		{"friday evening to monday morning", nineToFive(ber), at(ber, "2026-12-04 16:00"), at(ber, "2026-12-07 10:00"), 2 * time.Hour},
		{"weekend only", nineToFive(ber), at(ber, "2026-12-05 09:00"), at(ber, "2026-12-06 17:00"), 0},
		{"holiday skipped", nineToFive(ber, "2026-12-24", "2026-12-25"), at(ber, "2026-12-23 16:00"), at(ber, "2026-12-28 10:00"), 2 * time.Hour},
		{"reversed is zero", nineToFive(ber), at(ber, "2026-12-01 12:00"), at(ber, "2026-12-01 10:00"), 0},
		// DST: Berlin springs forward on 2026-03-29 (a 23-hour Sunday) and
		// falls back on 2026-10-25 (25 hours).
		{"spring forward day is 23h", allDay(ber), at(ber, "2026-03-29 00:00"), at(ber, "2026-03-30 00:00"), 23 * time.Hour},
		{"fall back day is 25h", allDay(ber), at(ber, "2026-10-25 00:00"), at(ber, "2026-10-26 00:00"), 25 * time.Hour},
		{"9-17 across spring forward weekend", nineToFive(ber), at(ber, "2026-03-27 16:00"), at(ber, "2026-03-30 10:00"), 2 * time.Hour},
		// New York changes on 2026-03-08 and 2026-11-01 (Sundays); Monday
		// business hours are at local wall times, so 8 hours a day.
		{"NY week across fall back", nineToFive(ny), at(ny, "2026-10-30 09:00"), at(ny, "2026-11-03 09:00"), 16 * time.Hour},
		{"NY business hours seen from UTC", nineToFive(ny), time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC), 8 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.Elapsed(tc.from, tc.to); got != tc.want {
				t.Fatalf("Elapsed = %s, want %s", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		cal  *incident.Calendar
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"within the day", nineToFive(ber), at(ber, "2026-12-01 10:00"), 2 * time.Hour, at(ber, "2026-12-01 12:00")},
		{"from the night", nineToFive(ber), at(ber, "2026-12-01 03:00"), time.Hour, at(ber, "2026-12-01 10:00")},
		{"ends exactly at closing", nineToFive(ber), at(ber, "2026-12-01 09:00"), 8 * time.Hour, at(ber, "2026-12-01 17:00")},
		{"friday 15:00 plus 4h is monday 11:00", nineToFive(ber), at(ber, "2026-12-04 15:00"), 4 * time.Hour, at(ber, "2026-12-07 11:00")},
		{"over christmas holidays", nineToFive(ber, "2026-12-24", "2026-12-25"), at(ber, "2026-12-23 16:00"), 2 * time.Hour, at(ber, "2026-12-28 10:00")},
		{"NY friday across fall back", nineToFive(ny), at(ny, "2026-10-30 16:00"), 2 * time.Hour, at(ny, "2026-11-02 10:00")},
		{"24h across spring forward", allDay(ber), at(ber, "2026-03-29 00:00"), 24 * time.Hour, at(ber, "2026-03-30 01:00")},
		{"zero", nineToFive(ber), at(ber, "2026-12-05 03:00"), 0, at(ber, "2026-12-05 03:00")},
	} {
		t.Run("add "+tc.name, func(t *testing.T) {
			got, ok := tc.cal.Add(tc.from, tc.d)
			if !ok || !got.Equal(tc.want) {
				t.Fatalf("Add = %s %v, want %s", got, ok, tc.want)
			}
		})
	}
	if _, ok := (&incident.Calendar{Location: ber}).Add(at(ber, "2026-12-01 10:00"), time.Hour); ok {
		t.Fatal("a calendar without business hours found a due time")
	}
	// A 24x7 clock counts wall time.
	k := incident.Clock{}
	if got := k.Elapsed(at(ber, "2026-03-29 00:00"), at(ber, "2026-03-30 00:00")); got != 23*time.Hour {
		t.Fatalf("24x7 elapsed %s", got)
	}
}

// FuzzBusinessTime checks the properties of business time on arbitrary
// instants, calendars and durations: elapsed business time is monotonic in
// the end instant and never exceeds wall time, and Add is its inverse.
func FuzzBusinessTime(f *testing.F) {
	f.Add(int64(1764580000), int64(3600), int64(7200), uint8(0), uint16(540), uint16(1020), "")
	f.Add(int64(1774740000), int64(86400), int64(1), uint8(1), uint16(0), uint16(1440), "2026-03-30")
	f.Add(int64(1792800000), int64(200000), int64(90000), uint8(2), uint16(60), uint16(61), "2026-10-26")
	zones := []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kathmandu"}
	locs := make([]*time.Location, len(zones))
	for i, z := range zones {
		locs[i] = mustLoc(f, z)
	}
	f.Fuzz(func(t *testing.T, start, span, add int64, zone uint8, open, closeAt uint16, holiday string) {
		loc := locs[int(zone)%len(locs)]
		a, b := int(open%1440), int(closeAt%1441)
		if b <= a {
			a, b = 9*60, 17*60
		}
		c := &incident.Calendar{Location: loc, Holidays: map[string]bool{holiday: true}}
		for d := time.Monday; d <= time.Saturday; d++ {
			c.Week[d] = []incident.Span{{Start: a, End: b}}
		}
		from := time.Unix(1700000000+(start%(200*86400)+200*86400)%(200*86400), 0)
		span = (span%(40*86400) + 40*86400) % (40 * 86400)
		mid, end := from.Add(time.Duration(span/2)*time.Second), from.Add(time.Duration(span)*time.Second)
		e1, e2 := c.Elapsed(from, mid), c.Elapsed(from, end)
		if e1 > e2 || e2 > end.Sub(from) || e1 < 0 {
			t.Fatalf("not monotonic or above wall time: %s then %s over %s", e1, e2, end.Sub(from))
		}
		if got := e1 + c.Elapsed(mid, end); got != e2 {
			t.Fatalf("not additive: %s + rest = %s, want %s", e1, got, e2)
		}
		d := time.Duration((add%(20*3600)+20*3600)%(20*3600)+1) * time.Second
		due, ok := c.Add(from, d)
		if !ok {
			t.Fatalf("no due time with business hours %d-%d", a, b)
		}
		if got := c.Elapsed(from, due); got != d {
			t.Fatalf("Elapsed(from, Add(from, %s)) = %s (due %s)", d, got, due)
		}
		if due2, _ := c.Add(from, d+time.Second); due2.Before(due) {
			t.Fatalf("Add not monotonic: %s then %s", due, due2)
		}
	})
}

// BenchmarkBusinessAdd plans a 40-business-hour target (a week of 9 to 5
// with a holiday) from an arbitrary instant, as every clock plan does.
func BenchmarkBusinessAdd(b *testing.B) {
	c := nineToFive(mustLoc(b, "Europe/Berlin"), "2026-12-25")
	from := time.Date(2026, 12, 21, 15, 30, 0, 0, time.UTC)
	for b.Loop() {
		if _, ok := c.Add(from, 40*time.Hour); !ok {
			b.Fatal("no due time")
		}
	}
}

// BenchmarkBusinessElapsed counts a month of business time.
func BenchmarkBusinessElapsed(b *testing.B) {
	c := nineToFive(mustLoc(b, "America/New_York"))
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		_ = c.Elapsed(from, from.Add(30*24*time.Hour))
	}
}
