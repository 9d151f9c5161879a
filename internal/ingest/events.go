package ingest

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// emitIngested appends the batch's alert.ingested.v1 event (docs/events.md)
// in the transaction that wrote it: slot[i] is the index in out of the
// batch's row i. created marks the new alerts already reported by another
// batch of the same group commit; this batch reports them as updated.
func (b *Batch) emitIngested(ctx context.Context, tx *db.Tx, scope tenant.Scope, slot []int, out []written, created []bool) error {
	ev := events.AlertIngestedV1{SourceType: b.sourceType, Channel: b.channel, Created: []uuid.UUID{}, Updated: []uuid.UUID{},
		Rejected: len(b.rejected)}
	subject := "intake/" + b.channel
	if b.src != nil {
		id := b.src.ID
		ev.SourceID = &id
		subject = events.Subject("source", id)
	}
	seen := make(map[int]bool, len(slot))
	for _, i := range slot {
		if seen[i] {
			continue
		}
		seen[i] = true
		if out[i].inserted && !created[i] {
			created[i] = true
			ev.Created = append(ev.Created, out[i].id)
		} else {
			ev.Updated = append(ev.Updated, out[i].id)
		}
	}
	_, err := events.Append(ctx, tx, scope, events.AlertIngested, subject, ev)
	return err
}

// sourceEvents maps a source audit action to its event kind.
var sourceEvents = map[string]events.Def[events.SourceV1]{
	"alert_source.create":        events.SourceCreated,
	"alert_source.update":        events.SourceUpdated,
	"alert_source.delete":        events.SourceDeleted,
	"alert_source.rotate_secret": events.SourceSecretRotated,
}

// emitSource appends the event of a source change (action is its audit
// action) in the change's transaction.
func emitSource(ctx context.Context, tx *db.Tx, scope tenant.Scope, action string, src *SourceConfig) error {
	def, ok := sourceEvents[action]
	if !ok {
		return fmt.Errorf("ingest: no event kind for %s", action)
	}
	_, err := events.Append(ctx, tx, scope, def, events.Subject("source", src.ID),
		events.SourceV1{SourceID: src.ID, Name: src.Name, Kind: src.Kind})
	return err
}
