package intel

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// pendingMatch is one alert ↔ indicator hit to record.
type pendingMatch struct {
	alert uuid.UUID
	hit   Hit
}

type matchKey struct {
	alert, indicator uuid.UUID
	role             string
}

// Rows per match insert: PostgreSQL binds one array per column; SQLite
// binds 10 values per row (at most 32,766 per statement).
const (
	matchChunkPG     = 5000
	matchChunkSQLite = 1000
)

// recordBatch stores hits (in the given order, which is the order their
// sightings and events are counted in) with one multi-row insert per
// chunk, idempotent per alert, indicator and role; then counts the new
// matches as sightings on the org's indicators with one read (rows locked
// in id order, so concurrent batches cannot deadlock) and one multi-row
// update, runs the fan-out guardrail per indicator and appends one
// intel.matched.v1 per new, unthrottled match. It returns the new
// matches in order.
func (s *Store) recordBatch(ctx context.Context, tx *db.Tx, scope tenant.Scope, ms []pendingMatch, source string) ([]pendingMatch, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	now := s.now()
	org := scope.Org().String()
	// One row per (alert, indicator, role): the first one wins.
	seen := make(map[matchKey]struct{}, len(ms))
	uniq := make([]pendingMatch, 0, len(ms))
	for _, m := range ms {
		k := matchKey{m.alert, m.hit.IndicatorID, m.hit.Role}
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		uniq = append(uniq, m)
	}
	ids := make([]uuid.UUID, len(uniq))
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7())
	}
	inserted := make(map[uuid.UUID]bool, len(uniq))
	chunk := matchChunkSQLite
	if tx.Dialect == db.Postgres {
		chunk = matchChunkPG
	}
	for lo := 0; lo < len(uniq); lo += chunk {
		hi := min(lo+chunk, len(uniq))
		if err := insertMatchChunk(ctx, tx, org, uniq[lo:hi], ids[lo:hi], source, now, inserted); err != nil {
			return nil, err
		}
	}
	fresh := make([]pendingMatch, 0, len(inserted))
	freshIDs := make([]uuid.UUID, 0, len(inserted))
	for i, m := range uniq {
		if inserted[ids[i]] {
			fresh = append(fresh, m)
			freshIDs = append(freshIDs, ids[i])
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	throttled, err := s.sightings(ctx, tx, org, fresh, now)
	if err != nil {
		return nil, err
	}
	for i, m := range fresh {
		if throttled[i] {
			continue // stored and tagged, but no event: the guardrail holds it
		}
		h := m.hit
		if _, err := events.Append(ctx, tx, scope, EventMatched, events.Subject("alert", m.alert), MatchedV1{
			AlertID: m.alert, MatchID: freshIDs[i], IndicatorID: h.IndicatorID, FeedID: h.FeedID, Type: h.Type,
			Value: h.Value, Role: h.Role, Source: source, Confidence: h.Confidence,
		}); err != nil {
			return nil, fmt.Errorf("intel: match event: %w", err)
		}
	}
	return fresh, nil
}

// insertMatchChunk inserts one chunk of matches and marks the ids of the
// rows that were new (an existing (alert, indicator, role) is left alone).
func insertMatchChunk(ctx context.Context, tx *db.Tx, org string, part []pendingMatch, ids []uuid.UUID, source string, now time.Time, inserted map[uuid.UUID]bool) error {
	var q string
	var args []any
	const conflict = ` ON CONFLICT (org_id, alert_id, indicator_id, role) DO NOTHING RETURNING id`
	if tx.Dialect == db.Postgres {
		n := len(part)
		mid, alerts, inds, feeds, types, values, roles := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, m := range part {
			mid[i], alerts[i], inds[i], feeds[i] = ids[i].String(), m.alert.String(), m.hit.IndicatorID.String(), m.hit.FeedID.String()
			types[i], values[i], roles[i] = string(m.hit.Type), m.hit.Value, m.hit.Role
		}
		q = `INSERT INTO intel_matches (id, org_id, alert_id, indicator_id, feed_id, type, value, role, source, matched_at)
SELECT u.id, $1::uuid, u.a, u.i, u.f, u.t, u.v, u.r, $2, $3
FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY AS u(id, a, i, f, t, v, r, n)
ORDER BY u.n` + conflict
		args = []any{org, source, now, mid, alerts, inds, feeds, types, values, roles}
	} else {
		var b strings.Builder
		b.WriteString(`INSERT INTO intel_matches (id, org_id, alert_id, indicator_id, feed_id, type, value, role, source, matched_at) VALUES `)
		args = make([]any, 0, 10*len(part))
		for i, m := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, ids[i].String(), org, m.alert.String(), m.hit.IndicatorID.String(), m.hit.FeedID.String(),
				string(m.hit.Type), m.hit.Value, m.hit.Role, source, now)
		}
		b.WriteString(conflict)
		q = b.String()
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("intel: record matches: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("intel: record matches: %w", err)
		}
		inserted[id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("intel: record matches: %w", err)
	}
	return nil
}

