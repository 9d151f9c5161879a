// Package normalize maps vendor alert payloads (GuardDuty, Security Hub,
// CloudTrail, Suricata, Zeek, Wazuh, Elastic, Microsoft Defender, Sentinel,
// CrowdStrike, SentinelOne, Okta, GCP SCC, CEF, PAN-OS, syslog, OCSF and
// arbitrary JSON) to the normalized alert.Alert schema. Each source type has
// one Normalizer; Detect guesses the source type from a payload's shape.
//
// Normalizers never set ID, OrgID, Fingerprint, Count, FirstSeen, LastSeen
// or ReceivedTime: the ingest pipeline does (see Fingerprint).
package normalize

import (
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/platform/plugin"
)

// Normalizer maps one source type's payload to normalized alerts.
type Normalizer interface {
	SourceType() string                          // e.g. "guardduty"
	Normalize(raw []byte) ([]alert.Alert, error) // one payload may hold several findings (API envelopes) or none (empty envelope -> zero alerts, nil error)
}

// Lookup returns the normalizer of a source type from the built-in set.
func Lookup(sourceType string) (Normalizer, bool) { return Builtin().Lookup(sourceType) }

// SourceTypes lists every built-in source type, sorted.
func SourceTypes() []string { return Builtin().SourceTypes() }

// Normalize maps raw with the built-in normalizer of sourceType. sourceType
// "" or "auto" detects the type from the payload (Detect). An unknown or
// undetectable type is a validation error naming "source_type".
func Normalize(sourceType string, raw []byte) ([]alert.Alert, error) {
	return Builtin().Normalize(sourceType, raw)
}

// Set normalizes with the normalizers of one plugin registry.
type Set struct{ reg *plugin.Registry[Normalizer] }

// With returns the Set over reg (see NewRegistry).
func With(reg *plugin.Registry[Normalizer]) Set { return Set{reg: reg} }

// Registry is the set's plugin registry.
func (s Set) Registry() *plugin.Registry[Normalizer] { return s.reg }

// Lookup returns the normalizer of a source type (case-insensitive).
func (s Set) Lookup(sourceType string) (Normalizer, bool) {
	return s.reg.Get(strings.ToLower(strings.TrimSpace(sourceType)))
}

// SourceTypes lists the registered source types, sorted.
func (s Set) SourceTypes() []string { return s.reg.Names() }

// Normalize maps raw with the normalizer of sourceType ("" or "auto"
// detects it). An unknown or undetectable type is a validation error
// naming "source_type".
func (s Set) Normalize(sourceType string, raw []byte) ([]alert.Alert, error) {
	st := strings.ToLower(strings.TrimSpace(sourceType))
	if st == "" || st == "auto" {
		st = Detect(raw)
		if st == "" {
			return nil, apperr.Validation("cannot detect the source type of the payload",
				apperr.Field("source_type", "payload shape not recognized; set source_type explicitly"))
		}
	}
	n, ok := s.reg.Get(st)
	if !ok {
		return nil, apperr.Validation("unknown source type",
			apperr.Field("source_type", "must be one of: "+strings.Join(s.SourceTypes(), ", ")))
	}
	return n.Normalize(raw)
}

// itemFunc maps one record; emit false skips it (e.g. non-alert events).
type itemFunc func(rec record) (a alert.Alert, emit bool, err error)

// expandFunc turns one top-level record into the records it carries (an
// API envelope's list) or into itself.
type expandFunc func(rec record) []record

// envelopes expands a record holding a list under one of keys; a record
// without one stands for itself.
func envelopes(keys ...string) expandFunc {
	return func(r record) []record {
		if len(keys) > 0 {
			if inner, ok := unwrap(r, keys...); ok {
				return inner
			}
		}
		return []record{r}
	}
}

// always adapts a mapping that emits every record to itemFunc.
func always(one func(rec record) (alert.Alert, error)) itemFunc {
	return func(rec record) (alert.Alert, bool, error) {
		a, err := one(rec)
		return a, true, err
	}
}

// normalizeJSON splits a JSON payload into records, expands each with
// expand and maps every resulting object with fn.
func normalizeJSON(raw []byte, expand expandFunc, fn itemFunc) ([]alert.Alert, error) {
	recs, err := splitJSON(raw)
	if err != nil {
		return nil, err
	}
	out := make([]alert.Alert, 0, len(recs))
	for _, r := range recs {
		if len(r.raw) == 0 || r.raw[0] != '{' {
			return nil, apperr.Validation("record is not a JSON object", apperr.Field(r.loc, "expected an object"))
		}
		for _, it := range expand(r) {
			if len(it.raw) == 0 || it.raw[0] != '{' {
				return nil, apperr.Validation("record is not a JSON object", apperr.Field(it.loc, "expected an object"))
			}
			a, emit, err := fn(it)
			if err != nil {
				return nil, err
			}
			if emit {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// expandHits expands an Elasticsearch search response (hits.hits) into its
// documents; any other record stands for itself.
func expandHits(r record) []record {
	if path(r.raw, "hits", "hits") != nil {
		if inner, ok := unwrap(record{raw: member(r.raw, "hits"), loc: r.loc + ".hits"}, "hits"); ok {
			return inner
		}
	}
	return []record{r}
}
