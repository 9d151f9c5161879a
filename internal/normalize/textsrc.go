package normalize

import (
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/syslog"
)

// Text line kinds (source types of line-oriented vendors).
const (
	kindCEF        = "cef"
	kindPANOS      = "panos"
	kindASA        = "cisco_asa"
	kindFortiGate  = "fortigate"
	kindCheckPoint = "checkpoint"
	kindSnort      = "snort"
	kindSyslog     = "syslog"
)

// lineInfo is what one text line carries: its vendor kind, the syslog
// header read before the vendor body (zero for a bare body) and the body.
type lineInfo struct {
	kind    string
	msg     syslog.Message
	content string
	// plain is true when the line is neither a vendor format nor has a PRI
	// or a time stamp (free text: a message for syslog, unknown for Detect).
	plain bool
	asa   syslog.ASA
	kv    syslog.KVs
	snort syslog.Snort
}

// classifyLine reads one text line: its syslog header if any (a bare body
// is FormatText) and the vendor body it carries (CEF, PAN-OS CSV, ASA,
// FortiGate key=value, Check Point, Snort), else a plain syslog message.
// Only a malformed PRI is an error.
func classifyLine(s string, now time.Time) (lineInfo, error) {
	if syslog.IsCEF(s) {
		return lineInfo{kind: cefKind(s), content: s}, nil
	}
	m, err := syslog.Parse(s, now)
	if err != nil {
		return lineInfo{}, err
	}
	li, ok := vendorBody(m.Message)
	if !ok && strings.EqualFold(m.AppName, "CheckPoint") {
		if kv, ok2 := syslog.ParseCheckPoint(m.Message); ok2 {
			li, ok = lineInfo{kind: kindCheckPoint, kv: kv}, true
		}
	}
	if !ok {
		li = lineInfo{kind: kindSyslog, plain: m.Format == syslog.FormatText && !m.HasPriority}
	}
	li.msg, li.content = m, m.Message
	return li, nil
}

// vendorBody recognizes a vendor message without a syslog header.
func vendorBody(s string) (lineInfo, bool) {
	b := strings.TrimLeft(s, " ")
	if b == "" {
		return lineInfo{}, false
	}
	if syslog.IsPANOS(b) {
		return lineInfo{kind: kindPANOS, content: b}, true
	}
	if a, ok := syslog.FindASA(b); ok {
		return lineInfo{kind: kindASA, content: b, asa: a}, true
	}
	switch b[0] {
	case '[':
		if kv, ok := syslog.ParseCheckPoint(b); ok {
			return lineInfo{kind: kindCheckPoint, content: b, kv: kv}, true
		}
		if a, ok := syslog.ParseSnort(b); ok {
			return lineInfo{kind: kindSnort, content: b, snort: a}, true
		}
	case '0', '1':
		if strings.Contains(b[:min(len(b), 40)], "[**]") {
			if a, ok := syslog.ParseSnort(b); ok {
				return lineInfo{kind: kindSnort, content: b, snort: a}, true
			}
		}
	}
	if kv, ok := syslog.ParseCheckPoint(b); ok {
		return lineInfo{kind: kindCheckPoint, content: b, kv: kv}, true
	}
	if syslog.IsFortiGate(b) {
		return lineInfo{kind: kindFortiGate, content: b, kv: syslog.ParseKV(b)}, true
	}
	return lineInfo{}, false
}

// cefKind is the source type of a CEF line: the vendor's own normalizer
// when there is one (all of them read CEF), else "cef".
func cefKind(s string) string {
	i := strings.Index(s, "CEF:")
	if i < 0 {
		return kindCEF
	}
	f := strings.SplitN(s[i:], "|", 3)
	if len(f) < 3 {
		return kindCEF
	}
	switch v := strings.ToLower(f[1]); {
	case strings.Contains(v, "check point") || v == "checkpoint":
		return kindCheckPoint
	case strings.Contains(v, "fortinet"):
		return kindFortiGate
	}
	return kindCEF
}

// textNormalizer maps one line-oriented vendor. Lines of its own kind go
// to its mapping; any other line is mapped as the syslog normalizer maps
// it (a CEF, PAN-OS or other vendor line by that vendor's mapping, else as
// a syslog message), so a wrongly chosen text source type never refuses a
// line.
type textNormalizer struct {
	name string
	now  func() time.Time
}

