package ingest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/payload"
	"github.com/securenexus/securenexus/internal/tenant"
)

// written is the outcome of persisting one (merged) row.
type written struct {
	id       uuid.UUID
	count    int
	inserted bool
}

// mergeRows collapses rows sharing a dedup key (duplicates inside one
// batch: ON CONFLICT cannot touch one row twice in a statement) and sorts
// the result by key so concurrent batches lock rows in the same order.
// slot[i] is the index in the merged slice of input row i.
func mergeRows(rows []row) (merged []row, slot []int) {
	byKey := make(map[string]int, len(rows))
	slot = make([]int, len(rows))
	for i := range rows {
		if j, ok := byKey[rows[i].dedupKey]; ok {
			merged[j].count++
			if rows[i].alert.ReceivedTime.After(merged[j].alert.ReceivedTime) {
				merged[j].alert.ReceivedTime = rows[i].alert.ReceivedTime
			}
			if rows[i].lastEvent.After(merged[j].lastEvent) {
				merged[j].lastEvent = rows[i].lastEvent
			}
			slot[i] = j
			continue
		}
		byKey[rows[i].dedupKey] = len(merged)
		slot[i] = len(merged)
		merged = append(merged, rows[i])
	}
	order := make([]int, len(merged))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(merged[a].dedupKey, merged[b].dedupKey) })
	sorted := make([]row, len(merged))
	pos := make([]int, len(merged))
	for newIdx, old := range order {
		sorted[newIdx] = merged[old]
		pos[old] = newIdx
	}
	for i := range slot {
		slot[i] = pos[slot[i]]
	}
	return sorted, slot
}

// writeRows persists merged rows (see mergeRows) in tx and links their
// entities. It returns one result per merged row.
func writeRows(ctx context.Context, tx *db.Tx, org uuid.UUID, rows []row, now time.Time) ([]written, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var out []written
	var err error
	if tx.Dialect == db.Postgres {
		out, err = upsertAlertsPG(ctx, tx, org, rows, now)
	} else {
		out, err = upsertAlertsSQLite(ctx, tx, org, rows, now)
	}
	if err != nil {
		return nil, err
	}
	if err := linkEntities(ctx, tx, org, rows, out, now); err != nil {
		return nil, err
	}
	return out, nil
}

const insertAlertCols = `id, org_id, dedup_key, fingerprint, source_id, source_type, source_vendor, source_product, source_ref,
 rule_id, rule_name, event_time, received_time, first_seen, last_seen, count, severity_id, title, description, status,
 tactics, techniques, tags, unmapped, raw, quality, updated_at, last_event_time`

const onConflictAlert = ` ON CONFLICT (org_id, dedup_key) DO UPDATE SET
 count = alerts.count + excluded.count,
 last_seen = CASE WHEN excluded.last_seen > alerts.last_seen THEN excluded.last_seen ELSE alerts.last_seen END,
 updated_at = excluded.updated_at,
 last_event_time = CASE WHEN alerts.last_event_time IS NULL OR excluded.last_event_time > alerts.last_event_time THEN excluded.last_event_time ELSE alerts.last_event_time END
 RETURNING id, count`

// upsertAlertsPG inserts every row with one multi-row statement built from
// unnest'ed arrays (one round trip per batch).
func upsertAlertsPG(ctx context.Context, tx *db.Tx, org uuid.UUID, rows []row, now time.Time) ([]written, error) {
	n := len(rows)
	var (
		ids, keys, fps, sids, sts, svs, sps, srs, rids, rns = mk(n), mk(n), mk(n), mk(n), mk(n), mk(n), mk(n), mk(n), mk(n), mk(n)
		titles, descs, statuses, tacs, techs, tags, unm     = mk(n), mk(n), mk(n), mk(n), mk(n), mk(n), mk(n)
		ets, rts, lets                                      = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
		counts, sevs                                        = make([]int32, n), make([]int32, n)
		raws                                                = make([][]byte, n)
		quals                                               = make([]float64, n)
	)
	proposed := make([]uuid.UUID, n)
	for i := range rows {
		r := &rows[i]
		a := &r.alert
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("ingest: alert id: %w", err)
		}
		proposed[i] = id
		ids[i], keys[i], fps[i], sids[i] = id.String(), r.dedupKey, a.Fingerprint, r.sourceID
		sts[i], svs[i], sps[i], srs[i] = a.Source.Type, a.Source.Vendor, a.Source.Product, a.SourceRef
		rids[i], rns[i], titles[i], descs[i], statuses[i] = a.Rule.ID, a.Rule.Name, a.Title, a.Description, string(a.Status)
		tacs[i], techs[i], tags[i], unm[i] = string(r.tactics), string(r.techniques), string(r.tags), string(r.unmapped)
		ets[i], rts[i], lets[i] = a.EventTime.UTC(), a.ReceivedTime.UTC(), r.lastEvent.UTC()
		counts[i], sevs[i] = int32(r.count), int32(a.Severity) //nolint:gosec // small bounded values
		raws[i] = payload.Pack(a.Raw)
		quals[i] = a.Quality
	}
	q := `INSERT INTO alerts (` + insertAlertCols + `)
SELECT u.id::uuid, $1::uuid, u.dk, u.fp, NULLIF(u.sid, '')::uuid, u.st, u.sv, u.sp, u.sr, u.ri, u.rn, u.et, u.rt, u.rt, u.rt,
 u.cnt, u.sev::smallint, u.title, u.descr, u.status, u.tac::jsonb, u.tech::jsonb, u.tags::jsonb, u.unm::jsonb, u.raw, u.q::double precision, $2, u.let
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
 $13::timestamptz[], $14::timestamptz[], $15::int4[], $16::int4[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[],
 $22::text[], $23::text[], $24::bytea[], $25::float8[], $26::timestamptz[])
 AS u(id, dk, fp, sid, st, sv, sp, sr, ri, rn, et, rt, cnt, sev, title, descr, status, tac, tech, tags, unm, raw, q, let)
 ORDER BY u.dk` + onConflictAlert + `, dedup_key`
	res, err := tx.QueryContext(ctx, q, org.String(), now.UTC(), ids, keys, fps, sids, sts, svs, sps, srs, rids, rns,
		ets, rts, counts, sevs, titles, descs, statuses, tacs, techs, tags, unm, raws, quals, lets)
	if err != nil {
		return nil, fmt.Errorf("ingest: upsert alerts: %w", err)
	}
	defer func() { _ = res.Close() }()
	byKey := make(map[string]int, n)
	for i := range rows {
		byKey[rows[i].dedupKey] = i
	}
	out := make([]written, n)
	for res.Next() {
		var id uuid.UUID
		var count int
		var key string
		if err := res.Scan(&id, &count, &key); err != nil {
			return nil, fmt.Errorf("ingest: scan upsert: %w", err)
		}
		i := byKey[key]
		out[i] = written{id: id, count: count, inserted: id == proposed[i]}
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("ingest: upsert alerts: %w", err)
	}
	return out, nil
}

