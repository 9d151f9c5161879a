package correlate

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/tenant"
)

// A pass correlates one batch of alerts (one alert.ingested.v1 event, or
// the intel matches of one event) with set-based SQL in the consumer's
// transaction:
//
//  1. claim: on PostgreSQL, a transaction-scoped advisory lock per (org,
//     rule, group key) the batch touches, taken in one statement in
//     ascending lock-id order, so concurrent passes (replicas) over
//     overlapping keys queue on the shared keys and cannot deadlock, and
//     passes over disjoint keys run in parallel (SQLite has one writer);
//  2. load: one query for the key rows of the batch's keys in each rule's
//     bucket span, one query locking the groups they name (FOR UPDATE, in
//     id order), one query for the batch's existing memberships;
//  3. decide in memory, alert by alert in event-time order, exactly as one
//     alert at a time would (same group choice, same late-alert handling);
//  4. write with multi-row statements: groups (an upsert carrying the new
//     counts and event bounds), keys, memberships;
//  5. apply each touched group's gates and outcome once.

// item is one alert to record in a group of one rule.
type item struct {
	a    *alert.Alert
	r    *CorrelationRule
	keys []string
	// ind is the indicator it matched (intel_match rules).
	ind *incident.IndicatorRef
}

type keyRef struct {
	rule   string
	bucket int64
	key    string
}

type memberRef struct{ group, alert uuid.UUID }

// memberRow is a membership to write (or an existing one whose indicators
// grew).
type memberRow struct {
	group      uuid.UUID
	a          *alert.Alert
	indicators []incident.IndicatorRef
	existing   bool // already stored: only its indicators are updated
	changed    bool
}

// passState is the grouping state a pass loaded and changes in memory.
type passState struct {
	keys    map[keyRef]uuid.UUID
	groups  map[uuid.UUID]*group
	members map[memberRef]*memberRow
	newKeys []keyRef
	newMems []*memberRow
	order   []*group // touched groups, in first-touch order
	// batch holds the pass's alerts (their entities need no read).
	batch map[uuid.UUID]*alert.Alert
}

// apply runs a pass over items (in the order given: event time, then rule
// order) and decides every touched group once.
func (e *Engine) apply(ctx context.Context, tx *db.Tx, scope tenant.Scope, items []item, skip map[string]bool, now time.Time) ([]Decision, error) {
	if len(items) == 0 {
		return nil, nil
	}
	if err := claimKeys(ctx, tx, scope, items); err != nil {
		return nil, err
	}
	st, err := loadState(ctx, tx, scope, items)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		st.place(it)
	}
	if err := st.write(ctx, tx, scope, now); err != nil {
		return nil, err
	}
	var out []Decision
	for _, g := range st.order {
		g.skip = skip
		d, err := e.decide(ctx, tx, scope, g, now, st)
		if err != nil {
			return nil, err
		}
		if d != nil {
			out = append(out, *d)
		}
	}
	return out, nil
}

// lockID is the advisory lock of one group key of a rule in an org (the
// one-bigint key space, apart from the two-int one other locks use).
func lockID(org uuid.UUID, rule, key string) int64 {
	h := fnv.New64a()
	_, _ = h.Write(org[:])
	_, _ = h.Write([]byte(rule))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(key))
	return int64(h.Sum64()) //nolint:gosec // a hash, wrapping is fine
}

