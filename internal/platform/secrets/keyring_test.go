package secrets

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
)

var (
	keyA = []byte("key-a-0123456789abcdef0123456789abcdef")
	keyB = []byte("key-b-0123456789abcdef0123456789abcdef")
)

func TestSealOpenBindsOrgTableFieldRow(t *testing.T) {
	k := MustKeyring(keyA)
	org := uuid.Must(uuid.NewV7())
	ref := Ref{Org: org, Table: "alert_sources", Field: "webhook_secret", Row: uuid.Must(uuid.NewV7()).String()}
	plain := []byte("whsec_plaintext-value")
	sealed, err := k.Seal(ref, plain)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, Format+"."+k.CurrentID()+".") || !k.IsCurrent(sealed) || !IsSealed(sealed) {
		t.Fatalf("sealed value %q lacks the versioned prefix with key id %s", sealed, k.CurrentID())
	}
	if strings.Contains(sealed, string(plain)) {
		t.Fatal("plaintext visible in the sealed value")
	}
	got, err := k.Open(ref, sealed)
	if err != nil || string(got) != string(plain) {
		t.Fatalf("open: %q %v", got, err)
	}
	other := ref
	other.Org = uuid.Must(uuid.NewV7())
	moved := []Ref{other, {Org: org, Table: "oidc_configs", Field: ref.Field, Row: ref.Row},
		{Org: org, Table: ref.Table, Field: "other", Row: ref.Row}, {Org: org, Table: ref.Table, Field: ref.Field, Row: uuid.Must(uuid.NewV7()).String()},
		{Table: ref.Table, Field: ref.Field, Row: ref.Row}}
	for _, r := range moved {
		if _, err := k.Open(r, sealed); !errors.Is(err, ErrOpen) {
			t.Errorf("opened under %+v: %v", r, err)
		}
	}
	// Tampering with any byte of the data fails.
	i := len(sealed) - 3
	flipped := sealed[:i] + string(rune('A'+(sealed[i]-'A'+1)%26)) + sealed[i+1:]
	if _, err := k.Open(ref, flipped); !errors.Is(err, ErrOpen) {
		t.Errorf("tampered value opened: %v", err)
	}
	for _, bad := range []string{"", "sn1", "sn1.zz.", "plain", "sn1." + k.CurrentID() + ".!!!", "sn1." + k.CurrentID() + ".AAAA"} {
		if _, err := k.Open(ref, bad); !errors.Is(err, ErrOpen) {
			t.Errorf("%q opened: %v", bad, err)
		}
	}
	// Two seals of one value differ (random nonce).
	again, _ := k.Seal(ref, plain)
	if again == sealed {
		t.Fatal("deterministic sealing")
	}
}

func TestPreviousKeysOpenCurrentSeals(t *testing.T) {
	ref := Ref{Table: "users", Field: "totp", Row: "u1"}
	old := MustKeyring(keyA)
	sealed, err := old.Seal(ref, []byte("seed"))
	if err != nil {
		t.Fatal(err)
	}
	rotated := MustKeyring(keyB, keyA)
	if rotated.CurrentID() == old.CurrentID() || rotated.IsCurrent(sealed) {
		t.Fatal("key ids do not distinguish keys")
	}
	if got, err := rotated.Open(ref, sealed); err != nil || string(got) != "seed" {
		t.Fatalf("previous key: %q %v", got, err)
	}
	fresh, _ := rotated.Seal(ref, []byte("seed"))
	if !rotated.IsCurrent(fresh) {
		t.Fatal("new seal not under the current key")
	}
	if _, err := MustKeyring(keyB).Open(ref, sealed); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("dropped key still opens: %v", err)
	}
	if _, err := NewKeyring(nil); err == nil {
		t.Fatal("empty key accepted")
	}
	if _, err := NewKeyring(keyA, []byte{}); err == nil {
		t.Fatal("empty previous key accepted")
	}
}

func TestErrorsNeverContainValues(t *testing.T) {
	k := MustKeyring(keyA)
	ref := Ref{Table: "t", Field: "f", Row: "r"}
	secret := "TOP-SECRET-PLAINTEXT"
	sealed, _ := k.Seal(ref, []byte(secret))
	for _, v := range []string{sealed, secret, "sn1." + strings.Repeat("a", 16) + "." + secret} {
		_, err := k.Open(Ref{Table: "t", Field: "f", Row: "other"}, v)
		if err == nil {
			t.Fatalf("%q opened", v)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), sealed) {
			t.Fatalf("error leaks the value: %v", err)
		}
	}
}

func TestLegacyFormatsOpen(t *testing.T) {
	k := MustKeyring(keyB, keyA) // legacy values were sealed under the then-current key A
	nonce := make([]byte, 12)
	for _, l := range []Legacy{LegacyIdentityTOTP, LegacyIdentityOIDC, LegacyIngestWebhook} {
		v, err := sealLegacy(l, keyA, nonce, []byte("legacy "+string(l)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.openLegacy(l, v)
		if err != nil || string(got) != "legacy "+string(l) {
			t.Fatalf("%s: %q %v", l, got, err)
		}
		if _, err := MustKeyring(keyB).openLegacy(l, v); !errors.Is(err, ErrOpen) {
			t.Fatalf("%s opened under the wrong key: %v", l, err)
		}
	}
}

func FuzzOpen(f *testing.F) {
	k := MustKeyring(keyA)
	ref := Ref{Table: "t", Field: "f", Row: "r"}
	s, _ := k.Seal(ref, []byte("x"))
	for _, seed := range []string{s, "", "sn1.", "sn1.0123456789abcdef.", "sn1.0123456789abcdef.AAAA"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		out, err := k.Open(ref, v)
		if err == nil && v != s && string(out) != "x" {
			t.Fatalf("%q opened to %q", v, out)
		}
	})
}

func BenchmarkSealOpen(b *testing.B) {
	k := MustKeyring(keyA)
	ref := Ref{Org: uuid.Must(uuid.NewV7()), Table: "alert_sources", Field: "webhook_secret", Row: "r"}
	plain := []byte("whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab")
	for b.Loop() {
		s, err := k.Seal(ref, plain)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Open(ref, s); err != nil {
			b.Fatal(err)
		}
	}
}
