// Package syslog parses syslog lines (RFC 5424, RFC 3164 and BSD lines
// without a PRI), CEF records (ArcSight Common Event Format, bare or carried
// in syslog) and PAN-OS THREAT logs (CSV carried in syslog). It only parses;
// it opens no network listener.
package syslog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Format is the syslog wire format of a parsed line.
type Format int

// Syslog formats.
const (
	FormatUnknown Format = iota
	// FormatRFC5424 is "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG".
	FormatRFC5424
	// FormatRFC3164 is "<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG".
	FormatRFC3164
	// FormatBSD is an RFC 3164 line without the PRI (as written to
	// /var/log by syslog daemons).
	FormatBSD
)

func (f Format) String() string {
	switch f {
	case FormatRFC5424:
		return "rfc5424"
	case FormatRFC3164:
		return "rfc3164"
	case FormatBSD:
		return "bsd"
	}
	return "unknown"
}

// Error reports a malformed line; Field names the offending part
// ("priority", "version", "timestamp", "structured_data", "header"...).
type Error struct {
	Field  string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("syslog %s: %s", e.Field, e.Reason) }

func errf(field, format string, args ...any) *Error {
	return &Error{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// SDParam is one PARAM-NAME="PARAM-VALUE" of a structured-data element.
type SDParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SDElement is one [SD-ID params...] element of RFC 5424 structured data.
type SDElement struct {
	ID     string    `json:"id"`
	Params []SDParam `json:"params,omitempty"`
}

// Message is one parsed syslog line. Absent RFC 5424 "-" fields are empty.
type Message struct {
	Format      Format
	HasPriority bool
	Priority    int // 0..191 when HasPriority
	Facility    int // Priority / 8
	Severity    int // Priority % 8 (0 emergency .. 7 debug)
	Version     int // RFC 5424 only
	// Timestamp is UTC; zero when absent or unparseable. RFC 3164 stamps
	// carry no year or zone: the year is inferred from the reference time
	// and the zone is taken as UTC.
	Timestamp      time.Time
	Hostname       string
	AppName        string // RFC 5424 APP-NAME or RFC 3164 TAG
	ProcID         string
	MsgID          string
	StructuredData []SDElement
	Message        string
}

// Parse detects the format of line and parses it. ref is the reference
// time for year inference in RFC 3164 timestamps (usually time.Now()).
func Parse(line string, ref time.Time) (Message, error) {
	line = strings.TrimRight(line, "\r\n")
	if len(line) > 0 && line[0] == '<' {
		if end := strings.IndexByte(line, '>'); end > 0 && end+1 < len(line) && line[end+1] >= '1' && line[end+1] <= '9' {
			// "<PRI>1 " is RFC 5424; "<PRI>1990 Oct..." is not.
			k := end + 1
			for k < len(line) && k-end <= 3 && isDigit(line[k]) {
				k++
			}
			if k < len(line) && line[k] == ' ' && k-end <= 4 {
				if m, err := Parse5424(line); err == nil {
					return m, nil
				}
			}
		}
	}
	return Parse3164(line, ref)
}

// parsePRI reads "<N>" at the start of s and returns N and the rest.
func parsePRI(s string) (int, string, error) {
	if len(s) < 3 || s[0] != '<' {
		return 0, s, errf("priority", "missing <PRI>")
	}
	end := strings.IndexByte(s[:min(len(s), 5)], '>')
	if end < 2 {
		return 0, s, errf("priority", "unterminated or empty <PRI>")
	}
	digits := s[1:end]
	if len(digits) > 1 && digits[0] == '0' {
		return 0, s, errf("priority", "leading zero in PRI %q", digits)
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || n > 191 {
		return 0, s, errf("priority", "PRI %q out of range 0..191", digits)
	}
	return n, s[end+1:], nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// nextField splits s at the first space.
func nextField(s string) (string, string, bool) {
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// Parse5424 parses an RFC 5424 line.
func Parse5424(line string) (Message, error) {
	var m Message
	line = strings.TrimRight(line, "\r\n")
	pri, rest, err := parsePRI(line)
	if err != nil {
		return m, err
	}
	m.Format, m.HasPriority, m.Priority, m.Facility, m.Severity = FormatRFC5424, true, pri, pri/8, pri%8
	ver, rest, ok := nextField(rest)
	if !ok || ver == "" || len(ver) > 3 || ver[0] == '0' || strings.IndexFunc(ver, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return m, errf("version", "missing or invalid version %q", ver)
	}
	m.Version, err = strconv.Atoi(ver)
	if err != nil {
		return m, errf("version", "invalid version %q", ver)
	}
	ts, rest, ok := nextField(rest)
	if !ok {
		return m, errf("header", "truncated header")
	}
	if ts != "-" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return m, errf("timestamp", "invalid RFC 3339 timestamp %q", ts)
		}
		m.Timestamp = t.UTC()
	}
	fields := [4]*string{&m.Hostname, &m.AppName, &m.ProcID, &m.MsgID}
	limits := [4]int{255, 48, 128, 32}
	names := [4]string{"hostname", "app_name", "procid", "msgid"}
	for i, f := range fields {
		var v string
		v, rest, ok = nextField(rest)
		if !ok {
			return m, errf("header", "truncated header at %s", names[i])
		}
		if v == "" || len(v) > limits[i] || !printASCII(v) {
			return m, errf(names[i], "invalid %s", names[i])
		}
		if v != "-" {
			*f = v
		}
	}
	if rest == "" {
		return m, errf("structured_data", "missing structured data")
	}
	switch rest[0] {
	case '-':
		rest = rest[1:]
	case '[':
		sd, r, err := parseSD(rest)
		if err != nil {
			return m, err
		}
		m.StructuredData, rest = sd, r
	default:
		return m, errf("structured_data", "structured data must be - or [...]")
	}
	if rest != "" {
		if rest[0] != ' ' {
			return m, errf("structured_data", "expected space after structured data")
		}
		rest = rest[1:]
	}
	m.Message = strings.TrimPrefix(rest, "\xef\xbb\xbf")
	return m, nil
}

func printASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return true
}

func parseSD(s string) ([]SDElement, string, error) {
	var out []SDElement
	for len(s) > 0 && s[0] == '[' {
		s = s[1:]
		end := strings.IndexAny(s, " ]")
		if end <= 0 {
			return nil, s, errf("structured_data", "invalid SD-ID")
		}
		el := SDElement{ID: s[:end]}
		if !sdName(el.ID) {
			return nil, s, errf("structured_data", "invalid SD-ID %q", el.ID)
		}
		s = s[end:]
		for len(s) > 0 && s[0] == ' ' {
			s = s[1:]
			eq := strings.IndexByte(s, '=')
			if eq <= 0 || eq+1 >= len(s) || s[eq+1] != '"' || !sdName(s[:eq]) {
				return nil, s, errf("structured_data", "invalid SD-PARAM in %q", el.ID)
			}
			name := s[:eq]
			s = s[eq+2:]
			var b strings.Builder
			closed := false
			i := 0
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
				i++
			}
			if !closed {
				return nil, s, errf("structured_data", "unterminated value of %q", name)
			}
			el.Params = append(el.Params, SDParam{Name: name, Value: b.String()})
			s = s[i+1:]
		}
		if len(s) == 0 || s[0] != ']' {
			return nil, s, errf("structured_data", "unterminated element %q", el.ID)
		}
		s = s[1:]
		out = append(out, el)
	}
	return out, s, nil
}

func sdName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 || c == '=' || c == ' ' || c == ']' || c == '"' {
			return false
		}
	}
	return true
}