// claimKeys takes, on PostgreSQL, the advisory lock of every (rule, key)
// of the pass, in ascending order in one statement (unnest keeps the
// array's order): every pass takes its locks in the same global order, so
// two passes never wait on each other in a cycle. A pass holding a key's
// lock is the only one that may create or join a group through that key
// until it commits; what it reads after the claim is what the previous
// holder committed.
func claimKeys(ctx context.Context, tx *db.Tx, scope tenant.Scope, items []item) error {
	if tx.Dialect != db.Postgres {
		return nil // one writer
	}
	var ids []int64
	for _, it := range items {
		for _, k := range it.keys {
			ids = append(ids, lockID(scope.Org(), it.r.Key, k))
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte('}')
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS t(k)`, b.String()); err != nil {
		return fmt.Errorf("correlate: claim group keys: %w", err)
	}
	return nil
}

// chunkSize bounds the bound variables of one statement (SQLite's limit).
const chunkSize = 400

// loadState reads the key rows, groups (locked) and memberships the pass
// may touch: three queries, each a list of exact index probes (on
// PostgreSQL unnest + LATERAL, so the plan does not depend on table
// statistics; on SQLite json_each driving the primary key).
func loadState(ctx context.Context, tx *db.Tx, scope tenant.Scope, items []item) (*passState, error) {
	org := scope.Org().String()
	st := &passState{keys: map[keyRef]uuid.UUID{}, groups: map[uuid.UUID]*group{}, members: map[memberRef]*memberRow{}, batch: map[uuid.UUID]*alert.Alert{}}
	ruleOf := map[string]*CorrelationRule{}
	seen := map[keyRef]bool{}
	var probes []keyRef
	for _, it := range items {
		st.batch[it.a.ID] = it.a
		ruleOf[it.r.Key] = it.r
		b := bucketOf(it.a.EventTime, it.r.Window())
		for bb := b - 1; bb <= b+1; bb++ {
			for _, k := range it.keys {
				ref := keyRef{it.r.Key, bb, k}
				if !seen[ref] {
					seen[ref] = true
					probes = append(probes, ref)
				}
			}
		}
	}
	var rs *sql.Rows
	var err error
	if tx.Dialect == db.Postgres {
		rules, buckets, keys := make([]string, len(probes)), make([]int64, len(probes)), make([]string, len(probes))
		for i, p := range probes {
			rules[i], buckets[i], keys[i] = p.rule, p.bucket, p.key
		}
		rs, err = tx.QueryContext(ctx, `SELECT k.rule_key, k.bucket, k.key, k.group_id FROM unnest($2::text[], $3::int8[], $4::text[]) AS q(r, b, k)
CROSS JOIN LATERAL (SELECT rule_key, bucket, key, group_id FROM correlation_group_keys WHERE org_id = $1::uuid AND rule_key = q.r AND bucket = q.b AND key = q.k) k`,
			org, rules, buckets, keys)
	} else {
		triples := make([][3]any, len(probes))
		for i, p := range probes {
			triples[i] = [3]any{p.rule, p.bucket, p.key}
		}
		rs, err = tx.QueryContext(ctx, `SELECT k.rule_key, k.bucket, k.key, k.group_id FROM json_each($2) AS j CROSS JOIN correlation_group_keys k
WHERE k.org_id = $1 AND k.rule_key = json_extract(j.value, '$[0]') AND k.bucket = json_extract(j.value, '$[1]') AND k.key = json_extract(j.value, '$[2]')`,
			org, mustJSON(triples))
	}
	if err != nil {
		return nil, fmt.Errorf("correlate: load group keys: %w", err)
	}
	rules := map[uuid.UUID]*CorrelationRule{}
	for rs.Next() {
		var k keyRef
		var id uuid.UUID
		if err := rs.Scan(&k.rule, &k.bucket, &k.key, &id); err != nil {
			_ = rs.Close()
			return nil, fmt.Errorf("correlate: scan group key: %w", err)
		}
		st.keys[k] = id
		rules[id] = ruleOf[k.rule]
	}
	_ = rs.Close()
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("correlate: load group keys: %w", err)
	}
	ids := make([]uuid.UUID, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	if len(ids) > 0 {
		// Lock the groups in id order (every pass does), re-reading their
		// state as the previous holder committed it.
		if tx.Dialect == db.Postgres {
			rs, err = tx.QueryContext(ctx, `SELECT id, bucket, group_key, first_event, last_event, alert_count, incident_id FROM correlation_groups
WHERE org_id = $1::uuid AND id = ANY($2::text[]::uuid[]) ORDER BY id FOR UPDATE`, org, uuidStrings(ids))
		} else {
			rs, err = tx.QueryContext(ctx, `SELECT id, bucket, group_key, first_event, last_event, alert_count, incident_id FROM correlation_groups
WHERE org_id = $1 AND id IN (SELECT value FROM json_each($2)) ORDER BY id`, org, mustJSON(uuidStrings(ids)))
		}
		if err != nil {
			return nil, fmt.Errorf("correlate: lock groups: %w", err)
		}
		for rs.Next() {
			g := &group{}
			var inc sql.NullString
			if err := rs.Scan(&g.ID, &g.Bucket, &g.Key, &g.FirstEvent, &g.LastEvent, &g.Count, &inc); err != nil {
				_ = rs.Close()
				return nil, fmt.Errorf("correlate: scan group: %w", err)
			}
			if inc.Valid {
				u, err := uuid.Parse(inc.String)
				if err != nil {
					_ = rs.Close()
					return nil, fmt.Errorf("correlate: group incident: %w", err)
				}
				g.Incident = &u
			}
			g.FirstEvent, g.LastEvent = g.FirstEvent.UTC(), g.LastEvent.UTC()
			g.Rule = *rules[g.ID]
			st.groups[g.ID] = g
		}
		_ = rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("correlate: lock groups: %w", err)
		}
	}
	// Key rows whose group is gone (none are deleted today) name nothing.
	for k, id := range st.keys {
		if st.groups[id] == nil {
			delete(st.keys, k)
		}
	}
	alertIDs := make([]string, 0, len(st.batch))
	for id := range st.batch {
		alertIDs = append(alertIDs, id.String())
	}
	slices.Sort(alertIDs)
	if tx.Dialect == db.Postgres {
		rs, err = tx.QueryContext(ctx, `SELECT m.group_id, m.alert_id, m.indicators FROM unnest($2::text[]::uuid[]) AS q(a)
CROSS JOIN LATERAL (SELECT group_id, alert_id, indicators FROM correlation_group_alerts WHERE org_id = $1::uuid AND alert_id = q.a) m`, org, alertIDs)
	} else {
		// INDEXED BY: with "alert_id IN (json_each)" SQLite walked the
		// primary key over every membership of the org (org_id only).
		rs, err = tx.QueryContext(ctx, `SELECT m.group_id, m.alert_id, m.indicators FROM json_each($2) AS j
CROSS JOIN correlation_group_alerts AS m INDEXED BY correlation_group_alerts_alert WHERE m.org_id = $1 AND m.alert_id = j.value`,
			org, mustJSON(alertIDs))
	}
	if err != nil {
		return nil, fmt.Errorf("correlate: load memberships: %w", err)
	}
	defer func() { _ = rs.Close() }()
	for rs.Next() {
		var ref memberRef
		var inds string
		if err := rs.Scan(&ref.group, &ref.alert, &inds); err != nil {
			return nil, fmt.Errorf("correlate: scan membership: %w", err)
		}
		m := &memberRow{group: ref.group, a: st.batch[ref.alert], existing: true}
		if err := json.Unmarshal([]byte(inds), &m.indicators); err != nil {
			return nil, fmt.Errorf("correlate: decode membership: %w", err)
		}
		st.members[ref] = m
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("correlate: load memberships: %w", err)
	}
	return st, nil
}

func uuidStrings(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// place records one item: it finds the group one of its keys belongs to
// whose first event is within the window of the alert's event time (its
// bucket or a neighbour, the earliest first), or the group owning its
// first key in its bucket (one a late alert moved back), or creates one;
// adds its keys to the group's bucket; counts the alert unless it is
// already a member (a redelivery: a new indicator is still added).
func (st *passState) place(it item) {
	r, a := it.r, it.a
	t := a.EventTime.UTC()
	b := bucketOf(t, r.Window())
	var g *group
	for bb := b - 1; bb <= b+1; bb++ {
		for _, k := range it.keys {
			id, ok := st.keys[keyRef{r.Key, bb, k}]
			if !ok {
				continue
			}
			c := st.groups[id]
			d := t.Sub(c.FirstEvent)
			if d < 0 {
				d = -d
			}
			if d > r.Window() {
				continue
			}
			if g == nil || c.FirstEvent.Before(g.FirstEvent) || (c.FirstEvent.Equal(g.FirstEvent) && bytes.Compare(c.ID[:], g.ID[:]) < 0) {
				g = c
			}
		}
	}
	if g == nil {
		if id, ok := st.keys[keyRef{r.Key, b, it.keys[0]}]; ok {
			g = st.groups[id]
		}
	}
	if g == nil {
		g = &group{ID: uuid.Must(uuid.NewV7()), Rule: *r, Bucket: b, Key: it.keys[0], FirstEvent: t, LastEvent: t, isNew: true}
		st.groups[g.ID] = g
	}
	for _, k := range it.keys {
		ref := keyRef{r.Key, g.Bucket, k}
		if _, ok := st.keys[ref]; !ok {
			st.keys[ref] = g.ID
			st.newKeys = append(st.newKeys, ref)
		}
	}
	ref := memberRef{g.ID, a.ID}
	if m, ok := st.members[ref]; ok {
		if it.ind != nil && !slices.ContainsFunc(m.indicators, func(x incident.IndicatorRef) bool { return x.ID == it.ind.ID }) {
			m.indicators = append(m.indicators, *it.ind)
			m.changed = true
		}
		return
	}
	m := &memberRow{group: g.ID, a: a, indicators: []incident.IndicatorRef{}}
	if it.ind != nil {
		m.indicators = append(m.indicators, *it.ind)
	}
	st.members[ref] = m
	st.newMems = append(st.newMems, m)
	g.Count++
	if t.Before(g.FirstEvent) {
		g.FirstEvent = t
	}
	if t.After(g.LastEvent) {
		g.LastEvent = t
	}
	if len(g.added) == 0 {
		st.order = append(st.order, g)
	}
	g.added = append(g.added, a.ID)
}

// insertRows writes rows with multi-row INSERTs of at most chunkSize bound
// variables each.
func insertRows(ctx context.Context, tx *db.Tx, head, tail string, cols int, rows [][]any) error {
	per := max(1, chunkSize/cols)
	for chunk := range slices.Chunk(rows, per) {
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, len(chunk)*cols)
		for i, row := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range row {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				b.WriteString("$" + strconv.Itoa(len(args)))
			}
			b.WriteByte(')')
		}
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// write stores what the pass changed: the touched groups (new ones
// inserted, existing ones' counts and event bounds updated, in one upsert),
// the new key rows (in key order) and memberships.
func (st *passState) write(ctx context.Context, tx *db.Tx, scope tenant.Scope, now time.Time) error {
	org := scope.Org().String()
	groups := make([][]any, 0, len(st.order))
	for _, g := range st.order {
		groups = append(groups, []any{g.ID.String(), org, g.Rule.Key, g.Rule.Version, g.Bucket, g.Key, g.FirstEvent, g.LastEvent, g.Count, now, now})
	}
	if err := insertRows(ctx, tx, `INSERT INTO correlation_groups (id, org_id, rule_key, rule_version, bucket, group_key, first_event, last_event, alert_count, created_at, updated_at) VALUES `,
		` ON CONFLICT (id) DO UPDATE SET first_event = excluded.first_event, last_event = excluded.last_event, alert_count = excluded.alert_count, updated_at = excluded.updated_at`,
		11, groups); err != nil {
		return fmt.Errorf("correlate: write groups: %w", err)
	}
	slices.SortFunc(st.newKeys, func(a, b keyRef) int {
		if c := strings.Compare(a.rule, b.rule); c != 0 {
			return c
		}
		if c := cmp.Compare(a.bucket, b.bucket); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	keys := make([][]any, len(st.newKeys))
	for i, k := range st.newKeys {
		keys[i] = []any{org, k.rule, k.bucket, k.key, st.keys[k].String()}
	}
	if err := insertRows(ctx, tx, `INSERT INTO correlation_group_keys (org_id, rule_key, bucket, key, group_id) VALUES `, ` ON CONFLICT DO NOTHING`, 5, keys); err != nil {
		return fmt.Errorf("correlate: write group keys: %w", err)
	}
	mems := make([][]any, len(st.newMems))
	for i, m := range st.newMems {
		mems[i] = []any{org, m.group.String(), m.a.ID.String(), m.a.EventTime.UTC(), m.a.Source.Type, mustJSON(strs(m.a.Tactics)), mustJSON(m.indicators)}
	}
	if err := insertRows(ctx, tx, `INSERT INTO correlation_group_alerts (org_id, group_id, alert_id, event_time, source_type, tactics, indicators) VALUES `,
		` ON CONFLICT DO NOTHING`, 7, mems); err != nil {
		return fmt.Errorf("correlate: write memberships: %w", err)
	}
	for ref, m := range st.members {
		if m.existing && m.changed {
			if _, err := tx.ExecContext(ctx, `UPDATE correlation_group_alerts SET indicators = $4 WHERE org_id = $1 AND group_id = $2 AND alert_id = $3`,
				org, ref.group.String(), ref.alert.String(), mustJSON(m.indicators)); err != nil {
				return fmt.Errorf("correlate: add indicator: %w", err)
			}
		}
	}
	return nil
}
