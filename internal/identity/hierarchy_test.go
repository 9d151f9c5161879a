package identity_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Holding admin:users (or admin:org) does not let a member demote or remove
// members, or rewrite roles, that hold permissions the member lacks.
func TestMembersCannotManageMorePowerfulMembers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		identitytest.NewMember(t, d, org, rbac.RoleOwner)
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		hrRole := identitytest.NewRole(t, d, org, "hr", rbac.AdminUsers, rbac.AlertsRead, rbac.IncidentsRead, rbac.PlaybooksRead, rbac.ComplianceRead, rbac.IntelRead)
		settingsRole := identitytest.NewRole(t, d, org, "settings", rbac.AdminOrg, rbac.AlertsRead)
		identitytest.NewRole(t, d, org, "powerful", rbac.AdminOrg, rbac.AdminUsers, rbac.AuditRead)
		hr := identitytest.NewMember(t, d, org, hrRole)
		settings := identitytest.NewMember(t, d, org, settingsRole)
		viewer := identitytest.NewMember(t, d, org, rbac.RoleViewer)

		expect(t, "hr demotes an admin", e.do("PATCH", "/api/v1/org/members/"+admin.UserID.String(), `{"role":"viewer"}`, hr.Apply), 403, "permission_denied")
		expect(t, "hr removes an admin", e.do("DELETE", "/api/v1/org/members/"+admin.UserID.String(), "", hr.Apply), 403, "permission_denied")
		expect(t, "admin still in office", e.do("GET", "/api/v1/org", "", admin.Apply), 200, "")

		var roleID string
		r := e.do("GET", "/api/v1/org/roles", "", admin.Apply)
		for _, it := range r.items() {
			if m := it.(map[string]any); m["name"] == "powerful" {
				roleID, _ = m["id"].(string)
			}
		}
		if roleID == "" {
			t.Fatalf("no role id: %s", r.Raw)
		}
		expect(t, "settings strips a stronger role", e.do("PUT", "/api/v1/org/roles/"+roleID, `{"permissions":["alerts:read"]}`, settings.Apply), 403, "permission_denied")

		// Positive controls: within one's own permissions it works.
		expect(t, "hr removes a viewer", e.do("DELETE", "/api/v1/org/members/"+viewer.UserID.String(), "", hr.Apply), 204, "")
		expect(t, "admin rewrites the role", e.do("PUT", "/api/v1/org/roles/"+roleID, `{"permissions":["audit:read"]}`, admin.Apply), 200, "")
		expect(t, "admin demotes hr", e.do("PATCH", "/api/v1/org/members/"+hr.UserID.String(), `{"role":"viewer"}`, admin.Apply), 200, "")
	})
}

// Two owners demoting each other at the same moment must not leave the
// org without an owner: the owner count is taken under a lock.
func TestLastOwnerRuleHoldsUnderConcurrency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		st := identitytest.Store(t, d)
		ctx := context.Background()
		for i := range 15 {
			org := identitytest.NewOrg(t, d, fmt.Sprintf("Race %d", i))
			x := identitytest.NewMember(t, d, org, rbac.RoleOwner)
			y := identitytest.NewMember(t, d, org, rbac.RoleOwner)
			px := identity.Principal{Kind: identity.KindUser, UserID: x.UserID, OrgID: org, Role: rbac.RoleOwner, Permissions: rbac.NewSet(rbac.All...)}
			py := identity.Principal{Kind: identity.KindUser, UserID: y.UserID, OrgID: org, Role: rbac.RoleOwner, Permissions: rbac.NewSet(rbac.All...)}
			start := make(chan struct{})
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Go(func() {
				<-start
				_, errs[0] = st.SetRole(ctx, x.Scope(), px, y.UserID, rbac.RoleAdmin)
			})
			wg.Go(func() {
				<-start
				_, errs[1] = st.SetRole(ctx, y.Scope(), py, x.UserID, rbac.RoleAdmin)
			})
			close(start)
			wg.Wait()
			owners := 0
			for _, m := range []identitytest.Member{x, y} {
				got, err := st.Member(ctx, m.Scope(), m.UserID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Role == rbac.RoleOwner {
					owners++
				}
			}
			if owners == 0 {
				t.Fatalf("round %d: both owners demoted each other (errors %v)", i, errs)
			}
			for _, err := range errs {
				if err != nil && !apperr.Is(err, apperr.KindConflict) {
					t.Fatalf("round %d: %v", i, err)
				}
			}
		}
	})
}

