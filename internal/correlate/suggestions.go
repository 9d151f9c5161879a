package correlate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// ManualGroupings is the incident module's facade over incidents analysts
// grouped by hand (incident.Store.ManualGroupings).
type ManualGroupings interface {
	ManualGroupings(ctx context.Context, scope tenant.Scope, since time.Time) ([]incident.ManualGroup, error)
}

// Suggestion statuses.
const (
	SuggestionPending   = "pending"
	SuggestionAccepted  = "accepted"
	SuggestionDismissed = "dismissed"
)

// Mining bounds.
const (
	// MinSuggestionSupport is how many hand-grouped incidents must share a
	// value of one entity type (no rule grouping them) for a suggestion.
	MinSuggestionSupport = 3
	DefaultMineDays      = 30
	MaxMineDays          = 90
	suggestionBacktest   = 7 // days
	maxSuggestionExample = 10
)

// Suggestion is a correlation rule proposed from analysts' manual
// groupings, with its backtest, for an analyst to accept or dismiss.
type Suggestion struct {
	ID          uuid.UUID          `json:"id"`
	Fingerprint string             `json:"fingerprint" doc:"What the draft groups by (kind, group-by, window): one suggestion each"`
	Status      string             `json:"status" enum:"pending,accepted,dismissed"`
	Rule        CorrelationRule    `json:"rule" doc:"The draft rule accepting creates"`
	Support     int                `json:"support" doc:"Incidents analysts grouped by hand whose alerts share a value of the group-by type that no enabled rule groups"`
	Examples    []SuggestionSample `json:"examples" doc:"Up to 10 of those incidents"`
	Backtest    SuggestionBacktest `json:"backtest"`
	RuleKey     string             `json:"rule_key,omitempty" doc:"The rule created on accept"`
	DecidedBy   string             `json:"decided_by,omitempty"`
	DecidedAt   *time.Time         `json:"decided_at,omitempty"`
	Reason      string             `json:"reason,omitempty"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
}

// SuggestionSample is one hand-grouped incident behind a suggestion.
type SuggestionSample struct {
	IncidentID uuid.UUID `json:"incident_id"`
	Value      string    `json:"value" doc:"The shared entity value"`
	Alerts     int       `json:"alerts" doc:"Alerts of the incident carrying it"`
	SpanSecond int64     `json:"span_seconds" doc:"Event-time span of those alerts"`
}

// SuggestionBacktest summarizes the draft's backtest over the last days.
type SuggestionBacktest struct {
	Days           int         `json:"days"`
	AlertsScanned  int         `json:"alerts_scanned"`
	Truncated      bool        `json:"truncated"`
	IncidentsTotal int         `json:"incidents_total" doc:"Candidates the draft would have proposed"`
	Incidents      []WouldOpen `json:"incidents" doc:"The first few (alert ids left out)"`
}

// SuggestionV1 is the payload of the correlation_suggestion.*.v1 kinds.
type SuggestionV1 struct {
	SuggestionID uuid.UUID `json:"suggestion_id"`
	Fingerprint  string    `json:"fingerprint"`
	Status       string    `json:"status"`
	Support      int       `json:"support"`
	RuleKey      string    `json:"rule_key,omitempty"`
}

// The suggestion event kinds.
var (
	EventSuggestionProposed  = events.Register[SuggestionV1]("correlation_suggestion.proposed.v1", "Mining analysts' manual groupings proposed a new correlation rule (with its backtest).", rbac.IncidentsRead)
	EventSuggestionAccepted  = events.Register[SuggestionV1]("correlation_suggestion.accepted.v1", "An analyst accepted a suggested correlation rule: the rule was created.", rbac.IncidentsRead)
	EventSuggestionDismissed = events.Register[SuggestionV1]("correlation_suggestion.dismissed.v1", "An analyst dismissed a suggested correlation rule (with a reason); it is not proposed again.", rbac.IncidentsRead)
)

// Suggestions mines, lists and decides suggested rules.
type Suggestions struct {
	DB     *db.DB
	Rules  *Rules
	Manual ManualGroupings
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Suggestions) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// draft is one mined suggestion before it is stored.
type draft struct {
	typ      string
	window   time.Duration
	examples []SuggestionSample
}

// windows are the windows a suggestion may take: the smallest that holds
// the hand-grouped alerts' event-time spans.
var windows = []time.Duration{time.Hour, 4 * time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour}

// covered reports whether an enabled rule would group two or more alerts
// sharing a value of typ within span: a shared_entities rule grouping by
// it with no condition, no distinct gate, min_count at most n and a window
// of at least span.
func covered(rules []CorrelationRule, typ string, n int, span time.Duration) bool {
	return slices.ContainsFunc(rules, func(r CorrelationRule) bool {
		return r.Enabled && r.Kind == KindSharedEntities && slices.Contains(r.GroupBy, typ) && strings.TrimSpace(r.Condition) == "" &&
			r.MinDistinct == nil && r.MinCount <= n && r.Window() >= span
	})
}

// mine finds, per entity type, the hand-grouped incidents whose alerts
// (at least one linked by hand) share a value no enabled rule groups.
func mine(groups []incident.ManualGroup, rules []CorrelationRule) []draft {
	support := map[string][]SuggestionSample{}
	for _, g := range groups {
		type seen struct {
			n, manual     int
			first, latest time.Time
		}
		vals := map[alert.Entity]*seen{}
		for _, a := range g.Alerts {
			done := map[alert.Entity]bool{}
			for _, e := range a.Entities {
				k := alert.Entity{Type: e.Type, Value: e.Value}
				if e.Value == "" || done[k] || !isEntityType(string(e.Type)) {
					continue
				}
				done[k] = true
				v := vals[k]
				if v == nil {
					v = &seen{first: a.EventTime, latest: a.EventTime}
					vals[k] = v
				}
				v.n++
				if a.Manual {
					v.manual++
				}
				if a.EventTime.Before(v.first) {
					v.first = a.EventTime
				}
				if a.EventTime.After(v.latest) {
					v.latest = a.EventTime
				}
			}
		}
		best := map[string]SuggestionSample{} // one sample per type and incident
		for k, v := range vals {
			span := v.latest.Sub(v.first)
			if v.n < 2 || v.manual == 0 || span > windows[len(windows)-1] || covered(rules, string(k.Type), v.n, span) {
				continue
			}
			s := SuggestionSample{IncidentID: g.IncidentID, Value: k.Value, Alerts: v.n, SpanSecond: int64(span / time.Second)}
			if b, ok := best[string(k.Type)]; !ok || s.Alerts > b.Alerts || (s.Alerts == b.Alerts && s.Value < b.Value) {
				best[string(k.Type)] = s
			}
		}
		for t, s := range best {
			support[t] = append(support[t], s)
		}
	}
	var out []draft
	for t, ex := range support {
		if len(ex) < MinSuggestionSupport {
			continue
		}
		var span int64
		for _, e := range ex {
			span = max(span, e.SpanSecond)
		}
		w := windows[len(windows)-1]
		for _, c := range windows {
			if time.Duration(span)*time.Second <= c {
				w = c
				break
			}
		}
		slices.SortFunc(ex, func(a, b SuggestionSample) int { return strings.Compare(a.IncidentID.String(), b.IncidentID.String()) })
		out = append(out, draft{typ: t, window: w, examples: ex})
	}
	slices.SortFunc(out, func(a, b draft) int { return strings.Compare(a.typ, b.typ) })
	return out
}

// ruleOf is the draft rule of a mined suggestion: alerts sharing a value
// of the type within the window, two or more, proposed as candidates
// (an analyst still confirms each incident; the org may switch the outcome).
func (d draft) ruleOf(support int) CorrelationRule {
	name := strings.ReplaceAll(d.typ, "_", " ")
	return CorrelationRule{
		Key: "suggested-" + strings.ReplaceAll(d.typ, "_", "-"), Name: "Alerts sharing a " + name + " (suggested)", Enabled: true,
		Description: fmt.Sprintf("Suggested from %d incidents analysts grouped by hand whose alerts shared a %s within %s, which no enabled rule grouped.",
			support, name, d.window),
		Kind: KindSharedEntities, GroupBy: []string{d.typ}, WindowSeconds: int(d.window / time.Second),
		LatenessSeconds: int(min(d.window/4, MaxLateness) / time.Second), MinCount: 2, Outcome: OutcomePropose,
	}
}

// Mine proposes rules from the incidents analysts grouped by hand in the
// last days: per entity type whose shared values no enabled rule groups,
// in at least MinSuggestionSupport incidents, a draft rule with its
// backtest. A new suggestion is stored pending (audited, evented); a
// pending one is refreshed; an accepted or dismissed one is left as
// decided. It returns the pending suggestions it touched.
func (s *Suggestions) Mine(ctx context.Context, scope tenant.Scope, days int) ([]Suggestion, error) {
	if days == 0 {
		days = DefaultMineDays
	}
	if days < 1 || days > MaxMineDays {
		return nil, apperr.Validation("invalid mine", apperr.Field("body.days", fmt.Sprintf("from 1 to %d", MaxMineDays)))
	}
	now := s.now()
	groups, err := s.Manual.ManualGroupings(ctx, scope, now.AddDate(0, 0, -days))
	if err != nil {
		return nil, err
	}
	rules, err := s.Rules.List(ctx, scope)
	if err != nil {
		return nil, err
	}
	type mined struct {
		fp   string
		rule CorrelationRule
		d    draft
		bt   SuggestionBacktest
	}
	var ms []mined
	for _, d := range mine(groups, rules) {
		r := d.ruleOf(len(d.examples))
		res, err := s.Rules.backtest(ctx, scope, r, suggestionBacktest, DefaultBacktestAlerts, backtestSuggestIncidents, now)
		if err != nil {
			return nil, err
		}
		bt := SuggestionBacktest{Days: res.Days, AlertsScanned: res.AlertsScanned, Truncated: res.Truncated, IncidentsTotal: res.IncidentsTotal}
		for _, w := range res.Incidents[:min(len(res.Incidents), 5)] {
			w.AlertIDs = []uuid.UUID{}
			bt.Incidents = append(bt.Incidents, w)
		}
		if bt.Incidents == nil {
			bt.Incidents = []WouldOpen{}
		}
		ms = append(ms, mined{fp: fmt.Sprintf("%s:%s:%d", r.Kind, d.typ, r.WindowSeconds), rule: r, d: d, bt: bt})
	}
	out := []Suggestion{}
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		for _, m := range ms {
			ex := m.d.examples[:min(len(m.d.examples), maxSuggestionExample)]
			cur, err := loadSuggestion(ctx, tx, scope, `fingerprint = $2`, m.fp, true)
			switch {
			case apperr.Is(err, apperr.KindNotFound):
				sg := Suggestion{ID: uuid.Must(uuid.NewV7()), Fingerprint: m.fp, Status: SuggestionPending, Rule: m.rule, Support: len(m.d.examples),
					Examples: ex, Backtest: m.bt, CreatedAt: now, UpdatedAt: now}
				if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_suggestions (id, org_id, fingerprint, status, rule, support, examples, backtest, created_at, updated_at)
VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $8)`, sg.ID.String(), scope.Org().String(), m.fp, mustJSON(m.rule), sg.Support, mustJSON(ex), mustJSON(m.bt), now); err != nil {
					return fmt.Errorf("correlate: store suggestion: %w", err)
				}
				if err := recordSuggestion(ctx, tx, scope, "correlation.suggestion.propose", EventSuggestionProposed, sg); err != nil {
					return err
				}
				out = append(out, sg)
			case err != nil:
				return err
			case cur.Status == SuggestionPending:
				if _, err := tx.ExecContext(ctx, `UPDATE correlation_suggestions SET rule = $3, support = $4, examples = $5, backtest = $6, updated_at = $7
WHERE org_id = $1 AND id = $2`, scope.Org().String(), cur.ID.String(), mustJSON(m.rule), len(m.d.examples), mustJSON(ex), mustJSON(m.bt), now); err != nil {
					return fmt.Errorf("correlate: refresh suggestion: %w", err)
				}
				cur.Rule, cur.Support, cur.Examples, cur.Backtest, cur.UpdatedAt = m.rule, len(m.d.examples), ex, m.bt, now
				out = append(out, cur)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func recordSuggestion(ctx context.Context, tx *db.Tx, scope tenant.Scope, action string, def events.Def[SuggestionV1], sg Suggestion) error {
	p := SuggestionV1{SuggestionID: sg.ID, Fingerprint: sg.Fingerprint, Status: sg.Status, Support: sg.Support, RuleKey: sg.RuleKey}
	details, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("correlate: encode suggestion: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: action,
		TargetType: "correlation_suggestion", TargetID: sg.ID.String(), Details: details}); err != nil {
		return err
	}
	_, err = events.Append(ctx, tx, scope, def, events.Subject("correlation_suggestion", sg.ID), p)
	return err
}

