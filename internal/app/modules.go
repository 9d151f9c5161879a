package app

import (
	"context"

	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/platform"
)

// registerModules registers every domain module on the platform: its
// operations, workers, periodic jobs, pruners, health checks and demo data.
// Identity registers first: it installs the guard every other module's
// operations rely on.
func (a *App) registerModules(ctx context.Context) error {
	modules := []func(context.Context, *platform.Platform) error{
		identity.Register,
		audit.Register,
		alerts.Register,
	}
	for _, register := range modules {
		if err := register(ctx, a.Platform); err != nil {
			return err
		}
	}
	return nil
}
