package identity_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/securenexus/securenexus/internal/db"
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
	admin, err := pgx.Connect(ctx, testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(ctx) }()
	var b [5]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	role, name := "sn_owner_"+suffix, "sn_test_owner_"+suffix
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
		"CREATE DATABASE " + name + " OWNER " + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// The app role exists cluster-wide once any test database was migrated.
	_, _ = admin.Exec(ctx, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'securenexus_app') THEN CREATE ROLE securenexus_app NOLOGIN; END IF; END $$")
	if _, err := admin.Exec(ctx, "GRANT securenexus_app TO "+role); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testdb.AdminURL())
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_, _ = c.Exec(context.Background(), "DROP OWNED BY "+role)
		_, _ = c.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	u, err := url.Parse(testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	u.Path = "/" + name
	owner, err := db.Open(ctx, db.Options{URL: u.String(), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = owner.Close() }()
	if err := testdb.MigrateAll(ctx, owner); err != nil {
		t.Fatalf("migrations as an unprivileged database owner: %v", err)
	}
	d, err := db.Open(ctx, db.Options{URL: u.String(), MaxConns: 4, AppRole: "securenexus_app"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()

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
