package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/report"
	"github.com/securenexus/securenexus/internal/tenant"
)

// The command writes the demo incident's report (SQLite; the export
// itself is tested on both backends in internal/report).
func TestReportIncidentCommand(t *testing.T) {
	dir := t.TempDir()
	with := func(args ...string) []string { return append(args, "--data-dir", dir, "--log-level", "error") }
	if out, err := run(t, with("demo")...); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	c, err := config.Load(config.Source{Flags: map[string]string{"data-dir": dir}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Build(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	org, err := a.Modules.Identity.Directory().DemoOrg(ctx, identity.DemoOrgAcme)
	if err != nil {
		t.Fatal(err)
	}
	found, _, err := a.Modules.Incident.List(ctx, tenant.System(org.ID, "test"), incident.Query{Tag: report.DemoTag}, "", 1)
	if err != nil || len(found) != 1 {
		t.Fatalf("demo incident: %d, %v", len(found), err)
	}
	_ = a.Close(ctx)
	file := filepath.Join(t.TempDir(), "r.pdf")
	out, err := run(t, with("report", "incident", "--org", org.ID.String(), "--id", found[0].ID.String(), "--out", file)...)
	if err != nil || !strings.Contains(out, "sha256") {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(file); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("report file: %v %q", err, b[:min(8, len(b))])
	}
	out, err = run(t, with("report", "incident", "--org", org.ID.String(), "--id", found[0].ID.String(), "--format", "markdown")...)
	if err != nil || !strings.HasPrefix(out, "# Incident report: "+report.DemoTitle) {
		t.Fatalf("markdown to stdout: %v\n%.200s", err, out)
	}
	if out, err = run(t, with("report", "incident", "--org", "x", "--id", found[0].ID.String())...); err == nil || !strings.Contains(err.Error(), "--org") {
		t.Fatalf("bad --org: %v\n%s", err, out)
	}
}
