package timeline

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
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/tenant"
)

// cursorKind tags timeline cursors (internal/page).
const cursorKind = "timeline"

// key is a position in a timeline: the item's time and record id. Back
// asks for the items before it (in the page's order) instead of after;
// Desc is the order the cursor was made for.
type key struct {
	At   time.Time `json:"t"`
	ID   uuid.UUID `json:"i"`
	Back bool      `json:"b,omitempty"`
	Desc bool      `json:"d,omitempty"`
}

// Page is one page of a timeline.
type Page struct {
	Items []Item `json:"items"`
	// NextCursor continues in the page's order (absent on the last page).
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the items after this page (in its order); absent at the end"`
	// PrevCursor reads the items before this page (absent on the first).
	PrevCursor string `json:"prev_cursor,omitempty" doc:"Pass as cursor for the items before this page (in its order); absent at the start"`
}

// entityAlerts is the alert branch's source under an entity filter: the
// first limit+1 alerts linked to the incident that name one of
// q.Entities, from the page's position in its direction, read from
// incident_alert_entities (one range of its primary key per entity, in
// event-time order) and joined to their links by primary key. The plan
// needs no statistics (TestEntityFilterPlanWithoutStatistics): filtering
// the incident's alerts instead read all of them for a rare entity, as the
// never-analyzed planner takes (org_id, incident_id) for a single row.
// Alerts of merged incidents were moved to the survivor, so the one
// incident is enough.
func entityAlerts(b *builder, orgArg, incArg string, q Query, dir, cmp, kt, kid, from, to, lim string) string {
	w := []string{"x.org_id = " + orgArg, "x.incident_id = " + incArg}
	conds := make([]string, len(q.Entities))
	for i, e := range q.Entities {
		conds[i] = "(x.type = " + b.arg(e.Type) + " AND x.value = " + b.arg(e.Value) + ")"
	}
	w = append(w, "("+strings.Join(conds, " OR ")+")")
	if len(q.Sources) > 0 {
		w = append(w, "EXISTS (SELECT 1 FROM incident_alerts s WHERE s.org_id = x.org_id AND s.alert_id = x.alert_id AND s.source_type IN ("+
			b.list(q.Sources)+"))")
	}
	if kt != "" {
		w = append(w, fmt.Sprintf("(x.event_time, x.alert_id) %s (%s, %s)", cmp, kt, kid))
	}
	if from != "" {
		w = append(w, "x.event_time >= "+from)
	}
	if to != "" {
		w = append(w, "x.event_time < "+to)
	}
	// GROUP BY: an alert naming two of the entities counts once. CROSS
	// JOIN keeps m the outer loop on SQLite (PostgreSQL plans it as an
	// inner join; the caller's WHERE joins ia by primary key).
	return fmt.Sprintf("(SELECT x.event_time, x.alert_id FROM incident_alert_entities x WHERE %s GROUP BY x.event_time, x.alert_id "+
		"ORDER BY x.event_time %s, x.alert_id %s LIMIT %s) m CROSS JOIN incident_alerts ia",
		strings.Join(w, " AND "), dir, dir, lim)
}

// builder collects $n arguments.
type builder struct{ args []any }

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

func (b *builder) list(vals []string) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = b.arg(v)
	}
	return strings.Join(ph, ", ")
}

// want reports whether a filter list admits v (empty: any).
func want(list []string, v ...string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range v {
		if slices.Contains(list, x) {
			return true
		}
	}
	return false
}

