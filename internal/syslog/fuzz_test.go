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
		if _, isBSD := months[body[:min(3, len(body))]]; isBSD && m.Timestamp.After(ref.Add(8*24*time.Hour)) {
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
