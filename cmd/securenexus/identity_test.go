package main

import (
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/testdb"
)

func TestUserCreateCommand(t *testing.T) {
	backends := map[string][]string{
		"sqlite":   {"--data-dir", t.TempDir()},
		"postgres": {"--database-url", testdb.NewPostgresURL(t), "--migrate-on-start", "--secret-key", "cli-test-secret-0123456789abcdefghijkl"},
	}
	for name, target := range backends {
		t.Run(name, func(t *testing.T) {
			with := func(args ...string) []string { return append(append(args, target...), "--log-level", "error") }
			out, err := run(t, with("user", "create", "--email", "Boss@Example.com", "--name", "Boss", "--new-org", "Example SOC")...)
			if err != nil || !strings.Contains(out, "password (shown once): ") || !strings.Contains(out, `org "Example SOC" created`) {
				t.Fatalf("create with org: %v\n%s", err, out)
			}
			if out, err = run(t, with("user", "create", "--email", "boss@example.com")...); err == nil {
				t.Fatalf("duplicate email (case-insensitive) accepted:\n%s", out)
			}
			if out, err = run(t, with("user", "create", "--email", "x@example.com", "--org", "not-a-uuid")...); err == nil || !strings.Contains(err.Error(), "--org") {
				t.Fatalf("bad --org: %v\n%s", err, out)
			}
			if out, err = run(t, with("user", "reset-mfa", "--email", "boss@example.com")...); err == nil || !strings.Contains(err.Error(), "MFA is not enabled") {
				t.Fatalf("reset-mfa without MFA: %v\n%s", err, out)
			}
			if out, err = run(t, with("user", "reset-mfa", "--email", "nobody@example.com")...); err == nil || !strings.Contains(err.Error(), "not found") {
				t.Fatalf("reset-mfa unknown user: %v\n%s", err, out)
			}
		})
	}
}
