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

// MaxCustomRoles bounds the custom roles of one org.
const MaxCustomRoles = 100

// CustomRole is an org-defined role.
type CustomRole struct {
	ID          uuid.UUID
	Name        string
	Description string
	Permissions rbac.Set
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func scanRole(row db.Scanner) (CustomRole, error) {
	var r CustomRole
	var perms string
	if err := row.Scan(&r.ID, &r.Name, &r.Description, &perms, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return CustomRole{}, err
	}
	var names []string
	if err := json.Unmarshal([]byte(perms), &names); err != nil {
		return CustomRole{}, fmt.Errorf("decode role permissions: %w", err)
	}
	set, err := rbac.Parse(names)
	if err != nil {
		// A permission removed from the catalog grants nothing.
		set = rbac.NewSet()
		for _, n := range names {
			if p := rbac.Permission(n); p.Valid() {
				set[p] = struct{}{}
			}
		}
	}
	r.Permissions = set
	return r, nil
}

const roleColumns = `id, name, description, permissions, created_at, updated_at`

// resolveRole returns the permissions of a built-in or the org's custom role.
// In a PostgreSQL write transaction it share-locks the custom role's row
// until the transaction ends, so DeleteRole (which locks the row for update
// before checking that no member or invitation uses the role) cannot delete
// a role being assigned at the same moment.
func resolveRole(ctx context.Context, tx *db.Tx, scope tenant.Scope, name string) (rbac.Role, error) {
	if r, ok := rbac.BuiltIn(name); ok {
		return r, nil
	}
	lock := ""
	if tx.Dialect == db.Postgres && !tx.ReadOnly {
		lock = " FOR SHARE"
	}
	cr, err := scanRole(tx.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE org_id = $1 AND name = $2`+lock, scope.Org().String(), name))
	if errors.Is(err, sql.ErrNoRows) {
		return rbac.Role{}, apperr.Validation("unknown role", apperr.Field("body.role", fmt.Sprintf("no role %q in this org", name)))
	}
	if err != nil {
		return rbac.Role{}, fmt.Errorf("identity: resolve role: %w", err)
	}
	return rbac.Role{Name: cr.Name, Description: cr.Description, Permissions: cr.Permissions}, nil
}

// RolePermissions returns what the role called name (built-in, or one of
// the scope's org custom roles) grants. A name that is no role of the org
// grants nothing.
func (s *Store) RolePermissions(ctx context.Context, scope tenant.Scope, name string) (rbac.Set, error) {
	var role rbac.Role
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		role, err = resolveRole(ctx, tx, scope, name)
		return err
	})
	if apperr.Is(err, apperr.KindValidation) {
		return rbac.NewSet(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("identity: role permissions: %w", err)
	}
	return role.Permissions, nil
}

// ListRoles returns the scope's org custom roles, by name.
func (s *Store) ListRoles(ctx context.Context, scope tenant.Scope) ([]CustomRole, error) {
	var out []CustomRole
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = db.Collect(ctx, tx, scanRole, `SELECT `+roleColumns+` FROM roles WHERE org_id = $1 ORDER BY name LIMIT $2`, scope.Org().String(), MaxCustomRoles)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("identity: list roles: %w", err)
	}
	return out, nil
}

func parseRolePerms(names []string) (rbac.Set, error) {
	set, err := rbac.Parse(names)
	if err != nil {
		return nil, apperr.Validation("invalid permissions", apperr.Field("body.permissions", err.Error()))
	}
	if len(set) == 0 {
		return nil, apperr.Validation("invalid permissions", apperr.Field("body.permissions", "must grant at least one permission"))
	}
	return set, nil
}

// CreateRole stores a custom role. grantor is the creating principal's
// permission set: a role may not grant more than its creator holds.
func (s *Store) CreateRole(ctx context.Context, scope tenant.Scope, grantor rbac.Set, name, desc string, perms []string) (CustomRole, error) {
	name = strings.TrimSpace(name)
	if !rbac.ValidRoleName(name) {
		return CustomRole{}, apperr.Validation("invalid role name", apperr.Field("body.name", "must be 2-40 lowercase letters, digits, - or _, start with a letter, and not be a built-in role name"))
	}
	set, err := parseRolePerms(perms)
	if err != nil {
		return CustomRole{}, err
	}
	if !grantor.Contains(set) {
		return CustomRole{}, apperr.Forbidden("a role cannot grant permissions you do not hold")
	}
	r := CustomRole{ID: newID(), Name: name, Description: strings.TrimSpace(desc), Permissions: set, CreatedAt: s.now(), UpdatedAt: s.now()}
	enc, err := json.Marshal(set.Strings())
	if err != nil {
		return CustomRole{}, fmt.Errorf("identity: encode permissions: %w", err)
	}
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		// Count and insert must be atomic or concurrent creates all see
		// room under the cap. On PostgreSQL the org's row lock serializes
		// role creation per org (READ COMMITTED would otherwise let each
		// transaction count without the others' rows); SQLite's single
		// writer already does.
		if tx.Dialect == db.Postgres {
			var id string
			if err := tx.QueryRowContext(ctx, `SELECT id FROM orgs WHERE id = $1 FOR UPDATE`, scope.Org().String()).Scan(&id); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return apperr.NotFound("org")
				}
				return fmt.Errorf("lock org: %w", err)
			}
		}
		var n int
		var dup bool
		if err := tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN name = $2 THEN 1 ELSE 0 END), 0) > 0 FROM roles WHERE org_id = $1`,
			scope.Org().String(), name).Scan(&n, &dup); err != nil {
			return fmt.Errorf("count roles: %w", err)
		}
		if dup {
			return apperr.Conflict("a role with this name already exists")
		}
		if n >= MaxCustomRoles {
			return apperr.Conflict(fmt.Sprintf("an org may have at most %d custom roles", MaxCustomRoles))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO roles (id, org_id, name, description, permissions, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)`, r.ID.String(), scope.Org().String(), r.Name, r.Description, string(enc), r.CreatedAt); err != nil {
			return fmt.Errorf("insert role: %w", err)
		}
		if err := record(ctx, tx, scope, "role.create", "role", r.ID.String(), map[string]any{"name": r.Name, "permissions": set.Strings()}); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.RoleCreated, events.Subject("role", r.ID), events.RoleV1{Role: r.Name, Permissions: set.List()})
	})
	if err != nil {
		return CustomRole{}, fmt.Errorf("identity: create role: %w", err)
	}
	return r, nil
}

// UpdateRole replaces a custom role's description and permissions.
func (s *Store) UpdateRole(ctx context.Context, scope tenant.Scope, grantor rbac.Set, id uuid.UUID, desc string, perms []string) (CustomRole, error) {
	set, err := parseRolePerms(perms)
	if err != nil {
		return CustomRole{}, err
	}
	if !grantor.Contains(set) {
		return CustomRole{}, apperr.Forbidden("a role cannot grant permissions you do not hold")
	}
	enc, err := json.Marshal(set.Strings())
	if err != nil {
		return CustomRole{}, fmt.Errorf("identity: encode permissions: %w", err)
	}
	var r CustomRole
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		// Rewriting a role changes every member holding it: the caller must
		// hold what the role grants now, too (or could strip a role more
		// powerful than their own).
		cur, err := scanRole(tx.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("role")
		}
		if err != nil {
			return fmt.Errorf("read role: %w", err)
		}
		if !grantor.Contains(cur.Permissions) {
			return apperr.Forbidden("you cannot change a role that grants permissions you do not hold").WithCode("permission_denied")
		}
		res, err := tx.ExecContext(ctx, `UPDATE roles SET description = $1, permissions = $2, updated_at = $3 WHERE org_id = $4 AND id = $5`,
			strings.TrimSpace(desc), string(enc), s.now(), scope.Org().String(), id.String())
		if err != nil {
			return fmt.Errorf("update role: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(apperr.NotFound("role"), err)
		}
		r, err = scanRole(tx.QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()))
		if err != nil {
			return fmt.Errorf("reread role: %w", err)
		}
		if err := record(ctx, tx, scope, "role.update", "role", id.String(), map[string]any{"name": r.Name, "permissions": set.Strings()}); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.RoleUpdated, events.Subject("role", id), events.RoleV1{Role: r.Name, Permissions: set.List()})
	})
	if err != nil {
		return CustomRole{}, fmt.Errorf("identity: update role: %w", err)
	}
	return r, nil
}

// DeleteRole deletes a custom role that no member holds.
func (s *Store) DeleteRole(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var name string
		lock := ""
		if tx.Dialect == db.Postgres {
			lock = " FOR UPDATE" // waits for assignments in flight (see resolveRole)
		}
		err := tx.QueryRowContext(ctx, `SELECT name FROM roles WHERE org_id = $1 AND id = $2`+lock, scope.Org().String(), id.String()).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("role")
		}
		if err != nil {
			return fmt.Errorf("read role: %w", err)
		}
		var inUse bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND role = $2)
			OR EXISTS (SELECT 1 FROM invitations WHERE org_id = $1 AND role = $2 AND accepted_at IS NULL AND revoked_at IS NULL)`,
			scope.Org().String(), name).Scan(&inUse); err != nil {
			return fmt.Errorf("check role use: %w", err)
		}
		if inUse {
			return apperr.Conflict("role is assigned to members or pending invitations; reassign them first")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM roles WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()); err != nil {
			return fmt.Errorf("delete role: %w", err)
		}
		if err := record(ctx, tx, scope, "role.delete", "role", id.String(), map[string]string{"name": name}); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.RoleDeleted, events.Subject("role", id), events.RoleV1{Role: name})
	})
	if err != nil {
		return fmt.Errorf("identity: delete role: %w", err)
	}
	return nil
}
