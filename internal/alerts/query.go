// Package alerts is the analyst side of alerts: list with filters and
// keyset pagination, get one, update status/assignee/tags (one or many, in
// one transaction, audited) and per-user saved filters. Intake lives in
// internal/ingest.
package alerts

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/attack"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/page"
)

// Sort orders of the list.
const (
	SortReceived = "received_time"
	SortEvent    = "event_time"
	SortSeverity = "severity"
)

// Page size bounds.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// AlertQuery selects alerts. Empty fields do not filter.
// The bounds match the list operation's query parameters.
type AlertQuery struct {
	Severities  []alert.Severity `json:"severity,omitempty" maxItems:"8"`
	Statuses    []alert.Status   `json:"status,omitempty" maxItems:"6"`
	SourceTypes []string         `json:"source_type,omitempty" maxItems:"20"`
	From        *time.Time       `json:"from,omitempty" doc:"Inclusive lower bound of the event time"`
	To          *time.Time       `json:"to,omitempty" doc:"Exclusive upper bound of the event time"`
	EntityType  string           `json:"entity_type,omitempty" maxLength:"32"`
	EntityValue string           `json:"entity_value,omitempty" maxLength:"600"`
	Technique   string           `json:"technique,omitempty" maxLength:"20" doc:"ATT&CK technique id, any case; a technique also matches its sub-techniques"`
	Assignee    string           `json:"assignee,omitempty" maxLength:"36"` // uuid, or "none"
	Tag         string           `json:"tag,omitempty" maxLength:"64" doc:"Tag, any case"`
	Text        string           `json:"q,omitempty" maxLength:"200"`
	Since       string           `json:"since,omitempty" enum:"1h,24h,7d,30d" doc:"Event time within this long before now"`
	Sort        string           `json:"sort,omitempty" maxLength:"20"`
	Ascending   bool             `json:"ascending,omitempty"`
}

// sinceDurations are the relative time presets of the list.
var sinceDurations = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

// window returns the effective event-time bounds of q at now: since
// narrows from when it is later.
func (q *AlertQuery) window(now time.Time) (from, to *time.Time) {
	from, to = q.From, q.To
	if d, ok := sinceDurations[q.Since]; ok {
		s := now.Add(-d).UTC()
		if from == nil || from.Before(s) {
			from = &s
		}
	}
	return from, to
}

// normalize canonicalizes the case of q's technique and tag (the forms
// stored) and checks the technique, naming bad fields under prefix.
func (q *AlertQuery) normalize(prefix string) []apperr.FieldError {
	var out []apperr.FieldError
	if q.Technique != "" {
		t, ok := attack.CanonicalID(q.Technique)
		if !ok {
			t = q.Technique
		}
		if !ok {
			out = append(out, apperr.Field(prefix+"technique", "not an ATT&CK technique id (T1234 or T1234.001)"))
		}
		q.Technique = t
	}
	q.Tag = normTag(q.Tag)
	return out
}

// normTag is the stored form of a tag: trimmed and lower-case, so that
// filters match whatever case an analyst typed.
func normTag(t string) string { return strings.ToLower(strings.TrimSpace(t)) }

// cursor is the keyset position after the last row of a page.
type cursor struct {
	Sort string    `json:"s"`
	Asc  bool      `json:"a,omitempty"`
	Time time.Time `json:"t"`
	Sev  int       `json:"v,omitempty"`
	ID   uuid.UUID `json:"i"`
}

// cursorKind tags the alert list's cursors.
const cursorKind = "alerts"

func (c cursor) encode() string { return page.Encode(cursorKind, c) }

func decodeCursor(s string) (cursor, error) {
	c, err := page.Decode[cursor](cursorKind, s)
	if err != nil {
		return c, err
	}
	validSort := c.Sort == SortReceived || c.Sort == SortEvent || c.Sort == SortSeverity
	if c.ID == uuid.Nil || !validSort || c.Sev < 0 || c.Sev > math.MaxInt16 {
		return c, apperr.Validation("invalid cursor", apperr.Field("query.cursor", "not a cursor returned by this API"))
	}
	return c, nil
}

// builder accumulates a WHERE clause with numbered placeholders.
type builder struct {
	where []string
	args  []any
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *builder) add(cond string) { b.where = append(b.where, cond) }

