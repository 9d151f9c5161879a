package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
)

// SessionCookie is the browser session cookie.
const SessionCookie = "sn_session"

// Session defaults; Store.SessionIdle and Store.SessionMax override them.
const (
	DefaultSessionIdle = 2 * time.Hour
	DefaultSessionMax  = 24 * time.Hour
	// touchEvery bounds how often a session's last-seen time is written.
	touchEvery = time.Minute
)

// Session authentication methods.
const (
	MethodPassword = "password"
	MethodOIDC     = "oidc"
)

// Session is a signed-in browser session. Only the SHA-256 of its token is
// stored.
type Session struct {
	ID         uuid.UUID
	UserID     uuid.UUID
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  sql.NullTime
	MFA        bool
	Method     string
	// SSOOrg is the org whose identity provider signed this session in; such
	// a session acts only in that org.
	SSOOrg    uuid.NullUUID
	LastOrg   uuid.NullUUID
	IP        string
	UserAgent string
}

// SessionOptions describe how a session was established.
type SessionOptions struct {
	MFA       bool
	Method    string
	SSOOrg    uuid.UUID
	IP        string
	UserAgent string
}

func (s *Store) idle() time.Duration {
	if s.SessionIdle > 0 {
		return s.SessionIdle
	}
	return DefaultSessionIdle
}

func (s *Store) maxAge() time.Duration {
	if s.SessionMax > 0 {
		return s.SessionMax
	}
	return DefaultSessionMax
}

// CreateSession starts a session for userID and returns its token (to be
// put in the cookie; it is not stored).
func (s *Store) CreateSession(ctx context.Context, userID uuid.UUID, o SessionOptions) (string, Session, error) {
	token := randomToken(32)
	now := s.now()
	if o.Method == "" {
		o.Method = MethodPassword
	}
	sess := Session{ID: newID(), UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.maxAge()),
		MFA: o.MFA, Method: o.Method, IP: o.IP, UserAgent: truncate(o.UserAgent, 512)}
	var sso any
	if o.SSOOrg != uuid.Nil {
		sess.SSOOrg = uuid.NullUUID{UUID: o.SSOOrg, Valid: true}
		sso = o.SSOOrg.String()
	}
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, mfa, method, sso_org_id, ip, user_agent)
			VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10)`,
			sess.ID.String(), hashToken(token), userID.String(), now, sess.ExpiresAt, sess.MFA, sess.Method, sso, sess.IP, sess.UserAgent)
		return err
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("identity: create session: %w", err)
	}
	return token, sess, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

const sessionColumns = `id, user_id, created_at, last_seen_at, expires_at, revoked_at, mfa, method, sso_org_id, last_org_id, ip, user_agent`

func scanSession(row db.Scanner) (Session, error) {
	var x Session
	err := row.Scan(&x.ID, &x.UserID, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt, &x.RevokedAt, &x.MFA, &x.Method, &x.SSOOrg, &x.LastOrg, &x.IP, &x.UserAgent)
	return x, err
}

// errSession is the one answer for every unusable session, so a caller
// learns nothing about why.
var errSession = apperr.Unauthorized("session expired or invalid; sign in again").WithCode("session_invalid")

// errSessionUnknown is the same answer for a token that matches no session:
// it identifies nobody, so the Guard does not audit it (like a request
// without credentials).
var errSessionUnknown = apperr.Unauthorized("session expired or invalid; sign in again").WithCode("session_invalid")

// active reports whether the session may still be used at now.
func (s *Store) active(x Session, now time.Time) bool {
	return !x.RevokedAt.Valid && now.Before(x.ExpiresAt) && now.Before(x.LastSeenAt.Add(s.idle()))
}

// SessionByToken returns the live session for a cookie token and its user.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, User, error) {
	if token == "" || len(token) > 128 {
		return Session{}, User{}, errSessionUnknown
	}
	var x Session
	var u User
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		row := tx.QueryRowContext(ctx, `SELECT `+prefixed("s.", sessionColumns)+`, `+prefixed("u.", userColumns)+`
			FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, hashToken(token))
		err := row.Scan(&x.ID, &x.UserID, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt, &x.RevokedAt, &x.MFA, &x.Method, &x.SSOOrg, &x.LastOrg, &x.IP, &x.UserAgent,
			&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.MFAEnabled, &u.totpSecret, &u.totpPending, &u.totpLastStep, &u.Disabled, &u.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return errSessionUnknown
		}
		if err != nil {
			return fmt.Errorf("identity: read session: %w", err)
		}
		return nil
	})
	if err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return Session{}, User{}, errSession
		}
		return Session{}, User{}, err
	}
	if !s.active(x, s.now()) || u.Disabled {
		return Session{}, User{}, errSession
	}
	return x, u, nil
}

