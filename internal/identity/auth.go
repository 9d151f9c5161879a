package identity

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
)

// LoginRequest is a password sign-in attempt.
type LoginRequest struct {
	Email    string
	Password string
	TOTPCode string
	// RecoveryCode stands in for TOTPCode when the device is lost; each
	// code works once.
	RecoveryCode string
	IP           string
	UserAgent    string
}

var (
	errBadCredentials = apperr.Unauthorized("invalid email or password").WithCode("invalid_credentials")
	errMFARequired    = apperr.Unauthorized("a TOTP code is required for this account").WithCode("mfa_required")
	errBadTOTP        = apperr.Unauthorized("invalid or reused TOTP code").WithCode("mfa_invalid")
)

func lockedErr(until, now time.Time) error {
	return apperr.RateLimited("too many failed sign-in attempts; try again later", until.Sub(now)).WithCode("login_locked")
}

// Login verifies a password (and TOTP code when the account has MFA) and
// starts a session. Failures are throttled per account and per IP.
func (s *Store) Login(ctx context.Context, req LoginRequest) (string, Session, User, error) {
	email, _ := NormalizeEmail(req.Email)
	keys := []string{throttleAccountPref + email, throttleIPPref + req.IP}
	att, err := s.beginAttempt(ctx, keys, []int{MaxAccountFailures, MaxIPFailures})
	if err != nil {
		// Refusals while locked are not audited: the failure that set the
		// lock was, and anonymous callers must not grow the chain at will.
		return "", Session{}, User{}, err
	}
	fail := func(reason string, actor string, e error) (string, Session, User, error) {
		lock, err := att.failed(ctx)
		if err != nil {
			return "", Session{}, User{}, err
		}
		s.logAuth(ctx, uuid.Nil, actor, "auth.login", audit.OutcomeFailure, map[string]string{"email": email, "reason": reason})
		if !lock.IsZero() {
			return "", Session{}, User{}, lockedErr(lock, s.now())
		}
		return "", Session{}, User{}, e
	}
	// giveUp returns the reserved attempt for outcomes that are not a
	// wrong credential (internal errors, a missing TOTP code).
	giveUp := func(e error) (string, Session, User, error) {
		att.release(ctx)
		return "", Session{}, User{}, e
	}

	u, err := s.UserByEmail(ctx, req.Email)
	if err != nil && !apperr.Is(err, apperr.KindNotFound) {
		return giveUp(err)
	}
	hash := s.dummyHash
	if err == nil && u.HasPassword() {
		hash = u.PasswordHash
	}
	ok, verr := argon2id.ComparePasswordAndHash(req.Password, hash)
	if verr != nil {
		return giveUp(fmt.Errorf("identity: verify password: %w", verr))
	}
	if err != nil || !u.HasPassword() || !ok || u.Disabled {
		return fail("bad_credentials", "anonymous", errBadCredentials)
	}
	actor := "user:" + u.ID.String()
	if u.MFAEnabled {
		switch {
		case req.TOTPCode != "":
			if err := s.checkTOTP(ctx, u, req.TOTPCode); err != nil {
				if apperr.Is(err, apperr.KindUnauthorized) {
					return fail("bad_totp", actor, err)
				}
				return giveUp(err)
			}
		case req.RecoveryCode != "":
			if err := s.useRecoveryCode(ctx, u, req.RecoveryCode); err != nil {
				if apperr.Is(err, apperr.KindUnauthorized) {
					return fail("bad_recovery_code", actor, err)
				}
				return giveUp(err)
			}
		default:
			return giveUp(errMFARequired)
		}
	}
	if err := att.succeeded(ctx); err != nil {
		return "", Session{}, User{}, err
	}
	token, sess, err := s.CreateSession(ctx, u.ID, SessionOptions{MFA: u.MFAEnabled, Method: MethodPassword, IP: req.IP, UserAgent: req.UserAgent})
	if err != nil {
		return "", Session{}, User{}, err
	}
	s.logAuth(ctx, uuid.Nil, actor, "auth.login", audit.OutcomeSuccess, map[string]string{"session_id": sess.ID.String(), "method": MethodPassword})
	return token, sess, u, nil
}

