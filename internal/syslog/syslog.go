// Package syslog parses syslog lines (RFC 5424, RFC 3164, BSD lines
// without a PRI and plain lines), CEF records (ArcSight Common Event
// Format, bare or carried in syslog), PAN-OS logs (CSV), and the bodies of
// Cisco ASA, FortiGate key=value, Check Point Log Exporter and Snort
// alerts. It only parses; it opens no network listener.
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
	// FormatText is a line with neither a PRI nor a time stamp that could
	// be read (a bare vendor message such as an ASA body): the whole line
	// is the message and the receive time stands for the event time.
	FormatText
)

func (f Format) String() string {
	switch f {
	case FormatRFC5424:
		return "rfc5424"
	case FormatRFC3164:
		return "rfc3164"
	case FormatBSD:
		return "bsd"
	case FormatText:
		return "text"
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
// Parse is liberal: a line without a PRI or with a time stamp it cannot
// read is still a message (FormatText, or the PRI and the rest as the
// message), and an RFC 5424 line whose structured data is not RFC 5424
// (Check Point Log Exporter's [key:"value"; ...]) keeps that text as its
// message. Only a malformed PRI is an error.
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
				if m, err := parse5424(line, true); err == nil {
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
func Parse5424(line string) (Message, error) { return parse5424(line, false) }

// parse5424 parses an RFC 5424 line; lenient keeps structured data that
// does not parse as the start of the message.
func parse5424(line string, lenient bool) (Message, error) {
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
	if lenient && len(ts) == 10 && ts[4] == '-' && ts[7] == '-' {
		// Check Point Log Exporter: "<134>1 2018-03-21 17:25:25 host ..."
		var tp string
		if tp, rest, ok = nextField(rest); !ok {
			return m, errf("header", "truncated header")
		}
		ts += "T" + tp
	}
	if ts != "-" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil && lenient {
			t, err = isoStamp(ts)
		}
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
			if lenient {
				m.Message = strings.TrimPrefix(rest, "\xef\xbb\xbf")
				return m, nil
			}
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
// is not an error: everything after the PRI becomes the message (a line
// with neither is FormatText). Besides "Mmm dd hh:mm:ss" the stamp may be
// ISO 8601 / RFC 3339 (rsyslog "high precision", "2024-01-02 03:04:05"),
// macOS ("2024-01-02 03:04:05.123456-0800", also the `log show` columns
// that follow it) or Cisco ASA's "Mmm dd yyyy hh:mm:ss" with an optional
// trailing colon. A header without a host ("Mmm dd hh:mm:ss tag: msg",
// "Mmm dd yyyy hh:mm:ss: %ASA-...") is read too.
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
			m.Format = FormatText
		}
		m.Message = rest
		if word, after, _ := nextField(rest); word != "" {
			if tag, pid, ok := splitTag(word); ok {
				m.AppName, m.ProcID, m.Message = tag, pid, after
			}
		}
		return m, nil
	}
	m.Timestamp = ts
	rest = strings.TrimLeft(r, " ")
	host, r2, ok := nextField(rest)
	switch {
	case host == "":
		m.Message = rest
		return m, nil
	case host[0] == '%': // "Jan 02 2024 03:04:05: %ASA-4-106023: ...": no host
		m.Message = rest
		return m, nil
	case strings.HasPrefix(host, "0x") && logShowColumns(rest):
		// macOS `log show`: thread, type, activity, PID, TTL, then "process: msg".
		m.ProcID = strings.Fields(rest)[3]
		for range 5 {
			_, rest, _ = nextField(strings.TrimLeft(rest, " "))
		}
		rest = strings.TrimLeft(rest, " ")
		if word, after, _ := nextField(rest); word != "" {
			if tag, _, ok := splitTag(word); ok {
				m.AppName, rest = tag, after
			}
		}
		m.Message = rest
		return m, nil
	}
	if tag, pid, isTag := splitTag(host); isTag {
		// "Mmm dd hh:mm:ss tag[pid]: msg": no host (a host never ends in ':').
		m.AppName, m.ProcID, m.Message = tag, pid, r2
		return m, nil
	}
	m.Hostname = host
	if !ok {
		return m, nil
	}
	rest = r2
	// TAG[PID]: content; "host : content" (Cisco ASA device id) has no tag.
	word, after, _ := nextField(rest)
	if tag, pid, ok := splitTag(word); ok {
		m.AppName, m.ProcID = tag, pid
		rest = after
	} else if word == ":" {
		rest = after
	}
	m.Message = rest
	return m, nil
}

// logShowColumns reports the columns macOS `log show` prints after the
// time stamp: thread (0x…), type, activity (0x…), PID, TTL.
func logShowColumns(s string) bool {
	f := strings.Fields(s)
	if len(f) < 6 || !strings.HasPrefix(f[2], "0x") {
		return false
	}
	for _, d := range f[3:5] {
		if _, err := strconv.Atoi(d); err != nil {
			return false
		}
	}
	return true
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

// parseBSDTime reads a time stamp at the start of s: "Mmm dd hh:mm:ss"
// (day space- or zero-padded, optional fraction), Cisco ASA's "Mmm dd
// yyyy hh:mm:ss", or ISO 8601 / RFC 3339 with a 'T' or a space and any
// zone form (macOS "2024-01-02 03:04:05.123456-0800"; no zone is UTC). A
// colon right after the stamp (ASA without a device id) is dropped.
func parseBSDTime(s string, ref time.Time) (time.Time, string, bool) {
	if len(s) >= 14 && s[3] == ' ' {
		return parseMonthTime(s, ref)
	}
	if len(s) >= 19 && isDigit(s[0]) && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') {
		return parseISOTime(s)
	}
	return time.Time{}, s, false
}

func parseMonthTime(s string, ref time.Time) (time.Time, string, bool) {
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
	year := 0
	if i+14 <= len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) && isDigit(s[i+4]) && s[i+5] == ' ' {
		year, _ = strconv.Atoi(s[i+1 : i+5]) // Cisco ASA: "Jan 02 2024 03:04:05"
		if ref.IsZero() {
			ref = time.Now()
		}
		if year < 1970 || year > ref.UTC().Year()+1 {
			return time.Time{}, s, false
		}
		i += 5
	}
	c, err := time.Parse("15:04:05", s[i+1:i+9])
	if err != nil {
		return time.Time{}, s, false
	}
	rest := s[i+9:]
	nsec := 0
	if len(rest) > 1 && rest[0] == '.' && isDigit(rest[1]) {
		k, frac, scale := 1, 0, 1_000_000_000
		for k < len(rest) && isDigit(rest[k]) {
			if scale > 1 {
				scale /= 10
				frac += int(rest[k]-'0') * scale
			}
			k++
		}
		nsec, rest = frac, rest[k:]
	}
	rest = strings.TrimPrefix(rest, ":")
	if rest != "" && rest[0] != ' ' {
		return time.Time{}, s, false
	}
	if ref.IsZero() {
		ref = time.Now()
	}
	ref = ref.UTC()
	infer := year == 0
	if infer {
		year = ref.Year()
	}
	t := time.Date(year, mon, day, c.Hour(), c.Minute(), c.Second(), nsec, time.UTC)
	if t.Month() != mon {
		return time.Time{}, s, false // e.g. Feb 31
	}
	// A stamp more than a week ahead of the reference is from last year.
	if infer && t.After(ref.Add(7*24*time.Hour)) {
		t = time.Date(year-1, mon, day, c.Hour(), c.Minute(), c.Second(), nsec, time.UTC)
	}
	return t, rest, true
}

// isoLayouts are the ISO 8601 forms accepted in a syslog header.
var isoLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999Z07", "2006-01-02T15:04:05.999999999"}

func parseISOTime(s string) (time.Time, string, bool) {
	f, rest, _ := nextField(s)
	if s[10] == ' ' { // "2024-01-02 03:04:05[.frac][zone]"
		var tpart string
		tpart, rest, _ = nextField(rest)
		f = f + "T" + tpart
	}
	t, err := isoStamp(strings.TrimSuffix(f, ":"))
	if err != nil {
		return time.Time{}, s, false
	}
	return t, " " + rest, true
}

// isoStamp parses one ISO 8601 field ("2006-01-02T15:04:05[.frac][zone]").
func isoStamp(f string) (time.Time, error) {
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, f); err == nil {
			if t.Year() < 1970 || t.Year() > 2200 {
				return time.Time{}, errf("timestamp", "year out of range")
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, errf("timestamp", "not an ISO 8601 time stamp")
}
