package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
)

// EntityKey selects entities for a fingerprint: an entity matches when its
// type equals Type and Role is empty or equal to the entity's role.
type EntityKey struct {
	Type alert.EntityType `json:"type"`
	Role string           `json:"role,omitempty"`
}

// FingerprintConfig lists the key entities that, with the source type and
// the rule, identify "the same alert" for deduplication.
type FingerprintConfig struct {
	Entities []EntityKey `json:"entities"`
}

// DefaultFingerprintKeys are the per-source key entities. Sources not listed
// use FallbackFingerprintKeys.
var DefaultFingerprintKeys = map[string]FingerprintConfig{
	"guardduty":   {Entities: []EntityKey{{alert.EntityCloudID, "resource"}, {alert.EntityIP, "src"}}},
	"securityhub": {Entities: []EntityKey{{alert.EntityCloudID, "resource"}}},
	"gcp_scc":     {Entities: []EntityKey{{alert.EntityCloudID, "resource"}}},
	"cloudtrail":  {Entities: []EntityKey{{alert.EntityUser, "actor"}, {alert.EntityIP, "src"}}},
	"okta":        {Entities: []EntityKey{{alert.EntityUser, "actor"}, {alert.EntityIP, "src"}}},
	"suricata":    {Entities: []EntityKey{{alert.EntityIP, "src"}, {alert.EntityIP, "dst"}}},
	"zeek":        {Entities: []EntityKey{{alert.EntityIP, "src"}, {alert.EntityIP, "dst"}}},
	"panos":       {Entities: []EntityKey{{alert.EntityIP, "src"}, {alert.EntityIP, "dst"}}},
	"cef":         {Entities: []EntityKey{{alert.EntityIP, "src"}, {alert.EntityIP, "dst"}, {alert.EntityHostname, "host"}}},
	"syslog":      {Entities: []EntityKey{{alert.EntityHostname, "host"}, {alert.EntityIP, "host"}}},
	"wazuh":       {Entities: []EntityKey{{alert.EntityHostname, "host"}, {alert.EntityIP, "src"}, {alert.EntityFile, ""}}},
	"elastic":     {Entities: []EntityKey{{alert.EntityHostname, "host"}, {alert.EntitySHA256, ""}}},
	"defender":    {Entities: []EntityKey{{alert.EntityHostname, "host"}, {alert.EntitySHA256, ""}, {alert.EntityUser, ""}}},
	"crowdstrike": {Entities: []EntityKey{{alert.EntityHostname, "host"}, {alert.EntitySHA256, ""}}},
	"sentinelone": {Entities: []EntityKey{{alert.EntityHostname, "host"}, {alert.EntitySHA1, ""}, {alert.EntitySHA256, ""}}},
	"sentinel":    {Entities: []EntityKey{{alert.EntityHostname, ""}, {alert.EntityUser, ""}, {alert.EntityIP, ""}}},
	"ocsf":        {Entities: []EntityKey{{alert.EntityCloudID, "resource"}, {alert.EntityIP, "src"}, {alert.EntityHostname, "host"}}},
	"generic":     {Entities: []EntityKey{{alert.EntityIP, "src"}, {alert.EntityIP, "dst"}, {alert.EntityHostname, "host"}, {alert.EntityUser, ""}}},
}

// FallbackFingerprintKeys is used for source types without defaults.
var FallbackFingerprintKeys = FingerprintConfig{Entities: []EntityKey{
	{alert.EntityIP, "src"}, {alert.EntityIP, "dst"}, {alert.EntityHostname, "host"}, {alert.EntityUser, ""},
}}

// FingerprintKeys returns the configuration for a source type.
func FingerprintKeys(sourceType string) FingerprintConfig {
	if c, ok := DefaultFingerprintKeys[sourceType]; ok {
		return c
	}
	return FallbackFingerprintKeys
}

// Unidentified reports an alert from which nothing identifying was
// extracted: no rule, no title of its own (only the "<source> alert"
// fallback), no entity and no event time. Its fingerprint falls back to a
// digest of the canonical payload, and intake reports it with a warning.
func Unidentified(a alert.Alert) bool {
	return a.Rule.ID == "" && a.Rule.Name == "" && len(a.Entities) == 0 && a.EventTime.IsZero() &&
		(a.Title == "" || a.Title == a.Source.Type+" alert")
}

// Fingerprint is the hex SHA-256 over the source type, the rule (id, else
// name, else title) and the selected key entities (sorted, so independent of
// entity order). Alerts with equal fingerprints are the same alert seen again.
// When no key entity is present, the vendor's record id (SourceRef), else
// the digest of the canonical payload (CanonicalDigest of Raw), is added:
// two distinct records never share a fingerprint because nothing was
// extracted from them, while an exact repeat (or a re-sent finding) still
// does.
func Fingerprint(a alert.Alert, keys FingerprintConfig) string {
	var parts []string
	for _, e := range a.Entities {
		for _, k := range keys.Entities {
			if e.Type == k.Type && (k.Role == "" || k.Role == e.Role) {
				parts = append(parts, string(e.Type)+"\x1f"+e.Role+"\x1f"+e.Value)
				break
			}
		}
	}
	slices.Sort(parts)
	parts = slices.Compact(parts)
	h := sha256.New()
	rule := firstNonEmpty(a.Rule.ID, a.Rule.Name, a.Title)
	h.Write([]byte(a.Source.Type))
	h.Write([]byte{0x1e})
	h.Write([]byte(rule))
	h.Write([]byte{0x1e})
	h.Write([]byte(strings.Join(parts, "\x1e")))
	if len(parts) == 0 {
		// No key entity says which host, user or address this is about: the
		// vendor's record id, else the payload itself, tells records apart.
		h.Write([]byte{0x1e})
		if a.SourceRef != "" {
			h.Write([]byte("ref\x1f" + a.SourceRef))
		} else {
			h.Write([]byte(CanonicalDigest(a.Raw)))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CanonicalDigest is the hex SHA-256 of a JSON value in canonical form
// (objects' keys sorted, insignificant white space removed), so the same
// record re-serialized by a sender digests the same. A value that is not
// JSON is digested as it is.
func CanonicalDigest(raw []byte) string {
	var v any
	b := raw
	if err := json.Unmarshal(raw, &v); err == nil {
		if c, err := json.Marshal(v); err == nil { // encoding/json sorts map keys
			b = c
		}
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
