package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// STIXMediaType is the STIX 2.1 media type of exported bundles.
const STIXMediaType = "application/stix+json;version=2.1"

// Sharing rule (docs/intel.md, "Sharing"): TLP:RED is never exported (it
// is for named recipients only). TLP:AMBER+STRICT stays inside the org:
// it is in an incident export (an analyst's download) but never served
// to partners over TAXII. Every exported object carries its TLP 2.0
// marking-definition, included in the bundle.

// exportable reports whether an indicator of marking tlp may leave
// through an incident export (partners: false for the TAXII server).
func exportable(tlp string, partners bool) bool {
	switch tlp {
	case "red":
		return false
	case "amber+strict":
		return !partners
	}
	return true
}

// tlp2Markings are the TLP 2.0 marking-definition ids (the ones ParseSTIX
// reads back).
var tlp2Markings = map[string]string{
	"clear":        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	"green":        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	"amber":        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	"amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	"red":          "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

// tlp2Extension is the STIX extension definition of TLP 2.0 markings.
const tlp2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// markingObject is the TLP 2.0 marking-definition of tlp.
func markingObject(tlp string) map[string]any {
	return map[string]any{
		"type": "marking-definition", "spec_version": "2.1", "id": tlp2Markings[tlp],
		"created": "2022-10-01T00:00:00.000Z", "name": "TLP:" + strings.ToUpper(tlp),
		"extensions": map[string]any{tlp2Extension: map[string]any{"extension_type": "property-extension", "tlp_2_0": tlp}},
	}
}

// stixTime formats a STIX timestamp (UTC, millisecond precision at least:
// microseconds here, so versions a few µs apart stay ordered).
func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

type stixExtRef struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id"`
	URL        string `json:"url,omitempty"`
}

// stixIndicatorObject is one exported STIX 2.1 indicator.
type stixIndicatorObject struct {
	Type               string       `json:"type"`
	SpecVersion        string       `json:"spec_version"`
	ID                 string       `json:"id"`
	Created            string       `json:"created"`
	Modified           string       `json:"modified"`
	Name               string       `json:"name"`
	Description        string       `json:"description,omitempty"`
	IndicatorTypes     []string     `json:"indicator_types,omitempty"`
	Pattern            string       `json:"pattern"`
	PatternType        string       `json:"pattern_type"`
	ValidFrom          string       `json:"valid_from"`
	ValidUntil         string       `json:"valid_until,omitempty"`
	Confidence         int          `json:"confidence"`
	Labels             []string     `json:"labels,omitempty"`
	Revoked            bool         `json:"revoked,omitempty"`
	ObjectMarkingRefs  []string     `json:"object_marking_refs"`
	ExternalReferences []stixExtRef `json:"external_references,omitempty"`
}

// STIXIndicatorID is the STIX id an indicator is exported under: its own
// row id (an original STIX id may stand for several rows, one per value
// of a compound pattern).
func STIXIndicatorID(id uuid.UUID) string { return "indicator--" + id.String() }

// indicatorObject renders ind (ok false when its type has no STIX
// pattern). modified is the version's time.
func indicatorObject(ind *Indicator, modified time.Time) (stixIndicatorObject, bool) {
	p, ok := STIXPattern(ind.Type, ind.Value)
	if !ok {
		return stixIndicatorObject{}, false
	}
	if modified.Before(ind.CreatedAt) {
		modified = ind.CreatedAt
	}
	o := stixIndicatorObject{
		Type: "indicator", SpecVersion: "2.1", ID: STIXIndicatorID(ind.ID),
		Created: stixTime(ind.CreatedAt), Modified: stixTime(modified), Name: ind.Value, Description: ind.Description,
		IndicatorTypes: []string{"malicious-activity"}, Pattern: p, PatternType: "stix", ValidFrom: stixTime(ind.FirstSeen),
		Confidence: ind.Confidence, Labels: ind.Tags, Revoked: ind.deleted, ObjectMarkingRefs: []string{tlp2Markings[ind.TLP]},
	}
	if ind.ValidUntil != nil && ind.ValidUntil.After(ind.FirstSeen) {
		o.ValidUntil = stixTime(*ind.ValidUntil)
	}
	for _, t := range ind.Attack {
		o.ExternalReferences = append(o.ExternalReferences, stixExtRef{SourceName: "mitre-attack", ExternalID: t,
			URL: "https://attack.mitre.org/techniques/" + strings.ReplaceAll(t, ".", "/") + "/"})
	}
	return o, true
}

