package incident

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Span is one business-hours interval of a weekday, in minutes after local
// midnight: [Start, End), 0 ≤ Start < End ≤ 1440.
type Span struct {
	Start int
	End   int
}

// Calendar is an org's business time: its time zone, the business hours of
// each weekday and its holidays (local dates without business hours). The
// zero Calendar has no business time.
type Calendar struct {
	Location *time.Location
	// Week holds the spans of each weekday (indexed by time.Weekday),
	// sorted and not overlapping.
	Week [7][]Span
	// Holidays are local dates ("2006-01-02").
	Holidays map[string]bool
}

// maxCalendarDays bounds every walk over a calendar (a calendar with
// business hours but a long run of holidays still ends).
const maxCalendarDays = 4000

func (c *Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// hasHours reports whether any weekday has business hours.
func (c *Calendar) hasHours() bool {
	for _, d := range c.Week {
		if len(d) > 0 {
			return true
		}
	}
	return false
}

// dayWindows returns the business intervals, as instants, of the local day
// starting at midnight day (in the calendar's location). A span's bounds
// are local wall times, so on a day a DST change shortens or lengthens, an
// interval covering the change counts its real duration.
func (c *Calendar) dayWindows(day time.Time) [][2]time.Time {
	if c.Holidays[day.Format(time.DateOnly)] {
		return nil
	}
	spans := c.Week[day.Weekday()]
	out := make([][2]time.Time, 0, len(spans))
	y, m, d := day.Date()
	for _, s := range spans {
		a := time.Date(y, m, d, s.Start/60, s.Start%60, 0, 0, c.loc())
		b := time.Date(y, m, d, s.End/60, s.End%60, 0, 0, c.loc())
		if !b.After(a) {
			// A wall time skipped by a DST change can collapse a short
			// span; it then has no business time.
			continue
		}
		out = append(out, [2]time.Time{a, b})
	}
	return out
}

func (c *Calendar) midnight(t time.Time) time.Time {
	y, m, d := t.In(c.loc()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc())
}

func nextDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, day.Location())
}

// Elapsed returns the business time between from and to (0 when to is not
// after from).
func (c *Calendar) Elapsed(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	var total time.Duration
	day := c.midnight(from)
	for i := 0; i < maxCalendarDays && day.Before(to); i++ {
		for _, w := range c.dayWindows(day) {
			a, b := w[0], w[1]
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if b.After(a) {
				total += b.Sub(a)
			}
		}
		day = nextDay(day)
	}
	return total
}

// Add returns the first instant at which d of business time has passed
// since from (from itself for d ≤ 0), and false when the calendar has no
// business time within its search bound.
func (c *Calendar) Add(from time.Time, d time.Duration) (time.Time, bool) {
	if d <= 0 {
		return from, true
	}
	if !c.hasHours() {
		return time.Time{}, false
	}
	left := d
	day := c.midnight(from)
	for range maxCalendarDays {
		for _, w := range c.dayWindows(day) {
			a, b := w[0], w[1]
			if !b.After(from) {
				continue
			}
			if a.Before(from) {
				a = from
			}
			n := b.Sub(a)
			if n >= left {
				return a.Add(left), true
			}
			left -= n
		}
		day = nextDay(day)
	}
	return time.Time{}, false
}

// Clock measures counted time: wall time (a 24x7 policy) or the business
// time of a calendar.
type Clock struct {
	// Business counts only Calendar's business time.
	Business bool
	Calendar *Calendar
}

// Elapsed is the counted time between from and to.
func (k Clock) Elapsed(from, to time.Time) time.Duration {
	if !k.Business || k.Calendar == nil {
		if !to.After(from) {
			return 0
		}
		return to.Sub(from)
	}
	return k.Calendar.Elapsed(from, to)
}

// Add is the instant when d of counted time has passed since from.
func (k Clock) Add(from time.Time, d time.Duration) (time.Time, bool) {
	if !k.Business || k.Calendar == nil {
		if d <= 0 {
			return from, true
		}
		return from.Add(d), true
	}
	return k.Calendar.Add(from, d)
}

// parseHHMM parses "15:04" (or "24:00") into minutes after midnight.
func parseHHMM(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// sortSpans orders spans and reports whether any two overlap.
func sortSpans(s []Span) bool {
	slices.SortFunc(s, func(a, b Span) int { return a.Start - b.Start })
	for i := 1; i < len(s); i++ {
		if s[i].Start < s[i-1].End {
			return true
		}
	}
	return false
}
