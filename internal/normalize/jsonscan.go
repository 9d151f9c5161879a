package normalize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/securenexus/securenexus/internal/apperr"
)

// This file holds a small allocation-free walker over the top level of a
// JSON object (member keys and raw value extents). It is used for payload
// shape detection, envelope unwrapping and the Unmapped field; typed
// decoding is done by encoding/json.

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString expects b[i] == '"' and returns the index after the closing quote.
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return i, false
}

// skipValue returns the index just after the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	i = skipWS(b, i)
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				j, ok := skipString(b, i)
				if !ok {
					return j, false
				}
				i = j
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return i, false
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
			j++
		}
		return j, j > i
	}
}

// forEachMember calls fn with the raw key (without quotes, escapes kept)
// and raw value of each top-level member of obj. fn returns false to stop.
// It reports false when obj is not a well-formed object.
func forEachMember(obj []byte, fn func(key, val []byte) bool) bool {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return false
	}
	i = skipWS(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return true
	}
	for i < len(obj) {
		i = skipWS(obj, i)
		ks := i
		ke, ok := skipString(obj, i)
		if !ok {
			return false
		}
		i = skipWS(obj, ke)
		if i >= len(obj) || obj[i] != ':' {
			return false
		}
		vs := skipWS(obj, i+1)
		ve, ok := skipValue(obj, vs)
		if !ok {
			return false
		}
		if !fn(obj[ks+1:ke-1], obj[vs:ve]) {
			return true
		}
		i = skipWS(obj, ve)
		if i >= len(obj) {
			return false
		}
		if obj[i] == '}' {
			return true
		}
		if obj[i] != ',' {
			return false
		}
		i++
	}
	return false
}

// member returns the raw value of key in obj, or nil.
func member(obj []byte, key string) []byte {
	var out []byte
	forEachMember(obj, func(k, v []byte) bool {
		if string(k) == key {
			out = v
			return false
		}
		return true
	})
	return out
}

// path follows nested object keys.
func path(obj []byte, keys ...string) []byte {
	for _, k := range keys {
		obj = member(obj, k)
		if obj == nil {
			return nil
		}
	}
	return obj
}

// hasKey reports whether obj has a member key.
func hasKey(obj []byte, key string) bool { return member(obj, key) != nil }

// rawString returns the string value of a raw JSON value ("" if not a string).
func rawString(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1])
	}
	s, err := strconv.Unquote(string(v))
	if err != nil {
		var out string
		if json.Unmarshal(v, &out) == nil {
			return out
		}
		return ""
	}
	return s
}

// isEmptyJSON reports null, "", {} and [] values.
func isEmptyJSON(v []byte) bool {
	v = bytes.TrimSpace(v)
	switch string(v) {
	case "null", `""`, "{}", "[]":
		return true
	}
	if len(v) > 1 && (v[0] == '{' || v[0] == '[') {
		return skipWS(v, 1) == len(v)-1
	}
	return false
}

// elements returns the raw elements of a JSON array.
func elements(arr []byte) ([][]byte, bool) {
	i := skipWS(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return nil, false
	}
	i = skipWS(arr, i+1)
	var out [][]byte
	if i < len(arr) && arr[i] == ']' {
		return out, true
	}
	for i < len(arr) {
		s := skipWS(arr, i)
		e, ok := skipValue(arr, s)
		if !ok {
			return nil, false
		}
		out = append(out, arr[s:e])
		i = skipWS(arr, e)
		if i >= len(arr) {
			return nil, false
		}
		if arr[i] == ']' {
			return out, true
		}
		if arr[i] != ',' {
			return nil, false
		}
		i++
	}
	return nil, false
}

// record is one finding/event inside a payload, with its exact bytes.
type record struct {
	raw []byte
	loc string // location for errors: "body", "body[2]", "body.findings[0]"
}

// splitJSON splits a payload into top-level JSON values: a single value,
// concatenated values or NDJSON lines, with a top-level array expanded.
// Records are sub-slices of one copy of the payload (Raw never aliases the
// caller's buffer). Splitting only checks structure; each record is fully
// validated when it is decoded (see validRaw for records kept whole).
func splitJSON(raw []byte) ([]record, error) {
	buf := bytes.Clone(raw)
	var vals [][]byte
	i := skipWS(buf, 0)
	for i < len(buf) {
		e, ok := skipValue(buf, i)
		if !ok || buf[i] != '{' && buf[i] != '[' && !json.Valid(buf[i:e]) {
			loc := "body"
			if len(vals) > 0 {
				loc = fmt.Sprintf("body[%d]", len(vals))
			}
			return nil, apperr.BadRequest("malformed JSON payload", apperr.Field(loc, syntaxError(buf[i:])))
		}
		vals = append(vals, buf[i:e])
		i = skipWS(buf, e)
	}
	if len(vals) == 0 {
		return nil, apperr.BadRequest("empty payload", apperr.Field("body", "no JSON value"))
	}
	out := make([]record, 0, len(vals))
	for i, v := range vals {
		loc := "body"
		if len(vals) > 1 {
			loc = fmt.Sprintf("body[%d]", i)
		}
		if v[0] == '[' {
			els, ok := elements(v)
			if !ok {
				return nil, apperr.BadRequest("malformed JSON array", apperr.Field(loc, syntaxError(v)))
			}
			for j, e := range els {
				out = append(out, record{raw: e, loc: fmt.Sprintf("%s[%d]", loc, j)})
			}
			continue
		}
		out = append(out, record{raw: v, loc: loc})
	}
	return out, nil
}

// syntaxError describes why b is not valid JSON.
func syntaxError(b []byte) string {
	var v json.RawMessage
	if err := json.Unmarshal(b, &v); err != nil {
		return err.Error()
	}
	return "invalid JSON value"
}

// validRaw checks a record that is kept whole as Raw but decoded only in
// part (an Elasticsearch hit, an EventBridge event).
func validRaw(rec record) error {
	if !json.Valid(rec.raw) {
		return apperr.BadRequest("malformed JSON", apperr.Field(rec.loc, syntaxError(rec.raw)))
	}
	return nil
}

// unwrap expands API envelopes: when rec is an object holding one of keys
// as an array of objects, its elements are returned as records. The first
// matching key in object order wins; the object is scanned once.
func unwrap(rec record, keys ...string) ([]record, bool) {
	var out []record
	found := false
	forEachMember(rec.raw, func(k, v []byte) bool {
		if len(v) == 0 || v[0] != '[' || !slices.Contains(keys, string(k)) {
			return true
		}
		els, ok := elements(v)
		if !ok || len(els) > 0 && els[0][0] != '{' {
			return true // not a list of records
		}
		out = make([]record, len(els))
		for i, e := range els {
			out[i] = record{raw: e, loc: fmt.Sprintf("%s.%s[%d]", rec.loc, k, i)}
		}
		found = true
		return false
	})
	return out, found
}

// keyIndex holds the top-level members of an object after one scan, for
// repeated lookups without rescanning.
type keyIndex struct {
	keys, vals [][]byte
}

func indexKeys(obj []byte, buf *[64][]byte, vbuf *[64][]byte) keyIndex {
	ki := keyIndex{keys: buf[:0], vals: vbuf[:0]}
	forEachMember(obj, func(k, v []byte) bool {
		ki.keys = append(ki.keys, k)
		ki.vals = append(ki.vals, v)
		return true
	})
	return ki
}

func (ki keyIndex) get(key string) []byte {
	for i, k := range ki.keys {
		if string(k) == key {
			return ki.vals[i]
		}
	}
	return nil
}

func (ki keyIndex) has(key string) bool { return ki.get(key) != nil }
