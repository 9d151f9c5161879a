package normalize

import (
	"slices"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
)

func TestSourceTypesAndLookup(t *testing.T) {
	want := []string{"aws_waf", "carbon_black", "cef", "checkpoint", "cisco_asa", "cloudflare", "cloudtrail", "cortex_xdr", "crowdstrike", "defender", "elastic",
		"entra_id", "falco", "fortigate", "gcp_scc", "generic", "github_audit", "google_workspace", "guardduty", "kubernetes_audit", "m365", "ocsf",
		"okta", "osquery", "panos", "proofpoint_tap", "securityhub", "sentinel", "sentinelone", "snort", "suricata", "syslog", "wazuh", "windows",
		"zeek", "zscaler"}
	if got := SourceTypes(); !slices.Equal(got, want) {
		t.Fatalf("SourceTypes = %q, want %q", got, want)
	}
	for _, st := range want {
		n, ok := Lookup(st)
		if !ok || n.SourceType() != st {
			t.Errorf("Lookup(%q) = %v, %v", st, n, ok)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup(nope) succeeded")
	}
}

func fieldOf(t *testing.T, err error) (apperr.Kind, string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	e := apperr.As(err)
	if len(e.Fields) == 0 {
		t.Fatalf("error has no field: %v", err)
	}
	return e.Kind, e.Fields[0].Location
}

func TestNormalizeErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name, st, body string
		kind           apperr.Kind
		field          string
	}{
		{"unknown type", "splunk", `{}`, apperr.KindValidation, "source_type"},
		{"undetectable", "auto", "title: sigma rule\n", apperr.KindValidation, "source_type"},
		{"bad json", "guardduty", `{"id":`, apperr.KindBadRequest, "body"},
		{"empty body", "generic", "  \n", apperr.KindBadRequest, "body"},
		{"severity range", "guardduty", `{"id":"x","severity":42}`, apperr.KindValidation, "body.severity"},
		{"not an object", "okta", `[1,2]`, apperr.KindValidation, "body[0]"},
		{"ocsf class", "ocsf", `{"class_uid":3002,"severity_id":1}`, apperr.KindValidation, "body.class_uid"},
		{"ocsf severity", "ocsf", `{"class_uid":2004,"severity_id":7}`, apperr.KindValidation, "body.severity_id"},
		{"wazuh level", "wazuh", `{"rule":{"description":"x"}}`, apperr.KindValidation, "body.rule.level"},
		{"cef severity", "cef", "CEF:0|V|P|1|100|Name|11|src=10.0.0.1", apperr.KindValidation, "body[0].severity"},
		{"cef header", "cef", "CEF:0|V|P|1", apperr.KindValidation, "body[0].header"},
		{"syslog pri", "syslog", "<999>Oct 11 22:14:15 host app: x", apperr.KindValidation, "body[0].priority"},
		{"syslog bad PRI", "syslog", "<999>hello world", apperr.KindValidation, "body[0].priority"},
		{"panos", "panos", "Oct 11 22:14:15 fw not,a,panos,line", apperr.KindValidation, "body[0]"},
		{"defender severity", "defender", `{"id":"1","severity":"Extreme"}`, apperr.KindValidation, "body.severity"},
		{"stix to generic", "generic", `{"type":"bundle","objects":[]}`, apperr.KindValidation, "body.type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Normalize(c.st, []byte(c.body))
			kind, field := fieldOf(t, err)
			if kind != c.kind || field != c.field {
				t.Fatalf("got %v %q, want %v %q (%v)", kind, field, c.kind, c.field, err)
			}
		})
	}
}

func TestEmptyEnvelopes(t *testing.T) {
	for st, body := range map[string]string{
		"guardduty":   `{"findings":[]}`,
		"securityhub": `{"Findings": []}`,
		"defender":    `{"value":[]}`,
		"sentinel":    `{"value":[]}`,
		"gcp_scc":     `{"listFindingsResults": [],"readTime": "2023-06-12T09:44:42.505Z","totalSize": 0}`,
		"cloudtrail":  `{"Records":[]}`,
		"sentinelone": `{"data":[]}`,
		"ocsf":        `[]`,
		"suricata":    `{"event_type":"flow","src_ip":"10.0.0.1"}`,
		"panos":       "Oct 11 22:14:15 fw 1,2024/10/11 22:14:15,0123,TRAFFIC,end,2561,2024/10/11 22:14:15,10.0.0.1,10.0.0.2,0.0.0.0,0.0.0.0,r,,,ssl,vsys1,a,b,e1,e2,lp,2024/10/11 22:14:15,1,1,1,443,0,0,0x0,tcp,allow,,,,,,,",
	} {
		as, err := Normalize(st, []byte(body))
		if err != nil || as == nil || len(as) != 0 {
			t.Errorf("%s: got %d alerts (nil=%v), err %v; want zero alerts and nil error", st, len(as), as == nil, err)
		}
		if got := Detect([]byte(body)); st != "sentinel" && st != "ocsf" && st != "suricata" && got != st {
			t.Errorf("Detect(%s envelope) = %q", st, got)
		}
	}
}