const suggestionCols = `id, fingerprint, status, rule, support, examples, backtest, rule_key, decided_by, decided_at, reason, created_at, updated_at`

const suggestionCursor = "correlation-suggestions"

type rowScanner interface{ Scan(dest ...any) error }

func scanSuggestion(r rowScanner) (Suggestion, error) {
	var sg Suggestion
	var rule, ex, bt string
	var decided sql.NullTime
	if err := r.Scan(&sg.ID, &sg.Fingerprint, &sg.Status, &rule, &sg.Support, &ex, &bt, &sg.RuleKey, &sg.DecidedBy, &decided, &sg.Reason,
		&sg.CreatedAt, &sg.UpdatedAt); err != nil {
		return sg, err
	}
	if err := errors.Join(json.Unmarshal([]byte(rule), &sg.Rule), json.Unmarshal([]byte(ex), &sg.Examples), json.Unmarshal([]byte(bt), &sg.Backtest)); err != nil {
		return sg, fmt.Errorf("correlate: decode suggestion: %w", err)
	}
	if decided.Valid {
		t := decided.Time.UTC()
		sg.DecidedAt = &t
	}
	sg.CreatedAt, sg.UpdatedAt = sg.CreatedAt.UTC(), sg.UpdatedAt.UTC()
	if sg.Examples == nil {
		sg.Examples = []SuggestionSample{}
	}
	return sg, nil
}

