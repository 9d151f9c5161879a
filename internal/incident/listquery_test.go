package incident

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/humatest"
)

// The list filters take repeated parameters (status=new&status=acknowledged),
// as the UI sends them: every value is read, not just the first; the comma
// form is one unknown value (a 422 naming the field), never a silent subset.
func TestListFiltersReadEveryRepeatedValue(t *testing.T) {
	_, api := humatest.New(t)
	var got *ListIncidentsInput
	huma.Register(api, huma.Operation{OperationID: "list", Method: http.MethodGet, Path: "/incidents"},
		func(_ context.Context, in *ListIncidentsInput) (*struct{}, error) {
			got = in
			return nil, nil
		})
	resp := api.Get("/incidents?status=new&status=acknowledged&severity=high&severity=critical&priority=p1&priority=p2&sla=breached&sla=warning")
	if resp.Code != http.StatusNoContent && resp.Code != http.StatusOK {
		t.Fatalf("status %d: %s", resp.Code, resp.Body.String())
	}
	for name, c := range map[string][2][]string{
		"status":   {got.Status, {"new", "acknowledged"}},
		"severity": {got.Severity, {"high", "critical"}},
		"priority": {got.Priority, {"p1", "p2"}},
		"sla":      {got.SLA, {"breached", "warning"}},
	} {
		if !slices.Equal(c[0], c[1]) {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	q, err := (&ListIncidentsInput{Status: []string{"new,acknowledged"}}).query()
	if err == nil {
		t.Fatalf("comma form accepted as %+v", q)
	}
}
