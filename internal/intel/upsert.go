package intel

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
)

// upsertConflict is the refresh of an existing (feed, type, value): the
// source's fields replace the stored ones, last_seen only moves forward,
// first_seen, sightings and false positives stay, a tombstone or an
// expired row comes back; shared_at (the TAXII server's date added)
// moves only when what is shared changed. distinct is the dialect's
// "differs, NULLs equal" operator.
func upsertConflict(distinct string) string {
	changed := make([]string, 0, len(sharedCols))
	for _, c := range sharedCols {
		changed = append(changed, "intel_indicators."+c+" "+distinct+" excluded."+c)
	}
	return `
ON CONFLICT (feed_id, type, value) DO UPDATE SET
 subdomains = excluded.subdomains, detect = excluded.detect, confidence = excluded.confidence, tlp = excluded.tlp, pap = excluded.pap,
 last_seen = CASE WHEN excluded.last_seen > intel_indicators.last_seen THEN excluded.last_seen ELSE intel_indicators.last_seen END,
 valid_until = excluded.valid_until, tags = excluded.tags, attack = excluded.attack, description = excluded.description,
 stix_id = excluded.stix_id, deleted = false, updated_at = excluded.updated_at,
 expires_at = excluded.expires_at, expired = false,
 shared_at = CASE WHEN ` + strings.Join(changed, " OR ") + ` THEN excluded.shared_at ELSE intel_indicators.shared_at END
RETURNING type, value, id, first_seen, sightings, false_positives, created_at`
}

// sharedCols are the columns whose change is a new version for partners.
var sharedCols = []string{"subdomains", "detect", "confidence", "tlp", "pap", "valid_until", "tags", "attack", "description", "stix_id", "deleted", "expired"}

var (
	upsertConflictPG     = upsertConflict("IS DISTINCT FROM")
	upsertConflictSQLite = upsertConflict("IS NOT")
)

// Rows per upsert statement: PostgreSQL binds one array per column (any
// size); SQLite binds 21 values per row and allows 32,766 per statement.
const (
	upsertChunkPG     = 2000
	upsertChunkSQLite = 500
)

// pendingUpsert is one prepared indicator of an upsert, after the records
// with the same (type, value) earlier in the call were merged into it.
type pendingUpsert struct {
	ind   Indicator
	newID uuid.UUID
	until any
}

type indicatorKey struct {
	t Type
	v string
}

// upsert validates inds and writes them into f with one multi-row
// statement per chunk. Its outcome is that of upserting the records one
// by one in order: a (type, value) repeated in the call is stored once
// with the last record's fields, the first one's first_seen and the
// latest last_seen, and counted as created (or updated) once and updated
// for each repeat.
func (s *Store) upsert(ctx context.Context, tx *db.Tx, org *uuid.UUID, f *Feed, inds []Indicator, res *ImportResult) ([]Indicator, error) {
	now := s.now()
	model := s.decay()
	var allow *Index
	if org != nil {
		var err error
		if allow, err = allowIndexTx(ctx, tx, *org); err != nil {
			return nil, err
		}
	}
	pend := make([]pendingUpsert, 0, len(inds))
	at := make(map[indicatorKey]int, len(inds))
	for i := range inds {
		ind := inds[i]
		if field, reason := prepare(&ind, f, now); reason != "" {
			res.reject(i, field, reason)
			continue
		}
		if allow != nil && allow.Covers(ind.Type, ind.Value) {
			res.reject(i, "value", "on the org's allowlist")
			res.Allowlisted++
			continue
		}
		k := indicatorKey{ind.Type, ind.Value}
		if j, ok := at[k]; ok {
			prev := &pend[j].ind
			ind.FirstSeen = prev.FirstSeen
			if prev.LastSeen.After(ind.LastSeen) {
				ind.LastSeen = prev.LastSeen
			}
			pend[j].ind = ind
			res.Updated++
			res.ByType[string(ind.Type)]++
			continue
		}
		at[k] = len(pend)
		pend = append(pend, pendingUpsert{ind: ind, newID: uuid.Must(uuid.NewV7())})
	}
	for i := range pend {
		p := &pend[i]
		if p.ind.ValidUntil != nil {
			p.until = p.ind.ValidUntil.UTC()
		}
		exp := model.ExpiresAt(&p.ind)
		p.ind.ExpiresAt, p.ind.Expired = &exp, false
	}
	var orgArg any
	if org != nil {
		orgArg = org.String()
	}
	chunk := upsertChunkSQLite
	if tx.Dialect == db.Postgres {
		chunk = upsertChunkPG
	}
	stored := make([]Indicator, 0, len(pend))
	for lo := 0; lo < len(pend); lo += chunk {
		part := pend[lo:min(lo+chunk, len(pend))]
		var err error
		if tx.Dialect == db.Postgres {
			err = upsertChunkPostgres(ctx, tx, orgArg, f.ID, now, part)
		} else {
			err = upsertChunkSQL(ctx, tx, orgArg, f.ID, now, part)
		}
		if err != nil {
			return nil, err
		}
		for i := range part {
			ind := part[i].ind
			ind.OrgID, ind.UpdatedAt = org, now
			if ind.ID == part[i].newID {
				res.Created++
				res.created = append(res.created, ind)
			} else {
				res.Updated++
			}
			res.ByType[string(ind.Type)]++
			stored = append(stored, ind)
		}
	}
	return stored, nil
}

