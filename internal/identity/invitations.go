package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// DefaultInvitationTTL is how long an invitation can be accepted.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// Invitation invites an email address into an org with a role. Only the
// SHA-256 of its single-use token is stored.
type Invitation struct {
	ID         uuid.UUID
	OrgID      uuid.UUID
	Email      string
	Role       string
	CreatedBy  uuid.UUID
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt sql.NullTime
	RevokedAt  sql.NullTime
}

var errInvitation = apperr.NotFound("invitation").WithCode("invitation_invalid")

// canGrant checks that p may hand out role: never more permissions than p
// holds, and only owners make owners.
func canGrant(p Principal, role rbac.Role) error {
	if role.Name == rbac.RoleOwner && p.Role != rbac.RoleOwner {
		return apperr.Forbidden("only owners can grant the owner role").WithCode("permission_denied")
	}
	if !p.Permissions.Contains(role.Permissions) {
		return apperr.Forbidden("you cannot grant a role with permissions you do not hold").WithCode("permission_denied")
	}
	return nil
}

// CreateInvitation invites email with role; it returns the token (shown once).
func (s *Store) CreateInvitation(ctx context.Context, scope tenant.Scope, by Principal, email, role string, ttl time.Duration) (Invitation, string, error) {
	lower, err := NormalizeEmail(email)
	if err != nil {
		return Invitation{}, "", apperr.Validation("invalid email", apperr.Field("body.email", err.Error()))
	}
	if ttl <= 0 {
		ttl = DefaultInvitationTTL
	}
	now := s.now()
	inv := Invitation{ID: newID(), OrgID: scope.Org(), Email: lower, Role: role, CreatedBy: by.UserID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	token := randomToken(32)
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		r, err := resolveRole(ctx, tx, scope, role)
		if err != nil {
			return err
		}
		if err := canGrant(by, r); err != nil {
			return err
		}
		var member bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND u.email_lower = $2)`,
			scope.Org().String(), lower).Scan(&member); err != nil {
			return fmt.Errorf("check member: %w", err)
		}
		if member {
			return apperr.Conflict("this email already belongs to a member of the org")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO invitations (id, org_id, email, role, token_hash, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, inv.ID.String(), inv.OrgID.String(), inv.Email, inv.Role, hashToken(token),
			inv.CreatedBy.String(), inv.CreatedAt, inv.ExpiresAt); err != nil {
			return fmt.Errorf("insert invitation: %w", err)
		}
		return record(ctx, tx, scope, "invitation.create", "invitation", inv.ID.String(), map[string]string{"email": lower, "role": role})
	})
	if err != nil {
		return Invitation{}, "", fmt.Errorf("identity: create invitation: %w", err)
	}
	return inv, token, nil
}

const invitationColumns = `id, org_id, email, role, created_by, created_at, expires_at, accepted_at, revoked_at`

func scanInvitation(row db.Scanner) (Invitation, error) {
	var i Invitation
	err := row.Scan(&i.ID, &i.OrgID, &i.Email, &i.Role, &i.CreatedBy, &i.CreatedAt, &i.ExpiresAt, &i.AcceptedAt, &i.RevokedAt)
	return i, err
}

// ListInvitations pages through the scope's org invitations.
func (s *Store) ListInvitations(ctx context.Context, scope tenant.Scope, pg Page) ([]Invitation, string, error) {
	out, next, err := listOrgPage(ctx, s.DB, scope, pg, scanInvitation, func(i Invitation) uuid.UUID { return i.ID },
		`SELECT `+invitationColumns+` FROM invitations WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3`)
	if err != nil {
		return nil, "", fmt.Errorf("identity: list invitations: %w", err)
	}
	return out, next, nil
}

// RevokeInvitation cancels a pending invitation.
func (s *Store) RevokeInvitation(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET revoked_at = $1 WHERE org_id = $2 AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
			s.now(), scope.Org().String(), id.String())
		if err != nil {
			return fmt.Errorf("revoke invitation: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(apperr.NotFound("invitation"), err)
		}
		return record(ctx, tx, scope, "invitation.revoke", "invitation", id.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	return nil
}

// AcceptRequest accepts an invitation. A new account needs Name and
// Password; an existing account proves itself with its password or a
// session of that user (SessionUser).
type AcceptRequest struct {
	Token       string
	Name        string
	Password    string
	SessionUser uuid.UUID
}

// AcceptInvitation consumes an invitation token: it creates the user or
// links the existing one, and adds the membership, in one transaction.
func (s *Store) AcceptInvitation(ctx context.Context, req AcceptRequest) (User, Membership, error) {
	hash := hashToken(req.Token)
	q := `SELECT org_id FROM invitations WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL`
	if s.DB.Dialect == db.Postgres {
		q = `SELECT identity_invitation_org($1)`
	}
	var org uuid.NullUUID
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, q, hash).Scan(&org)
	})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !org.Valid) {
		return User{}, Membership{}, errInvitation
	}
	if err != nil {
		return User{}, Membership{}, fmt.Errorf("identity: look up invitation: %w", err)
	}
	scope := tenant.System(org.UUID, "invitation")
	var inv Invitation
	err = s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		inv, err = scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE org_id = $1 AND token_hash = $2`, org.UUID.String(), hash))
		return err
	})
	if err != nil {
		return User{}, Membership{}, errors.Join(errInvitation, err)
	}
	if inv.AcceptedAt.Valid || inv.RevokedAt.Valid || !s.now().Before(inv.ExpiresAt) {
		return User{}, Membership{}, errInvitation
	}
	existing, err := s.UserByEmail(ctx, inv.Email)
	switch {
	case err == nil:
		if req.SessionUser != existing.ID {
			ok := false
			if existing.HasPassword() && req.Password != "" {
				if ok, err = s.verifyPassword(ctx, existing, req.Password); err != nil {
					return User{}, Membership{}, err
				}
			}
			if !ok {
				return User{}, Membership{}, apperr.Unauthorized("an account with this email exists: sign in as it or give its password").WithCode("invalid_credentials")
			}
		}
	case apperr.Is(err, apperr.KindNotFound):
		var fields []apperr.FieldError
		if strings.TrimSpace(req.Name) == "" {
			fields = append(fields, apperr.Field("body.name", "is required to create your account"))
		}
		if req.Password == "" {
			fields = append(fields, apperr.Field("body.password", "is required to create your account"))
		}
		if len(fields) > 0 {
			return User{}, Membership{}, apperr.Validation("name and password are required to create your account", fields...)
		}
	default:
		return User{}, Membership{}, err
	}
	actorScope := tenant.System(org.UUID, "invitation:"+inv.ID.String())
	var m Membership
	u := existing
	err = s.DB.InOrg(ctx, actorScope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = $1 WHERE org_id = $2 AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
			s.now(), org.UUID.String(), inv.ID.String())
		if err != nil {
			return fmt.Errorf("consume invitation: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(errInvitation, err)
		}
		// The invitation carries its creator's authority: it lapses when the
		// creator left the org or may no longer grant the role.
		if err := inviterMayStillGrant(ctx, tx, actorScope, inv); err != nil {
			return err
		}
		if u.ID == uuid.Nil {
			if u, err = s.createUserTx(ctx, tx, inv.Email, req.Name, req.Password); err != nil {
				return err
			}
		}
		if m, err = s.AddMember(ctx, actorScope, u.ID, inv.Role); err != nil {
			return err
		}
		return record(ctx, tx, actorScope, "invitation.accept", "invitation", inv.ID.String(), map[string]string{"user_id": u.ID.String(), "role": inv.Role})
	})
	if err != nil {
		return User{}, Membership{}, fmt.Errorf("identity: accept invitation: %w", err)
	}
	return u, m, nil
}

