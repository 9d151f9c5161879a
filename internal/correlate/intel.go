package correlate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/tenant"
)

// IntelHit is one alert ↔ threat-intel indicator match, as an
// intel.matched.v1 event carries it.
type IntelHit struct {
	AlertID     uuid.UUID
	IndicatorID uuid.UUID
	// Type is the indicator type (ipv4, domain, sha256, ...).
	Type string
	// Value is the alert's entity value that matched.
	Value      string
	Confidence int
}

// HitOf converts an intel.matched.v1 payload.
func HitOf(m intel.MatchedV1) IntelHit {
	return IntelHit{AlertID: m.AlertID, IndicatorID: m.IndicatorID, Type: string(m.Type), Value: m.Value, Confidence: m.Confidence}
}

// ProcessMatches correlates threat-intel matches with the org's enabled
// intel_match rules inside the caller's transaction (the intel.matched.v1
// consumer's). The alerts are read through the alert facade; suppressed
// alerts are left out (suppressions are applied first, as for ingested
// alerts). A match joins, by event time, the group of its indicator
// (group_by indicator) or of the matched entity (entity types); unlike the
// alert path, a match is taken whenever it arrives, however old its alert
// (a retro-hunt finds past alerts). Redelivery is harmless.
func (e *Engine) ProcessMatches(ctx context.Context, scope tenant.Scope, hits []IntelHit) ([]Decision, error) {
	var out []Decision
	err := e.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		all, err := loadRules(ctx, tx, scope)
		if err != nil {
			return err
		}
		var rules []CorrelationRule
		for _, r := range all {
			if r.Enabled && r.Kind == KindIntelMatch {
				rules = append(rules, r)
			}
		}
		if len(rules) == 0 || len(hits) == 0 {
			return nil
		}
		ids := make([]uuid.UUID, 0, len(hits))
		for _, h := range hits {
			if !slices.Contains(ids, h.AlertID) {
				ids = append(ids, h.AlertID)
			}
		}
		alerts, err := e.Alerts.Summaries(ctx, scope, ids)
		if err != nil {
			return fmt.Errorf("correlate: read alerts: %w", err)
		}
		now := e.now()
		suppressed, err := e.suppress(ctx, tx, scope, alerts, now)
		if err != nil {
			return err
		}
		byID := map[uuid.UUID]*alert.Alert{}
		for i := range alerts {
			byID[alerts[i].ID] = &alerts[i]
		}
		slices.SortStableFunc(hits, func(a, b IntelHit) int {
			x, y := byID[a.AlertID], byID[b.AlertID]
			if x == nil || y == nil {
				return 0
			}
			return x.EventTime.Compare(y.EventTime)
		})
		var items []item
		for _, h := range hits {
			a := byID[h.AlertID]
			if a == nil || suppressed[a.ID] || a.Status == alert.StatusSuppressed {
				continue
			}
			vars := activation(a)
			ref := incident.IndicatorRef{ID: h.IndicatorID, Type: h.Type, Value: h.Value, Confidence: h.Confidence}
			for ri := range rules {
				r := &rules[ri]
				cond, err := compile(r.Condition)
				if err != nil || !cond.match(vars) {
					continue
				}
				if keys := intelKeys(r, a, h); len(keys) > 0 {
					items = append(items, item{a: a, r: r, keys: keys, ind: &ref})
				}
			}
		}
		out, err = e.apply(ctx, tx, scope, items, nil, now)
		return err
	})
	return out, err
}

// intelKeys is a match's group key under an intel_match rule: the
// indicator ("indicator:<type>:<value>", so one value of several feeds is
// one group) or the alert's matched entity of a group-by type, prefixed by
// the source_type / rule_id values the rule also groups by.
func intelKeys(r *CorrelationRule, a *alert.Alert, h IntelHit) []string {
	var parts []string
	for _, g := range r.GroupBy {
		switch g {
		case FieldSource:
			parts = append(parts, "source_type="+a.Source.Type)
		case FieldRule:
			if a.Rule.ID == "" {
				return nil
			}
			parts = append(parts, "rule_id="+a.Rule.ID)
		}
	}
	key := ""
	if slices.Contains(r.GroupBy, FieldIndicator) {
		key = "indicator:" + h.Type + ":" + strings.ToLower(h.Value)
	} else {
		for _, en := range a.Entities {
			if strings.EqualFold(en.Value, h.Value) && slices.Contains(r.GroupBy, string(en.Type)) {
				key = string(en.Type) + ":" + en.Value
				break
			}
		}
	}
	if key == "" {
		return nil
	}
	return []string{strings.Join(append(parts, key), "|")}
}

// annotateIndicators names in why the indicators the group's alerts
// matched, with how many alerts matched each.
func annotateIndicators(why *incident.Explanation, ms []groupAlert) {
	idx := map[uuid.UUID]int{}
	for _, m := range ms {
		for _, ind := range m.Indicators {
			if i, ok := idx[ind.ID]; ok {
				why.Indicators[i].Alerts++
				continue
			}
			idx[ind.ID] = len(why.Indicators)
			ind.Alerts = 1
			why.Indicators = append(why.Indicators, ind)
		}
	}
	if len(why.Indicators) == 0 {
		return
	}
	slices.SortFunc(why.Indicators, func(a, b incident.IndicatorRef) int {
		return strings.Compare(a.Type+":"+a.Value+a.ID.String(), b.Type+":"+b.Value+b.ID.String())
	})
	names := make([]string, 0, min(len(why.Indicators), 5))
	for _, ind := range why.Indicators[:min(len(why.Indicators), 5)] {
		names = append(names, fmt.Sprintf("%s %s (indicator %s, confidence %d, %d alerts)", ind.Type, ind.Value, ind.ID, ind.Confidence, ind.Alerts))
	}
	if more := len(why.Indicators) - len(names); more > 0 {
		names = append(names, fmt.Sprintf("%d more", more))
	}
	why.Summary += "; threat intel: " + strings.Join(names, ", ")
}