var months = map[string]time.Month{
	"Jan": time.January, "Feb": time.February, "Mar": time.March, "Apr": time.April,
	"May": time.May, "Jun": time.June, "Jul": time.July, "Aug": time.August,
	"Sep": time.September, "Oct": time.October, "Nov": time.November, "Dec": time.December,
}

// Parse3164 parses an RFC 3164 line, with or without its <PRI> (BSD
// format). Following RFC 3164 §4.3, a line whose timestamp cannot be read
// is not an error: everything after the PRI becomes the message. An
// RFC 3339 timestamp in place of the BSD one (rsyslog "high precision"
// format) is accepted.
func Parse3164(line string, ref time.Time) (Message, error) {
	var m Message
	line = strings.TrimRight(line, "\r\n")
	rest := line
	m.Format = FormatBSD
	if len(line) > 0 && line[0] == '<' {
		pri, r, err := parsePRI(line)
		if err != nil {
			return m, err
		}
		m.Format, m.HasPriority, m.Priority, m.Facility, m.Severity = FormatRFC3164, true, pri, pri/8, pri%8
		rest = r
	}
	ts, r, ok := parseBSDTime(rest, ref)
	if !ok {
		if m.Format == FormatBSD {
			return m, errf("timestamp", "not a syslog line: no <PRI> and no timestamp")
		}
		m.Message = rest
		return m, nil
	}
	m.Timestamp = ts
	rest = strings.TrimLeft(r, " ")
	host, r2, ok := nextField(rest)
	if !ok {
		m.Hostname = host
		return m, nil
	}
	m.Hostname = host
	rest = r2
	// TAG[PID]: content
	word, after, _ := nextField(rest)
	if tag, pid, ok := splitTag(word); ok {
		m.AppName, m.ProcID = tag, pid
		rest = after
	}
	m.Message = rest
	return m, nil
}