// inviterMayStillGrant checks, at acceptance, that the invitation's creator
// is still a member who could grant its role now.
func inviterMayStillGrant(ctx context.Context, tx *db.Tx, scope tenant.Scope, inv Invitation) error {
	m, err := memberTx(ctx, tx, scope, inv.CreatedBy)
	if apperr.Is(err, apperr.KindNotFound) {
		return errInvitation
	}
	if err != nil {
		return err
	}
	by, err := resolveRole(ctx, tx, scope, m.Role)
	if apperr.Is(err, apperr.KindValidation) {
		return errInvitation
	}
	if err != nil {
		return err
	}
	r, err := resolveRole(ctx, tx, scope, inv.Role)
	if apperr.Is(err, apperr.KindValidation) {
		return errInvitation
	}
	if err != nil {
		return err
	}
	if canGrant(Principal{Role: m.Role, Permissions: by.Permissions}, r) != nil {
		return errInvitation
	}
	return nil
}

func (s *Store) pruneInvitations(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if s.DB.Dialect == db.Postgres {
			return tx.QueryRowContext(ctx, `SELECT identity_prune_invitations($1)`, now).Scan(&n)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE expires_at < $1 OR accepted_at < $2`, now, now.Add(-30*24*time.Hour))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("identity: prune invitations: %w", err)
	}
	return n, nil
}
