package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/payload"
)

// CopyAlerts writes normalized alerts into a fresh org with one Copier.
func CopyAlerts(ctx context.Context, d *db.DB, org uuid.UUID, alerts []alert.Alert) (int, error) {
	return NewCopier(d, org).Copy(ctx, alerts)
}

// Copier writes normalized alerts straight into the alert tables with
// PostgreSQL COPY, bypassing the pipeline: the baseline the benchmark
// compares intake with, and the fast loader of the query benchmark. Rows
// get the same fingerprints and dedup keys as through the pipeline;
// duplicates are merged in memory (COPY cannot upsert) and, across calls,
// skipped; entities are written once per org. The org must have no alerts
// or entities but those written by this Copier.
type Copier struct {
	d    *db.DB
	org  uuid.UUID
	ents map[entityKey]uuid.UUID
	keys map[string]struct{}
}

// NewCopier starts a Copier for org.
func NewCopier(d *db.DB, org uuid.UUID) *Copier {
	return &Copier{d: d, org: org, ents: map[entityKey]uuid.UUID{}, keys: map[string]struct{}{}}
}

// Copy writes one chunk in one transaction and returns the alert rows written.
func (c *Copier) Copy(ctx context.Context, alerts []alert.Alert) (int, error) {
	d, org, ents := c.d, c.org, c.ents
	if d.Pool == nil {
		return 0, errors.New("ingest: COPY needs PostgreSQL")
	}
	now := time.Now().UTC()
	rows := make([]row, len(alerts))
	for i, a := range alerts {
		if a.ReceivedTime.IsZero() {
			a.ReceivedTime = now
		}
		if a.EventTime.IsZero() {
			a.EventTime = a.ReceivedTime
		}
		if a.Status == "" {
			a.Status = alert.StatusNew
		}
		rows[i] = newRow(a, "", nil, DefaultDedupWindow)
	}
	merged, _ := mergeRows(rows)
	var entRows, linkRows [][]any
	alertRows := make([][]any, 0, len(merged))
	for i := range merged {
		r := &merged[i]
		if _, dup := c.keys[r.dedupKey]; dup {
			continue
		}
		c.keys[r.dedupKey] = struct{}{}
		a := &r.alert
		id, err := uuid.NewV7()
		if err != nil {
			return 0, fmt.Errorf("ingest: id: %w", err)
		}
		alertRows = append(alertRows, []any{id, org, r.dedupKey, a.Fingerprint, a.Source.Type, a.Source.Vendor, a.Source.Product, a.SourceRef,
			a.Rule.ID, a.Rule.Name, a.EventTime.UTC(), a.ReceivedTime.UTC(), a.ReceivedTime.UTC(), a.ReceivedTime.UTC(), int32(r.count), //nolint:gosec // small
			int16(a.Severity), a.Title, a.Description, string(a.Status), string(r.tactics), string(r.techniques), string(r.tags), //nolint:gosec // small
			string(r.unmapped), payload.Pack(a.Raw), a.Quality, now})
		for _, e := range a.Entities {
			if e.Value == "" {
				continue
			}
			k := entityKey{e.Type, e.Value}
			eid, ok := ents[k]
			if !ok {
				if eid, err = uuid.NewV7(); err != nil {
					return 0, fmt.Errorf("ingest: id: %w", err)
				}
				ents[k] = eid
				entRows = append(entRows, []any{eid, org, string(e.Type), e.Value, now})
			}
			linkRows = append(linkRows, []any{id, eid, org, e.Role})
		}
	}
	linkRows = dedupeLinks(linkRows)
	tx, err := d.Pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("ingest: begin copy: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SELECT set_config('app.org_id', $1, true)", org.String()); err != nil {
		return 0, fmt.Errorf("ingest: arm rls: %w", err)
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"alerts", []string{"id", "org_id", "dedup_key", "fingerprint", "source_type", "source_vendor", "source_product", "source_ref",
			"rule_id", "rule_name", "event_time", "received_time", "first_seen", "last_seen", "count", "severity_id", "title", "description",
			"status", "tactics", "techniques", "tags", "unmapped", "raw", "quality", "updated_at"}, alertRows},
		{"entities", []string{"id", "org_id", "type", "value", "first_seen"}, entRows},
		{"alert_entities", []string{"alert_id", "entity_id", "org_id", "role"}, linkRows},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return 0, fmt.Errorf("ingest: copy %s: %w", c.table, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("ingest: commit copy: %w", err)
	}
	return len(alertRows), nil
}

func dedupeLinks(rows [][]any) [][]any {
	type k struct {
		a, e uuid.UUID
		r    string
	}
	seen := make(map[k]bool, len(rows))
	out := rows[:0]
	for _, r := range rows {
		key := k{r[0].(uuid.UUID), r[1].(uuid.UUID), r[3].(string)}
		if !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	return out
}
