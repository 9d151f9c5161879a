package page_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/page"
)

type key struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

func TestRoundTrip(t *testing.T) {
	k := key{At: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), ID: uuid.Must(uuid.NewV7())}
	c := page.Encode("alerts", k)
	if strings.ContainsAny(c, "+/=") {
		t.Fatalf("cursor %q is not URL-safe", c)
	}
	got, err := page.Decode[key]("alerts", c)
	if err != nil || !got.At.Equal(k.At) || got.ID != k.ID {
		t.Fatalf("Decode = %+v, %v; want %+v", got, err, k)
	}
}

func TestDecodeRefuses(t *testing.T) {
	other := page.Encode("members", key{ID: uuid.Must(uuid.NewV7())})
	for name, c := range map[string]string{
		"another list's cursor": other,
		"not base64":            "!!!",
		"no prefix":             "eyJ0IjoxfQ",
		"bad json":              page.Encode("alerts", "x")[:10],
		"too long":              strings.Repeat("A", page.MaxCursorLen+1),
	} {
		_, err := page.Decode[key]("alerts", c)
		e := apperr.As(err)
		if err == nil || e.Status() != 422 || len(e.Fields) != 1 || e.Fields[0].Location != "query.cursor" {
			t.Errorf("%s: err = %v, want a 422 naming query.cursor", name, err)
		}
	}
}

func TestTrim(t *testing.T) {
	id := func(n int) int { return n }
	rows, next := page.Trim("n", []int{1, 2, 3}, 2, id)
	if len(rows) != 2 || next == "" {
		t.Fatalf("Trim over limit = %v %q", rows, next)
	}
	if k, err := page.Decode[int]("n", next); err != nil || k != 2 {
		t.Fatalf("next cursor holds %v, %v; want the last kept row 2", k, err)
	}
	rows, next = page.Trim("n", []int{1, 2}, 2, id)
	if len(rows) != 2 || next != "" {
		t.Fatalf("Trim at limit = %v %q, want no next cursor", rows, next)
	}
	if rows, _ := page.Trim[int, int]("n", nil, 2, id); rows == nil {
		t.Fatal("an empty page must be [] not nil")
	}
}

func TestLimit(t *testing.T) {
	for _, c := range []struct{ n, want int }{{0, 50}, {-1, 50}, {10, 10}, {900, 200}} {
		if got := page.Limit(c.n, 50, 200); got != c.want {
			t.Errorf("Limit(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(page.Encode("alerts", key{ID: uuid.Must(uuid.NewV7())}))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := page.Decode[key]("alerts", s)
		if err == nil {
			// Anything accepted re-encodes to a cursor that decodes the same.
			if k2, err := page.Decode[key]("alerts", page.Encode("alerts", k)); err != nil || k2.ID != k.ID || !k2.At.Equal(k.At) {
				t.Fatalf("accepted %q as %+v but it does not round-trip: %+v %v", s, k, k2, err)
			}
		}
	})
}
