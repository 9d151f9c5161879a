package correlate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Suppression bounds.
const (
	MaxSuppressionLife = 366 * 24 * time.Hour
	MaxOrgSuppressions = 500
	previewDays        = 30
)

// EntityRef names an entity by type and value.
type EntityRef struct {
	Type  string `json:"type" maxLength:"32"`
	Value string `json:"value" minLength:"1" maxLength:"600"`
}

// SuppressionFilter matches alerts by fields; every field given must
// match (entities: any of them).
type SuppressionFilter struct {
	SourceTypes   []string    `json:"source_types,omitempty" maxItems:"20"`
	RuleIDs       []string    `json:"rule_ids,omitempty" maxItems:"50" doc:"Detection rule ids"`
	TitleContains string      `json:"title_contains,omitempty" maxLength:"200" doc:"Case-insensitive substring of the title"`
	MaxSeverity   string      `json:"max_severity,omitempty" enum:"informational,low,medium,high,critical" doc:"Only alerts at most this severe"`
	Entities      []EntityRef `json:"entities,omitempty" maxItems:"100" doc:"The alert has any of these entities"`
}

func (f *SuppressionFilter) empty() bool {
	return len(f.SourceTypes) == 0 && len(f.RuleIDs) == 0 && f.TitleContains == "" && f.MaxSeverity == "" && len(f.Entities) == 0
}

// SuppressionInput is what an analyst sets on a suppression or
// maintenance window.
type SuppressionInput struct {
	Name        string            `json:"name" minLength:"1" maxLength:"100"`
	Reason      string            `json:"reason" minLength:"1" maxLength:"1000"`
	Owner       *uuid.UUID        `json:"owner,omitempty" doc:"An org member answerable for it; default the caller"`
	Enabled     *bool             `json:"enabled,omitempty" doc:"Default true"`
	Filter      SuppressionFilter `json:"filter,omitempty"`
	Condition   string            `json:"condition,omitempty" maxLength:"4000" doc:"CEL over alert, as in rules; with a filter both must match"`
	ExpiresAt   time.Time         `json:"expires_at" doc:"Required, in the future, at most a year ahead"`
	WindowStart *time.Time        `json:"window_start,omitempty" doc:"Maintenance window: only alerts with event time from here"`
	WindowEnd   *time.Time        `json:"window_end,omitempty" doc:"Maintenance window: only alerts with event time before here"`
}

