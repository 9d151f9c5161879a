//go:build conformance

package intel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// corpus reads one file of the shared vendor sample corpus:
// SECURENEXUS_CORPUS when set, else shared/corpus beside the repository
// (walking up). A missing corpus fails: `make conformance` never skips.
func corpus(t *testing.T, rel string) []byte {
	t.Helper()
	if d := os.Getenv("SECURENEXUS_CORPUS"); d != "" {
		b, err := os.ReadFile(filepath.Join(d, rel))
		if err != nil {
			t.Fatalf("SECURENEXUS_CORPUS=%q: %v", d, err)
		}
		return b
	}
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		for _, c := range []string{filepath.Join(dir, "shared", "corpus"), filepath.Join(dir, "..", "shared", "corpus")} {
			if b, err := os.ReadFile(filepath.Join(c, rel)); err == nil {
				return b
			}
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("corpus file %s not found beside the repository (walked up from %s); set SECURENEXUS_CORPUS", rel, wd)
		}
	}
}

// corpusCounts are the indicators stored by type (after canonicalization
// and the built-in allowlist) for each corpus file; PINNED counts.
var corpusCounts = map[string]string{
	"stix/apt1_report_bundle.json":                        "map[cidr:4 domain:3 md5:3] rejected=0",
	"stix/indicators-for-C2-with-COA.json":                "map[ipv4:1 sha256:1] rejected=0",
	"stix/malicious-email-indicator-with-attachment.json": "map[] rejected=0",
	"misp/event_osint_qakbot_emotet.json":                 "map[file:4 ipv4:43 md5:5 sha1:5 sha256:5] rejected=0",
	"misp/event_xorist_ransomware_circl.json":             "map[file:1 md5:1 sha1:1 sha256:1] rejected=0",
}

func TestCorpusImport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(d)
		org := newScope()
		// An alert ingested before the import, inside the APT1 bundle's
		// 223.166.0.0/15: the retro-hunt must find it.
		earlier := e.ingest(t, org, `{"title":"apt1 beacon before","src_ip":"223.166.5.5","severity":1}`)
		files := make([]string, 0, len(corpusCounts))
		for f := range corpusCounts {
			files = append(files, f)
		}
		slices.Sort(files)
		for _, f := range files {
			raw := corpus(t, f)
			var inds []Indicator
			var err error
			if filepath.Dir(f) == "misp" {
				inds, _, err = ParseMISP(raw)
			} else {
				inds, _, err = ParseSTIX(raw)
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			feed, err := e.store.CreateFeed(ctx, org, FeedInput{Name: f, Kind: FeedSTIX, Confidence: 50})
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.store.Import(ctx, org, &feed.ID, inds, e.hunter)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			got := fmt.Sprintf("%v rejected=%d", res.ByType, res.Rejected)
			if got != corpusCounts[f] {
				t.Errorf("%s: stored %s, want %s", f, got, corpusCounts[f])
			}
		}
		// An alert carrying an address of the imported STIX bundle is
		// flagged with that indicator at ingest.
		later := e.ingest(t, org, `{"title":"apt1 beacon after","src_ip":"223.167.0.9","severity":1}`)
		if tags, _ := alertTagsSeverity(t, d, org, later); !slices.Contains(tags, "intel:cidr") {
			t.Fatalf("alert not flagged at ingest: %v", tags)
		}
		if err := e.hunter.RunPending(ctx); err != nil {
			t.Fatal(err)
		}
		ms, _, err := e.store.Matches(ctx, org, MatchQuery{AlertID: &earlier}, nil, 10)
		if err != nil || len(ms) != 1 || ms[0].Source != SourceRetroHunt || ms[0].Value != "223.166.5.5" {
			t.Fatalf("retro-hunt of the earlier alert: %+v, %v", ms, err)
		}
	})
}
