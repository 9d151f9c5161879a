package identity_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestCreateOrgMakesOwner(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		u := identitytest.NewUser(t, d)
		r := e.do("POST", "/api/v1/auth/login", loginBody(u.Email, u.Password), nil)
		expect(t, "login", r, 200, "")
		c := r.cookie(identity.SessionCookie)
		expect(t, "blank name", e.do("POST", "/api/v1/orgs", `{"name":""}`, withCookie(c, uuid.Nil)), 422, "validation_failed")
		r = e.do("POST", "/api/v1/orgs", `{"name":"Initech"}`, withCookie(c, uuid.Nil))
		expect(t, "create org", r, 201, "")
		org := uuid.MustParse(r.Body["id"].(string))
		r = e.do("GET", "/api/v1/org", "", withCookie(c, org))
		expect(t, "get org", r, 200, "")
		if r.Body["name"] != "Initech" {
			t.Fatalf("org: %s", r.Raw)
		}
		expect(t, "rename", e.do("PATCH", "/api/v1/org", `{"name":"Initech SOC"}`, withCookie(c, org)), 200, "")
		me := e.do("GET", "/api/v1/auth/me", "", withCookie(c, uuid.Nil))
		if !strings.Contains(me.Raw, `"role":"owner"`) || !strings.Contains(me.Raw, "Initech SOC") {
			t.Fatalf("me: %s", me.Raw)
		}
		if !contains(auditActions(t, d, org), "org.create:success") || !contains(auditActions(t, d, org), "org.update:success") {
			t.Fatalf("org mutations not audited: %v", auditActions(t, d, org))
		}
		key := identitytest.NewAPIKey(t, d, org, rbac.AdminOrg)
		expect(t, "API key cannot create orgs", e.do("POST", "/api/v1/orgs", `{"name":"X"}`, key.Apply), 403, "user_required")
		// MFA policy needs the admin's own MFA.
		plain := e.do("POST", "/api/v1/auth/login", loginBody(u.Email, u.Password), nil).cookie(identity.SessionCookie)
		expect(t, "require MFA without own MFA", e.do("PATCH", "/api/v1/org", `{"mfa_required":true}`, withCookie(plain, org)), 409, "mfa_required_self")
	})
}

