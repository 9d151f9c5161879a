package normalize

import (
	"fmt"
	"sync"

	"github.com/securenexus/securenexus/internal/platform/plugin"
)

// Kind is the plugin family of normalizers.
const Kind plugin.Kind = "normalizer"

// Capabilities a normalizer declares.
const (
	// CapDetect: Detect recognizes the source's payloads (auto-detection).
	CapDetect plugin.Capability = "detect"
	// CapText: the source is line-oriented text (syslog, CEF, key=value), so
	// the syslog listener may carry it.
	CapText plugin.Capability = "text"
	// CapEnvelope: the normalizer unwraps its vendor's API envelopes.
	CapEnvelope plugin.Capability = "envelope"
)

// builtin pairs each built-in normalizer with its metadata.
func builtins() []plugin.Entry[Normalizer] {
	det, env, text := CapDetect, CapEnvelope, CapText
	e := func(n Normalizer, display string, caps ...plugin.Capability) plugin.Entry[Normalizer] {
		return plugin.Entry[Normalizer]{Meta: plugin.Meta{Kind: Kind, Name: n.SourceType(), DisplayName: display, Capabilities: caps}, Impl: n}
	}
	out := []plugin.Entry[Normalizer]{
		e(guardDutyNormalizer{}, "Amazon GuardDuty", det, env),
		e(securityHubNormalizer{}, "AWS Security Hub (ASFF)", det, env),
		e(cloudTrailNormalizer{}, "AWS CloudTrail", det, env),
		e(suricataNormalizer{}, "Suricata EVE JSON", det),
		e(zeekNormalizer{}, "Zeek", det),
		e(wazuhNormalizer{}, "Wazuh", det, env),
		e(elasticNormalizer{}, "Elastic Security", det, env),
		e(defenderNormalizer{}, "Microsoft Defender", det, env),
		e(sentinelNormalizer{}, "Microsoft Sentinel", det, env),
		e(crowdStrikeNormalizer{}, "CrowdStrike Falcon", det, env),
		e(sentinelOneNormalizer{}, "SentinelOne", det, env),
		e(oktaNormalizer{}, "Okta System Log", det, env),
		e(gcpSCCNormalizer{}, "Google Security Command Center", det, env),
		e(ocsfNormalizer{}, "OCSF Detection Finding", det),
		e(cefNormalizer{}, "Common Event Format (CEF)", det, text),
		e(panosNormalizer{}, "Palo Alto Networks PAN-OS", det, text),
		e(syslogNormalizer{}, "Syslog (RFC 5424, RFC 3164, BSD)", det, text),
		e(genericNormalizer{}, "Generic JSON alert", det, env),
		e(windowsNormalizer{}, "Windows Event Log and Sysmon", det, env),
		e(textNormalizer{name: kindASA}, "Cisco ASA / Firepower Threat Defense", det, text),
		e(textNormalizer{name: kindFortiGate}, "Fortinet FortiGate", det, text),
		e(textNormalizer{name: kindCheckPoint}, "Check Point Log Exporter", det, text),
		e(textNormalizer{name: kindSnort}, "Snort alerts", det, text),
	}
	display := map[string]string{"entra_id": "Microsoft Entra ID sign-in and audit logs", "m365": "Microsoft 365 unified audit log",
		"google_workspace": "Google Workspace alerts and activity", "cloudflare": "Cloudflare", "zscaler": "Zscaler (NSS JSON)",
		"cortex_xdr": "Palo Alto Cortex XDR", "carbon_black": "VMware Carbon Black Cloud", "falco": "Falco", "osquery": "osquery",
		"kubernetes_audit": "Kubernetes audit log", "aws_waf": "AWS WAF", "github_audit": "GitHub audit log", "proofpoint_tap": "Proofpoint TAP"}
	for _, s := range specSources {
		caps := []plugin.Capability{det}
		if len(s.envelopes) > 0 {
			caps = append(caps, env)
		}
		out = append(out, e(specNormalizer{s}, display[s.name], caps...))
	}
	return out
}

// Register adds every built-in normalizer to reg. It is called where
// modules are wired (internal/app) and by Builtin.
func Register(reg *plugin.Registry[Normalizer]) error {
	for _, b := range builtins() {
		if err := reg.Register(b.Meta, b.Impl); err != nil {
			return fmt.Errorf("register normalizer: %w", err)
		}
	}
	return nil
}

// NewRegistry returns a registry holding every built-in normalizer.
func NewRegistry() *plugin.Registry[Normalizer] {
	reg := plugin.New[Normalizer](Kind)
	if err := Register(reg); err != nil {
		panic(err) // the built-in table is static: a duplicate is a build defect the tests catch
	}
	return reg
}

var builtinSet = sync.OnceValue(func() Set { return With(NewRegistry()) })

// Builtin is the Set of every built-in normalizer, built on first use.
func Builtin() Set { return builtinSet() }
