package ingest

import (
	"github.com/securenexus/securenexus/internal/normalize"
	"testing"
	"time"
)

func TestSamplesNormalize(t *testing.T) {
	for _, s := range Samples(1, 200, 15, time.Now()) {
		if d := normalize.Detect(s.Raw); d != s.SourceType {
			t.Errorf("detect %s got %q", s.SourceType, d)
		}
		as, err := normalize.Normalize("", s.Raw)
		if err != nil || len(as) == 0 {
			t.Fatalf("%s: %v %s", s.SourceType, err, s.Raw)
		}
		if len(as[0].Entities) == 0 {
			t.Errorf("%s: no entities", s.SourceType)
		}
	}
}
