package httpapi

import (
	"context"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Scope returns the tenant scope the Guard put into ctx for an org-scoped
// operation. Every handler of a Protected operation gets its scope here, so
// the answer to "no org" is the same everywhere: 400 org_required naming
// the X-Org-ID header (an API key carries its org; a session selects one).
func Scope(ctx context.Context) (tenant.Scope, error) {
	s, ok := tenant.FromContext(ctx)
	if !ok {
		return tenant.Scope{}, apperr.BadRequest("no org selected", apperr.Field("header.X-Org-ID", "is required")).WithCode("org_required")
	}
	return s, nil
}
