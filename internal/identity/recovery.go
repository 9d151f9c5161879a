package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
)

// RecoveryCodeCount is how many single-use recovery codes a user gets when
// MFA is enabled or the codes are regenerated.
const RecoveryCodeCount = 10

// recoveryEncoding spells codes in lower-case RFC 4648 base32 (no 0/1/8/9
// to confuse with letters), grouped by four for reading aloud.
var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

var errBadRecoveryCode = apperr.Unauthorized("invalid or used recovery code").WithCode("mfa_invalid")

// newRecoveryCode returns an 80-bit random code such as "abcd-efgh-ijkl-mnop".
// 80 bits keep the stored SHA-256 digests out of reach of offline guessing,
// so no slow hash is needed.
func newRecoveryCode() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("identity: recovery code: %w", err)
	}
	s := strings.ToLower(recoveryEncoding.EncodeToString(b[:]))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16], nil
}

// recoveryDigest is the stored form of a code: case, spaces and dashes
// do not matter to the user typing it.
func recoveryDigest(code string) string {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, code)
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}

// replaceRecoveryCodes discards userID's codes and stores a new set inside
// tx, returning the plain codes (shown once, never stored).
func (s *Store) replaceRecoveryCodes(ctx context.Context, tx *db.Tx, userID uuid.UUID) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID.String()); err != nil {
		return nil, fmt.Errorf("identity: drop recovery codes: %w", err)
	}
	codes := make([]string, 0, RecoveryCodeCount)
	for range RecoveryCodeCount {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`,
			userID.String(), recoveryDigest(c), s.now()); err != nil {
			return nil, fmt.Errorf("identity: store recovery code: %w", err)
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// useRecoveryCode consumes one unused code of u; a used or unknown code is
// errBadRecoveryCode. The conditional UPDATE makes a code single-use even
// under concurrent sign-ins.
func (s *Store) useRecoveryCode(ctx context.Context, u User, code string) error {
	var left int
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE user_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
			s.now(), u.ID.String(), recoveryDigest(code))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n != 1 {
			return errBadRecoveryCode
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, u.ID.String()).Scan(&left); err != nil {
			return err
		}
		return record(ctx, tx, noOrg, "auth.recovery_code_used", "user", u.ID.String(), map[string]int{"remaining": left})
	})
	if err != nil {
		if apperr.Is(err, apperr.KindUnauthorized) {
			return err
		}
		return fmt.Errorf("identity: use recovery code: %w", err)
	}
	return nil
}

// RecoveryCodesLeft counts userID's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID uuid.UUID) (int, error) {
	var n int
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID.String()).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("identity: count recovery codes: %w", err)
	}
	return n, nil
}

// RegenerateRecoveryCodes replaces userID's recovery codes after checking
// a current TOTP code, and returns the new codes (shown once).
func (s *Store) RegenerateRecoveryCodes(ctx context.Context, userID uuid.UUID, code string) ([]string, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !u.MFAEnabled {
		return nil, apperr.Conflict("MFA is not enabled").WithCode("mfa_not_enabled")
	}
	if err := s.reauthTOTP(ctx, u, code); err != nil {
		return nil, err
	}
	var codes []string
	err = s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if codes, err = s.replaceRecoveryCodes(ctx, tx, userID); err != nil {
			return err
		}
		return record(ctx, tx, noOrg, "auth.recovery_codes_regenerate", "user", userID.String(), nil)
	})
	if err != nil {
		return nil, fmt.Errorf("identity: regenerate recovery codes: %w", err)
	}
	return codes, nil
}

// reauthTOTP checks a current TOTP code of a signed-in user before a
// sensitive change. Wrong codes count against the account's sign-in
// throttle: six digits must not be guessable by someone holding a session.
func (s *Store) reauthTOTP(ctx context.Context, u User, code string) error {
	lower, _ := NormalizeEmail(u.Email)
	att, err := s.beginAttempt(ctx, []string{throttleAccountPref + lower}, []int{MaxAccountFailures})
	if err != nil {
		return err
	}
	if err := s.checkTOTP(ctx, u, code); err != nil {
		if !apperr.Is(err, apperr.KindUnauthorized) {
			att.release(ctx)
			return err
		}
		lock, lerr := att.failed(ctx)
		if lerr != nil {
			return lerr
		}
		s.logAuth(ctx, uuid.Nil, "user:"+u.ID.String(), "auth.mfa_check", audit.OutcomeFailure, nil)
		if !lock.IsZero() {
			return lockedErr(lock, s.now())
		}
		return apperr.Validation("invalid TOTP code", apperr.Field("body.code", "does not match"))
	}
	att.release(ctx)
	return nil
}
