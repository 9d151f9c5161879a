//go:build conformance

package entity

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/securenexus/securenexus/internal/alert"
)

// corpus reads one file of the shared vendor sample corpus:
// SECURENEXUS_CORPUS when set (missing is a failure), else shared/corpus
// beside the repository, found by walking up. A missing corpus fails: the
// conformance suite (`make conformance`) is never skipped silently.
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

func TestParseSTIXCorpus(t *testing.T) {
	inds, err := ParseSTIX(corpus(t, "stix/apt1_report_bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := count(inds)
	if c[TypeCIDR] != 4 || c[alert.EntityDomain] != 3 || c[alert.EntityMD5] != 3 || c[TypeSTIXPattern] != 2 || len(inds) != 12 {
		t.Errorf("apt1 counts %v (%d)", c, len(inds))
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool {
		return i.Type == TypeCIDR && i.Value == "223.166.0.0/15" && i.SourceID != "" && i.Detect
	}) {
		t.Errorf("missing CIDR 223.166.0.0/15: %+v", inds)
	}
	inds, err = ParseSTIX(corpus(t, "stix/indicators-for-C2-with-COA.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool { return i.Type == alert.EntityIP && i.Value == "10.0.0.0" }) ||
		!slices.ContainsFunc(inds, func(i Indicator) bool {
			return i.Type == alert.EntitySHA256 && i.Value == "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
		}) {
		t.Errorf("C2 indicators %+v", inds)
	}
	inds, err = ParseSTIX(corpus(t, "stix/malicious-email-indicator-with-attachment.json"))
	if err != nil || len(inds) != 2 || inds[0].Type != TypeSTIXPattern {
		t.Errorf("email indicators %+v %v", inds, err)
	}
	inds, err = ParseSTIX([]byte(`{"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'it\\'s.example.com'] AND [url:value = 'http://x.example.net/a']"}`))
	if err != nil || len(inds) != 2 || inds[0].Value != "198.51.100.1" || inds[1].Value != "http://x.example.net/a" {
		t.Errorf("pattern with OR/AND: %+v %v", inds, err)
	}
	if _, err := ParseSTIX([]byte(`{"type":"bundle","objects":[1]}`)); err == nil {
		t.Error("bad object accepted")
	}
}

func TestParseMISPCorpus(t *testing.T) {
	inds, err := ParseMISP(corpus(t, "misp/event_xorist_ransomware_circl.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := count(inds)
	if c[alert.EntityMD5] != 1 || c[alert.EntitySHA1] != 1 || c[alert.EntitySHA256] != 1 || c[alert.EntityFile] != 1 || c[TypeRegistryKey] != 1 {
		t.Errorf("xorist counts %v", c)
	}
	if !slices.ContainsFunc(inds, func(i Indicator) bool {
		return i.Value == "0749bae92ca336a02c83d126e04ec628" && len(i.Labels) == 4
	}) {
		t.Errorf("md5 with 4 event tags missing: %+v", inds)
	}
	inds, err = ParseMISP(corpus(t, "misp/event_osint_qakbot_emotet.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c := count(inds); c[alert.EntityIP] < 19 {
		t.Errorf("qakbot ip count %v", c)
	}
	if _, err := ParseMISP([]byte(`{"foo":1}`)); err == nil {
		t.Error("non-event accepted")
	}
	inds, err = ParseMISP([]byte(`{"response":[{"Event":{"info":"x","Attribute":[{"type":"domain|ip","value":"evil.example.com|198.51.100.1","to_ids":false}]}}]}`))
	if err != nil || len(inds) != 2 || inds[0].Detect || inds[1].Value != "198.51.100.1" {
		t.Errorf("composite %+v %v", inds, err)
	}
}
