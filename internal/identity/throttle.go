package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/securenexus/securenexus/internal/db"
)

// Login throttling: failures are counted per account and per client IP in
// the database (so every replica sees them); reaching the limit within the
// window locks the key for LockoutDuration, during which even a correct
// password is refused.
const (
	LoginWindow         = 15 * time.Minute
	LockoutDuration     = 15 * time.Minute
	MaxAccountFailures  = 5
	MaxIPFailures       = 50
	throttleAccountPref = "account:"
	throttleIPPref      = "ip:"
)

// lockedUntil returns when key's lockout ends (zero if not locked).
func (s *Store) lockedUntil(ctx context.Context, key string) (time.Time, error) {
	var until sql.NullTime
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT locked_until FROM login_throttle WHERE key = $1`, key).Scan(&until)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("identity: read login throttle: %w", err)
	}
	if until.Valid && until.Time.After(s.now()) {
		return until.Time, nil
	}
	return time.Time{}, nil
}

// loginFailed counts a failure for key and locks it when max failures
// happened within the window. It returns the lockout end, if any.
func (s *Store) loginFailed(ctx context.Context, key string, limit int) (time.Time, error) {
	now := s.now()
	var locked time.Time
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var failures int
		// One atomic upsert: a new window starts when the old one ended or a
		// lockout expired.
		if err := tx.QueryRowContext(ctx, `INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, $2)
			ON CONFLICT (key) DO UPDATE SET
			  failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END,
			  window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END
			RETURNING failures`, key, now, now.Add(-LoginWindow)).Scan(&failures); err != nil {
			return fmt.Errorf("count failure: %w", err)
		}
		if failures < limit {
			return nil
		}
		locked = now.Add(LockoutDuration)
		_, err := tx.ExecContext(ctx, `UPDATE login_throttle SET locked_until = $1, failures = 0, window_start = $2 WHERE key = $3`, locked, now, key)
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("identity: record login failure: %w", err)
	}
	return locked, nil
}

// loginSucceeded clears key's failures.
func (s *Store) loginSucceeded(ctx context.Context, key string) error {
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = $1 AND (locked_until IS NULL OR locked_until < $2)`, key, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("identity: clear login throttle: %w", err)
	}
	return nil
}

func (s *Store) pruneThrottle(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)`,
			now.Add(-LoginWindow), now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("identity: prune login throttle: %w", err)
	}
	return n, nil
}