// Suppression is a stored suppression.
type Suppression struct {
	ID uuid.UUID `json:"id"`
	SuppressionInput
	Active    bool       `json:"active" doc:"Enabled, not expired, and its window (if any) not over"`
	CreatedBy string     `json:"created_by"`
	Hits      int64      `json:"hits" doc:"Alerts it suppressed"`
	LastHitAt *time.Time `json:"last_hit_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// validate checks in, naming fields under prefix ("body.").
func (in *SuppressionInput) validate(prefix string, now time.Time) error {
	var fields []apperr.FieldError
	bad := func(name, msg string) { fields = append(fields, apperr.Field(prefix+name, msg)) }
	in.Name, in.Reason = strings.TrimSpace(in.Name), strings.TrimSpace(in.Reason)
	if in.Name == "" || len(in.Name) > 100 {
		bad("name", "1 to 100 characters")
	}
	if in.Reason == "" || len(in.Reason) > 1000 {
		bad("reason", "say why alerts are suppressed (1 to 1000 characters)")
	}
	if in.Filter.empty() && strings.TrimSpace(in.Condition) == "" {
		bad("filter", "give a filter or a condition (or both)")
	}
	if s := in.Filter.MaxSeverity; s != "" {
		if _, ok := alert.ParseSeverity(s); !ok {
			bad("filter.max_severity", "one of informational, low, medium, high, critical")
		}
	}
	for i, e := range in.Filter.Entities {
		if !isEntityType(e.Type) {
			bad(fmt.Sprintf("filter.entities[%d].type", i), "an entity type ("+joinTypes()+")")
		}
		if strings.TrimSpace(e.Value) == "" {
			bad(fmt.Sprintf("filter.entities[%d].value", i), "a value")
		}
	}
	if _, err := compile(in.Condition); err != nil {
		var ce *conditionError
		if !asCondition(err, &ce) {
			return fmt.Errorf("correlate: compile suppression: %w", err)
		}
		bad("condition", ce.Error())
	}
	switch {
	case in.ExpiresAt.IsZero():
		bad("expires_at", "required: every suppression expires")
	case !in.ExpiresAt.After(now):
		bad("expires_at", "must be in the future")
	case in.ExpiresAt.Sub(now) > MaxSuppressionLife:
		bad("expires_at", "at most a year ahead")
	}
	if in.WindowStart != nil && in.WindowEnd != nil && !in.WindowEnd.After(*in.WindowStart) {
		bad("window_end", "must be after window_start")
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid suppression", fields...)
	}
	return nil
}

// matcher is a compiled suppression.
type matcher struct {
	s        Suppression
	cond     *condition
	maxSev   alert.Severity
	entities map[string]bool
}

func newMatcher(s Suppression) (*matcher, error) {
	c, err := compile(s.Condition)
	if err != nil {
		return nil, err
	}
	m := &matcher{s: s, cond: c, maxSev: alert.SeverityCritical, entities: map[string]bool{}}
	if v, ok := alert.ParseSeverity(s.Filter.MaxSeverity); ok {
		m.maxSev = v
	}
	for _, e := range s.Filter.Entities {
		m.entities[e.Type+":"+strings.ToLower(e.Value)] = true
	}
	return m, nil
}

// match reports whether a is suppressed (vars: its CEL activation, built
// lazily).
func (m *matcher) match(a *alert.Alert, vars func() map[string]any) bool {
	f := &m.s.Filter
	if m.s.WindowStart != nil && a.EventTime.Before(*m.s.WindowStart) || m.s.WindowEnd != nil && !a.EventTime.Before(*m.s.WindowEnd) {
		return false
	}
	if len(f.SourceTypes) > 0 && !slices.Contains(f.SourceTypes, a.Source.Type) {
		return false
	}
	if len(f.RuleIDs) > 0 && !slices.Contains(f.RuleIDs, a.Rule.ID) {
		return false
	}
	if f.TitleContains != "" && !strings.Contains(strings.ToLower(a.Title), strings.ToLower(f.TitleContains)) {
		return false
	}
	if a.Severity > m.maxSev {
		return false
	}
	if len(m.entities) > 0 && !slices.ContainsFunc(a.Entities, func(e alert.Entity) bool { return m.entities[string(e.Type)+":"+strings.ToLower(e.Value)] }) {
		return false
	}
	return m.cond == nil || m.cond.match(vars())
}

// SuppressionV1 is the payload of the suppression.*.v1 kinds.
type SuppressionV1 struct {
	SuppressionID uuid.UUID `json:"suppression_id"`
	Name          string    `json:"name"`
}

// The suppression event kinds.
var (
	EventSuppressionCreated = events.Register[SuppressionV1]("suppression.created.v1", "A suppression or maintenance window was created.", rbac.IncidentsRead)
	EventSuppressionUpdated = events.Register[SuppressionV1]("suppression.updated.v1", "A suppression or maintenance window was changed.", rbac.IncidentsRead)
	EventSuppressionDeleted = events.Register[SuppressionV1]("suppression.deleted.v1", "A suppression or maintenance window was deleted.", rbac.IncidentsRead)
)

// Suppressions is the suppression store.
type Suppressions struct {
	DB      *db.DB
	Alerts  AlertReader
	Members Members
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Members tells whether a user is a member of the scope's org.
type Members interface {
	IsMember(ctx context.Context, scope tenant.Scope, user uuid.UUID) (bool, error)
}

func (s *Suppressions) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

const suppressionCols = `id, name, reason, owner, created_by, enabled, filter, condition, expires_at, window_start, window_end, hits, last_hit_at, created_at, updated_at`

func scanSuppression(sc interface{ Scan(...any) error }, now time.Time) (Suppression, error) {
	var s Suppression
	var owner sql.NullString
	var filter string
	var enabled bool
	var ws, we, hit sql.NullTime
	if err := sc.Scan(&s.ID, &s.Name, &s.Reason, &owner, &s.CreatedBy, &enabled, &filter, &s.Condition, &s.ExpiresAt, &ws, &we, &s.Hits, &hit,
		&s.CreatedAt, &s.UpdatedAt); err != nil {
		return s, fmt.Errorf("correlate: scan suppression: %w", err)
	}
	if err := json.Unmarshal([]byte(filter), &s.Filter); err != nil {
		return s, fmt.Errorf("correlate: decode suppression filter: %w", err)
	}
	if owner.Valid {
		u, err := uuid.Parse(owner.String)
		if err != nil {
			return s, fmt.Errorf("correlate: suppression owner: %w", err)
		}
		s.Owner = &u
	}
	s.Enabled = &enabled
	tp := func(n sql.NullTime) *time.Time {
		if !n.Valid {
			return nil
		}
		t := n.Time.UTC()
		return &t
	}
	s.WindowStart, s.WindowEnd, s.LastHitAt = tp(ws), tp(we), tp(hit)
	s.ExpiresAt, s.CreatedAt, s.UpdatedAt = s.ExpiresAt.UTC(), s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.Active = enabled && now.Before(s.ExpiresAt) && (s.WindowEnd == nil || now.Before(*s.WindowEnd))
	return s, nil
}

// activeSuppressions returns the org's enabled, unexpired suppressions.
func activeSuppressions(ctx context.Context, tx *db.Tx, scope tenant.Scope, now time.Time) ([]*matcher, error) {
	rs, err := tx.QueryContext(ctx, `SELECT `+suppressionCols+` FROM correlation_suppressions WHERE org_id = $1 AND enabled AND expires_at > $2 ORDER BY id`,
		scope.Org().String(), now)
	if err != nil {
		return nil, fmt.Errorf("correlate: load suppressions: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var out []*matcher
	for rs.Next() {
		s, err := scanSuppression(rs, now)
		if err != nil {
			return nil, err
		}
		m, err := newMatcher(s)
		if err != nil {
			continue // stored conditions were valid when saved
		}
		out = append(out, m)
	}
	return out, rs.Err()
}

// suppress sets the status of the alerts the suppressions match to
// suppressed (in the caller's transaction) and counts the hits. It returns
// the ids of the alerts correlation must leave out: those it suppressed
// and those already suppressed.
func (e *Engine) suppress(ctx context.Context, tx *db.Tx, scope tenant.Scope, alerts []alert.Alert, now time.Time) (map[uuid.UUID]bool, error) {
	out := map[uuid.UUID]bool{}
	var ms []*matcher
	loaded := false
	byMatcher := map[*matcher][]uuid.UUID{}
	var order []*matcher
	for i := range alerts {
		a := &alerts[i]
		if a.Status == alert.StatusSuppressed {
			out[a.ID] = true
			continue
		}
		if a.Status != alert.StatusNew {
			continue // an analyst already worked it
		}
		if !loaded {
			var err error
			if ms, err = activeSuppressions(ctx, tx, scope, now); err != nil {
				return nil, err
			}
			loaded = true
		}
		if len(ms) == 0 {
			continue
		}
		var vars map[string]any
		lazy := func() map[string]any {
			if vars == nil {
				vars = activation(a)
			}
			return vars
		}
		for _, m := range ms {
			if m.match(a, lazy) {
				if _, ok := byMatcher[m]; !ok {
					order = append(order, m)
				}
				byMatcher[m] = append(byMatcher[m], a.ID)
				out[a.ID] = true
				break
			}
		}
	}
	for _, m := range order {
		ids := byMatcher[m]
		if _, err := e.Alerts.Suppress(ctx, scope, ids, "suppressed by "+m.s.Name+": "+m.s.Reason); err != nil {
			return nil, fmt.Errorf("correlate: suppress alerts: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE correlation_suppressions SET hits = hits + $3, last_hit_at = $4 WHERE org_id = $1 AND id = $2`,
			scope.Org().String(), m.s.ID.String(), len(ids), now); err != nil {
			return nil, fmt.Errorf("correlate: count suppression hits: %w", err)
		}
	}
	return out, nil
}

