package ingest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type collectSink struct {
	records  [][]byte
	rejected []int
}

func (c *collectSink) Record(i int, raw []byte) {
	c.records = append(c.records, append([]byte(nil), raw...))
}
func (c *collectSink) Reject(i int, _, _ string) { c.rejected = append(c.rejected, i) }

func TestSplitShapes(t *testing.T) {
	cases := []struct {
		body           string
		records, rejec int
	}{
		{`[{"a":1},{"b":2}]`, 2, 0},
		{` [ ] `, 0, 0},
		{"{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}", 3, 0},
		{`[{"a":1},2,"x",{"b":`, 1, 3},
		{"\xef\xbb\xbf[{\"a\":1}]", 1, 0},
		{"CEF:0|a|b|1|2|n|5|src=1.2.3.4\n{\"x\":1}\n", 2, 0},
	}
	for _, c := range cases {
		s := &collectSink{}
		if err := Split(strings.NewReader(c.body), DefaultLimits, s); err != nil {
			t.Fatalf("%q: %v", c.body, err)
		}
		if len(s.records) != c.records || len(s.rejected) != c.rejec {
			t.Errorf("%q: %d records %d rejected, want %d %d", c.body, len(s.records), len(s.rejected), c.records, c.rejec)
		}
	}
	s := &collectSink{}
	long := "{\"a\":\"" + strings.Repeat("x", 200) + "\"}\n{\"b\":1}\n"
	if err := Split(strings.NewReader(long), Limits{MaxBytes: 1 << 20, MaxRecords: 10, MaxRecordBytes: 100}, s); err != nil {
		t.Fatal(err)
	}
	if len(s.records) != 1 || len(s.rejected) != 1 || s.rejected[0] != 0 {
		t.Fatalf("oversized line: %+v", s)
	}
	if err := Split(strings.NewReader(strings.Repeat(" ", 10)+long), Limits{MaxBytes: 50, MaxRecords: 10, MaxRecordBytes: 1000}, &collectSink{}); err == nil {
		t.Fatal("body over MaxBytes accepted")
	}
}

// FuzzSplit: Split never panics, never yields more records than the
// limit, and every NDJSON record it yields is a non-blank line of the input.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{`[{"a":1},{"b":[1,2]}]`, "{\"a\":1}\n{\"b\":2}\n", `[1,"x",{}]`, "\n\n", `[{"a":`, "\xef\xbb\xbf{}\n", strings.Repeat("x", 300)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		lim := Limits{MaxBytes: 4096, MaxRecords: 50, MaxRecordBytes: 256}
		s := &collectSink{}
		_ = Split(bytes.NewReader(body), lim, s)
		if len(s.records)+len(s.rejected) > lim.MaxRecords+1 {
			t.Fatalf("%d records over limit", len(s.records))
		}
		for _, r := range s.records {
			if len(r) == 0 || len(r) > lim.MaxRecordBytes {
				t.Fatalf("record of %d bytes", len(r))
			}
			if !bytes.Contains(body, r) && r[0] != '{' {
				t.Fatalf("record %q not in input", r)
			}
		}
	})
}

func TestVerifySignature(t *testing.T) {
	secret := []byte("whsec_test")
	body := []byte(`{"title":"x"}`)
	now := time.Unix(1_800_000_000, 0)
	ts := now.Unix()
	good := Sign(secret, ts, body)
	tsS := "1800000000"
	if err := VerifySignature(secret, tsS, good, body, now, time.Minute); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	if err := VerifySignature(secret, tsS, "v0=abc, "+good, body, now, time.Minute); err != nil {
		t.Fatalf("rotation list refused: %v", err)
	}
	for name, c := range map[string]struct{ ts, sig, body string }{
		"tampered body": {tsS, good, `{"title":"y"}`},
		"other ts":      {"1800000001", good, string(body)},
		"stale":         {"1799999000", Sign(secret, 1_799_999_000, body), string(body)},
		"no v1":         {tsS, "v0=" + good[3:], string(body)},
		"short":         {tsS, "v1=abcd", string(body)},
		"not hex":       {tsS, "v1=" + strings.Repeat("z", 64), string(body)},
		"bad ts":        {"yesterday", good, string(body)},
	} {
		if err := VerifySignature(secret, c.ts, c.sig, []byte(c.body), now, time.Minute); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseSignatureHeader: parsing never panics and returns only 32-byte
// signatures.
func FuzzParseSignatureHeader(f *testing.F) {
	for _, s := range []string{"v1=" + strings.Repeat("ab", 32), "v1=" + strings.Repeat("ab", 32) + ",v1=" + strings.Repeat("cd", 32), "v0=x", "", ",,=", "v1="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		sigs, err := ParseSignatureHeader(h)
		if err == nil && len(sigs) == 0 {
			t.Fatal("no error and no signatures")
		}
		for _, s := range sigs {
			if len(s) != 32 {
				t.Fatalf("signature of %d bytes", len(s))
			}
		}
	})
}
