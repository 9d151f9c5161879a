package normalize

import (
	"sync"
	"testing"

	"github.com/securenexus/securenexus/internal/platform/plugin"
	"github.com/securenexus/securenexus/internal/platform/plugin/plugintest"
)

// contractSecret is planted in payloads: a normalizer's errors name the
// field, never echo its value (payloads carry tokens and passwords).
const contractSecret = "sk_live_C0ntractS3cretValue"

// secretPayloads put the planted secret into values of the wrong type or
// shape, for JSON and text normalizers.
var secretPayloads = []string{
	`{"severity":"` + contractSecret + `","title":{"x":"` + contractSecret + `"},"rule":{"level":"` + contractSecret + `"}}`,
	`{"class_uid":"` + contractSecret + `","severity_id":"` + contractSecret + `"}`,
	`[{"id":1,"severity":"` + contractSecret + `"},"` + contractSecret + `"]`,
	`{"findings":["` + contractSecret + `"],"Findings":[7]}`,
	"<999>" + contractSecret,
	"CEF:0|" + contractSecret,
	contractSecret + " " + contractSecret,
	`{"password":"` + contractSecret + `"`,
}

// normalizerFamily is the contract every normalizer passes.
var normalizerFamily = plugintest.Family[Normalizer]{
	Secrets: []string{contractSecret},
	Checks: func(t testing.TB, env *plugintest.Env, meta plugin.Meta, n Normalizer) {
		if n.SourceType() != meta.Name {
			t.Errorf("SourceType() = %q, registered as %q", n.SourceType(), meta.Name)
		}
		if _, err := n.Normalize([]byte(" \n")); env.Error(err) == nil {
			t.Error("empty payload accepted")
		} else {
			checkErr(t, err)
		}
		for _, p := range secretPayloads {
			as, err := n.Normalize([]byte(p))
			if env.Error(err) != nil {
				checkErr(t, err)
				continue
			}
			for _, a := range as {
				checkAlert(t, a)
			}
		}
		samples := fixturesOf(meta.Name)
		if len(samples) == 0 {
			t.Fatalf("no fixture in fixtureCases for %q: every normalizer needs one", meta.Name)
		}
		for _, file := range samples {
			raw := readFixture(t, file)
			if meta.Has(CapDetect) && Detect(raw) != meta.Name {
				t.Errorf("%s: declares detect but Detect = %q", file, Detect(raw))
			}
			as, err := n.Normalize(raw)
			if env.Error(err) != nil || len(as) == 0 {
				t.Fatalf("%s: %d alerts, %v", file, len(as), err)
			}
			for _, a := range as {
				checkAlert(t, a)
				if a.Source.Type != meta.Name {
					t.Errorf("%s: source type %q", file, a.Source.Type)
				}
			}
			// Normalizers are shared by every request: concurrent use gives the same result.
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					again, err := n.Normalize(raw)
					if err != nil || len(again) != len(as) || again[0].Title != as[0].Title {
						t.Errorf("%s: concurrent run differs: %d alerts, %v", file, len(again), err)
					}
				}()
			}
			wg.Wait()
		}
	},
}

func fixturesOf(sourceType string) []string {
	var out []string
	for _, c := range fixtureCases {
		if c.sourceType == sourceType {
			out = append(out, c.file)
		}
	}
	return out
}

// TestNormalizerContract runs the plugin contract suite on every
// registered normalizer (so a new one cannot skip it).
func TestNormalizerContract(t *testing.T) {
	reg := NewRegistry()
	if reg.Len() != len(SourceTypes()) {
		t.Fatalf("registry has %d normalizers, SourceTypes %d", reg.Len(), len(SourceTypes()))
	}
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) { plugintest.Run(t, reg, name, normalizerFamily) })
	}
}
