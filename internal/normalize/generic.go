package normalize

import (
	"strconv"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/entity"
)

// genericNormalizer maps arbitrary JSON alerts by common field names. Names
// are tried in order; a dotted name matches a literal dotted key
// ("rule.name") or the nested path (rule → name).
type genericNormalizer struct{}

func (genericNormalizer) SourceType() string { return "generic" }

var (
	genTitle    = []string{"title", "name", "alert_name", "alertName", "rule_name", "rule.name", "signature", "summary", "message", "msg", "event.action"}
	genDesc     = []string{"description", "desc", "details", "detail", "message", "msg", "summary"}
	genSeverity = []string{"severity", "severity_label", "severity_name", "level", "priority", "risk_score", "riskScore", "criticality", "urgency", "event.severity", "log.level"}
	genTime     = []string{"timestamp", "@timestamp", "time", "event_time", "eventTime", "created_at", "createdAt", "created", "date", "datetime", "ts", "event.created"}
	genID       = []string{"id", "alert_id", "alertId", "uuid", "event_id", "eventId", "event.id"}
	genRuleID   = []string{"rule_id", "ruleId", "rule.id", "signature_id", "rule.uuid", "detector_id"}
	genRuleName = []string{"rule_name", "ruleName", "rule.name", "signature", "rule.description"}
	genStatus   = []string{"status", "state"}
	genVendor   = []string{"vendor", "vendor_name", "observer.vendor"}
	genProduct  = []string{"product", "product_name", "observer.product", "source"}
	genTactic   = []string{"tactics", "tactic", "mitre.tactic", "threat.tactic.name", "attack.tactics"}
	genTech     = []string{"techniques", "technique", "technique_id", "technique_ids", "mitre.technique_id", "mitre.id", "threat.technique.id", "attack.techniques"}
	genTags     = []string{"tags", "labels"}

	genEntities = []struct {
		names []string
		typ   alert.EntityType
		role  string
	}{
		{[]string{"src_ip", "source_ip", "srcip", "sourceIp", "source.ip", "client_ip", "client.ip", "remote_ip"}, alert.EntityIP, entity.RoleSrc},
		{[]string{"dst_ip", "dest_ip", "destination_ip", "dstip", "destinationIp", "destination.ip", "server.ip"}, alert.EntityIP, entity.RoleDst},
		{[]string{"ip", "ip_address", "host.ip"}, alert.EntityIP, entity.RoleHost},
		{[]string{"host", "hostname", "host_name", "host.name", "host.hostname", "computer", "device", "device_name", "agent.name"}, alert.EntityHostname, entity.RoleHost},
		{[]string{"user", "username", "user_name", "user.name", "account", "actor"}, alert.EntityUser, entity.RoleActor},
		{[]string{"email", "user_email", "user.email"}, alert.EntityEmail, entity.RoleActor},
		{[]string{"domain", "domain_name", "dns.question.name", "query"}, alert.EntityDomain, entity.RoleRelated},
		{[]string{"url", "uri", "url.full", "request_url"}, alert.EntityURL, entity.RoleRelated},
		{[]string{"md5", "file.hash.md5", "hash.md5"}, alert.EntityMD5, entity.RoleFile},
		{[]string{"sha1", "file.hash.sha1", "hash.sha1"}, alert.EntitySHA1, entity.RoleFile},
		{[]string{"sha256", "file.hash.sha256", "hash.sha256"}, alert.EntitySHA256, entity.RoleFile},
		{[]string{"process", "process_name", "process.name", "process.executable"}, alert.EntityProcess, entity.RoleProcess},
		{[]string{"file", "file_name", "filename", "file.path", "file.name", "file_path"}, alert.EntityFile, entity.RoleFile},
		{[]string{"resource_id", "resourceId", "resource", "arn", "instance_id", "instanceId"}, alert.EntityCloudID, entity.RoleResource},
	}
)

var genExpected = []string{qEventTime, qSeverity, qTitle, qSourceRef, qRule, qEntities}

var genEnvelopes = []string{"alerts", "items", "results", "data", "value", "findings"}

func (n genericNormalizer) Normalize(raw []byte) ([]alert.Alert, error) {
	return normalizeJSON(raw, expandGeneric, n.emitAll)
}

// lookup returns the raw value of the first present, non-empty, non-object
// name and the top-level key it came from.
func lookup(ki keyIndex, names []string) ([]byte, string) {
	for _, n := range names {
		if v := ki.get(n); v != nil && v[0] != '{' && !isEmptyJSON(v) {
			return v, n
		}
		if i := strings.IndexByte(n, '.'); i > 0 {
			if v := pathDotted(ki.get(n[:i]), n[i+1:]); v != nil && v[0] != '{' && !isEmptyJSON(v) {
				return v, n[:i]
			}
		}
	}
	return nil, ""
}

// pathDotted follows a dotted path ("host.name") through nested objects.
func pathDotted(obj []byte, p string) []byte {
	for obj != nil {
		k, rest, more := strings.Cut(p, ".")
		obj = member(obj, k)
		if !more {
			return obj
		}
		p = rest
	}
	return nil
}

