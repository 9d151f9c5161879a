package correlate

// shippedRules are the default rules every org starts with (an org may
// disable, tune or replace each by key, and add its own); see Shipped.
var shippedRules = []CorrelationRule{
	{Key: "shared-user-host", Name: "Alerts sharing a user or host", Kind: KindSharedEntities,
		Description: "Two or more alerts from any sources about the same user or host within a day are one incident.",
		GroupBy:     []string{"user", "hostname"}, WindowSeconds: 86400, LatenessSeconds: 3600, MinCount: 2, Outcome: OutcomeOpen},
	{Key: "attack-progression", Name: "ATT&CK progression on a host or user", Kind: KindProgression,
		Description: "Alerts on the same host or user whose tactics advance along the kill chain (two stages or more, in event-time order) within a day.",
		Condition:   "size(alert.tactics) > 0",
		GroupBy:     []string{"hostname", "user"}, WindowSeconds: 86400, LatenessSeconds: 3600, MinCount: 2, MinTactics: 2, Outcome: OutcomeOpen},
	{Key: "rule-burst", Name: "Burst of one detection (storm guardrail)", Kind: KindBurst,
		Description: "Twenty or more alerts of the same detection rule and source within ten minutes collapse into one incident with a counter.",
		Condition:   "alert.rule_id != ''",
		GroupBy:     []string{"rule_id", "source_type"}, WindowSeconds: 600, LatenessSeconds: 300, MinCount: 20, Outcome: OutcomeOpen},
	{Key: "critical-alert", Name: "Critical alert", Kind: KindBurst,
		Description: "Every critical alert opens an incident; repeats of its rule within an hour join it.",
		Condition:   "alert.severity_id >= 5",
		GroupBy:     []string{"rule_id", "source_type"}, WindowSeconds: 3600, MinCount: 1, Outcome: OutcomeOpen, Severity: "critical"},
	{Key: "credential-access-user", Name: "Credential access then more on one user", Kind: KindSharedEntities,
		Description: "Credential access or privilege escalation followed by any other alert on the same user within four hours.",
		Condition:   "alert.tactics.exists(t, t in ['credential-access', 'privilege-escalation', 'lateral-movement', 'initial-access'])",
		GroupBy:     []string{"user"}, WindowSeconds: 14400, LatenessSeconds: 1800, MinCount: 2, Outcome: OutcomeOpen},
	{Key: "phishing-recipient", Name: "Phishing followed by activity of the recipient", Kind: KindSharedEntities,
		Description: "A phishing alert and another alert about the same mailbox or user within a day.",
		Condition:   "alert.tactics.exists(t, t == 'initial-access') || alert.title.matches('(?i)phish') || 'email' in alert.entity_values",
		GroupBy:     []string{"email", "user"}, WindowSeconds: 86400, LatenessSeconds: 3600, MinCount: 2, Outcome: OutcomeOpen},
	{Key: "malware-hash-spread", Name: "Same malicious file on several hosts", Kind: KindSharedEntities,
		Description: "Alerts naming the same file hash on at least two hosts within seven days.",
		GroupBy:     []string{"sha256", "sha1", "md5"}, WindowSeconds: 604800, LatenessSeconds: 86400, MinCount: 2,
		MinDistinct: &Distinct{Field: "hostname", Count: 2}, Outcome: OutcomeOpen, Severity: "high"},
	{Key: "ip-fanout", Name: "One address against many hosts", Kind: KindSharedEntities,
		Description: "An address in alerts about five or more different hosts within an hour (scanning, spraying, lateral movement).",
		GroupBy:     []string{"ip"}, WindowSeconds: 3600, LatenessSeconds: 600, MinCount: 5,
		MinDistinct: &Distinct{Field: "hostname", Count: 5}, Outcome: OutcomeOpen},
	{Key: "cloud-resource", Name: "Repeated findings on one cloud resource", Kind: KindSharedEntities,
		Description: "Two or more cloud findings on the same resource within a day.",
		Condition:   "alert.source_type in ['guardduty', 'securityhub', 'cloudtrail', 'gcpscc', 'defender', 'sentinel']",
		GroupBy:     []string{"cloud_resource"}, WindowSeconds: 86400, LatenessSeconds: 3600, MinCount: 2, Outcome: OutcomeOpen},
	// Enabled, but proposing: an indicator match is strong evidence, yet
	// feeds carry false positives, so an analyst accepts the candidate (or
	// the org switches the outcome to open_incident).
	{Key: "intel-match", Name: "Threat-intelligence match", Kind: KindIntelMatch,
		Description: "Alerts matching the same threat-intel indicator within a day become one incident candidate naming the indicator (fed by intel.matched.v1, retro-hunts included).",
		GroupBy:     []string{"indicator"}, WindowSeconds: 86400, MinCount: 1, Outcome: OutcomePropose},
}

// Shipped returns copies of the default rules: enabled, version 1.
func Shipped() []CorrelationRule {
	out := make([]CorrelationRule, len(shippedRules))
	for i, r := range shippedRules {
		r.Version, r.Enabled, r.Shipped = 1, true, true
		r.GroupBy = append([]string(nil), r.GroupBy...)
		if r.MinDistinct != nil {
			d := *r.MinDistinct
			r.MinDistinct = &d
		}
		out[i] = r
	}
	return out
}
