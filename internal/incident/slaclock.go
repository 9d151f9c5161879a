package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// SLA states of an incident's clock and of each target.
const (
	SLAOk       = "ok"
	SLAWarning  = "warning"
	SLABreached = "breached"
	SLAPaused   = "paused"
	SLAMet      = "met"
)

// SLAStates lists every SLA state (the list filter's values).
var SLAStates = []string{SLAOk, SLAWarning, SLABreached, SLAPaused, SLAMet}

// SLATarget is one target of an incident's SLA (acknowledge or resolve).
type SLATarget struct {
	State            string     `json:"state" enum:"ok,warning,breached,paused,met"`
	TargetSeconds    int64      `json:"target_seconds"`
	ElapsedSeconds   *int64     `json:"elapsed_seconds,omitempty" doc:"Counted time (business time for a business-hours policy; paused time never counts): the time taken once met, the time so far while paused; absent while running (count down to due_at)"`
	RemainingSeconds *int64     `json:"remaining_seconds,omitempty" doc:"Counted time left while paused (negative once overdue)"`
	WarnAt           *time.Time `json:"warn_at,omitempty" doc:"When the warning is due (absent while paused)"`
	DueAt            *time.Time `json:"due_at,omitempty" doc:"When the target is due (absent while paused)"`
	MetAt            *time.Time `json:"met_at,omitempty"`
	WarnedAt         *time.Time `json:"warned_at,omitempty" doc:"When the warning was raised"`
	BreachedAt       *time.Time `json:"breached_at,omitempty" doc:"When the breach was raised"`
}

// SLAStatus is an incident's SLA clock as the API shows it.
type SLAStatus struct {
	State       string     `json:"state" enum:"ok,warning,breached,paused,met" doc:"paused wins; then breached (any target); met when both targets are met; warning; ok"`
	PolicyID    *uuid.UUID `json:"policy_id,omitempty"`
	Policy      string     `json:"policy"`
	Hours       string     `json:"hours" enum:"24x7,business"`
	StartedAt   time.Time  `json:"started_at"`
	PausedAt    *time.Time `json:"paused_at,omitempty"`
	PauseReason string     `json:"pause_reason,omitempty"`
	PausedSecs  int64      `json:"paused_seconds" doc:"Wall time spent paused before the current pause"`
	Acknowledge SLATarget  `json:"acknowledge"`
	Resolve     SLATarget  `json:"resolve"`
}

// clock is an incident's stored SLA clock.
type clock struct {
	PolicyID          *uuid.UUID
	PolicyName        string
	Severity, Type    string
	Ack, Resolve      time.Duration
	WarnPercent       int
	Business          bool
	EscalationRole    string
	StartedAt         time.Time
	RunningSince      *time.Time
	Spent             time.Duration
	PausedAt          *time.Time
	PauseReason       string
	Paused            time.Duration
	AckMetAt          *time.Time
	AckSpent          *time.Duration
	ResolveMetAt      *time.Time
	ResolveSpent      *time.Duration
	AckWarnAt         *time.Time
	AckDueAt          *time.Time
	ResolveWarnAt     *time.Time
	ResolveDueAt      *time.Time
	AckWarnedAt       *time.Time
	AckBreachedAt     *time.Time
	ResolveWarnedAt   *time.Time
	ResolveBreachedAt *time.Time
	NextCheckAt       *time.Time
}

const clockCols = `policy_id, policy_name, severity, type, ack_seconds, resolve_seconds, warn_percent, business_hours, escalation_role,
 started_at, running_since, spent_ms, paused_at, pause_reason, paused_ms, ack_met_at, ack_spent_ms, resolve_met_at, resolve_spent_ms,
 ack_warn_at, ack_due_at, resolve_warn_at, resolve_due_at, ack_warned_at, ack_breached_at, resolve_warned_at, resolve_breached_at, next_check_at`

