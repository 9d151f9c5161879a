package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// DefaultStreamWriteBudget is how long one write of a stream may block
// (a client that reads nothing for this long is cut off).
const DefaultStreamWriteBudget = 30 * time.Second

// Stream writes a long response (an NDJSON export, an event stream) that
// may outlive the server's write timeout: before a write it pushes the
// connection's write deadline to now + budget, so only a stalled client,
// never a long but moving transfer, hits the deadline. Flush sends what is
// buffered. It reaches the connection through http.ResponseController, so
// every middleware wrapper must implement Unwrap.
type Stream struct {
	w        io.Writer
	rc       *http.ResponseController
	budget   time.Duration
	extended time.Time
	now      func() time.Time
}

// NewStream wraps hctx's body writer. budget <= 0 selects
// DefaultStreamWriteBudget.
func NewStream(hctx huma.Context, budget time.Duration) *Stream {
	return NewStreamWriter(hctx.BodyWriter(), budget)
}

// NewStreamWriter wraps w, which should be (or unwrap to) the server's
// http.ResponseWriter; on any other writer deadlines and flushes are no-ops.
func NewStreamWriter(w io.Writer, budget time.Duration) *Stream {
	if budget <= 0 {
		budget = DefaultStreamWriteBudget
	}
	s := &Stream{w: w, budget: budget, now: time.Now}
	if rw, ok := w.(http.ResponseWriter); ok {
		s.rc = http.NewResponseController(rw)
	}
	return s
}

// Write extends the write deadline (at most once per tenth of the budget,
// so a stream of small writes does not reset timers on every line) and
// writes p.
func (s *Stream) Write(p []byte) (int, error) {
	if err := s.extend(); err != nil {
		return 0, err
	}
	n, err := s.w.Write(p)
	if err != nil {
		return n, fmt.Errorf("stream: write: %w", err)
	}
	return n, nil
}

// Flush extends the deadline and sends buffered bytes to the client.
func (s *Stream) Flush() error {
	if s.rc == nil {
		return nil
	}
	if err := s.extend(); err != nil {
		return err
	}
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("stream: flush: %w", err)
	}
	return nil
}

func (s *Stream) extend() error {
	if s.rc == nil {
		return nil
	}
	now := s.now()
	if now.Sub(s.extended) < s.budget/10 {
		return nil
	}
	if err := s.rc.SetWriteDeadline(now.Add(s.budget)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("stream: extend write deadline: %w", err)
	}
	s.extended = now
	return nil
}