// touchSession records activity (at most once a minute) and the org the
// session last acted in; it reports whether the org changed.
func (s *Store) touchSession(ctx context.Context, x Session, org uuid.UUID) (switched bool, err error) {
	now := s.now()
	switched = org != uuid.Nil && x.LastOrg.Valid && x.LastOrg.UUID != org
	orgChanged := org != uuid.Nil && (!x.LastOrg.Valid || x.LastOrg.UUID != org)
	if !orgChanged && now.Sub(x.LastSeenAt) < touchEvery {
		return switched, nil
	}
	last := any(nil)
	if x.LastOrg.Valid {
		last = x.LastOrg.UUID.String()
	}
	if org != uuid.Nil {
		last = org.String()
	}
	err = s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, last_org_id = $2 WHERE id = $3`, now, last, x.ID.String())
		return err
	})
	if err != nil {
		return switched, fmt.Errorf("identity: touch session: %w", err)
	}
	return switched, nil
}

// boundTo restricts a sessions query to those bound to ssoOrg (no
// restriction when ssoOrg is uuid.Nil); n is the placeholder number.
func boundTo(ssoOrg uuid.UUID, n int) (string, []any) {
	if ssoOrg == uuid.Nil {
		return "", nil
	}
	return fmt.Sprintf(" AND sso_org_id = $%d", n), []any{ssoOrg.String()}
}

// RevokeSession ends one of userID's sessions. When ssoOrg is not
// uuid.Nil (the caller's session is bound to that org's identity provider)
// only sessions bound to the same org can be revoked.
func (s *Store) RevokeSession(ctx context.Context, userID, ssoOrg, id uuid.UUID) error {
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		cond, extra := boundTo(ssoOrg, 4)
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`+cond,
			append([]any{s.now(), id.String(), userID.String()}, extra...)...)
		if err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(apperr.NotFound("session"), err)
		}
		return record(ctx, tx, noOrg, "session.revoke", "session", id.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return nil
}

// revokeUserSessions ends every session of userID except keep, inside tx.
func (s *Store) revokeUserSessions(ctx context.Context, tx *db.Tx, userID, keep uuid.UUID) error {
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 AND revoked_at IS NULL`,
		s.now(), userID.String(), keep.String()); err != nil {
		return fmt.Errorf("identity: revoke sessions: %w", err)
	}
	return nil
}

// ListSessions pages through userID's live sessions. When ssoOrg is not
// uuid.Nil (the caller's session is bound to that org's identity provider)
// only sessions bound to the same org are listed.
func (s *Store) ListSessions(ctx context.Context, userID, ssoOrg uuid.UUID, pg Page) ([]Session, string, error) {
	var out []Session
	now := s.now()
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		cond, extra := boundTo(ssoOrg, 6)
		var err error
		out, err = db.Collect(ctx, tx, scanSession, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = $1 AND id > $2
			AND revoked_at IS NULL AND expires_at > $3 AND last_seen_at > $4`+cond+` ORDER BY id LIMIT $5`,
			append([]any{userID.String(), pg.after(), now, now.Add(-s.idle()), pg.Limit + 1}, extra...)...)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("identity: list sessions: %w", err)
	}
	out, next := pageOf(out, pg.Limit, func(x Session) uuid.UUID { return x.ID })
	return out, next, nil
}

// pruneSessions deletes sessions that expired, idled out or were revoked
// before now.
func (s *Store) pruneSessions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2 OR revoked_at < $1`, now, now.Add(-s.idle()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("identity: prune sessions: %w", err)
	}
	return n, nil
}
