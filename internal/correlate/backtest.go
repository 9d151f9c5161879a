package correlate

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Backtest bounds.
const (
	DefaultBacktestDays      = 7
	MaxBacktestDays          = 30
	DefaultBacktestAlerts    = 20000
	MaxBacktestAlerts        = 50000
	maxBacktestIncidents     = 200
	maxBacktestAlertIDs      = StormLinkCap
	backtestSuggestIncidents = 20
)

// BacktestRequest names the rule to run (a saved or shipped one by key, or
// a draft body) and how far back.
type BacktestRequest struct {
	RuleKey   string           `json:"rule_key,omitempty" maxLength:"64" doc:"A saved or shipped rule; or give rule"`
	Rule      *CorrelationRule `json:"rule,omitempty" doc:"A draft rule (same shape as a saved one); or give rule_key"`
	Days      int              `json:"days,omitempty" minimum:"0" maximum:"30" doc:"Event-time days back from now, 1 to 30 (default 7)"`
	MaxAlerts int              `json:"max_alerts,omitempty" minimum:"0" maximum:"50000" doc:"Alerts scanned at most, oldest first (default 20000)"`
}

// WouldOpen is one incident a backtested rule would have opened (for
// outcome propose: proposed; attach: attached to an open incident).
type WouldOpen struct {
	GroupKey    string               `json:"group_key"`
	Title       string               `json:"title"`
	Severity    string               `json:"severity"`
	AlertCount  int                  `json:"alert_count"`
	AlertIDs    []uuid.UUID          `json:"alert_ids" doc:"At most 1000 (the storm cap)"`
	FirstEvent  time.Time            `json:"first_event"`
	LastEvent   time.Time            `json:"last_event"`
	Explanation incident.Explanation `json:"explanation"`
}

// BacktestResult is what a rule would have done over the stored alerts.
// A backtest writes nothing.
type BacktestResult struct {
	Rule               CorrelationRule `json:"rule"`
	From               time.Time       `json:"from"`
	To                 time.Time       `json:"to"`
	Days               int             `json:"days"`
	MaxAlerts          int             `json:"max_alerts"`
	AlertsScanned      int             `json:"alerts_scanned"`
	AlertsMatched      int             `json:"alerts_matched" doc:"Alerts the condition matched and that had a group key"`
	Truncated          bool            `json:"truncated" doc:"The scan stopped at max_alerts (the oldest were scanned)"`
	Groups             int             `json:"groups"`
	GroupsBelowGates   int             `json:"groups_below_gates"`
	IncidentsTotal     int             `json:"incidents_total"`
	IncidentsTruncated bool            `json:"incidents_truncated" doc:"More than 200 incidents: the first 200 are listed"`
	Incidents          []WouldOpen     `json:"incidents"`
}

// simGroup is a group of the in-memory simulation.
type simGroup struct {
	g      group
	ms     []groupAlert
	maxSev alert.Severity
}

type simKey struct {
	key    string
	bucket int64
}

