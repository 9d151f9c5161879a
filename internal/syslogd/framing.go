// Package syslogd is the syslog network listener: TCP (octet-counting and
// newline framing, RFC 6587) and UDP (one message per datagram). Each
// sender is mapped to an org through a configured syslog source whose
// allowed CIDRs contain its address; messages from unknown senders are
// dropped and counted. Messages are batched per source and fed to the
// ingest pipeline, which parses RFC 5424/3164 and CEF payloads.
package syslogd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxMessage bounds one syslog message.
const MaxMessage = 64 << 10

// ErrFrame reports a malformed TCP frame; the connection is closed.
var ErrFrame = errors.New("syslogd: malformed frame")

// ReadFrame reads one message from a TCP stream. A frame starting with a
// digit is octet-counted ("LEN SP MSG"); anything else runs to the next LF
// (a trailing CR is dropped). Messages longer than max are an error. At a
// clean end of stream it returns io.EOF.
func ReadFrame(br *bufio.Reader, max int) ([]byte, error) {
	for {
		b, err := br.Peek(1)
		if err != nil {
			return nil, err
		}
		// Skip stray separators between frames.
		if b[0] == '\n' || b[0] == '\r' || b[0] == 0 {
			if _, err := br.Discard(1); err != nil {
				return nil, err
			}
			continue
		}
		if b[0] >= '1' && b[0] <= '9' {
			return readCounted(br, max)
		}
		return readLine(br, max)
	}
}

func readCounted(br *bufio.Reader, max int) ([]byte, error) {
	n := 0
	for digits := 0; ; digits++ {
		c, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("%w: truncated length: %w", ErrFrame, noEOF(err))
		}
		if c == ' ' {
			if digits == 0 {
				return nil, fmt.Errorf("%w: empty length", ErrFrame)
			}
			break
		}
		if c < '0' || c > '9' || digits >= 7 {
			return nil, fmt.Errorf("%w: bad octet count", ErrFrame)
		}
		n = n*10 + int(c-'0')
	}
	if n == 0 || n > max {
		return nil, fmt.Errorf("%w: message length %d outside 1..%d", ErrFrame, n, max)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(br, msg); err != nil {
		return nil, fmt.Errorf("%w: truncated message: %w", ErrFrame, noEOF(err))
	}
	return bytes.TrimRight(msg, "\r\n"), nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		out = append(out, chunk...)
		if len(out) > max+1 {
			return nil, fmt.Errorf("%w: line longer than %d bytes", ErrFrame, max)
		}
		if err == nil || (errors.Is(err, io.EOF) && len(out) > 0) {
			out = bytes.TrimRight(out, "\r\n")
			if len(out) > max {
				return nil, fmt.Errorf("%w: line longer than %d bytes", ErrFrame, max)
			}
			return out, nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return nil, err
	}
}
