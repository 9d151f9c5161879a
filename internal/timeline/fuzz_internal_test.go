package timeline

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/page"
)

var placeholder = regexp.MustCompile(`\$(\d+)`)

// checkPlaceholders: every argument is referenced and every reference has
// an argument (PostgreSQL cannot type an unreferenced one).
func checkPlaceholders(t *testing.T, text string, args []any) {
	t.Helper()
	used := map[int]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > len(args) {
			t.Fatalf("$%d without an argument (%d args):\n%s", n, len(args), text)
		}
		used[n] = true
	}
	if len(used) != len(args) {
		t.Fatalf("%d arguments, %d referenced:\n%s", len(args), len(used), text)
	}
}

func isValidation(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Kind == apperr.KindValidation
}

// FuzzParseEntity: the entity filter parser never panics, accepts only a
// known type with a 1-600 byte valid value, and what it accepts parses
// again to itself.
func FuzzParseEntity(f *testing.F) {
	for _, s := range []string{"ip:10.0.0.1", "IP: 10.0.0.1 ", "hostname:WS-1", "user:", ":x", "sha256:" + strings.Repeat("A", 64),
		"url:https://Example.com/a?b", "email:A@B.example", "domain:xn--bcher-kva.example", "ip:::1", "file:\x00", "nope:1", "user:\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := ParseEntity(s)
		if !ok {
			return
		}
		if !knownEntityType(e.Type) || e.Value == "" || len(e.Value) > 600 || !utf8.ValidString(e.Value) || strings.ContainsRune(e.Value, 0) {
			t.Fatalf("accepted %q as %+v", s, e)
		}
		if again, ok := ParseEntity(e.Type + ":" + e.Value); !ok || again != e {
			t.Fatalf("%q → %+v does not parse to itself: %+v %v", s, e, again, ok)
		}
	})
}

// FuzzParseQuery: any filter parameters give a Query or a validation
// error, never a panic; an accepted filter has valid entities and from <
// to, and its query (every dialect, with or without a cursor) references
// exactly its arguments.
func FuzzParseQuery(f *testing.F) {
	f.Add("alert", "note", "crowdstrike", "ip:10.0.0.1", "2026-11-27T09:00:00Z", "2026-11-28T09:00:00Z", "desc")
	f.Add("entry", "initial-access", "analyst", "hostname:ws-1", "", "", "asc")
	f.Add("log", "sla", "incident", "", "2026-11-27T09:00:00.123456789+02:00", "", "")
	f.Add("bogus", "bogus", "", "x", "yesterday", "2020-01-01T00:00:00Z", "sideways")
	f.Add("custody", "evidence", "evidence", "user:\xff", "2026-11-28T09:00:00Z", "2026-11-27T09:00:00Z", "asc")
	f.Fuzz(func(t *testing.T, typ, cat, src, ent, from, to, order string) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		in := FilterInput{Type: split(typ), Category: split(cat), Source: split(src), LinkedEntity: split(ent), From: from, To: to, Order: order}
		q, err := in.ParseQuery()
		if err != nil {
			if !isValidation(err) {
				t.Fatalf("not a validation error: %v", err)
			}
			return
		}
		if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
			t.Fatalf("accepted from %v >= to %v", q.From, q.To)
		}
		for _, e := range q.Entities {
			if !knownEntityType(e.Type) || e.Value == "" {
				t.Fatalf("accepted entity %+v", e)
			}
		}
		for _, x := range q.Types {
			if !slices.Contains(Types, x) {
				t.Fatalf("accepted type %q", x)
			}
		}
		org, inc := uuid.New(), []uuid.UUID{uuid.New(), uuid.New()}
		for _, d := range []db.Dialect{db.Postgres, db.SQLite} {
			for _, k := range []*key{nil, {At: time.Unix(1, 0), ID: uuid.New(), Back: true}} {
				text, args := buildQuery(d, org, inc, q, k, 10)
				if text == "" {
					continue
				}
				checkPlaceholders(t, text, args)
			}
		}
	})
}

// FuzzCursor: a timeline cursor is accepted only as made by Encode for the
// same order; anything else is a validation error naming query.cursor.
func FuzzCursor(f *testing.F) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 123, time.UTC)
	f.Add(page.Encode(cursorKind, key{At: at, ID: uuid.Must(uuid.NewV7())}), false)
	f.Add(page.Encode(cursorKind, key{At: at, ID: uuid.Must(uuid.NewV7()), Back: true, Desc: true}), true)
	f.Add(page.Encode(cursorKind, key{At: at, ID: uuid.Must(uuid.NewV7()), Desc: true}), false)
	f.Add(page.Encode("alerts", key{At: at}), false)
	f.Add("", false)
	f.Add("not-a-cursor", true)
	f.Fuzz(func(t *testing.T, s string, desc bool) {
		k, err := parseCursor(s, desc)
		if err != nil {
			if !isValidation(err) || !strings.Contains(err.Error(), "cursor") {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if s == "" {
			if k != nil {
				t.Fatalf("empty cursor gave %+v", k)
			}
			return
		}
		if k.Desc != desc {
			t.Fatalf("%q accepted for the other order", s)
		}
		again, err := parseCursor(page.Encode(cursorKind, *k), desc)
		if err != nil || again.ID != k.ID || !again.At.Equal(k.At) || again.Back != k.Back {
			t.Fatalf("%q → %+v does not round-trip: %+v %v", s, k, again, err)
		}
	})
}