// entityCond is the SQL condition "col (a JSON array of entities) holds one
// of es".
func entityCond(dialect db.Dialect, b *builder, col string, es []LinkedEntity) string {
	conds := make([]string, len(es))
	for i, e := range es {
		if dialect == db.Postgres {
			j, _ := json.Marshal([]map[string]string{{"type": e.Type, "value": e.Value}})
			conds[i] = col + " @> " + b.arg(string(j)) + "::jsonb"
		} else {
			conds[i] = fmt.Sprintf("EXISTS (SELECT 1 FROM json_each(%s) je WHERE json_extract(je.value, '$.type') = %s AND json_extract(je.value, '$.value') = %s)",
				col, b.arg(e.Type), b.arg(e.Value))
		}
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// branch is one source of the UNION: its SELECT list (the common columns),
// FROM, WHERE conditions, and its time and id columns.
type branch struct {
	sel, from string
	where     []string
	at, id    string
}

// The common columns every branch selects, in order:
// typ, id, at, cat, src, title, body, actor, ref, num, j1, j2, j3.
const unionCols = `typ, id, at, cat, src, title, body, actor, ref, num, j1, j2, j3`

// buildQuery is the one timeline query: a UNION ALL of one keyset-ordered,
// limited subquery per source (each served by its (org, incident, time, id)
// index without statistics), merged and cut to limit+1 outside.
func buildQuery(dialect db.Dialect, org uuid.UUID, incidents []uuid.UUID, q Query, k *key, limit int) (string, []any) {
	b := &builder{}
	orgArg := b.arg(org.String())
	// The incident arguments are numbered on first use: a query that
	// names no incident must not carry an unreferenced parameter
	// (PostgreSQL cannot type it).
	var incArg, incIn string
	incSet := func() string {
		if incIn == "" {
			incArg = b.arg(incidents[0].String())
			incIn = incArg
			if len(incidents) > 1 {
				ids := make([]string, len(incidents)-1)
				for i, id := range incidents[1:] {
					ids[i] = id.String()
				}
				incIn += ", " + b.list(ids)
			}
		}
		return incIn
	}
	inc := func() string { incSet(); return incArg }
	asc := !q.Descending
	if k != nil && k.Back {
		asc = !asc
	}
	dir, cmp := "DESC", "<"
	if asc {
		dir, cmp = "ASC", ">"
	}
	var kt, kid string
	if k != nil {
		kt, kid = b.arg(k.At.UTC()), b.arg(k.ID.String())
	}
	var from, to string
	if q.From != nil {
		from = b.arg(q.From.UTC())
	}
	if q.To != nil {
		to = b.arg(q.To.UTC())
	}
	var branches []branch
	text := func(col string) string { return "CAST(" + col + " AS TEXT)" }
	lim := b.arg(limit + 1)
	if want(q.Types, TypeAlert) && want(q.Categories, CategoryAlert) {
		br := branch{sel: `'alert', ia.alert_id, ia.event_time, 'alert', ia.source_type, ia.title, ia.rule, ia.added_by, '', ia.severity_id, ` +
			text("ia.tactics") + `, ` + text("ia.techniques") + `, ` + text("ia.entities"),
			from: "incident_alerts ia", at: "ia.event_time", id: "ia.alert_id"}
		if len(q.Entities) > 0 {
			br.from = entityAlerts(b, orgArg, inc(), q, dir, cmp, kt, kid, from, to, lim)
			br.where = []string{"ia.org_id = " + orgArg, "ia.alert_id = m.alert_id"}
		} else {
			br.where = []string{"ia.org_id = " + orgArg, "ia.incident_id = " + inc()}
			if len(q.Sources) > 0 {
				br.where = append(br.where, "ia.source_type IN ("+b.list(q.Sources)+")")
			}
		}
		branches = append(branches, br)
	}
	noEntity := len(q.Entities) == 0
	if noEntity && want(q.Types, TypeLog) && want(q.Sources, SourceIncident) {
		var cats []string
		for _, c := range []string{CategoryState, CategoryNote, CategoryTask, CategorySLA} {
			if want(q.Categories, c) {
				cats = append(cats, c)
			}
		}
		if len(cats) > 0 {
			br := branch{sel: `'log', l.id, l.at, '', 'incident', l.kind, l.from_value, l.actor, l.to_value, 0, ` + text("l.details") + `, '', ''`,
				from: "incident_log l", where: []string{"l.org_id = " + orgArg, "l.incident_id IN (" + incSet() + ")",
					// Note texts come from the notes themselves.
					"l.kind <> 'note_added'"}, at: "l.at", id: "l.id"}
			if len(cats) < 4 {
				var conds []string
				for _, c := range cats {
					switch c {
					case CategoryNote:
						conds = append(conds, "l.kind LIKE 'note\\_%' ESCAPE '\\'", "l.kind LIKE 'decision\\_%' ESCAPE '\\'")
					case CategoryTask:
						conds = append(conds, "l.kind LIKE 'task\\_%' ESCAPE '\\'")
					case CategorySLA:
						conds = append(conds, "l.kind LIKE 'sla\\_%' ESCAPE '\\'")
					case CategoryState:
						conds = append(conds, "NOT (l.kind LIKE 'note\\_%' ESCAPE '\\' OR l.kind LIKE 'decision\\_%' ESCAPE '\\' OR l.kind LIKE 'task\\_%' ESCAPE '\\' OR l.kind LIKE 'sla\\_%' ESCAPE '\\')")
					}
				}
				br.where = append(br.where, "("+strings.Join(conds, " OR ")+")")
			}
			branches = append(branches, br)
		}
	}
	if noEntity && want(q.Types, TypeNote) && want(q.Categories, CategoryNote) && want(q.Sources, SourceIncident) {
		branches = append(branches, branch{sel: `'note', n.id, n.created_at, 'note', 'incident', '', n.body, n.author, n.decision_by, n.revisions, ` +
			text("n.mentions") + `, '', ''`,
			from: "incident_notes n", where: []string{"n.org_id = " + orgArg, "n.incident_id IN (" + incSet() + ")"}, at: "n.created_at", id: "n.id"})
	}
	if noEntity && want(q.Types, TypeCustody) && want(q.Categories, CategoryEvidence) && want(q.Sources, SourceEvidence) {
		branches = append(branches, branch{sel: `'custody', c.id, c.at, 'evidence', 'evidence', c.action, e.name, c.actor, ` + text("c.evidence_id") +
			`, c.seq, ` + text("c.details") + `, e.sha256, e.integrity`,
			from: "evidence_custody c JOIN evidence e ON e.org_id = c.org_id AND e.id = c.evidence_id",
			where: []string{"e.org_id = " + orgArg, "e.incident_id IN (" + incSet() + ")", "c.org_id = " + orgArg,
				"c.action IN (" + b.list(custodyShown) + ")"}, at: "c.at", id: "c.id"})
	}
	if want(q.Types, TypeEntry) {
		var cats []string
		for _, c := range EntryCategories {
			if want(q.Categories, c) {
				cats = append(cats, c)
			}
		}
		if len(cats) > 0 {
			br := branch{sel: `'entry', t.id, t.at, t.category, t.source, t.title, t.description, t.created_by, t.updated_by, 0, ` +
				text("t.entities") + `, '', ''`,
				from: "timeline_entries t", where: []string{"t.org_id = " + orgArg, "t.incident_id IN (" + incSet() + ")"}, at: "t.at", id: "t.id"}
			if len(q.Categories) > 0 {
				br.where = append(br.where, "t.category IN ("+b.list(cats)+")")
			}
			if len(q.Sources) > 0 {
				br.where = append(br.where, "t.source IN ("+b.list(q.Sources)+")")
			}
			if len(q.Entities) > 0 {
				br.where = append(br.where, entityCond(dialect, b, "t.entities", q.Entities))
			}
			branches = append(branches, br)
		}
	}
	if len(branches) == 0 {
		return "", nil
	}
	parts := make([]string, len(branches))
	for i, br := range branches {
		w := br.where
		if k != nil {
			w = append(w, fmt.Sprintf("(%s, %s) %s (%s, %s)", br.at, br.id, cmp, kt, kid))
		}
		if from != "" {
			w = append(w, br.at+" >= "+from)
		}
		if to != "" {
			w = append(w, br.at+" < "+to)
		}
		parts[i] = fmt.Sprintf("SELECT * FROM (SELECT %s FROM %s WHERE %s ORDER BY %s %s, %s %s LIMIT %s) b%d",
			aliased(br.sel), br.from, strings.Join(w, " AND "), br.at, dir, br.id, dir, lim, i)
	}
	return strings.Join(parts, "\nUNION ALL\n") + fmt.Sprintf("\nORDER BY at %[1]s, id %[1]s LIMIT %[2]s", dir, lim), b.args
}

// aliased names a branch's select list with the common column names.
func aliased(sel string) string {
	exprs := splitTop(sel)
	names := strings.Split(unionCols, ", ")
	for i := range exprs {
		exprs[i] = strings.TrimSpace(exprs[i]) + " AS " + names[i]
	}
	return strings.Join(exprs, ", ")
}

// splitTop splits a select list on the commas outside parentheses and
// quotes.
func splitTop(s string) []string {
	var out []string
	depth, quote, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quote = !quote
		case quote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// incidentSet returns the incident and the incidents merged into it (their
// log, evidence and entries show on the survivor's timeline), or not found.
func incidentSet(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) ([]uuid.UUID, error) {
	rs, err := tx.QueryContext(ctx, `SELECT id FROM incidents WHERE org_id = $1 AND (id = $2 OR merged_into = $2) ORDER BY id`,
		scope.Org().String(), id.String())
	if err != nil {
		return nil, fmt.Errorf("timeline: incident: %w", err)
	}
	defer func() { _ = rs.Close() }()
	out := []uuid.UUID{id}
	found := false
	for rs.Next() {
		var x uuid.UUID
		if err := rs.Scan(&x); err != nil {
			return nil, fmt.Errorf("timeline: scan incident: %w", err)
		}
		if x == id {
			found = true
		} else {
			out = append(out, x)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("timeline: incident: %w", err)
	}
	if !found {
		return nil, apperr.NotFound("incident")
	}
	return out, nil
}

// Read returns one page of an incident's timeline. cursor is "" for the
// first page (the oldest items, or the newest with q.Descending) or a
// next_cursor/prev_cursor of an earlier page of the same order.
func (s *Store) Read(ctx context.Context, scope tenant.Scope, incident uuid.UUID, q Query, cursor string, limit int) (*Page, error) {
	limit = page.Limit(limit, DefaultLimit, MaxLimit)
	k, err := parseCursor(cursor, q.Descending)
	if err != nil {
		return nil, err
	}
	var items []Item
	err = s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		set, err := incidentSet(ctx, tx, scope, incident)
		if err != nil {
			return err
		}
		if items, err = s.read(ctx, tx, scope, set, q, k, limit); err != nil {
			return err
		}
		if len(items) > limit {
			return s.annotate(ctx, tx, scope, set, items[:limit])
		}
		return s.annotate(ctx, tx, scope, set, items)
	})
	if err != nil {
		return nil, err
	}
	return cut(items, q, k, limit), nil
}

// parseCursor decodes a next_cursor/prev_cursor for a page of the given
// order ("" is the first page: nil). Anything else is a validation error
// naming query.cursor.
func parseCursor(cursor string, descending bool) (*key, error) {
	if cursor == "" {
		return nil, nil
	}
	c, err := page.Decode[key](cursorKind, cursor)
	if err != nil {
		return nil, err
	}
	if c.Desc != descending {
		return nil, apperr.Validation("cursor belongs to another order", apperr.Field("query.cursor", "order changed; start from the first page"))
	}
	return &c, nil
}

// cut trims limit+1 rows into a page with its cursors.
func cut(items []Item, q Query, k *key, limit int) *Page {
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	enc := func(it Item, back bool) string {
		return page.Encode(cursorKind, key{At: it.At, ID: it.RefIDKey(), Back: back, Desc: q.Descending})
	}
	p := &Page{Items: items}
	if k == nil || !k.Back {
		if more {
			p.NextCursor = enc(items[len(items)-1], false)
		}
		if k != nil {
			if len(items) > 0 {
				p.PrevCursor = enc(items[0], true)
			} else {
				p.PrevCursor = page.Encode(cursorKind, key{At: k.At, ID: k.ID, Back: true, Desc: q.Descending})
			}
		}
		return p
	}
	// Read backwards: restore the page's order.
	slices.Reverse(items)
	if more {
		p.PrevCursor = enc(items[0], true)
	}
	if len(items) > 0 {
		p.NextCursor = enc(items[len(items)-1], false)
	} else {
		p.NextCursor = page.Encode(cursorKind, key{At: k.At, ID: k.ID, Desc: q.Descending})
	}
	return p
}

// RefIDKey is the id the item sorts by (its record id; custody entries
// sort by their own id, kept in the item id).
func (it Item) RefIDKey() uuid.UUID {
	_, s, _ := strings.Cut(it.ID, ":")
	id, _ := uuid.Parse(s)
	return id
}

// read runs the timeline query inside tx (limit+1 rows).
func (s *Store) read(ctx context.Context, tx *db.Tx, scope tenant.Scope, set []uuid.UUID, q Query, k *key, limit int) ([]Item, error) {
	sqlText, args := buildQuery(s.DB.Dialect, scope.Org(), set, q, k, limit)
	if sqlText == "" {
		return []Item{}, nil
	}
	rs, err := tx.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("timeline: read: %w", err)
	}
	defer func() { _ = rs.Close() }()
	out := make([]Item, 0, limit+1)
	for rs.Next() {
		it, err := scanItem(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("timeline: read: %w", err)
	}
	return out, nil
}

func scanItem(rs *sql.Rows) (Item, error) {
	var it Item
	var id uuid.UUID
	var num int64
	var ref, j1, j2, j3 string
	if err := rs.Scan(&it.Type, &id, &it.At, &it.Category, &it.Source, &it.Title, &it.Description, &it.Actor, &ref, &num, &j1, &j2, &j3); err != nil {
		return it, fmt.Errorf("timeline: scan: %w", err)
	}
	it.At = it.At.UTC()
	it.ID = it.Type + ":" + id.String()
	it.RefID = id
	it.Annotations = []Annotation{}
	switch it.Type {
	case TypeAlert:
		it.Severity = alert.Severity(num).String()
		it.Kind = it.Description // the rule
		it.Description = ""
		if it.Kind != "" {
			it.Description = "Rule: " + it.Kind
		}
		it.Kind = ""
		if err := decodeJSON(j1, &it.Tactics); err != nil {
			return it, err
		}
		if err := decodeJSON(j2, &it.Techniques); err != nil {
			return it, err
		}
		if err := decodeJSON(j3, &it.Entities); err != nil {
			return it, err
		}
	case TypeLog:
		it.Kind, it.From, it.To = it.Title, it.Description, ref
		it.Category = logCategory(it.Kind)
		it.Title, it.Description = logTitle(it.Kind, it.From, it.To), ""
		if j1 != "" && j1 != "{}" {
			it.Details = json.RawMessage(j1)
		}
	case TypeNote:
		it.Title = "Note"
		if ref != "" {
			it.Title, it.Decision, it.DecisionBy = "Decision", true, ref
		}
	case TypeCustody:
		it.Kind = it.Title
		name := it.Description
		it.Title, it.Description = custodyTitle(it.Kind, name), ""
		if r, err := uuid.Parse(ref); err == nil {
			it.RefID = r
		}
		it.SHA256, it.Integrity = j2, j3
		if j1 != "" && j1 != "{}" {
			it.Details = json.RawMessage(j1)
		}
	case TypeEntry:
		if err := decodeJSON(j1, &it.Entities); err != nil {
			return it, err
		}
	}
	return it, nil
}

func decodeJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("timeline: decode: %w", err)
	}
	return nil
}

