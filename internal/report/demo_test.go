package report_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/attack"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/report"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// demoApp boots the real wiring on dialect with the demo data loaded and
// returns it with the demo org's scope and the demo incident.
type demoApp struct {
	app   *app.App
	srv   *httptest.Server
	scope tenant.Scope
	inc   *incident.Incident
}

func bootDemo(t *testing.T, dialect db.Dialect) *demoApp {
	t.Helper()
	c, err := config.Load(config.Source{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	c.HTTPAddr = "127.0.0.1:0"
	c.DataDir = t.TempDir()
	c.ShutdownTimeout = 10 * time.Second
	if dialect == db.Postgres {
		c.DatabaseURL = testdb.NewPostgresURL(t)
		c.MigrateOnStart = true
	}
	ctx := context.Background()
	a, err := app.Build(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	if err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	// A second run finds everything present.
	if err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	org, err := a.Modules.Identity.Directory().DemoOrg(ctx, identity.DemoOrgAcme)
	if err != nil {
		t.Fatal(err)
	}
	scope := tenant.System(org.ID, "test")
	found, _, err := a.Modules.Incident.List(ctx, scope, incident.Query{Tag: report.DemoTag}, "", 10)
	if err != nil || len(found) != 1 {
		t.Fatalf("demo incidents = %d, %v", len(found), err)
	}
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	return &demoApp{app: a, srv: srv, scope: scope, inc: &found[0]}
}

func TestDemoIncident(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d := bootDemo(t, dialect)
			if d.inc.Status != incident.StatusResolved || d.inc.AlertCount < 2 || len(d.inc.Tactics) < 2 {
				t.Fatalf("demo incident = %+v", d.inc)
			}
			notes, err := d.app.Modules.Incident.Notes(ctx, d.scope, d.inc.ID)
			if err != nil || len(notes) != 3 {
				t.Fatalf("notes = %d, %v", len(notes), err)
			}
			ev, _, err := d.app.Modules.Evidence.List(ctx, d.scope, d.inc.ID, nil, 10)
			if err != nil || len(ev) != len(report.DemoArtifacts) {
				t.Fatalf("evidence = %d, %v", len(ev), err)
			}
			r, err := d.app.Modules.Report.Review(ctx, d.scope, d.inc.ID)
			if err != nil || !r.Exists || len(r.FollowUps) != 2 {
				t.Fatalf("review = %+v, %v", r, err)
			}
		})
	}
}

