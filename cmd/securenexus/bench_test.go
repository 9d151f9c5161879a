package main

import (
	"os"
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
	"ingest": {"bench", "ingest", "--alerts", "300", "--batch", "50", "--concurrency", "2"},
	"query":  {"bench", "query", "--alerts", "400", "--runs", "6"},
}

func TestBenchCommandsRunAtSmallSizes(t *testing.T) {
	for _, sub := range newRootCmd().Commands() {
		if sub.Name() != "bench" {
			continue
		}
		for _, c := range sub.Commands() {
			if _, ok := benchRuns[c.Name()]; !ok {
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
				want := map[string]string{"ingest": "pipeline:", "query": "newest 50"}[name]
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
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