// lookupObj is lookup on an object not yet indexed.
func lookupObj(obj []byte, names []string) ([]byte, string) {
	var kb, vb [64][]byte
	return lookup(indexKeys(obj, &kb, &vb), names)
}

// scalar renders a raw JSON string/number/bool as text ("" otherwise).
func scalar(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '"':
		return rawString(v)
	case '{', '[', 'n':
		return ""
	}
	return string(v)
}

// strings of a raw JSON string or array of strings/numbers.
func stringList(v []byte) []string {
	if len(v) == 0 {
		return nil
	}
	if v[0] != '[' {
		if s := scalar(v); s != "" {
			return []string{s}
		}
		return nil
	}
	els, _ := elements(v)
	out := make([]string, 0, len(els))
	for _, e := range els {
		if s := scalar(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// genericSeverity reads text names (see severityFromText), "P1".."P5",
// numbers on a "priority" key as 1 (critical) .. 5 (informational), other
// numbers 0..10 on the CEF scale and 11..100 as a risk score.
func genericSeverity(v []byte, key string) alert.Severity {
	s := strings.TrimSpace(scalar(v))
	if s == "" {
		return alert.SeverityUnknown
	}
	if len(s) == 2 && (s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '5' {
		return alert.SeverityCritical - alert.Severity(s[1]-'1')
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		sev, _ := severityFromText(s)
		return sev
	}
	if key == "priority" && f >= 1 && f <= 5 && f == float64(int(f)) {
		return alert.SeverityCritical - alert.Severity(int(f)-1)
	}
	if f <= 10 {
		return severityFrom10(f)
	}
	if f <= 100 {
		return severityFrom100(f)
	}
	return alert.SeverityUnknown
}

func (genericNormalizer) one(rec record) (alert.Alert, bool, error) {
	obj := rec.raw
	if err := validRaw(rec); err != nil {
		return alert.Alert{}, false, err
	}
	if isThreatIntel(obj) {
		return alert.Alert{}, false, invalid(rec, "type", "a STIX bundle or MISP event is threat intelligence, not an alert")
	}
	var kb, vb [64][]byte
	ki := indexKeys(obj, &kb, &vb)
	mapped := make(map[string]bool, 16)
	get := func(names []string) []byte {
		v, k := lookup(ki, names)
		if k != "" {
			mapped[k] = true
		}
		return v
	}
	str := func(names []string) string { return clean(scalar(get(names))) }
	a := alert.Alert{Source: alert.Source{Type: "generic"}}
	a.Title = str(genTitle)
	if d := get(genDesc); d != nil {
		if s := clean(scalar(d)); s != a.Title {
			a.Description = s
		}
	}
	sv, sk := lookup(ki, genSeverity)
	if sk != "" {
		mapped[sk] = true
		a.Severity = genericSeverity(sv, sk)
	}
	if t := get(genTime); t != nil {
		if t[0] == '"' {
			a.EventTime = parseTime(rawString(t))
		} else if f, err := strconv.ParseFloat(string(t), 64); err == nil {
			a.EventTime = epochTime(f)
		}
	}
	a.SourceRef = str(genID)
	a.Rule.ID = str(genRuleID)
	a.Rule.Name = str(genRuleName)
	a.Source.Vendor = str(genVendor)
	a.Source.Product = str(genProduct)
	switch strings.ToLower(str(genStatus)) {
	case "resolved", "closed", "done", "fixed", "inactive":
		a.Status = alert.StatusResolved
	case "suppressed", "muted", "ignored", "archived":
		a.Status = alert.StatusSuppressed
	case "false_positive", "falsepositive", "false positive":
		a.Status = alert.StatusFalsePositive
	}
	addTactics(&a, stringList(get(genTactic))...)
	addTechniques(&a, stringList(get(genTech))...)
	addTags(&a, stringList(get(genTags))...)

	var es entity.Set
	for _, g := range genEntities {
		for _, v := range stringList(get(g.names)) {
			if g.typ == alert.EntityHostname && !es.Add(g.typ, v, g.role) {
				es.Add(alert.EntityIP, v, g.role)
				continue
			}
			es.Add(g.typ, v, g.role)
		}
	}
	es.Scan(a.Title)
	es.Scan(a.Description)
	a.Entities = es.Entities()
	finish(&a, rec, obj, mapped, genExpected)
	return a, true, nil
}

// expandGeneric unwraps a list envelope, except that an object with its own
// title is an alert even if it has a "data" list.
func expandGeneric(r record) []record {
	if v, _ := lookupObj(r.raw, genTitle); v == nil {
		if inner, ok := unwrap(r, genEnvelopes...); ok {
			return inner
		}
	}
	return []record{r}
}

// emitAll maps every generic record (the generic normalizer never skips one).
func (n genericNormalizer) emitAll(rec record) (alert.Alert, bool, error) {
	a, _, err := n.one(rec)
	return a, true, err
}
