package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/bench"
	"github.com/securenexus/securenexus/internal/testdb"
)

// benchRuns is every documented bench command at a small size. Sizes are
// chosen so the default per-key limits would refuse them (bench query
// sends more reads than the default read burst of 60), so the test fails
// when the bench measures its limiter again.
var benchRuns = map[string][]string{
	"ingest":          {"bench", "ingest", "--alerts", "300", "--batch", "50", "--concurrency", "2", "--slice", "100"},
	"ingest-single":   {"bench", "ingest", "--alerts", "200", "--batch", "1", "--concurrency", "4", "--source-type", "generic", "--slice", "100"},
	"query":           {"bench", "query", "--alerts", "400", "--runs", "6"},
	"stream":          {"bench", "stream", "--clients", "20", "--events", "300", "--rate", "150", "--buffer", "16"},
	"stream-incident": {"bench", "stream", "--incident", "--clients", "10", "--events", "40", "--rate", "40", "--slow=false"},
	"sla":             {"bench", "sla", "--incidents", "60", "--runs", "5"},
	"correlate":       {"bench", "correlate", "--decisions", "50", "--ingest-alerts", "200", "--incidents", "100", "--linked-alerts", "400", "--runs", "5"},
	"timeline":        {"bench", "timeline", "--alerts", "1200", "--notes", "20", "--tasks", "5", "--status-changes", "6", "--limit", "50", "--runs", "3"},
	"intel":           {"bench", "intel", "--indicators", "3000", "--bundle", "1000", "--match-alerts", "200", "--alerts", "300", "--batch", "100", "--concurrency", "2"},
}

func TestBenchCommandsRunAtSmallSizes(t *testing.T) {
	for _, sub := range newRootCmd().Commands() {
		if sub.Name() != "bench" {
			continue
		}
		for _, c := range sub.Commands() {
			if _, ok := benchRuns[c.Name()]; !ok { // and variants named <command>-<variant>
				t.Errorf("bench %s has no small-size run in benchRuns", c.Name())
			}
		}
	}
	backends := map[string]func() []string{
		"sqlite":   func() []string { return []string{"--data-dir", t.TempDir()} },
		"postgres": func() []string { return []string{"--database-url", testdb.NewPostgresURL(t)} },
	}
	for backend, target := range backends {
		for name, args := range benchRuns {
			t.Run(backend+"/"+name, func(t *testing.T) {
				args := append(append([]string{}, args...), target()...)
				if strings.HasPrefix(name, "ingest") {
					profile := filepath.Join(t.TempDir(), "cpu.pprof")
					args = append(args, "--cpuprofile", profile)
					defer func() {
						if st, err := os.Stat(profile); err != nil || st.Size() == 0 {
							t.Errorf("no CPU profile written: %v", err)
						}
					}()
				}
				if name == "ingest" && backend == "postgres" {
					args = append(args, "--baseline", "copy")
				}
				out, err := run(t, append(args, "--log-level", "error")...)
				if err != nil {
					t.Fatalf("securenexus %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				if !strings.Contains(out, bench.Limits) {
					t.Errorf("output does not say how the server is limited:\n%s", out)
				}
				wants := map[string][]string{
					"ingest":          {"pipeline:", "slice  3 (alerts 201-300)", "server CPU:", "bytes per alert", "whole database", "table alerts "},
					"ingest-single":   {"single-alert requests", "slice  2 (alerts 101-200)", "server CPU:", "bytes per alert"},
					"query":           {"newest 50"},
					"stream":          {"fan-out (commit to receipt", "complete: 20 of 20 clients", "dropped", "closed by the server"},
					"stream-incident": {"following one incident's war room", "complete: 10 of 10 clients"},
					"correlate":       {"correlation finished", "incident list over HTTP", "newest 50"},
					"timeline":        {"1200 linked alerts bulk-loaded", "first page (oldest)", "deep page", "(prev)", "entity rare user", "source=crowdstrike", "category=note"},
					"intel":           {"STIX import:", "(3000 stored, 0 rejected)", "index:", "match per alert", "alerts matched at intake:"},
				}[name]
				for _, want := range wants {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
				if name == "intel" && backend == "postgres" && !strings.Contains(out, "intake with matching / COPY") {
					t.Errorf("no COPY ratio:\n%s", out)
				}
				if name == "ingest" && backend == "postgres" && !strings.Contains(out, "pipeline/COPY") {
					t.Errorf("no COPY baseline:\n%s", out)
				}
				if _, err := os.Stat("data"); err == nil {
					t.Errorf("the bench wrote a data directory into the working directory")
				}
			})
		}
	}
}
