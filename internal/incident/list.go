package incident

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Sort orders of the list.
const (
	SortCreated  = "created_at"
	SortUpdated  = "updated_at"
	SortSeverity = "severity"
)

// Page size bounds.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Query selects incidents. Empty fields do not filter.
type Query struct {
	Statuses   []Status
	Severities []alert.Severity
	Priorities []Priority
	Type       string
	// Assignee is a user id, or "none" for unassigned.
	Assignee string
	Tag      string
	// Alert selects the incident holding this alert.
	Alert *uuid.UUID
	// From and To bound the creation time (inclusive, exclusive).
	From, To *time.Time
	// FieldKey and FieldValue select incidents whose custom field equals
	// the value (or, for multi_select, contains it).
	FieldKey, FieldValue string
	// SLAStates selects incidents whose SLA is in any of these states
	// (ok, warning, breached, paused, met) at Now.
	SLAStates []string
	// Now is the instant SLA states are judged at (zero: the store's
	// clock).
	Now       time.Time
	Sort      string
	Ascending bool
}

type cursor struct {
	Sort string    `json:"s"`
	Asc  bool      `json:"a,omitempty"`
	Time time.Time `json:"t"`
	Sev  int       `json:"v,omitempty"`
	ID   uuid.UUID `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	valid := c.Sort == SortCreated || c.Sort == SortUpdated || c.Sort == SortSeverity
	if err != nil || c.ID == uuid.Nil || !valid || c.Sev < 0 || c.Sev > 99 {
		return c, apperr.Validation("invalid cursor", apperr.Field("query.cursor", "not a cursor returned by this API"))
	}
	return c, nil
}

type builder struct {
	where []string
	args  []any
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *builder) add(cond string) { b.where = append(b.where, cond) }

func (b *builder) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = b.arg(v)
	}
	b.add(col + " IN (" + strings.Join(ph, ", ") + ")")
}

func listQuery(dialect db.Dialect, org uuid.UUID, q Query, cur *cursor, limit int) (string, []any) {
	b := &builder{}
	orgArg := b.arg(org.String())
	b.add("i.org_id = " + orgArg)
	st := make([]string, len(q.Statuses))
	for i, s := range q.Statuses {
		st[i] = string(s)
	}
	b.in("i.status", st)
	pr := make([]string, len(q.Priorities))
	for i, p := range q.Priorities {
		pr[i] = string(p)
	}
	b.in("i.priority", pr)
	if len(q.Severities) > 0 {
		ph := make([]string, len(q.Severities))
		for i, s := range q.Severities {
			ph[i] = b.arg(int(s))
		}
		b.add("i.severity_id IN (" + strings.Join(ph, ", ") + ")")
	}
	if q.Type != "" {
		b.add("i.type = " + b.arg(q.Type))
	}
	switch q.Assignee {
	case "":
	case "none":
		b.add("i.assignee IS NULL")
	default:
		b.add("i.assignee = " + b.arg(q.Assignee))
	}
	if q.Tag != "" {
		if dialect == db.Postgres {
			b.add("i.tags @> jsonb_build_array(" + b.arg(q.Tag) + "::text)")
		} else {
			b.add("EXISTS (SELECT 1 FROM json_each(i.tags) WHERE json_each.value = " + b.arg(q.Tag) + ")")
		}
	}
	if q.Alert != nil {
		b.add(fmt.Sprintf("i.id IN (SELECT ia.incident_id FROM incident_alerts ia WHERE ia.org_id = %s AND ia.alert_id = %s)", orgArg, b.arg(q.Alert.String())))
	}
	if q.FieldKey != "" {
		k, v := b.arg(q.FieldKey), b.arg(q.FieldValue)
		if dialect == db.Postgres {
			b.add(fmt.Sprintf("(i.custom_fields ->> %[1]s::text = %[2]s::text OR i.custom_fields -> %[1]s::text @> jsonb_build_array(%[2]s::text))", k, v))
		} else {
			b.add(fmt.Sprintf("(CAST(json_extract(i.custom_fields, '$.' || %[1]s) AS TEXT) = %[2]s OR EXISTS (SELECT 1 FROM json_each(i.custom_fields, '$.' || %[1]s) WHERE json_each.value = %[2]s))", k, v))
		}
	}
	if len(q.SLAStates) > 0 {
		now := ""
		if slices.ContainsFunc(q.SLAStates, func(s string) bool { return s != SLAPaused }) {
			now = b.arg(q.Now.UTC())
		}
		conds := make([]string, len(q.SLAStates))
		for i, st := range q.SLAStates {
			conds[i] = "(" + slaStateCond(st, now) + ")"
		}
		b.add(fmt.Sprintf("EXISTS (SELECT 1 FROM incident_sla s WHERE s.org_id = %s AND s.incident_id = i.id AND (%s))", orgArg, strings.Join(conds, " OR ")))
	}
	timeCol := "i.created_at"
	if q.Sort == SortUpdated {
		timeCol = "i.updated_at"
	}
	if q.From != nil {
		b.add("i.created_at >= " + b.arg(q.From.UTC()))
	}
	if q.To != nil {
		b.add("i.created_at < " + b.arg(q.To.UTC()))
	}
	dir, cmp := "DESC", "<"
	if q.Ascending {
		dir, cmp = "ASC", ">"
	}
	var order string
	if q.Sort == SortSeverity {
		order = fmt.Sprintf("i.severity_id %[1]s, i.created_at %[1]s, i.id %[1]s", dir)
		if cur != nil {
			b.add(fmt.Sprintf("(i.severity_id, i.created_at, i.id) %s (%s, %s, %s)", cmp, b.arg(cur.Sev), b.arg(cur.Time.UTC()), b.arg(cur.ID.String())))
		}
	} else {
		order = fmt.Sprintf("%[2]s %[1]s, i.id %[1]s", dir, timeCol)
		if cur != nil {
			b.add(fmt.Sprintf("(%s, i.id) %s (%s, %s)", timeCol, cmp, b.arg(cur.Time.UTC()), b.arg(cur.ID.String())))
		}
	}
	return `SELECT ` + incidentCols + ` FROM incidents i WHERE ` + strings.Join(b.where, " AND ") +
		` ORDER BY ` + order + ` LIMIT ` + b.arg(limit+1), b.args
}

// List returns one page of incidents matching q after the opaque cursor
// and the cursor of the next page ("" at the end).
func (s *Store) List(ctx context.Context, scope tenant.Scope, q Query, after string, limit int) ([]Incident, string, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	if q.Sort == "" {
		q.Sort = SortCreated
	}
	if q.Now.IsZero() {
		q.Now = s.now()
	}
	var cur *cursor
	if after != "" {
		c, err := decodeCursor(after)
		if err != nil {
			return nil, "", err
		}
		if c.Sort != q.Sort || c.Asc != q.Ascending {
			return nil, "", apperr.Validation("cursor belongs to another sort order", apperr.Field("query.cursor", "sort changed; start from the first page"))
		}
		cur = &c
	}
	out := make([]Incident, 0, limit)
	var sevs []int
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		sqlq, args := listQuery(s.DB.Dialect, scope.Org(), q, cur, limit)
		rs, err := tx.QueryContext(ctx, sqlq, args...)
		if err != nil {
			return fmt.Errorf("incident: list: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			r, err := scanIncident(rs)
			if err != nil {
				return err
			}
			out = append(out, r.Incident)
			sevs = append(sevs, int(r.sev))
		}
		if err := rs.Err(); err != nil {
			return err
		}
		_ = rs.Close()
		ptrs := make([]*Incident, len(out))
		for i := range out {
			ptrs[i] = &out[i]
		}
		return s.attachSLA(ctx, tx, scope, ptrs)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		c := cursor{Sort: q.Sort, Asc: q.Ascending, Time: last.CreatedAt, ID: last.ID}
		switch q.Sort {
		case SortUpdated:
			c.Time = last.UpdatedAt
		case SortSeverity:
			c.Sev = sevs[limit-1]
		}
		next = c.encode()
	}
	return out, next, nil
}

// Timeline lists an incident's state changes, oldest first, including
// those of incidents merged into it; after is the id of the previous
// page's last entry.
func (s *Store) Timeline(ctx context.Context, scope tenant.Scope, id uuid.UUID, after *uuid.UUID, limit int) ([]StateChange, string, error) {
	limit = max(1, min(limit, 500))
	out := []StateChange{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, id); err != nil {
			return err
		}
		q := `SELECT id, incident_id, at, actor, kind, from_value, to_value, details FROM incident_log l
WHERE l.org_id = $1 AND (l.incident_id = $2 OR l.incident_id IN (SELECT m.id FROM incidents m WHERE m.org_id = $1 AND m.merged_into = $2))`
		args := []any{scope.Org().String(), id.String()}
		if after != nil {
			q += ` AND (l.at, l.id) > (SELECT p.at, p.id FROM incident_log p WHERE p.org_id = $1 AND p.id = $3)`
			args = append(args, after.String())
		}
		rs, err := tx.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY l.at, l.id LIMIT %d`, limit+1), args...)
		if err != nil {
			return fmt.Errorf("incident: timeline: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var e StateChange
			var details string
			if err := rs.Scan(&e.ID, &e.IncidentID, &e.At, &e.Actor, &e.Kind, &e.From, &e.To, &details); err != nil {
				return fmt.Errorf("incident: scan log: %w", err)
			}
			e.At = e.At.UTC()
			if details != "{}" {
				e.Details = json.RawMessage(details)
			}
			out = append(out, e)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID.String()
	}
	return out, next, nil
}
