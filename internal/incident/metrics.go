package incident

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// AlertStats counts alert closure verdicts by rule and source (the alert
// domain, through a facade wired in internal/app).
type AlertStats interface {
	Verdicts(ctx context.Context, scope tenant.Scope, from, to time.Time) ([]alert.Verdicts, error)
}

// Metrics groupings.
const (
	GroupNone     = ""
	GroupPeriod   = "period"
	GroupSeverity = "severity"
	GroupType     = "type"
	GroupAssignee = "assignee"
)

// MaxMetricsRange bounds a metrics query.
const MaxMetricsRange = 366 * 24 * time.Hour

// MetricsQuery selects the incidents created in [From, To), grouped by one
// of period (Period day or week, in the org's time zone), severity, type
// or assignee.
type MetricsQuery struct {
	From, To time.Time
	GroupBy  string
	Period   string
}

// MetricsBucket is the work measured over one group of incidents.
type MetricsBucket struct {
	Key          string   `json:"key" doc:"Group value: period start date (YYYY-MM-DD, org time zone), severity, type ('' none) or assignee id ('none'); 'all' for the total"`
	Incidents    int      `json:"incidents"`
	Acknowledged int      `json:"acknowledged" doc:"Incidents that left new"`
	Resolved     int      `json:"resolved" doc:"Incidents resolved or closed at least once"`
	MTTASeconds  *float64 `json:"mtta_seconds,omitempty" doc:"Mean time from creation to the first move out of new (state-change log)"`
	MTTRSeconds  *float64 `json:"mttr_seconds,omitempty" doc:"Mean time from creation to the first resolve or close (state-change log)"`
	SLATracked   int      `json:"sla_tracked" doc:"Incidents with an SLA clock"`
	SLAMet       int      `json:"sla_met" doc:"SLA clocks with both targets met in time"`
	SLABreached  int      `json:"sla_breached" doc:"SLA clocks with a breached target (raised, late, or overdue now)"`
	AckBreached  int      `json:"ack_breached"`
	ResBreached  int      `json:"resolve_breached"`
	// SLACompliance is met / (met + breached): open clocks still in time
	// are not decided yet.
	SLACompliance *float64 `json:"sla_compliance,omitempty" doc:"sla_met / (sla_met + sla_breached), 0 to 1"`

	ttaSum, ttrSum float64
}

// FalsePositiveRate is the false-positive share of one detection rule or
// source: of the incidents holding its alerts that got a disposition, and
// of its alerts closed by analysts (closure reasons).
type FalsePositiveRate struct {
	Key                    string   `json:"key"`
	Incidents              int      `json:"incidents" doc:"Incidents with a disposition holding alerts of this key"`
	FalsePositiveIncidents int      `json:"false_positive_incidents"`
	IncidentRate           *float64 `json:"incident_rate,omitempty" doc:"false_positive_incidents / incidents"`
	AlertsClosed           int      `json:"alerts_closed" doc:"Alerts of this key received in the range and closed (resolved or false_positive)"`
	AlertsFalsePositive    int      `json:"alerts_false_positive"`
	AlertRate              *float64 `json:"alert_rate,omitempty" doc:"alerts_false_positive / alerts_closed"`
}

// Metrics is the answer of GET /incidents/metrics.
type Metrics struct {
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	GroupBy  string          `json:"group_by,omitempty"`
	Period   string          `json:"period,omitempty"`
	Timezone string          `json:"timezone" doc:"Time zone period keys are in (the org's business-hours zone)"`
	Total    MetricsBucket   `json:"total"`
	Groups   []MetricsBucket `json:"groups"`
	// FalsePositives by detection rule and by source type.
	FalsePositives struct {
		ByRule   []FalsePositiveRate `json:"by_rule"`
		BySource []FalsePositiveRate `json:"by_source"`
	} `json:"false_positives"`
}

