package payload

import (
	"bytes"
	"strings"
	"testing"
)

func TestPackRoundTripAndShrinks(t *testing.T) {
	js := []byte(`{"timestamp":"2026-11-27T09:00:00.000000+0000","event_type":"alert","src_ip":"203.0.113.9","src_port":51544,"dest_ip":"10.0.0.5","dest_port":443,"proto":"TCP","alert":{"signature_id":2027865,"signature":"ET MALWARE Cobalt Strike Beacon Observed","category":"A Network Trojan was detected","severity":1}}`)
	for _, raw := range [][]byte{js, []byte("short"), nil, []byte(strings.Repeat("x", 5000)), []byte("CEF:0|Acme|NGFW|9.1|100|Port scan detected|5|src=1.2.3.4")} {
		p := Pack(raw)
		if len(p) > len(raw) {
			t.Fatalf("packed %d bytes into %d", len(raw), len(p))
		}
		got, err := Unpack(p)
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("round trip of %q: %q, %v", raw, got, err)
		}
	}
	if p := Pack(js); len(p) >= len(js)*85/100 {
		t.Fatalf("a %d-byte JSON payload packed to %d bytes", len(js), len(p))
	}
}

func TestUnpackRefusesCorruptFrames(t *testing.T) {
	p := Pack([]byte(strings.Repeat(`{"a":"b"},`, 100)))
	p[len(p)/2] ^= 0xff
	p = p[:len(p)-3]
	if _, err := Unpack(p); err == nil {
		t.Fatal("a corrupt frame unpacked")
	}
}

func FuzzUnpack(f *testing.F) {
	f.Add(Pack([]byte(strings.Repeat(`{"k":"v"}`, 20))))
	f.Add([]byte(`{"plain":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Unpack(b)
		if err == nil && len(out) > MaxSize {
			t.Fatalf("unpacked %d bytes", len(out))
		}
		if got, err := Unpack(Pack(b)); err != nil || !bytes.Equal(got, b) {
			// Pack(b) of a b that itself starts with the magic is
			// ambiguous only when it is left uncompressed.
			if !bytes.HasPrefix(b, magic) {
				t.Fatalf("round trip failed: %v", err)
			}
		}
	})
}
