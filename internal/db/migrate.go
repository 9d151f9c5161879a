package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrationsFS embed.FS

// Provider returns the goose migration provider for this backend. Migrations
// are versioned SQL files embedded in the binary, one directory per dialect;
// nothing is ever applied implicitly by serve.
func (d *DB) Provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations/"+string(d.Dialect))
	if err != nil {
		return nil, fmt.Errorf("db: migrations for %s: %w", d.Dialect, err)
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if d.Dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("db: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, d.Writer, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("db: migration provider: %w", err)
	}
	return p, nil
}

// MigrationState is the applied and the latest known schema version.
type MigrationState struct {
	Current int64 `json:"current"`
	Latest  int64 `json:"latest"`
}

// Pending reports whether migrations remain to be applied.
func (s MigrationState) Pending() bool { return s.Current < s.Latest }

// MigrationState reads the applied version without changing anything.
func (d *DB) MigrationState(ctx context.Context) (MigrationState, error) {
	p, err := d.Provider()
	if err != nil {
		return MigrationState{}, err
	}
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return MigrationState{}, fmt.Errorf("db: read schema version: %w", err)
	}
	srcs := p.ListSources()
	var latest int64
	if n := len(srcs); n > 0 {
		latest = srcs[n-1].Version
	}
	return MigrationState{Current: cur, Latest: latest}, nil
}

// MigrationFS returns this dialect's embedded migration files.
func (d *DB) MigrationFS() (fs.FS, error) {
	sub, err := fs.Sub(migrationsFS, "migrations/"+string(d.Dialect))
	if err != nil {
		return nil, fmt.Errorf("db: migrations for %s: %w", d.Dialect, err)
	}
	return sub, nil
}