// scanUpserted reads the RETURNING rows of a chunk into its records.
func scanUpserted(ctx context.Context, tx *db.Tx, part []pendingUpsert, q string, args ...any) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("intel: upsert indicators: %w", err)
	}
	defer func() { _ = rows.Close() }()
	at := make(map[indicatorKey]int, len(part))
	for i := range part {
		at[indicatorKey{part[i].ind.Type, part[i].ind.Value}] = i
	}
	n := 0
	for rows.Next() {
		var k indicatorKey
		var id uuid.UUID
		var first, created time.Time
		var sightings, fps int
		if err := rows.Scan(&k.t, &k.v, &id, &first, &sightings, &fps, &created); err != nil {
			return fmt.Errorf("intel: upsert indicators: %w", err)
		}
		i, ok := at[k]
		if !ok {
			return fmt.Errorf("intel: upsert returned an unknown indicator %s %q", k.t, k.v)
		}
		ind := &part[i].ind
		ind.ID, ind.FirstSeen, ind.Sightings, ind.FalsePositives, ind.CreatedAt = id, first.UTC(), sightings, fps, created.UTC()
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("intel: upsert indicators: %w", err)
	}
	if n != len(part) {
		return fmt.Errorf("intel: upsert returned %d rows for %d indicators", n, len(part))
	}
	return nil
}

// upsertChunkPostgres writes a chunk with one statement over unnest'ed
// column arrays.
func upsertChunkPostgres(ctx context.Context, tx *db.Tx, org any, feed uuid.UUID, now time.Time, part []pendingUpsert) error {
	n := len(part)
	ids, types, values, tlps, paps, untils, tags, attack, descs, stix :=
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	subs, detects := make([]bool, n), make([]bool, n)
	confs := make([]int32, n)
	firsts, lasts, exps := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	for i := range part {
		p := &part[i]
		ind := &p.ind
		ids[i], types[i], values[i], tlps[i], paps[i] = p.newID.String(), string(ind.Type), ind.Value, ind.TLP, ind.PAP
		if p.until != nil {
			untils[i] = p.until.(time.Time).Format(time.RFC3339Nano)
		}
		tags[i], attack[i], descs[i], stix[i] = jsonList(ind.Tags), jsonList(ind.Attack), ind.Description, ind.STIXID
		subs[i], detects[i], confs[i] = ind.Subdomains, ind.Detect, int32(ind.Confidence) //nolint:gosec // 0..100
		firsts[i], lasts[i], exps[i] = ind.FirstSeen.UTC(), ind.LastSeen.UTC(), ind.ExpiresAt.UTC()
	}
	q := `INSERT INTO intel_indicators (` + indicatorCols + `, shared_at)
SELECT u.id::uuid, $1::uuid, $2::uuid, u.t, u.v, u.sd, u.det, u.conf::smallint, u.tlp, u.pap, u.fs, u.ls, NULLIF(u.vu, '')::timestamptz,
 u.tags::jsonb, u.att::jsonb, u.descr, u.sid, 0, 0, false, $3, $3, u.exp, false, false, NULL, $3
FROM unnest($4::text[], $5::text[], $6::text[], $7::bool[], $8::bool[], $9::int4[], $10::text[], $11::text[], $12::timestamptz[],
 $13::timestamptz[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::timestamptz[])
 AS u(id, t, v, sd, det, conf, tlp, pap, fs, ls, vu, tags, att, descr, sid, exp)
ORDER BY u.t, u.v` + upsertConflictPG
	return scanUpserted(ctx, tx, part, q, org, feed.String(), now, ids, types, values, subs, detects, confs, tlps, paps,
		firsts, lasts, untils, tags, attack, descs, stix, exps)
}

// upsertChunkSQL writes a chunk with one multi-row VALUES statement
// (SQLite). Its parameters are anonymous (?): SQLite keeps numbered and
// named ones in a list the driver searches once per parameter when
// binding, which makes a long VALUES quadratic.
func upsertChunkSQL(ctx context.Context, tx *db.Tx, org any, feed uuid.UUID, now time.Time, part []pendingUpsert) error {
	const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, false, ?, ?, ?, false, false, NULL, ?)"
	var b strings.Builder
	b.Grow(100 + len(part)*(len(row)+1) + len(upsertConflictSQLite))
	b.WriteString(`INSERT INTO intel_indicators (` + indicatorCols + `, shared_at) VALUES `)
	args := make([]any, 0, 21*len(part))
	fid := feed.String()
	for i := range part {
		p := &part[i]
		ind := &p.ind
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
		args = append(args, p.newID.String(), org, fid, string(ind.Type), ind.Value, ind.Subdomains, ind.Detect, ind.Confidence, ind.TLP, ind.PAP,
			ind.FirstSeen.UTC(), ind.LastSeen.UTC(), p.until, jsonList(ind.Tags), jsonList(ind.Attack), ind.Description, ind.STIXID,
			now, now, ind.ExpiresAt.UTC(), now)
	}
	b.WriteString(upsertConflictSQLite)
	return scanUpserted(ctx, tx, part, b.String(), args...)
}
