package syslog

import (
	"strconv"
	"strings"
)

// KV is one key and value of a key=value (FortiGate) or key:"value"
// (Check Point Log Exporter) message.
type KV struct {
	Key   string
	Value string
}

// KVs are the pairs of one message, in order.
type KVs []KV

// Get returns the value of the first pair named key, or "".
func (kv KVs) Get(key string) string {
	for _, p := range kv {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

// ASA is one Cisco ASA message ("%ASA-4-106023: Deny tcp src ...") and,
// with the same layout, Firepower Threat Defense (%FTD), PIX and FWSM.
type ASA struct {
	Facility string // ASA, FTD, PIX, FWSM
	Level    int    // 0 emergencies .. 7 debugging
	ID       string // message id, e.g. "106023"
	Text     string // the message after "%ASA-n-nnnnnn: "
}

var asaFacilities = []string{"ASA", "FTD", "PIX", "FWSM"}

// FindASA finds a "%ASA-n-nnnnnn:" tag in the first 128 bytes of content
// (bare, or after a header such as "FW01 : ").
func FindASA(content string) (ASA, bool) {
	head := content[:min(len(content), 128)]
	for off := 0; off < len(head); {
		i := strings.IndexByte(head[off:], '%')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		for _, f := range asaFacilities {
			s := content[i+1:]
			if !strings.HasPrefix(s, f) || len(s) < len(f)+4 || s[len(f)] != '-' || !isDigit(s[len(f)+1]) || s[len(f)+2] != '-' {
				continue
			}
			s = s[len(f)+3:]
			j := 0
			for j < len(s) && j < 8 && isDigit(s[j]) {
				j++
			}
			if j < 4 || j >= len(s) || s[j] != ':' {
				continue
			}
			return ASA{Facility: f, Level: int(content[i+len(f)+2] - '0'), ID: s[:j], Text: strings.TrimSpace(s[j+1:])}, true
		}
	}
	return ASA{}, false
}

// ParseKV reads key=value pairs separated by spaces (FortiGate, Check
// Point's generic format); a value in double quotes may hold spaces and
// \" escapes. Words that are not key=value are skipped.
func ParseKV(s string) KVs {
	out := make(KVs, 0, 48)
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t,")
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			break
		}
		key := s[:eq]
		if sp := strings.LastIndexAny(key, " \t"); sp >= 0 { // a word without '=' before the key
			key = key[sp+1:]
		}
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			val, s = quoted(s[1:], '"')
		} else {
			end := strings.IndexAny(s, " \t")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		if key != "" {
			out = append(out, KV{Key: key, Value: val})
		}
	}
	return out
}

// quoted reads up to the closing quote q (backslash escapes the next
// byte) and returns the value and what follows the quote.
func quoted(s string, q byte) (string, string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if c == q {
			return b.String(), s[i+1:]
		}
		b.WriteByte(c)
	}
	return b.String(), ""
}

// IsFortiGate reports a FortiGate/FortiOS key=value log ("date=… time=…
// devname=… logid=… type=…").
func IsFortiGate(content string) bool {
	head := content[:min(len(content), 400)]
	return strings.Contains(head, "logid=") && (strings.Contains(head, "devname=") || strings.Contains(head, "devid=") || strings.Contains(head, "type="))
}

