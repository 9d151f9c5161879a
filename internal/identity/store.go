package identity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// PasswordParams are the argon2id parameters for new password hashes
// (OWASP's recommended m=19 MiB, t=2, p=1). Existing hashes carry their own.
var PasswordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// MinPasswordLen is the shortest accepted password.
const MinPasswordLen = 12

// Store persists identity data. Global tables (orgs, users, sessions,
// login_throttle) are used through db.WithTx/db.Read; org-scoped tables
// (memberships, roles, api_keys, invitations, oidc_configs) only through
// methods taking a tenant.Scope, inside db.InOrg/db.ReadInOrg.
type Store struct {
	DB     *db.DB
	Now    func() time.Time
	Logger *slog.Logger
	// SessionIdle and SessionMax override the session idle timeout and
	// absolute lifetime (zero keeps the defaults).
	SessionIdle time.Duration
	SessionMax  time.Duration

	// keys seals TOTP seeds, OIDC client secrets and state cookies.
	keys *secrets.Keyring
	// dummyHash is verified against when an account does not exist, so
	// login takes the same time either way.
	dummyHash string
}

// NewStore returns a Store whose at-rest encryption keys derive from secret.
func NewStore(d *db.DB, keys *secrets.Keyring) (*Store, error) {
	if keys == nil {
		return nil, errors.New("identity: no keyring")
	}
	s := &Store{DB: d, Now: time.Now, keys: keys}
	var err error
	if s.dummyHash, err = argon2id.CreateHash(randomToken(16), PasswordParams); err != nil {
		return nil, fmt.Errorf("identity: dummy hash: %w", err)
	}
	return s, nil
}

func (s *Store) now() time.Time { return s.Now().UTC() }

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// noOrg is the scope of platform-level audit entries (no org).
var noOrg = tenant.Scope{}

// Org is a tenant.
type Org struct {
	ID        uuid.UUID
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Policy    Policy
}

// Policy is an org's security policy.
type Policy struct {
	// MFARequired blocks members without MFA from this org.
	MFARequired bool
	// SSOEnforced admits only sessions signed in through this org's OIDC
	// provider (API keys are unaffected).
	SSOEnforced bool
	// IPAllowlist lists CIDRs callers must come from; empty allows all.
	IPAllowlist []string
	// SessionLifetime caps how old a session may be to act in this org;
	// zero keeps the global limit.
	SessionLifetime time.Duration
}

// User is a person who can sign in. Users are global; access to an org
// comes from a membership.
type User struct {
	ID           uuid.UUID
	Email        string
	Name         string
	PasswordHash string
	MFAEnabled   bool
	totpSecret   string
	totpPending  string
	totpLastStep int64
	Disabled     bool
	CreatedAt    time.Time
}

// HasPassword reports whether the user can sign in with a local password.
func (u User) HasPassword() bool { return u.PasswordHash != "" }

// NormalizeEmail lower-cases and trims an address and checks its syntax.
func NormalizeEmail(raw string) (string, error) {
	e := strings.TrimSpace(raw)
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e, "@") {
		return "", fmt.Errorf("invalid email address %q", raw)
	}
	return strings.ToLower(e), nil
}

// HashPassword validates and hashes a password.
func HashPassword(pw string) (string, error) {
	if len([]rune(pw)) < MinPasswordLen {
		return "", apperr.Validation("password too short", apperr.Field("body.password", fmt.Sprintf("must be at least %d characters", MinPasswordLen)))
	}
	if len(pw) > 256 {
		return "", apperr.Validation("password too long", apperr.Field("body.password", "must be at most 256 bytes"))
	}
	h, err := argon2id.CreateHash(pw, PasswordParams)
	if err != nil {
		return "", fmt.Errorf("identity: hash password: %w", err)
	}
	return h, nil
}

// CreateOrg creates an org; when owner is not uuid.Nil that user becomes
// its owner in the same transaction.
func (s *Store) CreateOrg(ctx context.Context, name string, owner uuid.UUID) (Org, error) {
	o := Org{ID: newID(), Name: strings.TrimSpace(name), CreatedAt: s.now(), UpdatedAt: s.now()}
	if o.Name == "" {
		return Org{}, apperr.Validation("org name required", apperr.Field("body.name", "must not be blank"))
	}
	scope := tenant.NewAuthenticated(o.ID, "user:"+owner.String())
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)`,
			o.ID.String(), o.Name, o.CreatedAt, o.UpdatedAt); err != nil {
			return fmt.Errorf("insert org: %w", err)
		}
		if owner != uuid.Nil {
			if _, err := s.AddMember(ctx, scope, owner, rbac.RoleOwner); err != nil {
				return err
			}
		}
		return record(ctx, tx, scope, "org.create", "org", o.ID.String(), map[string]string{"name": o.Name})
	})
	if err != nil {
		return Org{}, fmt.Errorf("identity: create org: %w", err)
	}
	return o, nil
}

const orgColumns = `id, name, created_at, updated_at, mfa_required, sso_enforced, ip_allowlist, session_lifetime_seconds`

func scanOrg(row db.Scanner) (Org, error) {
	var o Org
	var allow string
	var secs int64
	if err := row.Scan(&o.ID, &o.Name, &o.CreatedAt, &o.UpdatedAt, &o.Policy.MFARequired, &o.Policy.SSOEnforced, &allow, &secs); err != nil {
		return Org{}, err
	}
	if err := json.Unmarshal([]byte(allow), &o.Policy.IPAllowlist); err != nil {
		return Org{}, fmt.Errorf("decode ip allowlist: %w", err)
	}
	o.Policy.SessionLifetime = time.Duration(secs) * time.Second
	return o, nil
}

// orgByID reads a global org row in the caller's transaction.
func orgByID(ctx context.Context, tx *db.Tx, id uuid.UUID) (Org, error) {
	o, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = $1`, id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, apperr.NotFound("org")
	}
	if err != nil {
		return Org{}, fmt.Errorf("identity: read org: %w", err)
	}
	return o, nil
}

