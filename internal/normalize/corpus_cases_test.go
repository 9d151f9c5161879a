//go:build conformance

package normalize

import (
	"testing"

	"github.com/securenexus/securenexus/internal/alert"
)

type corpusCase struct {
	file       string
	sourceType string
	count      int
	wants      []want
}

var corpusCases = []corpusCase{
	{"guardduty/elastic_test-guardduty.ndjson", "guardduty", 5, []want{
		{idx: 0, title: "Blackholed domain name queried by EC2 instance i-99999999.", ruleID: "Trojan:EC2/BlackholeTraffic!DNS",
			sev: alert.SeverityMedium, sourceRef: "d6012345678912345678912349f831b8f", eventTime: "2022-11-17T09:33:19Z", tactics: []string{},
			entities: []ent{{Type: "cloud_resource", Value: "i-99999999", Role: "resource"}, {Type: "ip", Value: "175.16.199.1", Role: "host"}},
			absent:   []string{"GeneratedFindingDomainName"}, tags: []string{"Trojan", "sample"}, vendor: "AWS"},
		{idx: 1, ruleID: "Persistence:Kubernetes/SuccessfulAnonymousAccess", sev: alert.SeverityHigh, tactics: []string{"persistence"},
			entities: []ent{{Type: "user", Value: "system:anonymous", Role: "actor"}, {Type: "ip", Value: "175.16.199.1", Role: "src"}}},
		{idx: 2, ruleID: "Discovery:Kubernetes/TorIPCaller", sev: alert.SeverityMedium, tactics: []string{"discovery"}},
		{idx: 3, ruleID: "CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin", sev: alert.SeverityHigh, tactics: []string{"credential-access"},
			entities: []ent{{Type: "cloud_resource", Value: "arn:aws:rds:us-east-1:123456789000:db:GeneratedFindingDBInstanceId", Role: "resource"}}},
		{idx: 4, title: "A container is communicating with a docker socket.", ruleID: "PrivilegeEscalation:Runtime/DockerSocketAccessed",
			sev: alert.SeverityMedium, sourceRef: "abcd1234", tactics: []string{"privilege-escalation"}, eventTime: "2024-07-24T04:03:51.666Z",
			entities: []ent{{Type: "cloud_resource", Value: "i-abcd1234", Role: "resource"}, {Type: "ip", Value: "216.160.83.56", Role: "host"},
				{Type: "process", Value: "/usr/bin/ssh", Role: "process"},
				{Type: "sha256", Value: "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2", Role: "process"}}},
	}},
	{"securityhub/asff_guardduty_cloudtrail_disabled.json", "securityhub", 1, []want{
		{title: "AWS CloudTrail trail arn:aws:cloudtrail:us-east-2:111111111111:trail/delete-me was disabled.",
			ruleID: "Stealth:IAMUser-CloudTrailLoggingDisabled", sev: alert.SeverityLow, eventTime: "2023-09-19T14:55:09Z",
			sourceRef: "arn:aws:guardduty:us-east-2:111111111111:detector/1ac1bfceda6679698215d5d0EXAMPLE/finding/a6c556fcbc9bea427a19f8b787099a0b",
			tactics:   []string{"defense-evasion"},
			entities: []ent{{Type: "ip", Value: "52.94.133.131", Role: "src"},
				{Type: "cloud_resource", Value: "AWS::IAM::AccessKey:ASIATMJPC7EXAMPLE", Role: "resource"}}, vendor: "Amazon"},
	}},
	{"securityhub/asff_inspector_vulnerability.json", "securityhub", 1, []want{
		{title: "CVE-2023-1255 - openssl", ruleID: "AWSInspector", sev: alert.SeverityMedium, tags: []string{"CVE-2023-1255"}, tactics: []string{}},
	}},
	{"securityhub/asff_pci_compliance.json", "securityhub", 1, []want{
		{title: "PCI.Config.1 AWS Config should be enabled", ruleID: "Config.1", sev: alert.SeverityMedium, tags: []string{"compliance:failed"},
			entities: []ent{{Type: "cloud_resource", Value: "AWS::::Account:111111111111", Role: "resource"}}},
	}},
	{"cloudtrail/elastic_test-console-login.ndjson", "cloudtrail", 3, []want{
		{idx: 0, title: "AWS ConsoleLogin by JohnDoe succeeded", ruleID: "signin.amazonaws.com:ConsoleLogin", sev: alert.SeverityInformational,
			sourceRef: "3fcfb182-98f8-4744-bd45-10aEXAMPLE", eventTime: "2014-07-16T15:49:27Z", techniques: []string{"T1078.004"},
			entities: []ent{{Type: "user", Value: "JohnDoe", Role: "actor"}, {Type: "ip", Value: "89.160.20.156", Role: "src"}}},
		{idx: 1, title: "AWS ConsoleLogin by JaneDoe failed", sev: alert.SeverityLow},
		{idx: 2, title: "AWS ConsoleLogin by RoleToBeAssumed failed", sev: alert.SeverityLow,
			entities: []ent{{Type: "cloud_resource", Value: "AKIAIOSFODNN7EXAMPLE", Role: "actor"}}},
	}},
	{"cloudtrail/ocsf_examples_authentication.raw.json", "cloudtrail", 1, []want{
		{ruleID: "signin.amazonaws.com:CredentialChallenge", sev: alert.SeverityInformational, absent: []string{"0.0.0.0"},
			entities: []ent{{Type: "user", Value: "test", Role: "actor"}}},
	}},
	{"cloudtrail/ocsf_examples_api_activity.raw.json", "cloudtrail", 1, []want{
		{ruleID: "directconnect.amazonaws.com:DescribeDirectConnectGateways", sev: alert.SeverityInformational,
			entities: []ent{{Type: "ip", Value: "205.8.181.128", Role: "src"}, {Type: "user", Value: "Level6", Role: "actor"}}},
	}},
	{"cloudtrail/ocsf_examples_account_change.raw.json", "cloudtrail", 1, []want{
		{ruleID: "elasticloadbalancing.amazonaws.com:DescribeTargetHealth",
			entities: []ent{{Type: "domain", Value: "ecs.amazonaws.com", Role: "src"}}},
	}},
	{"suricata/elastic_test-eve-small.ndjson", "suricata", 1, []want{
		{title: "ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)", ruleID: "2024833", sev: alert.SeverityHigh,
			eventTime: "2018-07-05T19:07:20.910626Z", techniques: []string{},
			entities: []ent{{Type: "ip", Value: "192.168.86.85", Role: "src"}, {Type: "ip", Value: "192.168.156.70", Role: "dst"}}},
	}},
	{"suricata/elastic_test-eve-metadata.json", "suricata", 1, []want{
		{title: "GPL ATTACK_RESPONSE id check returned root", ruleID: "2100498", sev: alert.SeverityMedium, techniques: []string{"T1190"},
			eventTime: "2021-01-27T00:28:11.488362Z", tags: []string{"CVE-2019-91325"},
			entities: []ent{{Type: "ip", Value: "52.222.141.99", Role: "src"}, {Type: "domain", Value: "testmynids.org", Role: "dst"}}},
	}},
	{"zeek/elastic_test-notice.ndjson", "zeek", 4, []want{
		{idx: 0, ruleID: "SSH::Password_Guessing", sev: alert.SeverityMedium, techniques: []string{"T1110"}, eventTime: "2011-11-04T19:44:35.879278Z",
			entities: []ent{{Type: "ip", Value: "172.16.238.1", Role: "src"}}},
		{idx: 1, ruleID: "Scan::Port_Scan", tactics: []string{"discovery"},
			entities: []ent{{Type: "ip", Value: "89.160.20.156", Role: "src"}, {Type: "ip", Value: "89.160.20.156", Role: "dst"}}},
		{idx: 2, ruleID: "CaptureLoss::Too_Much_Loss", sev: alert.SeverityInformational},
		{idx: 3, ruleID: "SSL::Invalid_Server_Cert", sev: alert.SeverityLow, sourceRef: "CmvrSS1wIiuOGYCbfi",
			entities: []ent{{Type: "ip", Value: "10.156.0.2", Role: "src"}, {Type: "ip", Value: "89.160.20.156", Role: "dst"}}},
	}},
	{"wazuh/wazuh-indexer_wazuh-event.sample.json", "wazuh", 1, []want{
		{title: "Shellshock attack attempt", ruleID: "31166", sev: alert.SeverityLow, sourceRef: "1707402914.872885",
			eventTime: "2024-02-08T14:35:14.334Z", tactics: []string{"privilege-escalation", "initial-access"}, techniques: []string{"T1068", "T1190"},
			entities: []ent{{Type: "hostname", Value: "redacted.com", Role: "host"}}, absent: []string{"000.111.222.10", "0.0.0.0"}},
	}},
	{"wazuh/wazuh-qa_alerts.json.fim_added.ndjson", "wazuh", 1, []want{
		{title: "File added to the system.", ruleID: "554", sev: alert.SeverityLow, tags: []string{"fim:added"},
			entities: []ent{{Type: "md5", Value: "2982666f29e2736e7ca0e12dd638d433", Role: "file"},
				{Type: "sha256", Value: "32bc19c9406a98ab21e5ec79fbd5bba2cb79755607a9f382c662d37b5bf5d8ea", Role: "file"},
				{Type: "file", Value: "/test_folder/TEST_VALID_ALERT.txt", Role: "file"}}},
	}},
	{"elastic_security/elastic_defend_malware_prevention_alert.sample_event.json", "elastic", 1, []want{
		{title: "Malware Prevention Alert", ruleID: "malicious_file", sev: alert.SeverityHigh, sourceRef: "MYfSjQEEEFe1o09b+++++D5Q",
			eventTime: "2022-04-04T12:15:41.5944062Z", absent: []string{"127.0.0.1", "::1"},
			entities: []ent{{Type: "hostname", Value: "security-win-1", Role: "host"}, {Type: "ip", Value: "10.201.0.34", Role: "host"},
				{Type: "sha256", Value: "90143dfb2e3210f18e1bcc50eb6c3961d11071e3ec024215b8835e468fa63e53", Role: "file"},
				{Type: "user", Value: `NT AUTHORITY\SYSTEM`, Role: "actor"}}},
	}},
	{"microsoft_defender/elastic_test-defenderatp.ndjson", "defender", 4, []want{
		{idx: 0, title: "An active 'Exeselrun' malware was detected", sev: alert.SeverityLow, status: alert.StatusResolved,
			sourceRef: "da637291085411733957_-1043898914", eventTime: "2020-06-30T10:07:44.333733Z",
			entities: []ent{{Type: "hostname", Value: "testserver4", Role: "host"}}},
		{idx: 1, title: "Suspicious process injection observed", sev: alert.SeverityMedium, tactics: []string{"defense-evasion"},
			entities: []ent{{Type: "process", Value: `C:\Windows\System32\notepad.exe`, Role: "process"},
				{Type: "sha256", Value: "a92056d772260b39a876d01552496b2f8b4610a0b1e084952fe1176784e2ce77", Role: "process"},
				{Type: "user", Value: `TestServer4\administrator1`, Role: "actor"}}},
		{idx: 3, title: "'Mountsi' malware was detected", sev: alert.SeverityInformational, status: alert.StatusResolved},
	}},
	{"microsoft_defender/elastic_m365_graph_security_alert_v2.json", "defender", 1, []want{
		{title: "Suspicious execution of hidden file", ruleID: "e0da400f-affd-43ef-b1d5-afc2eb6f2756", sev: alert.SeverityLow,
			techniques: []string{"T1564.001"}, tactics: []string{"defense-evasion"}, eventTime: "2021-04-26T07:45:50.116Z",
			entities: []ent{{Type: "hostname", Value: "tempdns", Role: "host"},
				{Type: "sha256", Value: "8963a19fb992ad9a76576c5638fd68292cffb9aaac29eb8285f9abf6196a7dec", Role: "file"},
				{Type: "user", Value: `NT AUTHORITY\SYSTEM`, Role: "actor"}}},
	}},
	{"sentinel/elastic_test-incident.ndjson", "sentinel", 1, []want{
		{title: "Myincident", ruleID: "fab3d2d4-747f-46a7-8ef0-9c0be8112bf7", sev: alert.SeverityHigh, status: alert.StatusFalsePositive,
			tactics: []string{"initial-access", "persistence"}, eventTime: "2019-01-01T13:00:30Z"},
	}},
	{"sentinel/elastic_test-alert.ndjson", "sentinel", 1, []want{
		{title: "myAlert", ruleID: "myAlert", sev: alert.SeverityLow, vendor: "Microsoft"},
	}},
	{"crowdstrike/elastic_test-falcon-epp-detection-summary.subset.ndjson", "crowdstrike", 4, []want{
		{idx: 0, title: "NGAV", ruleID: "5728", sev: alert.SeverityLow, tactics: []string{},
			entities: []ent{{Type: "hostname", Value: "desktop1111", Role: "host"},
				{Type: "sha256", Value: "faf0c5e4ef7dbcfd863377c55a4d1d87a3f6a58c13a8a9882e11012066f31976", Role: "file"}},
			absent: []string{"0000000000000000000000000000000000000000"}, tags: []string{"Malware", "PUP"}},
		{idx: 1, title: "Known Malware", ruleID: "30115", sev: alert.SeverityHigh,
			entities: []ent{{Type: "url", Value: "https://github.com/redcanaryco/atomic-red-team.git", Role: "related"}}},
		{idx: 2, title: "OnDemandScanfiletest", sev: alert.SeverityHigh},
		{idx: 3, title: "Suspicious Activity", ruleID: "10197", sev: alert.SeverityLow, eventTime: "2025-03-21T19:07:20Z"},
	}},
	{"sentinelone/elastic_test-pipeline-threat.subset.ndjson", "sentinelone", 2, []want{
		{idx: 0, title: "Trojan detected: default.exe", sev: alert.SeverityHigh, sourceRef: "1234567890123456789",
			entities: []ent{{Type: "sha1", Value: "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", Role: "file"},
				{Type: "hostname", Value: "test-linux", Role: "host"}}},
		{idx: 1, title: "Malware detected: Threats", techniques: []string{}, /* the sample's T1234 is not an ATT&CK id: dropped */
			tactics: []string{"execution", "initial-access", "defense-evasion"}},
	}},
	{"okta/system_log_security_threat_detected.json", "okta", 1, []want{
		{title: "Request from suspicious actor", ruleID: "security.threat.detected", sev: alert.SeverityMedium,
			sourceRef: "dc9fd3c0-598c-11ef-8478-2b7584bf8d5a", techniques: []string{"T1110"},
			entities: []ent{{Type: "ip", Value: "10.0.0.1", Role: "src"}}},
	}},
	{"okta/system_log_authentication.json", "okta", 1, []want{
		{title: "User login to Okta", ruleID: "user.session.start", sev: alert.SeverityInformational,
			entities: []ent{{Type: "email", Value: "john.doe@example.com", Role: "actor"}}},
	}},
	{"gcp_scc/elastic_test-finding.ndjson", "gcp_scc", 1, []want{
		{title: "application", ruleID: "application", sev: alert.SeverityCritical, eventTime: "2023-06-02T05:17:41.936Z",
			sourceRef: "organizations/515665165161/sources/98481484454154454545/findings/414rfrhjebhrbhjbr444454hv54545",
			entities:  []ent{{Type: "cloud_resource", Value: "//cloudresourcemanager.googleapis.com/projects/45455445554", Role: "resource"}}},
	}},
	{"cef_paloalto/elastic_test-cef.log", "cef", 4, []want{
		{idx: 0, title: "Web request", ruleID: "18", sev: alert.SeverityLow, sourceRef: "3457", eventTime: "-", vendor: "Elastic",
			entities: []ent{{Type: "ip", Value: "89.160.20.156", Role: "src"}, {Type: "url", Value: "https://www.example.com/cart", Role: "dst"}}},
		{idx: 1, title: "Authentication", entities: []ent{{Type: "user", Value: "bob", Role: "actor"}, {Type: "user", Value: "alice", Role: "target"},
			{Type: "md5", Value: "bc8bbe52f041fd17318f08a0f73762ce", Role: "file"}}},
		{idx: 3, title: "Authentication", entities: []ent{{Type: "ip", Value: "192.168.3.4", Role: "src"}, {Type: "ip", Value: "192.168.1.2", Role: "dst"}}},
	}},
	{"cef_paloalto/elastic_panos_threat.subset.log", "panos", 7, []want{
		{idx: 0, title: "PAN-OS url: business-and-economy", ruleID: "9999", sev: alert.SeverityInformational, sourceRef: "012801096514/7726",
			eventTime: "2018-11-30T16:44:36Z",
			entities:  []ent{{Type: "ip", Value: "192.168.15.224", Role: "src"}, {Type: "hostname", Value: "pa-220", Role: "host"}}},
		{idx: 1, title: "PAN-OS virus: Virus/Linux.example", ruleID: "419149938", sev: alert.SeverityMedium, eventTime: "2024-04-09T19:43:29.123Z"},
		{idx: 2, ruleID: "8002", techniques: []string{"T1046"}, tactics: []string{"discovery"}},
		{idx: 5, ruleID: "12000000", tactics: []string{"command-and-control"}, entities: []ent{{Type: "domain", Value: "domain.dev", Role: "dst"}}},
		{idx: 6, ruleID: "109010004", sev: alert.SeverityLow, entities: []ent{{Type: "domain", Value: "user4.setupvpn.com", Role: "dst"},
			{Type: "hostname", Value: "fw-dns-11", Role: "host"}}},
	}},
	{"syslog/rfc5424_examples.log", "syslog", 4, []want{
		{idx: 0, title: "su: 'su root' failed for lonvick on /dev/pts/8", ruleID: "ID47", sev: alert.SeverityCritical,
			eventTime: "2003-10-11T22:14:15.003Z", entities: []ent{{Type: "hostname", Value: "mymachine.example.com", Role: "host"}}},
		{idx: 1, sev: alert.SeverityLow, eventTime: "2003-08-24T12:14:15.000003Z", entities: []ent{{Type: "ip", Value: "192.0.2.1", Role: "host"}}},
		{idx: 2, title: "evntslog: An application event log entry...", tags: []string{"local4", "rfc5424"}},
	}},
	{"syslog/rfc3164_examples.log", "syslog", 5, []want{
		{idx: 0, title: "su: 'su root' failed for lonvick on /dev/pts/8", sev: alert.SeverityCritical, tags: []string{"auth", "rfc3164"},
			entities: []ent{{Type: "hostname", Value: "mymachine", Role: "host"}}},
		{idx: 1, title: "Use the BFG!", sev: alert.SeverityLow, entities: []ent{{Type: "ip", Value: "10.0.0.99", Role: "host"}}},
		{idx: 3, eventTime: "-", sev: alert.SeverityCritical},
	}},
	{"syslog/loghub_Linux_2k.head20.log", "syslog", 20, []want{
		{idx: 0, ruleID: "sshd(pam_unix)", unknownSev: true, entities: []ent{{Type: "hostname", Value: "combo", Role: "host"},
			{Type: "ip", Value: "218.188.2.4", Role: "src"}}, tags: []string{"bsd"}},
		{idx: 3, entities: []ent{{Type: "user", Value: "root", Role: "actor"},
			{Type: "hostname", Value: "220-135-151-1.hinet-ip.hinet.net", Role: "src"}}},
	}},
	{"ocsf/detection_finding_sechub_guardduty.ocsf.json", "ocsf", 1, []want{
		{ruleID: "Stealth:IAMUser-CloudTrailLoggingDisabled", sev: alert.SeverityLow, tactics: []string{"defense-evasion"},
			eventTime: "2023-09-19T15:05:22.487Z", entities: []ent{{Type: "ip", Value: "52.94.133.131", Role: "src"}}},
	}},
	{"ocsf/detection_finding_okta.ocsf.json", "ocsf", 1, []want{
		{title: "Login Failures", ruleID: "security.threat.detected", unknownSev: true, sourceRef: "dc9fd3c0-598c-11ef-8478-2b7584bf8d5a"},
	}},
	{"ocsf/detection_finding_prowler.ocsf.json", "ocsf", 1, []want{
		{ruleID: "acm_certificates_expiration_check", sev: alert.SeverityHigh, techniques: []string{"T1040"}, vendor: "Prowler"},
	}},
}

func TestCorpusCases(t *testing.T) {
	for _, c := range corpusCases {
		t.Run(c.file, func(t *testing.T) {
			raw := readCorpus(t, c.file)
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
