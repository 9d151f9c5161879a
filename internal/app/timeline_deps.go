package app

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/tenant"
)

// viewerNames is the timeline's view of the directory: an actor's display
// name (a member's name, else e-mail; "API key" for keys).
type viewerNames struct{ dir *identity.Directory }

func (m viewerNames) DisplayName(ctx context.Context, scope tenant.Scope, actor string) (string, error) {
	kind, id, _ := strings.Cut(actor, ":")
	if kind != "user" {
		if kind == "apikey" {
			return "API key", nil
		}
		return actor, nil
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return actor, nil
	}
	mb, err := m.dir.Member(ctx, scope, u)
	if err != nil {
		return "", err
	}
	if mb.Name != "" {
		return mb.Name, nil
	}
	return mb.Email, nil
}