// simulate runs rule r over alerts (oldest first) the way the engine
// groups them, in memory: same keys, buckets, window and lateness (an
// alert received later than window + lateness after its event time is not
// grouped, as live). skip holds the over-common entities ("type:value")
// ignored for grouping.
//
// An intel_match rule runs over the alerts' stored threat-intel matches
// (hits, by alert) instead, like the live consumer of intel.matched.v1:
// each match joins the group of its indicator or matched entity, whatever
// its lateness (a retro-hunt finds past alerts), and a second indicator of
// an alert already in the group is only remembered for the explanation.
func simulate(r *CorrelationRule, alerts []alert.Alert, skip map[string]bool, hits map[uuid.UUID][]IntelHit) (groups []*simGroup, matched int) {
	cond, err := compile(r.Condition)
	if err != nil {
		return nil, 0
	}
	index := map[simKey][]*simGroup{}
	w := r.Window()
	place := func(a *alert.Alert, keys []string, ind *incident.IndicatorRef) bool {
		b := bucketOf(a.EventTime, w)
		var g *simGroup
		for _, k := range keys {
			for nb := b - 1; nb <= b+1; nb++ {
				for _, c := range index[simKey{k, nb}] {
					d := a.EventTime.Sub(c.g.FirstEvent)
					if d < 0 {
						d = -d
					}
					if d <= w && (g == nil || c.g.FirstEvent.Before(g.g.FirstEvent)) {
						g = c
					}
				}
			}
		}
		if g == nil {
			g = &simGroup{g: group{Rule: *r, Bucket: b, Key: keys[0], FirstEvent: a.EventTime.UTC(), LastEvent: a.EventTime.UTC(), skip: skip}}
			groups = append(groups, g)
		}
		for _, k := range keys {
			sk := simKey{k, g.g.Bucket}
			if !slices.Contains(index[sk], g) {
				index[sk] = append(index[sk], g)
			}
		}
		for i := range g.ms {
			if g.ms[i].ID == a.ID { // already in the group: a new indicator only
				if ind != nil && !slices.ContainsFunc(g.ms[i].Indicators, func(x incident.IndicatorRef) bool { return x.ID == ind.ID }) {
					g.ms[i].Indicators = append(g.ms[i].Indicators, *ind)
				}
				return false
			}
		}
		g.g.Count++
		if a.EventTime.Before(g.g.FirstEvent) {
			g.g.FirstEvent = a.EventTime.UTC()
		}
		if a.EventTime.After(g.g.LastEvent) {
			g.g.LastEvent = a.EventTime.UTC()
		}
		m := groupAlert{ID: a.ID, EventTime: a.EventTime.UTC(), Source: a.Source.Type, Tactics: strs(a.Tactics), Entities: entitiesOf(a)}
		if ind != nil {
			m.Indicators = []incident.IndicatorRef{*ind}
		}
		g.ms = append(g.ms, m)
		g.maxSev = max(g.maxSev, a.Severity)
		return true
	}
	for i := range alerts {
		a := &alerts[i]
		if r.Kind == KindIntelMatch {
			if a.Status == alert.StatusSuppressed || len(hits[a.ID]) == 0 || !cond.match(activation(a)) {
				continue
			}
			counted := false
			for _, h := range hits[a.ID] {
				keys := intelKeys(r, a, h)
				if len(keys) == 0 {
					continue
				}
				ref := incident.IndicatorRef{ID: h.IndicatorID, Type: h.Type, Value: h.Value, Confidence: h.Confidence}
				if place(a, keys, &ref) {
					counted = true
				}
			}
			if counted {
				matched++
			}
			continue
		}
		if a.ReceivedTime.Sub(a.EventTime) > w+r.Lateness() {
			continue
		}
		if !cond.match(activation(a)) {
			continue
		}
		keys := groupKeys(r, a, skip)
		if len(keys) == 0 {
			continue
		}
		matched++
		place(a, keys, nil)
	}
	for _, g := range groups {
		slices.SortStableFunc(g.ms, func(a, b groupAlert) int { return a.EventTime.Compare(b.EventTime) })
	}
	return groups, matched
}

// Backtest runs a rule (saved or draft) over the scope's stored alerts of
// the last req.Days days and lists the incidents it would have opened with
// their explanations. It only reads.
func (s *Rules) Backtest(ctx context.Context, scope tenant.Scope, req BacktestRequest, now time.Time) (*BacktestResult, error) {
	var fields []apperr.FieldError
	switch {
	case req.Days == 0:
		req.Days = DefaultBacktestDays
	case req.Days < 1 || req.Days > MaxBacktestDays:
		fields = append(fields, apperr.Field("body.days", "from 1 to 30"))
	}
	switch {
	case req.MaxAlerts == 0:
		req.MaxAlerts = DefaultBacktestAlerts
	case req.MaxAlerts < 1 || req.MaxAlerts > MaxBacktestAlerts:
		fields = append(fields, apperr.Field("body.max_alerts", "from 1 to 50000"))
	}
	if (req.RuleKey == "") == (req.Rule == nil) {
		fields = append(fields, apperr.Field("body.rule_key", "give rule_key (a saved rule) or rule (a draft), not both"))
	}
	if len(fields) > 0 {
		return nil, apperr.Validation("invalid backtest", fields...)
	}
	var rule CorrelationRule
	if req.Rule != nil {
		rule = *req.Rule
		if rule.Version == 0 {
			rule.Version = 1
		}
		if err := rule.Validate("body.rule."); err != nil {
			return nil, err
		}
	} else {
		r, err := s.Get(ctx, scope, req.RuleKey)
		if err != nil {
			return nil, err
		}
		rule = *r
	}
	if rule.Kind == KindIntelMatch && s.Intel == nil {
		return nil, apperr.Validation("invalid backtest", apperr.Field("body.rule.kind", "intel_match rules run over threat-intel matches, and this server has no intel module"))
	}
	return s.backtest(ctx, scope, rule, req.Days, req.MaxAlerts, maxBacktestIncidents, now)
}

