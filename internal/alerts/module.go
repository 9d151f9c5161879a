package alerts

import (
	"context"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Directory is what the alerts module needs from identity
// (identity.Directory): the members for the assignee picker and the
// assignee rule.
type Directory interface {
	MemberLister
	RequireMemberWith(ctx context.Context, scope tenant.Scope, userID uuid.UUID, perm rbac.Permission, what string) error
}

// Deps is what the alerts module needs from other modules.
type Deps struct {
	Directory Directory
}

// New builds the analyst alert API on p: the alert query and update
// operations, saved filters and the assignee list. Alerts are written by
// the intake module (internal/intake).
func New(p *platform.Platform, d Deps) (*API, error) {
	// An assignee must be a member whose role can act on alerts: the same
	// rule the assignee picker lists by.
	store := &Store{DB: p.DB, Assignable: func(ctx context.Context, scope tenant.Scope, userID uuid.UUID) error {
		return d.Directory.RequireMemberWith(ctx, scope, userID, rbac.AlertsWrite, "assignable member")
	}}
	api := &API{Store: store, Members: d.Directory}
	api.Register(p.Server.API)
	return api, nil
}