// An invitation carries its creator's authority: once the creator has left
// the org or been demoted below the invited role, it can no longer be
// accepted (a departing admin cannot keep a way back in).
func TestInvitationLapsesWithItsCreatorsAuthority(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		leaver := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		invite := func(by identitytest.Member, email, role string) string {
			t.Helper()
			r := e.do("POST", "/api/v1/org/invitations", fmt.Sprintf(`{"email":%q,"role":%q}`, email, role), by.Apply)
			expect(t, "invite "+email, r, 201, "")
			return r.Body["token"].(string)
		}
		accept := func(token string) response {
			return e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"name":"N","password":"a-long-new-password"}`, token), nil)
		}
		altEgo := invite(admin, "alt.ego@elsewhere.example", rbac.RoleAdmin)
		analystInv := invite(admin, "analyst.hire@elsewhere.example", rbac.RoleAnalyst)
		backdoor := invite(leaver, "backdoor@elsewhere.example", rbac.RoleViewer)
		kept := invite(owner, "kept@elsewhere.example", rbac.RoleViewer)

		expect(t, "demote the admin", e.do("PATCH", "/api/v1/org/members/"+admin.UserID.String(), `{"role":"analyst"}`, owner.Apply), 200, "")
		expect(t, "admin invitation after its creator's demotion", accept(altEgo), 404, "invitation_invalid")
		expect(t, "analyst invitation, still within the creator's role", accept(analystInv), 200, "")

		expect(t, "remove the leaver", e.do("DELETE", "/api/v1/org/members/"+leaver.UserID.String(), "", owner.Apply), 204, "")
		expect(t, "invitation of a removed member", accept(backdoor), 404, "invitation_invalid")
		expect(t, "owner's invitation", accept(kept), 200, "")
	})
}

// A custom role being assigned while it is deleted must not leave a member
// holding a role that no longer exists (which a later role of the same name
// would silently fill).
func TestRoleInUseCannotBeDeletedConcurrently(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		st := identitytest.Store(t, d)
		ctx := context.Background()
		org := identitytest.NewOrg(t, d, "Acme")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		po := identity.Principal{Kind: identity.KindUser, UserID: owner.UserID, OrgID: org, Role: rbac.RoleOwner, Permissions: rbac.NewSet(rbac.All...)}
		for i := range 15 {
			m := identitytest.NewMember(t, d, org, rbac.RoleViewer)
			name := fmt.Sprintf("triage-%d", i)
			r, err := st.CreateRole(ctx, owner.Scope(), po.Permissions, name, "", []string{string(rbac.AlertsRead)})
			if err != nil {
				t.Fatal(err)
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				<-start
				_, _ = st.SetRole(ctx, owner.Scope(), po, m.UserID, name)
			})
			wg.Go(func() {
				<-start
				_ = st.DeleteRole(ctx, owner.Scope(), r.ID)
			})
			close(start)
			wg.Wait()
			got, err := st.Member(ctx, owner.Scope(), m.UserID)
			if err != nil {
				t.Fatal(err)
			}
			roles, err := st.ListRoles(ctx, owner.Scope())
			if err != nil {
				t.Fatal(err)
			}
			exists := false
			for _, x := range roles {
				exists = exists || x.Name == name
			}
			if got.Role == name && !exists {
				t.Fatalf("round %d: member holds role %q, which was deleted", i, name)
			}
		}
	})
}
