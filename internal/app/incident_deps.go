package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/tenant"
)

// orgMembers is the incident module's view of identity: is a user a
// member of the org.
type orgMembers struct{ dir *identity.Directory }

func (m orgMembers) IsMember(ctx context.Context, scope tenant.Scope, user uuid.UUID) (bool, error) {
	_, err := m.dir.Member(ctx, scope, user)
	if apperr.Is(err, apperr.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}

// roleMembers lists the members of a role (SLA escalation).
type roleMembers struct{ dir *identity.Directory }

func (m roleMembers) MembersWithRole(ctx context.Context, scope tenant.Scope, role string) ([]uuid.UUID, error) {
	var out []uuid.UUID
	pg := identity.Page{Limit: identity.MaxPageSize}
	for range 100 {
		ms, next, err := m.dir.ListMembers(ctx, scope, pg)
		if err != nil {
			return nil, err
		}
		for _, mb := range ms {
			if mb.Role == role {
				out = append(out, mb.UserID)
			}
		}
		if next == "" || len(ms) == 0 {
			break
		}
		pg.After = ms[len(ms)-1].ID
	}
	return out, nil
}