const suppressionCursor = "correlation-suppressions"

// List returns the scope's suppressions (newest first); active filters on
// whether they are in force now.
func (s *Suppressions) List(ctx context.Context, scope tenant.Scope, active *bool, after string, limit int) ([]Suppression, string, error) {
	limit = page.Limit(limit, 50, 200)
	now := s.now()
	q := `SELECT ` + suppressionCols + ` FROM correlation_suppressions WHERE org_id = $1`
	args := []any{scope.Org().String()}
	if after != "" {
		c, err := page.Decode[idCursor](suppressionCursor, after)
		if err != nil {
			return nil, "", err
		}
		args = append(args, c.ID.String())
		q += fmt.Sprintf(" AND id < $%d", len(args))
	}
	q += " ORDER BY id DESC"
	var out []Suppression
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("correlate: list suppressions: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() && len(out) <= limit {
			x, err := scanSuppression(rs, now)
			if err != nil {
				return err
			}
			if active == nil || x.Active == *active {
				out = append(out, x)
			}
		}
		return rs.Err()
	})
	if err != nil {
		return nil, "", err
	}
	items, next := page.Trim(suppressionCursor, out, limit, func(x Suppression) idCursor { return idCursor{x.ID} })
	return items, next, nil
}

func loadSuppression(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID, now time.Time) (Suppression, error) {
	x, err := scanSuppression(tx.QueryRowContext(ctx, `SELECT `+suppressionCols+` FROM correlation_suppressions WHERE org_id = $1 AND id = $2`,
		scope.Org().String(), id.String()), now)
	if errors.Is(err, sql.ErrNoRows) {
		return x, apperr.NotFound("suppression")
	}
	return x, err
}

