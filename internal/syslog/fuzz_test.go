package syslog

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzSyslog5424(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		m, err := Parse5424(line)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error type %T", err)
			}
			return
		}
		if m.Priority < 0 || m.Priority > 191 || m.Facility != m.Priority/8 || m.Severity != m.Priority%8 || m.Version < 1 {
			t.Fatalf("header out of range: %+v", m)
		}
		if !m.Timestamp.IsZero() && m.Timestamp.Location() != time.UTC {
			t.Fatal("timestamp not UTC")
		}
		for _, f := range []string{m.Hostname, m.AppName, m.ProcID, m.MsgID} {
			if !utf8.ValidString(f) || len(f) > 255 {
				t.Fatalf("header field %q not printable ASCII", f)
			}
		}
	})
}

func FuzzSyslog3164(f *testing.F) {
	ref := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line string) {
		m, err := Parse3164(line, ref)
		if err != nil {
			return
		}
		if m.HasPriority && (m.Priority < 0 || m.Priority > 191 || m.Severity != m.Priority%8) {
			t.Fatalf("priority out of range: %+v", m)
		}
		if !m.Timestamp.IsZero() && m.Timestamp.Location() != time.UTC {
			t.Fatalf("timestamp %v not UTC", m.Timestamp)
		}
		// A BSD stamp (no year) is inferred at most a week past the reference.
		body := line
		if m.HasPriority {
			body = line[strings.IndexByte(line, '>')+1:]
		}
		withYear := len(body) > 11 && body[6] == ' ' && isDigit(body[7]) && isDigit(body[10]) // ASA "Jan 02 2024 ..."
		if _, isBSD := months[body[:min(3, len(body))]]; isBSD && !withYear && m.Timestamp.After(ref.Add(8*24*time.Hour)) {
			t.Fatalf("inferred timestamp %v beyond reference", m.Timestamp)
		}
		if _, err := Parse(line, ref); err != nil && m.Format == FormatRFC3164 {
			t.Fatalf("Parse rejects what Parse3164 accepts: %v", err)
		}
	})
}

func FuzzCEF(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCEF(line)
		if err != nil {
			return
		}
		if c.Version < 0 {
			t.Fatal("negative version")
		}
		for _, e := range c.Extensions {
			if e.Key == "" {
				t.Fatal("empty extension key")
			}
		}
	})
}

func FuzzPANOS(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		p, err := ParsePANOS(line)
		if err != nil {
			return
		}
		if len(p.Fields) < 36 {
			t.Fatalf("%d fields accepted", len(p.Fields))
		}
	})
}

// FuzzVendorBodies feeds arbitrary text to the ASA, key=value, Check
// Point and Snort readers: none panics, and what they return is bounded
// by the input.
func FuzzVendorBodies(f *testing.F) {
	for _, s := range []string{
		"%ASA-4-106023: Deny tcp src outside:192.0.2.1/1 dst inside:10.0.0.1/22",
		`date=2024-01-02 time=03:04:05 devname="fg \"x\"" logid="0419016384" type="utm" msg="a b"`,
		`[action:"Drop"; src:"192.0.2.1"; x:"\"q\""]`,
		"time=1|product=Firewall|loguid={0x1}|originsicname=cn\\=a|",
		"01/02-03:04:05.000001 [**] [1:2:3] msg [**] [Classification: c] [Priority: 2] {TCP} 192.0.2.1:1 -> 192.0.2.2:2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, ok := FindASA(s); ok && (a.Level < 0 || a.Level > 9 || a.ID == "" || len(a.Text) > len(s)) {
			t.Fatalf("ASA %+v", a)
		}
		for _, kv := range ParseKV(s) {
			if kv.Key == "" || len(kv.Value) > len(s) {
				t.Fatalf("kv %+v", kv)
			}
		}
		if kvs, ok := ParseCheckPoint(s); ok {
			for _, kv := range kvs {
				if len(kv.Key)+len(kv.Value) > len(s) {
					t.Fatalf("check point %+v", kv)
				}
			}
		}
		if a, ok := ParseSnort(s); ok && (a.SID == "" || len(a.Msg) > len(s)) {
			t.Fatalf("snort %+v", a)
		}
	})
}
