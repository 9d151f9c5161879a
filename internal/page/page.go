// Package page is the keyset ("cursor") pagination every list operation
// shares: an opaque, versioned cursor carrying the last row's sort key, a
// bounded page size, and the trimming of a limit+1 result into a page and
// the next cursor.
//
// A store fetches limit+1 rows after the decoded key; Trim keeps limit of
// them and, when the extra row proves another page exists, encodes the key
// of the last kept row. Cursors are tagged with the list's kind, so a cursor
// of one list (or a hand-made string) is a 422 naming query.cursor, never a
// query on garbage. They are not secret: the key they carry is data the
// caller already read, and every list runs inside the caller's org scope.
package page

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/securenexus/securenexus/internal/apperr"
)

// version prefixes every cursor so the format can change without a
// cursor of the old format decoding into the wrong key.
const version = "c1"

// MaxCursorLen bounds an accepted cursor (keys are a few ids and times).
const MaxCursorLen = 1024

// Body is one page of a list response.
type Body[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

// Encode returns the opaque cursor for key k of list kind.
func Encode[K any](kind string, k K) string {
	b, err := json.Marshal(k)
	if err != nil {
		// Keys are plain structs of ids, times and numbers; a key that
		// cannot marshal is a programming error caught by any test.
		panic("page: cursor key does not encode: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(append([]byte(version+":"+kind+":"), b...))
}

// Decode parses a cursor made by Encode for the same kind. Any other string
// is a validation error naming query.cursor.
func Decode[K any](kind, cursor string) (K, error) {
	var k K
	bad := apperr.Validation("invalid cursor", apperr.Field("query.cursor", "is not a cursor returned by this list"))
	if len(cursor) > MaxCursorLen {
		return k, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return k, bad
	}
	body, ok := strings.CutPrefix(string(raw), version+":"+kind+":")
	if !ok {
		return k, bad
	}
	if err := json.Unmarshal([]byte(body), &k); err != nil {
		return k, bad
	}
	return k, nil
}

// Limit is the page size for a requested n: def when n is not positive,
// at most maxN.
func Limit(n, def, maxN int) int {
	if n <= 0 {
		n = def
	}
	return min(n, maxN)
}

// Trim cuts rows, fetched with one more row than limit, to limit and
// returns the next cursor (the key of the last kept row, of list kind), or
// "" when rows was the last page. It never returns a nil slice, so an empty
// page renders as [] rather than null.
func Trim[T, K any](kind string, rows []T, limit int, key func(T) K) ([]T, string) {
	if rows == nil {
		rows = []T{}
	}
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, Encode(kind, key(rows[limit-1]))
}
