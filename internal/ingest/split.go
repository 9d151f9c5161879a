package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/securenexus/securenexus/internal/apperr"
)

// Limits bound one batch request.
type Limits struct {
	MaxBytes       int64 // whole body
	MaxRecords     int   // records per request
	MaxRecordBytes int   // one record (NDJSON line)
}

// DefaultLimits are the batch endpoint's bounds.
var DefaultLimits = Limits{MaxBytes: 32 << 20, MaxRecords: 10000, MaxRecordBytes: 1 << 20}

// ErrTooLarge is returned (wrapped in an *apperr.Error) when a body exceeds its limit.
var ErrTooLarge = errors.New("ingest: body too large")

// limitedReader fails once more than n bytes were read.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

// Sink receives split records: Record for each well-framed record, Reject
// for one that cannot be read (the rest of the body continues).
type Sink interface {
	Record(index int, raw []byte)
	Reject(index int, reason, field string)
}

// Split streams records out of r, which holds a JSON array of records or
// newline-delimited JSON (one record per line), chosen by the first
// non-blank byte. Records are never all held in memory by Split itself; raw
// slices passed to the sink are only valid during the call. It returns an
// *apperr.Error for a body that cannot be framed at all (400) or exceeds
// the limits (413).
func Split(r io.Reader, lim Limits, sink Sink) error {
	if lim.MaxBytes > 0 {
		r = &limitedReader{r: r, n: lim.MaxBytes}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := peekNonSpace(br)
	if errors.Is(err, io.EOF) {
		return apperr.BadRequest("empty body: send a JSON array of records or NDJSON", apperr.Field("body", "empty"))
	}
	if err != nil {
		return readErr(err)
	}
	if first == '[' {
		return splitArray(br, lim, sink)
	}
	return splitLines(br, lim, sink)
}

func readErr(err error) error {
	if errors.Is(err, ErrTooLarge) {
		return apperr.TooLarge("request body exceeds the batch size limit")
	}
	return apperr.BadRequest("cannot read request body: "+err.Error(), apperr.Field("body", "read failed"))
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // UTF-8 BOM
			continue
		case 0xBB, 0xBF:
			continue
		}
		return b, br.UnreadByte()
	}
}

func tooMany(lim Limits) error {
	return apperr.TooLarge(fmt.Sprintf("batch has more than %d records", lim.MaxRecords))
}

func splitArray(br *bufio.Reader, lim Limits, sink Sink) error {
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // '['
		return readErr(err)
	}
	i := 0
	for dec.More() {
		if lim.MaxRecords > 0 && i >= lim.MaxRecords {
			return tooMany(lim)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, ErrTooLarge) {
				return readErr(err)
			}
			// The array cannot be resynchronised after a syntax error:
			// this record is rejected and reading stops.
			sink.Reject(i, "malformed JSON: "+err.Error()+"; records after it were not read", fmt.Sprintf("body[%d]", i))
			return nil
		}
		if lim.MaxRecordBytes > 0 && len(raw) > lim.MaxRecordBytes {
			sink.Reject(i, fmt.Sprintf("record larger than %d bytes", lim.MaxRecordBytes), fmt.Sprintf("body[%d]", i))
		} else if len(raw) == 0 || raw[0] != '{' {
			sink.Reject(i, "record is not a JSON object", fmt.Sprintf("body[%d]", i))
		} else {
			sink.Record(i, raw)
		}
		i++
	}
	if _, err := dec.Token(); err != nil { // ']'
		if errors.Is(err, ErrTooLarge) {
			return readErr(err)
		}
		sink.Reject(i, "malformed JSON array end: "+err.Error(), "body")
	}
	return nil
}

func splitLines(br *bufio.Reader, lim Limits, sink Sink) error {
	maxLine := lim.MaxRecordBytes
	if maxLine <= 0 {
		maxLine = 1 << 20
	}
	var buf []byte
	i := 0
	for {
		line, isPrefix, err := br.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return readErr(err)
		}
		if isPrefix {
			buf = append(buf[:0], line...)
			over := false
			for isPrefix {
				line, isPrefix, err = br.ReadLine()
				if err != nil && !errors.Is(err, io.EOF) {
					return readErr(err)
				}
				if !over {
					buf = append(buf, line...)
					if len(buf) > maxLine {
						over = true
						buf = buf[:0]
					}
				}
				if errors.Is(err, io.EOF) {
					break
				}
			}
			if over {
				if lim.MaxRecords > 0 && i >= lim.MaxRecords {
					return tooMany(lim)
				}
				sink.Reject(i, fmt.Sprintf("record larger than %d bytes", maxLine), fmt.Sprintf("line %d", i+1))
				i++
				continue
			}
			line = buf
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if lim.MaxRecords > 0 && i >= lim.MaxRecords {
			return tooMany(lim)
		}
		if len(line) > maxLine {
			sink.Reject(i, fmt.Sprintf("record larger than %d bytes", maxLine), fmt.Sprintf("line %d", i+1))
		} else {
			sink.Record(i, line)
		}
		i++
	}
}