func TestDetect(t *testing.T) {
	cases := map[string]string{
		`{"class_uid":2004,"severity_id":3}`:   "ocsf",
		`[{"class_uid":2004,"severity_id":3}]`: "ocsf",
		`{"detail-type":"GuardDuty Finding","detail":{"schemaVersion":"2.0","arn":"a","service":{},"type":"x"}}`: "guardduty",
		`{"hits":{"hits":[{"_source":{"rule":{"level":3},"agent":{"name":"a"}}}]}}`:                              "wazuh",
		`{"kibana.alert.rule.name":"x","@timestamp":"2024-01-01T00:00:00Z"}`:                                     "elastic",
		`{"title":"x","severity":"high"}`:                                                                        "generic",
		"CEF:0|a|b|1|2|n|5|src=1.2.3.4":                                                                          "cef",
		"<13>Oct 11 22:14:15 host CEF:0|a|b|1|2|n|5|":                                                            "cef",
		"<34>1 2003-10-11T22:14:15.003Z host su - ID47 - msg":                                                    "syslog",
		"": "",
		"CEF:0|a|b|1|2|n|5|\n<13>Jan  1 00:00:00 host app: x\n": "syslog",
		"CEF:0|a|b|1|2|n|5|\r\n\r\nCEF:0|a|b|1|2|n|5|":          "cef",
		"title: x\nlogsource:\n":                                "",
		`{"Event":{"Attribute":[]}}`:                            "",
		`{"type":"bundle","objects":[]}`:                        "",
		`"just a string"`:                                       "",
		`{"eventType":"user.session.start","published":"2024-01-01T00:00:00Z","uuid":"u"}`:            "okta",
		`{"data":[{"eventType":"user.session.start","published":"2024-01-01T00:00:00Z","uuid":"u"}]}`: "generic",
		`{"value":[{"type":"Microsoft.SecurityInsights/incidents","properties":{}}]}`:                 "sentinel",
		// Text without a PRI, with ISO / macOS / ASA stamps, and bare vendor bodies.
		"2024-01-02T03:04:05Z host sshd[1]: Invalid user x from 192.0.2.1":                                                                     "syslog",
		"2024-01-02 03:04:05.123456-0800 mac sshd[1]: Invalid user x from 192.0.2.1":                                                           "syslog",
		"%ASA-4-106023: Deny tcp src outside:192.0.2.1/1 dst inside:10.0.0.1/22 by access-group \"a\"":                                         "cisco_asa",
		"Jan 02 2024 03:04:05 fw : %ASA-6-302013: Built inbound TCP connection 1 for a:192.0.2.1/1 (192.0.2.1/1) to b:10.0.0.1/2 (10.0.0.1/2)": "cisco_asa",
		`date=2024-01-02 time=03:04:05 devname="fg" logid="0419016384" type="utm" subtype="ips" srcip=192.0.2.1`:                               "fortigate",
		`<134>1 2024-01-02T03:04:05Z gw CheckPoint 1 - [action:"Drop"; src:"192.0.2.1"]`:                                                       "checkpoint",
		"CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Log|Drop|Unknown|act=Drop src=192.0.2.1":                                             "checkpoint",
		"01/02-03:04:05.000001 [**] [1:1:1] x [**] [Priority: 1] {TCP} 192.0.2.1:1 -> 192.0.2.2:2":                                             "snort",
		"1,2024/01/02 03:04:05,012801000001,THREAT,vulnerability,2305,2024/01/02 03:04:05,192.0.2.1,192.0.2.2,0.0.0.0,0.0.0.0,r,,,web,vsys1,a,b,e1,e2,f,2024/01/02 03:04:05,1,1,1,80,0,0,0x0,tcp,alert,x,Name(1),any,high,client-to-server,1": "panos",
		"just some prose\nwith lines": "",
	}
	for in, want := range cases {
		if got := Detect([]byte(in)); got != want {
			t.Errorf("Detect(%.50q) = %q, want %q", in, got, want)
		}
	}
}