// loadSuggestion reads one suggestion by a condition on $2.
func loadSuggestion(ctx context.Context, tx *db.Tx, scope tenant.Scope, where string, arg any, lock bool) (Suggestion, error) {
	q := `SELECT ` + suggestionCols + ` FROM correlation_suggestions WHERE org_id = $1 AND ` + where
	if lock && tx.Dialect == db.Postgres {
		q += " FOR UPDATE"
	}
	sg, err := scanSuggestion(tx.QueryRowContext(ctx, q, scope.Org().String(), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return sg, apperr.NotFound("rule suggestion")
	}
	if err != nil {
		return sg, fmt.Errorf("correlate: read suggestion: %w", err)
	}
	return sg, nil
}

// List returns the org's suggestions, newest first, optionally of one
// status, after the cursor.
func (s *Suggestions) List(ctx context.Context, scope tenant.Scope, status, after string, limit int) ([]Suggestion, string, error) {
	limit = page.Limit(limit, 50, 200)
	q := `SELECT ` + suggestionCols + ` FROM correlation_suggestions WHERE org_id = $1`
	args := []any{scope.Org().String()}
	if status != "" {
		args = append(args, status)
		q += fmt.Sprintf(" AND status = $%d", len(args))
	}
	if after != "" {
		c, err := page.Decode[idCursor](suggestionCursor, after)
		if err != nil {
			return nil, "", err
		}
		args = append(args, c.ID.String())
		q += fmt.Sprintf(" AND id < $%d", len(args))
	}
	args = append(args, limit+1)
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	out := []Suggestion{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("correlate: list suggestions: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			sg, err := scanSuggestion(rs)
			if err != nil {
				return err
			}
			out = append(out, sg)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, "", err
	}
	items, next := page.Trim(suggestionCursor, out, limit, func(sg Suggestion) idCursor { return idCursor{sg.ID} })
	return items, next, nil
}

// Get returns one suggestion.
func (s *Suggestions) Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Suggestion, error) {
	var sg Suggestion
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		sg, err = loadSuggestion(ctx, tx, scope, `id = $2`, id.String(), false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &sg, nil
}

// AcceptSuggestion says how to create the suggested rule.
type AcceptSuggestion struct {
	Key     string   `json:"key,omitempty" maxLength:"64" doc:"The new rule's key; default the draft's"`
	Name    string   `json:"name,omitempty" maxLength:"100" doc:"The new rule's name; default the draft's"`
	Enabled *bool    `json:"enabled,omitempty" doc:"Default true"`
	Outcome *Outcome `json:"outcome,omitempty" enum:"open_incident,attach,propose" doc:"Default the draft's (propose)"`
}

// Accept creates the suggested rule (validated like any; 409 rule_exists
// when its key is taken) and marks the suggestion accepted, in one
// transaction.
func (s *Suggestions) Accept(ctx context.Context, scope tenant.Scope, id uuid.UUID, in AcceptSuggestion) (*Suggestion, error) {
	var sg Suggestion
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if sg, err = loadSuggestion(ctx, tx, scope, `id = $2`, id.String(), true); err != nil {
			return err
		}
		if sg.Status != SuggestionPending {
			return apperr.Conflict("the suggestion was already " + sg.Status).WithCode("suggestion_decided")
		}
		r := sg.Rule
		if in.Key != "" {
			r.Key = in.Key
		}
		if in.Name != "" {
			r.Name = in.Name
		}
		if in.Enabled != nil {
			r.Enabled = *in.Enabled
		}
		if in.Outcome != nil {
			r.Outcome = *in.Outcome
		}
		if isShipped(r.Key) {
			return apperr.Validation("invalid accept", apperr.Field("body.key", "a shipped rule's key: choose another"))
		}
		if _, err := s.Rules.Put(ctx, scope, r, true); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE correlation_suggestions SET status = 'accepted', rule_key = $3, decided_by = $4, decided_at = $5, updated_at = $5
WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String(), r.Key, scope.Actor(), now); err != nil {
			return fmt.Errorf("correlate: accept suggestion: %w", err)
		}
		sg.Status, sg.RuleKey, sg.DecidedBy, sg.DecidedAt, sg.UpdatedAt = SuggestionAccepted, r.Key, scope.Actor(), &now, now
		return recordSuggestion(ctx, tx, scope, "correlation.suggestion.accept", EventSuggestionAccepted, sg)
	})
	if err != nil {
		return nil, err
	}
	return &sg, nil
}

