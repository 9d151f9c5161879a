package normalize

import (
	"bytes"
	"slices"
	"strings"
	"time"

	"github.com/securenexus/securenexus/internal/syslog"
)

// Detect guesses the source type of a payload from its shape: CEF and
// PAN-OS lines, syslog lines, and JSON objects by their characteristic keys
// (after unwrapping API envelopes and Elasticsearch hits). Any other JSON
// object is "generic"; anything else (YAML, free text) is "".
func Detect(raw []byte) string {
	b := bytes.TrimLeft(raw, " \t\r\n\xef\xbb\xbf")
	if len(b) == 0 {
		return ""
	}
	if b[0] == '{' || b[0] == '[' {
		return detectJSON(b)
	}
	// Text: every line must agree; mixed CEF/PAN-OS/plain syslog lines go to
	// "syslog", which maps CEF and PAN-OS lines itself.
	now := time.Now()
	kind := ""
	for n := 0; len(b) > 0 && n < maxDetectLines; n++ {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		s := strings.TrimRight(string(line), "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		k := "syslog"
		if syslog.IsCEF(s) {
			k = "cef"
		} else if m, err := syslog.Parse(s, now); err != nil {
			if kind == "" {
				return "" // the first line is not syslog: unknown text (YAML, prose)
			}
		} else if syslog.IsPANOS(m.Message) {
			k = "panos"
		}
		if kind != "" && k != kind {
			return "syslog"
		}
		kind = k
	}
	return kind
}

func detectJSON(b []byte) string {
	// First value: an object, or the first element of an array.
	if b[0] == '[' {
		els, ok := elements(firstValue(b))
		if !ok || len(els) == 0 {
			return ""
		}
		b = els[0]
	} else {
		b = firstValue(b)
	}
	if len(b) == 0 || b[0] != '{' || isThreatIntel(b) {
		return ""
	}
	return detectObject(b, 0)
}

func firstValue(b []byte) []byte {
	e, ok := skipValue(b, 0)
	if !ok {
		return nil
	}
	return b[:e]
}

// maxDetectLines bounds how many lines of a text payload Detect reads.
const maxDetectLines = 64

// envelopeTypes maps envelope keys whose empty arrays still identify the
// source.
var envelopeTypes = map[string]string{
	"findings": "guardduty", "Findings": "securityhub", "Records": "cloudtrail",
	"listFindingsResults": "gcp_scc", "value": "defender", "resources": "crowdstrike", "data": "sentinelone",
}

// envelopeKeys are the envelope keys each normalizer unwraps: a record
// detected inside an envelope its normalizer cannot open is left to generic.
var envelopeKeys = map[string][]string{
	"guardduty": {"findings", "Findings"}, "securityhub": {"Findings", "findings"}, "cloudtrail": {"Records"},
	"gcp_scc": {"listFindingsResults", "findings"}, "defender": {"value"}, "sentinel": {"value"},
	"crowdstrike": {"resources"}, "sentinelone": {"data"},
}

func detectObject(o []byte, depth int) string {
	if depth > 3 {
		return "generic"
	}
	var kb, vb [64][]byte
	ki := indexKeys(o, &kb, &vb)
	has := ki.has
	for _, k := range []string{"findings", "Findings", "Records", "listFindingsResults", "value", "resources", "data"} {
		v := ki.get(k)
		if v == nil {
			continue
		}
		els, ok := elements(v)
		if !ok {
			continue
		}
		if len(els) == 0 {
			return envelopeTypes[k]
		}
		if els[0][0] == '{' {
			if t := detectObject(els[0], depth+1); t != "generic" && slices.Contains(envelopeKeys[t], k) {
				return t
			}
		}
	}
	if d := ki.get("detail"); d != nil && has("detail-type") {
		if t := detectObject(d, depth+1); t != "generic" {
			return t
		}
	}
	if h := path(ki.get("hits"), "hits"); h != nil {
		if els, ok := elements(h); ok && len(els) > 0 {
			return detectObject(els[0], depth+1)
		}
	}
	if s := ki.get("_source"); s != nil && s[0] == '{' {
		return detectObject(s, depth+1)
	}
	switch {
	case has("class_uid") && has("severity_id"):
		return "ocsf"
	case has("schemaVersion") && has("service") && has("arn"):
		return "guardduty"
	case has("SchemaVersion") && has("ProductArn"):
		return "securityhub"
	case has("eventVersion") && has("eventSource"):
		return "cloudtrail"
	case has("event_type") && (has("src_ip") || has("flow_id") || has("in_iface")):
		return "suricata"
	case has("note") && has("ts"):
		return "zeek"
	case has("rule") && path(ki.get("rule"), "level") != nil && (has("agent") || has("manager") || has("decoder")):
		return "wazuh"
	case strings.Contains(rawString(ki.get("@odata.type")), "security.alert") || has("alertCreationTime") || (has("machineId") && has("detectionSource")):
		return "defender"
	case strings.HasPrefix(rawString(ki.get("type")), "Microsoft.SecurityInsights/"):
		return "sentinel"
	case strings.Contains(strings.ToLower(rawString(path(ki.get("metadata"), "eventType"))), "detectionsummaryevent") ||
		(has("metadata") && path(ki.get("event"), "CompositeId") != nil):
		return "crowdstrike"
	case has("threatInfo") || has("agentRealtimeInfo"):
		return "sentinelone"
	case has("eventType") && has("published") && has("uuid"):
		return "okta"
	case has("finding") && (path(ki.get("finding"), "canonicalName") != nil || path(ki.get("finding"), "category") != nil):
		return "gcp_scc"
	case rawString(path(ki.get("agent"), "type")) == "endpoint" || has("kibana.alert.rule.name") || path(ki.get("kibana"), "alert") != nil ||
		strings.HasPrefix(rawString(path(ki.get("data_stream"), "dataset")), "endpoint.alerts"):
		return "elastic"
	}
	return "generic"
}

// isThreatIntel reports STIX bundles and MISP events: indicator feeds, not
// alerts (see entity.ParseSTIX and entity.ParseMISP).
func isThreatIntel(o []byte) bool {
	if rawString(member(o, "type")) == "bundle" && hasKey(o, "objects") {
		return true
	}
	if e := member(o, "Event"); len(e) > 0 && e[0] == '{' {
		return true
	}
	return hasKey(o, "response") && bytes.Contains(o, []byte(`"Event"`))
}