// Get returns one suppression.
func (s *Suppressions) Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Suppression, error) {
	var x Suppression
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		x, err = loadSuppression(ctx, tx, scope, id, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// prepare validates in and fills its defaults (owner: the caller).
func (s *Suppressions) prepare(ctx context.Context, scope tenant.Scope, in *SuppressionInput, now time.Time) error {
	if err := in.validate("body.", now); err != nil {
		return err
	}
	if in.Enabled == nil {
		t := true
		in.Enabled = &t
	}
	if in.Owner == nil {
		if u, err := uuid.Parse(strings.TrimPrefix(scope.Actor(), "user:")); err == nil && strings.HasPrefix(scope.Actor(), "user:") {
			in.Owner = &u
		}
	}
	if in.Owner != nil && s.Members != nil {
		ok, err := s.Members.IsMember(ctx, scope, *in.Owner)
		if err != nil {
			return fmt.Errorf("correlate: suppression owner: %w", err)
		}
		if !ok {
			return apperr.Validation("invalid suppression", apperr.Field("body.owner", "not a member of this org"))
		}
	}
	in.Filter.SourceTypes = slices.Compact(slices.Sorted(slices.Values(in.Filter.SourceTypes)))
	in.Filter.RuleIDs = slices.Compact(slices.Sorted(slices.Values(in.Filter.RuleIDs)))
	return nil
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func nullUUID(u *uuid.UUID) any {
	if u == nil {
		return nil
	}
	return u.String()
}

func (s *Suppressions) record(ctx context.Context, tx *db.Tx, scope tenant.Scope, action string, def events.Def[SuppressionV1], x *Suppression) error {
	details, err := json.Marshal(x.SuppressionInput)
	if err != nil {
		return fmt.Errorf("correlate: encode suppression: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: action,
		TargetType: "suppression", TargetID: x.ID.String(), Details: details}); err != nil {
		return err
	}
	_, err = events.Append(ctx, tx, scope, def, events.Subject("suppression", x.ID), SuppressionV1{SuppressionID: x.ID, Name: x.Name})
	return err
}

// Create stores a suppression.
func (s *Suppressions) Create(ctx context.Context, scope tenant.Scope, in SuppressionInput) (*Suppression, error) {
	now := s.now()
	if err := s.prepare(ctx, scope, &in, now); err != nil {
		return nil, err
	}
	x := Suppression{ID: uuid.Must(uuid.NewV7()), SuppressionInput: in, CreatedBy: scope.Actor(), CreatedAt: now, UpdatedAt: now}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM correlation_suppressions WHERE org_id = $1`, scope.Org().String()).Scan(&n); err != nil {
			return fmt.Errorf("correlate: count suppressions: %w", err)
		}
		if n >= MaxOrgSuppressions {
			return apperr.Conflict(fmt.Sprintf("an org has at most %d suppressions: delete expired ones", MaxOrgSuppressions)).WithCode("too_many_suppressions")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_suppressions (id, org_id, name, reason, owner, created_by, enabled, filter, condition, expires_at, window_start, window_end, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`, x.ID.String(), scope.Org().String(), in.Name, in.Reason, nullUUID(in.Owner), x.CreatedBy,
			*in.Enabled, mustJSON(in.Filter), in.Condition, in.ExpiresAt.UTC(), nullTime(in.WindowStart), nullTime(in.WindowEnd), now); err != nil {
			return fmt.Errorf("correlate: create suppression: %w", err)
		}
		return s.record(ctx, tx, scope, "correlation.suppression.create", EventSuppressionCreated, &x)
	})
	if err != nil {
		return nil, err
	}
	x.Active = *in.Enabled && (in.WindowEnd == nil || now.Before(*in.WindowEnd))
	return &x, nil
}

