//go:build conformance

package normalize

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/entity"
)

// corpusDir returns the corpus directory or fails the test: the
// conformance suite (build tag conformance, `make conformance`) must never
// be skipped silently.
func corpusDir(t testing.TB) string {
	t.Helper()
	d, err := findCorpus()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// corpusDirTypes maps corpus directories to the source type their files
// are normalized with ("" = not alerts: threat intel or detection rules).
var corpusDirTypes = map[string]string{
	"guardduty": "guardduty", "securityhub": "securityhub", "cloudtrail": "cloudtrail", "suricata": "suricata",
	"zeek": "zeek", "wazuh": "wazuh", "elastic_security": "elastic", "microsoft_defender": "defender",
	"sentinel": "sentinel", "crowdstrike": "crowdstrike", "sentinelone": "sentinelone", "okta": "okta",
	"gcp_scc": "gcp_scc", "syslog": "syslog", "ocsf": "ocsf",
	"sigma": "", "stix": "", "misp": "",
}

// TestCorpusConformance runs every normalizer over every corpus file: the
// file's own normalizer (and auto-detection) must map it, every produced
// alert must hold the invariants, and any other normalizer must either map
// it or fail with a 4xx error naming a field — never panic.
func TestCorpusConformance(t *testing.T) {
	root := corpusDir(t)
	listed := map[string]bool{}
	for _, c := range corpusCases {
		listed[c.file] = true
	}
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() == "MANIFEST.md" {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		dir := strings.Split(rel, "/")[0]
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		t.Run(rel, func(t *testing.T) {
			st, known := corpusDirTypes[dir]
			if dir == "cef_paloalto" {
				st, known = Detect(raw), true
			}
			if !known {
				t.Fatalf("corpus directory %q has no normalizer mapping: add it to corpusDirTypes", dir)
			}
			switch {
			case st != "":
				if !listed[rel] {
					t.Errorf("corpus file has no table case in corpusCases")
				}
				as, err := Normalize(st, raw)
				if err != nil {
					t.Fatalf("Normalize(%s): %v", st, err)
				}
				if len(as) == 0 {
					t.Fatalf("no alerts from %s", st)
				}
				auto, err := Normalize("auto", raw)
				if err != nil || len(auto) != len(as) {
					t.Fatalf("auto-detect: %d alerts, err %v; want %d", len(auto), err, len(as))
				}
				for _, a := range as {
					checkAlert(t, a)
					checkRaw(t, raw, a)
				}
			case dir == "stix":
				inds, err := entity.ParseSTIX(raw)
				if err != nil || len(inds) == 0 {
					t.Fatalf("ParseSTIX: %d indicators, err %v", len(inds), err)
				}
			case dir == "misp":
				inds, err := entity.ParseMISP(raw)
				if err != nil || len(inds) == 0 {
					t.Fatalf("ParseMISP: %d indicators, err %v", len(inds), err)
				}
			}
			if st == "" {
				// Not alerts: auto-detection must refuse them with a field error.
				_, err := Normalize("", raw)
				if err == nil {
					t.Fatal("threat-intel/rule file was normalized as alerts")
				}
				checkErr(t, err)
			}
			for _, other := range SourceTypes() {
				n, _ := Lookup(other)
				as, err := n.Normalize(raw)
				if err != nil {
					checkErr(t, err)
					continue
				}
				for _, a := range as {
					checkAlert(t, a)
				}
			}
		})
		return nil
	})
	if err != nil {
		t.Fatalf("walk corpus: %v", err)
	}
	if files < 40 {
		t.Fatalf("corpus has %d files, want at least 40 (MANIFEST lists 40)", files)
	}
}
