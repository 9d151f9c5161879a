package intel

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
)

func FuzzParseSTIX(f *testing.F) {
	f.Add([]byte(testBundle))
	f.Add([]byte(`{"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'it\\'s.example.com']"}`))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"file","hashes":{"SHA-256":"x"}}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		inds, _, err := ParseSTIX(raw)
		if err != nil {
			return
		}
		checkParsed(t, inds)
	})
}

func FuzzParseMISP(f *testing.F) {
	f.Add([]byte(`{"Event":{"info":"x","Tag":[{"name":"tlp:amber"}],"Attribute":[{"type":"ip-dst|port","value":"198.51.100.1|443","to_ids":true}]}}`))
	f.Add([]byte(`{"response":[{"Event":{"Attribute":[{"type":"md5","value":"0123456789abcdef0123456789abcdef","to_ids":"0"}]}}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		inds, _, err := ParseMISP(raw)
		if err != nil {
			return
		}
		checkParsed(t, inds)
	})
}

// checkParsed holds the parsers' invariant: every value they return that
// canonicalizes stays stable under canonicalization, and the index accepts
// and finds it.
func checkParsed(t *testing.T, inds []Indicator) {
	x := NewIndex()
	for i := range inds {
		ind := inds[i]
		if !ind.Type.Valid() {
			t.Fatalf("invalid type %q", ind.Type)
		}
		v, ok := Canonicalize(ind.Type, ind.Value)
		if !ok {
			continue // prepare rejects it at import
		}
		if v2, ok := Canonicalize(ind.Type, v); !ok || v2 != v {
			t.Fatalf("canonical form not stable: %q -> %q -> %q", ind.Value, v, v2)
		}
		ind.Value, ind.Detect = v, true
		x.Put(&ind)
	}
}

func FuzzIndexMatch(f *testing.F) {
	f.Add("ipv4", "203.0.113.7", "ip", "203.0.113.7")
	f.Add("cidr", "198.51.100.0/24", "ip", "198.51.100.1")
	f.Add("domain", "example.net", "hostname", "a.example.net")
	f.Fuzz(func(t *testing.T, typ, value, etype, evalue string) {
		v, ok := Canonicalize(Type(typ), value)
		if !ok {
			return
		}
		x := NewIndex()
		ind := Indicator{Type: Type(typ), Value: v, Detect: true, Subdomains: true}
		x.Put(&ind)
		_ = x.Match(alert.Entity{Type: alert.EntityType(etype), Value: evalue}, nowUnix(), nil)
		x.Remove(ind.Type, ind.Value, ind.ID)
		if x.Len() != 0 || len(x.strs)+len(x.ips)+len(x.md5)+len(x.sha1)+len(x.sha256)+x.cidrs.Size() != 0 {
			t.Fatalf("index not empty after remove of %s %q", typ, v)
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("# list\n203.0.113.1\nbad.example.net\n"), ",", 0, -1)
	f.Add([]byte("type;value\nip-dst;203.0.113.2\nsha256;\"unterminated\n"), ";", 1, 0)
	f.Fuzz(func(t *testing.T, raw []byte, delim string, value, typ int) {
		cfg := &CSVConfig{Delimiter: delim, ValueColumn: value, TypeColumn: typ, Type: "auto", ConfidenceColumn: 2, TagsColumn: 3, DescriptionColumn: 4}
		if len(cfg.Delimiter) > 1 {
			cfg.Delimiter = cfg.Delimiter[:1]
		}
		inds, _, err := ParseCSV(raw, cfg)
		if err != nil {
			return
		}
		for _, ind := range inds {
			if !ind.Type.Valid() || ind.Value == "" || ind.Confidence < 0 || ind.Confidence > 100 {
				t.Fatalf("bad record %+v", ind)
			}
		}
	})
}

// FuzzSTIXPatternRoundTrip: an exported indicator's pattern reads back
// as the same value (the TAXII server's and the export's output is the
// client's input).
func FuzzSTIXPatternRoundTrip(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "2001:db8::1", "198.51.100.0/24", "bad.example.net", "http://x.example.org/a'b\\c",
		"a@b.example.com", "d41d8cd98f00b204e9800998ecf8427e", "evil'.exe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !utf8.ValidString(raw) {
			return // stored values are valid UTF-8 (the API's text rule)
		}
		for _, typ := range Types {
			v, ok := Canonicalize(typ, raw)
			if !ok || allowlisted(typ, v) != "" {
				continue // never stored, so never exported
			}
			p, ok := STIXPattern(typ, v)
			if !ok {
				continue
			}
			bundle, _ := json.Marshal(map[string]any{"type": "bundle", "objects": []any{map[string]any{
				"type": "indicator", "id": "indicator--" + uuid.NewString(), "pattern": p, "pattern_type": "stix"}}})
			inds, _, err := ParseSTIX(bundle)
			if err != nil {
				t.Fatalf("%s %q: pattern %q: %v", typ, v, p, err)
			}
			// What reads back is the value itself (no escaping damage);
			// a value the STIX reader's stricter canonicalization refuses
			// (e.g. a file name "-") reads back as nothing.
			for _, ind := range inds {
				if ind.Value != v {
					t.Fatalf("%s %q: pattern %q read back as %q", typ, v, p, ind.Value)
				}
			}
		}
	})
}

// FuzzTAXIIParams: the TAXII server's next tokens and Accept headers
// never panic; a token it issued decodes to itself.
func FuzzTAXIIParams(f *testing.F) {
	f.Add("MjAyNi0xMi0wMVQxMDowMDowMFp8MDE5M2U3YzgtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw", TAXIIMediaType)
	f.Add("", "application/taxii+json;version=2.0, */*;q=0.1")
	f.Fuzz(func(t *testing.T, next, accept string) {
		_ = acceptsTAXII(accept)
		_ = splitMatch(next)
		if c, ok := decodeTAXIICursor(next); ok {
			back, ok := decodeTAXIICursor(c.encode())
			if !ok || !back.at.Equal(c.at) || back.id != c.id {
				t.Fatalf("cursor %q does not round-trip: %+v %+v", next, c, back)
			}
		}
	})
}