// splitTag reads "tag:", "tag[pid]:" (tag may hold letters, digits and
// _-./() as in "sshd(pam_unix)[123]:").
func splitTag(w string) (string, string, bool) {
	if len(w) < 2 || w[len(w)-1] != ':' {
		return "", "", false
	}
	w = w[:len(w)-1]
	pid := ""
	if w[len(w)-1] == ']' {
		open := strings.LastIndexByte(w, '[')
		if open <= 0 {
			return "", "", false
		}
		pid = w[open+1 : len(w)-1]
		w = w[:open]
	}
	if w == "" || len(w) > 48 {
		return "", "", false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !isDigit(c) && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && strings.IndexByte("_-./()", c) < 0 {
			return "", "", false
		}
	}
	return w, pid, true
}

// parseBSDTime reads "Mmm dd hh:mm:ss" (day space- or zero-padded) or an
// RFC 3339 timestamp at the start of s.
func parseBSDTime(s string, ref time.Time) (time.Time, string, bool) {
	if len(s) >= 14 && s[3] == ' ' {
		mon, ok := months[s[:3]]
		if !ok {
			return time.Time{}, s, false
		}
		// Day: " 5", "05" or "5" (unpadded, seen from some devices).
		i := 4
		if s[i] == ' ' {
			i++
		}
		day := 0
		for j := 0; j < 2 && i < len(s) && isDigit(s[i]); j++ {
			day = day*10 + int(s[i]-'0')
			i++
		}
		if i+9 > len(s) || s[i] != ' ' || day < 1 || day > 31 {
			return time.Time{}, s, false
		}
		c, err := time.Parse("15:04:05", s[i+1:i+9])
		if err != nil {
			return time.Time{}, s, false
		}
		if ref.IsZero() {
			ref = time.Now()
		}
		ref = ref.UTC()
		year := ref.Year()
		t := time.Date(year, mon, day, c.Hour(), c.Minute(), c.Second(), 0, time.UTC)
		if t.Month() != mon {
			return time.Time{}, s, false // e.g. Feb 31
		}
		// A stamp more than a week ahead of the reference is from last year.
		if t.After(ref.Add(7 * 24 * time.Hour)) {
			t = time.Date(year-1, mon, day, c.Hour(), c.Minute(), c.Second(), 0, time.UTC)
		}
		rest := s[i+9:]
		if rest != "" && rest[0] != ' ' {
			return time.Time{}, s, false
		}
		return t, rest, true
	}
	if len(s) >= 20 && isDigit(s[0]) && s[4] == '-' {
		f, rest, _ := nextField(s)
		if t, err := time.Parse(time.RFC3339Nano, f); err == nil {
			return t.UTC(), " " + rest, true
		}
	}
	return time.Time{}, s, false
}
