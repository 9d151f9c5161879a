package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/tenant"
)

// relayBatch bounds one catch-up read.
const relayBatch = 500

// Relay listens for the NOTIFY of other replicas' commits (PostgreSQL) and
// publishes their events to the local hub, reading them from the table, so
// live streams on this replica see every org's events whichever replica
// committed them. It runs until ctx ends, reconnecting with backoff; after
// a reconnect it catches up every org that has local subscribers. Its own
// process's notices are ignored (those events were published locally).
func (b *Bus) Relay(ctx context.Context) error {
	if b.db.Pool == nil {
		return errors.New("events: relay needs PostgreSQL")
	}
	backoff := 100 * time.Millisecond
	for {
		err := b.listen(ctx)
		if ctx.Err() != nil {
			return nil //nolint:nilerr // shutting down
		}
		b.metrics.relayErrs.Inc()
		b.logger.WarnContext(ctx, "events relay disconnected; reconnecting", slog.String("error", errString(err)), slog.Duration("backoff", backoff))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// listen holds one LISTEN connection until it fails or ctx ends.
func (b *Bus) listen(ctx context.Context) error {
	conn, err := b.db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("events: relay acquire: %w", err)
	}
	// The connection was in LISTEN state: never return it to the pool.
	defer func() { _ = conn.Hijack().Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return fmt.Errorf("events: relay listen: %w", err)
	}
	// Anything committed while we were not listening.
	for _, org := range b.hub.Orgs() {
		if last, ok := b.hub.LastSeq(org); ok && last > 0 {
			b.catchUp(ctx, org, last, 0)
		}
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("events: relay wait: %w", err)
		}
		var nt notice
		if err := json.Unmarshal([]byte(n.Payload), &nt); err != nil {
			b.logger.WarnContext(ctx, "events relay: malformed notice", slog.String("error", err.Error()))
			continue
		}
		if nt.Process == b.process {
			continue
		}
		last, ok := b.hub.LastSeq(nt.Org)
		if !ok {
			continue // nobody here listens to that org
		}
		after := last
		if after == 0 || after < nt.First-1-relayBatch {
			after = nt.First - 1
		}
		if nt.Last > after {
			b.catchUp(ctx, nt.Org, after, nt.Last)
		}
	}
}

// catchUp publishes org's events after seq after (up to upTo; 0: all).
func (b *Bus) catchUp(ctx context.Context, org uuid.UUID, after, upTo int64) {
	scope := tenant.System(org, "events-relay")
	for {
		evs, err := Since(ctx, b.db, scope, after, upTo, relayBatch)
		if err != nil {
			b.metrics.relayErrs.Inc()
			b.logger.WarnContext(ctx, "events relay: read events", slog.String("org_id", org.String()), slog.String("error", err.Error()))
			return
		}
		if len(evs) == 0 {
			return
		}
		b.hub.Publish(evs...)
		b.metrics.relayed.Add(float64(len(evs)))
		after = evs[len(evs)-1].Seq
		if len(evs) < relayBatch {
			return
		}
	}
}
