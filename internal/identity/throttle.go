package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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

// attempt is one try of a credential, counted against its throttle keys
// before the credential is checked. Counting first closes the race where
// many concurrent guesses all pass the lockout check before any failure is
// recorded: the attempt numbers are handed out atomically, and attempts
// beyond the limit never reach the check.
type attempt struct {
	s      *Store
	keys   []string
	limits []int
	nth    []int
}

// beginAttempt reserves an attempt on every key (with its limit). It
// returns a login_locked error when a key is locked or its limit is used
// up by attempts in flight; nothing stays reserved then.
func (s *Store) beginAttempt(ctx context.Context, keys []string, limits []int) (*attempt, error) {
	a := &attempt{s: s, keys: keys, limits: limits}
	now := s.now()
	// Refusing a locked key costs reads, no write.
	for _, k := range keys {
		var until sql.NullTime
		err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT locked_until FROM login_throttle WHERE key = $1`, k).Scan(&until)
		})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("identity: read login throttle: %w", err)
		}
		if until.Valid && until.Time.After(now) {
			return nil, lockedErr(until.Time, now)
		}
	}
	for i, k := range keys {
		var n int
		var until sql.NullTime
		err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			// A locked key is left as it is; otherwise a new window starts
			// when the old one ended (or a lockout expired).
			return tx.QueryRowContext(ctx, `INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, $2)
				ON CONFLICT (key) DO UPDATE SET
				  failures = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.failures
				    WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END,
				  window_start = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.window_start
				    WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END
				RETURNING failures, locked_until`, k, now, now.Add(-LoginWindow)).Scan(&n, &until)
		})
		if err != nil {
			a.release(ctx)
			return nil, fmt.Errorf("identity: count sign-in attempt: %w", err)
		}
		if until.Valid && until.Time.After(now) {
			a.release(ctx)
			return nil, lockedErr(until.Time, now)
		}
		a.keys, a.nth = keys[:i+1], append(a.nth, n)
		if n > limits[i] {
			a.release(ctx)
			return nil, lockedErr(now.Add(LockoutDuration), now)
		}
	}
	return a, nil
}

// release gives the reserved attempts back (the credential was right but
// incomplete, such as a missing TOTP code, or checking it failed).
func (a *attempt) release(ctx context.Context) {
	for _, k := range a.keys {
		if err := a.s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0`, k)
			return err
		}); err != nil && a.s.Logger != nil {
			a.s.Logger.ErrorContext(ctx, "release sign-in attempt", "error", err.Error())
		}
	}
}

// failed keeps the attempt counted and locks every key whose limit it
// reached; it returns the latest lockout end (zero if none).
func (a *attempt) failed(ctx context.Context) (time.Time, error) {
	now := a.s.now()
	var lock time.Time
	for i, k := range a.keys {
		if a.nth[i] < a.limits[i] {
			continue
		}
		until := now.Add(LockoutDuration)
		err := a.s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE login_throttle SET locked_until = $1, failures = 0, window_start = $2 WHERE key = $3`, until, now, k)
			return err
		})
		if err != nil {
			return time.Time{}, fmt.Errorf("identity: lock sign-in: %w", err)
		}
		lock = until
	}
	return lock, nil
}

// succeeded clears the account's failures and gives the other keys' (the
// client IP's) reservation back.
func (a *attempt) succeeded(ctx context.Context) error {
	var others []string
	for _, k := range a.keys {
		if strings.HasPrefix(k, throttleAccountPref) {
			if err := a.s.loginSucceeded(ctx, k); err != nil {
				return err
			}
			continue
		}
		others = append(others, k)
	}
	(&attempt{s: a.s, keys: others}).release(ctx)
	return nil
}
