package ingest

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/securenexus/securenexus/internal/alert"
)

// nulReplacement stands in for a NUL character and for each run of bytes
// that is not UTF-8: PostgreSQL text and jsonb hold neither, so one such
// character in a payload would fail the whole transaction. Intake
// sanitizes per record instead of refusing: the raw payload is stored as
// bytes, exactly as received.
const nulReplacement = "\uFFFD"

// noNUL returns s as storable text: NUL characters and invalid UTF-8
// replaced by U+FFFD.
func noNUL(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, nulReplacement)
	}
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", nulReplacement)
}

func noNULs(ss []string) {
	for i := range ss {
		ss[i] = noNUL(ss[i])
	}
}

// stripNUL replaces NUL characters and invalid UTF-8 in every text field of a normalized
// alert that is stored as text or jsonb (Raw is stored as bytes and keeps
// the payload exactly as received).
func stripNUL(a *alert.Alert) {
	a.Title, a.Description, a.SourceRef = noNUL(a.Title), noNUL(a.Description), noNUL(a.SourceRef)
	a.Source.Type, a.Source.Vendor, a.Source.Product = noNUL(a.Source.Type), noNUL(a.Source.Vendor), noNUL(a.Source.Product)
	a.Rule.ID, a.Rule.Name = noNUL(a.Rule.ID), noNUL(a.Rule.Name)
	a.Status = alert.Status(noNUL(string(a.Status)))
	noNULs(a.Tactics)
	noNULs(a.Techniques)
	noNULs(a.Tags)
	for i := range a.Entities {
		e := &a.Entities[i]
		e.Type, e.Value, e.Role = alert.EntityType(noNUL(string(e.Type))), noNUL(e.Value), noNUL(e.Role)
	}
	if len(a.Unmapped) == 0 {
		return
	}
	clean := make(map[string]json.RawMessage, len(a.Unmapped))
	for k, v := range a.Unmapped {
		clean[noNUL(k)] = jsonNoNUL(v)
	}
	a.Unmapped = clean
}

// jsonNoNUL returns v with NUL characters (a JSON text can only carry them
// escaped, as \u0000) and invalid UTF-8 replaced inside its strings and
// keys.
func jsonNoNUL(v json.RawMessage) json.RawMessage {
	if !bytes.Contains(v, []byte(`\u0000`)) && bytes.IndexByte(v, 0) < 0 && utf8.Valid(v) {
		return v
	}
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		b, _ := json.Marshal(noNUL(string(v)))
		return b
	}
	b, err := json.Marshal(walkNoNUL(x))
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

func walkNoNUL(x any) any {
	switch t := x.(type) {
	case string:
		return noNUL(t)
	case []any:
		for i := range t {
			t[i] = walkNoNUL(t[i])
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			out[noNUL(k)] = walkNoNUL(v)
		}
		return out
	default:
		return x
	}
}

// badIdempotencyKey says why k is not a usable Idempotency-Key ("" when
// it is): printable ASCII only.
func badIdempotencyKey(k string) string {
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return "printable ASCII characters only"
		}
	}
	return ""
}
