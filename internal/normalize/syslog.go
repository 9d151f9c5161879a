package normalize

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/syslog"
)

// syslogNormalizer maps syslog lines (RFC 5424, RFC 3164, BSD without PRI,
// and lines with neither a PRI nor a readable time stamp, which keep the
// received time), one alert per line. A line carrying a vendor format is
// mapped by that vendor's mapping and typed so (Source.Type "cef",
// "panos", "cisco_asa", "fortigate", "checkpoint", "snort"); PAN-OS
// TRAFFIC/SYSTEM lines are skipped.
type syslogNormalizer struct {
	// now is the reference time for RFC 3164 year inference (time.Now if nil).
	now func() time.Time
}

func (syslogNormalizer) SourceType() string { return "syslog" }

var syslogExpected = []string{qEventTime, qSeverity, qTitle, qRule, qHost}

// facilityNames are RFC 5424 facility keywords.
var facilityNames = [...]string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5",
	"local6", "local7"}

// syslogSeverity maps the PRI severity: 0-2 (emergency, alert, critical)
// critical, 3 (error) high, 4 (warning) medium, 5 (notice) low, 6-7 (info,
// debug) informational. Without a PRI the severity is unknown.
func syslogSeverity(m syslog.Message) alert.Severity {
	if !m.HasPriority {
		return alert.SeverityUnknown
	}
	switch m.Severity {
	case 0, 1, 2:
		return alert.SeverityCritical
	case 3:
		return alert.SeverityHigh
	case 4:
		return alert.SeverityMedium
	case 5:
		return alert.SeverityLow
	}
	return alert.SeverityInformational
}

func (n syslogNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeText(raw, n.now)
}

func syslogAlert(l textLine, m syslog.Message) alert.Alert {
	msg := clean(m.Message)
	app := clean(m.AppName)
	a := alert.Alert{
		Source:      alert.Source{Type: "syslog", Product: app},
		Severity:    syslogSeverity(m),
		EventTime:   sane(m.Timestamp),
		Description: msg,
		Rule:        alert.Rule{ID: firstNonEmpty(clean(m.MsgID), app), Name: app},
	}
	title := msg
	if app != "" && msg == "" {
		title = app
	} else if app != "" {
		title = app + ": " + msg
	}
	a.Title = truncateUTF8(title, 200)
	if m.HasPriority && m.Facility < len(facilityNames) {
		addTags(&a, facilityNames[m.Facility])
	}
	addTags(&a, m.Format.String())
	var es entity.Set
	if !es.Add(alert.EntityIP, m.Hostname, entity.RoleHost) {
		es.Add(alert.EntityHostname, m.Hostname, entity.RoleHost)
	}
	scanKV(&es, msg)
	if scanSSHD(&es, msg) {
		// A failed or invalid-user login: brute force material, at least low.
		a.Techniques = append(a.Techniques, "T1110")
		if a.Severity == alert.SeverityUnknown {
			a.Severity = alert.SeverityLow
		}
	}
	es.Scan(msg)
	a.Entities = es.Entities()
	if len(m.StructuredData) > 0 {
		if b, err := json.Marshal(m.StructuredData); err == nil {
			a.Unmapped = map[string]json.RawMessage{"structured_data": b}
		}
	}
	if m.ProcID != "" {
		if a.Unmapped == nil {
			a.Unmapped = map[string]json.RawMessage{}
		}
		a.Unmapped["procid"] = rawText(clean(m.ProcID))
	}
	finish(&a, record{loc: l.loc}, nil, nil, syslogExpected)
	a.Raw = rawText(l.text)
	if strings.TrimSpace(a.Title) == "" {
		a.Title = "syslog message"
	}
	return a
}

// sshdUserRE finds the account and address of sshd authentication
// messages: "Failed password for invalid user X from IP", "Invalid user X
// from IP", "Accepted publickey for X from IP".
var sshdUserRE = regexp.MustCompile(`(?:(?:Failed|Accepted) \S+ for (?:invalid user )?|Invalid user |authentication failure.* user=)(\S+)(?: from ([0-9A-Fa-f.:]+))?`)

// scanSSHD adds the account and address of an sshd authentication
// message and reports whether it is a failure.
func scanSSHD(es *entity.Set, msg string) (failed bool) {
	m := sshdUserRE.FindStringSubmatch(msg)
	if m == nil {
		return false
	}
	failed = !strings.HasPrefix(m[0], "Accepted")
	es.Add(alert.EntityUser, canonicalUser(m[1]), entity.RoleTarget)
	if m[2] != "" {
		es.Add(alert.EntityIP, m[2], entity.RoleSrc)
	}
	return failed
}
