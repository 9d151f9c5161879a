package correlate

import (
	"context"
	"database/sql"
	"encoding/binary"
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
// transaction (an event consumer's). Redelivery is harmless: an alert
// already in a group is not counted twice.
func (e *Engine) Process(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]Decision, error) {
	var out []Decision
	err := e.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := lockOrg(ctx, tx, scope); err != nil {
			return err
		}
		rules, err := loadRules(ctx, tx, scope)
		if err != nil {
			return err
		}
		skip, err := refreshIgnored(ctx, tx, scope, e.now())
		if err != nil {
			return err
		}
		alerts, err := e.Alerts.Summaries(ctx, scope, ids)
		if err != nil {
			return fmt.Errorf("correlate: read alerts: %w", err)
		}
		slices.SortFunc(alerts, func(a, b alert.Alert) int { return a.EventTime.Compare(b.EventTime) })
		touched := map[uuid.UUID]*group{}
		var order []*group
		now := e.now()
		suppressed, err := e.suppress(ctx, tx, scope, alerts, now)
		if err != nil {
			return err
		}
		for i := range alerts {
			a := &alerts[i]
			if suppressed[a.ID] {
				continue // suppressed alerts never open incidents
			}
			vars := activation(a)
			for _, r := range rules {
				if !r.Enabled || r.Kind == KindIntelMatch {
					continue
				}
				if now.Sub(a.EventTime) > r.Window()+r.Lateness() {
					continue // too late to group by this rule
				}
				cond, err := compile(r.Condition)
				if err != nil || !cond.match(vars) {
					continue
				}
				keys := groupKeys(&r, a, skip)
				if len(keys) == 0 {
					continue
				}
				g, err := e.join(ctx, tx, scope, r, keys, a, now, nil)
				if err != nil {
					return err
				}
				if g == nil {
					continue // already counted (redelivery)
				}
				if prev, ok := touched[g.ID]; ok {
					prev.added = append(prev.added, a.ID)
					prev.Count, prev.FirstEvent, prev.LastEvent, prev.Incident = g.Count, g.FirstEvent, g.LastEvent, g.Incident
					continue
				}
				g.added = []uuid.UUID{a.ID}
				g.skip = skip
				touched[g.ID] = g
				order = append(order, g)
			}
		}
		for _, g := range order {
			d, err := e.decide(ctx, tx, scope, g, now)
			if err != nil {
				return err
			}
			if d != nil {
				out = append(out, *d)
			}
		}
		return nil
	})
	return out, err
}

// lockOrg serializes the org's correlation passes on PostgreSQL (a
// transaction-scoped advisory lock, across replicas): one pass joins and
// locks several groups, created on the fly in the order of its alerts, and
// two concurrent passes over overlapping groups (batches sharing users and
// hosts) would otherwise deadlock and be retried with back-off. SQLite has
// one writer anyway.
func lockOrg(ctx context.Context, tx *db.Tx, scope tenant.Scope) error {
	if tx.Dialect != db.Postgres {
		return nil
	}
	o := scope.Org()
	key := int32(binary.BigEndian.Uint32(o[12:16])) //nolint:gosec // a hash of the org id
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, advisoryCorrelate, key); err != nil {
		return fmt.Errorf("correlate: lock org: %w", err)
	}
	return nil
}

// advisoryCorrelate is the class of correlation's advisory locks ("corr").
const advisoryCorrelate int32 = 0x636f7272

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

