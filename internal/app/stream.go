package app

import (
	"context"

	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/stream"
)

// registerStream adds the live event stream, which learns the caller's
// permissions from the identity layer's principal.
func registerStream(p *platform.Platform) error {
	_, err := stream.Register(p, stream.Deps{
		Caller: func(ctx context.Context) (stream.Caller, bool) {
			pr, ok := identity.PrincipalFrom(ctx)
			if !ok {
				return stream.Caller{}, false
			}
			return stream.Caller{Permissions: pr.Permissions, UserID: pr.UserID, APIKeyID: pr.APIKeyID, Role: pr.Role}, true
		},
		Heartbeat: p.Config.StreamHeartbeat,
		Buffer:    p.Config.StreamClientBuffer,
	})
	return err
}
