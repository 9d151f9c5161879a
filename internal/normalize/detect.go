package normalize

import (
	"bytes"
	"slices"
	"strings"
	"time"
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
	if isZeekTSV(b) {
		return "zeek"
	}
	// Text: every line must agree; mixed vendor/plain syslog lines go to
	// "syslog", which maps each vendor's lines itself. A line is syslog
	// when it has a PRI or a time stamp, or carries a vendor format.
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
		li, err := classifyLine(s, now)
		k := li.kind
		if err != nil || li.plain {
			if kind == "" {
				return "" // the first line is not syslog: unknown text (YAML, prose)
			}
			k = kind
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
	"entra_id": {"value", "records"}, "m365": {"value"}, "google_workspace": {"alerts", "items"}, "cloudflare": {"result"},
	"zscaler": {"events"}, "cortex_xdr": {"alerts"}, "carbon_black": {"results"}, "falco": {"events"}, "kubernetes_audit": {"items"},
	"github_audit": {"events"}, "windows": {"Events", "events", "value"},
	"proofpoint_tap": {"messagesDelivered", "messagesBlocked", "clicksPermitted", "clicksBlocked"},
}

func detectObject(o []byte, depth int) string {
	if depth > 3 {
		return "generic"
	}
	var kb, vb [64][]byte
	ki := indexKeys(o, &kb, &vb)
	has := ki.has
	if r := ki.get("reply"); len(r) > 0 && r[0] == '{' {
		if t := detectObject(r, depth+1); t == "cortex_xdr" {
			return t
		}
		for _, k := range []string{"alerts", "incidents", "data"} {
			if els, ok := elements(member(r, k)); ok && len(els) > 0 && els[0][0] == '{' {
				if t := detectObject(els[0], depth+1); t == "cortex_xdr" {
					return t
				}
			}
		}
	}
	if ctx := rawString(ki.get("@odata.context")); strings.Contains(ctx, "security/alerts") || strings.Contains(ctx, "#Alerts") {
		return "defender" // Graph alerts_v2 / Defender for Endpoint API list, even when empty
	}
	// Only objects with a GraphQL answer's members are scanned for one.
	if has("data") || has("alerts") || has("edges") {
		if nodes, ok := s1GraphQLNodes(record{raw: o}); ok && (len(nodes) == 0 && has("data") || len(nodes) > 0 && detectObject(nodes[0].raw, depth+1) == "sentinelone") {
			return "sentinelone" // a UAM GraphQL answer, even an empty page
		}
	}
	if has("queryEndTime") || has("messagesDelivered") || has("clicksPermitted") {
		return "proofpoint_tap"
	}
	for _, k := range []string{"findings", "Findings", "Records", "listFindingsResults", "value", "resources", "data",
		"alerts", "items", "results", "events", "Events", "result", "records", "messagesBlocked", "clicksBlocked"} {
		v := ki.get(k)
		if v == nil {
			continue
		}
		els, ok := elements(v)
		if !ok {
			continue
		}
		if len(els) == 0 {
			if t, ok := envelopeTypes[k]; ok {
				return t
			}
			continue
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
	case has("class_uid") && (has("severity_id") || has("finding") || has("finding_info")):
		return "ocsf"
	case has("schemaVersion") && has("service") && has("arn"):
		return "guardduty"
	case has("SchemaVersion") && has("ProductArn"):
		return "securityhub"
	case has("eventVersion") && has("eventSource"):
		return "cloudtrail"
	case has("event_type") && (has("src_ip") || has("flow_id") || has("in_iface")):
		return "suricata"
	case has("note") && has("ts"), has("seen.indicator") && has("ts"), has("seen") && path(ki.get("seen"), "indicator") != nil && has("ts"),
		has("name") && has("ts") && has("uid") && has("id.orig_h") && (has("addl") || has("notice") || has("peer")):
		return "zeek"
	case has("rule") && path(ki.get("rule"), "level") != nil && (has("agent") || has("manager") || has("decoder")):
		return "wazuh"
	case isWindowsEvent(o, ki):
		return "windows"
	case strings.Contains(rawString(ki.get("@odata.type")), "security.alert") || has("alertCreationTime") || (has("machineId") && has("detectionSource")) ||
		(has("detectorId") && has("serviceSource")) || (has("providerAlertId") && (has("evidence") || has("serviceSource") || has("detectionSource"))) ||
		(has("alertWebUrl") || has("incidentWebUrl")) && has("severity") ||
		has("serviceSource") && has("detectionSource") && (has("mitreTechniques") || has("incidentId")):
		return "defender"
	case strings.HasPrefix(rawString(ki.get("type")), "Microsoft.SecurityInsights/"):
		return "sentinel"
	case strings.Contains(strings.ToLower(rawString(path(ki.get("metadata"), "eventType"))), "detectionsummaryevent") ||
		(has("metadata") && path(ki.get("event"), "CompositeId") != nil):
		return "crowdstrike"
	case has("threatInfo") || has("agentRealtimeInfo") || isS1Alert(o) || isS1UAM(o):
		return "sentinelone"
	case isCSAlertAPI(o) && (has("device") || has("agent_id") || has("cid") || has("behaviors")):
		return "crowdstrike"
	case has("eventType") && has("published") && has("uuid"):
		return "okta"
	case has("finding") && (path(ki.get("finding"), "canonicalName") != nil || path(ki.get("finding"), "category") != nil):
		return "gcp_scc"
	case rawString(path(ki.get("agent"), "type")) == "endpoint" || has("kibana.alert.rule.name") || path(ki.get("kibana"), "alert") != nil ||
		strings.HasPrefix(rawString(path(ki.get("data_stream"), "dataset")), "endpoint.alerts"):
		return "elastic"
	case has("auditID") && has("verb"):
		return "kubernetes_audit"
	case has("webaclId") && has("httpRequest"):
		return "aws_waf"
	case has("rule") && has("priority") && has("output"):
		return "falco"
	case has("hostIdentifier") && has("name") && (has("columns") || has("snapshot")):
		return "osquery"
	case has("alert_id") && (has("detection_timestamp") || has("mitre_technique_id_and_name") || has("alert_source") || has("host_name") && has("source")):
		return "cortex_xdr"
	case has("org_key") && (has("device_name") || has("threat_id") || has("reason")) || has("legacy_alert_id"):
		return "carbon_black"
	case has("GUID") && (has("threatsInfoMap") || has("clickIP") || has("threatID")):
		return "proofpoint_tap"
	case has("userPrincipalName") && has("appDisplayName") && (has("clientAppUsed") || has("conditionalAccessStatus") || has("status")),
		has("activityDisplayName") && (has("initiatedBy") || has("loggedByService")),
		(rawString(ki.get("category")) == "SignInLogs" || rawString(ki.get("category")) == "AuditLogs" ||
			rawString(ki.get("category")) == "NonInteractiveUserSignInLogs" || rawString(ki.get("category")) == "ServicePrincipalSignInLogs") && has("properties"):
		return "entra_id"
	case has("CreationTime") && has("Operation") && (has("Workload") || has("RecordType")):
		return "m365"
	case has("alertId") && has("customerId"), rawString(ki.get("kind")) == "admin#reports#activity":
		return "google_workspace"
	case has("RayID") || has("rayName") || has("ClientRequestHost") && has("ClientIP"):
		return "cloudflare"
	case strings.HasPrefix(rawString(ki.get("sourcetype")), "zscaler"), has("event") && path(ki.get("event"), "urlcategory") != nil,
		has("urlcategory") && (has("cip") || has("login")), has("cip") && has("login") && has("action"):
		return "zscaler"
	case has("action") && has("actor") && (has("_document_id") || has("actor_location") || has("org") || has("business")):
		return "github_audit"
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
		return member(e, "System") == nil // {"Event": {"System": ...}} is a Windows event, not MISP
	}
	return hasKey(o, "response") && bytes.Contains(o, []byte(`"Event"`))
}
