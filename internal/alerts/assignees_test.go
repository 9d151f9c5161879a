package alerts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

type assigneesBody struct {
	Items     []alerts.Assignee `json:"items"`
	Truncated bool              `json:"truncated"`
}

func TestAssigneesAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := identitytest.NewPlatform(t, d)
		register(t, p)
		srv := httptest.NewServer(p.Server.Handler())
		defer srv.Close()
		orgA := identitytest.NewOrg(t, d, "Assignees A")
		orgB := identitytest.NewOrg(t, d, "Assignees B")
		ids := identitytest.Store(t, d)
		named := func(org uuid.UUID, name, role string) identity.User {
			t.Helper()
			u, err := ids.CreateUser(ctx, "a-"+uuid.Must(uuid.NewV7()).String()+"@example.test", name, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ids.AddMember(ctx, tenant.System(org, "test"), u.ID, role); err != nil {
				t.Fatal(err)
			}
			return u
		}
		zoe := named(orgA, "Zoe Zhang", rbac.RoleAnalyst)
		amy := named(orgA, "amy Adams", rbac.RoleResponder)
		bob := named(orgB, "Bob Foreign", rbac.RoleAnalyst)
		viewer := identitytest.NewMember(t, d, orgA, rbac.RoleViewer) // "Test User"
		viewerB := identitytest.NewMember(t, d, orgB, rbac.RoleViewer)

		st, b := client{t, srv.URL, viewer.Apply}.do("GET", "/api/v1/alerts/assignees", "", nil)
		if st != http.StatusOK {
			t.Fatalf("viewer: %d %s", st, b)
		}
		var got assigneesBody
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		want := []alerts.Assignee{
			{UserID: amy.ID.String(), Name: "amy Adams", Role: rbac.RoleResponder},
			{UserID: zoe.ID.String(), Name: "Zoe Zhang", Role: rbac.RoleAnalyst},
		}
		if fmt.Sprint(got.Items) != fmt.Sprint(want) || got.Truncated {
			t.Fatalf("org A assignees sorted by name:\n got %+v\nwant %+v", got, want)
		}
		for _, leak := range []string{viewer.UserID.String(), bob.ID.String(), viewerB.UserID.String(), "Bob Foreign", "@", "email"} {
			if strings.Contains(string(b), leak) {
				t.Fatalf("response leaks %q: %s", leak, b)
			}
		}

		// Org B sees only its own members.
		st, b = client{t, srv.URL, viewerB.Apply}.do("GET", "/api/v1/alerts/assignees", "", nil)
		if st != http.StatusOK || !strings.Contains(string(b), bob.ID.String()) || strings.Contains(string(b), zoe.ID.String()) {
			t.Fatalf("org B: %d %s", st, b)
		}
		// Naming org B while being a member of org A only is refused.
		if st, b := (client{t, srv.URL, viewer.InOrg(orgB).Apply}).do("GET", "/api/v1/alerts/assignees", "", nil); st < 400 || strings.Contains(string(b), bob.ID.String()) {
			t.Fatalf("org A member naming org B: %d %s", st, b)
		}
		// An API key with alerts:read works; one without it is forbidden.
		if st, b := (client{t, srv.URL, identitytest.NewAPIKey(t, d, orgA, rbac.AlertsRead).Apply}).do("GET", "/api/v1/alerts/assignees", "", nil); st != http.StatusOK {
			t.Fatalf("alerts:read key: %d %s", st, b)
		}
		if st, b := (client{t, srv.URL, identitytest.NewAPIKey(t, d, orgA, rbac.AlertsIngest).Apply}).do("GET", "/api/v1/alerts/assignees", "", nil); st != http.StatusForbidden {
			t.Fatalf("key without alerts:read: %d %s", st, b)
		}
		if st, b := (client{t, srv.URL, nil}).do("GET", "/api/v1/alerts/assignees", "", nil); st != http.StatusUnauthorized {
			t.Fatalf("unauthenticated: %d %s", st, b)
		}
		// The route does not shadow GET /alerts/{id}.
		if st, b := (client{t, srv.URL, viewer.Apply}).do("GET", "/api/v1/alerts/"+uuid.Must(uuid.NewV7()).String(), "", nil); st != http.StatusNotFound {
			t.Fatalf("missing alert: %d %s", st, b)
		}
	})
}

// Only members whose role (built-in or the org's custom role) grants
// alerts:write are offered; a same-named custom role of another org does
// not count.
func TestAssigneesOnlyMembersWhoCanActOnAlerts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orgA := identitytest.NewOrg(t, d, "Roles A")
		orgB := identitytest.NewOrg(t, d, "Roles B")
		identitytest.NewRole(t, d, orgA, "triager", rbac.AlertsRead, rbac.AlertsWrite)
		identitytest.NewRole(t, d, orgA, "reader", rbac.AlertsRead)
		identitytest.NewRole(t, d, orgB, "reader", rbac.AlertsRead, rbac.AlertsWrite)
		listed := map[string]bool{}
		for _, role := range []string{rbac.RoleOwner, rbac.RoleAdmin, rbac.RoleAnalyst, rbac.RoleResponder, "triager"} {
			listed[identitytest.NewMember(t, d, orgA, role).UserID.String()] = true
		}
		for _, role := range []string{rbac.RoleViewer, rbac.RoleAuditor, "reader"} {
			listed[identitytest.NewMember(t, d, orgA, role).UserID.String()] = false
		}
		identitytest.NewMember(t, d, orgB, "reader")

		got, truncated, err := alerts.Assignees(ctx, identitytest.Store(t, d), tenant.NewAuthenticated(orgA, "test"))
		if err != nil || truncated {
			t.Fatalf("assignees: %v (truncated %v)", err, truncated)
		}
		seen := map[string]string{}
		for _, a := range got {
			seen[a.UserID] = a.Role
			if !listed[a.UserID] {
				t.Errorf("%s (role %s) cannot act on alerts but is listed", a.UserID, a.Role)
			}
		}
		for id, want := range listed {
			if _, ok := seen[id]; want && !ok {
				t.Errorf("%s can act on alerts but is not listed", id)
			}
		}
		if len(got) != 5 {
			t.Fatalf("got %d assignees, want 5: %+v", len(got), got)
		}
	})
}

