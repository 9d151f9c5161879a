package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/securenexus/securenexus/internal/testdb"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestMigrateCommands(t *testing.T) {
	backends := map[string][]string{
		"sqlite":   {"--data-dir", t.TempDir()},
		"postgres": {"--database-url", testdb.NewPostgresURL(t)},
	}
	for name, target := range backends {
		t.Run(name, func(t *testing.T) {
			with := func(args ...string) []string { return append(args, target...) }
			out, err := run(t, with("migrate", "status", "--log-level", "error")...)
			if err != nil || !strings.Contains(out, "pending") {
				t.Fatalf("status before up: %v\n%s", err, out)
			}
			if out, err = run(t, with("migrate", "up", "--log-level", "error")...); err != nil || !strings.Contains(out, "schema at version") {
				t.Fatalf("up: %v\n%s", err, out)
			}
			out, err = run(t, with("migrate", "status", "--log-level", "error")...)
			if err != nil || strings.Contains(out, "pending") || !strings.Contains(out, "job queue schema current: true") {
				t.Fatalf("status after up: %v\n%s", err, out)
			}
			if out, err = run(t, with("migrate", "down", "--all", "--log-level", "error")...); err != nil || !strings.Contains(out, "schema at version 0") {
				t.Fatalf("down --all: %v\n%s", err, out)
			}
			if out, err = run(t, with("migrate", "up", "--log-level", "error")...); err != nil {
				t.Fatalf("up again after down: %v\n%s", err, out)
			}
		})
	}
}

func TestInvalidConfigNamesSetting(t *testing.T) {
	_, err := run(t, "config", "check", "--db-max-conns", "0")
	if err == nil || !strings.Contains(err.Error(), "SECURENEXUS_DB_MAX_CONNS") {
		t.Fatalf("want error naming SECURENEXUS_DB_MAX_CONNS, got %v", err)
	}
	t.Setenv("SECURENEXUS_ENV", "production")
	t.Setenv("SECURENEXUS_PUBLIC_URL", "https://soc.example.com")
	_, err = run(t, "config", "check")
	if err == nil || !strings.Contains(err.Error(), "SECURENEXUS_SECRET_KEY") {
		t.Fatalf("production without a secret must fail naming it, got %v", err)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Short == "" {
			t.Errorf("command %q has no short help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	out, err := run(t, "migrate", "--help")
	if err != nil || !strings.Contains(out, "status") {
		t.Fatalf("migrate --help: %v %s", err, out)
	}
}