// verifyPassword checks an existing user's password outside login (password
// change, linking an invitation) under the same per-account throttle, so
// these are no password-guessing oracle.
func (s *Store) verifyPassword(ctx context.Context, u User, pw string) (bool, error) {
	lower, _ := NormalizeEmail(u.Email)
	att, err := s.beginAttempt(ctx, []string{throttleAccountPref + lower}, []int{MaxAccountFailures})
	if err != nil {
		return false, err
	}
	ok, err := argon2id.ComparePasswordAndHash(pw, u.PasswordHash)
	if err != nil {
		att.release(ctx)
		return false, fmt.Errorf("identity: verify password: %w", err)
	}
	if ok {
		att.release(ctx)
		return true, nil
	}
	lock, err := att.failed(ctx)
	if err != nil {
		return false, err
	}
	s.logAuth(ctx, uuid.Nil, "user:"+u.ID.String(), "auth.password_check", audit.OutcomeFailure, nil)
	if !lock.IsZero() {
		return false, lockedErr(lock, s.now())
	}
	return false, nil
}

// logAuth records an auth event in its own transaction. A failure to
// record is returned to nobody: the event still happened, so it is logged.
func (s *Store) logAuth(ctx context.Context, org uuid.UUID, actor, action string, outcome audit.Outcome, details any) {
	if err := audit.Log(ctx, s.DB, entry(ctx, org, actor, action, "", "", outcome, details)); err != nil && s.Logger != nil {
		s.Logger.ErrorContext(ctx, "audit log failed", "action", action, "error", err.Error())
	}
}

// Logout revokes the session.
func (s *Store) Logout(ctx context.Context, sessionID uuid.UUID) error {
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.now(), sessionID.String()); err != nil {
			return err
		}
		return record(ctx, tx, noOrg, "auth.logout", "session", sessionID.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("identity: logout: %w", err)
	}
	return nil
}

// ChangePassword verifies the current password, sets a new one and revokes
// every session of the user; it returns a fresh session token for the caller.
func (s *Store) ChangePassword(ctx context.Context, userID uuid.UUID, current, next string, o SessionOptions) (string, Session, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return "", Session{}, err
	}
	if u.HasPassword() {
		ok, err := s.verifyPassword(ctx, u, current)
		if err != nil {
			return "", Session{}, err
		}
		if !ok {
			return "", Session{}, apperr.Validation("current password is wrong", apperr.Field("body.current_password", "does not match"))
		}
	}
	hash, err := HashPassword(next)
	if err != nil {
		return "", Session{}, apperr.Validation("invalid new password", apperr.Field("body.new_password", apperr.As(err).Fields[0].Message))
	}
	err = s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, s.now(), userID.String()); err != nil {
			return fmt.Errorf("update password: %w", err)
		}
		if err := s.revokeUserSessions(ctx, tx, userID, uuid.Nil); err != nil {
			return err
		}
		return record(ctx, tx, noOrg, "auth.password_change", "user", userID.String(), nil)
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("identity: change password: %w", err)
	}
	o.MFA = o.MFA && u.MFAEnabled
	token, sess, err := s.CreateSession(ctx, userID, o)
	return token, sess, err
}

// TOTP parameters (RFC 6238 defaults, what authenticator apps expect).
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpStep returns the time step a code matches within ±1 step, or -1.
func totpStep(secret, code string, now time.Time) int64 {
	base := now.Unix() / 30
	found := int64(-1)
	for d := int64(-1); d <= 1; d++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((base+d)*30, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found = base + d
		}
	}
	return found
}

// checkTOTP verifies code against the user's enabled secret and rejects
// reuse of a code (or an older one) already accepted.
func (s *Store) checkTOTP(ctx context.Context, u User, code string) error {
	raw, err := totpSealer.open(s.keys, uuid.Nil, u.ID.String(), u.totpSecret)
	if err != nil {
		return err
	}
	step := totpStep(string(raw), code, s.now())
	if step < 0 || step <= u.totpLastStep {
		return errBadTOTP
	}
	var n int64
	err = s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, u.ID.String())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("identity: record totp step: %w", err)
	}
	if n == 0 {
		return errBadTOTP
	}
	return nil
}

// Enrollment is a pending TOTP enrolment shown to the user once.
type Enrollment struct {
	Secret string
	URL    string
	// QRPNG is URL as a QR code, a data:image/png;base64 URL.
	QRPNG string
}