func mk(n int) []string { return make([]string, n) }

// upsertAlertsSQLite runs one prepared upsert per row inside the batch's
// transaction (SQLite has one writer; statements are in-process calls).
func upsertAlertsSQLite(ctx context.Context, tx *db.Tx, org uuid.UUID, rows []row, now time.Time) ([]written, error) {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO alerts (`+insertAlertCols+`)
VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $9, $10, $11, $12, $13, $13, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`+onConflictAlert)
	if err != nil {
		return nil, fmt.Errorf("ingest: prepare upsert: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	out := make([]written, len(rows))
	orgS := org.String()
	nowU := now.UTC()
	for i := range rows {
		r := &rows[i]
		a := &r.alert
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("ingest: alert id: %w", err)
		}
		var gotID string
		var count int
		err = stmt.QueryRowContext(ctx, id.String(), orgS, r.dedupKey, a.Fingerprint, r.sourceID, a.Source.Type, a.Source.Vendor,
			a.Source.Product, a.SourceRef, a.Rule.ID, a.Rule.Name, a.EventTime.UTC(), a.ReceivedTime.UTC(), r.count, int(a.Severity),
			a.Title, a.Description, string(a.Status), string(r.tactics), string(r.techniques), string(r.tags),
			string(r.unmapped), payload.Pack(a.Raw), a.Quality, nowU, r.lastEvent.UTC()).Scan(&gotID, &count)
		if err != nil {
			return nil, fmt.Errorf("ingest: upsert alert: %w", err)
		}
		got, err := uuid.Parse(gotID)
		if err != nil {
			return nil, fmt.Errorf("ingest: upsert alert id: %w", err)
		}
		out[i] = written{id: got, count: count, inserted: got == id}
	}
	return out, nil
}

type entityKey struct {
	typ   alert.EntityType
	value string
}

// linkEntities stores each distinct entity once per org and links it to
// the alerts that mention it.
func linkEntities(ctx context.Context, tx *db.Tx, org uuid.UUID, rows []row, out []written, now time.Time) error {
	set := map[entityKey]uuid.UUID{}
	for i := range rows {
		for _, e := range rows[i].alert.Entities {
			if e.Value != "" {
				set[entityKey{e.Type, e.Value}] = uuid.Nil
			}
		}
	}
	if len(set) == 0 {
		return nil
	}
	keys := make([]entityKey, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b entityKey) int {
		return cmp.Or(cmp.Compare(a.typ, b.typ), cmp.Compare(a.value, b.value))
	})
	var err error
	if tx.Dialect == db.Postgres {
		err = upsertEntitiesPG(ctx, tx, org, keys, set, now)
	} else {
		err = upsertEntitiesSQLite(ctx, tx, org, keys, set, now)
	}
	if err != nil {
		return err
	}
	type link struct {
		alert, entity uuid.UUID
		role          string
	}
	seen := map[link]bool{}
	var links []link
	for i := range rows {
		for _, e := range rows[i].alert.Entities {
			if e.Value == "" {
				continue
			}
			l := link{out[i].id, set[entityKey{e.Type, e.Value}], e.Role}
			if !seen[l] {
				seen[l] = true
				links = append(links, l)
			}
		}
	}
	if tx.Dialect == db.Postgres {
		aids, eids, roles := mk(len(links)), mk(len(links)), mk(len(links))
		for i, l := range links {
			aids[i], eids[i], roles[i] = l.alert.String(), l.entity.String(), l.role
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO alert_entities (alert_id, entity_id, org_id, role)
SELECT u.a::uuid, u.e::uuid, $1::uuid, u.r FROM unnest($2::text[], $3::text[], $4::text[]) AS u(a, e, r)
ON CONFLICT DO NOTHING`, org.String(), aids, eids, roles)
		if err != nil {
			return fmt.Errorf("ingest: link entities: %w", err)
		}
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO alert_entities (alert_id, entity_id, org_id, role) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`)
	if err != nil {
		return fmt.Errorf("ingest: prepare link: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	for _, l := range links {
		if _, err := stmt.ExecContext(ctx, l.alert.String(), l.entity.String(), org.String(), l.role); err != nil {
			return fmt.Errorf("ingest: link entity: %w", err)
		}
	}
	return nil
}

// entityLookupPG reads entity ids by (type, value), one probe of the unique
// index entities_org_type_value per entity, whatever the statistics.
const entityLookupPG = `SELECT e.id, e.type, e.value
FROM unnest($2::text[], $3::text[]) AS u(t, v)
CROSS JOIN LATERAL (SELECT id, type, value FROM entities WHERE org_id = $1::uuid AND type = u.t AND value = u.v) e`

func upsertEntitiesPG(ctx context.Context, tx *db.Tx, org uuid.UUID, keys []entityKey, set map[entityKey]uuid.UUID, now time.Time) error {
	ids, types, values := mk(len(keys)), mk(len(keys)), mk(len(keys))
	for i, k := range keys {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("ingest: entity id: %w", err)
		}
		ids[i], types[i], values[i] = id.String(), string(k.typ), k.value
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO entities (id, org_id, type, value, first_seen)
SELECT u.id::uuid, $1::uuid, u.t, u.v, $2 FROM unnest($3::text[], $4::text[], $5::text[]) AS u(id, t, v)
ON CONFLICT (org_id, type, value) DO NOTHING`, org.String(), now.UTC(), ids, types, values); err != nil {
		return fmt.Errorf("ingest: upsert entities: %w", err)
	}
	rs, err := tx.QueryContext(ctx, entityLookupPG, org.String(), types, values)
	if err != nil {
		return fmt.Errorf("ingest: entity ids: %w", err)
	}
	defer func() { _ = rs.Close() }()
	for rs.Next() {
		var id uuid.UUID
		var k entityKey
		if err := rs.Scan(&id, &k.typ, &k.value); err != nil {
			return fmt.Errorf("ingest: scan entity: %w", err)
		}
		set[k] = id
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("ingest: entity ids: %w", err)
	}
	for _, k := range keys {
		if set[k] == uuid.Nil {
			return fmt.Errorf("ingest: entity %s:%s not stored", k.typ, k.value)
		}
	}
	return nil
}

