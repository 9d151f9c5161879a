package syslog

import (
	"strconv"
	"strings"
)

// CEFField is one extension key=value pair, value unescaped.
type CEFField struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// CEF is one Common Event Format record:
// "CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension".
type CEF struct {
	// Prefix is the text before "CEF:" (a syslog header, possibly empty).
	Prefix        string
	Version       int
	DeviceVendor  string
	DeviceProduct string
	DeviceVersion string
	SignatureID   string
	Name          string
	// Severity is as written: 0..10 or Unknown/Low/Medium/High/Very-High.
	Severity   string
	Extensions []CEFField
}

// Get returns the value of extension key (case-sensitive, first match).
func (c *CEF) Get(key string) string {
	for _, f := range c.Extensions {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

// IsCEF reports whether line holds a CEF record ("CEF:" followed by a digit).
func IsCEF(line string) bool {
	i := strings.Index(line, "CEF:")
	if i >= 0 && i+5 < len(line) && line[i+4] == ' ' { // "CEF: 0|..." (FortiGate)
		i++
	}
	return i >= 0 && i+4 < len(line) && isDigit(line[i+4])
}

// ParseCEF parses a CEF record, bare or after a syslog header. Header
// fields unescape "\|" and "\\"; extension values unescape "\=", "\\",
// "\n" and "\r". A value runs until the space before the next "key=";
// trailing spaces of the last value are trimmed.
func ParseCEF(line string) (*CEF, error) {
	line = strings.TrimRight(line, "\r\n")
	start := strings.Index(line, "CEF:")
	if start < 0 {
		return nil, errf("header", "no CEF: marker")
	}
	c := &CEF{Prefix: strings.TrimSpace(line[:start])}
	s := line[start+4:]
	var hdr [7]string
	for i := 0; i < 7; i++ {
		v, rest, ok := cefHeaderField(s)
		if !ok {
			return nil, errf("header", "CEF header has %d of 7 fields", i)
		}
		hdr[i], s = v, rest
	}
	v, err := strconv.Atoi(strings.TrimSpace(hdr[0]))
	if err != nil || v < 0 {
		return nil, errf("version", "invalid CEF version %q", hdr[0])
	}
	c.Version = v
	c.DeviceVendor, c.DeviceProduct, c.DeviceVersion = hdr[1], hdr[2], hdr[3]
	c.SignatureID, c.Name, c.Severity = hdr[4], hdr[5], strings.TrimSpace(hdr[6])
	c.Extensions = parseCEFExtension(s)
	return c, nil
}

// cefHeaderField reads up to the next unescaped '|'.
func cefHeaderField(s string) (string, string, bool) {
	esc := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '|' || s[i+1] == '\\') {
				esc = true
				i++
			}
		case '|':
			v := s[:i]
			if esc {
				v = strings.NewReplacer(`\|`, `|`, `\\`, `\`).Replace(v)
			}
			return v, s[i+1:], true
		}
	}
	return "", s, false
}

func isCEFKeyChar(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '-' || c == '[' || c == ']'
}

// parseCEFExtension splits "k1=v1 k2=v 2" into fields.
func parseCEFExtension(s string) []CEFField {
	type mark struct{ keyStart, eq int }
	var marks []mark
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip escaped char
		case '=':
			k := i
			for k > 0 && isCEFKeyChar(s[k-1]) {
				k--
			}
			if k == i || (k > 0 && s[k-1] != ' ') {
				continue // not a key: part of a value
			}
			marks = append(marks, mark{k, i})
		}
	}
	if len(marks) == 0 {
		return nil
	}
	out := make([]CEFField, 0, len(marks))
	for n, m := range marks {
		end := len(s)
		if n+1 < len(marks) {
			end = marks[n+1].keyStart
		}
		raw := strings.TrimRight(s[m.eq+1:end], " ")
		out = append(out, CEFField{Key: s[m.keyStart:m.eq], Value: unescapeCEFValue(raw)})
	}
	return out
}

func unescapeCEFValue(v string) string {
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) {
			switch v[i+1] {
			case '=', '\\', '|':
				b.WriteByte(v[i+1])
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case 'r':
				b.WriteByte('\r')
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
