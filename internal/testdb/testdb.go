// Package testdb gives tests real, migrated, throwaway databases on both
// backends. PostgreSQL comes from SECURENEXUS_TEST_DATABASE_URL (default: the
// local server); a missing server fails the test loudly, it never skips.
//
// Each test gets its own database, cloned from a migrated template database
// (made once per schema version), so tests are isolated and fast.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
)

// DefaultURL is used when SECURENEXUS_TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the PostgreSQL server tests use.
func AdminURL() string {
	if u := os.Getenv("SECURENEXUS_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Dialects is every backend the contract suite runs on.
var Dialects = []db.Dialect{db.SQLite, db.Postgres}

// Each runs fn as a subtest on every backend with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dialect := range Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			fn(t, Open(t, dialect))
		})
	}
}

// Open returns a fresh migrated database of the dialect, closed and dropped
// when the test ends. On PostgreSQL the connection runs as the application
// role, so row-level security is in force exactly as in production.
func Open(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if dialect == db.SQLite {
		d, err := db.Open(ctx, db.Options{DataDir: t.TempDir(), MaxConns: 4})
		if err != nil {
			t.Fatalf("testdb: open sqlite: %v", err)
		}
		if err := MigrateAll(ctx, d); err != nil {
			t.Fatalf("testdb: migrate sqlite: %v", err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	dbURL := createPostgres(ctx, t)
	d, err := db.Open(ctx, db.Options{URL: dbURL, MaxConns: 8, AppRole: "securenexus_app", ApplicationName: "securenexus-test"})
	if err != nil {
		t.Fatalf("testdb: open postgres: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// OpenPostgresOwner opens the test's PostgreSQL database as the migrating
// (owner) role, bypassing row-level security: for tests that must tamper
// with data the way an attacker with database access would.
func OpenPostgresOwner(t testing.TB, app *db.DB) *db.DB {
	t.Helper()
	var name string
	if err := app.Writer.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatalf("testdb: current database: %v", err)
	}
	d, err := db.Open(context.Background(), db.Options{URL: withDatabase(t, AdminURL(), name), MaxConns: 2})
	if err != nil {
		t.Fatalf("testdb: open owner: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// MigrateAll applies the application and River migrations.
func MigrateAll(ctx context.Context, d *db.DB) error {
	p, err := d.Provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return jobs.Migrate(ctx, d, rivermigrate.DirectionUp)
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// schemaHash identifies the migration set, so a changed migration gets a
// new template.
func schemaHash() string {
	h := sha256.New()
	d := &db.DB{Dialect: db.Postgres}
	p, err := d.MigrationFS()
	if err == nil {
		_ = fs.WalkDir(p, ".", func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, rerr := fs.ReadFile(p, path)
			if rerr != nil {
				return rerr
			}
			h.Write([]byte(path))
			h.Write(b)
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func adminConn(ctx context.Context, t testing.TB) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("testdb: PostgreSQL is required and not reachable at %s (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): %v", AdminURL(), err)
	}
	return c
}

func ensureTemplate(ctx context.Context, t testing.TB) string {
	templateOnce.Do(func() {
		templateName = "sn_tpl_" + schemaHash()
		c := adminConn(ctx, t)
		defer func() { _ = c.Close(ctx) }()
		// Serialise template creation across test binaries.
		if _, err := c.Exec(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
			templateErr = err
			return
		}
		defer func() { _, _ = c.Exec(ctx, "SELECT pg_advisory_unlock(727274)") }()
		var exists bool
		if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", templateName).Scan(&exists); err != nil {
			templateErr = err
			return
		}
		if exists {
			return
		}
		building := templateName + "_build"
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+building)
		if _, err := c.Exec(ctx, "CREATE DATABASE "+building); err != nil {
			templateErr = err
			return
		}
		d, err := db.Open(ctx, db.Options{URL: withDatabase(t, AdminURL(), building), MaxConns: 2})
		if err != nil {
			templateErr = err
			return
		}
		templateErr = MigrateAll(ctx, d)
		_ = d.Close()
		if templateErr != nil {
			return
		}
		_, templateErr = c.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+templateName)
	})
	if templateErr != nil {
		t.Fatalf("testdb: build template database: %v", templateErr)
	}
	return templateName
}

func createPostgres(ctx context.Context, t testing.TB) string {
	t.Helper()
	tpl := ensureTemplate(ctx, t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "sn_test_" + hex.EncodeToString(b[:])
	c := adminConn(ctx, t)
	defer func() { _ = c.Close(ctx) }()
	if _, err := c.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tpl)); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			return
		}
		defer func() { _ = c.Close(ctx) }()
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(t, AdminURL(), name)
}

// URLFor returns the admin URL pointed at database name.
func withDatabase(t testing.TB, base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testdb: parse %s: %v", base, err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewPostgresURL creates a fresh, unmigrated PostgreSQL database and returns
// its URL (for CLI and migration tests).
func NewPostgresURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "sn_test_" + hex.EncodeToString(b[:])
	c := adminConn(ctx, t)
	defer func() { _ = c.Close(ctx) }()
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), AdminURL())
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(t, AdminURL(), name)
}

// UnprivilegedOwner migrates a fresh PostgreSQL database as a database owner
// that is neither superuser nor BYPASSRLS (the hardened production setup)
// and returns it opened as the application role (app) and as that owner
// (owner). Tests use it to prove that SECURITY DEFINER functions and policies
// work without superuser rights.
func UnprivilegedOwner(t testing.TB) (app, owner *db.DB) {
	t.Helper()
	ctx := context.Background()
	var b [5]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	role, name := "sn_owner_"+suffix, "sn_test_owner_"+suffix
	admin := adminConn(ctx, t)
	defer func() { _ = admin.Close(ctx) }()
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
		"CREATE DATABASE " + name + " OWNER " + role,
		// The app role is cluster-wide; create it if no migration has yet.
		"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'securenexus_app') THEN CREATE ROLE securenexus_app NOLOGIN; END IF; END $$",
		"GRANT securenexus_app TO " + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("testdb: %s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), AdminURL())
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_, _ = c.Exec(context.Background(), "DROP OWNED BY "+role)
		_, _ = c.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	u, err := url.Parse(AdminURL())
	if err != nil {
		t.Fatalf("testdb: parse admin URL: %v", err)
	}
	u.User = url.User(role)
	u.Path = "/" + name
	owner, err = db.Open(ctx, db.Options{URL: u.String(), MaxConns: 2})
	if err != nil {
		t.Fatalf("testdb: open as owner: %v", err)
	}
	t.Cleanup(func() { _ = owner.Close() })
	if err := MigrateAll(ctx, owner); err != nil {
		t.Fatalf("testdb: migrate as an unprivileged owner: %v", err)
	}
	app, err = db.Open(ctx, db.Options{URL: u.String(), MaxConns: 4, AppRole: "securenexus_app"})
	if err != nil {
		t.Fatalf("testdb: open as app: %v", err)
	}
	t.Cleanup(func() { _ = app.Close() })
	return app, owner
}