// sightingRow is the guardrail and decay state of one of the org's
// indicators, read under its row lock.
type sightingRow struct {
	ind            Indicator
	hour, count    int64
	throttledUntil sql.NullTime
	flag           bool
	exp            time.Time
}

// sightings counts each new match in fresh (in order) as a sighting on its
// indicator: the org's own rows are read once (locked in id order on
// PostgreSQL) and written back with one multi-row update (sightings,
// last seen, the hour's match count, decay expiry, flag and throttle); a
// platform feed's indicator counts in the org's intel_fanout row. It
// reports, per match, whether the guardrail throttles it (no event).
func (s *Store) sightings(ctx context.Context, tx *db.Tx, org string, fresh []pendingMatch, now time.Time) ([]bool, error) {
	hour := now.Unix() / 3600
	end := time.Unix((hour+1)*3600, 0).UTC()
	limit := int64(s.fanOutLimit())
	var order []uuid.UUID
	per := map[uuid.UUID]int{}
	for _, m := range fresh {
		if _, ok := per[m.hit.IndicatorID]; !ok {
			order = append(order, m.hit.IndicatorID)
		}
		per[m.hit.IndicatorID]++
	}
	slices.SortFunc(order, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	rows, err := s.lockIndicators(ctx, tx, org, order)
	if err != nil {
		return nil, err
	}
	// Each indicator's count before this batch, then per match in order.
	counts := map[uuid.UUID]int64{}
	startThrottled := map[uuid.UUID]bool{}
	platform := map[uuid.UUID]int64{} // platform indicator -> its count before the batch (after the fan-out upsert: minus k)
	for _, id := range order {
		r, own := rows[id]
		k := int64(per[id])
		if !own {
			count, until, found, err := s.platformFanOut(ctx, tx, org, id, k, now)
			if err != nil {
				return nil, err
			}
			if !found {
				continue
			}
			platform[id] = count - k
			counts[id] = count - k
			startThrottled[id] = until.Valid && until.Time.After(now)
			continue
		}
		c0 := int64(0)
		if r.hour == hour {
			c0 = r.count
		}
		counts[id] = c0
		th := r.throttledUntil.Valid && r.throttledUntil.Time.After(now)
		startThrottled[id] = th
		r.ind.Sightings += int(k)
		r.ind.LastSeen = now
		r.count, r.hour = c0+k, hour
		r.flag = !th && c0+k > limit
		r.exp = s.decay().ExpiresAt(&r.ind)
	}
	if err := s.writeSightings(ctx, tx, org, order, rows, now, end); err != nil {
		return nil, err
	}
	var flagPlatform []uuid.UUID
	for _, id := range order {
		if c0, ok := platform[id]; ok && !startThrottled[id] && c0+int64(per[id]) > limit {
			flagPlatform = append(flagPlatform, id)
		}
	}
	for _, id := range flagPlatform {
		if _, err := tx.ExecContext(ctx, `UPDATE intel_fanout SET flagged = true, throttled_until = $3, updated_at = $4 WHERE org_id = $1 AND indicator_id = $2`,
			org, id.String(), end, now); err != nil {
			return nil, fmt.Errorf("intel: flag platform indicator: %w", err)
		}
	}
	out := make([]bool, len(fresh))
	for i, m := range fresh {
		id := m.hit.IndicatorID
		c, ok := counts[id]
		if !ok {
			continue // neither the org's nor a platform indicator (deleted meanwhile)
		}
		c++
		counts[id] = c
		out[i] = startThrottled[id] || c > limit
	}
	return out, nil
}

// lockIndicators reads the org's indicators among ids (sorted), locking
// their rows in that order on PostgreSQL.
func (s *Store) lockIndicators(ctx context.Context, tx *db.Tx, org string, ids []uuid.UUID) (map[uuid.UUID]*sightingRow, error) {
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	var q string
	var arg any
	if tx.Dialect == db.Postgres {
		q = `SELECT id, type, confidence, sightings, false_positives, valid_until, match_hour, match_hour_count, throttled_until
FROM intel_indicators WHERE org_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`
		arg = strs
	} else {
		b, err := json.Marshal(strs)
		if err != nil {
			return nil, fmt.Errorf("intel: sighting ids: %w", err)
		}
		q = `SELECT id, type, confidence, sightings, false_positives, valid_until, match_hour, match_hour_count, throttled_until
FROM intel_indicators WHERE org_id = $1 AND id IN (SELECT value FROM json_each($2)) ORDER BY id`
		arg = string(b)
	}
	rows, err := tx.QueryContext(ctx, q, org, arg)
	if err != nil {
		return nil, fmt.Errorf("intel: read sighted indicators: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := make(map[uuid.UUID]*sightingRow, len(ids))
	for rows.Next() {
		r := &sightingRow{}
		var until sql.NullTime
		if err := rows.Scan(&r.ind.ID, &r.ind.Type, &r.ind.Confidence, &r.ind.Sightings, &r.ind.FalsePositives, &until, &r.hour, &r.count, &r.throttledUntil); err != nil {
			return nil, fmt.Errorf("intel: read sighted indicators: %w", err)
		}
		if until.Valid {
			t := until.Time
			r.ind.ValidUntil = &t
		}
		out[r.ind.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("intel: read sighted indicators: %w", err)
	}
	return out, nil
}

// writeSightings writes the counted state of the org's sighted indicators
// back with one statement (updated_at moves so other replicas' indexes
// learn the later expiry).
func (s *Store) writeSightings(ctx context.Context, tx *db.Tx, org string, order []uuid.UUID, rows map[uuid.UUID]*sightingRow, now, end time.Time) error {
	var ids []string
	var sights, counts []int64
	var exps []time.Time
	var flags []bool
	for _, id := range order {
		r, ok := rows[id]
		if !ok {
			continue
		}
		ids = append(ids, id.String())
		sights = append(sights, int64(r.ind.Sightings))
		counts = append(counts, r.count)
		exps = append(exps, r.exp.UTC())
		flags = append(flags, r.flag)
	}
	if len(ids) == 0 {
		return nil
	}
	hour := now.Unix() / 3600
	const set = ` SET sightings = v.s, last_seen = %[1]s, match_hour = %[2]s, match_hour_count = v.c, expires_at = v.exp,
 flagged = CASE WHEN v.flag THEN true ELSE intel_indicators.flagged END,
 throttled_until = CASE WHEN v.flag THEN %[3]s ELSE intel_indicators.throttled_until END, updated_at = %[4]s`
	var err error
	if tx.Dialect == db.Postgres {
		_, err = tx.ExecContext(ctx, `UPDATE intel_indicators`+fmt.Sprintf(set, "$2", "$3", "$4", "$2")+`
FROM unnest($5::uuid[], $6::int8[], $7::int8[], $8::timestamptz[], $9::bool[]) AS v(id, s, c, exp, flag)
WHERE intel_indicators.org_id = $1 AND intel_indicators.id = v.id`, org, now, hour, end, ids, sights, counts, exps, flags)
	} else {
		// Anonymous parameters, bound in the order they appear (see
		// upsertChunkSQL).
		var b strings.Builder
		b.WriteString(`WITH v(id, s, c, exp, flag) AS (VALUES `)
		args := make([]any, 0, 5*len(ids)+5)
		for i := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, ids[i], sights[i], counts[i], exps[i], flags[i])
		}
		b.WriteString(`) UPDATE intel_indicators` + fmt.Sprintf(set, "?", "?", "?", "?") + ` FROM v WHERE intel_indicators.org_id = ? AND intel_indicators.id = v.id`)
		args = append(args, now, hour, end, now, org)
		_, err = tx.ExecContext(ctx, b.String(), args...)
	}
	if err != nil {
		return fmt.Errorf("intel: count sightings: %w", err)
	}
	return nil
}