// EnrollTOTP generates a new pending TOTP secret for the user.
func (s *Store) EnrollTOTP(ctx context.Context, u User) (Enrollment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "SecureNexus", AccountName: u.Email, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrollment{}, fmt.Errorf("identity: generate totp: %w", err)
	}
	sealed, err := totpSealer.seal(s.keys, uuid.Nil, u.ID.String(), []byte(key.Secret()))
	if err != nil {
		return Enrollment{}, err
	}
	err = s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_pending = $1, updated_at = $2 WHERE id = $3`, sealed, s.now(), u.ID.String()); err != nil {
			return err
		}
		return record(ctx, tx, noOrg, "auth.mfa_enroll", "user", u.ID.String(), nil)
	})
	if err != nil {
		return Enrollment{}, fmt.Errorf("identity: store pending totp: %w", err)
	}
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
	if err != nil {
		return Enrollment{}, fmt.Errorf("identity: render totp qr code: %w", err)
	}
	return Enrollment{Secret: key.Secret(), URL: key.URL(), QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}, nil
}

// MFAEnabled is the outcome of confirming a TOTP enrolment.
type MFAEnabled struct {
	// RecoveryCodes are shown once; each signs in once in place of a code.
	RecoveryCodes []string
	// RevokedSessions counts the user's other sessions ended because they
	// had not passed the new factor.
	RevokedSessions int64
}

// VerifyTOTP confirms the pending enrolment with a code, enables MFA, marks
// the current session as having passed MFA, revokes the user's other
// sessions (they signed in with the password alone) and issues recovery
// codes, all in one transaction.
func (s *Store) VerifyTOTP(ctx context.Context, userID, sessionID uuid.UUID, code string) (MFAEnabled, error) {
	var out MFAEnabled
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return out, err
	}
	if u.totpPending == "" {
		return out, apperr.Conflict("no pending TOTP enrolment; enroll first").WithCode("mfa_not_enrolling")
	}
	raw, err := totpSealer.open(s.keys, uuid.Nil, u.ID.String(), u.totpPending)
	if err != nil {
		return out, err
	}
	step := totpStep(string(raw), code, s.now())
	if step < 0 {
		return out, apperr.Validation("invalid TOTP code", apperr.Field("body.code", "does not match the enrolled secret"))
	}
	err = s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = totp_pending, totp_pending = '', mfa_enabled = $1, totp_last_step = $2, updated_at = $3 WHERE id = $4`,
			true, step, s.now(), userID.String()); err != nil {
			return err
		}
		if sessionID != uuid.Nil {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET mfa = $1 WHERE id = $2`, true, sessionID.String()); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL`,
			s.now(), userID.String(), sessionID.String())
		if err != nil {
			return err
		}
		if out.RevokedSessions, err = res.RowsAffected(); err != nil {
			return err
		}
		if out.RecoveryCodes, err = s.replaceRecoveryCodes(ctx, tx, userID); err != nil {
			return err
		}
		return record(ctx, tx, noOrg, "auth.mfa_enable", "user", userID.String(), map[string]int64{"revoked_sessions": out.RevokedSessions})
	})
	if err != nil {
		return MFAEnabled{}, fmt.Errorf("identity: enable mfa: %w", err)
	}
	return out, nil
}

// DisableTOTP turns MFA off for userID after checking a current code (the
// caller's own action), or unconditionally when code is empty and force is
// set (operator reset for a lost device, from the CLI).
func (s *Store) DisableTOTP(ctx context.Context, userID uuid.UUID, code string, force bool) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !u.MFAEnabled && u.totpPending == "" {
		return apperr.Conflict("MFA is not enabled").WithCode("mfa_not_enabled")
	}
	if !force && u.MFAEnabled {
		if err := s.reauthTOTP(ctx, u, code); err != nil {
			return err
		}
	}
	err = s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET mfa_enabled = $1, totp_secret = '', totp_pending = '', updated_at = $2 WHERE id = $3`,
			false, s.now(), userID.String()); err != nil {
			return err
		}
		// Sessions that passed MFA with the old factor lose that status.
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET mfa = $1 WHERE user_id = $2`, false, userID.String()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID.String()); err != nil {
			return err
		}
		return record(ctx, tx, noOrg, "auth.mfa_disable", "user", userID.String(), map[string]bool{"operator_reset": force})
	})
	if err != nil {
		return fmt.Errorf("identity: disable mfa: %w", err)
	}
	return nil
}
