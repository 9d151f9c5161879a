package alerts_test

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

var exampleRE = regexp.MustCompile("(?s)```sh\n(# example: ([a-z-]+)\n.*?)```")

// TestDocExamples runs every "# example:" block of docs/ingest.md with
// bash (curl, openssl, logger) against a real server with a syslog
// listener, and checks what they stored.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/ingest.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := exampleRE.FindAllStringSubmatch(string(doc), -1)
	if len(examples) < 6 {
		t.Fatalf("found %d examples in docs/ingest.md", len(examples))
	}
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := identitytest.NewPlatform(t, d)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		syslogAddr := ln.Addr().String()
		_ = ln.Close()
		p.Config.SyslogAddr = syslogAddr
		org := identitytest.NewOrg(t, d, "Docs")
		scope := tenant.System(org, "test")
		store := ingest.NewStore(d, secrets.MustKeyring(p.Secret))
		if _, _, err := store.CreateSource(ctx, scope, ingest.SourceConfigInput{Name: "lo", Kind: ingest.KindSyslog, AllowedCIDRs: []string{"127.0.0.0/8"}}); err != nil {
			t.Fatal(err)
		}
		hook, secret, err := store.CreateSource(ctx, scope, ingest.SourceConfigInput{Name: "hook", Kind: ingest.KindWebhook, SourceType: "generic"})
		if err != nil {
			t.Fatal(err)
		}
		register(t, p)
		for _, run := range p.Runners {
			go func() { _ = run(ctx) }()
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if c, err := net.Dial("tcp", syslogAddr); err == nil {
				_ = c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("syslog listener did not start")
			}
		}
		srv := httptest.NewServer(p.Server.Handler())
		defer srv.Close()
		key := identitytest.NewAPIKey(t, d, org, rbac.AlertsIngest, rbac.AlertsRead)
		_, port, _ := net.SplitHostPort(syslogAddr)
		env := append(os.Environ(), "SN="+srv.URL, "SN_API_KEY="+key.Token, "SN_SOURCE_ID="+hook.ID.String(),
			"SN_WEBHOOK_SECRET="+secret, "SN_SYSLOG_PORT="+port)
		for _, ex := range examples {
			cmd := exec.Command("bash", "-euo", "pipefail", "-c", ex[1])
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("example %s failed: %v\n%s", ex[2], err, out)
			}
			if strings.Contains(string(out), `"rejected":1`) {
				t.Fatalf("example %s rejected a record: %s", ex[2], out)
			}
		}
		s := &alerts.Store{DB: d}
		want := []string{"Cobalt Strike", "PowerShell", "LSASS", "Impossible travel sign-in", "Privilege escalation", "Impossible travel", "Port scan", "Failed password"}
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			items, _, err := s.List(ctx, scope, alerts.AlertQuery{}, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, a := range items {
				titles = append(titles, a.Title)
			}
			all := strings.Join(titles, " | ")
			missing := ""
			for _, w := range want {
				if !strings.Contains(all, w) {
					missing = w
					break
				}
			}
			if missing == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no alert for %q; stored: %s", missing, all)
			}
		}
	})
}
