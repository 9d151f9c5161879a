package identity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// APIKey is an org API key. Only a hash of its secret is stored.
type APIKey struct {
	ID          uuid.UUID
	OrgID       uuid.UUID
	Prefix      string
	Name        string
	Permissions rbac.Set
	CreatedBy   uuid.UUID
	CreatedAt   time.Time
	ExpiresAt   sql.NullTime
	LastUsedAt  sql.NullTime
	RevokedAt   sql.NullTime
}

// NewAPIKey describes a key to create.
type NewAPIKey struct {
	Name        string
	Permissions []string
	ExpiresAt   time.Time // zero: never expires
	// CreatedBy is the creating user; Grantor the permissions they hold.
	CreatedBy uuid.UUID
	Grantor   rbac.Set
}

var errAPIKey = apperr.Unauthorized("invalid, expired or revoked API key").WithCode("api_key_invalid")

// errAPIKeyUnknown is the same answer for a malformed key or an unknown
// prefix: it identifies no key, so the Guard does not audit it.
var errAPIKeyUnknown = apperr.Unauthorized("invalid, expired or revoked API key").WithCode("api_key_invalid")

// CreateAPIKey stores a key scoped to a subset of the creator's
// permissions and returns it with its token (shown once).
func (s *Store) CreateAPIKey(ctx context.Context, scope tenant.Scope, n NewAPIKey) (APIKey, string, error) {
	name := strings.TrimSpace(n.Name)
	if name == "" {
		return APIKey{}, "", apperr.Validation("name required", apperr.Field("body.name", "must not be blank"))
	}
	set, err := rbac.Parse(n.Permissions)
	if err != nil {
		return APIKey{}, "", apperr.Validation("invalid permissions", apperr.Field("body.permissions", err.Error()))
	}
	if len(set) == 0 {
		return APIKey{}, "", apperr.Validation("invalid permissions", apperr.Field("body.permissions", "must grant at least one permission"))
	}
	if !n.Grantor.Contains(set) {
		return APIKey{}, "", apperr.Forbidden("an API key cannot hold permissions its creator does not hold")
	}
	now := s.now()
	k := APIKey{ID: newID(), OrgID: scope.Org(), Name: name, Permissions: set, CreatedBy: n.CreatedBy, CreatedAt: now}
	var expires any
	if !n.ExpiresAt.IsZero() {
		if !n.ExpiresAt.After(now) {
			return APIKey{}, "", apperr.Validation("expiry in the past", apperr.Field("body.expires_at", "must be in the future"))
		}
		k.ExpiresAt = sql.NullTime{Time: n.ExpiresAt.UTC(), Valid: true}
		expires = k.ExpiresAt.Time
	}
	token, prefix := newAPIKeyToken()
	k.Prefix = prefix
	perms, err := json.Marshal(set.Strings())
	if err != nil {
		return APIKey{}, "", fmt.Errorf("identity: encode permissions: %w", err)
	}
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, prefix, secret_hash, name, permissions, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, k.ID.String(), k.OrgID.String(), prefix, hashToken(token), name, string(perms),
			n.CreatedBy.String(), now, expires); err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		if err := record(ctx, tx, scope, "apikey.create", "apikey", k.ID.String(), map[string]any{"name": name, "prefix": prefix, "permissions": set.Strings()}); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.APIKeyCreated, events.Subject("apikey", k.ID), events.APIKeyV1{KeyID: k.ID, Name: name})
	})
	if err != nil {
		return APIKey{}, "", fmt.Errorf("identity: create api key: %w", err)
	}
	return k, token, nil
}

const apiKeyColumns = `id, org_id, prefix, name, permissions, created_by, created_at, expires_at, last_used_at, revoked_at` //nolint:gosec // column list, not a credential

func scanAPIKey(row db.Scanner) (APIKey, error) {
	var k APIKey
	var perms string
	if err := row.Scan(&k.ID, &k.OrgID, &k.Prefix, &k.Name, &perms, &k.CreatedBy, &k.CreatedAt, &k.ExpiresAt, &k.LastUsedAt, &k.RevokedAt); err != nil {
		return APIKey{}, err
	}
	var names []string
	if err := json.Unmarshal([]byte(perms), &names); err != nil {
		return APIKey{}, fmt.Errorf("decode key permissions: %w", err)
	}
	k.Permissions = rbac.NewSet()
	for _, n := range names {
		if p := rbac.Permission(n); p.Valid() {
			k.Permissions[p] = struct{}{}
		}
	}
	return k, nil
}

