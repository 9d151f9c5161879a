package crosstenant

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// widgets is a deliberately careless store: most of its routes forget the
// org filter, as a buggy module would.
type widgets struct {
	mu  sync.Mutex
	org map[string]uuid.UUID // widget id -> owning org
}

type widgetOut struct {
	Body struct {
		ID  string `json:"id"`
		Org string `json:"org_id"`
	}
}

type widgetList struct {
	Body struct {
		Items []string `json:"items"`
	}
}

func (w *widgets) create(org uuid.UUID) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := uuid.Must(uuid.NewV7()).String()
	w.org[id] = org
	return id
}

func (w *widgets) lookup(id string) (uuid.UUID, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	o, ok := w.org[id]
	return o, ok
}

// registerBroken adds the test-only routes and the fixtures for them.
func registerBroken(e *Env, reg Registry) {
	api := e.App.Server.API
	w := &widgets{org: map[string]uuid.UUID{}}
	op := func(id, method, path string) huma.Operation {
		return httpapi.Protected(huma.Operation{OperationID: id, Method: method, Path: "/api/v1/xt-broken" + path, Summary: id, Tags: []string{"Test"}}, rbac.AuditRead)
	}
	type widgetIn struct {
		ID string `path:"widgetId"`
	}
	// BROKEN: reads any org's widget.
	huma.Register(api, op("broken-get-widget", http.MethodGet, "/widgets/{widgetId}"), func(_ context.Context, in *widgetIn) (*widgetOut, error) {
		org, ok := w.lookup(in.ID)
		if !ok {
			return nil, apperr.NotFound("widget")
		}
		out := &widgetOut{}
		out.Body.ID, out.Body.Org = in.ID, org.String()
		return out, nil
	})
	// BROKEN: deletes any org's widget.
	huma.Register(api, op("broken-delete-widget", http.MethodDelete, "/widgets/{widgetId}"), func(_ context.Context, in *widgetIn) (*struct{}, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if _, ok := w.org[in.ID]; !ok {
			return nil, apperr.NotFound("widget")
		}
		delete(w.org, in.ID)
		return nil, nil
	})
	// BROKEN: lists every org's widgets.
	huma.Register(api, op("broken-list-widgets", http.MethodGet, "/widgets"), func(context.Context, *struct{}) (*widgetList, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		out := &widgetList{}
		for id := range w.org {
			out.Body.Items = append(out.Body.Items, id)
		}
		sort.Strings(out.Body.Items)
		return out, nil
	})
	// BROKEN (subtly): filters by org, but says 403 for another org's
	// widget and 404 for a missing one, revealing that it exists.
	huma.Register(api, op("broken-peek-widget", http.MethodGet, "/peek/{widgetId}"), func(ctx context.Context, in *widgetIn) (*widgetOut, error) {
		scope, _ := tenant.FromContext(ctx)
		org, ok := w.lookup(in.ID)
		if !ok {
			return nil, apperr.NotFound("widget")
		}
		if org != scope.Org() {
			return nil, apperr.Forbidden("not your widget")
		}
		return &widgetOut{}, nil
	})
	// CORRECT: filters by the scope's org; must not be flagged.
	huma.Register(api, op("safe-get-widget", http.MethodGet, "/safe-widgets/{safeId}"), func(ctx context.Context, in *struct {
		ID string `path:"safeId"`
	}) (*widgetOut, error) {
		scope, _ := tenant.FromContext(ctx)
		if org, ok := w.lookup(in.ID); !ok || org != scope.Org() {
			return nil, apperr.NotFound("widget")
		}
		return &widgetOut{}, nil
	})
	// UNCOVERED: a route whose parameter has no fixture.
	huma.Register(api, op("uncovered-get-gadget", http.MethodGet, "/gadgets/{gadgetId}"), func(context.Context, *struct {
		ID string `path:"gadgetId"`
	}) (*widgetOut, error) {
		return nil, apperr.NotFound("gadget")
	})
	// BROKEN in SQL: no org filter in the query. SQLite has no second wall
	// and leaks; on PostgreSQL row-level security still confines it.
	huma.Register(api, op("broken-audit-by-target", http.MethodGet, "/audit-by-target/{marker}"), func(ctx context.Context, in *struct {
		Marker string `path:"marker"`
	}) (*widgetOut, error) {
		scope, _ := tenant.FromContext(ctx)
		out := &widgetOut{}
		err := e.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT target_id, org_id FROM audit_log WHERE target_id = $1", in.Marker).Scan(&out.Body.ID, &out.Body.Org)
		})
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.NotFound("entry")
		}
		return out, err
	})

	widget := Fixture{Create: func(_ testing.TB, _ *Env, org *Org, _ map[string]string) string { return w.create(org.ID) }}
	reg.Fixtures["{widgetId}"] = widget
	reg.Fixtures["{safeId}"] = widget
	reg.Fixtures["{marker}"] = Fixture{Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
		m := "xt-broken-" + uuid.Must(uuid.NewV7()).String()
		if err := audit.Log(context.Background(), e.DB, audit.Entry{OrgID: org.ID, Action: "crosstenant.marker", TargetID: m}); err != nil {
			t.Fatal(err)
		}
		return m
	}}
}

// TestSuiteCatchesBrokenIsolation proves the suite can fail: routes that
// drop the org filter, leak existence through 403-vs-404, or have no
// fixture are each flagged, and a correct route is not.
func TestSuiteCatchesBrokenIsolation(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			e := boot(t, dialect)
			reg := defaults.Clone()
			registerBroken(e, reg)
			flagged := map[string][]string{}
			for _, v := range run(t, e, reg) {
				flagged[v.Route] = append(flagged[v.Route], v.Problem)
			}
			want := map[string]string{
				"GET /api/v1/xt-broken/widgets/{widgetId} (broken-get-widget)":       "got 200, want 404",
				"DELETE /api/v1/xt-broken/widgets/{widgetId} (broken-delete-widget)": "got 204, want 404",
				"GET /api/v1/xt-broken/widgets (broken-list-widgets)":                "list shows org B's",
				"GET /api/v1/xt-broken/peek/{widgetId} (broken-peek-widget)":         "reveals that org B's object exists",
				"GET /api/v1/xt-broken/gadgets/{gadgetId} (uncovered-get-gadget)":    "has no fixture",
				"fixture {widgetId}": "changed or vanished",
			}
			if dialect == db.SQLite {
				want["GET /api/v1/xt-broken/audit-by-target/{marker} (broken-audit-by-target)"] = "got 200, want 404"
			}
			for route, problem := range want {
				if !strings.Contains(strings.Join(flagged[route], "\n"), problem) {
					t.Errorf("suite missed %s (%q); it reported %v", route, problem, flagged[route])
				}
			}
			for route, problems := range flagged {
				// Coverage gaps of real routes are TestCrossTenantIsolation's
				// business; here only the test routes matter.
				if _, ok := want[route]; !ok && strings.Contains(route, "xt-broken") {
					t.Errorf("unexpected report for %s: %v", route, problems)
				}
			}
		})
	}
}
