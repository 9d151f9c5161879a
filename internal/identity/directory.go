package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Directory is the identity module's facade for other modules and
// commands: member and role lookups, and the provisioning a benchmark or
// demo needs. Other modules receive it through their Deps instead of
// building an identity Store of their own.
type Directory struct{ st *Store }

// NewDirectory returns the facade over st.
func NewDirectory(st *Store) *Directory { return &Directory{st: st} }

// Directory returns the module's facade.
func (svc *Service) Directory() *Directory { return NewDirectory(svc.Store) }

// Member returns the membership of userID in the scope's org.
func (d *Directory) Member(ctx context.Context, scope tenant.Scope, userID uuid.UUID) (Membership, error) {
	return d.st.Member(ctx, scope, userID)
}

// ListMembers pages through the scope's org members.
func (d *Directory) ListMembers(ctx context.Context, scope tenant.Scope, pg Page) ([]Membership, string, error) {
	return d.st.ListMembers(ctx, scope, pg)
}

// RolePermissions resolves a built-in or custom role of the scope's org.
func (d *Directory) RolePermissions(ctx context.Context, scope tenant.Scope, role string) (rbac.Set, error) {
	return d.st.RolePermissions(ctx, scope, role)
}

// RequireMemberWith returns nil when userID is a member of the scope's org
// whose role grants perm, and a not-found error naming what otherwise (a
// non-member and a member without the permission look the same).
func (d *Directory) RequireMemberWith(ctx context.Context, scope tenant.Scope, userID uuid.UUID, perm rbac.Permission, what string) error {
	m, err := d.st.Member(ctx, scope, userID)
	if err != nil {
		return err
	}
	perms, err := d.st.RolePermissions(ctx, scope, m.Role)
	if err != nil {
		return err
	}
	if !perms.Has(perm) {
		return apperr.NotFound(what)
	}
	return nil
}

// DemoOrg returns the demo org called name.
func (d *Directory) DemoOrg(ctx context.Context, name string) (Org, error) {
	return d.st.DemoOrg(ctx, name)
}

// ProvisionOrg creates a throwaway org named name plus a random suffix,
// owned by a new user without a password, and (when perms is not empty)
// an org API key holding perms, for benchmarks. It returns the org id and
// the key's token.
func (d *Directory) ProvisionOrg(ctx context.Context, name string, perms ...rbac.Permission) (uuid.UUID, string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return uuid.Nil, "", fmt.Errorf("identity: provision: %w", err)
	}
	suffix := hex.EncodeToString(b[:])
	u, err := d.st.CreateUser(ctx, "provisioned-"+suffix+"@bench.invalid", name, "")
	if err != nil {
		return uuid.Nil, "", fmt.Errorf("identity: provision user: %w", err)
	}
	o, err := d.st.CreateOrg(ctx, name+" "+suffix[:8], u.ID)
	if err != nil {
		return uuid.Nil, "", fmt.Errorf("identity: provision org: %w", err)
	}
	if len(perms) == 0 {
		return o.ID, "", nil
	}
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = string(p)
	}
	_, token, err := d.st.CreateAPIKey(ctx, tenant.System(o.ID, "provision"), NewAPIKey{
		Name: name, Permissions: names, CreatedBy: u.ID, Grantor: rbac.NewSet(rbac.All...),
	})
	if err != nil {
		return uuid.Nil, "", fmt.Errorf("identity: provision api key: %w", err)
	}
	return o.ID, token, nil
}
