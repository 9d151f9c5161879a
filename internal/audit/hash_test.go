package audit

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
)

func goldenFields() chainFields {
	return chainFields{
		OrgID:      uuid.MustParse("01890a5d-ac96-774b-bcce-b302099a8057"),
		Seq:        7,
		OccurredAt: 1767323045123456,
		Actor:      "user:1", Action: "alert.update", TargetType: "alert", TargetID: "a-1",
		Outcome: "success", RequestID: "req-1", IP: "192.0.2.1", UserAgent: "ua",
		Details:  []byte(`{"a":1}`),
		PrevHash: GenesisHash,
	}
}

// TestHashGolden pins the v1 encoding: changing it silently would make
// every stored chain fail verification.
func TestHashGolden(t *testing.T) {
	// Computed independently from the documented encoding (docs/security.md).
	const want = "602d90a7b05bec97557956410b950a6651926cec4462ec35512957d6d83c84d4"
	if got := goldenFields().ComputeHash(); got != want {
		t.Fatalf("v1 hash changed: got %s want %s", got, want)
	}
}

// TestHashUnambiguous: moving bytes between adjacent fields, or changing
// any single field, changes the hash.
func TestHashUnambiguous(t *testing.T) {
	base := goldenFields()
	h := base.ComputeHash()
	shifted := base
	shifted.Actor, shifted.Action = "user:1a", "lert.update"
	mutations := map[string]chainFields{"shifted": shifted}
	m := base
	m.OrgID = uuid.Nil
	mutations["org"] = m
	m = base
	m.Seq = 8
	mutations["seq"] = m
	m = base
	m.OccurredAt++
	mutations["occurred_at"] = m
	for name, set := range map[string]func(*chainFields){
		"actor": func(f *chainFields) { f.Actor += "x" }, "action": func(f *chainFields) { f.Action += "x" },
		"target_type": func(f *chainFields) { f.TargetType += "x" }, "target_id": func(f *chainFields) { f.TargetID += "x" },
		"outcome": func(f *chainFields) { f.Outcome = "failure" }, "request_id": func(f *chainFields) { f.RequestID += "x" },
		"ip": func(f *chainFields) { f.IP += "x" }, "user_agent": func(f *chainFields) { f.UserAgent += "x" },
		"details": func(f *chainFields) { f.Details = []byte(`{"a":2}`) }, "prev_hash": func(f *chainFields) { f.PrevHash = "1" + f.PrevHash[1:] },
	} {
		m := base
		set(&m)
		mutations[name] = m
	}
	for name, f := range mutations {
		if f.ComputeHash() == h {
			t.Errorf("%s: hash unchanged", name)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	for in, want := range map[string]string{
		``:                             `{}`,
		` {"b" : 2, "a":[1.0, 1e2] } `: `{"a":[1,100],"b":2}`,
		`{"a":1,"a":2}`:                `{"a":2}`,
		`"x\u0000y"`:                   `"x` + "\uFFFD" + `y"`,
		`{"k\u0000":"<>&"}`:            `{"k` + "\uFFFD" + `":"<>&"}`,
		`12345678901234567890`:         `12345678901234567000`,
		`[1e21, 1e-7, -0.0]`:           `[1e+21,1e-7,0]`,
	} {
		got, err := CanonicalJSON([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if string(got) != want {
			t.Errorf("%q: got %s want %s", in, got, want)
		}
	}
	for _, bad := range []string{`{`, `{} {}`, `1e400`, `nul`} {
		if _, err := CanonicalJSON([]byte(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// FuzzCanonicalJSON: canonical output is valid JSON, free of U+0000,
// means the same value, and is a fixed point.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"b":1,"a":[true,null,"x"]}`, `1.50`, `"\ud800"`, `{"\u0000":"\u2028"}`, `[1e308,-1e-308]`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := CanonicalJSON(in)
		if err != nil {
			return
		}
		if !json.Valid(c) {
			t.Fatalf("invalid canonical JSON %q from %q", c, in)
		}
		if bytes.Contains(c, []byte(`\u0000`)) || bytes.IndexByte(c, 0) >= 0 {
			t.Fatalf("U+0000 in %q", c)
		}
		again, err := CanonicalJSON(c)
		if err != nil || !bytes.Equal(again, c) {
			t.Fatalf("not a fixed point: %q -> %q (%v)", c, again, err)
		}
		// Reindented input canonicalises identically (whitespace is
		// insignificant).
		var buf bytes.Buffer
		if json.Indent(&buf, c, "", "  ") == nil {
			if re, err := CanonicalJSON(buf.Bytes()); err != nil || !bytes.Equal(re, c) {
				t.Fatalf("indent changed canonical form: %q vs %q", re, c)
			}
		}
	})
}
