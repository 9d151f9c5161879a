package audit

import (
	"testing"
)

// FuzzParseAnchor: a parsed anchor prints back to something that parses to
// the same anchor.
func FuzzParseAnchor(f *testing.F) {
	for _, s := range []string{
		"platform:1:" + GenesisHash,
		"01890a5d-ac96-774b-bcce-b302099a8057:42:" + GenesisHash,
		"platform:0:x", "a:b:c", "::", "platform:-1:" + GenesisHash,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAnchor(s)
		if err != nil {
			return
		}
		if a.Seq < 1 || len(a.Hash) != 64 {
			t.Fatalf("%q parsed to %+v", s, a)
		}
		b, err := ParseAnchor(a.String())
		if err != nil || b != a {
			t.Fatalf("%q: %+v printed %q parsed %+v %v", s, a, a.String(), b, err)
		}
	})
}
