package identity_test

import (
	"context"
	"testing"

	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestDefinerFunctionsWithUnprivilegedOwner runs the migrations as an
// ordinary (non-superuser, no BYPASSRLS) database owner, as a hardened
// production deployment would, and checks that the cross-org lookups the
// SECURITY DEFINER functions serve still work for the app role under
// forced RLS, while plain queries stay confined.
func TestDefinerFunctionsWithUnprivilegedOwner(t *testing.T) {
	ctx := context.Background()
	d, _ := testdb.UnprivilegedOwner(t)

	e := newEnv(t, d)
	orgA := identitytest.NewOrg(t, d, "A")
	orgB := identitytest.NewOrg(t, d, "B")
	m := identitytest.NewMember(t, d, orgA, rbac.RoleOwner)
	identitytest.AddMember(t, d, orgB, m, rbac.RoleViewer)
	key := identitytest.NewAPIKey(t, d, orgB, rbac.AdminUsers)

	orgs, err := e.svc.Store.UserOrgs(ctx, m.UserID)
	if err != nil || len(orgs) != 2 {
		t.Fatalf("identity_user_orgs as an unprivileged owner: %v %v", orgs, err)
	}
	expect(t, "API key lookup", e.do("GET", "/api/v1/org/members", "", key.Apply), 200, "")
	r := e.do("POST", "/api/v1/org/invitations", `{"email":"late@a.example","role":"viewer"}`, m.Apply)
	expect(t, "invite", r, 201, "")
	expect(t, "accept", e.do("POST", "/api/v1/invitations/accept", `{"token":"`+r.Body["token"].(string)+`","name":"L","password":"a-long-new-password"}`, nil), 200, "")
	if _, err := e.svc.Store.Prune(ctx, e.clock.Now()); err != nil {
		t.Fatalf("prune as an unprivileged owner: %v", err)
	}
	// The app role still sees nothing unarmed.
	var n int
	if err := d.Reader.QueryRow("SELECT count(*) FROM memberships").Scan(&n); err != nil || n != 0 {
		t.Fatalf("unarmed memberships: %d %v", n, err)
	}
}