// IncidentAlert is one alert of an incident as the export sees it.
type IncidentAlert struct {
	ID        uuid.UUID
	EventTime time.Time
	Entities  []alert.Entity
}

// Incidents is the intel module's view of incidents (satisfied in
// internal/app by the incident module's store): the alerts of one of the
// caller's org's incidents (NotFound otherwise).
type Incidents interface {
	IncidentAlerts(ctx context.Context, scope tenant.Scope, id uuid.UUID) ([]IncidentAlert, error)
}

// ExportOptions choose what an incident export holds besides the matched
// indicators.
type ExportOptions struct {
	// Observables adds the alerts' shareable entities as cyber-observable
	// objects, with one observed-data per alert, marked ObservablesTLP.
	Observables    bool
	ObservablesTLP string
}

// ExportResult is an exported bundle with what was left out.
type ExportResult struct {
	Bundle []byte
	// Indicators exported; Withheld by the sharing rule (TLP:RED) or for
	// having no STIX pattern (JA3/JA4).
	Indicators, Withheld, Observables int
}

// ExportIncident builds the STIX 2.1 bundle of an incident: the
// indicators (the org's and subscribed platform feeds') its alerts
// matched, except TLP:RED, and, with opts.Observables, the alerts'
// observables. The export is audited.
func (s *Store) ExportIncident(ctx context.Context, scope tenant.Scope, incidentID uuid.UUID, alerts []IncidentAlert, opts ExportOptions) (*ExportResult, error) {
	ids := make([]uuid.UUID, len(alerts))
	for i := range alerts {
		ids[i] = alerts[i].ID
	}
	var inds []Indicator
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if inds, err = s.matchedIndicators(ctx, tx, scope, ids); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &ExportResult{}
	objects := []any{}
	markings := map[string]bool{}
	for i := range inds {
		ind := &inds[i]
		if !exportable(ind.TLP, false) {
			res.Withheld++
			continue
		}
		o, ok := indicatorObject(ind, ind.UpdatedAt)
		if !ok {
			res.Withheld++
			continue
		}
		markings[ind.TLP] = true
		objects = append(objects, o)
		res.Indicators++
	}
	if opts.Observables {
		obs := observables(alerts, tlp2Markings[opts.ObservablesTLP], s.now())
		if len(obs) > 0 {
			markings[opts.ObservablesTLP] = true
		}
		for _, o := range obs {
			if m, _ := o.(map[string]any); m != nil && m["type"] != "observed-data" {
				res.Observables++
			}
		}
		objects = append(objects, obs...)
	}
	levels := make([]string, 0, len(markings))
	for l := range markings {
		levels = append(levels, l)
	}
	slices.Sort(levels)
	head := make([]any, 0, len(levels)+len(objects))
	for _, l := range levels {
		head = append(head, markingObject(l))
	}
	bundle := map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewString(), "objects": append(head, objects...)}
	if res.Bundle, err = json.Marshal(bundle); err != nil {
		return nil, fmt.Errorf("intel: encode bundle: %w", err)
	}
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		return audit.Record(ctx, tx, auditEntry(scope, "intel.incident.export", "incident", incidentID.String(),
			map[string]any{"indicators": res.Indicators, "withheld": res.Withheld, "observables": res.Observables}))
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// matchedIndicators are the indicators the org can see (its own, and
// subscribed platform feeds') that matched any of the alerts.
func (s *Store) matchedIndicators(ctx context.Context, tx *db.Tx, scope tenant.Scope, alerts []uuid.UUID) ([]Indicator, error) {
	var out []Indicator
	seen := map[uuid.UUID]bool{}
	for lo := 0; lo < len(alerts); lo += 500 {
		part := alerts[lo:min(lo+500, len(alerts))]
		args := []any{scope.Org().String()}
		marks := make([]string, len(part))
		for i, id := range part {
			args = append(args, id.String())
			marks[i] = fmt.Sprintf("$%d", i+2)
		}
		got, err := db.Collect(ctx, tx, scanIndicator, `SELECT `+indicatorCols+` FROM intel_indicators
WHERE NOT deleted AND id IN (SELECT indicator_id FROM intel_matches WHERE org_id = $1 AND alert_id IN (`+strings.Join(marks, ", ")+`))
 AND (org_id = $1 OR (org_id IS NULL AND feed_id IN (SELECT feed_id FROM intel_subscriptions WHERE org_id = $1)))
ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
		for _, ind := range got {
			if !seen[ind.ID] {
				seen[ind.ID] = true
				out = append(out, ind)
			}
		}
	}
	slices.SortFunc(out, func(a, b Indicator) int { return strings.Compare(a.ID.String(), b.ID.String()) })
	return out, nil
}

// stixSCONamespace is the STIX 2.1 namespace of deterministic
// cyber-observable ids (UUIDv5).
var stixSCONamespace = uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")

// observableObject renders a shareable entity as a STIX cyber-observable
// (internal identifiers, user names, host names, processes and cloud ids
// are not exported).
func observableObject(e alert.Entity, marking string) (map[string]any, bool) {
	var typ string
	props := map[string]any{}
	switch e.Type {
	case alert.EntityIP:
		t, ok := entityIPType(e.Value)
		if !ok {
			return nil, false
		}
		typ, props["value"] = map[Type]string{TypeIPv4: "ipv4-addr", TypeIPv6: "ipv6-addr"}[t], e.Value
	case alert.EntityDomain:
		if _, ok := Canonicalize(TypeDomain, e.Value); !ok {
			return nil, false
		}
		typ, props["value"] = "domain-name", e.Value
	case alert.EntityURL:
		typ, props["value"] = "url", e.Value
	case alert.EntityEmail:
		typ, props["value"] = "email-addr", e.Value
	case alert.EntityMD5:
		typ, props["hashes"] = "file", map[string]string{"MD5": e.Value}
	case alert.EntitySHA1:
		typ, props["hashes"] = "file", map[string]string{"SHA-1": e.Value}
	case alert.EntitySHA256:
		typ, props["hashes"] = "file", map[string]string{"SHA-256": e.Value}
	case alert.EntityFile:
		typ, props["name"] = "file", e.Value
	default:
		return nil, false
	}
	idProps, err := json.Marshal(props) // the id-contributing properties, keys sorted
	if err != nil {
		return nil, false
	}
	props["type"], props["spec_version"] = typ, "2.1"
	props["id"] = typ + "--" + uuid.NewSHA1(stixSCONamespace, idProps).String()
	props["object_marking_refs"] = []string{marking}
	return props, true
}

func entityIPType(v string) (Type, bool) {
	if _, ok := Canonicalize(TypeIPv4, v); ok {
		return TypeIPv4, true
	}
	if _, ok := Canonicalize(TypeIPv6, v); ok {
		return TypeIPv6, true
	}
	return "", false
}

// observables are the alerts' shareable entities (each once) and one
// observed-data per alert referencing them.
func observables(alerts []IncidentAlert, marking string, now time.Time) []any {
	var out []any
	seen := map[string]bool{}
	for _, a := range alerts {
		var refs []string
		for _, e := range a.Entities {
			o, ok := observableObject(e, marking)
			if !ok {
				continue
			}
			id := o["id"].(string)
			if !slices.Contains(refs, id) {
				refs = append(refs, id)
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, o)
			}
		}
		if len(refs) == 0 {
			continue
		}
		at := a.EventTime
		if at.IsZero() {
			at = now
		}
		out = append(out, map[string]any{
			"type": "observed-data", "spec_version": "2.1",
			"id":      "observed-data--" + uuid.NewSHA1(stixSCONamespace, []byte("alert:"+a.ID.String())).String(),
			"created": stixTime(now), "modified": stixTime(now),
			"first_observed": stixTime(at), "last_observed": stixTime(at), "number_observed": 1,
			"object_refs": refs, "object_marking_refs": []string{marking},
		})
	}
	return out
}