// pagedMembers serves n members in pages the way identity.Store does
// (by id, limit+1 rows, cursor of the last id), to test the bound.
type pagedMembers struct {
	all   []identity.Membership
	calls int
}

func (p *pagedMembers) ListMembers(_ context.Context, _ tenant.Scope, pg identity.Page) ([]identity.Membership, string, error) {
	p.calls++
	if pg.Limit > identity.MaxPageSize {
		return nil, "", fmt.Errorf("limit %d above the identity maximum", pg.Limit)
	}
	var rows []identity.Membership
	for _, m := range p.all {
		if m.ID.String() > pg.After.String() {
			rows = append(rows, m)
		}
	}
	if len(rows) <= pg.Limit {
		return rows, "", nil
	}
	rows = rows[:pg.Limit]
	return rows, cursorOf(rows[len(rows)-1].ID), nil
}

// RolePermissions resolves built-in roles only.
func (p *pagedMembers) RolePermissions(_ context.Context, _ tenant.Scope, role string) (rbac.Set, error) {
	r, _ := rbac.BuiltIn(role)
	return r.Permissions, nil
}

// cursorOf encodes a cursor the way identity's pages do (an internal/page
// cursor of kind "id" holding the last id); PageInput.Decode must accept it.
func cursorOf(id uuid.UUID) string { return page.Encode("id", id) }

func TestAssigneesBounded(t *testing.T) {
	for _, n := range []int{0, 1, 199, 200, 201, alerts.MaxAssignees, alerts.MaxAssignees + 1, 1234} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := &pagedMembers{}
			for i := range n {
				p.all = append(p.all, identity.Membership{ID: uuid.Must(uuid.NewV7()), UserID: uuid.Must(uuid.NewV7()), Name: fmt.Sprintf("user %04d", n-i), Role: "analyst"})
			}
			got, truncated, err := alerts.Assignees(context.Background(), p, tenant.NewAuthenticated(uuid.Must(uuid.NewV7()), "test"))
			if err != nil {
				t.Fatal(err)
			}
			if wantLen := min(n, alerts.MaxAssignees); len(got) != wantLen || truncated != (n > alerts.MaxAssignees) {
				t.Fatalf("%d members: got %d, truncated %v", n, len(got), truncated)
			}
			if got == nil {
				t.Fatal("nil list (would render as JSON null)")
			}
			for i := 1; i < len(got); i++ {
				if got[i-1].Name > got[i].Name {
					t.Fatalf("not sorted at %d: %q > %q", i, got[i-1].Name, got[i].Name)
				}
			}
			if n > alerts.MaxAssignees && p.calls > 3 {
				t.Fatalf("read %d pages for a bound of %d", p.calls, alerts.MaxAssignees)
			}
		})
	}
}

// TestAssignOnlyMembersWhoCanActOnAlerts: the update API applies the same
// rule as the assignee list: a viewer (no alerts:write) or another org's
// user cannot be assigned; an analyst can.
func TestAssignOnlyMembersWhoCanActOnAlerts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		p := identitytest.NewPlatform(t, d)
		register(t, p)
		srv := httptest.NewServer(p.Server.Handler())
		defer srv.Close()
		org := identitytest.NewOrg(t, d, "Assign rule")
		other := identitytest.NewOrg(t, d, "Assign other")
		analyst := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		viewer := identitytest.NewMember(t, d, org, rbac.RoleViewer)
		foreign := identitytest.NewMember(t, d, other, rbac.RoleAnalyst)
		ing := client{t, srv.URL, identitytest.NewAPIKey(t, d, org, rbac.AlertsIngest).Apply}
		st, b := ing.do("POST", "/api/v1/alerts", `{"title":"Assign me"}`, nil)
		if st != http.StatusCreated {
			t.Fatalf("ingest: %d %s", st, b)
		}
		var created struct {
			Results []struct {
				ID string `json:"id"`
			} `json:"results"`
		}
		if err := json.Unmarshal(b, &created); err != nil || len(created.Results) != 1 || created.Results[0].ID == "" {
			t.Fatalf("ingest response %s: %v", b, err)
		}
		id := created.Results[0].ID
		an := client{t, srv.URL, analyst.Apply}
		for _, who := range []identitytest.Member{viewer, foreign} {
			st, b := an.do("PATCH", "/api/v1/alerts/"+id, fmt.Sprintf(`{"assignee":%q}`, who.UserID), nil)
			if st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "body.assignee") {
				t.Fatalf("assigning %s: %d %s", who.Role, st, b)
			}
		}
		st, b = an.do("PATCH", "/api/v1/alerts/"+id, fmt.Sprintf(`{"assignee":%q}`, analyst.UserID), nil)
		if st != http.StatusOK {
			t.Fatalf("assigning an analyst: %d %s", st, b)
		}
		// Quality round-trips at the normalizer's precision (no float4
		// artefacts such as 0.16699999570846558 on PostgreSQL).
		var got struct {
			Quality float64 `json:"quality"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if scaled := got.Quality * 1000; math.Abs(scaled-math.Round(scaled)) > 1e-6 || got.Quality <= 0 {
			t.Fatalf("quality %v lost precision", got.Quality)
		}
	})
}
