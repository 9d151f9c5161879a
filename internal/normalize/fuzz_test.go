package normalize

import (
	"testing"

	"github.com/securenexus/securenexus/internal/alert"
)

// fuzzNormalizer feeds arbitrary bytes to one normalizer: it must never
// panic; it either fails with a 4xx error naming a field or returns alerts
// that hold every invariant (valid severities, techniques matching
// ^T\d{4}(\.\d{3})?$, known tactics, valid UTF-8, valid JSON Raw...).
// Seeds live in testdata/fuzz/<target>.
func fuzzNormalizer(f *testing.F, sourceType string) {
	n, ok := Lookup(sourceType)
	if !ok && sourceType != "auto" {
		f.Fatalf("no normalizer %q", sourceType)
	}
	for _, file := range fixturesOf(sourceType) {
		f.Add(readFixture(f, file))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		normalize := Normalize
		if n != nil {
			normalize = func(_ string, b []byte) ([]alert.Alert, error) { return n.Normalize(b) }
		}
		as, err := normalize(sourceType, raw)
		if err != nil {
			checkErr(t, err)
			return
		}
		for _, a := range as {
			checkAlert(t, a)
		}
	})
}

func FuzzNormalizeGeneric(f *testing.F)     { fuzzNormalizer(f, "generic") }
func FuzzNormalizeOCSF(f *testing.F)        { fuzzNormalizer(f, "ocsf") }
func FuzzNormalizeGuardDuty(f *testing.F)   { fuzzNormalizer(f, "guardduty") }
func FuzzNormalizeSecurityHub(f *testing.F) { fuzzNormalizer(f, "securityhub") }
func FuzzNormalizeCloudTrail(f *testing.F)  { fuzzNormalizer(f, "cloudtrail") }
func FuzzNormalizeSuricata(f *testing.F)    { fuzzNormalizer(f, "suricata") }
func FuzzNormalizeZeek(f *testing.F)        { fuzzNormalizer(f, "zeek") }
func FuzzNormalizeWazuh(f *testing.F)       { fuzzNormalizer(f, "wazuh") }
func FuzzNormalizeElastic(f *testing.F)     { fuzzNormalizer(f, "elastic") }
func FuzzNormalizeDefender(f *testing.F)    { fuzzNormalizer(f, "defender") }
func FuzzNormalizeSentinel(f *testing.F)    { fuzzNormalizer(f, "sentinel") }
func FuzzNormalizeCrowdStrike(f *testing.F) { fuzzNormalizer(f, "crowdstrike") }
func FuzzNormalizeSentinelOne(f *testing.F) { fuzzNormalizer(f, "sentinelone") }
func FuzzNormalizeOkta(f *testing.F)        { fuzzNormalizer(f, "okta") }
func FuzzNormalizeGCPSCC(f *testing.F)      { fuzzNormalizer(f, "gcp_scc") }
func FuzzNormalizeCEF(f *testing.F)         { fuzzNormalizer(f, "cef") }
func FuzzNormalizePANOS(f *testing.F)       { fuzzNormalizer(f, "panos") }
func FuzzNormalizeSyslog(f *testing.F)      { fuzzNormalizer(f, "syslog") }

// FuzzNormalizeAuto exercises Detect plus the detected normalizer.
func FuzzNormalizeAuto(f *testing.F) { fuzzNormalizer(f, "auto") }

func FuzzNormalizeWindows(f *testing.F)         { fuzzNormalizer(f, "windows") }
func FuzzNormalizeEntraID(f *testing.F)         { fuzzNormalizer(f, "entra_id") }
func FuzzNormalizeM365(f *testing.F)            { fuzzNormalizer(f, "m365") }
func FuzzNormalizeGoogleWorkspace(f *testing.F) { fuzzNormalizer(f, "google_workspace") }
func FuzzNormalizeCloudflare(f *testing.F)      { fuzzNormalizer(f, "cloudflare") }
func FuzzNormalizeZscaler(f *testing.F)         { fuzzNormalizer(f, "zscaler") }
func FuzzNormalizeCortexXDR(f *testing.F)       { fuzzNormalizer(f, "cortex_xdr") }
func FuzzNormalizeCarbonBlack(f *testing.F)     { fuzzNormalizer(f, "carbon_black") }
func FuzzNormalizeFalco(f *testing.F)           { fuzzNormalizer(f, "falco") }
func FuzzNormalizeOsquery(f *testing.F)         { fuzzNormalizer(f, "osquery") }
func FuzzNormalizeKubernetesAudit(f *testing.F) { fuzzNormalizer(f, "kubernetes_audit") }
func FuzzNormalizeAWSWAF(f *testing.F)          { fuzzNormalizer(f, "aws_waf") }
func FuzzNormalizeGitHubAudit(f *testing.F)     { fuzzNormalizer(f, "github_audit") }
func FuzzNormalizeProofpointTAP(f *testing.F)   { fuzzNormalizer(f, "proofpoint_tap") }
func FuzzNormalizeCiscoASA(f *testing.F)        { fuzzNormalizer(f, "cisco_asa") }
func FuzzNormalizeFortiGate(f *testing.F)       { fuzzNormalizer(f, "fortigate") }
func FuzzNormalizeCheckPoint(f *testing.F)      { fuzzNormalizer(f, "checkpoint") }
func FuzzNormalizeSnort(f *testing.F)           { fuzzNormalizer(f, "snort") }