func scanClock(sc scanner, extra ...any) (clock, error) {
	var c clock
	var policy sql.NullString
	var ack, res, spent, paused int64
	var ackSpent, resSpent sql.NullInt64
	var ts [15]sql.NullTime
	dst := []any{&policy, &c.PolicyName, &c.Severity, &c.Type, &ack, &res, &c.WarnPercent, &c.Business, &c.EscalationRole,
		&c.StartedAt, &ts[0], &spent, &ts[1], &c.PauseReason, &paused, &ts[2], &ackSpent, &ts[3], &resSpent,
		&ts[4], &ts[5], &ts[6], &ts[7], &ts[8], &ts[9], &ts[10], &ts[11], &ts[12]}
	if err := sc.Scan(append(extra, dst...)...); err != nil {
		return c, err
	}
	var err error
	if c.PolicyID, err = nullUUID(policy); err != nil {
		return c, err
	}
	c.Ack, c.Resolve = time.Duration(ack)*time.Second, time.Duration(res)*time.Second
	c.Spent, c.Paused = time.Duration(spent)*time.Millisecond, time.Duration(paused)*time.Millisecond
	if ackSpent.Valid {
		d := time.Duration(ackSpent.Int64) * time.Millisecond
		c.AckSpent = &d
	}
	if resSpent.Valid {
		d := time.Duration(resSpent.Int64) * time.Millisecond
		c.ResolveSpent = &d
	}
	c.StartedAt = c.StartedAt.UTC()
	for i, p := range []**time.Time{&c.RunningSince, &c.PausedAt, &c.AckMetAt, &c.ResolveMetAt, &c.AckWarnAt, &c.AckDueAt, &c.ResolveWarnAt,
		&c.ResolveDueAt, &c.AckWarnedAt, &c.AckBreachedAt, &c.ResolveWarnedAt, &c.ResolveBreachedAt, &c.NextCheckAt} {
		*p = nullTime(ts[i])
	}
	return c, nil
}

func msArg(d *time.Duration) any {
	if d == nil {
		return nil
	}
	return d.Milliseconds()
}