func TestGeneric(t *testing.T) {
	body := `{"alert_id":"A-1","name":"Brute force on ssh","details":"Many failures from 203.0.113.9 for admin@example.com",
		"priority":2,"@timestamp":"2024-05-01T10:00:00+02:00","src_ip":"203.0.113.9","host":{"name":"web-01"},
		"user":"admin","tactic":["Credential Access"],"technique_id":"t1110.001","tags":["ssh","auth"],"status":"closed","extra":{"k":1}}`
	as, err := Normalize("generic", []byte(body))
	if err != nil || len(as) != 1 {
		t.Fatalf("%d alerts, err %v", len(as), err)
	}
	a := as[0]
	checkAlert(t, a)
	if a.Title != "Brute force on ssh" || a.SourceRef != "A-1" || a.Severity != alert.SeverityHigh || a.Status != alert.StatusResolved {
		t.Errorf("got title %q ref %q sev %v status %q", a.Title, a.SourceRef, a.Severity, a.Status)
	}
	if !a.EventTime.Equal(time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("event time %v", a.EventTime)
	}
	if !slices.Equal(a.Tactics, []string{"credential-access"}) || !slices.Equal(a.Techniques, []string{"T1110.001"}) {
		t.Errorf("tactics %q techniques %q", a.Tactics, a.Techniques)
	}
	for _, e := range []alert.Entity{{Type: "ip", Value: "203.0.113.9", Role: "src"}, {Type: "hostname", Value: "web-01", Role: "host"},
		{Type: "user", Value: "admin", Role: "actor"}, {Type: "email", Value: "admin@example.com", Role: "related"}} {
		if !slices.Contains(a.Entities, e) {
			t.Errorf("missing %+v in %+v", e, a.Entities)
		}
	}
	if _, ok := a.Unmapped["extra"]; !ok {
		t.Errorf("unmapped lacks extra: %v", a.Unmapped)
	}
	if _, ok := a.Unmapped["name"]; ok {
		t.Error("mapped field name is in unmapped")
	}
}

func TestGenericEnvelopes(t *testing.T) {
	for body, n := range map[string]int{
		`{"alerts":[{"title":"a"},{"title":"b"}],"total":2}`: 2,
		`{"title":"has data","data":[{"k":1}]}`:              1,
		`{"results":[]}`:                                     0,
		`{"data":["x","y"],"msg":"m"}`:                       1,
	} {
		as, err := Normalize("generic", []byte(body))
		if err != nil || len(as) != n {
			t.Errorf("%s: %d alerts, err %v; want %d", body, len(as), err, n)
		}
	}
}

func TestGenericSeverityScales(t *testing.T) {
	cases := []struct {
		body string
		want alert.Severity
	}{
		{`{"severity":"CRITICAL"}`, alert.SeverityCritical},
		{`{"severity":"warning"}`, alert.SeverityMedium},
		{`{"level":"info"}`, alert.SeverityInformational},
		{`{"severity":8}`, alert.SeverityHigh},
		{`{"severity":"3"}`, alert.SeverityLow},
		{`{"risk_score":91}`, alert.SeverityCritical},
		{`{"risk_score":45}`, alert.SeverityMedium},
		{`{"priority":1}`, alert.SeverityCritical},
		{`{"priority":5}`, alert.SeverityInformational},
		{`{"priority":"P3"}`, alert.SeverityMedium},
		{`{"severity":"bogus"}`, alert.SeverityUnknown},
		{`{"severity":1000}`, alert.SeverityUnknown},
	}
	for _, c := range cases {
		as, err := Normalize("generic", []byte(c.body))
		if err != nil || len(as) != 1 {
			t.Fatalf("%s: err %v", c.body, err)
		}
		if as[0].Severity != c.want {
			t.Errorf("%s: severity %v, want %v", c.body, as[0].Severity, c.want)
		}
	}
}

