package identity

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// ownerCount counts the org's owners inside tx. On PostgreSQL it locks the
// owner rows until tx ends, so two owners demoting or removing each other
// at once are serialised (the second sees one owner left); SQLite's single
// writer serialises already.
func ownerCount(ctx context.Context, tx *db.Tx, scope tenant.Scope) (int, error) {
	q := `SELECT count(*) FROM memberships WHERE org_id = $1 AND role = $2`
	if tx.Dialect == db.Postgres {
		q = `SELECT count(*) FROM (SELECT 1 FROM memberships WHERE org_id = $1 AND role = $2 FOR UPDATE) AS owners`
	}
	var n int
	err := tx.QueryRowContext(ctx, q, scope.Org().String(), rbac.RoleOwner).Scan(&n)
	return n, err
}

// canManage checks that by may change or remove a member holding cur: only
// owners touch owners (checked by the callers, which add the last-owner
// rule), and nobody else touches a member who holds permissions they do
// not hold themselves (an admin:users holder cannot demote or remove an
// admin).
func canManage(ctx context.Context, tx *db.Tx, scope tenant.Scope, by Principal, cur Membership) error {
	if by.Role == rbac.RoleOwner || cur.Role == rbac.RoleOwner {
		return nil
	}
	r, err := resolveRole(ctx, tx, scope, cur.Role)
	if apperr.Is(err, apperr.KindValidation) {
		return nil // a role that no longer exists grants nothing
	}
	if err != nil {
		return err
	}
	if !by.Permissions.Contains(r.Permissions) {
		return apperr.Forbidden("you cannot change a member who holds permissions you do not hold").WithCode("permission_denied")
	}
	return nil
}

// SetRole changes a member's role. by may not grant more than it holds,
// only owners touch owners, and the last owner cannot be demoted.
func (s *Store) SetRole(ctx context.Context, scope tenant.Scope, by Principal, userID uuid.UUID, role string) (Membership, error) {
	var m Membership
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		cur, err := memberTx(ctx, tx, scope, userID)
		if err != nil {
			return err
		}
		r, err := resolveRole(ctx, tx, scope, role)
		if err != nil {
			return err
		}
		if err := canGrant(by, r); err != nil {
			return err
		}
		if err := canManage(ctx, tx, scope, by, cur); err != nil {
			return err
		}
		if cur.Role == rbac.RoleOwner && role != rbac.RoleOwner {
			if by.Role != rbac.RoleOwner {
				return apperr.Forbidden("only owners can change an owner's role").WithCode("permission_denied")
			}
			n, err := ownerCount(ctx, tx, scope)
			if err != nil {
				return fmt.Errorf("count owners: %w", err)
			}
			if n <= 1 {
				return apperr.Conflict("an org must keep at least one owner").WithCode("last_owner")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3`, role, scope.Org().String(), userID.String()); err != nil {
			return fmt.Errorf("update role: %w", err)
		}
		cur.Role = role
		m = cur
		if err := record(ctx, tx, scope, "member.role_change", "user", userID.String(), map[string]string{"role": role}); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.MemberRoleChanged, events.Subject("member", userID), events.MemberV1{UserID: userID, Role: role})
	})
	if err != nil {
		return Membership{}, fmt.Errorf("identity: set role: %w", err)
	}
	return m, nil
}

// RemoveMember removes userID from the org and revokes the API keys they
// created there.
func (s *Store) RemoveMember(ctx context.Context, scope tenant.Scope, by Principal, userID uuid.UUID) error {
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		cur, err := memberTx(ctx, tx, scope, userID)
		if err != nil {
			return err
		}
		if err := canManage(ctx, tx, scope, by, cur); err != nil {
			return err
		}
		if cur.Role == rbac.RoleOwner {
			if by.Role != rbac.RoleOwner {
				return apperr.Forbidden("only owners can remove an owner").WithCode("permission_denied")
			}
			n, err := ownerCount(ctx, tx, scope)
			if err != nil {
				return fmt.Errorf("count owners: %w", err)
			}
			if n <= 1 {
				return apperr.Conflict("an org must keep at least one owner").WithCode("last_owner")
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE org_id = $1 AND user_id = $2`, scope.Org().String(), userID.String()); err != nil {
			return fmt.Errorf("delete membership: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE org_id = $2 AND created_by = $3 AND revoked_at IS NULL`,
			s.now(), scope.Org().String(), userID.String()); err != nil {
			return fmt.Errorf("revoke member keys: %w", err)
		}
		if err := record(ctx, tx, scope, "member.remove", "user", userID.String(), nil); err != nil {
			return err
		}
		return emit(ctx, tx, scope, events.MemberRemoved, events.Subject("member", userID), events.MemberV1{UserID: userID, Role: cur.Role})
	})
	if err != nil {
		return fmt.Errorf("identity: remove member: %w", err)
	}
	return nil
}