func (b *MetricsBucket) finish() {
	if b.Acknowledged > 0 {
		v := b.ttaSum / float64(b.Acknowledged)
		b.MTTASeconds = &v
	}
	if b.Resolved > 0 {
		v := b.ttrSum / float64(b.Resolved)
		b.MTTRSeconds = &v
	}
	if d := b.SLAMet + b.SLABreached; d > 0 {
		v := float64(b.SLAMet) / float64(d)
		b.SLACompliance = &v
	}
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

type metricIncident struct {
	id        uuid.UUID
	sev       alert.Severity
	typ       string
	assignee  string
	created   time.Time
	ack, res  *time.Time
	tracked   bool
	met       bool
	ackBreach bool
	resBreach bool
}

// Metrics measures the incidents created in [q.From, q.To) from their
// immutable state-change log (MTTA, MTTR), their SLA clocks (compliance)
// and the dispositions and alert closure reasons (false-positive rates).
func (s *Store) Metrics(ctx context.Context, scope tenant.Scope, q MetricsQuery) (*Metrics, error) {
	var fields []apperr.FieldError
	if !q.To.After(q.From) {
		fields = append(fields, apperr.Field("query.to", "must be after from"))
	} else if q.To.Sub(q.From) > MaxMetricsRange {
		fields = append(fields, apperr.Field("query.from", "the range is at most 366 days"))
	}
	if !slices.Contains([]string{GroupNone, GroupPeriod, GroupSeverity, GroupType, GroupAssignee}, q.GroupBy) {
		fields = append(fields, apperr.Field("query.group_by", "one of period, severity, type, assignee"))
	}
	if q.Period == "" {
		q.Period = "day"
	}
	if q.Period != "day" && q.Period != "week" {
		fields = append(fields, apperr.Field("query.period", "day or week"))
	}
	if len(fields) > 0 {
		return nil, apperr.Validation("invalid metrics query", fields...)
	}
	m := &Metrics{From: q.From.UTC(), To: q.To.UTC(), GroupBy: q.GroupBy, Groups: []MetricsBucket{}}
	if q.GroupBy == GroupPeriod {
		m.Period = q.Period
	}
	now := s.now()
	var incs []*metricIncident
	byRule, bySource := map[string]*FalsePositiveRate{}, map[string]*FalsePositiveRate{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		bh, _, err := s.businessHours(ctx, tx, scope)
		if err != nil {
			return err
		}
		m.Timezone = bh.Timezone
		org, from, to := scope.Org().String(), q.From.UTC(), q.To.UTC()
		cohort := `i.org_id = $1 AND i.created_at >= $2 AND i.created_at < $3 AND i.merged_into IS NULL`
		byID := map[uuid.UUID]*metricIncident{}
		if err := eachRow(ctx, tx, `SELECT i.id, i.severity_id, i.type, i.assignee, i.created_at FROM incidents i WHERE `+cohort, []any{org, from, to},
			func(rs *sql.Rows) error {
				var mi metricIncident
				var sev int
				var assignee sql.NullString
				if err := rs.Scan(&mi.id, &sev, &mi.typ, &assignee, &mi.created); err != nil {
					return err
				}
				mi.sev, mi.assignee, mi.created = alert.Severity(sev), "none", mi.created.UTC()
				if assignee.Valid {
					mi.assignee = assignee.String
				}
				incs = append(incs, &mi)
				byID[mi.id] = &mi
				return nil
			}); err != nil {
			return fmt.Errorf("incident: metrics cohort: %w", err)
		}
		// MTTA and MTTR from the state-change log: the creation entry, the
		// first move out of new, the first resolve or close.
		if err := eachRow(ctx, tx, `SELECT l.incident_id, l.kind, l.from_value, l.to_value, l.at FROM incident_log l
JOIN incidents i ON i.org_id = l.org_id AND i.id = l.incident_id
WHERE l.org_id = $1 AND `+cohort+` AND l.kind IN ('created', 'status') ORDER BY l.at, l.id`, []any{org, from, to},
			func(rs *sql.Rows) error {
				var id uuid.UUID
				var kind, fromV, toV string
				var at time.Time
				if err := rs.Scan(&id, &kind, &fromV, &toV, &at); err != nil {
					return err
				}
				mi := byID[id]
				if mi == nil {
					return nil
				}
				at = at.UTC()
				switch {
				case kind == "created":
					mi.created = at
				case fromV == string(StatusNew) && mi.ack == nil:
					mi.ack = &at
				}
				if kind == "status" && (toV == string(StatusResolved) || toV == string(StatusClosed)) && mi.res == nil {
					mi.res = &at
				}
				return nil
			}); err != nil {
			return fmt.Errorf("incident: metrics log: %w", err)
		}
		if err := eachRow(ctx, tx, `SELECT s.incident_id, `+prefixCols("s.", clockCols)+` FROM incident_sla s
JOIN incidents i ON i.org_id = s.org_id AND i.id = s.incident_id WHERE s.org_id = $1 AND `+cohort, []any{org, from, to},
			func(rs *sql.Rows) error {
				var id uuid.UUID
				c, err := scanClock(rs, &id)
				if err != nil {
					return err
				}
				mi := byID[id]
				if mi == nil {
					return nil
				}
				st := c.status(Clock{}, now)
				mi.tracked = true
				mi.ackBreach = st.Acknowledge.State == SLABreached
				mi.resBreach = st.Resolve.State == SLABreached
				mi.met = st.Acknowledge.State == SLAMet && st.Resolve.State == SLAMet
				return nil
			}); err != nil {
			return fmt.Errorf("incident: metrics SLA: %w", err)
		}
		// False positives by rule and source: incidents with a disposition
		// holding their alerts (counted once per key) ...
		type seenKey struct {
			key string
			id  uuid.UUID
		}
		seen := map[seenKey]bool{}
		if err := eachRow(ctx, tx, `SELECT ia.rule, ia.source_type, i.id, i.disposition FROM incident_alerts ia
JOIN incidents i ON i.org_id = ia.org_id AND i.id = ia.incident_id WHERE ia.org_id = $1 AND `+cohort+` AND i.disposition <> ''`, []any{org, from, to},
			func(rs *sql.Rows) error {
				var rule, source, disp string
				var id uuid.UUID
				if err := rs.Scan(&rule, &source, &id, &disp); err != nil {
					return err
				}
				for _, p := range []struct {
					m   map[string]*FalsePositiveRate
					key string
				}{{byRule, "rule:" + rule}, {bySource, "source:" + source}} {
					if seen[seenKey{p.key, id}] {
						continue
					}
					seen[seenKey{p.key, id}] = true
					r := fpEntry(p.m, strings.SplitN(p.key, ":", 2)[1])
					r.Incidents++
					if Disposition(disp) == DispositionFalsePositive {
						r.FalsePositiveIncidents++
					}
				}
				return nil
			}); err != nil {
			return fmt.Errorf("incident: metrics dispositions: %w", err)
		}
		// ... and the alerts' own closure reasons.
		if s.AlertStats != nil {
			vs, err := s.AlertStats.Verdicts(ctx, scope, from, to)
			if err != nil {
				return fmt.Errorf("incident: metrics alert verdicts: %w", err)
			}
			for _, v := range vs {
				for _, r := range []*FalsePositiveRate{fpEntry(byRule, v.Rule), fpEntry(bySource, v.Source)} {
					r.AlertsClosed += v.Closed
					r.AlertsFalsePositive += v.FalsePositive
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(m.Timezone)
	if err != nil {
		loc = time.UTC
	}
	m.Total.Key = "all"
	groups := map[string]*MetricsBucket{}
	for _, mi := range incs {
		buckets := []*MetricsBucket{&m.Total}
		if q.GroupBy != GroupNone {
			k := groupKey(mi, q, loc)
			b := groups[k]
			if b == nil {
				b = &MetricsBucket{Key: k}
				groups[k] = b
			}
			buckets = append(buckets, b)
		}
		for _, b := range buckets {
			b.Incidents++
			if mi.ack != nil {
				b.Acknowledged++
				b.ttaSum += mi.ack.Sub(mi.created).Seconds()
			}
			if mi.res != nil {
				b.Resolved++
				b.ttrSum += mi.res.Sub(mi.created).Seconds()
			}
			if mi.tracked {
				b.SLATracked++
				switch {
				case mi.ackBreach || mi.resBreach:
					b.SLABreached++
				case mi.met:
					b.SLAMet++
				}
				if mi.ackBreach {
					b.AckBreached++
				}
				if mi.resBreach {
					b.ResBreached++
				}
			}
		}
	}
	m.Total.finish()
	for _, b := range groups {
		b.finish()
		m.Groups = append(m.Groups, *b)
	}
	sort.Slice(m.Groups, func(i, j int) bool { return m.Groups[i].Key < m.Groups[j].Key })
	m.FalsePositives.ByRule, m.FalsePositives.BySource = fpList(byRule), fpList(bySource)
	return m, nil
}

func groupKey(mi *metricIncident, q MetricsQuery, loc *time.Location) string {
	switch q.GroupBy {
	case GroupSeverity:
		return mi.sev.String()
	case GroupType:
		return mi.typ
	case GroupAssignee:
		return mi.assignee
	}
	t := mi.created.In(loc)
	y, mo, d := t.Date()
	day := time.Date(y, mo, d, 0, 0, 0, 0, loc)
	if q.Period == "week" {
		// ISO weeks start on Monday.
		back := (int(day.Weekday()) + 6) % 7
		day = time.Date(y, mo, d-back, 0, 0, 0, 0, loc)
	}
	return day.Format(time.DateOnly)
}

func fpEntry(m map[string]*FalsePositiveRate, key string) *FalsePositiveRate {
	r := m[key]
	if r == nil {
		r = &FalsePositiveRate{Key: key}
		m[key] = r
	}
	return r
}

func fpList(m map[string]*FalsePositiveRate) []FalsePositiveRate {
	out := make([]FalsePositiveRate, 0, len(m))
	for _, r := range m {
		r.IncidentRate = ratio(r.FalsePositiveIncidents, r.Incidents)
		r.AlertRate = ratio(r.AlertsFalsePositive, r.AlertsClosed)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

func eachRow(ctx context.Context, tx *db.Tx, q string, args []any, fn func(rs *sql.Rows) error) error {
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rs.Close() }()
	for rs.Next() {
		if err := fn(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}
