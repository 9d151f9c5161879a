package normalize

import (
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/syslog"
)

// panosNormalizer maps PAN-OS THREAT logs in the CSV syslog format (with or
// without a syslog header), one per line. TRAFFIC and SYSTEM lines are not
// alerts and are skipped; CEF-formatted PAN-OS lines are mapped like CEF.
type panosNormalizer struct{}

func (panosNormalizer) SourceType() string { return "panos" }

var panosExpected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qNetwork, qHost}

// panosTactics maps THREAT subtypes to ATT&CK tactics.
var panosTactics = map[string]string{"scan": "discovery", "spyware": "command-and-control", "flood": "impact"}

func (panosNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	lines, err := splitLines(raw)
	if err != nil {
		return nil, err
	}
	var out []alert.Alert
	now := time.Now()
	for _, l := range lines {
		if syslog.IsCEF(l.text) {
			a, err := cefLine(l, "panos")
			if err != nil {
				return nil, err
			}
			out = append(out, a)
			continue
		}
		host, content := "", l.text
		var ts time.Time
		if !syslog.IsPANOS(content) {
			m, err := syslog.Parse(l.text, now)
			if err != nil || !syslog.IsPANOS(m.Message) {
				return nil, textInvalid(l.loc, "", "not a PAN-OS CSV log line")
			}
			host, content, ts = m.Hostname, m.Message, m.Timestamp
		}
		p, err := syslog.ParsePANOS(content)
		if err != nil {
			return nil, textInvalid(l.loc, "", err.Error())
		}
		if p.Type != "THREAT" {
			continue
		}
		a, err := panosAlert(l, p, host, ts)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return emptyIfNil(out), nil
}

func panosAlert(l textLine, p *syslog.PANOSThreat, host string, ts time.Time) (alert.Alert, error) {
	sev, ok := severityFromText(p.Severity)
	if !ok && p.Severity != "" {
		return alert.Alert{}, textInvalid(l.loc, "severity", "unknown PAN-OS severity "+p.Severity)
	}
	name := firstNonEmpty(p.ThreatName, p.Category)
	a := alert.Alert{
		Source:   alert.Source{Type: "panos", Vendor: "Palo Alto Networks", Product: "PAN-OS"},
		Title:    "PAN-OS " + p.Subtype + ": " + name,
		Rule:     alert.Rule{ID: p.ThreatID, Name: name},
		Severity: sev,
	}
	if len(p.Fields) > 36 && p.Serial != "" && p.Fields[36] != "" {
		a.SourceRef = p.Serial + "/" + p.Fields[36]
	}
	for _, t := range []time.Time{p.HighResTime, p.GeneratedTime.UTC(), p.ReceiveTime.UTC(), ts} {
		if !t.IsZero() {
			a.EventTime = sane(t)
			break
		}
	}
	a.Description = strings.TrimSpace("action=" + p.Action + " direction=" + p.Direction + " application=" + p.Application +
		" rule=" + p.Rule + " category=" + p.Category)
	if p.Misc != "" {
		a.Description += " misc=" + p.Misc
	}
	if t, ok := panosTactics[p.Subtype]; ok {
		a.Tactics = []string{t}
	}
	if p.Subtype == "scan" {
		a.Techniques = []string{"T1046"}
	}
	addTags(&a, p.Subtype, p.Action, p.Category, p.Application)
	var es entity.Set
	es.Add(alert.EntityIP, p.SrcIP, entity.RoleSrc)
	es.Add(alert.EntityIP, p.DstIP, entity.RoleDst)
	es.Add(alert.EntityIP, p.NATSrcIP, entity.RoleRelated)
	es.Add(alert.EntityIP, p.NATDstIP, entity.RoleRelated)
	es.Add(alert.EntityUser, p.SrcUser, entity.RoleActor)
	es.Add(alert.EntityUser, p.DstUser, entity.RoleTarget)
	es.Add(alert.EntityHostname, firstNonEmpty(p.DeviceName, host), entity.RoleHost)
	misc := strings.Trim(p.Misc, `"`)
	switch p.Subtype {
	case "url", "virus", "wildfire-virus":
		if misc != "" && !strings.Contains(misc, "://") {
			misc = "http://" + misc
		}
		if !es.Add(alert.EntityURL, misc, entity.RoleDst) {
			es.Add(alert.EntityFile, p.Misc, entity.RoleFile)
		}
	case "spyware":
		if !es.Add(alert.EntityDomain, misc, entity.RoleDst) {
			es.Add(alert.EntityFile, misc, entity.RoleFile)
		}
	case "file", "wildfire":
		es.Add(alert.EntityFile, misc, entity.RoleFile)
	}
	es.AddHash(p.FileDigest, entity.RoleFile)
	a.Entities = es.Entities()
	finish(&a, record{loc: l.loc}, nil, nil, panosExpected)
	a.Raw = rawText(l.text)
	return a, nil
}