// annotate attaches the annotations of items (one query).
func (s *Store) annotate(ctx context.Context, tx *db.Tx, scope tenant.Scope, set []uuid.UUID, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	b := &builder{}
	org := b.arg(scope.Org().String())
	ids := make([]string, len(set))
	for i, id := range set {
		ids[i] = id.String()
	}
	itemIDs := make([]string, len(items))
	at := map[string]int{}
	for i, it := range items {
		itemIDs[i] = it.ID
		at[it.ID] = i
	}
	rs, err := tx.QueryContext(ctx, `SELECT id, item_id, body, author, created_at, updated_at FROM timeline_annotations
WHERE org_id = `+org+` AND incident_id IN (`+b.list(ids)+`) AND item_id IN (`+b.list(itemIDs)+`) ORDER BY created_at, id`, b.args...)
	if err != nil {
		return fmt.Errorf("timeline: annotations: %w", err)
	}
	defer func() { _ = rs.Close() }()
	for rs.Next() {
		a, err := scanAnnotation(rs)
		if err != nil {
			return err
		}
		if i, ok := at[a.ItemID]; ok {
			items[i].Annotations = append(items[i].Annotations, a)
		}
	}
	return rs.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanAnnotation(sc scanner) (Annotation, error) {
	var a Annotation
	if err := sc.Scan(&a.ID, &a.ItemID, &a.Body, &a.Author, &a.CreatedAt, &a.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, apperr.NotFound("annotation")
		}
		return a, fmt.Errorf("timeline: scan annotation: %w", err)
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}