func (s *Rules) backtest(ctx context.Context, scope tenant.Scope, rule CorrelationRule, days, maxAlerts, maxIncidents int, now time.Time) (*BacktestResult, error) {
	now = now.UTC()
	res := &BacktestResult{Rule: rule, To: now, From: now.Add(-time.Duration(days) * 24 * time.Hour), Days: days, MaxAlerts: maxAlerts, Incidents: []WouldOpen{}}
	var alerts []alert.Alert
	var skip map[string]bool
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if alerts, res.Truncated, err = s.Alerts.Window(ctx, scope, res.From, res.To, maxAlerts); err != nil {
			return fmt.Errorf("correlate: backtest alerts: %w", err)
		}
		skip, err = loadIgnored(ctx, tx, scope)
		return err
	})
	if err != nil {
		return nil, err
	}
	var hits map[uuid.UUID][]IntelHit
	if rule.Kind == KindIntelMatch {
		if hits, err = s.intelHits(ctx, scope, alerts); err != nil {
			return nil, err
		}
	}
	res.AlertsScanned = len(alerts)
	groups, matched := simulate(&rule, alerts, skip, hits)
	res.AlertsMatched, res.Groups = matched, len(groups)
	eng := &Engine{}
	for _, g := range groups {
		if !gatesPass(&rule, g.ms) {
			res.GroupsBelowGates++
			continue
		}
		res.IncidentsTotal++
		if len(res.Incidents) >= maxIncidents {
			res.IncidentsTruncated = true
			continue
		}
		why, err := eng.explain(ctx, nil, scope, &g.g, g.ms, nil)
		if err != nil {
			return nil, err
		}
		ids := make([]uuid.UUID, 0, min(len(g.ms), maxBacktestAlertIDs))
		for _, m := range g.ms[:min(len(g.ms), maxBacktestAlertIDs)] {
			ids = append(ids, m.ID)
		}
		sev := rule.Severity
		if sev == "" {
			sev = g.maxSev.String()
		}
		res.Incidents = append(res.Incidents, WouldOpen{GroupKey: g.g.Key, Title: rule.Name + ": " + readableKey(g.g.Key), Severity: sev,
			AlertCount: g.g.Count, AlertIDs: ids, FirstEvent: g.g.FirstEvent, LastEvent: g.g.LastEvent, Explanation: why})
	}
	return res, nil
}

// intelHits reads the stored threat-intel matches of alerts through the
// intel module's facade, by alert (matches marked false positive are left
// out: they feed no rule).
func (s *Rules) intelHits(ctx context.Context, scope tenant.Scope, alerts []alert.Alert) (map[uuid.UUID][]IntelHit, error) {
	ids := make([]uuid.UUID, len(alerts))
	for i := range alerts {
		ids[i] = alerts[i].ID
	}
	ms, err := s.Intel.MatchesOfAlerts(ctx, scope, ids)
	if err != nil {
		return nil, fmt.Errorf("correlate: backtest intel matches: %w", err)
	}
	out := map[uuid.UUID][]IntelHit{}
	for _, m := range ms {
		if m.FalsePositive {
			continue
		}
		out[m.AlertID] = append(out[m.AlertID], IntelHit{AlertID: m.AlertID, IndicatorID: m.IndicatorID, Type: string(m.Type), Value: m.Value})
	}
	return out, nil
}

// keyOf is the form entity keys take in skip sets.
func keyOf(e alert.Entity) string { return string(e.Type) + ":" + e.Value }
