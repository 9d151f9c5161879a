package normalize

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
)

var techniqueRE = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

var knownTactics = map[string]bool{}

func init() {
	for _, v := range tacticNames {
		knownTactics[v] = true
	}
}

// checkAlert asserts the invariants every normalized alert must hold,
// whatever the input.
func checkAlert(t testing.TB, a alert.Alert) {
	t.Helper()
	if a.ID != uuid.Nil || a.OrgID != uuid.Nil || a.Fingerprint != "" || a.Count != 0 || !a.ReceivedTime.IsZero() {
		t.Errorf("normalizer set pipeline-owned fields: id=%v org=%v fp=%q count=%d", a.ID, a.OrgID, a.Fingerprint, a.Count)
	}
	if !validSeverity(a.Severity) {
		t.Errorf("severity %d out of range", a.Severity)
	}
	for _, tech := range a.Techniques {
		if !techniqueRE.MatchString(tech) {
			t.Errorf("technique %q does not match %s", tech, techniqueRE)
		}
	}
	for _, tac := range a.Tactics {
		if !knownTactics[tac] {
			t.Errorf("tactic %q is not a known kebab-case ATT&CK tactic", tac)
		}
	}
	if a.Source.Type == "" || !registered(a.Source.Type) {
		t.Errorf("source type %q not registered", a.Source.Type)
	}
	if a.Title == "" {
		t.Error("empty title")
	}
	for _, s := range append([]string{a.Title, a.Description, a.SourceRef, a.Rule.ID, a.Rule.Name, a.Source.Vendor, a.Source.Product}, a.Tags...) {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8 in %q", s)
		}
	}
	for _, e := range a.Entities {
		if e.Value == "" || e.Type == "" || !utf8.ValidString(e.Value) {
			t.Errorf("bad entity %+v", e)
		}
	}
	if !a.EventTime.IsZero() && (a.EventTime.Location() != time.UTC || a.EventTime.Year() < 1970 || a.EventTime.Year() > 2200) {
		t.Errorf("event time %v not UTC or out of 1970..2200", a.EventTime)
	}
	if a.Quality < 0 || a.Quality > 1 {
		t.Errorf("quality %v out of 0..1", a.Quality)
	}
	okStatus := false
	for _, s := range alert.Statuses {
		okStatus = okStatus || s == a.Status
	}
	if !okStatus {
		t.Errorf("status %q invalid", a.Status)
	}
	if len(a.Raw) == 0 || !json.Valid(a.Raw) {
		t.Errorf("raw is not valid JSON: %.80q", a.Raw)
	}
	for k, v := range a.Unmapped {
		if !json.Valid(v) {
			t.Errorf("unmapped %q is not valid JSON", k)
		}
	}
	if _, err := json.Marshal(a); err != nil {
		t.Errorf("alert does not marshal: %v", err)
	}
}

// registered reports whether a source type is registered.
func registered(st string) bool { _, ok := Lookup(st); return ok }

// checkErr asserts a failure is a 4xx apperr naming a field.
func checkErr(t testing.TB, err error) {
	t.Helper()
	e := apperr.As(err)
	if e.Kind != apperr.KindValidation && e.Kind != apperr.KindBadRequest {
		t.Fatalf("error kind %v, want validation or bad request: %v", e.Kind, err)
	}
	if len(e.Fields) == 0 || e.Fields[0].Location == "" {
		t.Fatalf("error names no field: %v", err)
	}
}
