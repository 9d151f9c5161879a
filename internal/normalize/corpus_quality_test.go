//go:build conformance

package normalize

import (
	"slices"
	"testing"
)

// TestCorpusUnmappedAndQuality pins Unmapped keys and quality scores of corpus records.
func TestCorpusUnmappedAndQuality(t *testing.T) {
	cases := []struct {
		file     string
		idx      int
		unmapped []string
		quality  float64
	}{
		{"guardduty/elastic_test-guardduty.ndjson", 0, []string{"accountId", "arn", "partition", "region", "schemaVersion"}, 0.875},
		{"suricata/elastic_test-eve-metadata.json", 0, []string{"app_proto", "ether", "flow", "flow_id", "in_iface"}, 1},
		{"cef_paloalto/elastic_test-cef.log", 2, []string{"deviceVersion", "dpriv", "spriv"}, 0.5},
		{"zeek/elastic_test-notice.ndjson", 2, []string{"suppress_for"}, 0.8},
		{"syslog/rfc3164_examples.log", 3, nil, 0.4},
	}
	for _, c := range cases {
		raw := readCorpus(t, c.file)
		as, err := Normalize("auto", raw)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		a := as[c.idx]
		var keys []string
		for k := range a.Unmapped {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, c.unmapped) {
			t.Errorf("%s[%d]: unmapped %q, want %q", c.file, c.idx, keys, c.unmapped)
		}
		if a.Quality != c.quality {
			t.Errorf("%s[%d]: quality %v, want %v", c.file, c.idx, a.Quality, c.quality)
		}
	}
	// Unmapped values are the raw bytes of the record.
	as, _ := Normalize("guardduty", readCorpus(t, "guardduty/elastic_test-guardduty.ndjson"))
	if got := string(as[0].Unmapped["accountId"]); got != `"123412341234"` {
		t.Errorf("unmapped accountId = %s", got)
	}
}
