package invariants

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// withoutRLS lists the tables that carry org_id but are global on purpose,
// each with its reason (also in docs/security.md, "Tables without
// row-level security"). Anything else with an org_id column must force RLS.
var withoutRLS = map[string]string{
	"ingest_source_routes": "maps a webhook or syslog source to its org before any org is known (the request names only the source); holds no alert data, only source id, org id, kind, sender networks and the enabled flag",
}

// TestOrgTablesForceRLS reads the catalog of a fully migrated PostgreSQL
// database: every table with an org_id column has row-level security
// enabled and forced and at least one policy, unless withoutRLS lists it.
func TestOrgTablesForceRLS(t *testing.T) {
	app := testdb.Open(t, db.Postgres)
	owner := testdb.OpenPostgresOwner(t, app)
	rows, err := owner.Reader.QueryContext(context.Background(), `
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped)
ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var seen []string
	for rows.Next() {
		var name string
		var enabled, forced bool
		var policies int
		if err := rows.Scan(&name, &enabled, &forced, &policies); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, name)
		if _, ok := withoutRLS[name]; ok {
			if enabled {
				t.Errorf("%s is listed as global but has row-level security: remove it from withoutRLS", name)
			}
			continue
		}
		if !enabled || !forced || policies == 0 {
			t.Errorf("%s has org_id but row-level security enabled=%v forced=%v policies=%d: add ENABLE + FORCE ROW LEVEL SECURITY and the org policy, or list it in withoutRLS with its reason", name, enabled, forced, policies)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 10 {
		t.Fatalf("only %d org tables found (%v): the catalog query is wrong", len(seen), seen)
	}
	for name := range withoutRLS {
		if !slices.Contains(seen, name) {
			t.Errorf("withoutRLS lists %s, which has no org_id column (or no longer exists)", name)
		}
	}
}

var migrationName = regexp.MustCompile(`^(\d{5})_([a-z0-9_]+)\.sql$`)

// TestMigrationDialectsInStep: both dialects hold the same migration
// versions, with the same names, and nothing else.
func TestMigrationDialectsInStep(t *testing.T) {
	dir := filepath.Join("..", "db", "migrations")
	list := func(dialect string) map[string]string {
		entries, err := os.ReadDir(filepath.Join(dir, dialect))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, e := range entries {
			m := migrationName.FindStringSubmatch(e.Name())
			if m == nil {
				t.Errorf("%s/%s is not a migration named NNNNN_name.sql", dialect, e.Name())
				continue
			}
			if prev, dup := out[m[1]]; dup {
				t.Errorf("%s: version %s used twice (%s, %s)", dialect, m[1], prev, m[2])
			}
			out[m[1]] = m[2]
		}
		return out
	}
	pg, lite := list("postgres"), list("sqlite")
	if len(pg) < 5 {
		t.Fatalf("only %d PostgreSQL migrations found", len(pg))
	}
	for v, name := range pg {
		if other, ok := lite[v]; !ok {
			t.Errorf("version %s (%s) exists for PostgreSQL only", v, name)
		} else if other != name {
			t.Errorf("version %s is %q on PostgreSQL and %q on SQLite", v, name, other)
		}
	}
	for v, name := range lite {
		if _, ok := pg[v]; !ok {
			t.Errorf("version %s (%s) exists for SQLite only", v, name)
		}
	}
	// Each file must have an Up and a Down section.
	for _, d := range []string{"postgres", "sqlite"} {
		files, _ := filepath.Glob(filepath.Join(dir, d, "*.sql"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "-- +goose Up") || !strings.Contains(string(b), "-- +goose Down") {
				t.Errorf("%s lacks a goose Up or Down section", f)
			}
		}
	}
}