// Org returns the scope's org.
func (s *Store) Org(ctx context.Context, scope tenant.Scope) (Org, error) {
	var o Org
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		o, err = orgByID(ctx, tx, scope.Org())
		return err
	})
	return o, err
}

// UpdateOrg changes the scope's org name (when not empty) and policy.
func (s *Store) UpdateOrg(ctx context.Context, scope tenant.Scope, name string, p Policy) (Org, error) {
	allow, err := json.Marshal(nonNil(p.IPAllowlist))
	if err != nil {
		return Org{}, fmt.Errorf("identity: encode allowlist: %w", err)
	}
	var o Org
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		cur, err := orgByID(ctx, tx, scope.Org())
		if err != nil {
			return err
		}
		if strings.TrimSpace(name) == "" {
			name = cur.Name
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET name = $1, mfa_required = $2, sso_enforced = $3, ip_allowlist = $4,
			session_lifetime_seconds = $5, updated_at = $6 WHERE id = $7`,
			strings.TrimSpace(name), p.MFARequired, p.SSOEnforced, string(allow), int64(p.SessionLifetime/time.Second), s.now(), scope.Org().String()); err != nil {
			return fmt.Errorf("update org: %w", err)
		}
		if o, err = orgByID(ctx, tx, scope.Org()); err != nil {
			return err
		}
		if err := record(ctx, tx, scope, "org.update", "org", scope.Org().String(), map[string]any{
			"name": o.Name, "mfa_required": p.MFARequired, "sso_enforced": p.SSOEnforced,
			"ip_allowlist": nonNil(p.IPAllowlist), "session_lifetime_seconds": int64(p.SessionLifetime / time.Second),
		}); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.OrgUpdated, events.Subject("org", scope.Org()), events.OrgUpdatedV1{Fields: orgChanges(cur, o)})
	})
	if err != nil {
		return Org{}, fmt.Errorf("identity: update org: %w", err)
	}
	return o, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

const userColumns = `id, email, name, password_hash, mfa_enabled, totp_secret, totp_pending, totp_last_step, disabled, created_at`

func scanUser(row db.Scanner) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.MFAEnabled, &u.totpSecret, &u.totpPending, &u.totpLastStep, &u.Disabled, &u.CreatedAt)
	return u, err
}

// CreateUser creates a user; password may be empty for SSO-only accounts.
// An email already registered (case-insensitively) is a conflict.
func (s *Store) CreateUser(ctx context.Context, email, name, password string) (User, error) {
	var u User
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if u, err = s.createUserTx(ctx, tx, email, name, password); err != nil {
			return err
		}
		return record(ctx, tx, noOrg, "user.create", "user", u.ID.String(), map[string]any{"email": u.Email, "password": u.HasPassword()})
	})
	return u, err
}

func (s *Store) createUserTx(ctx context.Context, tx *db.Tx, email, name, password string) (User, error) {
	lower, err := NormalizeEmail(email)
	if err != nil {
		return User{}, apperr.Validation("invalid email", apperr.Field("body.email", err.Error()))
	}
	hash := ""
	if password != "" {
		if hash, err = HashPassword(password); err != nil {
			return User{}, err
		}
	}
	u := User{ID: newID(), Email: strings.TrimSpace(email), Name: strings.TrimSpace(name), PasswordHash: hash, CreatedAt: s.now()}
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email_lower = $1)`, lower).Scan(&exists); err != nil {
		return User{}, fmt.Errorf("identity: check email: %w", err)
	}
	if exists {
		return User{}, apperr.Conflict("a user with this email already exists")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, u.ID.String(), u.Email, lower, u.Name, u.PasswordHash, u.CreatedAt); err != nil {
		return User{}, fmt.Errorf("identity: insert user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	lower, err := NormalizeEmail(email)
	if err != nil {
		return User{}, apperr.NotFound("user")
	}
	var u User
	err = s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email_lower = $1`, lower))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.NotFound("user")
	}
	if err != nil {
		return User{}, fmt.Errorf("identity: user by email: %w", err)
	}
	return u, nil
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id uuid.UUID) (User, error) {
	var u User
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		u, err = userByID(ctx, tx, id)
		return err
	})
	return u, err
}

func userByID(ctx context.Context, tx *db.Tx, id uuid.UUID) (User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.NotFound("user")
	}
	if err != nil {
		return User{}, fmt.Errorf("identity: user by id: %w", err)
	}
	return u, nil
}

// Membership is a user's role in an org.
type Membership struct {
	ID        uuid.UUID
	OrgID     uuid.UUID
	UserID    uuid.UUID
	Role      string
	CreatedAt time.Time
	Email     string
	Name      string
	MFA       bool
}

// AddMember gives userID role in the scope's org (joining an enclosing
// transaction if ctx has one). The role must exist in the org.
func (s *Store) AddMember(ctx context.Context, scope tenant.Scope, userID uuid.UUID, role string) (Membership, error) {
	m := Membership{ID: newID(), OrgID: scope.Org(), UserID: userID, Role: role, CreatedAt: s.now()}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := resolveRole(ctx, tx, scope, role); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2)`,
			scope.Org().String(), userID.String()).Scan(&exists); err != nil {
			return fmt.Errorf("check membership: %w", err)
		}
		if exists {
			return apperr.Conflict("user is already a member of this org")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (id, org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5)`,
			m.ID.String(), m.OrgID.String(), m.UserID.String(), m.Role, m.CreatedAt); err != nil {
			return fmt.Errorf("insert membership: %w", err)
		}
		if err := record(ctx, tx, scope, "member.add", "user", userID.String(), map[string]string{"role": role}); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.MemberAdded, events.Subject("member", userID), events.MemberV1{UserID: userID, Role: role})
	})
	if err != nil {
		return Membership{}, fmt.Errorf("identity: add member: %w", err)
	}
	return m, nil
}

const memberColumns = `m.id, m.org_id, m.user_id, m.role, m.created_at, u.email, u.name, u.mfa_enabled`

func scanMember(row db.Scanner) (Membership, error) {
	var m Membership
	err := row.Scan(&m.ID, &m.OrgID, &m.UserID, &m.Role, &m.CreatedAt, &m.Email, &m.Name, &m.MFA)
	return m, err
}

func memberTx(ctx context.Context, tx *db.Tx, scope tenant.Scope, userID uuid.UUID) (Membership, error) {
	m, err := scanMember(tx.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND m.user_id = $2`, scope.Org().String(), userID.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return Membership{}, apperr.NotFound("member")
	}
	if err != nil {
		return Membership{}, fmt.Errorf("identity: read membership: %w", err)
	}
	return m, nil
}

// Member returns userID's membership in the scope's org.
func (s *Store) Member(ctx context.Context, scope tenant.Scope, userID uuid.UUID) (Membership, error) {
	var m Membership
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		m, err = memberTx(ctx, tx, scope, userID)
		return err
	})
	return m, err
}

