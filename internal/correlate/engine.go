package correlate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/tenant"
)

// AlertReader returns the scope's alerts among ids (the alert domain's
// facade, alerts.Store.Summaries).
type AlertReader interface {
	Summaries(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]alert.Alert, error)
	// Window returns up to limit alerts with event time in [from, to),
	// oldest first, and whether more were left out.
	Window(ctx context.Context, scope tenant.Scope, from, to time.Time, limit int) ([]alert.Alert, bool, error)
	// EntitiesOf returns the alerts' entities (correlation explains groups
	// from them and keeps no copy).
	EntitiesOf(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) (map[uuid.UUID][]alert.Entity, error)
	// Suppress sets the alerts' status to suppressed with a reason, in the
	// caller's transaction.
	Suppress(ctx context.Context, scope tenant.Scope, ids []uuid.UUID, reason string) (int, error)
}

// Incidents is the incident module's facade the engine writes through.
type Incidents interface {
	OpenCorrelated(ctx context.Context, scope tenant.Scope, g incident.GroupIncident) (uuid.UUID, error)
	AttachCorrelated(ctx context.Context, scope tenant.Scope, id uuid.UUID, alerts []uuid.UUID, why incident.Explanation) (uuid.UUID, bool, error)
	OpenIncidentHolding(ctx context.Context, scope tenant.Scope, alerts []uuid.UUID) (*uuid.UUID, error)
}

// StormLinkCap bounds how many alerts of one group are linked to its
// incident one by one; beyond it the group only counts them (the storm
// guardrail: one incident with a counter, not ten thousand links).
const StormLinkCap = 1000

// Engine correlates alerts.
type Engine struct {
	DB        *db.DB
	Alerts    AlertReader
	Incidents Incidents
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Suggestions is the suggested-rule store the module registered (nil
	// without the incident facade), for commands and tests.
	Suggestions *Suggestions
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

// Decision is what correlation did with one group in one pass.
type Decision struct {
	Rule     string     `json:"rule"`
	GroupKey string     `json:"group_key"`
	GroupID  uuid.UUID  `json:"group_id"`
	Incident *uuid.UUID `json:"incident_id,omitempty"`
	Opened   bool       `json:"opened"`
	// Candidate is the incident candidate the group proposed (outcome
	// propose).
	Candidate *uuid.UUID `json:"candidate_id,omitempty"`
	Alerts    int        `json:"alerts"`
}

// group is one grouping state row.
type group struct {
	ID         uuid.UUID
	Rule       CorrelationRule
	Bucket     int64
	Key        string
	FirstEvent time.Time
	LastEvent  time.Time
	Count      int
	Incident   *uuid.UUID
	added      []uuid.UUID     // alerts this pass added
	isNew      bool            // created by this pass
	skip       map[string]bool // over-common entities ignored in this pass
}

// groupAlert is an alert as a group remembers it (gates, explanation).
type groupAlert struct {
	ID        uuid.UUID
	EventTime time.Time
	Source    string
	Tactics   []string
	Entities  []alert.Entity
	// Indicators are the threat-intel indicators it matched (intel_match).
	Indicators []incident.IndicatorRef
}

// Process correlates the scope's alerts ids inside the caller's
// transaction (an event consumer's) as one pass (pass.go): the batch's
// grouping state is loaded with a few set-based queries after claiming its
// group keys, decided in memory and written with multi-row statements.
// Redelivery is harmless: an alert already in a group is not counted twice.
func (e *Engine) Process(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]Decision, error) {
	var out []Decision
	err := e.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rules, err := loadRules(ctx, tx, scope)
		if err != nil {
			return err
		}
		now := e.now()
		skip, err := refreshIgnored(ctx, tx, scope, now, e.Alerts)
		if err != nil {
			return err
		}
		alerts, err := e.Alerts.Summaries(ctx, scope, ids)
		if err != nil {
			return fmt.Errorf("correlate: read alerts: %w", err)
		}
		slices.SortStableFunc(alerts, func(a, b alert.Alert) int { return a.EventTime.Compare(b.EventTime) })
		suppressed, err := e.suppress(ctx, tx, scope, alerts, now)
		if err != nil {
			return err
		}
		var items []item
		for i := range alerts {
			a := &alerts[i]
			if suppressed[a.ID] {
				continue // suppressed alerts never open incidents
			}
			var vars map[string]any
			for ri := range rules {
				r := &rules[ri]
				if !r.Enabled || r.Kind == KindIntelMatch {
					continue
				}
				if now.Sub(a.EventTime) > r.Window()+r.Lateness() {
					continue // too late to group by this rule
				}
				if vars == nil {
					vars = activation(a)
				}
				cond, err := compile(r.Condition)
				if err != nil || !cond.match(vars) {
					continue
				}
				if keys := groupKeys(r, a, skip); len(keys) > 0 {
					items = append(items, item{a: a, r: r, keys: keys})
				}
			}
		}
		out, err = e.apply(ctx, tx, scope, items, skip, now)
		return err
	})
	return out, err
}

