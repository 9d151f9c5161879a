package normalize

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/securenexus/securenexus/internal/alert"
)

// fixtureCase pins the alerts of one of the project's own fixtures in
// testdata/fixtures. The fixtures are written from each vendor's public
// format documentation (field names and shapes), with invented values;
// they are not copies of any sample file.
type fixtureCase struct {
	file       string
	sourceType string // also the expected Detect result
	count      int
	wants      []want
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

var fixtureCases = []fixtureCase{
	{"guardduty_findings.json", "guardduty", 2, []want{
		{idx: 0, title: "198.51.100.77 is performing SSH brute force attacks against i-0a1b2c3d4e5f60718.", ruleID: "UnauthorizedAccess:EC2/SSHBruteForce",
			sev: alert.SeverityMedium, sourceRef: "7ac4d1b2e3f4a5b6c7d8e9f0a1b2c3d4", eventTime: "2025-05-01T08:00:00Z", tactics: []string{},
			entities: []ent{{Type: "cloud_resource", Value: "i-0a1b2c3d4e5f60718", Role: "resource"}, {Type: "ip", Value: "10.20.30.40", Role: "host"},
				{Type: "ip", Value: "198.51.100.77", Role: "src"}}, tags: []string{"UnauthorizedAccess"}, vendor: "AWS"},
		{idx: 1, ruleID: "Discovery:S3/MaliciousIPCaller", sev: alert.SeverityHigh, status: alert.StatusSuppressed, tactics: []string{"discovery"},
			entities: []ent{{Type: "user", Value: "alice", Role: "actor"}, {Type: "cloud_resource", Value: "ASIAEXAMPLEKEY123456", Role: "actor"},
				{Type: "ip", Value: "203.0.113.200", Role: "src"}, {Type: "cloud_resource", Value: "arn:aws:s3:::finance-reports", Role: "resource"}}},
	}},
	{"securityhub_findings.json", "securityhub", 2, []want{
		{idx: 0, ruleID: "S3.8", sev: alert.SeverityHigh, eventTime: "2025-05-03T09:00:00Z", tags: []string{"compliance:failed"},
			entities: []ent{{Type: "cloud_resource", Value: "arn:aws:s3:::public-assets-bucket", Role: "resource"}}},
		{idx: 1, ruleID: "Backdoor:EC2-C&CActivity.B!DNS", sev: alert.SeverityHigh, status: alert.StatusResolved, tactics: []string{"command-and-control"},
			entities: []ent{{Type: "domain", Value: "c2.example-bad.net", Role: "dst"}, {Type: "ip", Value: "10.0.1.15", Role: "src"}}},
	}},
	{"cloudtrail_records.json", "cloudtrail", 2, []want{
		{idx: 0, title: "AWS StopLogging by mallory", ruleID: "cloudtrail.amazonaws.com:StopLogging", sev: alert.SeverityMedium,
			sourceRef: "e1f2a3b4-1111-2222-3333-444455556666", tactics: []string{"defense-evasion"}, techniques: []string{"T1562.008"},
			entities: []ent{{Type: "user", Value: "mallory", Role: "actor"}, {Type: "ip", Value: "198.51.100.23", Role: "src"},
				{Type: "cloud_resource", Value: "AKIAEXAMPLEACCESS01", Role: "actor"}}},
		{idx: 1, ruleID: "signin.amazonaws.com:ConsoleLogin", sev: alert.SeverityMedium, tags: []string{"root", "failed"},
			entities: []ent{{Type: "ip", Value: "203.0.113.50", Role: "src"}}},
	}},
	{"suricata_eve.ndjson", "suricata", 2, []want{
		{idx: 0, title: "ET USER_AGENTS Suspicious User-Agent (python-requests)", ruleID: "2024897", sev: alert.SeverityHigh,
			eventTime: "2025-05-05T10:00:00.123456Z", tactics: []string{"command-and-control"}, techniques: []string{"T1071"},
			entities: []ent{{Type: "ip", Value: "192.0.2.10", Role: "src"}, {Type: "ip", Value: "198.51.100.80", Role: "dst"},
				{Type: "domain", Value: "update.example-bad.org", Role: "dst"}, {Type: "url", Value: "http://update.example-bad.org/gate.php", Role: "dst"}}},
		{idx: 1, ruleID: "2100498", sev: alert.SeverityMedium},
	}},
	{"zeek_notice.ndjson", "zeek", 2, []want{
		{idx: 0, ruleID: "SSH::Password_Guessing", sev: alert.SeverityMedium, sourceRef: "CHhAvVGS1DHFjwGM9", eventTime: "2025-05-05T10:00:00.123Z",
			techniques: []string{"T1110"}, entities: []ent{{Type: "ip", Value: "203.0.113.9", Role: "src"}, {Type: "ip", Value: "192.0.2.20", Role: "dst"}}},
		{idx: 1, ruleID: "Scan::Port_Scan", tactics: []string{"discovery"}, entities: []ent{{Type: "ip", Value: "192.0.2.30", Role: "dst"}}},
	}},
	{"wazuh_alerts.ndjson", "wazuh", 2, []want{
		{idx: 0, ruleID: "5712", sev: alert.SeverityMedium, sourceRef: "1746518400.123456", tactics: []string{"credential-access"}, techniques: []string{"T1110"},
			entities: []ent{{Type: "hostname", Value: "web-prod-01", Role: "host"}, {Type: "ip", Value: "203.0.113.66", Role: "src"}, {Type: "user", Value: "oracle", Role: "actor"}}},
		{idx: 1, ruleID: "550", tags: []string{"fim:modified"},
			entities: []ent{{Type: "file", Value: "/etc/passwd", Role: "file"}, {Type: "sha256", Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b856", Role: "file"}}},
	}},
	{"elastic_detection.json", "elastic", 1, []want{
		{title: "Potential Credential Access via LSASS Memory Dump", ruleID: "f2f46686-6f3c-4724-bd7d-24e31c70f98f", sev: alert.SeverityHigh,
			sourceRef: "b3c9f0e1", tactics: []string{"credential-access"}, techniques: []string{"T1003", "T1003.001"},
			entities: []ent{{Type: "hostname", Value: "wks-12", Role: "host"}, {Type: "user", Value: `CORP\bob`, Role: "actor"},
				{Type: "process", Value: `C:\Tools\procdump.exe`, Role: "process"}}},
	}},
	{"defender_alerts.json", "defender", 2, []want{
		{idx: 0, title: "Suspicious PowerShell command line", sev: alert.SeverityMedium, eventTime: "2025-05-08T09:59:00Z", tactics: []string{"execution"},
			techniques: []string{"T1059.001"}, entities: []ent{{Type: "hostname", Value: "desktop-7.corp.example.com", Role: "host"},
				{Type: "user", Value: `CORP\carol`, Role: "actor"}, {Type: "sha256", Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Role: "process"}}},
		{idx: 1, ruleID: "17e10bbc-3a68-474a-8aad-fac8ea1a3ed4", sev: alert.SeverityHigh, status: alert.StatusResolved, techniques: []string{"T1486"},
			entities: []ent{{Type: "hostname", Value: "srv-file-02", Role: "host"}, {Type: "ip", Value: "10.4.4.2", Role: "host"},
				{Type: "email", Value: "dave@corp.example.com", Role: "actor"}}},
	}},
	{"sentinel_incidents.json", "sentinel", 1, []want{
		{title: "Multiple failed sign-ins followed by success", ruleID: "fab3d2d4-747f-46a7-8ef0-9c0be8112bf7", sev: alert.SeverityHigh,
			eventTime: "2025-05-09T06:40:00Z", tactics: []string{"initial-access", "credential-access"}, tags: []string{"incident:3177"}},
	}},
	{"crowdstrike_stream.ndjson", "crowdstrike", 1, []want{
		{title: "CredentialDumpingLSASS", ruleID: "5701", sev: alert.SeverityHigh, eventTime: "2025-05-09T08:59:55Z",
			sourceRef: "abcdef0123456789abcdef0123456789:ind:0123456789abcdef0123456789abcdef:4242-1", tactics: []string{"credential-access"}, techniques: []string{"T1003"},
			entities: []ent{{Type: "hostname", Value: "laptop-99", Role: "host"}, {Type: "user", Value: `CORP\erin`, Role: "actor"},
				{Type: "sha256", Value: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", Role: "file"},
				{Type: "ip", Value: "203.0.113.242", Role: "dst"}}},
	}},
	{"sentinelone_threats.json", "sentinelone", 1, []want{
		{title: "Trojan detected: invoice_viewer.exe", ruleID: "Trojan", sev: alert.SeverityHigh, eventTime: "2025-05-10T14:00:00Z",
			tactics: []string{"persistence"}, techniques: []string{"T1547.001"},
			entities: []ent{{Type: "hostname", Value: "fin-laptop-3", Role: "host"}, {Type: "user", Value: `CORP\frank`, Role: "actor"},
				{Type: "sha1", Value: "7c4a8d09ca3762af61e59520943dc26494f8941b", Role: "file"}}},
	}},
	{"okta_events.json", "okta", 2, []want{
		{idx: 0, ruleID: "security.threat.detected", sev: alert.SeverityMedium, techniques: []string{"T1110"},
			entities: []ent{{Type: "ip", Value: "203.0.113.140", Role: "src"}, {Type: "email", Value: "grace@example.com", Role: "target"}}},
		{idx: 1, ruleID: "user.session.start", sev: alert.SeverityInformational, entities: []ent{{Type: "email", Value: "heidi@example.com", Role: "actor"}}},
	}},
	{"gcp_scc_findings.json", "gcp_scc", 1, []want{
		{title: "Execution: Cryptocurrency Mining Hash Match on web-vm-1", sev: alert.SeverityHigh, sourceRef: "projects/998877665544/sources/5678/findings/f0a1b2c3d4",
			tactics: []string{"impact"}, entities: []ent{{Type: "email", Value: "svc-build@prod-project.iam.gserviceaccount.com", Role: "actor"},
				{Type: "ip", Value: "203.0.113.15", Role: "src"}, {Type: "domain", Value: "pool.example-mining.org", Role: "related"}}},
	}},
	{"ocsf_findings.json", "ocsf", 2, []want{
		{idx: 0, title: "Malware detected: ExampleLoader", ruleID: "rule-77", sev: alert.SeverityHigh, sourceRef: "fnd-0001", techniques: []string{"T1204.002"},
			entities: []ent{{Type: "hostname", Value: "kiosk-04", Role: "host"}, {Type: "sha256", Value: "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b", Role: "file"}}},
		{idx: 1, sev: alert.SeverityMedium, entities: []ent{{Type: "cloud_resource", Value: "arn:aws:s3:::open-bucket", Role: "resource"}}},
	}},
	{"cef_lines.log", "cef", 2, []want{
		{idx: 0, title: "User Signed In", ruleID: "600", sev: alert.SeverityLow, eventTime: "-", vendor: "Trend Micro",
			entities: []ent{{Type: "ip", Value: "10.52.116.160", Role: "src"}, {Type: "user", Value: "admin", Role: "actor"}}},
		{idx: 1, ruleID: "1001", sev: alert.SeverityHigh, sourceRef: "evt-9001", eventTime: "2025-05-13T10:00:00Z", techniques: []string{"T1046"},
			entities: []ent{{Type: "hostname", Value: "fw-edge", Role: "host"}, {Type: "ip", Value: "203.0.113.5", Role: "src"}, {Type: "ip", Value: "192.0.2.50", Role: "dst"}}},
	}},
	{"panos_threat.log", "panos", 1, []want{
		{title: "PAN-OS vulnerability: Apache Struts Remote Code Execution Vulnerability", ruleID: "33185", sev: alert.SeverityCritical,
			sourceRef: "012801000001/7200000001", eventTime: "2025-05-14T09:00:00Z",
			entities: []ent{{Type: "ip", Value: "203.0.113.44", Role: "src"}, {Type: "ip", Value: "192.0.2.60", Role: "dst"}, {Type: "hostname", Value: "pa-fw-01", Role: "host"}}},
	}},
	{"syslog_lines.log", "syslog", 2, []want{
		{idx: 0, ruleID: "ID47", ruleName: "su", sev: alert.SeverityCritical, eventTime: "2025-05-15T22:14:15.003Z",
			entities: []ent{{Type: "hostname", Value: "mymachine.example.com", Role: "host"}}},
		{idx: 1, ruleID: "sshd", sev: alert.SeverityInformational,
			entities: []ent{{Type: "hostname", Value: "bastion", Role: "host"}, {Type: "ip", Value: "203.0.113.7", Role: "src"},
				{Type: "user", Value: "admin", Role: "target"}}},
	}},
	{"generic_alerts.json", "generic", 2, []want{
		{idx: 0, title: "Brute force on ssh", sev: alert.SeverityHigh, sourceRef: "A-1001", eventTime: "2025-05-16T10:00:00Z",
			tactics: []string{"credential-access"}, techniques: []string{"T1110.001"},
			entities: []ent{{Type: "ip", Value: "203.0.113.9", Role: "src"}, {Type: "hostname", Value: "web-01", Role: "host"}, {Type: "user", Value: "admin", Role: "actor"}}},
		{idx: 1, title: "Suspicious download", sev: alert.SeverityHigh, eventTime: "2025-05-16T10:00:00Z",
			entities: []ent{{Type: "url", Value: "http://files.example-bad.com/a.exe", Role: "related"},
				{Type: "sha256", Value: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", Role: "file"}}},
	}},
	{"windows_events.ndjson", "windows", 4, []want{
		{idx: 0, title: `Sysmon 1 Process creation: C:\Windows\System32\cmd.exe`, ruleID: "sysmon:1", sev: alert.SeverityInformational, eventTime: "2025-05-20T08:00:00.123Z",
			sourceRef: "WKS-21.corp.example.com/Microsoft-Windows-Sysmon/Operational/5001", vendor: "Microsoft",
			entities: []ent{{Type: "hostname", Value: "wks-21.corp.example.com", Role: "host"}, {Type: "user", Value: `CORP\ivan`, Role: "actor"},
				{Type: "process", Value: `C:\Windows\System32\cmd.exe`, Role: "process"}, {Type: "process", Value: `C:\Windows\explorer.exe`, Role: "related"},
				{Type: "sha256", Value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Role: "process"},
				{Type: "md5", Value: "098f6bcd4621d373cade4e832627b4f6", Role: "process"}, {Type: "ip", Value: "203.0.113.88", Role: "related"}},
			absent: []string{"00000000000000000000000000000000"}},
		{idx: 1, ruleID: "Security:4625", sev: alert.SeverityLow, eventTime: "2025-05-20T08:05:00Z", tactics: []string{"credential-access"}, techniques: []string{"T1110"},
			entities: []ent{{Type: "user", Value: `CORP\administrator`, Role: "target"}, {Type: "ip", Value: "198.51.100.31", Role: "src"},
				{Type: "hostname", Value: "dc01.corp.example.com", Role: "host"}}, tags: []string{"logon_type:3"}},
		{idx: 2, ruleID: "sysmon:10", sev: alert.SeverityHigh, techniques: []string{"T1003.001"}, tactics: []string{"credential-access"},
			entities: []ent{{Type: "process", Value: `C:\Users\Public\tool.exe`, Role: "process"}}},
		{idx: 3, ruleID: "Security:1102", sev: alert.SeverityHigh, techniques: []string{"T1070.001"}, eventTime: "2025-05-20T08:15:00Z",
			entities: []ent{{Type: "user", Value: `CORP\mallory`, Role: "actor"}}},
	}},
	{"entra_id_logs.json", "entra_id", 2, []want{
		{idx: 0, title: "Entra ID sign-in failed for judy@corp.example.com to Azure Portal", ruleID: "signin:50126", sev: alert.SeverityMedium,
			sourceRef: "66ea54eb-6301-4ee5-be62-ff5a759b8100", eventTime: "2025-05-21T09:00:00Z", techniques: []string{"T1078.004", "T1110"},
			entities: []ent{{Type: "user", Value: "judy@corp.example.com", Role: "actor"}, {Type: "ip", Value: "203.0.113.70", Role: "src"}}},
		{idx: 1, ruleID: "audit:Add member to role", sev: alert.SeverityMedium, techniques: []string{"T1098.003"},
			entities: []ent{{Type: "user", Value: "admin@corp.example.com", Role: "actor"}, {Type: "user", Value: "kim@corp.example.com", Role: "target"},
				{Type: "ip", Value: "198.51.100.71", Role: "src"}}},
	}},
	{"m365_audit.json", "m365", 2, []want{
		{idx: 0, ruleID: "New-InboxRule", sev: alert.SeverityMedium, techniques: []string{"T1564.008"}, eventTime: "2025-05-22T10:00:00Z",
			sourceRef: "5e2c1a44-0000-4e0e-9b1a-0123456789ab", entities: []ent{{Type: "ip", Value: "203.0.113.90", Role: "src"},
				{Type: "user", Value: "leo@corp.example.com", Role: "actor"}}},
		{idx: 1, ruleID: "UserLoginFailed", sev: alert.SeverityLow, techniques: []string{"T1110"}},
	}},
	{"google_workspace_alerts.json", "google_workspace", 2, []want{
		{idx: 0, title: "Google Workspace alert: Suspicious login", sev: alert.SeverityHigh, sourceRef: "a1b2c3d4-0000-1111-2222-333344445555",
			eventTime: "2025-05-23T07:00:00Z", entities: []ent{{Type: "email", Value: "nina@corp.example.com", Role: "target"}}},
		{idx: 1, ruleID: "login:login_failure", sev: alert.SeverityLow, techniques: []string{"T1110"},
			entities: []ent{{Type: "email", Value: "omar@corp.example.com", Role: "actor"}, {Type: "ip", Value: "198.51.100.102", Role: "src"}}},
	}},
	{"cloudflare_logs.ndjson", "cloudflare", 2, []want{
		{idx: 0, title: "Cloudflare block: SQLi - UNION shop.example.com/login", sev: alert.SeverityMedium, sourceRef: "8a1b2c3d4e5f6a7b",
			ruleID: "efb7b8c949ac4650a09736fc376e9aee", eventTime: "2025-05-24T06:00:00Z",
			entities: []ent{{Type: "ip", Value: "203.0.113.111", Role: "src"}, {Type: "domain", Value: "shop.example.com", Role: "dst"}}},
		{idx: 1, sev: alert.SeverityLow, entities: []ent{{Type: "ip", Value: "192.0.2.200", Role: "dst"}, {Type: "url", Value: "https://api.example.com/v1/items", Role: "dst"}}},
	}},
	{"zscaler_web.ndjson", "zscaler", 2, []want{
		{idx: 0, ruleID: "Win32.Trojan.Example", sev: alert.SeverityCritical, sourceRef: "7412345678901234567", eventTime: "2025-05-25T05:00:00Z",
			entities: []ent{{Type: "user", Value: "paul@corp.example.com", Role: "actor"}, {Type: "ip", Value: "10.8.8.8", Role: "src"},
				{Type: "domain", Value: "dl.example-bad.net", Role: "dst"}, {Type: "hostname", Value: "lt-paul", Role: "host"}}},
		{idx: 1, sev: alert.SeverityInformational},
	}},
	{"cortex_xdr_alerts.json", "cortex_xdr", 1, []want{
		{title: "Credential dumping via LSASS access", sourceRef: "3401", sev: alert.SeverityHigh, eventTime: "2025-05-25T06:00:00Z",
			tactics: []string{"credential-access"}, techniques: []string{"T1003.001"},
			entities: []ent{{Type: "hostname", Value: "wks-31", Role: "host"}, {Type: "user", Value: `CORP\rita`, Role: "actor"},
				{Type: "sha256", Value: "3b7d5f1e9a2c4b6d8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d", Role: "process"}}},
	}},
	{"carbon_black_alerts.json", "carbon_black", 1, []want{
		{title: "A known ransomware process attempted to encrypt files", sev: alert.SeverityHigh, eventTime: "2025-05-26T04:00:00Z",
			tactics: []string{"impact"}, techniques: []string{"T1486"},
			entities: []ent{{Type: "hostname", Value: "fs-02", Role: "host"}, {Type: "user", Value: `CORP\sam`, Role: "actor"},
				{Type: "sha256", Value: "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce", Role: "process"}}},
	}},
	{"falco_events.ndjson", "falco", 1, []want{
		{title: "Terminal shell in container", ruleID: "Terminal shell in container", sev: alert.SeverityLow, eventTime: "2025-05-27T09:00:00Z",
			tactics: []string{"execution"}, techniques: []string{"T1059"},
			entities: []ent{{Type: "hostname", Value: "node-3", Role: "host"}, {Type: "user", Value: "root", Role: "actor"}}},
	}},
	{"osquery_results.ndjson", "osquery", 1, []want{
		{title: "osquery incident-response_listening_ports (added)", ruleID: "pack_incident-response_listening_ports", sev: alert.SeverityLow,
			eventTime: "2025-05-28T03:00:00Z", entities: []ent{{Type: "hostname", Value: "build-07", Role: "host"}, {Type: "process", Value: "/tmp/.x/nc", Role: "process"}}},
	}},
	{"kubernetes_audit.ndjson", "kubernetes_audit", 1, []want{
		{title: "Kubernetes create pods/exec prod/web-7d9f by dev-tom", ruleID: "create pods/exec", sev: alert.SeverityMedium, techniques: []string{"T1609"},
			sourceRef: "5c9a1e2f-0000-1111-2222-333344445555", eventTime: "2025-05-29T02:00:00Z",
			entities: []ent{{Type: "user", Value: "dev-tom", Role: "actor"}, {Type: "ip", Value: "203.0.113.141", Role: "src"}}},
	}},
	{"aws_waf_logs.ndjson", "aws_waf", 1, []want{
		{ruleID: "AWS-AWSManagedRulesSQLiRuleSet", sev: alert.SeverityMedium, techniques: []string{"T1190"}, eventTime: "2025-05-29T02:00:00Z",
			sourceRef: "1-6650a1b2-0123456789abcdef01234567",
			entities:  []ent{{Type: "ip", Value: "203.0.113.151", Role: "src"}, {Type: "domain", Value: "shop.example.com", Role: "dst"}}},
	}},
	{"github_audit.ndjson", "github_audit", 2, []want{
		{idx: 0, title: "GitHub repo.destroy by uma-dev on acme/payments", ruleID: "repo.destroy", sev: alert.SeverityHigh, eventTime: "2025-05-30T02:00:00Z",
			entities: []ent{{Type: "user", Value: "uma-dev", Role: "actor"}, {Type: "ip", Value: "198.51.100.161", Role: "src"}}},
		{idx: 1, ruleID: "org.add_member", sev: alert.SeverityLow, entities: []ent{{Type: "email", Value: "vic@corp.example.com", Role: "actor"},
			{Type: "user", Value: "new-walt", Role: "target"}}},
	}},
	{"proofpoint_tap.json", "proofpoint_tap", 2, []want{
		{idx: 0, title: "Proofpoint TAP phish message delivered: Invoice overdue", sev: alert.SeverityHigh, sourceRef: "c26dbea0-80d5-463b-b93c-4e8b708219ce",
			techniques: []string{"T1566"}, entities: []ent{{Type: "email", Value: "xena@corp.example.com", Role: "target"}, {Type: "ip", Value: "192.0.2.171", Role: "src"}}},
		{idx: 1, sev: alert.SeverityHigh, techniques: []string{"T1204.001"}, entities: []ent{{Type: "ip", Value: "10.11.11.11", Role: "actor"},
			{Type: "url", Value: "http://pay.example-bad.com/inv", Role: "related"}}},
	}},
	{"cisco_asa_syslog.log", "cisco_asa", 9, []want{
		{idx: 0, title: "Cisco ASA 106023 Denied by access group: 198.51.100.23:51515 -> 10.10.1.20:22", ruleID: "106023", sev: alert.SeverityMedium,
			eventTime: "2025-01-02T03:04:05Z", vendor: "Cisco", tags: []string{"deny", "tcp"},
			entities: []ent{{Type: "hostname", Value: "asa-edge-01", Role: "host"}, {Type: "ip", Value: "198.51.100.23", Role: "src"}, {Type: "ip", Value: "10.10.1.20", Role: "dst"}}},
		// Built outbound: the inside initiator is the source; the mapped address is NAT.
		{idx: 1, ruleID: "302013", sev: alert.SeverityInformational, eventTime: "-", tags: []string{"built"},
			entities: []ent{{Type: "ip", Value: "10.10.1.35", Role: "src"}, {Type: "ip", Value: "203.0.113.80", Role: "dst"}, {Type: "ip", Value: "192.0.2.35", Role: "related"}}},
		{idx: 2, ruleID: "605005", eventTime: "2025-01-02T03:05:00Z", techniques: []string{"T1078"}, tags: []string{"login"},
			entities: []ent{{Type: "ip", Value: "10.10.9.9", Role: "src"}, {Type: "ip", Value: "10.10.1.1", Role: "dst"}, {Type: "user", Value: "netadmin", Role: "actor"}}},
		{idx: 3, ruleID: "113019", eventTime: "2025-01-02T03:06:00Z", tags: []string{"logout"},
			entities: []ent{{Type: "user", Value: "carol.vpn", Role: "actor"}, {Type: "ip", Value: "198.51.100.44", Role: "src"}}},
		{idx: 4, ruleID: "733100", sev: alert.SeverityMedium, techniques: []string{"T1046"}, tactics: []string{"discovery"}, tags: []string{"threat-detection"}},
		{idx: 5, ruleID: "400013", ruleName: "IPS 2003 ICMP redirect", sev: alert.SeverityMedium, tags: []string{"ips"},
			entities: []ent{{Type: "ip", Value: "198.51.100.60", Role: "src"}, {Type: "ip", Value: "10.10.1.1", Role: "dst"}}},
		{idx: 6, ruleID: "611103", sev: alert.SeverityLow, tags: []string{"logout"}, entities: []ent{{Type: "user", Value: "netadmin", Role: "actor"}}},
		{idx: 7, ruleID: "605004", sev: alert.SeverityMedium, techniques: []string{"T1110"}, tags: []string{"login-failed"},
			entities: []ent{{Type: "ip", Value: "203.0.113.99", Role: "src"}, {Type: "user", Value: "admin", Role: "actor"}}},
		{idx: 8, ruleID: "106100", tags: []string{"deny"},
			entities: []ent{{Type: "ip", Value: "198.51.100.31", Role: "src"}, {Type: "ip", Value: "10.10.1.40", Role: "dst"}}},
	}},
	{"fortigate_kv.log", "fortigate", 5, []want{
		{idx: 0, title: "FortiGate utm/ips dropped: Apache.Log4j.Error.Log.Remote.Code.Execution", ruleID: "51006", sev: alert.SeverityCritical,
			eventTime: "2025-01-03T10:11:12.123456789Z", vendor: "Fortinet", tags: []string{"logid:0419016384", "dropped"},
			entities: []ent{{Type: "hostname", Value: "fgt-branch-7", Role: "host"}, {Type: "ip", Value: "198.51.100.70", Role: "src"},
				{Type: "ip", Value: "10.20.0.15", Role: "dst"}, {Type: "user", Value: "web-svc", Role: "actor"}}},
		{idx: 1, ruleID: "8123456", ruleName: "W32/Agent.XYZ!tr", sev: alert.SeverityHigh, eventTime: "2025-01-03T10:15:00Z",
			entities: []ent{{Type: "url", Value: "http://dl.example-bad.net/invoice.exe", Role: "dst"}, {Type: "user", Value: "dave", Role: "actor"},
				{Type: "sha256", Value: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", Role: "file"}}},
		{idx: 2, ruleID: "0100032002", ruleName: "Admin login failed", techniques: []string{"T1110"},
			entities: []ent{{Type: "ip", Value: "198.51.100.90", Role: "src"}, {Type: "user", Value: "admin", Role: "actor"}}},
		// No eventtime: date + time in the device zone.
		{idx: 3, sev: alert.SeverityLow, eventTime: "2025-01-03T16:30:00Z", tags: []string{"deny"},
			entities: []ent{{Type: "ip", Value: "10.20.0.50", Role: "src"}, {Type: "ip", Value: "198.51.100.99", Role: "dst"}}},
		// CEF variant: the FTNTFGT* extensions give the attack and its severity.
		{idx: 4, ruleName: "Example.Exploit.Attempt", sev: alert.SeverityHigh,
			entities: []ent{{Type: "ip", Value: "198.51.100.71", Role: "src"}, {Type: "hostname", Value: "fgt-branch-7", Role: "host"}}},
	}},
	{"checkpoint_logs.log", "checkpoint", 4, []want{
		{idx: 0, title: "Check Point SmartDefense Prevent: Apache Struts2 Content-Type Remote Code Execution 203.0.113.130 -> 10.30.0.10",
			ruleID: "asm_dynamic_prop_CVE_2017_5638", sev: alert.SeverityCritical, eventTime: "2025-01-04T08:00:00Z", vendor: "Check Point",
			sourceRef: "0x6778e9a0,0x1,0x2a00a8c0,0xc0000002", tactics: []string{"initial-access"}, techniques: []string{"T1190"},
			entities: []ent{{Type: "ip", Value: "192.0.2.254", Role: "host"}, {Type: "ip", Value: "203.0.113.130", Role: "src"},
				{Type: "ip", Value: "10.30.0.10", Role: "dst"}, {Type: "user", Value: "eve", Role: "actor"}}},
		{idx: 1, ruleName: "Cleanup rule", sev: alert.SeverityLow, eventTime: "2025-01-04T08:05:00Z",
			entities: []ent{{Type: "hostname", Value: "cp-gw-01", Role: "host"}, {Type: "ip", Value: "198.51.100.140", Role: "src"}}},
		{idx: 2, ruleName: "ExampleBot.TC.a", sev: alert.SeverityHigh, tactics: []string{"command-and-control"}, techniques: []string{"T1071.001"},
			entities: []ent{{Type: "user", Value: "frank", Role: "actor"}, {Type: "url", Value: "http://c2.example-bad.org/gate", Role: "dst"}}},
		{idx: 3, sev: alert.SeverityInformational, eventTime: "2025-01-04T08:15:00Z",
			entities: []ent{{Type: "ip", Value: "10.30.0.80", Role: "src"}, {Type: "ip", Value: "192.0.2.254", Role: "host"}}},
	}},
	{"snort_alerts.log", "snort", 4, []want{
		{idx: 0, title: "ET USER_AGENTS Suspicious User-Agent (python-requests)", ruleID: "2024897", sev: alert.SeverityHigh,
			eventTime: "2025-01-05T09:10:11.123456Z", techniques: []string{"T1071"}, tags: []string{"1:2024897:3", "TCP"},
			entities: []ent{{Type: "ip", Value: "192.0.2.55", Role: "src"}, {Type: "ip", Value: "198.51.100.210", Role: "dst"}}},
		{idx: 1, ruleID: "1000001", sev: alert.SeverityHigh,
			entities: []ent{{Type: "hostname", Value: "ids-sensor-2", Role: "host"}, {Type: "ip", Value: "203.0.113.160", Role: "src"}}},
		{idx: 2, title: "PROTOCOL-ICMP ping sweep", sev: alert.SeverityLow, techniques: []string{"T1046"},
			entities: []ent{{Type: "ip", Value: "198.51.100.170", Role: "src"}, {Type: "ip", Value: "10.40.0.9", Role: "dst"}}},
		{idx: 3, ruleID: "119:31", sev: alert.SeverityLow},
	}},
	{"syslog_stamps.log", "syslog", 4, []want{
		{idx: 0, eventTime: "2025-01-06T07:08:09.123Z", sev: alert.SeverityLow, techniques: []string{"T1110"},
			entities: []ent{{Type: "hostname", Value: "bastion-2", Role: "host"}, {Type: "user", Value: "oracle", Role: "target"}, {Type: "ip", Value: "203.0.113.201", Role: "src"}}},
		{idx: 1, eventTime: "2025-01-06T15:10:00.123456Z", entities: []ent{{Type: "hostname", Value: "mac-build-3", Role: "host"}, {Type: "user", Value: "test", Role: "target"}}},
		// Neither PRI nor stamp: still a message; the pipeline sets the received time.
		{idx: 2, ruleID: "sshd", eventTime: "-", unknownSev: true, tags: []string{"text"}, entities: []ent{{Type: "user", Value: "deploy", Role: "target"}}},
		{idx: 3, sev: alert.SeverityInformational, eventTime: "2025-01-06T07:12:00Z"},
	}},
	{"crowdstrike_alerts_api.json", "crowdstrike", 2, []want{
		{idx: 0, title: "CredentialDumpingLSASS", ruleID: "10197", sev: alert.SeverityHigh, eventTime: "2025-02-01T10:00:00Z",
			sourceRef: "fedcba9876543210fedcba9876543210:ind:0123456789abcdef0123456789abcdef:8589934599-10197-2311",
			tactics:   []string{"credential-access"}, techniques: []string{"T1003.001"},
			entities: []ent{{Type: "hostname", Value: "wks-lon-07", Role: "host"}, {Type: "ip", Value: "10.50.0.7", Role: "host"},
				{Type: "user", Value: `CORP\grace`, Role: "actor"}, {Type: "sha256", Value: "0d3f9b4c5a6e7d8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f", Role: "process"},
				{Type: "process", Value: "cmd.exe", Role: "related"}, {Type: "ip", Value: "203.0.113.250", Role: "dst"}}},
		{idx: 1, ruleID: "5702", sev: alert.SeverityLow, status: alert.StatusResolved, tactics: []string{"execution"},
			entities: []ent{{Type: "user", Value: `CORP\svc-sql`, Role: "actor"}, {Type: "hostname", Value: "srv-db-2", Role: "host"}}},
	}},
	{"crowdstrike_detects.json", "crowdstrike", 1, []want{
		{title: "PowershellEncodedCommand", ruleID: "10137", sev: alert.SeverityMedium, eventTime: "2025-02-02T08:00:00Z",
			sourceRef: "ldt:0123456789abcdef0123456789abcdef:4242424242", techniques: []string{"T1059.001"},
			entities: []ent{{Type: "hostname", Value: "laptop-hr-3", Role: "host"}, {Type: "user", Value: "heidi", Role: "actor"}}},
	}},
	{"sentinelone_alerts.json", "sentinelone", 2, []want{
		{idx: 0, title: "Web server spawns reverse shell", ruleID: "1111222233334444555", sev: alert.SeverityCritical, eventTime: "2025-02-03T12:00:05Z",
			sourceRef: "1876543210987654321", tags: []string{"STAR"},
			entities: []ent{{Type: "hostname", Value: "web-srv-09", Role: "host"}, {Type: "user", Value: "www-data", Role: "actor"},
				{Type: "process", Value: "/usr/bin/bash", Role: "process"}, {Type: "ip", Value: "203.0.113.240", Role: "dst"},
				{Type: "sha256", Value: "3333333333333333333333333333333333333333333333333333333333333333", Role: "process"},
				{Type: "process", Value: "/usr/bin/nc", Role: "target"}}},
		{idx: 1, sev: alert.SeverityLow, status: alert.StatusFalsePositive, entities: []ent{{Type: "user", Value: `CORP\ivy`, Role: "actor"}}},
	}},
	{"sentinelone_uam_alerts.json", "sentinelone", 2, []want{
		{idx: 0, title: "Credential dumping via LSASS memory access", ruleID: "s1-behav-lsass-01", ruleName: "LSASS memory dump", sev: alert.SeverityHigh,
			eventTime: "2025-06-02T09:15:03.5Z", sourceRef: "019a0c1e-5a6b-7c8d-9e0f-112233445566", tactics: []string{"credential-access"},
			techniques: []string{"T1003.001"}, tags: []string{"ENDPOINT", "EDR"},
			entities: []ent{{Type: "hostname", Value: "fin-ws-12", Role: "host"}, {Type: "ip", Value: "10.44.1.12", Role: "host"},
				{Type: "user", Value: `EXAMPLE\kate`, Role: "actor"}, {Type: "process", Value: `C:\Windows\System32\rundll32.exe`, Role: "process"},
				{Type: "sha256", Value: "4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b4b", Role: "process"},
				{Type: "md5", Value: "5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c", Role: "process"}, {Type: "process", Value: "powershell.exe", Role: "related"}}},
		{idx: 1, title: "Impossible travel sign-in", sev: alert.SeverityMedium, status: alert.StatusFalsePositive, eventTime: "2025-06-03T18:40:00Z",
			entities: []ent{{Type: "ip", Value: "203.0.113.201", Role: "src"}, {Type: "email", Value: "leo@example.com", Role: "target"},
				{Type: "domain", Value: "login.example-sso.net", Role: "related"}}},
	}},
	{"defender_graph_alerts.json", "defender", 1, []want{
		{title: "Suspicious execution of hidden file", ruleID: "e0da400f-affd-43ef-b1d5-afc2eb6f2756", sev: alert.SeverityHigh,
			eventTime: "2025-02-04T08:58:00Z", techniques: []string{"T1564.001"},
			entities: []ent{{Type: "hostname", Value: "tempcomp.corp.example.com", Role: "host"}, {Type: "ip", Value: "10.80.0.4", Role: "host"},
				{Type: "ip", Value: "198.51.100.249", Role: "host"}, {Type: "user", Value: `CORP\jkim`, Role: "actor"},
				{Type: "process", Value: `C:\Windows\explorer.exe`, Role: "related"}}},
	}},
	{"ocsf_security_finding_2001.json", "ocsf", 2, []want{
		{idx: 0, title: "Outbound traffic to known C2 domain", ruleID: "analytic-c2-17", sev: alert.SeverityHigh, sourceRef: "sf-2001-0042",
			status: alert.StatusResolved, eventTime: "2025-02-04T10:00:00Z", techniques: []string{"T1071.004"}, tactics: []string{"command-and-control"},
			entities: []ent{{Type: "ip", Value: "203.0.113.248", Role: "related"}}},
		{idx: 1, sev: alert.SeverityLow, sourceRef: "sf-2001-0043", eventTime: "2025-02-04T11:00:00Z"},
	}},
	// intel.log and weird.log in JSON; a conn.log record among them is skipped.
	{"zeek_intel_weird.ndjson", "zeek", 3, []want{
		{idx: 0, title: "Zeek intel hit: update.example-bad.org (DOMAIN) in DNS::IN_REQUEST", ruleID: "Intel::DOMAIN", sev: alert.SeverityHigh,
			sourceRef: "CqY1Zk3mW0a9bXyZ1", eventTime: "2025-02-05T10:06:40.25Z", tags: []string{"abuse-feed", "DNS::IN_REQUEST"},
			entities: []ent{{Type: "ip", Value: "10.90.0.12", Role: "src"}, {Type: "domain", Value: "update.example-bad.org", Role: "related"}}},
		{idx: 1, ruleID: "Intel::ADDR", entities: []ent{{Type: "ip", Value: "203.0.113.230", Role: "dst"}}},
		{idx: 2, ruleID: "Weird::bad_TCP_checksum", sev: alert.SeverityInformational, eventTime: "2025-02-05T10:10:00.5Z",
			entities: []ent{{Type: "ip", Value: "198.51.100.231", Role: "src"}}},
	}},
	// Zeek TSV (#fields header).
	{"zeek_intel.log", "zeek", 2, []want{
		{idx: 0, ruleID: "Intel::URL", sev: alert.SeverityHigh, eventTime: "2025-02-05T10:13:20.123456Z", tags: []string{"url-feed", "partner-feed"},
			entities: []ent{{Type: "url", Value: "http://dl.example-bad.com/x.bin", Role: "related"}, {Type: "ip", Value: "10.90.0.15", Role: "src"}}},
		{idx: 1, ruleID: "Intel::FILE_HASH", entities: []ent{{Type: "sha256", Value: "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f", Role: "related"}}},
	}},
	{"zeek_weird.log", "zeek", 1, []want{
		{ruleID: "Weird::SSH_version_mismatch", sev: alert.SeverityLow, sourceRef: "CjK7Tk9sC6g5hDeF7",
			entities: []ent{{Type: "ip", Value: "198.51.100.235", Role: "src"}, {Type: "ip", Value: "10.90.0.21", Role: "dst"}}},
	}},
}

// TestFixtures runs every fixture through detection and its normalizer and
// pins the fields the project promises per source type (docs/normalizers.md).
func TestFixtures(t *testing.T) {
	for _, c := range fixtureCases {
		t.Run(c.file, func(t *testing.T) {
			raw := readFixture(t, c.file)
			if got := Detect(raw); got != c.sourceType {
				t.Errorf("Detect = %q, want %q", got, c.sourceType)
			}
			as, err := Normalize(c.sourceType, raw)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if len(as) != c.count {
				t.Fatalf("got %d alerts, want %d", len(as), c.count)
			}
			for _, a := range as {
				checkAlert(t, a)
				checkRaw(t, raw, a)
				if a.Source.Type != c.sourceType {
					t.Errorf("source type %q", a.Source.Type)
				}
			}
			for _, w := range c.wants {
				checkWant(t, as[w.idx], w)
			}
		})
	}
}

// TestFixturesAcrossNormalizers feeds every fixture to every normalizer:
// each either maps it (alerts holding the invariants) or fails with a 4xx
// error naming a field; none panics.
func TestFixturesAcrossNormalizers(t *testing.T) {
	for _, c := range fixtureCases {
		raw := readFixture(t, c.file)
		for _, st := range SourceTypes() {
			n, _ := Lookup(st)
			as, err := n.Normalize(raw)
			if err != nil {
				checkErr(t, err)
				continue
			}
			for _, a := range as {
				checkAlert(t, a)
			}
		}
	}
}

// TestUnmappedAndQuality pins the Unmapped keys and quality score of
// fixture records.
func TestUnmappedAndQuality(t *testing.T) {
	cases := []struct {
		file     string
		idx      int
		unmapped []string
		quality  float64
	}{
		{"guardduty_findings.json", 0, []string{"accountId", "arn", "partition", "region", "schemaVersion"}, 0.875},
		{"suricata_eve.ndjson", 0, []string{"app_proto", "flow_id", "in_iface"}, 1},
		{"cef_lines.log", 0, []string{"deviceVersion", "target"}, 0.833},
		{"zeek_notice.ndjson", 0, []string{"id.orig_p", "id.resp_p", "proto", "suppress_for"}, 1},
	}
	for _, c := range cases {
		as, err := Normalize("auto", readFixture(t, c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		a := as[c.idx]
		var keys []string
		for k := range a.Unmapped {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, c.unmapped) {
			t.Errorf("%s[%d]: unmapped %q, want %q", c.file, c.idx, keys, c.unmapped)
		}
		if a.Quality != c.quality {
			t.Errorf("%s[%d]: quality %v, want %v", c.file, c.idx, a.Quality, c.quality)
		}
	}
	as, _ := Normalize("guardduty", readFixture(t, "guardduty_findings.json"))
	if got := string(as[0].Unmapped["accountId"]); got != `"111122223333"` {
		t.Errorf("unmapped accountId = %s", got)
	}
}
