package stream_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/stream"
)

func TestReaderParsesMessages(t *testing.T) {
	in := "retry: 2000\n: connected\n\nid: 7\nevent: alert.updated.v1\ndata: {\"a\":1}\n\n: heartbeat\n\ndata: one\ndata: two\r\n\r\nid: 9\nevent: resync\ndata: x\n"
	r := stream.NewReader(strings.NewReader(in))
	m, err := r.Next()
	if err != nil || m.ID != "7" || m.Event != "alert.updated.v1" || m.Data != `{"a":1}` {
		t.Fatalf("first: %+v %v", m, err)
	}
	m, err = r.Next()
	if err != nil || m.ID != "" || m.Event != "message" || m.Data != "one\ntwo" {
		t.Fatalf("second: %+v %v", m, err)
	}
	if _, err := r.Next(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("truncated message: %v", err)
	}
	if r.Comments != 2 {
		t.Fatalf("comments %d, want 2", r.Comments)
	}
	if _, err := stream.NewReader(strings.NewReader(": only\n\n")).Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("empty stream: %v", err)
	}
}

func FuzzReader(f *testing.F) {
	f.Add("id: 1\nevent: x\ndata: y\n\n")
	f.Add(": c\n\ndata\n\nid\x00: 3\n\n")
	f.Add("retry: 10\r\ndata: a\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := stream.NewReader(strings.NewReader(in))
		for range 1000 {
			m, err := r.Next()
			if err != nil {
				return
			}
			if strings.ContainsAny(m.ID, "\n\x00") || strings.Contains(m.Event, "\n") {
				t.Fatalf("field spans lines: %+v", m)
			}
		}
	})
}