func TestMembersRolesAndInvitations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		analyst := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)

		// Custom roles: validated, no escalation, usable.
		expect(t, "unknown permission", e.do("POST", "/api/v1/org/roles", `{"name":"triage","permissions":["alerts:read","root:all"]}`, admin.Apply), 422, "validation_failed")
		expect(t, "built-in name", e.do("POST", "/api/v1/org/roles", `{"name":"admin","permissions":["alerts:read"]}`, admin.Apply), 422, "validation_failed")
		r := e.do("POST", "/api/v1/org/roles", `{"name":"triage","description":"Tier 1","permissions":["alerts:read","alerts:write","admin:users"]}`, admin.Apply)
		expect(t, "create role", r, 201, "")
		roleID := r.Body["id"].(string)
		expect(t, "duplicate role", e.do("POST", "/api/v1/org/roles", `{"name":"triage","permissions":["alerts:read"]}`, admin.Apply), 409, "conflict")
		r = e.do("GET", "/api/v1/org/roles", "", admin.Apply)
		expect(t, "list roles", r, 200, "")
		if len(r.items()) != len(rbac.BuiltIns())+1 {
			t.Fatalf("roles: %s", r.Raw)
		}
		expect(t, "assign custom role", e.do("PATCH", "/api/v1/org/members/"+analyst.UserID.String(), `{"role":"triage"}`, admin.Apply), 200, "")
		expect(t, "custom role grants admin:users", e.do("GET", "/api/v1/org/members", "", analyst.Apply), 200, "")
		expect(t, "custom role lacks admin:org", e.do("GET", "/api/v1/org", "", analyst.Apply), 403, "permission_denied")
		expect(t, "role in use", e.do("DELETE", "/api/v1/org/roles/"+roleID, "", admin.Apply), 409, "conflict")
		expect(t, "update role", e.do("PUT", "/api/v1/org/roles/"+roleID, `{"permissions":["alerts:read"]}`, admin.Apply), 200, "")
		expect(t, "updated role applies", e.do("GET", "/api/v1/org/members", "", analyst.Apply), 403, "permission_denied")
		expect(t, "unknown role", e.do("PATCH", "/api/v1/org/members/"+analyst.UserID.String(), `{"role":"wizard"}`, admin.Apply), 422, "validation_failed")

		// Owners are protected.
		expect(t, "admin cannot make owners", e.do("PATCH", "/api/v1/org/members/"+analyst.UserID.String(), `{"role":"owner"}`, admin.Apply), 403, "permission_denied")
		expect(t, "admin cannot demote owner", e.do("PATCH", "/api/v1/org/members/"+owner.UserID.String(), `{"role":"viewer"}`, admin.Apply), 403, "permission_denied")
		expect(t, "last owner", e.do("PATCH", "/api/v1/org/members/"+owner.UserID.String(), `{"role":"admin"}`, owner.Apply), 409, "last_owner")
		expect(t, "remove last owner", e.do("DELETE", "/api/v1/org/members/"+owner.UserID.String(), "", owner.Apply), 409, "last_owner")

		// Pagination over members.
		var seen []string
		cursor := ""
		for range 10 {
			r = e.do("GET", "/api/v1/org/members?limit=2&cursor="+cursor, "", admin.Apply)
			expect(t, "page", r, 200, "")
			for _, it := range r.items() {
				seen = append(seen, it.(map[string]any)["user_id"].(string))
			}
			cursor, _ = r.Body["next_cursor"].(string)
			if cursor == "" {
				break
			}
		}
		if len(seen) != 3 {
			t.Fatalf("paged members: %v", seen)
		}
		expect(t, "limit too large", e.do("GET", "/api/v1/org/members?limit=1000", "", admin.Apply), 422, "validation_failed")

		// Invitations: create, accept (new account), single use, expiry.
		r = e.do("POST", "/api/v1/org/invitations", `{"email":"New.Hire@Acme.example","role":"responder"}`, admin.Apply)
		expect(t, "invite", r, 201, "")
		token := r.Body["token"].(string)
		if !strings.Contains(r.Body["accept_url"].(string), token) {
			t.Fatalf("accept url: %s", r.Raw)
		}
		expect(t, "invite existing member", e.do("POST", "/api/v1/org/invitations", fmt.Sprintf(`{"email":%q,"role":"viewer"}`, analyst.Email), admin.Apply), 409, "conflict")
		expect(t, "admin cannot invite owners", e.do("POST", "/api/v1/org/invitations", `{"email":"boss@acme.example","role":"owner"}`, admin.Apply), 403, "permission_denied")
		expect(t, "accept without password", e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q}`, token), nil), 422, "validation_failed")
		r = e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"name":"New Hire","password":"a-long-new-password"}`, token), nil)
		expect(t, "accept", r, 200, "")
		if r.Body["role"] != rbac.RoleResponder {
			t.Fatalf("accepted: %s", r.Raw)
		}
		expect(t, "accept twice", e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"name":"X","password":"a-long-new-password"}`, token), nil), 404, "invitation_invalid")
		r = e.do("POST", "/api/v1/auth/login", loginBody("new.hire@acme.example", "a-long-new-password"), nil)
		expect(t, "invited user logs in", r, 200, "")
		if !strings.Contains(r.Raw, `"role":"responder"`) {
			t.Fatalf("me: %s", r.Raw)
		}

		// Existing account: must prove it.
		org2 := identitytest.NewOrg(t, d, "Globex")
		owner2 := identitytest.NewMember(t, d, org2, rbac.RoleOwner)
		r = e.do("POST", "/api/v1/org/invitations", fmt.Sprintf(`{"email":%q,"role":"viewer","expires_in_hours":1}`, analyst.Email), owner2.Apply)
		expect(t, "invite existing user", r, 201, "")
		tok2 := r.Body["token"].(string)
		expect(t, "link without proof", e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"password":"not-their-password"}`, tok2), nil), 401, "invalid_credentials")
		expect(t, "link with password", e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"password":%q}`, tok2, analyst.Password), nil), 200, "")

		r = e.do("POST", "/api/v1/org/invitations", `{"email":"late@globex.example","role":"viewer","expires_in_hours":1}`, owner2.Apply)
		tok3 := r.Body["token"].(string)
		e.clock.Advance(time.Hour + time.Second)
		expect(t, "expired invitation", e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"name":"L","password":"a-long-new-password"}`, tok3), nil), 404, "invitation_invalid")
		r = e.do("GET", "/api/v1/org/invitations", "", owner2.Apply)
		expect(t, "list invitations", r, 200, "")
		if len(r.items()) != 2 {
			t.Fatalf("invitations: %s", r.Raw)
		}
		if n, err := e.svc.Store.Prune(t.Context(), e.clock.Now()); err != nil || n == 0 {
			t.Fatalf("prune invitations: %d %v", n, err)
		}

		// Removing a member revokes the API keys they created there.
		r = e.do("POST", "/api/v1/org/api-keys", `{"name":"ci","permissions":["alerts:read"]}`, admin.Apply)
		expect(t, "admin key", r, 201, "")
		adminKey := r.Body["token"].(string)
		expect(t, "remove admin", e.do("DELETE", "/api/v1/org/members/"+admin.UserID.String(), "", owner.Apply), 204, "")
		expect(t, "removed admin's key", e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Bearer "+adminKey), 401, "api_key_invalid")
		expect(t, "removed admin's session", e.do("GET", "/api/v1/org/members", "", admin.Apply), 403, "org_forbidden")
		for _, a := range []string{"role.create:success", "role.update:success", "member.role_change:success", "invitation.create:success", "member.remove:success", "apikey.create:success"} {
			if !contains(auditActions(t, d, org), a) {
				t.Errorf("not audited: %s in %v", a, auditActions(t, d, org))
			}
		}
	})
}

