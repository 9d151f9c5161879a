package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/tenant"
)

// errIdemTaken means another request with the same key committed first.
var errIdemTaken = errors.New("ingest: idempotency key already used")

// claimIdempotency inserts the key inside the batch's transaction (taking
// over an expired record not pruned yet). A concurrent request with the
// same key waits on the unique index and then finds it taken, so exactly
// one of them writes alerts.
func claimIdempotency(ctx context.Context, tx *db.Tx, scope tenant.Scope, idem *Idempotency, now time.Time, ttl time.Duration) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO ingest_idempotency (org_id, key, request_hash, status, response, created_at, expires_at)
VALUES ($1, $2, $3, 0, '{}', $4, $5)
ON CONFLICT (org_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = 0, response = '{}',
 created_at = excluded.created_at, expires_at = excluded.expires_at
WHERE ingest_idempotency.expires_at <= excluded.created_at`, scope.Org().String(), idem.Key, idem.RequestHash, now, now.Add(ttl))
	if err != nil {
		return fmt.Errorf("ingest: claim idempotency key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errIdemTaken
	}
	return nil
}

func storeIdempotency(ctx context.Context, tx *db.Tx, scope tenant.Scope, idem *Idempotency, sum *BatchSummary) error {
	b, err := json.Marshal(sum)
	if err != nil {
		return fmt.Errorf("ingest: encode idempotent response: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ingest_idempotency SET status = 200, response = $3 WHERE org_id = $1 AND key = $2`,
		scope.Org().String(), idem.Key, string(b)); err != nil {
		return fmt.Errorf("ingest: store idempotent response: %w", err)
	}
	return nil
}

// Replay returns the stored answer for an Idempotency-Key, or nil when the
// key is unused. The same key with a different body is a 422.
func (s *Store) Replay(ctx context.Context, scope tenant.Scope, idem *Idempotency) (*BatchSummary, error) {
	var hash, body string
	var status int
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT request_hash, status, response FROM ingest_idempotency WHERE org_id = $1 AND key = $2 AND expires_at > $3`,
			scope.Org().String(), idem.Key, time.Now().UTC()).Scan(&hash, &status, &body)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: read idempotency key: %w", err)
	}
	if hash != idem.RequestHash {
		return nil, apperr.Validation("Idempotency-Key was already used with a different request body",
			apperr.Field("header.Idempotency-Key", "reused with a different body")).WithCode("idempotency_key_reused")
	}
	var sum BatchSummary
	if err := json.Unmarshal([]byte(body), &sum); err != nil {
		return nil, fmt.Errorf("ingest: decode idempotent response: %w", err)
	}
	sum.Replayed = true
	return &sum, nil
}

// IdempotencyPruner deletes expired Idempotency-Key records and expired
// webhook deliveries remembered against replay.
func IdempotencyPruner() jobs.Pruner {
	return jobs.PrunerFunc{Label: "ingest_idempotency", Fn: func(ctx context.Context, d *db.DB, now time.Time) (int64, error) {
		var total int64
		for _, t := range []struct{ table, fn string }{
			{"ingest_idempotency", "ingest_prune_idempotency"},
			{"ingest_webhook_seen", "ingest_prune_webhook_seen"},
		} {
			var n int64
			err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
				if d.Dialect == db.Postgres {
					return tx.QueryRowContext(ctx, `SELECT `+t.fn+`($1)`, now.UTC()).Scan(&n)
				}
				res, err := tx.ExecContext(ctx, `DELETE FROM `+t.table+` WHERE expires_at < $1`, now.UTC())
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return total, fmt.Errorf("ingest: prune %s: %w", t.table, err)
			}
			total += n
		}
		return total, nil
	}}
}
