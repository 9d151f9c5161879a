package normalize

import (
	"strconv"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/syslog"
)

// cefNormalizer maps CEF records, one per line, bare or after a syslog
// header.
type cefNormalizer struct{}

func (cefNormalizer) SourceType() string { return "cef" }

var cefExpected = []string{qEventTime, qSeverity, qTitle, qRule, qNetwork, qEntities}

// cefMapped are extension keys mapped to alert fields or entities.
var cefMapped = set("rt", "start", "end", "externalId", "eventId", "msg", "message", "src", "dst", "shost", "dhost",
	"suser", "duser", "sntdom", "dntdom", "fname", "filePath", "fileHash", "oldFileHash", "request", "sproc", "dproc",
	"dvc", "dvchost", "sourceTranslatedAddress", "destinationTranslatedAddress", "c6a2", "c6a3", "act", "cat",
	"smac", "dmac", "spt", "dpt", "proto", "suid", "duid", "deviceExternalId", "outcome")

func (n cefNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	lines, err := splitLines(raw)
	if err != nil {
		return nil, err
	}
	out := make([]alert.Alert, 0, len(lines))
	for _, l := range lines {
		a, err := cefLine(l, "cef")
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// cefSeverity maps CEF severity: 0-3 low, 4-6 medium, 7-8 high, 9-10
// critical; or the words Unknown, Low, Medium, High, Very-High.
func cefSeverity(s string) (alert.Severity, bool) {
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if v < 0 || v > 10 {
			return alert.SeverityUnknown, false
		}
		if v < 4 {
			return alert.SeverityLow, true
		}
		return severityFrom10(v), true
	}
	sev, ok := severityFromText(s)
	return sev, ok || strings.EqualFold(s, "unknown") || s == ""
}

// cefTime reads rt/start/end: epoch milliseconds or "MMM dd yyyy HH:mm:ss"
// (optionally with .SSS and a zone).
func cefTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return epochTime(v)
	}
	for _, l := range []string{"Jan 02 2006 15:04:05.000 MST", "Jan 02 2006 15:04:05 MST", "Jan 02 2006 15:04:05.000", "Jan 02 2006 15:04:05", "Jan 2 2006 15:04:05"} {
		if t, err := time.Parse(l, s); err == nil {
			return sane(t)
		}
	}
	return parseTime(s)
}

func cefLine(l textLine, sourceType string) (alert.Alert, error) {
	c, err := syslog.ParseCEF(l.text)
	if err != nil {
		return alert.Alert{}, parseErr(l.loc, err)
	}
	sev, ok := cefSeverity(c.Severity)
	if !ok {
		return alert.Alert{}, textInvalid(l.loc, "severity", "CEF severity must be 0..10 or Unknown/Low/Medium/High/Very-High")
	}
	a := alert.Alert{
		Source:   alert.Source{Type: sourceType, Vendor: clean(c.DeviceVendor), Product: clean(c.DeviceProduct)},
		Title:    c.Name,
		Rule:     alert.Rule{ID: clean(c.SignatureID), Name: clean(c.Name)},
		Severity: sev,
	}
	a.Description = firstNonEmpty(c.Get("msg"), c.Get("message"))
	a.SourceRef = clean(firstNonEmpty(c.Get("externalId"), c.Get("eventId")))
	a.EventTime = cefTime(firstNonEmpty(c.Get("rt"), c.Get("end"), c.Get("start")))
	var es entity.Set
	if c.Prefix != "" {
		if m, err := syslog.Parse(c.Prefix+" -", time.Now()); err == nil {
			if a.EventTime.IsZero() {
				a.EventTime = sane(m.Timestamp)
			}
			es.Add(alert.EntityHostname, m.Hostname, entity.RoleHost)
		}
	}
	addHost := func(v, role string) {
		if !es.Add(alert.EntityIP, v, role) {
			es.Add(alert.EntityHostname, v, role)
		}
	}
	addHost(c.Get("src"), entity.RoleSrc)
	addHost(c.Get("c6a2"), entity.RoleSrc)
	addHost(c.Get("sourceTranslatedAddress"), entity.RoleSrc)
	addHost(c.Get("shost"), entity.RoleSrc)
	addHost(c.Get("dst"), entity.RoleDst)
	addHost(c.Get("c6a3"), entity.RoleDst)
	addHost(c.Get("destinationTranslatedAddress"), entity.RoleDst)
	addHost(c.Get("dhost"), entity.RoleDst)
	addHost(c.Get("dvchost"), entity.RoleHost)
	addHost(c.Get("dvc"), entity.RoleHost)
	es.Add(alert.EntityUser, c.Get("suser"), entity.RoleActor)
	es.Add(alert.EntityUser, c.Get("duser"), entity.RoleTarget)
	es.Add(alert.EntityFile, firstNonEmpty(c.Get("filePath"), c.Get("fname")), entity.RoleFile)
	es.AddHash(c.Get("fileHash"), entity.RoleFile)
	es.AddHash(c.Get("oldFileHash"), entity.RoleRelated)
	es.Add(alert.EntityProcess, c.Get("sproc"), entity.RoleProcess)
	es.Add(alert.EntityProcess, c.Get("dproc"), entity.RoleProcess)
	if r := c.Get("request"); r != "" {
		if !es.Add(alert.EntityURL, r, entity.RoleDst) {
			es.Scan(r)
		}
	}
	if act := c.Get("act"); act != "" {
		addTags(&a, act)
	}
	if cat := c.Get("cat"); cat != "" {
		addTags(&a, cat)
	}
	// Custom string fields labelled as MITRE data: cs1Label=Technique cs1=T1059
	for i := 1; i <= 6; i++ {
		k := "cs" + strconv.Itoa(i)
		label := strings.ToLower(c.Get(k + "Label"))
		if strings.Contains(label, "technique") || strings.Contains(label, "mitre") {
			addTechniques(&a, strings.FieldsFunc(c.Get(k), func(r rune) bool { return r == ',' || r == ' ' || r == ';' })...)
		}
		if strings.Contains(label, "tactic") {
			addTactics(&a, strings.Split(c.Get(k), ",")...)
		}
	}
	es.Scan(a.Description)
	a.Entities = es.Entities()
	for _, f := range c.Extensions {
		if cefMapped[f.Key] {
			continue
		}
		if a.Unmapped == nil {
			a.Unmapped = make(map[string]jsonRaw, len(c.Extensions))
		}
		a.Unmapped[f.Key] = rawText(f.Value)
	}
	if c.DeviceVersion != "" {
		if a.Unmapped == nil {
			a.Unmapped = make(map[string]jsonRaw, 1)
		}
		a.Unmapped["deviceVersion"] = rawText(c.DeviceVersion)
	}
	finish(&a, record{loc: l.loc}, nil, nil, cefExpected)
	a.Raw = rawText(l.text)
	return a, nil
}
