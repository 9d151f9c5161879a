// Package db opens the storage backend (PostgreSQL through pgx v5, or the
// embedded SQLite through modernc.org/sqlite), runs versioned migrations, and
// provides transactions, including org-scoped transactions that arm
// PostgreSQL row-level security.
//
// Both backends are used through database/sql with $n placeholders, which
// both drivers accept, so store code is written once.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Dialect names a storage backend.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Options configures Open.
type Options struct {
	// URL is a postgres:// URL; empty selects SQLite under DataDir.
	URL              string
	DataDir          string
	MaxConns         int
	MaxConnIdleTime  time.Duration
	StatementTimeout time.Duration
	ApplicationName  string
	// AppRole is SET after connecting to PostgreSQL so that row-level
	// security applies even when the login role is privileged. Empty keeps
	// the login role.
	AppRole string
}

// DB is an open database. Writer serialises writes on SQLite (one
// connection, BEGIN IMMEDIATE); on PostgreSQL Reader and Writer are the same
// pool.
type DB struct {
	Dialect Dialect
	Writer  *sql.DB
	Reader  *sql.DB
	// Pool is the native pgx pool on PostgreSQL (nil on SQLite), for COPY
	// and River.
	Pool *pgxpool.Pool
	// Path is the SQLite file (empty on PostgreSQL).
	Path string

	attached sync.Map
}

// Attach stores a process-wide service under key (an unexported type of
// the package that owns it) so code holding only a transaction can reach it
// through (*Tx).Attached. The events bus attaches itself this way.
func (d *DB) Attach(key, val any) { d.attached.Store(key, val) }

// Attached returns what Attach stored under key, or nil.
func (d *DB) Attached(key any) any {
	v, _ := d.attached.Load(key)
	return v
}

// Open connects to the backend selected by opts and verifies it answers.
// It does not migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.URL == "" {
		return openSQLite(ctx, opts)
	}
	return openPostgres(ctx, opts)
}

func openPostgres(ctx context.Context, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("db: parse database URL: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = int32(min(opts.MaxConns, 1000)) //nolint:gosec // bounded above
	}
	if opts.MaxConnIdleTime > 0 {
		cfg.MaxConnIdleTime = opts.MaxConnIdleTime
	}
	rp := cfg.ConnConfig.RuntimeParams
	if opts.ApplicationName != "" {
		rp["application_name"] = opts.ApplicationName
	}
	if opts.StatementTimeout > 0 {
		rp["statement_timeout"] = fmt.Sprint(opts.StatementTimeout.Milliseconds())
	}
	rp["timezone"] = "UTC"
	if opts.AppRole != "" {
		role := opts.AppRole
		cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
			if _, err := c.Exec(ctx, "SET ROLE "+pgx.Identifier{role}.Sanitize()); err != nil {
				return fmt.Errorf("db: set role %s (run `securenexus migrate up` first): %w", role, err)
			}
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping postgres: %w", err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	return &DB{Dialect: Postgres, Writer: sdb, Reader: sdb, Pool: pool}, nil
}

// SQLiteDSN builds the modernc.org/sqlite DSN used for path. Writes use
// BEGIN IMMEDIATE so a transaction takes the write lock up front instead of
// failing with SQLITE_BUSY when it upgrades; synchronous=FULL makes every
// acknowledged commit durable.
func SQLiteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	// Statement journals (upserts) in memory instead of temporary files:
	// about a quarter less CPU per ingested alert (docs/ingest.md).
	q.Add("_pragma", "temp_store(MEMORY)")
	// After a checkpoint the WAL file is cut back to 64 MiB at most.
	q.Add("_pragma", "journal_size_limit(67108864)")
	q.Set("_time_format", "sqlite")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, opts Options) (*DB, error) {
	if opts.DataDir == "" {
		return nil, errors.New("db: data directory required for SQLite")
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("db: create data dir: %w", err)
	}
	path := filepath.Join(opts.DataDir, "securenexus.db")
	w, err := sql.Open("sqlite", SQLiteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite writer: %w", err)
	}
	// SQLite allows one writer; River and the stores share this connection.
	w.SetMaxOpenConns(1)
	if err := w.PingContext(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", SQLiteDSN(path, true))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("db: open sqlite reader: %w", err)
	}
	r.SetMaxOpenConns(max(opts.MaxConns, 2))
	if opts.MaxConnIdleTime > 0 {
		r.SetConnMaxIdleTime(opts.MaxConnIdleTime)
	}
	return &DB{Dialect: SQLite, Writer: w, Reader: r, Path: path}, nil
}

// Close releases every connection.
func (d *DB) Close() error {
	var errs []error
	if d.Reader != d.Writer {
		errs = append(errs, d.Reader.Close())
	}
	errs = append(errs, d.Writer.Close())
	if d.Pool != nil {
		d.Pool.Close()
	}
	return errors.Join(errs...)
}

// Ping checks that the writer answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.Writer.PingContext(ctx); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	return nil
}