// join finds the group of rule r that one of keys belongs to around a's
// event time, or creates it, and records a in it (with the indicator it
// matched, for intel_match rules). It returns nil when a was already in
// the group (a new indicator of it is still recorded).
func (e *Engine) join(ctx context.Context, tx *db.Tx, scope tenant.Scope, r CorrelationRule, keys []string, a *alert.Alert, now time.Time, ind *incident.IndicatorRef) (*group, error) {
	org := scope.Org().String()
	b := bucketOf(a.EventTime, r.Window())
	var g *group
	for attempt := 0; g == nil && attempt < 3; attempt++ {
		found, err := e.find(ctx, tx, scope, r, keys, b, a.EventTime)
		if err != nil {
			return nil, err
		}
		if found != nil {
			g = found
			break
		}
		// Claim the first key for a new group; a concurrent replica that
		// claimed it first wins (primary key) and we join its group.
		id := uuid.Must(uuid.NewV7())
		if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_groups (id, org_id, rule_key, rule_version, bucket, group_key, first_event, last_event, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $8)`, id.String(), org, r.Key, r.Version, b, keys[0], a.EventTime.UTC(), now); err != nil {
			return nil, fmt.Errorf("correlate: new group: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO correlation_group_keys (org_id, rule_key, bucket, key, group_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			org, r.Key, b, keys[0], id.String())
		if err != nil {
			return nil, fmt.Errorf("correlate: claim key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM correlation_groups WHERE org_id = $1 AND id = $2`, org, id.String()); err != nil {
				return nil, fmt.Errorf("correlate: drop lost group: %w", err)
			}
			// Join the group owning the key in this bucket: claimed by a
			// concurrent pass, or one whose first event a late alert moved
			// more than a window before a (so find does not see it).
			owner := &group{}
			err := tx.QueryRowContext(ctx, `SELECT g.id, g.bucket, g.group_key, g.first_event FROM correlation_group_keys k
JOIN correlation_groups g ON g.id = k.group_id AND g.org_id = k.org_id
WHERE k.org_id = $1 AND k.rule_key = $2 AND k.bucket = $3 AND k.key = $4`, org, r.Key, b, keys[0]).Scan(&owner.ID, &owner.Bucket, &owner.Key, &owner.FirstEvent)
			if errors.Is(err, sql.ErrNoRows) {
				continue // its group went meanwhile: try again
			}
			if err != nil {
				return nil, fmt.Errorf("correlate: key owner: %w", err)
			}
			g = owner
			break
		}
		g = &group{ID: id, Rule: r, Bucket: b, Key: keys[0], FirstEvent: a.EventTime.UTC(), LastEvent: a.EventTime.UTC()}
	}
	if g == nil {
		return nil, errors.New("correlate: could not claim or find a group")
	}
	g.Rule = r
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_group_keys (org_id, rule_key, bucket, key, group_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			org, r.Key, g.Bucket, k, g.ID.String()); err != nil {
			return nil, fmt.Errorf("correlate: add key: %w", err)
		}
	}
	inds := []incident.IndicatorRef{}
	if ind != nil {
		inds = append(inds, *ind)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO correlation_group_alerts (org_id, group_id, alert_id, event_time, source_type, tactics, entities, indicators)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`, org, g.ID.String(), a.ID.String(), a.EventTime.UTC(), a.Source.Type,
		mustJSON(strs(a.Tactics)), mustJSON(entitiesOf(a)), mustJSON(inds))
	if err != nil {
		return nil, fmt.Errorf("correlate: record alert: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if ind != nil {
			return nil, addIndicator(ctx, tx, scope, g.ID, a.ID, *ind)
		}
		return nil, nil
	}
	lock := ""
	if tx.Dialect == db.Postgres {
		lock = " FOR UPDATE"
	}
	var inc sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT first_event, last_event, alert_count, incident_id FROM correlation_groups WHERE org_id = $1 AND id = $2`+lock,
		org, g.ID.String()).Scan(&g.FirstEvent, &g.LastEvent, &g.Count, &inc); err != nil {
		return nil, fmt.Errorf("correlate: lock group: %w", err)
	}
	g.Count++
	if a.EventTime.Before(g.FirstEvent) {
		g.FirstEvent = a.EventTime.UTC()
	}
	if a.EventTime.After(g.LastEvent) {
		g.LastEvent = a.EventTime.UTC()
	}
	if inc.Valid {
		u, err := uuid.Parse(inc.String)
		if err != nil {
			return nil, fmt.Errorf("correlate: group incident: %w", err)
		}
		g.Incident = &u
	}
	if _, err := tx.ExecContext(ctx, `UPDATE correlation_groups SET alert_count = $3, first_event = $4, last_event = $5, updated_at = $6 WHERE org_id = $1 AND id = $2`,
		org, g.ID.String(), g.Count, g.FirstEvent, g.LastEvent, now); err != nil {
		return nil, fmt.Errorf("correlate: update group: %w", err)
	}
	return g, nil
}

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

