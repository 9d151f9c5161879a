package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Grace periods of a webhook secret rotation: how long the replaced secret
// keeps verifying.
const (
	DefaultSecretGrace = 24 * time.Hour
	MaxSecretGrace     = 7 * 24 * time.Hour
)

func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("ingest: webhook secret: %w", err)
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

// RotateSecret gives a webhook source a new signing secret and returns it
// (once; it is stored encrypted). The replaced secret keeps verifying until
// now + grace (0 revokes it at once); a secret replaced by an earlier
// rotation stops verifying. It joins the transaction in ctx, if any.
func (s *Store) RotateSecret(ctx context.Context, scope tenant.Scope, id uuid.UUID, grace time.Duration, now time.Time) (*SourceConfig, string, error) {
	if grace < 0 || grace > MaxSecretGrace {
		return nil, "", apperr.Validation("invalid grace period",
			apperr.Field("body.grace_period_seconds", fmt.Sprintf("must be between 0 and %d", int(MaxSecretGrace/time.Second))))
	}
	secret, err := newWebhookSecret()
	if err != nil {
		return nil, "", err
	}
	sealed, err := s.seal(scope.Org(), id, []byte(secret))
	if err != nil {
		return nil, "", err
	}
	var src *SourceConfig
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		cur, err := s.getSourceForUpdate(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if cur.Kind != KindWebhook || len(cur.secret) == 0 {
			return apperr.Conflict("only a webhook source has a signing secret to rotate").WithCode("not_a_webhook_source")
		}
		prevSealed, err := s.seal(scope.Org(), id, cur.secret)
		if err != nil {
			return err
		}
		now = now.UTC()
		expires := now.Add(grace)
		_, err = tx.ExecContext(ctx, `UPDATE alert_sources SET secret_enc = $3, secret_prev_enc = $4, secret_prev_expires_at = $5, updated_at = $6
WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String(), sealed, prevSealed, expires, now)
		if err != nil {
			return fmt.Errorf("ingest: rotate secret: %w", err)
		}
		cur.prevSecret, cur.secret = cur.secret, []byte(secret)
		cur.PreviousSecretExpiresAt = &expires
		cur.UpdatedAt = now
		src = cur
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return src, secret, nil
}

// getSourceForUpdate reads a source and, on PostgreSQL, locks its row so
// two concurrent rotations serialize (SQLite has one writer anyway).
func (s *Store) getSourceForUpdate(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (*SourceConfig, error) {
	if tx.Dialect == db.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM alert_sources WHERE org_id = $1 AND id = $2 FOR UPDATE`, scope.Org().String(), id.String()); err != nil {
			return nil, fmt.Errorf("ingest: lock source: %w", err)
		}
	}
	return s.getSource(ctx, tx, scope, id)
}