// listQuery builds the SELECT for f after cur (may be nil), fetching limit+1 rows.
// entityID is the resolved id of f's entity filter ("" for none); textEntities
// are the ids of entities whose value is f.Text (they match like the text).
// from and to are the event-time bounds (see AlertQuery.window).
func listQuery(dialect db.Dialect, org uuid.UUID, f AlertQuery, entityID string, textEntities []string, from, to *time.Time, cur *cursor, limit int) (string, []any) {
	b := &builder{}
	orgArg := b.arg(org.String())
	b.add("a.org_id = " + orgArg)
	if len(f.Severities) > 0 {
		ph := make([]string, len(f.Severities))
		for i, s := range f.Severities {
			ph[i] = b.arg(int(s))
		}
		b.add("a.severity_id IN (" + strings.Join(ph, ", ") + ")")
	}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ph[i] = b.arg(string(s))
		}
		b.add("a.status IN (" + strings.Join(ph, ", ") + ")")
	}
	if len(f.SourceTypes) > 0 {
		ph := make([]string, len(f.SourceTypes))
		for i, s := range f.SourceTypes {
			ph[i] = b.arg(s)
		}
		b.add("a.source_type IN (" + strings.Join(ph, ", ") + ")")
	}
	timeCol := "a.received_time"
	if f.Sort == SortEvent {
		timeCol = "a.event_time"
	}
	// The time window is always on the event time, whatever the sort.
	if from != nil {
		b.add("a.event_time >= " + b.arg(from.UTC()))
	}
	if to != nil {
		b.add("a.event_time < " + b.arg(to.UTC()))
	}
	if entityID != "" {
		// The entity id is resolved first so that PostgreSQL plans with its
		// statistics: walk the time index for common entities, the entity's
		// links for rare ones.
		b.add(fmt.Sprintf(`a.id IN (SELECT ae.alert_id FROM alert_entities ae WHERE ae.org_id = %s AND ae.entity_id = %s)`, orgArg, b.arg(entityID)))
	}
	jsonHas := func(col, v string) string {
		if dialect == db.Postgres {
			return fmt.Sprintf("a.%s @> jsonb_build_array(%s::text)", col, b.arg(v))
		}
		return fmt.Sprintf("EXISTS (SELECT 1 FROM json_each(a.%s) WHERE json_each.value = %s)", col, b.arg(v))
	}
	switch {
	case f.Technique == "":
	case strings.Contains(f.Technique, "."):
		if dialect == db.Postgres {
			// Served by the roots index (migration 00100 dropped the GIN
			// on techniques), then the exact sub-technique is checked.
			root, _, _ := strings.Cut(f.Technique, ".")
			b.add("alert_technique_roots(a.techniques) @> ARRAY[upper(" + b.arg(root) + "::text)]")
		}
		b.add(jsonHas("techniques", f.Technique))
	case dialect == db.Postgres:
		// A technique matches its sub-techniques: the expression GIN index
		// on alert_technique_roots (migration 00080) serves it.
		b.add("alert_technique_roots(a.techniques) @> ARRAY[" + b.arg(f.Technique) + "::text]")
	default:
		p := b.arg(f.Technique)
		b.add(fmt.Sprintf("EXISTS (SELECT 1 FROM json_each(a.techniques) WHERE json_each.value = %[1]s OR json_each.value LIKE %[1]s || '.%%')", p))
	}
	if f.Tag != "" {
		b.add(jsonHas("tags", f.Tag))
	}
	switch f.Assignee {
	case "":
	case "none":
		b.add("a.assignee IS NULL")
	default:
		b.add("a.assignee = " + b.arg(f.Assignee))
	}
	if f.Text != "" {
		var text string
		if dialect == db.Postgres {
			// The expression of the GIN index alerts_search (migration 00231).
			text = "to_tsvector('simple', a.title || ' ' || a.description) @@ plainto_tsquery('simple', " + b.arg(f.Text) + ")"
		} else {
			p := b.arg("%" + escapeLike(f.Text) + "%")
			text = fmt.Sprintf(`a.title LIKE %[1]s ESCAPE '\' OR a.description LIKE %[1]s ESCAPE '\'`, p)
		}
		if len(textEntities) > 0 {
			ph := make([]string, len(textEntities))
			for i, id := range textEntities {
				ph[i] = b.arg(id)
			}
			text += fmt.Sprintf(` OR a.id IN (SELECT ae.alert_id FROM alert_entities ae WHERE ae.org_id = %s AND ae.entity_id IN (%s))`, orgArg, strings.Join(ph, ", "))
		}
		b.add("(" + text + ")")
	}
	dir, cmp := "DESC", "<"
	if f.Ascending {
		dir, cmp = "ASC", ">"
	}
	var order string
	switch f.Sort {
	case SortSeverity:
		order = fmt.Sprintf("a.severity_id %[1]s, a.received_time %[1]s, a.id %[1]s", dir)
		if cur != nil {
			b.add(fmt.Sprintf("(a.severity_id, a.received_time, a.id) %s (%s, %s, %s)", cmp, b.arg(cur.Sev), b.arg(cur.Time.UTC()), b.arg(cur.ID.String())))
		}
	default:
		order = fmt.Sprintf("%[2]s %[1]s, a.id %[1]s", dir, timeCol)
		if cur != nil {
			b.add(fmt.Sprintf("(%s, a.id) %s (%s, %s)", timeCol, cmp, b.arg(cur.Time.UTC()), b.arg(cur.ID.String())))
		}
	}
	q := `SELECT ` + listCols + ` FROM alerts a WHERE ` + strings.Join(b.where, " AND ") +
		` ORDER BY ` + order + ` LIMIT ` + b.arg(limit+1)
	return q, b.args
}

const listCols = `a.id, a.org_id, a.event_time, a.received_time, a.severity_id, a.title, a.description, a.status, a.source_type,
 a.source_vendor, a.source_product, a.source_ref, a.rule_id, a.rule_name, a.tactics, a.techniques, a.tags, a.quality,
 a.fingerprint, a.count, a.first_seen, a.last_seen, a.assignee, a.last_event_time`

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// ParseEntity splits "type:value".
func ParseEntity(s string) (alert.EntityType, string, bool) {
	t, v, ok := strings.Cut(s, ":")
	if !ok || t == "" || v == "" {
		return "", "", false
	}
	return alert.EntityType(strings.ToLower(t)), v, true
}
