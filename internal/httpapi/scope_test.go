package httpapi_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/tenant"
)

func TestScope(t *testing.T) {
	if _, err := httpapi.Scope(context.Background()); apperr.As(err).Status() != 400 || apperr.As(err).CodeOrDefault() != "org_required" {
		t.Fatalf("no scope: %v, want 400 org_required", err)
	}
	org := uuid.Must(uuid.NewV7())
	got, err := httpapi.Scope(tenant.WithScope(context.Background(), tenant.System(org, "test")))
	if err != nil || got.Org() != org {
		t.Fatalf("Scope = %v, %v; want org %s", got.Org(), err, org)
	}
}
