package syslog

import (
	"strconv"
	"strings"
	"time"
)

// PANOSThreat is a PAN-OS THREAT log (PAN-OS 8.x–11.x CSV syslog format).
// Field positions follow the Palo Alto "Threat Log Fields" reference.
type PANOSThreat struct {
	ReceiveTime   time.Time // field 1, device local time taken as UTC
	Serial        string    // 2
	Type          string    // 3, "THREAT"
	Subtype       string    // 4: url, virus, spyware, vulnerability, file, scan, flood, wildfire...
	GeneratedTime time.Time // 6
	SrcIP         string    // 7
	DstIP         string    // 8
	NATSrcIP      string    // 9
	NATDstIP      string    // 10
	Rule          string    // 11
	SrcUser       string    // 12
	DstUser       string    // 13
	Application   string    // 14
	VSys          string    // 15
	SrcZone       string    // 16
	DstZone       string    // 17
	SessionID     string    // 22
	SrcPort       int       // 24
	DstPort       int       // 25
	Protocol      string    // 29
	Action        string    // 30
	Misc          string    // 31: URL or file name
	ThreatName    string    // 32, name part of "name(id)"
	ThreatID      string    // 32, id part of "name(id)"
	Category      string    // 33
	Severity      string    // 34: informational, low, medium, high, critical
	Direction     string    // 35
	FileDigest    string    // 43
	UserAgent     string    // 46
	DeviceName    string    // 59
	// HighResTime is the RFC 3339 high-resolution timestamp of newer
	// PAN-OS versions (with zone), zero if absent.
	HighResTime time.Time
	// Fields are all CSV fields as read.
	Fields []string
}

// IsPANOS reports whether content (a syslog message) is a PAN-OS CSV log
// ("1,YYYY/MM/DD hh:mm:ss,serial,TYPE,...").
func IsPANOS(content string) bool {
	content = trimPANOSPrefix(content)
	if len(content) < 24 || !isDigit(content[0]) {
		return false
	}
	c := strings.IndexByte(content, ',')
	if c < 0 || c+20 > len(content) {
		return false
	}
	t := content[c+1:]
	if len(t) < 11 || t[4] != '/' || t[7] != '/' {
		return false
	}
	head := content[:min(len(content), 96)]
	return strings.Contains(head, ",THREAT,") || strings.Contains(head, ",TRAFFIC,") || strings.Contains(head, ",SYSTEM,")
}

func trimPANOSPrefix(s string) string {
	s = strings.TrimLeft(s, " ")
	return strings.TrimPrefix(s, "- ")
}

const panosTime = "2006/01/02 15:04:05"

// ParsePANOS parses the CSV content of a PAN-OS log. Logs of other types
// (TRAFFIC, SYSTEM...) are parsed too; only THREAT fields are named.
func ParsePANOS(content string) (*PANOSThreat, error) {
	content = trimPANOSPrefix(strings.TrimRight(content, "\r\n"))
	f := splitCSV(content)
	if len(f) < 36 {
		return nil, errf("csv", "PAN-OS log has %d fields, want at least 36", len(f))
	}
	p := &PANOSThreat{Fields: f}
	if t, err := time.Parse(panosTime, f[1]); err == nil {
		p.ReceiveTime = t
	}
	if t, err := time.Parse(panosTime, f[6]); err == nil {
		p.GeneratedTime = t
	}
	p.Serial, p.Type, p.Subtype = f[2], f[3], f[4]
	p.SrcIP, p.DstIP, p.NATSrcIP, p.NATDstIP = f[7], f[8], f[9], f[10]
	p.Rule, p.SrcUser, p.DstUser, p.Application, p.VSys = f[11], f[12], f[13], f[14], f[15]
	p.SrcZone, p.DstZone, p.SessionID = f[16], f[17], f[22]
	p.SrcPort, _ = strconv.Atoi(f[24])
	p.DstPort, _ = strconv.Atoi(f[25])
	p.Protocol, p.Action, p.Misc = f[29], f[30], f[31]
	p.ThreatName, p.ThreatID = splitThreat(f[32])
	p.Category, p.Severity, p.Direction = f[33], f[34], f[35]
	if len(f) > 46 {
		p.FileDigest, p.UserAgent = f[43], f[46]
	}
	if len(f) > 59 {
		p.DeviceName = f[59]
	}
	for i := 60; i < len(f); i++ {
		v := f[i]
		if len(v) >= 20 && v[4] == '-' && v[10] == 'T' {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				p.HighResTime = t.UTC()
				break
			}
		}
	}
	return p, nil
}

// splitCSV splits one CSV line. A field that starts with a double quote
// runs to the closing quote ("" inside is a literal quote); quotes elsewhere
// are kept as is (lenient, like encoding/csv LazyQuotes).
func splitCSV(s string) []string {
	out := make([]string, 0, 128)
	for {
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for i < len(s) {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					break
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, b.String())
			s = s[min(i+1, len(s)):]
			c := strings.IndexByte(s, ',')
			if c < 0 {
				return out
			}
			s = s[c+1:]
			continue
		}
		c := strings.IndexByte(s, ',')
		if c < 0 {
			return append(out, s)
		}
		out = append(out, s[:c])
		s = s[c+1:]
	}
}

// splitThreat splits "Name(1234)" into name and id.
func splitThreat(s string) (string, string) {
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndexByte(s, '('); i >= 0 {
			return strings.TrimSpace(s[:i]), s[i+1 : len(s)-1]
		}
	}
	return s, ""
}