func upsertEntitiesSQLite(ctx context.Context, tx *db.Tx, org uuid.UUID, keys []entityKey, set map[entityKey]uuid.UUID, now time.Time) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO entities (id, org_id, type, value, first_seen) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (org_id, type, value) DO UPDATE SET first_seen = entities.first_seen RETURNING id`)
	if err != nil {
		return fmt.Errorf("ingest: prepare entity upsert: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	for _, k := range keys {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("ingest: entity id: %w", err)
		}
		var got string
		if err := stmt.QueryRowContext(ctx, id.String(), org.String(), string(k.typ), k.value, now.UTC()).Scan(&got); err != nil {
			return fmt.Errorf("ingest: upsert entity: %w", err)
		}
		if set[k], err = uuid.Parse(got); err != nil {
			return fmt.Errorf("ingest: entity id: %w", err)
		}
	}
	return nil
}

// WriteAlerts persists already-normalized alerts (keeping their received
// times) with the same dedup rules as the pipeline, 1000 per transaction.
// It is for loaders (benchmarks, imports), not for request handling.
func (s *Store) WriteAlerts(ctx context.Context, scope tenant.Scope, alerts []alert.Alert) (int, error) {
	written := 0
	for start := 0; start < len(alerts); start += 1000 {
		part := alerts[start:min(start+1000, len(alerts))]
		rows := make([]row, len(part))
		for i, a := range part {
			if a.ReceivedTime.IsZero() {
				a.ReceivedTime = time.Now().UTC()
			}
			if a.EventTime.IsZero() {
				a.EventTime = a.ReceivedTime
			}
			if a.Status == "" {
				a.Status = alert.StatusNew
			}
			rows[i] = newRow(a, "", nil, DefaultDedupWindow)
		}
		var merged []row
		err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
			var err error
			if merged, _, err = s.prepareRows(ctx, tx, scope.Org(), rows); err != nil {
				return err
			}
			_, err = writeRows(ctx, tx, scope.Org(), merged, time.Now().UTC())
			return err
		})
		if err != nil {
			return written, err
		}
		written += len(merged)
	}
	return written, nil
}
