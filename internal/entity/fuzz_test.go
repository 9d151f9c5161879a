package entity

import (
	"testing"
	"unicode/utf8"
)

func FuzzExtract(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		seen := map[string]bool{}
		for _, e := range Extract(text) {
			if e.Value == "" || !utf8.ValidString(e.Value) || e.Role != RoleRelated {
				t.Fatalf("bad entity %+v", e)
			}
			// Canonical values are fixed points.
			if v, ok := Canonical(e.Type, e.Value); !ok || v != e.Value {
				t.Fatalf("%+v is not canonical (%q, %v)", e, v, ok)
			}
			k := string(e.Type) + "|" + e.Value
			if seen[k] {
				t.Fatalf("duplicate %+v", e)
			}
			seen[k] = true
		}
	})
}

func FuzzParseSTIX(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		inds, err := ParseSTIX(raw)
		if err != nil {
			return
		}
		for _, i := range inds {
			if i.Value == "" || !utf8.ValidString(i.Value) {
				t.Fatalf("bad indicator %+v", i)
			}
		}
	})
}

func FuzzParseMISP(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		inds, err := ParseMISP(raw)
		if err != nil {
			return
		}
		for _, i := range inds {
			if v, ok := Canonical(i.Type, i.Value); !ok || v != i.Value {
				t.Fatalf("indicator %+v not canonical", i)
			}
		}
	})
}