// ListAPIKeys pages through the scope's org keys (revoked ones included).
func (s *Store) ListAPIKeys(ctx context.Context, scope tenant.Scope, pg Page) ([]APIKey, string, error) {
	out, next, err := listOrgPage(ctx, s.DB, scope, pg, scanAPIKey, func(k APIKey) uuid.UUID { return k.ID },
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3`)
	if err != nil {
		return nil, "", fmt.Errorf("identity: list api keys: %w", err)
	}
	return out, next, nil
}

// RevokeAPIKey revokes a key of the scope's org.
func (s *Store) RevokeAPIKey(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL`,
			s.now(), scope.Org().String(), id.String())
		if err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(apperr.NotFound("api key"), err)
		}
		if err := record(ctx, tx, scope, "apikey.revoke", "apikey", id.String(), nil); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.APIKeyRevoked, events.Subject("apikey", id), events.APIKeyV1{KeyID: id})
	})
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return nil
}

// AuthenticateAPIKey resolves a presented token to its live key; the
// returned Permissions are the key's, narrowed to what its creator holds
// now. The
// lookup by public prefix crosses orgs (the org is not known yet): on
// PostgreSQL through the SECURITY DEFINER function identity_api_key_by_prefix;
// everything after runs armed for the key's own org.
func (s *Store) AuthenticateAPIKey(ctx context.Context, token string) (APIKey, error) {
	k, _, err := s.authenticateAPIKey(ctx, token)
	return k, err
}

// authenticateAPIKey also returns the key's org (read in the same
// transaction, for the guard's policy checks).
func (s *Store) authenticateAPIKey(ctx context.Context, token string) (APIKey, Org, error) {
	prefix, ok := ParseAPIKey(token)
	if !ok {
		return APIKey{}, Org{}, errAPIKeyUnknown
	}
	tokenHash := hashToken(token)
	if e, ok := verifiedKeys.get(tokenHash, s.now()); ok {
		return e.key, e.org, nil
	}
	q := `SELECT id, org_id, secret_hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`
	if s.DB.Dialect == db.Postgres {
		q = `SELECT id, org_id, secret_hash FROM identity_api_key_by_prefix($1)`
	}
	var id, org uuid.UUID
	var hash string
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, q, prefix).Scan(&id, &org, &hash)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, Org{}, errAPIKeyUnknown
	}
	if err != nil {
		return APIKey{}, Org{}, fmt.Errorf("identity: look up api key: %w", err)
	}
	if !equalHash(hash, tokenHash) {
		return APIKey{}, Org{}, errAPIKey
	}
	scope := tenant.NewAuthenticated(org, "apikey:"+id.String())
	var k APIKey
	var o Org
	err = s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if k, err = scanAPIKey(tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE org_id = $1 AND id = $2`, org.String(), id.String())); err != nil {
			return err
		}
		// A key never holds more than its creator holds now: demoting the
		// creator narrows the key; a creator who left voids it.
		m, err := memberTx(ctx, tx, scope, k.CreatedBy)
		if err != nil {
			return err
		}
		role, err := resolveRole(ctx, tx, scope, m.Role)
		if err != nil {
			return err
		}
		for p := range k.Permissions {
			if !role.Permissions.Has(p) {
				delete(k.Permissions, p)
			}
		}
		o, err = orgByID(ctx, tx, org)
		return err
	})
	if apperr.Is(err, apperr.KindNotFound) || apperr.Is(err, apperr.KindValidation) {
		return APIKey{}, Org{}, errAPIKey
	}
	if err != nil {
		return APIKey{}, Org{}, fmt.Errorf("identity: read api key: %w", err)
	}
	now := s.now()
	if k.RevokedAt.Valid || (k.ExpiresAt.Valid && !now.Before(k.ExpiresAt.Time)) {
		return APIKey{}, Org{}, errAPIKey
	}
	if !k.LastUsedAt.Valid || now.Sub(k.LastUsedAt.Time) >= time.Minute {
		// Cheap: at most one write per key per minute.
		err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE org_id = $2 AND id = $3 AND (last_used_at IS NULL OR last_used_at < $4)`,
				now, org.String(), id.String(), now.Add(-time.Minute))
			return err
		})
		if err != nil {
			return APIKey{}, Org{}, fmt.Errorf("identity: touch api key: %w", err)
		}
		k.LastUsedAt = sql.NullTime{Time: now, Valid: true}
	}
	verifiedKeys.put(tokenHash, cachedKey{key: k, org: o, at: now})
	return k, o, nil
}