// find returns the group one of keys belongs to whose first event is
// within the window of t (buckets b-1, b, b+1), the earliest if several.
func (e *Engine) find(ctx context.Context, tx *db.Tx, scope tenant.Scope, r CorrelationRule, keys []string, b int64, t time.Time) (*group, error) {
	args := []any{scope.Org().String(), r.Key, b - 1, b + 1}
	ph := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	rs, err := tx.QueryContext(ctx, `SELECT g.id, g.bucket, g.group_key, g.first_event FROM correlation_group_keys k
JOIN correlation_groups g ON g.id = k.group_id AND g.org_id = k.org_id
WHERE k.org_id = $1 AND k.rule_key = $2 AND k.bucket BETWEEN $3 AND $4 AND k.key IN (`+strings.Join(ph, ", ")+`)
ORDER BY g.first_event, g.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("correlate: find group: %w", err)
	}
	defer func() { _ = rs.Close() }()
	for rs.Next() {
		g := &group{}
		if err := rs.Scan(&g.ID, &g.Bucket, &g.Key, &g.FirstEvent); err != nil {
			return nil, fmt.Errorf("correlate: scan group: %w", err)
		}
		d := t.Sub(g.FirstEvent)
		if d < 0 {
			d = -d
		}
		if d <= r.Window() {
			return g, rs.Err()
		}
	}
	return nil, rs.Err()
}

// members reads the alerts a group remembers, by event time.
func members(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group) ([]groupAlert, error) {
	rs, err := tx.QueryContext(ctx, `SELECT alert_id, event_time, source_type, tactics, entities, indicators FROM correlation_group_alerts
WHERE org_id = $1 AND group_id = $2 ORDER BY event_time, alert_id`, scope.Org().String(), g.ID.String())
	if err != nil {
		return nil, fmt.Errorf("correlate: group alerts: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var out []groupAlert
	for rs.Next() {
		var m groupAlert
		var tac, ents, inds string
		if err := rs.Scan(&m.ID, &m.EventTime, &m.Source, &tac, &ents, &inds); err != nil {
			return nil, fmt.Errorf("correlate: scan group alert: %w", err)
		}
		if err := errors.Join(json.Unmarshal([]byte(tac), &m.Tactics), json.Unmarshal([]byte(ents), &m.Entities),
			json.Unmarshal([]byte(inds), &m.Indicators)); err != nil {
			return nil, fmt.Errorf("correlate: decode group alert: %w", err)
		}
		out = append(out, m)
	}
	return out, rs.Err()
}

// decide applies a group's gates and outcome after this pass's alerts.
func (e *Engine) decide(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group, now time.Time) (*Decision, error) {
	r := g.Rule
	d := &Decision{Rule: r.Key, GroupKey: g.Key, GroupID: g.ID, Incident: g.Incident, Alerts: g.Count}
	if g.Incident != nil {
		// The group has its incident: attach (up to the storm cap).
		if g.Count-len(g.added) >= StormLinkCap {
			return d, e.saveExplanation(ctx, tx, scope, g, nil)
		}
		why, err := e.explain(ctx, tx, scope, g, nil)
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
	ms, err := members(ctx, tx, scope, g)
	if err != nil {
		return nil, err
	}
	if !gatesPass(&r, ms) {
		return d, nil
	}
	why, err := e.explain(ctx, tx, scope, g, ms)
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
		w, err := e.explain(ctx, tx, scope, g, []groupAlert{})
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
func (e *Engine) explain(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group, ms []groupAlert) (incident.Explanation, error) {
	if ms == nil {
		var err error
		if ms, err = members(ctx, tx, scope, g); err != nil {
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