// Replace changes a suppression (its hits stay).
func (s *Suppressions) Replace(ctx context.Context, scope tenant.Scope, id uuid.UUID, in SuppressionInput) (*Suppression, error) {
	now := s.now()
	if err := s.prepare(ctx, scope, &in, now); err != nil {
		return nil, err
	}
	var x Suppression
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE correlation_suppressions SET name = $3, reason = $4, owner = $5, enabled = $6, filter = $7, condition = $8, expires_at = $9,
window_start = $10, window_end = $11, updated_at = $12 WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String(), in.Name, in.Reason, nullUUID(in.Owner),
			*in.Enabled, mustJSON(in.Filter), in.Condition, in.ExpiresAt.UTC(), nullTime(in.WindowStart), nullTime(in.WindowEnd), now)
		if err != nil {
			return fmt.Errorf("correlate: replace suppression: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("suppression")
		}
		if x, err = loadSuppression(ctx, tx, scope, id, now); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "correlation.suppression.update", EventSuppressionUpdated, &x)
	})
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// Delete removes a suppression (alerts it suppressed stay suppressed).
func (s *Suppressions) Delete(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		x, err := loadSuppression(ctx, tx, scope, id, s.now())
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM correlation_suppressions WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()); err != nil {
			return fmt.Errorf("correlate: delete suppression: %w", err)
		}
		return s.record(ctx, tx, scope, "correlation.suppression.delete", EventSuppressionDeleted, &x)
	})
}

// RuleCount is how many alerts of one detection rule a preview matched.
type RuleCount struct {
	RuleID   string `json:"rule_id"`
	RuleName string `json:"rule_name,omitempty"`
	Alerts   int    `json:"alerts"`
}

// SuppressionPreview is the impact of a suppression over stored alerts.
type SuppressionPreview struct {
	Days             int         `json:"days"`
	From             time.Time   `json:"from"`
	To               time.Time   `json:"to"`
	AlertsScanned    int         `json:"alerts_scanned"`
	Truncated        bool        `json:"truncated" doc:"The scan stopped at 50000 alerts (the oldest were scanned)"`
	AlertsSuppressed int         `json:"alerts_suppressed"`
	Rules            int         `json:"rules" doc:"Distinct detection rules among the suppressed alerts"`
	ByRule           []RuleCount `json:"by_rule" doc:"The 20 rules with the most suppressed alerts"`
	Summary          string      `json:"summary"`
}

// Preview reports what a draft suppression would have suppressed among
// the stored alerts of the last days (default 30); it writes nothing and
// ignores enabled and expiry (it is "what if it had been in force").
func (s *Suppressions) Preview(ctx context.Context, scope tenant.Scope, in SuppressionInput, days int) (*SuppressionPreview, error) {
	now := s.now()
	if days == 0 {
		days = previewDays
	}
	if days < 1 || days > MaxBacktestDays {
		return nil, apperr.Validation("invalid preview", apperr.Field("query.days", "from 1 to 30"))
	}
	if in.ExpiresAt.IsZero() {
		in.ExpiresAt = now.Add(time.Hour) // a draft may leave it out
	}
	if err := in.validate("body.", now); err != nil {
		return nil, err
	}
	m, err := newMatcher(Suppression{SuppressionInput: in})
	if err != nil {
		return nil, err
	}
	p := &SuppressionPreview{Days: days, To: now, From: now.Add(-time.Duration(days) * 24 * time.Hour), ByRule: []RuleCount{}}
	alerts, truncated, err := s.Alerts.Window(ctx, scope, p.From, p.To, MaxBacktestAlerts)
	if err != nil {
		return nil, fmt.Errorf("correlate: preview alerts: %w", err)
	}
	p.AlertsScanned, p.Truncated = len(alerts), truncated
	counts := map[string]*RuleCount{}
	for i := range alerts {
		a := &alerts[i]
		if !m.match(a, func() map[string]any { return activation(a) }) {
			continue
		}
		p.AlertsSuppressed++
		c := counts[a.Rule.ID]
		if c == nil {
			c = &RuleCount{RuleID: a.Rule.ID, RuleName: a.Rule.Name}
			counts[a.Rule.ID] = c
		}
		c.Alerts++
	}
	for _, c := range counts {
		p.ByRule = append(p.ByRule, *c)
	}
	sort.Slice(p.ByRule, func(i, j int) bool {
		if p.ByRule[i].Alerts != p.ByRule[j].Alerts {
			return p.ByRule[i].Alerts > p.ByRule[j].Alerts
		}
		return p.ByRule[i].RuleID < p.ByRule[j].RuleID
	})
	p.Rules = len(p.ByRule)
	p.ByRule = p.ByRule[:min(len(p.ByRule), 20)]
	p.Summary = fmt.Sprintf("would have suppressed %d alerts of %d rules in the last %d days", p.AlertsSuppressed, p.Rules, days)
	if truncated {
		p.Summary += fmt.Sprintf(" (the oldest %d alerts scanned)", p.AlertsScanned)
	}
	return p, nil
}
