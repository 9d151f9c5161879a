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
