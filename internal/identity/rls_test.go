package identity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// orgTables are the org-scoped identity tables.
var orgTables = []string{"memberships", "roles", "api_keys", "invitations", "oidc_configs"}

// TestRowLevelSecurity proves the second wall: as the application role, a
// raw query without any org filter inside an InOrg transaction for org A
// sees none of org B's rows, an unarmed transaction sees nothing, and a
// write into org B from org A's transaction is refused.
func TestRowLevelSecurity(t *testing.T) {
	d := testdb.Open(t, db.Postgres)
	ctx := context.Background()
	e := newEnv(t, d)
	seed := func(name string) (uuid.UUID, identitytest.Member) {
		org := identitytest.NewOrg(t, d, name)
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		identitytest.NewRole(t, d, org, "triage", rbac.AlertsRead)
		identitytest.NewAPIKey(t, d, org, rbac.AlertsRead)
		expect(t, "invite", e.do("POST", "/api/v1/org/invitations", `{"email":"new@`+strings.ToLower(name)+`.example","role":"viewer"}`, owner.Apply), 201, "")
		expect(t, "oidc", e.do("PUT", "/api/v1/org/oidc", `{"issuer":"https://idp.example","client_id":"c","client_secret":"s","allowed_domains":["x.example"],"enabled":false}`, owner.Apply), 200, "")
		return org, owner
	}
	orgA, ownerA := seed("A")
	orgB, _ := seed("B")

	var role string
	if err := d.Writer.QueryRowContext(ctx, "SELECT current_user").Scan(&role); err != nil || role != "securenexus_app" {
		t.Fatalf("not running as the app role: %q %v", role, err)
	}
	for _, table := range orgTables {
		err := d.InOrg(ctx, ownerA.Scope(), func(ctx context.Context, tx *db.Tx) error {
			var total, foreign int
			if err := tx.QueryRowContext(ctx, "SELECT count(*), count(*) FILTER (WHERE org_id <> $1) FROM "+table, orgA.String()).Scan(&total, &foreign); err != nil {
				return err
			}
			if total == 0 || foreign != 0 {
				t.Errorf("%s in org A's transaction: %d rows, %d of another org", table, total, foreign)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		err = d.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("%s visible without an org armed: %d rows", table, n)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s unarmed: %v", table, err)
		}
	}
	// A write for org B inside org A's transaction violates the policy.
	err := d.InOrg(ctx, ownerA.Scope(), func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO roles (id, org_id, name, permissions, created_at, updated_at) VALUES ($1, $2, 'sneaky', '["alerts:read"]', now(), now())`,
			uuid.Must(uuid.NewV7()).String(), orgB.String())
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("cross-org insert: %v", err)
	}
	// Moving a row to another org is refused too.
	err = d.InOrg(ctx, ownerA.Scope(), func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE roles SET org_id = $1`, orgB.String())
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("cross-org update: %v", err)
	}
	// The definer functions stay correct under RLS and cross orgs only as
	// far as their key allows.
	identitytest.AddMember(t, d, orgB, ownerA, rbac.RoleViewer)
	orgs, err := e.svc.Store.UserOrgs(ctx, ownerA.UserID)
	if err != nil || len(orgs) != 2 {
		t.Fatalf("user orgs under RLS: %v %v", orgs, err)
	}
	// Every org-scoped table has RLS enabled and forced.
	for _, table := range orgTables {
		var enabled, forced bool
		if err := d.Writer.QueryRowContext(ctx, "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = $1", table).Scan(&enabled, &forced); err != nil {
			t.Fatal(err)
		}
		if !enabled || !forced {
			t.Errorf("%s: rls enabled=%v forced=%v", table, enabled, forced)
		}
	}
}
