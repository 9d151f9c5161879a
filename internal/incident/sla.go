package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// SLA hours modes of a policy.
const (
	Hours24x7     = "24x7"
	HoursBusiness = "business"
)

// SLA limits.
const (
	MaxSLAMinutes   = 525600 // one year
	MaxSLAPolicies  = 200
	MaxHolidays     = 500
	MaxSpansPerDay  = 6
	DefaultWarnPct  = 80
	maxPauseReason  = 500
	defaultEscalate = "admin"
)

// SLAPolicy sets the acknowledge and resolve targets of the incidents of
// a severity and type. The most specific policy applies: severity and
// type, then type only, then severity only, then the org's catch-all.
type SLAPolicy struct {
	ID             uuid.UUID `json:"id"`
	Name           string    `json:"name"`
	Severity       string    `json:"severity" doc:"Severity the policy applies to; empty: any"`
	Type           string    `json:"type" doc:"Incident type (template type) the policy applies to; empty: any"`
	AckMinutes     int       `json:"ack_minutes" doc:"Time to acknowledge (first move out of new)"`
	ResolveMinutes int       `json:"resolve_minutes" doc:"Time to resolve (resolved or closed)"`
	WarnPercent    int       `json:"warn_percent" doc:"Share of a target after which a warning is raised"`
	Hours          string    `json:"hours" enum:"24x7,business" doc:"24x7 counts wall time; business counts only the org's business hours"`
	EscalationRole string    `json:"escalation_role" doc:"Role whose members are notified on a breach (and on a warning of an unassigned incident); empty: only the assignee"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// SLAPolicyInput creates a policy.
type SLAPolicyInput struct {
	Name           string `json:"name" minLength:"1" maxLength:"100"`
	Severity       string `json:"severity,omitempty" enum:"informational,low,medium,high,critical," doc:"Empty: any severity"`
	Type           string `json:"type,omitempty" maxLength:"64" doc:"Empty: any type"`
	AckMinutes     int    `json:"ack_minutes" doc:"1 to 525600"`
	ResolveMinutes int    `json:"resolve_minutes" doc:"At least ack_minutes, at most 525600"`
	WarnPercent    int    `json:"warn_percent,omitempty" doc:"1 to 99; default 80"`
	Hours          string `json:"hours,omitempty" enum:"24x7,business," doc:"Default 24x7"`
	EscalationRole string `json:"escalation_role,omitempty" maxLength:"64" doc:"Default admin; set \"-\" for none"`
}

// SLAPolicyChange updates a policy; nil fields stay.
type SLAPolicyChange struct {
	Name           *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Severity       *string `json:"severity,omitempty" enum:"informational,low,medium,high,critical,"`
	Type           *string `json:"type,omitempty" maxLength:"64"`
	AckMinutes     *int    `json:"ack_minutes,omitempty"`
	ResolveMinutes *int    `json:"resolve_minutes,omitempty"`
	WarnPercent    *int    `json:"warn_percent,omitempty"`
	Hours          *string `json:"hours,omitempty" enum:"24x7,business"`
	EscalationRole *string `json:"escalation_role,omitempty" maxLength:"64" doc:"Empty: none"`
}

// validate checks p, naming fields under prefix.
func (p *SLAPolicy) validate(prefix string) error {
	var f []apperr.FieldError
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > 100 || badText(p.Name) != "" {
		f = append(f, apperr.Field(prefix+"name", "a name is 1 to 100 valid characters"))
	}
	if p.Severity != "" {
		if _, ok := ParseSeverity(p.Severity); !ok {
			f = append(f, apperr.Field(prefix+"severity", "empty (any) or one of "+strings.Join(SeverityNames, ", ")))
		}
	}
	p.Type = strings.TrimSpace(p.Type)
	if len(p.Type) > 64 || badText(p.Type) != "" {
		f = append(f, apperr.Field(prefix+"type", "at most 64 valid characters"))
	}
	if p.AckMinutes < 1 || p.AckMinutes > MaxSLAMinutes {
		f = append(f, apperr.Field(prefix+"ack_minutes", fmt.Sprintf("1 to %d minutes", MaxSLAMinutes)))
	}
	switch {
	case p.ResolveMinutes < 1 || p.ResolveMinutes > MaxSLAMinutes:
		f = append(f, apperr.Field(prefix+"resolve_minutes", fmt.Sprintf("1 to %d minutes", MaxSLAMinutes)))
	case p.ResolveMinutes < p.AckMinutes:
		f = append(f, apperr.Field(prefix+"resolve_minutes", "must be at least ack_minutes"))
	}
	if p.WarnPercent < 1 || p.WarnPercent > 99 {
		f = append(f, apperr.Field(prefix+"warn_percent", "1 to 99"))
	}
	if p.Hours != Hours24x7 && p.Hours != HoursBusiness {
		f = append(f, apperr.Field(prefix+"hours", "24x7 or business"))
	}
	p.EscalationRole = strings.TrimSpace(p.EscalationRole)
	if len(p.EscalationRole) > 64 || badText(p.EscalationRole) != "" {
		f = append(f, apperr.Field(prefix+"escalation_role", "at most 64 valid characters"))
	}
	if len(f) > 0 {
		return apperr.Validation("invalid SLA policy", f...)
	}
	return nil
}

// WeekHours are the business hours of each weekday (local wall times).
type WeekHours struct {
	Monday    []HoursSpan `json:"monday"`
	Tuesday   []HoursSpan `json:"tuesday"`
	Wednesday []HoursSpan `json:"wednesday"`
	Thursday  []HoursSpan `json:"thursday"`
	Friday    []HoursSpan `json:"friday"`
	Saturday  []HoursSpan `json:"saturday"`
	Sunday    []HoursSpan `json:"sunday"`
}

func (w *WeekHours) days() [7]*[]HoursSpan {
	return [7]*[]HoursSpan{&w.Sunday, &w.Monday, &w.Tuesday, &w.Wednesday, &w.Thursday, &w.Friday, &w.Saturday}
}

var weekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// HoursSpan is one business interval of a day, "HH:MM" to "HH:MM"
// (end "24:00" for midnight).
type HoursSpan struct {
	Start string `json:"start" pattern:"^[0-9]{2}:[0-9]{2}$" example:"09:00"`
	End   string `json:"end" pattern:"^[0-9]{2}:[0-9]{2}$" example:"17:00"`
}

// BusinessHours is an org's business calendar: time zone, weekly hours
// and holidays. Policies with hours "business" count only this time.
type BusinessHours struct {
	Timezone  string    `json:"timezone" doc:"IANA time zone, e.g. Europe/Berlin" example:"Europe/Berlin"`
	Week      WeekHours `json:"week"`
	Holidays  []string  `json:"holidays" doc:"Local dates (YYYY-MM-DD) without business hours"`
	UpdatedAt time.Time `json:"updated_at"`
}

// BusinessHoursInput replaces an org's business calendar.
type BusinessHoursInput struct {
	Timezone string    `json:"timezone" minLength:"1" maxLength:"64"`
	Week     WeekHours `json:"week"`
	Holidays []string  `json:"holidays,omitempty" maxItems:"500"`
}

func defaultBusinessHours() BusinessHoursInput {
	day := []HoursSpan{{Start: "09:00", End: "17:00"}}
	return BusinessHoursInput{Timezone: "UTC", Week: WeekHours{Monday: day, Tuesday: day, Wednesday: day, Thursday: day, Friday: day,
		Saturday: []HoursSpan{}, Sunday: []HoursSpan{}}, Holidays: []string{}}
}

// compile validates in and builds its Calendar; errors name body fields.
func (in *BusinessHoursInput) compile() (*Calendar, error) {
	var f []apperr.FieldError
	c := &Calendar{Holidays: map[string]bool{}}
	loc, err := time.LoadLocation(in.Timezone)
	if err != nil || in.Timezone == "" || strings.EqualFold(in.Timezone, "local") {
		f = append(f, apperr.Field("body.timezone", "not an IANA time zone (e.g. Europe/Berlin)"))
	} else {
		c.Location = loc
	}
	for i, d := range in.Week.days() {
		if len(*d) > MaxSpansPerDay {
			f = append(f, apperr.Field("body.week."+weekdayNames[i], fmt.Sprintf("at most %d intervals", MaxSpansPerDay)))
			continue
		}
		spans := make([]Span, 0, len(*d))
		for j, s := range *d {
			a, ok1 := parseHHMM(s.Start)
			b, ok2 := parseHHMM(s.End)
			loc := fmt.Sprintf("body.week.%s[%d]", weekdayNames[i], j)
			switch {
			case !ok1 || a == 1440:
				f = append(f, apperr.Field(loc+".start", "HH:MM from 00:00 to 23:59"))
			case !ok2:
				f = append(f, apperr.Field(loc+".end", "HH:MM from 00:01 to 24:00"))
			case b <= a:
				f = append(f, apperr.Field(loc+".end", "must be after start"))
			default:
				spans = append(spans, Span{Start: a, End: b})
			}
		}
		if sortSpans(spans) {
			f = append(f, apperr.Field("body.week."+weekdayNames[i], "intervals overlap"))
		}
		c.Week[i] = spans
	}
	if len(f) == 0 && !c.hasHours() {
		f = append(f, apperr.Field("body.week", "at least one weekday needs business hours"))
	}
	if len(in.Holidays) > MaxHolidays {
		f = append(f, apperr.Field("body.holidays", fmt.Sprintf("at most %d", MaxHolidays)))
	}
	for i, h := range in.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			f = append(f, apperr.Field(fmt.Sprintf("body.holidays[%d]", i), "a date YYYY-MM-DD"))
			continue
		}
		c.Holidays[h] = true
	}
	if len(f) > 0 {
		return nil, apperr.Validation("invalid business hours", f...)
	}
	return c, nil
}

// defaultPolicies are seeded once per org.
func defaultPolicies() []SLAPolicy {
	p := func(sev string, ack, res int, hours string) SLAPolicy {
		return SLAPolicy{Name: "Default " + sev, Severity: sev, AckMinutes: ack, ResolveMinutes: res, WarnPercent: DefaultWarnPct,
			Hours: hours, EscalationRole: defaultEscalate}
	}
	return []SLAPolicy{
		p("critical", 15, 4*60, Hours24x7),
		p("high", 60, 24*60, Hours24x7),
		p("medium", 4*60, 24*60, HoursBusiness),
		p("low", 8*60, 40*60, HoursBusiness),
		p("informational", 24*60, 80*60, HoursBusiness),
	}
}

// ensureSLA creates the org's calendar row and, the first time, its
// default policies (concurrent first uses seed once: the calendar row is
// the org's primary key).
func (s *Store) ensureSLA(ctx context.Context, tx *db.Tx, scope tenant.Scope) error {
	def := defaultBusinessHours()
	week, _ := json.Marshal(def.Week)
	now := s.now()
	res, err := tx.ExecContext(ctx, `INSERT INTO incident_sla_calendars (org_id, timezone, week, holidays, created_at, updated_at)
VALUES ($1, $2, $3, '[]', $4, $4) ON CONFLICT (org_id) DO NOTHING`, scope.Org().String(), def.Timezone, string(week), now)
	if err != nil {
		return fmt.Errorf("incident: seed SLA calendar: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	for _, p := range defaultPolicies() {
		p.ID, p.CreatedAt, p.UpdatedAt = newID(), now, now
		if err := s.insertPolicy(ctx, tx, scope, &p); err != nil {
			return err
		}
	}
	return nil
}

const policyCols = `id, name, severity, type, ack_seconds, resolve_seconds, warn_percent, business_hours, escalation_role, created_at, updated_at`

func scanPolicy(sc scanner) (SLAPolicy, error) {
	var p SLAPolicy
	var ack, res int64
	var business bool
	if err := sc.Scan(&p.ID, &p.Name, &p.Severity, &p.Type, &ack, &res, &p.WarnPercent, &business, &p.EscalationRole, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return p, fmt.Errorf("incident: scan SLA policy: %w", err)
	}
	p.AckMinutes, p.ResolveMinutes = int(ack/60), int(res/60)
	p.Hours = Hours24x7
	if business {
		p.Hours = HoursBusiness
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

func (s *Store) insertPolicy(ctx context.Context, tx *db.Tx, scope tenant.Scope, p *SLAPolicy) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_sla_policies (`+policyCols+`, org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		p.ID.String(), p.Name, p.Severity, p.Type, int64(p.AckMinutes)*60, int64(p.ResolveMinutes)*60, p.WarnPercent, p.Hours == HoursBusiness,
		p.EscalationRole, p.CreatedAt, p.UpdatedAt, scope.Org().String())
	if db.IsUniqueViolation(err) {
		return apperr.Conflict("a policy for this severity and type exists").WithCode("sla_policy_exists")
	}
	if err != nil {
		return fmt.Errorf("incident: insert SLA policy: %w", err)
	}
	return nil
}

// SLAPolicies lists the org's policies (seeding the defaults on first use),
// most specific first.
func (s *Store) SLAPolicies(ctx context.Context, scope tenant.Scope) ([]SLAPolicy, error) {
	out := []SLAPolicy{}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := s.ensureSLA(ctx, tx, scope); err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT `+policyCols+` FROM incident_sla_policies WHERE org_id = $1
ORDER BY CASE WHEN type = '' THEN 1 ELSE 0 END, type, CASE WHEN severity = '' THEN 1 ELSE 0 END, severity, id`, scope.Org().String())
		if err != nil {
			return fmt.Errorf("incident: list SLA policies: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			p, err := scanPolicy(rs)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rs.Err()
	})
	return out, err
}