// loadClock reads an incident's clock (false when it has none), locking
// it on PostgreSQL in a writing transaction.
func (s *Store) loadClock(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (clock, bool, error) {
	lock := ""
	if tx.Dialect == db.Postgres && !tx.ReadOnly {
		lock = " FOR UPDATE"
	}
	c, err := scanClock(tx.QueryRowContext(ctx, `SELECT `+clockCols+` FROM incident_sla WHERE org_id = $1 AND incident_id = $2`+lock,
		scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("incident: read SLA clock: %w", err)
	}
	return c, true, nil
}

func (s *Store) saveClock(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID, c *clock, insert bool, now time.Time) error {
	args := []any{scope.Org().String(), id.String(), uuidArg(c.PolicyID), c.PolicyName, c.Severity, c.Type, int64(c.Ack / time.Second),
		int64(c.Resolve / time.Second), c.WarnPercent, c.Business, c.EscalationRole, c.StartedAt, timeArg(c.RunningSince), c.Spent.Milliseconds(),
		timeArg(c.PausedAt), c.PauseReason, c.Paused.Milliseconds(), timeArg(c.AckMetAt), msArg(c.AckSpent), timeArg(c.ResolveMetAt),
		msArg(c.ResolveSpent), timeArg(c.AckWarnAt), timeArg(c.AckDueAt), timeArg(c.ResolveWarnAt), timeArg(c.ResolveDueAt),
		timeArg(c.AckWarnedAt), timeArg(c.AckBreachedAt), timeArg(c.ResolveWarnedAt), timeArg(c.ResolveBreachedAt), timeArg(c.NextCheckAt), now}
	q := `UPDATE incident_sla SET policy_id = $3, policy_name = $4, severity = $5, type = $6, ack_seconds = $7, resolve_seconds = $8,
 warn_percent = $9, business_hours = $10, escalation_role = $11, started_at = $12, running_since = $13, spent_ms = $14, paused_at = $15,
 pause_reason = $16, paused_ms = $17, ack_met_at = $18, ack_spent_ms = $19, resolve_met_at = $20, resolve_spent_ms = $21, ack_warn_at = $22,
 ack_due_at = $23, resolve_warn_at = $24, resolve_due_at = $25, ack_warned_at = $26, ack_breached_at = $27, resolve_warned_at = $28,
 resolve_breached_at = $29, next_check_at = $30, updated_at = $31 WHERE org_id = $1 AND incident_id = $2`
	if insert {
		q = `INSERT INTO incident_sla (org_id, incident_id, ` + clockCols + `, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
 $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)`
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("incident: save SLA clock: %w", err)
	}
	return nil
}

// spentAt is the counted time of the clock at t.
func (c *clock) spentAt(k Clock, t time.Time) time.Duration {
	if c.RunningSince == nil || !t.After(*c.RunningSince) {
		return c.Spent
	}
	return c.Spent + k.Elapsed(*c.RunningSince, t)
}

func (c *clock) warnOf(target time.Duration) time.Duration {
	return target * time.Duration(c.WarnPercent) / 100
}

// plan recomputes the warn and due instants of the targets not yet met
// (none while the clock is stopped) and the next instant to check.
func (c *clock) plan(k Clock) {
	at := func(target time.Duration) *time.Time {
		if c.RunningSince == nil {
			return nil
		}
		left := target - c.Spent
		if left <= 0 {
			t := *c.RunningSince
			return &t
		}
		t, ok := k.Add(*c.RunningSince, left)
		if !ok {
			return nil
		}
		t = t.UTC()
		return &t
	}
	if c.AckMetAt == nil {
		c.AckWarnAt, c.AckDueAt = at(c.warnOf(c.Ack)), at(c.Ack)
	}
	if c.ResolveMetAt == nil {
		c.ResolveWarnAt, c.ResolveDueAt = at(c.warnOf(c.Resolve)), at(c.Resolve)
	}
	c.NextCheckAt = nil
	for _, p := range c.pending() {
		if c.NextCheckAt == nil || p.at.Before(*c.NextCheckAt) {
			t := *p.at
			c.NextCheckAt = &t
		}
	}
}

// stage is one warning or breach a clock may raise.
type stage struct {
	target string // "acknowledge" or "resolve"
	breach bool
	at     *time.Time
	col    string
	raised **time.Time
}

func (c *clock) stages() []stage {
	return []stage{
		{"acknowledge", false, c.AckWarnAt, "ack_warned_at", &c.AckWarnedAt},
		{"acknowledge", true, c.AckDueAt, "ack_breached_at", &c.AckBreachedAt},
		{"resolve", false, c.ResolveWarnAt, "resolve_warned_at", &c.ResolveWarnedAt},
		{"resolve", true, c.ResolveDueAt, "resolve_breached_at", &c.ResolveBreachedAt},
	}
}

// pending are the stages still to raise while the clock runs.
func (c *clock) pending() []stage {
	if c.PausedAt != nil || c.RunningSince == nil {
		return nil
	}
	var out []stage
	for _, st := range c.stages() {
		met := c.AckMetAt
		if st.target == "resolve" {
			met = c.ResolveMetAt
		}
		if met == nil && *st.raised == nil && st.at != nil {
			out = append(out, st)
		}
	}
	return out
}

func targetState(c *clock, met, due, warn, warned, breached *time.Time, now time.Time) string {
	switch {
	case breached != nil:
		return SLABreached
	case met != nil:
		return SLAMet
	case c.PausedAt != nil:
		return SLAPaused
	case due != nil && !now.Before(*due):
		return SLABreached
	case warned != nil || (warn != nil && !now.Before(*warn)):
		return SLAWarning
	}
	return SLAOk
}

// status renders the clock at now.
func (c *clock) status(k Clock, now time.Time) *SLAStatus {
	st := &SLAStatus{PolicyID: c.PolicyID, Policy: c.PolicyName, Hours: Hours24x7, StartedAt: c.StartedAt, PausedAt: c.PausedAt,
		PauseReason: c.PauseReason, PausedSecs: int64(c.Paused / time.Second)}
	if c.Business {
		st.Hours = HoursBusiness
	}
	spent := c.spentAt(k, now)
	target := func(goal time.Duration, met *time.Time, metSpent *time.Duration, due, warn, warned, breached *time.Time) SLATarget {
		t := SLATarget{State: targetState(c, met, due, warn, warned, breached, now), TargetSeconds: int64(goal / time.Second),
			WarnAt: warn, DueAt: due, MetAt: met, WarnedAt: warned, BreachedAt: breached}
		switch {
		case metSpent != nil:
			e := int64(*metSpent / time.Second)
			t.ElapsedSeconds = &e
		case c.PausedAt != nil:
			e, r := int64(spent/time.Second), int64((goal-spent)/time.Second)
			t.ElapsedSeconds, t.RemainingSeconds = &e, &r
		}
		return t
	}
	st.Acknowledge = target(c.Ack, c.AckMetAt, c.AckSpent, c.AckDueAt, c.AckWarnAt, c.AckWarnedAt, c.AckBreachedAt)
	st.Resolve = target(c.Resolve, c.ResolveMetAt, c.ResolveSpent, c.ResolveDueAt, c.ResolveWarnAt, c.ResolveWarnedAt, c.ResolveBreachedAt)
	a, r := st.Acknowledge.State, st.Resolve.State
	switch {
	case c.PausedAt != nil:
		st.State = SLAPaused
	case a == SLABreached || r == SLABreached:
		st.State = SLABreached
	case a == SLAMet && r == SLAMet:
		st.State = SLAMet
	case a == SLAWarning || r == SLAWarning:
		st.State = SLAWarning
	default:
		st.State = SLAOk
	}
	return st
}

// slaStateCond is the SQL condition (on incident_sla s) of an SLA state
// at now, the same rules as status.
func slaStateCond(state, now string) string {
	breached := `(s.ack_breached_at IS NOT NULL OR s.resolve_breached_at IS NOT NULL
 OR (s.ack_met_at IS NULL AND s.ack_due_at IS NOT NULL AND s.ack_due_at <= ` + now + `)
 OR (s.resolve_met_at IS NULL AND s.resolve_due_at IS NOT NULL AND s.resolve_due_at <= ` + now + `))`
	met := `(s.ack_met_at IS NOT NULL AND s.resolve_met_at IS NOT NULL)`
	warning := `((s.ack_met_at IS NULL AND (s.ack_warned_at IS NOT NULL OR (s.ack_warn_at IS NOT NULL AND s.ack_warn_at <= ` + now + `)))
 OR (s.resolve_met_at IS NULL AND (s.resolve_warned_at IS NOT NULL OR (s.resolve_warn_at IS NOT NULL AND s.resolve_warn_at <= ` + now + `))))`
	switch state {
	case SLAPaused:
		return `s.paused_at IS NOT NULL`
	case SLABreached:
		return `s.paused_at IS NULL AND ` + breached
	case SLAMet:
		return `s.paused_at IS NULL AND NOT ` + breached + ` AND ` + met
	case SLAWarning:
		return `s.paused_at IS NULL AND NOT ` + breached + ` AND NOT ` + met + ` AND ` + warning
	default:
		return `s.paused_at IS NULL AND NOT ` + breached + ` AND NOT ` + met + ` AND NOT ` + warning
	}
}

// applyPolicy sets the clock's targets from p.
func (c *clock) applyPolicy(p *SLAPolicy, severity, typ string) {
	id := p.ID
	c.PolicyID, c.PolicyName, c.Severity, c.Type = &id, p.Name, severity, typ
	c.Ack, c.Resolve = time.Duration(p.AckMinutes)*time.Minute, time.Duration(p.ResolveMinutes)*time.Minute
	c.WarnPercent, c.Business, c.EscalationRole = p.WarnPercent, p.Hours == HoursBusiness, p.EscalationRole
}

// slaSync keeps an incident's SLA clock in step with the incident, in the
// change's transaction: it starts the clock when the incident is created
// (seeding the org's default policies on first use), replans it when the
// severity or type changes, meets the acknowledge target at the first move
// out of new and the resolve target at resolve or close (a late one is a
// breach, raised if the scan has not yet), and restarts the resolve clock
// on reopen. It is called by every save of an incident.
func (s *Store) slaSync(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row) error {
	c, ok, err := s.loadClock(ctx, tx, scope, r.ID)
	if err != nil {
		return err
	}
	now := s.now()
	var cal *Calendar
	calendar := func() (*Calendar, error) {
		if cal == nil {
			_, c, err := s.businessHours(ctx, tx, scope)
			if err != nil {
				return nil, err
			}
			cal = c
		}
		return cal, nil
	}
	changed := !ok
	if !ok {
		if !r.Status.Open() {
			return nil
		}
		if err := s.ensureSLA(ctx, tx, scope); err != nil {
			return err
		}
		p, err := s.matchPolicy(ctx, tx, scope, r.Severity, r.Type)
		if err != nil || p == nil {
			return err
		}
		start := r.CreatedAt.UTC()
		c = clock{StartedAt: start, RunningSince: &start}
		c.applyPolicy(p, r.Severity, r.Type)
	} else if c.Severity != r.Severity || c.Type != r.Type {
		p, err := s.matchPolicy(ctx, tx, scope, r.Severity, r.Type)
		if err != nil {
			return err
		}
		if p != nil {
			c.applyPolicy(p, r.Severity, r.Type)
		} else {
			c.Severity, c.Type = r.Severity, r.Type
		}
		changed = true
	}
	k := Clock{Business: c.Business}
	if c.Business {
		if k.Calendar, err = calendar(); err != nil {
			return err
		}
	}
	var late []stage
	if r.AcknowledgedAt != nil && c.AckMetAt == nil {
		at := *r.AcknowledgedAt
		spent := c.spentAt(k, at)
		c.AckMetAt, c.AckSpent = &at, &spent
		if spent > c.Ack && c.AckBreachedAt == nil {
			late = append(late, c.stages()[1])
		}
		changed = true
	}
	switch {
	case !r.Status.Open() && c.ResolveMetAt == nil:
		at := now
		if r.ResolvedAt != nil {
			at = *r.ResolvedAt
		}
		spent := c.spentAt(k, at)
		c.ResolveMetAt, c.ResolveSpent = &at, &spent
		if spent > c.Resolve && c.ResolveBreachedAt == nil {
			late = append(late, c.stages()[3])
		}
		// The clock stops; a pause ends with it.
		c.Spent, c.RunningSince = spent, nil
		if c.PausedAt != nil {
			c.Paused += now.Sub(*c.PausedAt)
			c.PausedAt, c.PauseReason = nil, ""
		}
		changed = true
	case r.Status.Open() && c.ResolveMetAt != nil:
		// Reopened: the resolve target runs again from where it stopped
		// (the time the incident was resolved does not count).
		c.ResolveMetAt, c.ResolveSpent = nil, nil
		if c.PausedAt == nil {
			c.RunningSince = &now
		}
		changed = true
	}
	if !changed {
		return nil
	}
	c.plan(k)
	if err := s.saveClock(ctx, tx, scope, r.ID, &c, !ok, now); err != nil {
		return err
	}
	for _, st := range late {
		if _, err := s.raise(ctx, tx, scope, r, &c, st, now); err != nil {
			return err
		}
	}
	if len(late) > 0 {
		c.plan(k)
		return s.saveClock(ctx, tx, scope, r.ID, &c, false, now)
	}
	return nil
}

// replanBusiness moves the running business-hours clocks of the org from
// the old calendar to the new one: time counted so far stays counted
// (under the old calendar), the rest is planned on the new one.
func (s *Store) replanBusiness(ctx context.Context, tx *db.Tx, scope tenant.Scope, old, cal *Calendar, now time.Time) error {
	rs, err := tx.QueryContext(ctx, `SELECT incident_id, `+clockCols+` FROM incident_sla
WHERE org_id = $1 AND business_hours = $2 AND running_since IS NOT NULL`, scope.Org().String(), true)
	if err != nil {
		return fmt.Errorf("incident: list business clocks: %w", err)
	}
	type item struct {
		id uuid.UUID
		c  clock
	}
	var items []item
	for rs.Next() {
		var it item
		c, err := scanClock(rs, &it.id)
		if err != nil {
			_ = rs.Close()
			return fmt.Errorf("incident: scan SLA clock: %w", err)
		}
		it.c = c
		items = append(items, it)
	}
	if err := rs.Close(); err != nil {
		return fmt.Errorf("incident: list business clocks: %w", err)
	}
	for _, it := range items {
		c := it.c
		c.Spent = c.spentAt(Clock{Business: true, Calendar: old}, now)
		c.RunningSince = &now
		c.plan(Clock{Business: true, Calendar: cal})
		if err := s.saveClock(ctx, tx, scope, it.id, &c, false, now); err != nil {
			return err
		}
	}
	return nil
}

// attachSLA sets the SLA status of each incident that has a clock.
func (s *Store) attachSLA(ctx context.Context, tx *db.Tx, scope tenant.Scope, incs []*Incident) error {
	if len(incs) == 0 {
		return nil
	}
	byID := make(map[uuid.UUID]*Incident, len(incs))
	ph := make([]string, 0, len(incs))
	args := []any{scope.Org().String()}
	for _, in := range incs {
		byID[in.ID] = in
		args = append(args, in.ID.String())
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	rs, err := tx.QueryContext(ctx, `SELECT incident_id, `+clockCols+` FROM incident_sla WHERE org_id = $1 AND incident_id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("incident: read SLA clocks: %w", err)
	}
	clocks := map[uuid.UUID]clock{}
	for rs.Next() {
		var id uuid.UUID
		c, err := scanClock(rs, &id)
		if err != nil {
			_ = rs.Close()
			return fmt.Errorf("incident: scan SLA clock: %w", err)
		}
		clocks[id] = c
	}
	if err := rs.Close(); err != nil {
		return fmt.Errorf("incident: read SLA clocks: %w", err)
	}
	if len(clocks) == 0 {
		return nil
	}
	var cal *Calendar
	now := s.now()
	for id, c := range clocks {
		k := Clock{Business: c.Business}
		if c.Business {
			if cal == nil {
				if _, cal, err = s.businessHours(ctx, tx, scope); err != nil {
					return err
				}
			}
			k.Calendar = cal
		}
		byID[id].SLA = c.status(k, now)
	}
	return nil
}

// WithSLA sets the SLA status of incidents read or changed elsewhere.
func (s *Store) WithSLA(ctx context.Context, scope tenant.Scope, incs ...*Incident) error {
	return s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error { return s.attachSLA(ctx, tx, scope, incs) })
}

// PauseSLA stops an incident's SLA clock; reason is required and kept in
// the incident's state-change log. Paused time never counts.
func (s *Store) PauseSLA(ctx context.Context, scope tenant.Scope, id uuid.UUID, reason string) (*Incident, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > maxPauseReason || badText(reason) != "" {
		return nil, apperr.Validation("a reason is required", apperr.Field("body.reason", fmt.Sprintf("say why the SLA is paused (1 to %d characters)", maxPauseReason)))
	}
	return s.pauseResume(ctx, scope, id, func(c *clock, k Clock, now time.Time) (string, any, error) {
		if c.PausedAt != nil {
			return "", nil, apperr.Conflict("the SLA is already paused").WithCode("sla_paused")
		}
		if c.RunningSince == nil {
			return "", nil, apperr.Conflict("the SLA clock is stopped (the incident is resolved)").WithCode("sla_stopped")
		}
		c.Spent, c.RunningSince = c.spentAt(k, now), nil
		c.PausedAt, c.PauseReason = &now, reason
		return "sla_paused", map[string]string{"reason": reason}, nil
	})
}

// ResumeSLA restarts a paused SLA clock.
func (s *Store) ResumeSLA(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Incident, error) {
	return s.pauseResume(ctx, scope, id, func(c *clock, _ Clock, now time.Time) (string, any, error) {
		if c.PausedAt == nil {
			return "", nil, apperr.Conflict("the SLA is not paused").WithCode("sla_not_paused")
		}
		d := now.Sub(*c.PausedAt)
		details := map[string]any{"paused_seconds": int64(d / time.Second), "reason": c.PauseReason}
		c.Paused += d
		c.PausedAt, c.PauseReason = nil, ""
		c.RunningSince = &now
		return "sla_resumed", details, nil
	})
}

func (s *Store) pauseResume(ctx context.Context, scope tenant.Scope, id uuid.UUID, fn func(c *clock, k Clock, now time.Time) (string, any, error)) (*Incident, error) {
	var r row
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if r, err = s.load(ctx, tx, scope, id); err != nil {
			return err
		}
		c, ok, err := s.loadClock(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Conflict("the incident has no SLA (no policy matched)").WithCode("no_sla")
		}
		k := Clock{Business: c.Business}
		if c.Business {
			if _, k.Calendar, err = s.businessHours(ctx, tx, scope); err != nil {
				return err
			}
		}
		now := s.now()
		kind, details, err := fn(&c, k, now)
		if err != nil {
			return err
		}
		c.plan(k)
		if err := s.saveClock(ctx, tx, scope, id, &c, false, now); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, id, now, kind, "", "", details); err != nil {
			return err
		}
		ev, action := EventSLAPaused, "incident.sla.pause"
		if kind == "sla_resumed" {
			ev, action = EventSLAResumed, "incident.sla.resume"
		}
		if err := s.record(ctx, tx, scope, action, ev, id, details); err != nil {
			return err
		}
		return s.attachSLA(ctx, tx, scope, []*Incident{&r.Incident})
	})
	if err != nil {
		return nil, err
	}
	return &r.Incident, nil
}
