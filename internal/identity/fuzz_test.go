package identity_test

import (
	"net/mail"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/identity"
)

func FuzzParseAPIKey(f *testing.F) {
	f.Add("snk_0123456789ab_abcdefghijklmnopqrstuvwxyz234567abcdefghijkl")
	f.Add("snk_")
	f.Add("snk_0123456789ab_")
	f.Add("Bearer snk_x")
	f.Add("snk_0123456789AB_abcdefghijklmnopqrstuvwxyz234567abcdefghijkl")
	f.Fuzz(func(t *testing.T, s string) {
		prefix, ok := identity.ParseAPIKey(s)
		if !ok {
			if prefix != "" {
				t.Fatalf("prefix %q for invalid key", prefix)
			}
			return
		}
		if len(prefix) != 12 || !strings.HasPrefix(s, "snk_"+prefix+"_") || len(s) != len("snk_")+12+1+40 {
			t.Fatalf("accepted malformed key %q (prefix %q)", s, prefix)
		}
		if strings.ContainsAny(s, " \t\r\n") {
			t.Fatalf("accepted whitespace in %q", s)
		}
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"a@b.c", "A@B.C", " x@y.z ", "Name <a@b.c>", "a@", "@b", "a@b@c", "\"q\"@b.c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := identity.NormalizeEmail(s)
		if err != nil {
			return
		}
		if e != strings.ToLower(e) || strings.TrimSpace(e) != e || !strings.Contains(e, "@") {
			t.Fatalf("NormalizeEmail(%q) = %q", s, e)
		}
		if _, err := mail.ParseAddress(e); err != nil {
			t.Fatalf("normalized %q does not parse: %v", e, err)
		}
		// Idempotent.
		if again, err := identity.NormalizeEmail(e); err != nil || again != e {
			t.Fatalf("not idempotent: %q -> %q (%v)", e, again, err)
		}
	})
}
