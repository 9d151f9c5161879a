package syslogd

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func frames(t *testing.T, in string, max int) ([]string, error) {
	t.Helper()
	br := bufio.NewReaderSize(strings.NewReader(in), 16)
	var out []string
	for {
		m, err := ReadFrame(br, max)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(m))
	}
}

func TestReadFrame(t *testing.T) {
	got, err := frames(t, "11 <13>1 - x y\n<14>hello world\r\n\n21 <13>1 multi\nline body5 abcde", 1024)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"<13>1 - x y", "<14>hello world", "<13>1 multi\nline body", "abcde"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q want %q", got, want)
	}
	for _, bad := range []string{"5 abc", "99999999 x", "12x abc", "<1>" + strings.Repeat("a", 100)} {
		if _, err := frames(t, bad, 50); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	// A long line within the limit spans several buffer fills.
	long := "<13>" + strings.Repeat("z", 100)
	if got, err := frames(t, long+"\n", 200); err != nil || len(got) != 1 || got[0] != long {
		t.Fatalf("long line: %v %q", err, got)
	}
}

// FuzzReadFrame: framing never panics, never returns more than max bytes,
// and consumes the stream (no infinite loop).
func FuzzReadFrame(f *testing.F) {
	for _, s := range []string{"11 <13>1 - x y\n", "<14>a\nb\n", "3 ab", "\x00\n\r", "9999999 ", "12 abc\ndef\nghi"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(in), 16)
		for range len(in) + 2 {
			m, err := ReadFrame(br, 64)
			if err != nil {
				return
			}
			if len(m) > 64 {
				t.Fatalf("frame of %d bytes", len(m))
			}
		}
		if _, err := ReadFrame(br, 64); err == nil {
			t.Fatal("stream not consumed")
		}
	})
}
