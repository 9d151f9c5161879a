package stream

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Message is one Server-Sent Events message as a client reads it.
type Message struct {
	// ID is the id field ("" when absent).
	ID string
	// Event is the event name ("message" when absent).
	Event string
	// Data is the data field(s), joined by newlines.
	Data string
}

// MaxLineBytes bounds one line a Reader accepts.
const MaxLineBytes = 2 << 20

// Reader parses an event stream (the text/event-stream format of the
// WHATWG HTML standard): messages separated by blank lines, comments
// (lines starting with ':') ignored. It is for SecureNexus's own clients
// (tests, `securenexus bench stream`).
type Reader struct {
	sc *bufio.Scanner
	// Comments counts the comment lines read (heartbeats).
	Comments int
}

// NewReader reads messages from r.
func NewReader(r io.Reader) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	return &Reader{sc: sc}
}

// Next returns the next message; io.EOF when the stream ended cleanly
// between messages.
func (r *Reader) Next() (Message, error) {
	var m Message
	var data []string
	seen := false
	for r.sc.Scan() {
		line := strings.TrimSuffix(r.sc.Text(), "\r")
		if line == "" {
			if len(data) == 0 {
				// Nothing to dispatch (the standard drops such a
				// message; its id still counts as the last id).
				m.Event, seen = "", false
				continue
			}
			m.Data = strings.Join(data, "\n")
			if m.Event == "" {
				m.Event = "message"
			}
			return m, nil
		}
		if strings.HasPrefix(line, ":") {
			r.Comments++
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			if !strings.ContainsRune(value, 0) {
				m.ID = value
			}
		case "event":
			m.Event = value
		case "data":
			data = append(data, value)
		default:
			continue // retry and unknown fields are ignored
		}
		seen = true
	}
	if err := r.sc.Err(); err != nil {
		return Message{}, fmt.Errorf("stream: read: %w", err)
	}
	if seen {
		return Message{}, errors.New("stream: truncated message")
	}
	return Message{}, io.EOF
}