func TestAPIKeys(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		custom := identitytest.NewRole(t, d, org, "keysmith", rbac.APIKeysManage, rbac.AlertsRead)
		smith := identitytest.NewMember(t, d, org, custom)

		expect(t, "escalation", e.do("POST", "/api/v1/org/api-keys", `{"name":"k","permissions":["admin:org"]}`, smith.Apply), 403, "forbidden")
		expect(t, "unknown permission", e.do("POST", "/api/v1/org/api-keys", `{"name":"k","permissions":["alerts:nuke"]}`, smith.Apply), 422, "validation_failed")
		expect(t, "expired at birth", e.do("POST", "/api/v1/org/api-keys", `{"name":"k","permissions":["alerts:read"],"expires_at":"2001-01-01T00:00:00Z"}`, smith.Apply), 422, "validation_failed")
		exp := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
		r := e.do("POST", "/api/v1/org/api-keys", `{"name":"ingest","permissions":["alerts:read","admin:users"],"expires_at":"`+exp+`"}`, admin.Apply)
		expect(t, "create", r, 201, "")
		token, prefix := r.Body["token"].(string), r.Body["prefix"].(string)
		if !strings.HasPrefix(token, "snk_"+prefix+"_") {
			t.Fatalf("key format: %s / %s", token, prefix)
		}
		if p, ok := identity.ParseAPIKey(token); !ok || p != prefix {
			t.Fatalf("parse: %q %v", p, ok)
		}
		bearer := []string{"Authorization", "Bearer " + token}
		expect(t, "use key", e.do("GET", "/api/v1/org/members", "", nil, bearer...), 200, "")
		expect(t, "key outside its permissions", e.do("GET", "/api/v1/org/api-keys", "", nil, bearer...), 403, "permission_denied")
		r = e.do("GET", "/api/v1/org/api-keys", "", admin.Apply)
		expect(t, "list", r, 200, "")
		if strings.Contains(r.Raw, token) || !strings.Contains(r.Raw, `"last_used_at"`) {
			t.Fatalf("listing leaks the token or lacks last use: %s", r.Raw)
		}
		r = e.do("POST", "/api/v1/org/api-keys", `{"name":"k2","permissions":["alerts:read"]}`, nil, bearer...)
		expect(t, "keys cannot mint keys", r, 403, "permission_denied")
		e.clock.Advance(time.Hour + time.Second)
		expect(t, "expired key", e.do("GET", "/api/v1/org/members", "", nil, bearer...), 401, "api_key_invalid")
	})
}

func TestDemoDataIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		for run := range 2 {
			created, err := e.svc.LoadDemo(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if created != (run == 0) {
				t.Fatalf("demo run %d: created = %v", run+1, created)
			}
		}
		r := e.do("POST", "/api/v1/auth/login", loginBody("admin@acme.example", identity.DemoPassword), nil)
		expect(t, "demo admin login", r, 200, "")
		if orgs := r.Body["orgs"].([]any); len(orgs) != 2 {
			t.Fatalf("demo admin orgs: %s", r.Raw)
		}
		r = e.do("POST", "/api/v1/auth/login", loginBody("analyst@acme.example", identity.DemoPassword), nil)
		expect(t, "demo analyst login", r, 200, "")
		var n int
		if err := d.Reader.QueryRow("SELECT count(*) FROM orgs").Scan(&n); err != nil || n != 2 {
			t.Fatalf("orgs after two loads: %d %v", n, err)
		}
	})
}

func TestAPIKeyFollowsItsCreatorsRole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		r := e.do("POST", "/api/v1/org/api-keys", `{"name":"k","permissions":["admin:users","alerts:read"]}`, admin.Apply)
		expect(t, "create", r, 201, "")
		bearer := []string{"Authorization", "Bearer " + r.Body["token"].(string)}
		expect(t, "key as admin", e.do("GET", "/api/v1/org/members", "", nil, bearer...), 200, "")
		expect(t, "demote creator", e.do("PATCH", "/api/v1/org/members/"+admin.UserID.String(), `{"role":"viewer"}`, owner.Apply), 200, "")
		expect(t, "key after demotion", e.do("GET", "/api/v1/org/members", "", nil, bearer...), 403, "permission_denied")
		r = e.do("GET", "/api/v1/auth/me", "", nil, bearer...)
		expect(t, "key me", r, 200, "")
		if perms := r.Body["orgs"].([]any)[0].(map[string]any)["permissions"].([]any); len(perms) != 1 || perms[0] != "alerts:read" {
			t.Fatalf("narrowed permissions: %s", r.Raw)
		}
	})
}