func (n textNormalizer) SourceType() string { return n.name }

func (n textNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeText(raw, n.now)
}

// normalizeText maps every line of a text payload by its kind.
func normalizeText(raw []byte, nowFn func() time.Time) ([]alert.Alert, error) {
	lines, err := splitLines(raw)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if nowFn != nil {
		now = nowFn()
	}
	out := make([]alert.Alert, 0, len(lines))
	for _, l := range lines {
		li, err := classifyLine(l.text, now)
		if err != nil {
			return nil, parseErr(l.loc, err)
		}
		a, emit, err := mapLine(l, li, now)
		if err != nil {
			return nil, err
		}
		if emit {
			out = append(out, a)
		}
	}
	return out, nil
}

// mapLine maps one classified line; emit is false for lines that are not
// alerts (PAN-OS TRAFFIC/SYSTEM).
func mapLine(l textLine, li lineInfo, now time.Time) (alert.Alert, bool, error) {
	switch li.kind {
	case kindCEF, kindCheckPoint, kindFortiGate:
		if syslog.IsCEF(l.text) {
			a, err := cefLine(l, li.kind)
			if err == nil {
				cefVendor(&a, li.kind)
			}
			return a, err == nil, err
		}
	}
	switch li.kind {
	case kindPANOS:
		p, err := syslog.ParsePANOS(li.content)
		if err != nil {
			return alert.Alert{}, false, textInvalid(l.loc, "", err.Error())
		}
		if p.Type != "THREAT" {
			return alert.Alert{}, false, nil
		}
		a, err := panosAlert(l, p, li.msg.Hostname, li.msg.Timestamp)
		return a, err == nil, err
	case kindASA:
		return asaAlert(l, li), true, nil
	case kindFortiGate:
		return fortiAlert(l, li), true, nil
	case kindCheckPoint:
		return checkPointAlert(l, li), true, nil
	case kindSnort:
		return snortAlert(l, li, now), true, nil
	}
	return syslogAlert(l, li.msg), true, nil
}

// cefVendor reads the vendor-specific CEF extensions of FortiGate
// (FTNTFGT* keys) and Check Point, which carry the attack name and
// severity the CEF header only summarizes.
func cefVendor(a *alert.Alert, kind string) {
	get := func(k string) string {
		v, ok := a.Unmapped[k]
		if !ok {
			return ""
		}
		return rawString(v)
	}
	switch kind {
	case kindFortiGate:
		if at := get("FTNTFGTattack"); at != "" {
			a.Rule.Name = clean(at)
			a.Title = "FortiGate " + strings.TrimSpace(a.Title) + ": " + a.Rule.Name
		}
		if v := firstNonEmpty(get("FTNTFGTvirus")); v != "" {
			a.Rule.Name = clean(v)
			a.Title = "FortiGate " + strings.TrimSpace(a.Title) + ": " + a.Rule.Name
		}
		if s, ok := severityFromText(get("FTNTFGTseverity")); ok {
			a.Severity = s
		}
		addCanonical(a, alert.EntityUser, get("FTNTFGTuser"), entity.RoleActor)
	case kindCheckPoint:
		act := ""
		for _, t := range a.Tags {
			act = t
			break
		}
		name := firstNonEmpty(get("cs4"), get("protection_name"), get("attack"), a.Rule.Name)
		product := firstNonEmpty(get("product"), a.Source.Product)
		addCanonical(a, alert.EntityIP, get("origin"), entity.RoleHost)
		a.Title = truncateUTF8("Check Point "+product+" "+act+": "+name, 200)
		if a.Severity == alert.SeverityUnknown {
			switch strings.ToLower(act) {
			case "accept", "allow", "":
				a.Severity = alert.SeverityInformational
			case "drop", "reject", "block":
				a.Severity = alert.SeverityLow
			default:
				a.Severity = alert.SeverityMedium
			}
		}
	}
}

// addCanonical appends one entity to a finished alert unless it is
// invalid or already there.
func addCanonical(a *alert.Alert, t alert.EntityType, v, role string) {
	c, ok := entity.Canonical(t, clean(v))
	if !ok {
		return
	}
	for _, e := range a.Entities {
		if e.Type == t && e.Value == c && e.Role == role {
			return
		}
	}
	a.Entities = append(a.Entities, alert.Entity{Type: t, Value: c, Role: role})
}