// Dismiss records an analyst's dismissal with a reason; mining leaves a
// dismissed suggestion dismissed.
func (s *Suggestions) Dismiss(ctx context.Context, scope tenant.Scope, id uuid.UUID, reason string) (*Suggestion, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return nil, apperr.Validation("invalid dismiss", apperr.Field("body.reason", "say why (1 to 500 characters)"))
	}
	var sg Suggestion
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if sg, err = loadSuggestion(ctx, tx, scope, `id = $2`, id.String(), true); err != nil {
			return err
		}
		if sg.Status != SuggestionPending {
			return apperr.Conflict("the suggestion was already " + sg.Status).WithCode("suggestion_decided")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE correlation_suggestions SET status = 'dismissed', reason = $3, decided_by = $4, decided_at = $5, updated_at = $5
WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String(), reason, scope.Actor(), now); err != nil {
			return fmt.Errorf("correlate: dismiss suggestion: %w", err)
		}
		sg.Status, sg.Reason, sg.DecidedBy, sg.DecidedAt, sg.UpdatedAt = SuggestionDismissed, reason, scope.Actor(), &now, now
		return recordSuggestion(ctx, tx, scope, "correlation.suggestion.dismiss", EventSuggestionDismissed, sg)
	})
	if err != nil {
		return nil, err
	}
	return &sg, nil
}
