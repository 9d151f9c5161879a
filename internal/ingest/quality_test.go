package ingest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Non-alert records are reported as skipped, not rejected; a record from
// which nothing identifying was read is stored with a warning, and two
// distinct such records are never merged into one alert.
func TestSkippedAndUnidentified(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.pipeline.Normalize = normalize.Normalize
		org := uuid.New()
		flow := `{"timestamp":"2025-05-05T10:00:01Z","event_type":"flow","src_ip":"192.0.2.10","dest_ip":"198.51.100.80","flow_id":1}`
		st, b := h.do("POST", "/api/v1/alerts?source_type=suricata", org, flow, nil)
		if st != http.StatusOK {
			t.Fatalf("single flow event: %d %s", st, b)
		}
		if sum := decode[BatchSummary](t, b); sum.Skipped != 1 || sum.Rejected != 0 || sum.Results[0].Status != StatusSkipped {
			t.Fatalf("single flow summary %+v", sum)
		}
		alertLine := `{"timestamp":"2025-05-05T10:00:00Z","event_type":"alert","src_ip":"192.0.2.10","dest_ip":"198.51.100.80","alert":{"signature_id":1,"signature":"x","severity":2}}`
		st, b = h.do("POST", "/api/v1/alerts/batch?source_type=suricata", org, flow+"\n"+alertLine+"\n", map[string]string{"Content-Type": "application/x-ndjson"})
		if st != http.StatusOK {
			t.Fatalf("batch: %d %s", st, b)
		}
		if sum := decode[BatchSummary](t, b); sum.Skipped != 1 || sum.Accepted != 1 || sum.Rejected != 0 {
			t.Fatalf("batch summary %+v", sum)
		}
		batch := `{"offense_type":3,"magnitude":5}` + "\n" + `{"ClientRequestPath":"/a","EdgeResponseStatus":403}` + "\n" +
			`{"ClientRequestPath":"/b","EdgeResponseStatus":403}` + "\n"
		st, b = h.do("POST", "/api/v1/alerts/batch?source_type=generic", org, batch, map[string]string{"Content-Type": "application/x-ndjson"})
		if st != http.StatusOK {
			t.Fatalf("unidentified batch: %d %s", st, b)
		}
		sum := decode[BatchSummary](t, b)
		if sum.Accepted != 3 || sum.Duplicates != 0 {
			t.Fatalf("distinct unidentified records merged: %+v", sum)
		}
		for _, r := range sum.Results {
			if !slices.Contains(r.Warnings, WarningUnidentified) {
				t.Errorf("result %+v has no warning", r)
			}
		}
		// The exact same record again is a duplicate of its first occurrence.
		st, b = h.do("POST", "/api/v1/alerts/batch?source_type=generic", org, `{"EdgeResponseStatus":403,"ClientRequestPath":"/b"}`+"\n", map[string]string{"Content-Type": "application/x-ndjson"})
		if sum := decode[BatchSummary](t, b); st != http.StatusOK || sum.Duplicates != 1 {
			t.Fatalf("repeat: %d %+v", st, sum)
		}
	})
}
