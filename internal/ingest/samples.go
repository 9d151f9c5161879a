package ingest

import (
	"encoding/json"
	"fmt"
	"time"
)

// Sample is one realistic source payload for demos and benchmarks.
type Sample struct {
	SourceType string
	Raw        []byte
}

// sampleRand is a small deterministic generator (splitmix64) so demo and
// benchmark data are reproducible; it is not for anything secret.
type sampleRand struct{ s uint64 }

func (r *sampleRand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *sampleRand) intn(n int) int { return int(r.next() % uint64(n)) } //nolint:gosec // n > 0, small

func pick[T any](r *sampleRand, xs []T) T { return xs[r.intn(len(xs))] }

var (
	sampleHosts = []string{"web-01", "web-02", "db-01", "dc-01", "vpn-gw", "build-07", "laptop-ana", "laptop-bob", "mail-01", "k8s-node-3"}
	sampleUsers = []string{"alice", "bob", "carol", "dave", "svc-backup", "admin", "eve", "mallory"}
	sampleSigs  = []struct {
		id        int
		name, cat string
		sev       int
	}{
		{2024833, "ET POLICY Observed IP Lookup Domain (l2 .io in TLS SNI)", "Potential Corporate Privacy Violation", 3},
		{2010935, "ET SCAN Suspicious inbound to MSSQL port 1433", "Potentially Bad Traffic", 2},
		{2001219, "ET SCAN Potential SSH Scan", "Attempted Information Leak", 2},
		{2027865, "ET MALWARE Cobalt Strike Beacon Observed", "A Network Trojan was detected", 1},
		{2019401, "ET POLICY Vulnerable Java Version 1.8.x Detected", "Potentially Bad Traffic", 3},
		{2030358, "ET EXPLOIT Possible Apache Log4j RCE Attempt", "Attempted Administrator Privilege Gain", 1},
	}
	sampleGDTypes = []struct {
		typ, title string
		sev        float64
	}{
		{"Recon:EC2/PortProbeUnprotectedPort", "Unprotected port on EC2 instance is being probed.", 2},
		{"UnauthorizedAccess:EC2/SSHBruteForce", "SSH brute force attacks against an EC2 instance.", 5},
		{"CryptoCurrency:EC2/BitcoinTool.B!DNS", "EC2 instance is querying a domain associated with Bitcoin activity.", 8},
		{"Trojan:EC2/BlackholeTraffic!DNS", "EC2 instance is querying a domain that is being redirected to a black hole.", 8},
		{"UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B", "Multiple worldwide successful console logins were observed.", 5},
	}
	sampleCEF = []struct {
		sig, name string
		sev       int
	}{
		{"100", "Port scan detected", 5}, {"200", "Malware download blocked", 8}, {"300", "Privilege escalation attempt", 9}, {"400", "Suspicious PowerShell", 7},
	}
	sampleGeneric = []struct{ rule, title, tech, sev string }{
		{"EDR-001", "Suspicious PowerShell encoded command", "T1059.001", "high"},
		{"EDR-014", "LSASS memory access", "T1003.001", "critical"},
		{"IAM-007", "Impossible travel sign-in", "T1078", "medium"},
		{"MAIL-003", "Phishing link clicked", "T1566.002", "high"},
		{"NET-021", "DNS tunnelling suspected", "T1071.004", "medium"},
		{"EDR-033", "Scheduled task created for persistence", "T1053.005", "low"},
	}
)

func sampleIP(r *sampleRand, internal bool) string {
	if internal {
		return fmt.Sprintf("10.%d.%d.%d", r.intn(4), r.intn(8), 1+r.intn(60))
	}
	return fmt.Sprintf("%d.%d.%d.%d", pick(r, []int{45, 89, 103, 185, 198, 203}), r.intn(256), r.intn(256), 1+r.intn(254))
}

// Samples generates n payloads of several source types (Suricata EVE,
// GuardDuty, CEF, generic JSON) over the last day before now, with reused
// hosts, users and addresses, where about dupPercent percent repeat an
// earlier payload exactly (the same alert sent again).
func Samples(seed uint64, n, dupPercent int, now time.Time) []Sample {
	return SamplesOf(seed, n, dupPercent, now, "")
}

