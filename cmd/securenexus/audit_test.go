package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestAuditVerifyAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	pgURL := testdb.NewPostgresURL(t)
	backends := map[string]struct {
		target []string
		opts   db.Options
	}{
		"sqlite":   {[]string{"--data-dir", dir}, db.Options{DataDir: dir}},
		"postgres": {[]string{"--database-url", pgURL}, db.Options{URL: pgURL, AppRole: "securenexus_app"}},
	}
	for name, b := range backends {
		t.Run(name, func(t *testing.T) {
			with := func(args ...string) []string { return append(append(args, b.target...), "--log-level", "error") }
			if out, err := run(t, with("migrate", "up")...); err != nil {
				t.Fatalf("migrate up: %v\n%s", err, out)
			}
			ctx := context.Background()
			app, err := db.Open(ctx, b.opts) // as the server writes: the app role on PostgreSQL
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = app.Close() }()
			org := uuid.Must(uuid.NewV7())
			for i := range 5 {
				if err := audit.Log(ctx, app, audit.Entry{OrgID: org, Actor: "user:1", Action: "thing.update", TargetID: string(rune('a' + i))}); err != nil {
					t.Fatal(err)
				}
			}
			if err := audit.Log(ctx, app, audit.Entry{Action: "auth.login", Outcome: audit.OutcomeFailure}); err != nil {
				t.Fatal(err)
			}

			out, err := run(t, with("audit", "verify")...)
			if err != nil || !strings.Contains(out, "2 chains intact, 6 entries verified") || !strings.Contains(out, org.String()+":5:") {
				t.Fatalf("verify: %v\n%s", err, out)
			}
			// The head printed is a usable anchor.
			var anchor string
			for _, f := range strings.Fields(out) {
				if strings.HasPrefix(f, org.String()+":5:") {
					anchor = f
				}
			}
			if out, err := run(t, with("audit", "verify", "--org", org.String(), "--anchor", anchor)...); err != nil {
				t.Fatalf("verify --anchor: %v\n%s", err, out)
			}

			out, err = run(t, with("audit", "export", "--org", org.String())...)
			if err != nil {
				t.Fatalf("export: %v", err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 5 {
				t.Fatalf("export: %d lines\n%s", len(lines), out)
			}
			var first audit.LogEntry
			if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Seq != 1 || first.PrevHash != audit.GenesisHash {
				t.Fatalf("export line 1: %v %+v", err, first)
			}
			// The export verifies offline, and an edited copy does not.
			exportFile := filepath.Join(t.TempDir(), "export.ndjson")
			if err := os.WriteFile(exportFile, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			if vout, err := run(t, "audit", "verify", "--file", exportFile, "--anchor", anchor); err != nil || !strings.Contains(vout, "1 chains intact, 5 entries verified") {
				t.Fatalf("verify --file: %v\n%s", err, vout)
			}
			if err := os.WriteFile(exportFile, []byte(strings.Replace(out, `"actor":"user:1"`, `"actor":"user:2"`, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			if vout, err := run(t, "audit", "verify", "--file", exportFile); err == nil || !strings.Contains(vout, "entry seq 1:") {
				t.Fatalf("verify --file of an edited export: %v\n%s", err, vout)
			}
			if out, err := run(t, with("audit", "export", "--org", "platform")...); err != nil || strings.Count(out, "\n") != 1 {
				t.Fatalf("export platform: %v\n%s", err, out)
			}
			if _, err := run(t, with("audit", "export")...); err == nil {
				t.Fatal("export without --org must fail")
			}

			// Tamper as the owner: verify names the entry and fails.
			ownerOpts := b.opts
			ownerOpts.AppRole = ""
			o, err := db.Open(ctx, ownerOpts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = o.Close() }()
			disable, enable := "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change", "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"
			if name == "sqlite" {
				disable, enable = "DROP TRIGGER audit_log_no_update", "SELECT 1"
			}
			var id int64
			if err := o.Writer.QueryRow("SELECT id FROM audit_log WHERE org_id = $1 AND seq = 3", org.String()).Scan(&id); err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{disable, "UPDATE audit_log SET target_id = 'zzz' WHERE id = " + itoa(id), enable} {
				if _, err := o.Writer.Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			out, err = run(t, with("audit", "verify")...)
			want := "entry seq 3 (id " + itoa(id) + "): content does not match"
			if err == nil || !strings.Contains(out, want) || !strings.Contains(out, "chain "+org.String()) {
				t.Fatalf("verify after tampering: want failure naming %q, got %v\n%s", want, err, out)
			}
			if out, err := run(t, with("audit", "verify", "--org", "platform")...); err != nil {
				t.Fatalf("the platform chain is intact: %v\n%s", err, out)
			}
			if _, err := run(t, with("audit", "verify", "--anchor", "nope")...); err == nil {
				t.Fatal("a malformed anchor must be refused")
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