func TestTacticAndTechnique(t *testing.T) {
	for in, want := range map[string]string{
		"InitialAccess": "initial-access", "Initial Access": "initial-access", "initial_access": "initial-access",
		"TA0001": "initial-access", "attack.credential-access": "credential-access", "Command and Control": "command-and-control",
		"COMMAND_AND_CONTROL": "command-and-control", "Stealth": "defense-evasion", "privilege-escalation": "privilege-escalation",
	} {
		if got, ok := Tactic(in); !ok || got != want {
			t.Errorf("Tactic(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"Malware", "", "Machine Learning", "&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&"} {
		if got, ok := Tactic(bad); ok {
			t.Errorf("Tactic(%q) = %q, want rejection", bad, got)
		}
	}
	for in, want := range map[string]string{"t1190": "T1190", "T1059.001": "T1059.001", "attack.t1003.001": "T1003.001"} {
		if got, ok := Technique(in); !ok || got != want {
			t.Errorf("Technique(%q) = %q, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"T123", "T12345", "T1059.01", "X1059", "T1059_001", "PUP", "T1059.0011"} {
		if _, ok := Technique(bad); ok {
			t.Errorf("Technique(%q) accepted", bad)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a := alert.Alert{Source: alert.Source{Type: "suricata"}, Rule: alert.Rule{ID: "2024833"}, Entities: []alert.Entity{
		{Type: "ip", Value: "10.0.0.1", Role: "src"}, {Type: "ip", Value: "10.0.0.2", Role: "dst"}, {Type: "domain", Value: "l2.io", Role: "dst"}}}
	b := a
	b.Entities = []alert.Entity{a.Entities[2], a.Entities[1], a.Entities[0], a.Entities[0]}
	keys := FingerprintKeys("suricata")
	fa, fb := Fingerprint(a, keys), Fingerprint(b, keys)
	if fa != fb || len(fa) != 64 {
		t.Fatalf("fingerprint depends on entity order: %s vs %s", fa, fb)
	}
	c := a
	c.Entities = []alert.Entity{{Type: "ip", Value: "10.0.0.1", Role: "src"}, {Type: "ip", Value: "10.0.0.3", Role: "dst"}}
	if Fingerprint(c, keys) == fa {
		t.Error("different destination, same fingerprint")
	}
	d := a
	d.Entities = append([]alert.Entity{}, a.Entities[:2]...) // domain is not a key entity for suricata
	if Fingerprint(d, keys) != fa {
		t.Error("non-key entity changed the fingerprint")
	}
	e := a
	e.Rule.ID = "1"
	if Fingerprint(e, keys) == fa {
		t.Error("different rule, same fingerprint")
	}
	if FingerprintKeys("unknown").Entities == nil {
		t.Error("no fallback keys")
	}
	for st := range DefaultFingerprintKeys {
		if _, ok := Lookup(st); !ok {
			t.Errorf("fingerprint keys for unregistered source %q", st)
		}
	}
}

func TestSyslogYearInference(t *testing.T) {
	n := syslogNormalizer{now: func() time.Time { return time.Date(2025, 1, 3, 0, 0, 0, 0, time.UTC) }}
	as, err := n.Normalize([]byte("<13>Dec 31 23:59:59 host app: late\n<13>Jan  2 00:00:01 host app: early\n"))
	if err != nil || len(as) != 2 {
		t.Fatalf("%d, %v", len(as), err)
	}
	if as[0].EventTime.Year() != 2024 || as[1].EventTime.Year() != 2025 {
		t.Errorf("years %d %d, want 2024 2025", as[0].EventTime.Year(), as[1].EventTime.Year())
	}
}

func TestSyslogCarriesCEF(t *testing.T) {
	line := `<134>Feb 12 10:12:13 fw01 CEF:0|Acme|IDS|2.1|4000|Port scan \| sweep|8|src=198.51.100.7 dst=10.1.1.1 msg=scan a\=b\\c rt=1700000000000`
	as, err := Normalize("syslog", []byte(line))
	if err != nil || len(as) != 1 {
		t.Fatalf("%d, %v", len(as), err)
	}
	a := as[0]
	checkAlert(t, a)
	if a.Source.Type != "cef" || a.Title != "Port scan | sweep" || a.Severity != alert.SeverityHigh || a.Description != `scan a=b\c` {
		t.Errorf("got %q %q %v %q", a.Source.Type, a.Title, a.Severity, a.Description)
	}
	if !a.EventTime.Equal(time.UnixMilli(1700000000000).UTC()) {
		t.Errorf("event time %v", a.EventTime)
	}
	if !slices.Contains(a.Entities, alert.Entity{Type: "hostname", Value: "fw01", Role: "host"}) {
		t.Errorf("syslog host missing: %+v", a.Entities)
	}
}

func TestStatusMapping(t *testing.T) {
	cases := []struct{ st, body string }{
		{"guardduty", `{"id":"1","type":"Recon:EC2/Portscan","severity":2,"service":{"archived":true}}`},
		{"securityhub", `{"Id":"1","Title":"t","Severity":{"Label":"LOW"},"Workflow":{"Status":"SUPPRESSED"}}`},
		{"gcp_scc", `{"finding":{"name":"f","category":"c","severity":"LOW","mute":"MUTED"}}`},
		{"ocsf", `{"class_uid":2004,"severity_id":2,"status_id":3}`},
	}
	for _, c := range cases {
		as, err := Normalize(c.st, []byte(c.body))
		if err != nil || len(as) != 1 {
			t.Fatalf("%s: %v", c.st, err)
		}
		if as[0].Status != alert.StatusSuppressed {
			t.Errorf("%s: status %q, want suppressed", c.st, as[0].Status)
		}
	}
}

// TestElasticDetectionAlert covers the Kibana detection-engine shape (no
// corpus sample exists): flattened kibana.alert.* fields and ECS entities.
func TestElasticDetectionAlert(t *testing.T) {
	body := `{"_id":"doc1","_source":{"@timestamp":"2024-02-01T09:00:00.000Z","kibana.alert.rule.name":"Suspicious PowerShell",` +
		`"kibana.alert.rule.rule_id":"rule-42","kibana.alert.uuid":"u-1","kibana.alert.severity":"high","kibana.alert.risk_score":73,` +
		`"kibana.alert.reason":"process event on WS-7","kibana.alert.workflow_status":"closed",` +
		`"kibana.alert.rule.threat":[{"framework":"MITRE ATT&CK","tactic":{"id":"TA0002","name":"Execution"},` +
		`"technique":[{"id":"T1059","subtechnique":[{"id":"T1059.001"}]}]}],` +
		`"host":{"name":"WS-7","ip":["10.2.3.4"]},"user":{"name":"jdoe"},"process":{"executable":"C:\\Windows\\powershell.exe"}}}`
	if got := Detect([]byte(body)); got != "elastic" {
		t.Fatalf("Detect = %q", got)
	}
	as, err := Normalize("elastic", []byte(body))
	if err != nil || len(as) != 1 {
		t.Fatalf("%d, %v", len(as), err)
	}
	a := as[0]
	checkAlert(t, a)
	if a.Title != "Suspicious PowerShell" || a.Rule.ID != "rule-42" || a.SourceRef != "u-1" || a.Severity != alert.SeverityHigh ||
		a.Status != alert.StatusResolved || a.Description != "process event on WS-7" {
		t.Errorf("got %q %q %q %v %q %q", a.Title, a.Rule.ID, a.SourceRef, a.Severity, a.Status, a.Description)
	}
	if !slices.Equal(a.Tactics, []string{"execution"}) || !slices.Equal(a.Techniques, []string{"T1059", "T1059.001"}) {
		t.Errorf("tactics %q techniques %q", a.Tactics, a.Techniques)
	}
	for _, e := range []alert.Entity{{Type: "hostname", Value: "ws-7", Role: "host"}, {Type: "ip", Value: "10.2.3.4", Role: "host"},
		{Type: "user", Value: "jdoe", Role: "actor"}, {Type: "process", Value: `C:\Windows\powershell.exe`, Role: "process"}} {
		if !slices.Contains(a.Entities, e) {
			t.Errorf("missing %+v in %+v", e, a.Entities)
		}
	}
	if string(a.Raw) != body {
		t.Error("raw is not the whole hit")
	}
}

// TestAttackMapping: technique ids are case-normalized, ids the ATT&CK
// catalog does not know are dropped, and tactics come from the techniques
// when the source names none (a vendor's own tactics are kept).
func TestAttackMapping(t *testing.T) {
	cases := []struct {
		body               string
		tactics, technique []string
	}{
		{`{"title":"dump","technique":"t1003.001"}`, []string{"credential-access"}, []string{"T1003.001"}},
		{`{"title":"x","techniques":["T1003","T9999","T1003.999","T1059.001"]}`, []string{"execution", "credential-access"}, []string{"T1003", "T1059.001"}},
		{`{"title":"x","tactic":"Impact","technique":"T1003"}`, []string{"impact"}, []string{"T1003"}},
		{`{"title":"x","technique":"T1234"}`, nil, nil},
	}
	for _, c := range cases {
		as, err := Normalize("generic", []byte(c.body))
		if err != nil || len(as) != 1 {
			t.Fatalf("%s: %v", c.body, err)
		}
		if !slices.Equal(nilEmpty(as[0].Tactics), nilEmpty(c.tactics)) || !slices.Equal(nilEmpty(as[0].Techniques), nilEmpty(c.technique)) {
			t.Errorf("%s: tactics %q techniques %q; want %q %q", c.body, as[0].Tactics, as[0].Techniques, c.tactics, c.technique)
		}
	}
}

// TestLiberalCoercion: a scalar of the wrong type never drops a record.
// Numbers and bools where text is expected are read as text; a value that
// cannot be coerced leaves only that field empty.
func TestLiberalCoercion(t *testing.T) {
	cases := []struct {
		st, body string
		check    func(a alert.Alert) bool
	}{
		{"elastic", `{"@timestamp":"2025-01-01T00:00:00Z","event":{"kind":"alert","severity":73},"rule":{"id":1234,"name":"Malware Prevention Alert"},"host":{"name":"h1"}}`,
			func(a alert.Alert) bool { return a.Rule.ID == "1234" && a.Severity == alert.SeverityHigh }},
		{"guardduty", `{"id":"x","type":"Recon:EC2/Portscan","severity":"abc","title":7}`,
			func(a alert.Alert) bool {
				return a.Title == "7" && a.Severity == alert.SeverityUnknown && a.Rule.ID == "Recon:EC2/Portscan"
			}},
		{"guardduty", `{"findings":[{"id":"a","severity":2},{"id":"b","title":{"x":1},"severity":8}]}`,
			func(a alert.Alert) bool { return a.SourceRef == "b" && a.Severity == alert.SeverityHigh }},
		{"suricata", `{"event_type":"alert","alert":{"severity":"high","signature":"x","signature_id":"2001"},"src_ip":"192.0.2.1"}`,
			func(a alert.Alert) bool { return a.Rule.ID == "2001" && a.Title == "x" }},
		{"okta", `{"eventType":"user.session.start","published":"2024-01-01T00:00:00Z","uuid":123,"displayMessage":true}`,
			func(a alert.Alert) bool { return a.SourceRef == "123" && a.Title == "true" }},
	}
	for _, c := range cases {
		as, err := Normalize(c.st, []byte(c.body))
		if err != nil || len(as) == 0 {
			t.Errorf("%s %s: %d alerts, %v", c.st, c.body, len(as), err)
			continue
		}
		a := as[len(as)-1]
		checkAlert(t, a)
		if !c.check(a) {
			t.Errorf("%s %s: got title %q rule %q sev %v ref %q", c.st, c.body, a.Title, a.Rule.ID, a.Severity, a.SourceRef)
		}
	}
}

// TestFingerprintFallback: records from which nothing was extracted never
// share a fingerprint unless they are the same record.
func TestFingerprintFallback(t *testing.T) {
	bodies := []string{
		`{"offense_type":3,"magnitude":5,"offense_source":"qradar-1"}`,
		`{"ClientRequestPath":"/a","EdgeResponseStatus":403}`,
		`{"ClientRequestPath":"/b","EdgeResponseStatus":403}`,
		`{"EdgeResponseStatus":403, "ClientRequestPath":"/b"}`, // same record as the previous, re-serialized
	}
	var fps []string
	for _, b := range bodies {
		as, err := Normalize("generic", []byte(b))
		if err != nil || len(as) != 1 {
			t.Fatalf("%s: %v", b, err)
		}
		if !Unidentified(as[0]) {
			t.Errorf("%s: not reported as unidentified: %+v", b, as[0])
		}
		fps = append(fps, Fingerprint(as[0], FingerprintKeys("generic")))
	}
	if fps[0] == fps[1] || fps[1] == fps[2] || fps[0] == fps[2] {
		t.Error("distinct unidentified records share a fingerprint")
	}
	if fps[2] != fps[3] {
		t.Error("the same record re-serialized got another fingerprint")
	}
	// A vendor id tells records without key entities apart.
	a := alert.Alert{Source: alert.Source{Type: "generic"}, Title: "Policy violation", SourceRef: "r1"}
	b := a
	b.SourceRef = "r2"
	if Fingerprint(a, FingerprintKeys("generic")) == Fingerprint(b, FingerprintKeys("generic")) {
		t.Error("records with distinct ids and no key entity merged")
	}
	if Unidentified(a) {
		t.Error("an alert with a title is not unidentified")
	}
}