// sampleKinds are the source types Samples generates, in its order.
var sampleKinds = []string{"suricata", "guardduty", "cef", "generic"}

// SamplesOf is Samples limited to one source type of sampleKinds
// ("suricata", "guardduty", "cef" or "generic"; "" mixes them).
func SamplesOf(seed uint64, n, dupPercent int, now time.Time, sourceType string) []Sample {
	only := -1
	for i, k := range sampleKinds {
		if k == sourceType {
			only = i
		}
	}
	r := &sampleRand{s: seed}
	out := make([]Sample, 0, n)
	for i := range n {
		if i > 10 && r.intn(100) < dupPercent {
			out = append(out, out[r.intn(len(out))])
			continue
		}
		t := now.Add(-time.Duration(r.intn(86400)) * time.Second).UTC()
		var s Sample
		kind := r.intn(4)
		if only >= 0 {
			kind = only
		}
		switch kind {
		case 0:
			sig := pick(r, sampleSigs)
			b, _ := json.Marshal(map[string]any{
				"timestamp": t.Format("2006-01-02T15:04:05.000000-0700"), "flow_id": r.next() >> 12, "in_iface": "eth0",
				"event_type": "alert", "src_ip": sampleIP(r, r.intn(3) == 0), "src_port": 1024 + r.intn(60000),
				"dest_ip": sampleIP(r, true), "dest_port": pick(r, []int{22, 80, 443, 1433, 3389, 8080}), "proto": "TCP",
				"alert": map[string]any{"action": "allowed", "gid": 1, "signature_id": sig.id, "rev": 3, "signature": sig.name, "category": sig.cat, "severity": sig.sev},
				"host":  pick(r, sampleHosts),
			})
			s = Sample{"suricata", b}
		case 1:
			gd := pick(r, sampleGDTypes)
			inst := fmt.Sprintf("i-0%07x", r.intn(40))
			b, _ := json.Marshal(map[string]any{
				"schemaVersion": "2.0", "accountId": "123412341234", "region": "eu-west-1", "partition": "aws",
				"id": fmt.Sprintf("%032x", r.next()), "type": gd.typ, "severity": gd.sev, "title": gd.title, "description": gd.title,
				"createdAt": t.Format(time.RFC3339), "updatedAt": t.Format(time.RFC3339),
				"arn":      "arn:aws:guardduty:eu-west-1:123412341234:detector/d1/finding/" + fmt.Sprintf("%x", r.next()),
				"resource": map[string]any{"resourceType": "Instance", "instanceDetails": map[string]any{"instanceId": inst}},
				"service": map[string]any{"serviceName": "guardduty", "count": 1, "eventFirstSeen": t.Format(time.RFC3339), "eventLastSeen": t.Format(time.RFC3339),
					"action": map[string]any{"actionType": "NETWORK_CONNECTION", "networkConnectionAction": map[string]any{
						"connectionDirection": "INBOUND", "remoteIpDetails": map[string]any{"ipAddressV4": sampleIP(r, false)},
						"localPortDetails": map[string]any{"port": 22}}}},
			})
			s = Sample{"guardduty", b}
		case 2:
			c := pick(r, sampleCEF)
			line := fmt.Sprintf("CEF:0|Acme|NGFW|9.1|%s|%s|%d|rt=%d src=%s dst=%s suser=%s dhost=%s act=blocked",
				c.sig, c.name, c.sev, t.UnixMilli(), sampleIP(r, false), sampleIP(r, true), pick(r, sampleUsers), pick(r, sampleHosts))
			s = Sample{"cef", []byte(line)}
		default:
			g := pick(r, sampleGeneric)
			b, _ := json.Marshal(map[string]any{
				"id": fmt.Sprintf("%016x", r.next()), "rule_id": g.rule, "title": g.title, "severity": g.sev, "timestamp": t.Format(time.RFC3339),
				"host": pick(r, sampleHosts), "user": pick(r, sampleUsers), "src_ip": sampleIP(r, true), "technique": g.tech,
				"vendor": "Acme", "product": "EDR", "description": g.title + " on a monitored endpoint",
			})
			s = Sample{"generic", b}
		}
		out = append(out, s)
	}
	return out
}