// groupKeys returns an alert's keys under rule r: one per entity value of
// the group-by entity types, each prefixed by the values of the non-entity
// fields (source_type, rule_id); just those values when the rule groups by
// no entity type.
//
// Entities in skip ("type:value", the over-common ones) give no key.
func groupKeys(r *CorrelationRule, a *alert.Alert, skip map[string]bool) []string {
	var prefix []string
	var types []string
	for _, g := range r.GroupBy {
		switch g {
		case FieldSource:
			prefix = append(prefix, "source_type="+a.Source.Type)
		case FieldRule:
			if a.Rule.ID == "" {
				return nil
			}
			prefix = append(prefix, "rule_id="+a.Rule.ID)
		default:
			types = append(types, g)
		}
	}
	p := strings.Join(prefix, "|")
	if len(types) == 0 {
		return []string{p}
	}
	var keys []string
	for _, ent := range a.Entities {
		if slices.Contains(types, string(ent.Type)) && ent.Value != "" && !skip[keyOf(ent)] {
			k := string(ent.Type) + ":" + ent.Value
			if p != "" {
				k = p + "|" + k
			}
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func bucketOf(t time.Time, w time.Duration) int64 { return t.Unix() / int64(w/time.Second) }

func entitiesOf(a *alert.Alert) []alert.Entity {
	if a.Entities == nil {
		return []alert.Entity{}
	}
	return a.Entities
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// memberRows reads the alerts a group remembers, by event time, without
// their entities.
func memberRows(ctx context.Context, tx *db.Tx, scope tenant.Scope, groupID uuid.UUID) ([]groupAlert, error) {
	rs, err := tx.QueryContext(ctx, `SELECT alert_id, event_time, source_type, tactics, indicators FROM correlation_group_alerts
WHERE org_id = $1 AND group_id = $2 ORDER BY event_time, alert_id`, scope.Org().String(), groupID.String())
	if err != nil {
		return nil, fmt.Errorf("correlate: group alerts: %w", err)
	}
	defer func() { _ = rs.Close() }()
	out := []groupAlert{}
	for rs.Next() {
		var m groupAlert
		var tac, inds string
		if err := rs.Scan(&m.ID, &m.EventTime, &m.Source, &tac, &inds); err != nil {
			return nil, fmt.Errorf("correlate: scan group alert: %w", err)
		}
		if err := errors.Join(json.Unmarshal([]byte(tac), &m.Tactics), json.Unmarshal([]byte(inds), &m.Indicators)); err != nil {
			return nil, fmt.Errorf("correlate: decode group alert: %w", err)
		}
		m.EventTime = m.EventTime.UTC()
		out = append(out, m)
	}
	return out, rs.Err()
}

// members reads the alerts a group remembers, by event time, with their
// entities: those of the pass's own alerts from memory, the others through
// the alert facade (correlation keeps no copy of them). An alert gone from
// the store (retention) keeps its place with no entities.
func (e *Engine) members(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group, st *passState) ([]groupAlert, error) {
	ms, err := memberRows(ctx, tx, scope, g.ID)
	if err != nil {
		return nil, err
	}
	var missing []uuid.UUID
	for i := range ms {
		if a := st.batch[ms[i].ID]; a != nil {
			ms[i].Entities = entitiesOf(a)
		} else {
			missing = append(missing, ms[i].ID)
		}
	}
	if len(missing) > 0 {
		ents, err := e.Alerts.EntitiesOf(ctx, scope, missing)
		if err != nil {
			return nil, fmt.Errorf("correlate: member entities: %w", err)
		}
		for i := range ms {
			if ms[i].Entities == nil {
				ms[i].Entities = ents[ms[i].ID]
			}
		}
	}
	return ms, nil
}

// decide applies a group's gates and outcome after this pass's alerts.
func (e *Engine) decide(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group, now time.Time, st *passState) (*Decision, error) {
	r := g.Rule
	d := &Decision{Rule: r.Key, GroupKey: g.Key, GroupID: g.ID, Incident: g.Incident, Alerts: g.Count}
	if g.Incident != nil {
		// The group has its incident: attach (up to the storm cap).
		if g.Count-len(g.added) >= StormLinkCap {
			return d, e.saveExplanation(ctx, tx, scope, g, nil)
		}
		why, err := e.explain(ctx, tx, scope, g, nil, st)
		if err != nil {
			return nil, err
		}
		id, open, err := e.Incidents.AttachCorrelated(ctx, scope, *g.Incident, g.added, why)
		if err != nil {
			return nil, err
		}
		if open {
			d.Incident = &id
			return d, e.setIncident(ctx, tx, scope, g, id, why)
		}
		// Its incident was closed: a new one opens below if the gates hold.
		g.Incident = nil
	}
	if g.Count < r.MinCount {
		return d, nil
	}
	ms, err := e.members(ctx, tx, scope, g, st)
	if err != nil {
		return nil, err
	}
	if !gatesPass(&r, ms) {
		return d, nil
	}
	why, err := e.explain(ctx, tx, scope, g, ms, st)
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, 0, min(len(ms), StormLinkCap))
	for _, m := range ms[:min(len(ms), StormLinkCap)] {
		ids = append(ids, m.ID)
	}
	// Alerts of the group already in an open incident: adopt it.
	held, err := e.Incidents.OpenIncidentHolding(ctx, scope, ids)
	if err != nil {
		return nil, err
	}
	if held != nil {
		id, open, err := e.Incidents.AttachCorrelated(ctx, scope, *held, ids, why)
		if err != nil {
			return nil, err
		}
		if open {
			d.Incident = &id
			return d, e.setIncident(ctx, tx, scope, g, id, why)
		}
	}
	switch r.Outcome {
	case OutcomeAttach:
		return d, e.saveExplanation(ctx, tx, scope, g, &why)
	case OutcomePropose:
		d.Candidate, err = e.propose(ctx, tx, scope, g, ms, why, now)
		return d, err
	}
	id, err := e.Incidents.OpenCorrelated(ctx, scope, incident.GroupIncident{Title: r.Name + ": " + readableKey(g.Key), Severity: r.Severity, Alerts: ids, Why: why})
	if err != nil {
		return nil, err
	}
	d.Incident, d.Opened = &id, true
	return d, e.setIncident(ctx, tx, scope, g, id, why)
}

func readableKey(k string) string { return strings.ReplaceAll(k, "|", ", ") }

func (e *Engine) setIncident(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group, id uuid.UUID, why incident.Explanation) error {
	g.Incident = &id
	if _, err := tx.ExecContext(ctx, `UPDATE correlation_groups SET incident_id = $3, explanation = $4 WHERE org_id = $1 AND id = $2`,
		scope.Org().String(), g.ID.String(), id.String(), mustJSON(why)); err != nil {
		return fmt.Errorf("correlate: set group incident: %w", err)
	}
	return nil
}

func (e *Engine) saveExplanation(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group, why *incident.Explanation) error {
	if why == nil {
		w, err := e.explain(ctx, tx, scope, g, []groupAlert{}, nil)
		if err != nil {
			return err
		}
		why = &w
	}
	if _, err := tx.ExecContext(ctx, `UPDATE correlation_groups SET explanation = $3 WHERE org_id = $1 AND id = $2`,
		scope.Org().String(), g.ID.String(), mustJSON(why)); err != nil {
		return fmt.Errorf("correlate: save explanation: %w", err)
	}
	return nil
}

// gatesPass applies the distinct-cardinality and progression gates.
func gatesPass(r *CorrelationRule, ms []groupAlert) bool {
	if len(ms) < r.MinCount {
		return false
	}
	if d := r.MinDistinct; d != nil && distinct(ms, d.Field) < d.Count {
		return false
	}
	if r.Kind == KindProgression && progression(ms) < r.MinTactics {
		return false
	}
	return true
}

func distinct(ms []groupAlert, field string) int {
	seen := map[string]bool{}
	for _, m := range ms {
		switch field {
		case FieldSource:
			seen[m.Source] = true
		default:
			for _, e := range m.Entities {
				if string(e.Type) == field {
					seen[e.Value] = true
				}
			}
		}
	}
	return len(seen)
}

// progression is the longest chain of alerts, in event-time order, whose
// kill-chain stages strictly increase (each alert contributing one of its
// tactics).
func progression(ms []groupAlert) int {
	// best[s] = longest chain ending at stage s so far.
	best := make([]int, len(incident.KillChain))
	longest := 0
	for _, m := range ms {
		stages := []int{}
		for _, t := range m.Tactics {
			if s := incident.TacticStage(t); s >= 0 {
				stages = append(stages, s)
			}
		}
		sort.Ints(stages)
		update := make([]int, len(best))
		copy(update, best)
		for _, s := range stages {
			prev := 0
			for p := 0; p < s; p++ {
				prev = max(prev, best[p])
			}
			update[s] = max(update[s], prev+1)
			longest = max(longest, update[s])
		}
		best = update
	}
	return longest
}

// explain builds the group's "why grouped" (ms nil: read them).
func (e *Engine) explain(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group, ms []groupAlert, st *passState) (incident.Explanation, error) {
	if ms == nil {
		var err error
		if ms, err = e.members(ctx, tx, scope, g, st); err != nil {
			return incident.Explanation{}, err
		}
	}
	r := g.Rule
	keyed := map[string]bool{}
	for _, f := range r.GroupBy {
		keyed[f] = true
	}
	counts := map[alert.Entity]int{}
	for _, m := range ms {
		seen := map[alert.Entity]bool{}
		for _, en := range m.Entities {
			k := alert.Entity{Type: en.Type, Value: en.Value}
			if keyed[string(en.Type)] && !seen[k] {
				counts[k]++
				seen[k] = true
			}
		}
	}
	// Shared: on at least two of the group's alerts (an entity of one
	// alert only, or of a one-alert group, is not shared).
	var shared []alert.Entity
	for en, n := range counts {
		if n >= 2 {
			shared = append(shared, en)
		}
	}
	slices.SortFunc(shared, func(a, b alert.Entity) int {
		return strings.Compare(string(a.Type)+":"+a.Value, string(b.Type)+":"+b.Value)
	})
	parts := []incident.ScorePart{{Name: "alerts", Weight: 0.5, Value: min(1, float64(g.Count)/float64(max(1, 2*r.MinCount)))}}
	if len(shared) > 0 {
		parts = append(parts, incident.ScorePart{Name: "shared_entities", Weight: 0.3, Value: min(1, float64(len(shared))/2)})
	}
	sources := distinct(ms, FieldSource)
	parts = append(parts, incident.ScorePart{Name: "distinct_sources", Weight: 0.2, Value: min(1, float64(sources)/3)})
	if r.Kind == KindProgression {
		parts = append(parts, incident.ScorePart{Name: "kill_chain_stages", Weight: 0.3, Value: min(1, float64(progression(ms))/4)})
	}
	score, total := 0.0, 0.0
	for _, p := range parts {
		score += p.Weight * p.Value
		total += p.Weight
	}
	names := make([]string, len(shared))
	for i, en := range shared {
		names[i] = string(en.Type) + ":" + en.Value
	}
	summary := fmt.Sprintf("%d alerts from %d sources within %s grouped by rule %s v%d on %s", g.Count, sources, r.Window(), r.Key, r.Version, readableKey(g.Key))
	if len(names) > 0 {
		summary += "; shared: " + strings.Join(names, ", ")
	}
	if g.Count > StormLinkCap {
		summary += fmt.Sprintf("; storm: %d alerts, the first %d linked", g.Count, StormLinkCap)
	}
	why := incident.Explanation{
		Rule: r.Key, RuleVersion: r.Version, GroupKey: g.Key, SharedEntities: shared,
		WindowStart: g.FirstEvent, WindowEnd: g.FirstEvent.Add(r.Window()),
		Score: roundTo(score/total, 3), ScoreParts: parts, Summary: summary,
	}
	annotateIgnored(&why, ms, &r, g.skip)
	annotateIndicators(&why, ms)
	return why, nil
}

func roundTo(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
