package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDetailsBytes bounds an entry's canonical details.
const MaxDetailsBytes = 64 << 10

// CanonicalJSON returns the canonical form of a JSON value, the form that
// is stored and hashed. It is idempotent and survives PostgreSQL jsonb's
// own normalisation (key order, whitespace, number spelling):
//
//   - no insignificant whitespace;
//   - object keys sorted by the bytes of their UTF-8 encoding, duplicate
//     keys resolved to the last one (as jsonb does);
//   - numbers as IEEE-754 doubles in the shortest form that round-trips
//     (Go's encoding/json spelling: 1, 1.5, 1e+21), -0 as 0;
//   - strings with invalid UTF-8 and U+0000 replaced by U+FFFD (jsonb
//     refuses U+0000), escaped as encoding/json does without HTML escaping.
//
// Empty input is the empty object {}.
func CanonicalJSON(raw []byte) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("audit: details are not valid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("audit: details hold more than one JSON value")
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	if buf.Len() > MaxDetailsBytes {
		return nil, fmt.Errorf("audit: details are %d bytes, more than %d", buf.Len(), MaxDetailsBytes)
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return fmt.Errorf("audit: details number %s: %w", x, err)
		}
		if f == 0 {
			f = 0 // -0 is 0: jsonb's numeric has no negative zero
		}
		b, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("audit: details number %s: %w", x, err)
		}
		buf.Write(b)
	case string:
		writeString(buf, x)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		// Keys are sanitised first, so two keys that sanitise to the same
		// string collapse deterministically (the lexically last raw key wins).
		clean := make(map[string]any, len(x))
		raws := make([]string, 0, len(x))
		for k := range x {
			raws = append(raws, k)
		}
		sort.Strings(raws)
		for _, k := range raws {
			clean[sanitize(k)] = x[k]
		}
		keys := make([]string, 0, len(clean))
		for k := range clean {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeCanonical(buf, clean[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("audit: unexpected JSON value %T", v)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	// Encoding a string cannot fail; Encode appends a newline we drop.
	_ = enc.Encode(sanitize(s))
	buf.Truncate(buf.Len() - 1)
}

// sanitize makes s storable as PostgreSQL text and jsonb: valid UTF-8
// without U+0000.
func sanitize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