// TestDemoReport renders the demo incident's report on both backends: the
// PDF's text (extracted here, no external tool) holds the timeline entries
// and the evidence hashes, its attached manifest verifies against the
// org's key; the Markdown says the same; the export is audited and in
// every artifact's custody.
func TestDemoReport(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d := bootDemo(t, dialect)
			mods := d.app.Modules
			alerts, _, err := mods.Incident.LinkedAlerts(ctx, d.scope, d.inc.ID, nil, 500)
			if err != nil || len(alerts) < 2 {
				t.Fatalf("alerts = %d, %v", len(alerts), err)
			}
			notes, err := mods.Incident.Notes(ctx, d.scope, d.inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			artifacts, _, err := mods.Evidence.List(ctx, d.scope, d.inc.ID, nil, 10)
			if err != nil || len(artifacts) == 0 {
				t.Fatalf("artifacts = %d, %v", len(artifacts), err)
			}
			review, err := mods.Report.Review(ctx, d.scope, d.inc.ID)
			if err != nil {
				t.Fatal(err)
			}

			ex, err := mods.Report.Export(ctx, d.scope, d.inc.ID, report.FormatPDF)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(ex.Content, []byte("%PDF-")) || ex.ContentType != "application/pdf" || ex.FileName != "incident-"+d.inc.ID.String()+".pdf" {
				t.Fatalf("pdf export: %s %s %q", ex.ContentType, ex.FileName, ex.Content[:min(16, len(ex.Content))])
			}
			if dir := os.Getenv("SECURENEXUS_REPORT_OUT"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, "demo-report-"+string(dialect)+".pdf"), ex.Content, 0o600)
			}
			text := pdfText(t, ex.Content)
			flat := squash(strings.Join(text, " "))
			has := func(what, s string) {
				t.Helper()
				if !strings.Contains(flat, squash(report.ToCP1252(s))) {
					t.Errorf("PDF text lacks %s %q", what, s)
				}
			}
			has("the title", d.inc.Title)
			for _, h := range []string{"Summary", "Timeline by ATT&CK tactic", "Response activity", "Entities and indicators",
				"Actions and decisions", "Evidence manifest", "Post-incident review"} {
				has("section", h)
			}
			for _, a := range alerts {
				has("alert title", a.Title)
				has("alert event time", a.EventTime.UTC().Format("2006-01-02 15:04:05Z"))
				for _, tac := range a.Tactics {
					if tt, ok := attack.Default().Tactic(tac); ok {
						has("tactic", tt.Name+" ("+tt.ID+")")
					}
				}
			}
			for _, n := range notes {
				has("note", n.Body)
				if n.DecisionAt != nil {
					has("decision", "Decision "+n.DecisionAt.UTC().Format("2006-01-02 15:04:05Z"))
				}
			}
			has("section", "Decision log")
			for _, e := range artifacts {
				has("evidence name", e.Name)
				has("evidence SHA-256", e.SHA256)
			}
			has("status change", "Status: investigating → contained")
			has("root cause", review.RootCause)
			for _, f := range review.FollowUps {
				has("follow-up", f.Title)
			}
			if t.Failed() {
				t.Logf("extracted text:\n%s", strings.Join(text, "\n"))
			}

			// The attached manifest verifies against the org's published key.
			key, err := mods.Evidence.PublicKey(ctx, d.scope)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := evidence.ParsePublicKey(key.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			verified := 0
			for _, s := range pdfStreams(t, ex.Content) {
				if !bytes.HasPrefix(bytes.TrimSpace(s), []byte("{")) || !bytes.Contains(s, []byte(evidence.ManifestFormat)) {
					continue
				}
				rep, err := evidence.VerifyManifest(s, pub)
				if err != nil {
					t.Fatalf("attached manifest: %v", err)
				}
				if len(rep.Manifest.Artifacts) != len(artifacts) || rep.Manifest.IncidentID != d.inc.ID {
					t.Fatalf("attached manifest = %+v", rep.Manifest)
				}
				verified++
			}
			if verified != 1 {
				t.Fatalf("%d attached manifests verified, want 1", verified)
			}

			md, err := mods.Report.Export(ctx, d.scope, d.inc.ID, report.FormatMarkdown)
			if err != nil {
				t.Fatal(err)
			}
			m := string(md.Content)
			for _, want := range []string{
				"# Incident report: Demo: phishing mail to credential theft and staging\n",
				"## Summary\n", "- **Status:** resolved\n", "- **Disposition:** true\\_positive - Credential theft confirmed; no data left the network.\n",
				"- **Incident:** `" + d.inc.ID.String() + "`\n", "## Timeline by ATT&CK tactic\n",
				"| Event time (UTC) | Severity | Alert | Techniques |\n", "### Response activity\n",
				"| Time (UTC) | Who | Kind | Entry |\n", "system (demo) | change | Status: new → investigating |",
				"## Entities and indicators\n", "## Actions and decisions\n", "### Notes\n", "## Evidence manifest\n",
				"## Post-incident review\n", "### Root cause\n", "### Follow-up tasks\n",
				"## Appendix: signed evidence manifest\n",
			} {
				if !strings.Contains(m, want) {
					t.Errorf("markdown lacks %q", want)
				}
			}
			for _, e := range artifacts {
				if !strings.Contains(m, "- **SHA-256:** `"+e.SHA256+"`\n") {
					t.Errorf("markdown lacks the SHA-256 of %s", e.Name)
				}
			}
			for _, a := range alerts {
				if !strings.Contains(m, "| "+a.EventTime.UTC().Format("2006-01-02 15:04:05Z")+" | "+a.Severity+" |") {
					t.Errorf("markdown lacks the timeline row of %q", a.Title)
				}
			}
			if t.Failed() {
				t.Logf("markdown:\n%s", m)
			}
			// The appended manifest verifies too.
			i := strings.Index(m, "```json\n")
			j := strings.LastIndex(m, "\n```")
			if i < 0 || j < i {
				t.Fatal("markdown has no manifest block")
			}
			if _, err := evidence.VerifyManifest([]byte(m[i+8:j]), pub); err != nil {
				t.Fatalf("markdown manifest: %v", err)
			}

			// Two exports: two audit entries and two report custody entries per artifact.
			for _, e := range artifacts {
				c, err := mods.Evidence.Custody(ctx, d.scope, e.ID)
				if err != nil || !c.ChainValid {
					t.Fatalf("custody %+v, %v", c, err)
				}
				n := 0
				for _, ce := range c.Entries {
					if ce.Action == evidence.ActionExported && strings.Contains(string(ce.Details), `"purpose":"incident_report"`) {
						n++
					}
				}
				if n != 2 {
					t.Errorf("%s: %d report custody entries, want 2", e.Name, n)
				}
			}
			var audits int
			if err := d.app.DB.ReadInOrg(ctx, d.scope, func(ctx context.Context, tx *db.Tx) error {
				return tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'incident.report_export' AND target_id = $2`,
					d.scope.Org().String(), d.inc.ID.String()).Scan(&audits)
			}); err != nil {
				t.Fatal(err)
			}
			if audits != 2 {
				t.Errorf("%d report audit entries, want 2", audits)
			}
		})
	}
}
