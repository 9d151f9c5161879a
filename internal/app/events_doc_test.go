package app_test

import (
	"os"
	"testing"

	_ "github.com/securenexus/securenexus/internal/app" // links every module, so every kind is registered
	"github.com/securenexus/securenexus/internal/platform/events"
)

// TestEventsDocIsCurrent fails when docs/events.md drifts from the
// registered kinds. Regenerate with
// `go run ./cmd/securenexus events docs > docs/events.md`.
func TestEventsDocIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != events.Markdown() {
		t.Fatal("docs/events.md is out of date: run `go run ./cmd/securenexus events docs > docs/events.md`")
	}
	for _, k := range events.Kinds() {
		if k.Description == "" {
			t.Errorf("kind %s has no description", k.Kind)
		}
	}
}