// ParseCheckPoint reads a Check Point Log Exporter body in its syslog
// format, [key:"value"; key:"value"; ...], or in the generic key="value"
// format. ok is false when content is neither.
func ParseCheckPoint(content string) (KVs, bool) {
	s := strings.TrimSpace(content)
	if strings.HasPrefix(s, "[") && strings.Contains(s[:min(len(s), 200)], `:"`) {
		out := make(KVs, 0, 48)
		s = s[1:]
		for len(s) > 0 {
			s = strings.TrimLeft(s, " ;")
			if s == "" || s[0] == ']' {
				break
			}
			c := strings.Index(s, `:"`)
			if c <= 0 {
				break
			}
			key := strings.TrimSpace(s[:c])
			var val string
			val, s = quoted(s[c+2:], '"')
			out = append(out, KV{Key: key, Value: val})
		}
		return out, len(out) > 0
	}
	if strings.Count(s, "|") > 3 && (strings.HasPrefix(s, "time=") || strings.Contains(s, "|product=")) && strings.Contains(s, "|loguid=") {
		// Splunk format: time=1557767758|hostname=gw|product=Firewall|...|
		out := make(KVs, 0, 48)
		for _, f := range splitUnescaped(s, '|') {
			if k, v, ok := strings.Cut(f, "="); ok && k != "" {
				out = append(out, KV{Key: k, Value: strings.ReplaceAll(v, `\=`, "=")})
			}
		}
		return out, len(out) > 0
	}
	if strings.Contains(s, `product="`) && (strings.Contains(s, "loguid=") || strings.Contains(s, "origin=") || strings.Contains(s, "originsicname=")) {
		kv := ParseKV(s)
		return kv, len(kv) > 0
	}
	return nil, false
}

// Snort is one Snort (or Suricata fast.log) alert: "[**] [gid:sid:rev] msg
// [**] [Classification: c] [Priority: n] {PROTO} src:port -> dst:port",
// with or without the leading MM/DD[/YY]-hh:mm:ss.ffffff stamp, or the
// syslog form without the [**] markers.
type Snort struct {
	Stamp          string // "01/02-03:04:05.123456" (no year) or "01/02/24-..."
	GID, SID, Rev  string
	Msg            string
	Classification string
	Priority       int // 0 when absent
	Proto          string
	Src, Dst       string // address with port as written ("10.0.0.1:80")
}

// ParseSnort parses content as a Snort alert line.
func ParseSnort(content string) (Snort, bool) {
	var a Snort
	s := strings.TrimSpace(content)
	if len(s) > 14 && isDigit(s[0]) && s[2] == '/' {
		if sp := strings.IndexAny(s, " \t"); sp > 0 && strings.IndexByte(s[:sp], '-') > 0 {
			a.Stamp, s = s[:sp], strings.TrimSpace(s[sp:])
		}
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "[**]"))
	if !strings.HasPrefix(s, "[") {
		return a, false
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return a, false
	}
	ids := strings.Split(s[1:end], ":")
	if len(ids) != 3 {
		return a, false
	}
	for _, id := range ids {
		if _, err := strconv.Atoi(id); err != nil {
			return a, false
		}
	}
	a.GID, a.SID, a.Rev = ids[0], ids[1], ids[2]
	s = strings.TrimSpace(s[end+1:])
	stop := len(s)
	for _, m := range []string{"[**]", "[Classification:", "[Priority:", "{"} {
		if i := strings.Index(s, m); i >= 0 && i < stop {
			stop = i
		}
	}
	a.Msg = strings.Trim(strings.TrimSpace(s[:stop]), `"`)
	s = s[stop:]
	if i := strings.Index(s, "[Classification:"); i >= 0 {
		if j := strings.IndexByte(s[i:], ']'); j > 0 {
			a.Classification = strings.TrimSpace(s[i+len("[Classification:") : i+j])
		}
	}
	if i := strings.Index(s, "[Priority:"); i >= 0 {
		if j := strings.IndexByte(s[i:], ']'); j > 0 {
			a.Priority, _ = strconv.Atoi(strings.TrimSpace(s[i+len("[Priority:") : i+j]))
		}
	}
	if i := strings.IndexByte(s, '{'); i >= 0 {
		if j := strings.IndexByte(s[i:], '}'); j > 0 {
			a.Proto = s[i+1 : i+j]
			f := strings.Fields(s[i+j+1:])
			if len(f) >= 3 && f[1] == "->" {
				a.Src, a.Dst = f[0], f[2]
			} else if len(f) >= 1 {
				a.Src = f[0]
			}
		}
	}
	return a, true
}

// splitUnescaped splits s at sep bytes not preceded by a backslash.
func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
