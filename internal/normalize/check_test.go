package normalize

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
)

type ent = alert.Entity

// want spot-checks one alert of a corpus file. Zero fields are not checked
// except where noted.
type want struct {
	idx        int
	title      string
	ruleID     string
	ruleName   string
	sev        alert.Severity
	unknownSev bool // expect SeverityUnknown (sev 0 is otherwise unchecked)
	sourceRef  string
	status     alert.Status // checked when set; otherwise must be "new"
	eventTime  string       // RFC 3339, "-" for zero
	tactics    []string     // exact when non-nil
	techniques []string     // exact when non-nil
	entities   []ent        // must be present
	absent     []string     // entity values that must not be present
	tags       []string     // must be present
	vendor     string
}

// checkRaw asserts Raw is the record's bytes exactly as received: a JSON
// record is a byte range of the payload; a text record is a JSON string
// holding one line of it.
func checkRaw(t *testing.T, payload []byte, a alert.Alert) {
	t.Helper()
	if a.Raw[0] == '"' {
		var line string
		if err := json.Unmarshal(a.Raw, &line); err != nil {
			t.Fatalf("raw text: %v", err)
		}
		if !slices.Contains(strings.Split(strings.ReplaceAll(string(payload), "\r", ""), "\n"), line) {
			t.Errorf("raw line %.60q is not a line of the payload", line)
		}
		return
	}
	if !bytes.Contains(payload, a.Raw) {
		t.Errorf("raw %.60q is not a byte range of the payload", a.Raw)
	}
}

func checkWant(t *testing.T, a alert.Alert, w want) {
	t.Helper()
	if w.title != "" && a.Title != w.title {
		t.Errorf("[%d] title = %q, want %q", w.idx, a.Title, w.title)
	}
	if w.ruleID != "" && a.Rule.ID != w.ruleID {
		t.Errorf("[%d] rule id = %q, want %q", w.idx, a.Rule.ID, w.ruleID)
	}
	if w.ruleName != "" && a.Rule.Name != w.ruleName {
		t.Errorf("[%d] rule name = %q, want %q", w.idx, a.Rule.Name, w.ruleName)
	}
	if (w.sev != 0 || w.unknownSev) && a.Severity != w.sev {
		t.Errorf("[%d] severity = %v, want %v", w.idx, a.Severity, w.sev)
	}
	if w.sourceRef != "" && a.SourceRef != w.sourceRef {
		t.Errorf("[%d] source ref = %q, want %q", w.idx, a.SourceRef, w.sourceRef)
	}
	wantStatus := w.status
	if wantStatus == "" {
		wantStatus = alert.StatusNew
	}
	if a.Status != wantStatus {
		t.Errorf("[%d] status = %q, want %q", w.idx, a.Status, wantStatus)
	}
	switch w.eventTime {
	case "":
	case "-":
		if !a.EventTime.IsZero() {
			t.Errorf("[%d] event time = %v, want zero", w.idx, a.EventTime)
		}
	default:
		wt, err := time.Parse(time.RFC3339Nano, w.eventTime)
		if err != nil {
			t.Fatal(err)
		}
		if !a.EventTime.Equal(wt) {
			t.Errorf("[%d] event time = %v, want %v", w.idx, a.EventTime, wt)
		}
	}
	if w.tactics != nil && !slices.Equal(nilEmpty(a.Tactics), w.tactics) {
		t.Errorf("[%d] tactics = %q, want %q", w.idx, a.Tactics, w.tactics)
	}
	if w.techniques != nil && !slices.Equal(nilEmpty(a.Techniques), w.techniques) {
		t.Errorf("[%d] techniques = %q, want %q", w.idx, a.Techniques, w.techniques)
	}
	for _, e := range w.entities {
		if !slices.Contains(a.Entities, e) {
			t.Errorf("[%d] missing entity %+v in %+v", w.idx, e, a.Entities)
		}
	}
	for _, v := range w.absent {
		for _, e := range a.Entities {
			if e.Value == v {
				t.Errorf("[%d] entity %+v must not be extracted", w.idx, e)
			}
		}
	}
	for _, tag := range w.tags {
		if !slices.Contains(a.Tags, tag) {
			t.Errorf("[%d] missing tag %q in %q", w.idx, tag, a.Tags)
		}
	}
	if w.vendor != "" && a.Source.Vendor != w.vendor {
		t.Errorf("[%d] vendor = %q, want %q", w.idx, a.Source.Vendor, w.vendor)
	}
}

func nilEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