func (s *Store) policy(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (SLAPolicy, error) {
	p, err := scanPolicy(tx.QueryRowContext(ctx, `SELECT `+policyCols+` FROM incident_sla_policies WHERE org_id = $1 AND id = $2`,
		scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.NotFound("SLA policy")
	}
	return p, err
}

// SLAPolicy returns one policy.
func (s *Store) SLAPolicy(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*SLAPolicy, error) {
	var p SLAPolicy
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		p, err = s.policy(ctx, tx, scope, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateSLAPolicy adds a policy (one per severity and type).
func (s *Store) CreateSLAPolicy(ctx context.Context, scope tenant.Scope, in SLAPolicyInput) (*SLAPolicy, error) {
	now := s.now()
	p := SLAPolicy{ID: newID(), Name: in.Name, Severity: in.Severity, Type: in.Type, AckMinutes: in.AckMinutes,
		ResolveMinutes: in.ResolveMinutes, WarnPercent: in.WarnPercent, Hours: in.Hours, EscalationRole: in.EscalationRole,
		CreatedAt: now, UpdatedAt: now}
	if p.WarnPercent == 0 {
		p.WarnPercent = DefaultWarnPct
	}
	if p.Hours == "" {
		p.Hours = Hours24x7
	}
	switch p.EscalationRole {
	case "":
		p.EscalationRole = defaultEscalate
	case "-":
		p.EscalationRole = ""
	}
	if err := p.validate("body."); err != nil {
		return nil, err
	}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := s.ensureSLA(ctx, tx, scope); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incident_sla_policies WHERE org_id = $1`, scope.Org().String()).Scan(&n); err != nil {
			return fmt.Errorf("incident: count SLA policies: %w", err)
		}
		if n >= MaxSLAPolicies {
			return apperr.Conflict(fmt.Sprintf("an org has at most %d SLA policies", MaxSLAPolicies)).WithCode("sla_policy_limit")
		}
		if err := s.insertPolicy(ctx, tx, scope, &p); err != nil {
			return err
		}
		return auditRecord(ctx, tx, scope, "incident.sla_policy.create", "incident_sla_policy", p.ID.String(), mustJSON(p))
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateSLAPolicy changes a policy. Running clocks keep the targets they
// started with until their incident's severity or type changes.
func (s *Store) UpdateSLAPolicy(ctx context.Context, scope tenant.Scope, id uuid.UUID, c SLAPolicyChange) (*SLAPolicy, error) {
	var p SLAPolicy
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if p, err = s.policy(ctx, tx, scope, id); err != nil {
			return err
		}
		for _, f := range []struct {
			src *string
			dst *string
		}{{c.Name, &p.Name}, {c.Severity, &p.Severity}, {c.Type, &p.Type}, {c.Hours, &p.Hours}, {c.EscalationRole, &p.EscalationRole}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		for _, f := range []struct {
			src *int
			dst *int
		}{{c.AckMinutes, &p.AckMinutes}, {c.ResolveMinutes, &p.ResolveMinutes}, {c.WarnPercent, &p.WarnPercent}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if err := p.validate("body."); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		_, err = tx.ExecContext(ctx, `UPDATE incident_sla_policies SET name = $3, severity = $4, type = $5, ack_seconds = $6, resolve_seconds = $7,
 warn_percent = $8, business_hours = $9, escalation_role = $10, updated_at = $11 WHERE org_id = $1 AND id = $2`,
			scope.Org().String(), id.String(), p.Name, p.Severity, p.Type, int64(p.AckMinutes)*60, int64(p.ResolveMinutes)*60,
			p.WarnPercent, p.Hours == HoursBusiness, p.EscalationRole, p.UpdatedAt)
		if db.IsUniqueViolation(err) {
			return apperr.Conflict("a policy for this severity and type exists").WithCode("sla_policy_exists")
		}
		if err != nil {
			return fmt.Errorf("incident: update SLA policy: %w", err)
		}
		return auditRecord(ctx, tx, scope, "incident.sla_policy.update", "incident_sla_policy", id.String(), mustJSON(c))
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// DeleteSLAPolicy removes a policy (running clocks keep their targets).
func (s *Store) DeleteSLAPolicy(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		p, err := s.policy(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_sla_policies WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()); err != nil {
			return fmt.Errorf("incident: delete SLA policy: %w", err)
		}
		return auditRecord(ctx, tx, scope, "incident.sla_policy.delete", "incident_sla_policy", id.String(), mustJSON(map[string]string{"name": p.Name}))
	})
}

// matchPolicy returns the most specific policy for a severity and type.
func (s *Store) matchPolicy(ctx context.Context, tx *db.Tx, scope tenant.Scope, severity, typ string) (*SLAPolicy, error) {
	p, err := scanPolicy(tx.QueryRowContext(ctx, `SELECT `+policyCols+` FROM incident_sla_policies
WHERE org_id = $1 AND (severity = $2 OR severity = '') AND (type = $3 OR type = '')
ORDER BY CASE WHEN type = '' THEN 1 ELSE 0 END, CASE WHEN severity = '' THEN 1 ELSE 0 END LIMIT 1`, scope.Org().String(), severity, typ))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// businessHours reads the org's calendar (nil when never set up).
func (s *Store) businessHours(ctx context.Context, tx *db.Tx, scope tenant.Scope) (*BusinessHours, *Calendar, error) {
	var b BusinessHours
	var week, holidays string
	err := tx.QueryRowContext(ctx, `SELECT timezone, week, holidays, updated_at FROM incident_sla_calendars WHERE org_id = $1`,
		scope.Org().String()).Scan(&b.Timezone, &week, &holidays, &b.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		def := defaultBusinessHours()
		c, _ := def.compile()
		return &BusinessHours{Timezone: def.Timezone, Week: def.Week, Holidays: def.Holidays}, c, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("incident: read business hours: %w", err)
	}
	if err := json.Unmarshal([]byte(week), &b.Week); err != nil {
		return nil, nil, fmt.Errorf("incident: decode business week: %w", err)
	}
	if err := json.Unmarshal([]byte(holidays), &b.Holidays); err != nil {
		return nil, nil, fmt.Errorf("incident: decode holidays: %w", err)
	}
	for _, d := range b.Week.days() {
		*d = nonNil(*d)
	}
	b.Holidays = nonNil(b.Holidays)
	b.UpdatedAt = b.UpdatedAt.UTC()
	in := BusinessHoursInput{Timezone: b.Timezone, Week: b.Week, Holidays: b.Holidays}
	c, err := in.compile()
	if err != nil {
		return nil, nil, fmt.Errorf("incident: stored business hours invalid: %w", err)
	}
	return &b, c, nil
}

// BusinessHours returns the org's business calendar.
func (s *Store) BusinessHours(ctx context.Context, scope tenant.Scope) (*BusinessHours, error) {
	var b *BusinessHours
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := s.ensureSLA(ctx, tx, scope); err != nil {
			return err
		}
		var err error
		b, _, err = s.businessHours(ctx, tx, scope)
		return err
	})
	return b, err
}

// SetBusinessHours replaces the org's business calendar. Running clocks of
// business-hours policies are replanned on it.
func (s *Store) SetBusinessHours(ctx context.Context, scope tenant.Scope, in BusinessHoursInput) (*BusinessHours, error) {
	for _, d := range in.Week.days() {
		*d = nonNil(*d)
	}
	in.Holidays = nonNil(in.Holidays)
	cal, err := in.compile()
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := s.ensureSLA(ctx, tx, scope); err != nil {
			return err
		}
		_, old, err := s.businessHours(ctx, tx, scope)
		if err != nil {
			return err
		}
		week, _ := json.Marshal(in.Week)
		hol, _ := json.Marshal(in.Holidays)
		if _, err := tx.ExecContext(ctx, `UPDATE incident_sla_calendars SET timezone = $2, week = $3, holidays = $4, updated_at = $5 WHERE org_id = $1`,
			scope.Org().String(), in.Timezone, string(week), string(hol), now); err != nil {
			return fmt.Errorf("incident: set business hours: %w", err)
		}
		if err := s.replanBusiness(ctx, tx, scope, old, cal, now); err != nil {
			return err
		}
		return auditRecord(ctx, tx, scope, "incident.sla_calendar.update", "incident_sla_calendar", scope.Org().String(), mustJSON(in))
	})
	if err != nil {
		return nil, err
	}
	return &BusinessHours{Timezone: in.Timezone, Week: in.Week, Holidays: in.Holidays, UpdatedAt: now}, nil
}