// ListMembers pages through the scope's org members by membership id.
func (s *Store) ListMembers(ctx context.Context, scope tenant.Scope, pg Page) ([]Membership, string, error) {
	out, next, err := listOrgPage(ctx, s.DB, scope, pg, scanMember, func(m Membership) uuid.UUID { return m.ID },
		`SELECT `+memberColumns+` FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3`)
	if err != nil {
		return nil, "", fmt.Errorf("identity: list members: %w", err)
	}
	return out, next, nil
}

// OrgRole is one org a user belongs to.
type OrgRole struct {
	Org  Org
	Role string
}

// UserOrgs lists the orgs userID is a member of. On PostgreSQL this crosses
// orgs through the SECURITY DEFINER function identity_user_orgs, since no
// org is armed yet.
func (s *Store) UserOrgs(ctx context.Context, userID uuid.UUID) ([]OrgRole, error) {
	q := `SELECT m.role, ` + prefixed("o.", orgColumns) + ` FROM memberships m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name, o.id`
	if s.DB.Dialect == db.Postgres {
		q = `SELECT m.role, ` + prefixed("o.", orgColumns) + ` FROM identity_user_orgs($1) m JOIN orgs o ON o.id = m.org_id ORDER BY o.name, o.id`
	}
	var out []OrgRole
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, q, userID.String())
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			var role string
			var o Org
			var allow string
			var secs int64
			if err := rows.Scan(&role, &o.ID, &o.Name, &o.CreatedAt, &o.UpdatedAt, &o.Policy.MFARequired, &o.Policy.SSOEnforced, &allow, &secs); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(allow), &o.Policy.IPAllowlist); err != nil {
				return err
			}
			o.Policy.SessionLifetime = time.Duration(secs) * time.Second
			out = append(out, OrgRole{Org: o, Role: role})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("identity: user orgs: %w", err)
	}
	return out, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
