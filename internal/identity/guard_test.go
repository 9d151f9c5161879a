package identity_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/humatest"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestPermissionDeniedIsAuditedProblem(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		viewer := identitytest.NewMember(t, d, org, rbac.RoleViewer)

		r := e.do("GET", "/api/v1/org/members", "", admin.Apply)
		expect(t, "admin lists members", r, 200, "")
		if n := len(r.items()); n != 2 {
			t.Fatalf("members: %d, want 2", n)
		}
		r = e.do("GET", "/api/v1/org/members", "", viewer.Apply)
		expect(t, "viewer lists members", r, 403, "permission_denied")
		if !contains(auditActions(t, d, org), "access.denied:denied") {
			t.Fatalf("denial not audited: %v", auditActions(t, d, org))
		}
		expect(t, "anonymous", e.do("GET", "/api/v1/org/members", "", nil), 401, "unauthenticated")
		expect(t, "bogus cookie", e.do("GET", "/api/v1/org/members", "", withCookie(&http.Cookie{Name: identity.SessionCookie, Value: "nope"}, org)), 401, "session_invalid")
		expect(t, "basic auth", e.do("GET", "/api/v1/org/members", "", nil, "Authorization", "Basic eDp5"), 401, "unauthenticated")
	})
}

func TestOrgSelection(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		orgA := identitytest.NewOrg(t, d, "A")
		orgB := identitytest.NewOrg(t, d, "B")
		alice := identitytest.NewMember(t, d, orgA, rbac.RoleOwner)
		identitytest.NewMember(t, d, orgB, rbac.RoleOwner)

		r := e.do("GET", "/api/v1/org/members", "", withCookie(alice.Cookie, uuid.Nil))
		expect(t, "no X-Org-ID", r, 400, "org_required")
		if errs, _ := r.Body["errors"].([]any); len(errs) == 0 || errs[0].(map[string]any)["location"] != "header.X-Org-ID" {
			t.Fatalf("problem does not name the header: %s", r.Raw)
		}
		expect(t, "malformed X-Org-ID", e.do("GET", "/api/v1/org/members", "", withCookie(alice.Cookie, uuid.Nil), identity.OrgHeader, "acme"), 400, "org_required")
		r = e.do("GET", "/api/v1/org/members", "", alice.InOrg(orgB).Apply)
		expect(t, "org not a member of", r, 403, "org_forbidden")
		if _, leaked := r.Body["items"]; leaked {
			t.Fatalf("data leaked: %s", r.Raw)
		}
		expect(t, "unknown org", e.do("GET", "/api/v1/org/members", "", alice.InOrg(uuid.Must(uuid.NewV7())).Apply), 403, "org_forbidden")

		// Switching orgs within one session is audited.
		identitytest.AddMember(t, d, orgB, alice, rbac.RoleViewer)
		expect(t, "act in A", e.do("GET", "/api/v1/org/members", "", alice.Apply), 200, "")
		expect(t, "act in B", e.do("GET", "/api/v1/org/roles", "", alice.InOrg(orgB).Apply), 403, "permission_denied")
		if !contains(auditActions(t, d, orgB), "session.org_switch:success") {
			t.Fatalf("org switch not audited: %v", auditActions(t, d, orgB))
		}
	})
}

func TestAPIKeyIsConfinedToItsOrg(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		orgA := identitytest.NewOrg(t, d, "A")
		orgB := identitytest.NewOrg(t, d, "B")
		identitytest.NewMember(t, d, orgB, rbac.RoleAnalyst)
		keyA := identitytest.NewAPIKey(t, d, orgA, rbac.AdminUsers, rbac.APIKeysManage)

		r := e.do("GET", "/api/v1/org/members", "", keyA.Apply)
		expect(t, "key lists own org", r, 200, "")
		for _, it := range r.items() {
			if it.(map[string]any)["role"] == rbac.RoleAnalyst {
				t.Fatalf("org B member visible to org A key: %s", r.Raw)
			}
		}
		expect(t, "key names org B", e.do("GET", "/api/v1/org/members", "", keyA.Apply, identity.OrgHeader, orgB.String()), 403, "org_forbidden")
		expect(t, "key lacks permission", e.do("GET", "/api/v1/org", "", keyA.Apply), 403, "permission_denied")

		// A key cannot revoke another org's key (not found, never touched).
		keyB := identitytest.NewAPIKey(t, d, orgB, rbac.AlertsRead)
		expect(t, "revoke foreign key", e.do("DELETE", "/api/v1/org/api-keys/"+keyB.ID.String(), "", keyA.Apply), 404, "not_found")
		expect(t, "foreign key still works", e.do("GET", "/api/v1/auth/me", "", keyB.Apply), 200, "")

		// Revocation and malformed keys.
		expect(t, "revoke own key", e.do("DELETE", "/api/v1/org/api-keys/"+keyA.ID.String(), "", keyA.Apply), 204, "")
		expect(t, "revoked key", e.do("GET", "/api/v1/auth/me", "", keyA.Apply), 401, "api_key_invalid")
		expect(t, "malformed key", e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Bearer snk_nope"), 401, "api_key_invalid")
		forged := keyB.Token[:len(keyB.Token)-1] + "a"
		if forged == keyB.Token {
			forged = keyB.Token[:len(keyB.Token)-1] + "b"
		}
		expect(t, "forged secret", e.do("GET", "/api/v1/auth/me", "", nil, "Authorization", "Bearer "+forged), 401, "api_key_invalid")
	})
}

func TestCrossOriginCookieRequestsAreRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "A")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		key := identitytest.NewAPIKey(t, d, org, rbac.AdminOrg, rbac.AlertsRead)
		body := `{"name":"auditor2","permissions":["alerts:read"]}`
		cross := []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}

		expect(t, "cross-origin cookie POST", e.do("POST", "/api/v1/org/roles", body, owner.Apply, cross...), 403, "cross_origin_request")
		expect(t, "cross-origin cookie POST without fetch metadata", e.do("POST", "/api/v1/org/roles", body, owner.Apply, "Sec-Fetch-Site", "", "Origin", "https://evil.example"), 403, "cross_origin_request")
		expect(t, "cross-origin login", e.do("POST", "/api/v1/auth/login", `{"email":"x@example.test","password":"whatever-long"}`, nil, cross...), 403, "cross_origin_request")
		expect(t, "same request with an API key", e.do("POST", "/api/v1/org/roles", body, key.Apply, cross...), 201, "")
		expect(t, "same-origin cookie POST", e.do("POST", "/api/v1/org/roles", `{"name":"other","permissions":["alerts:read"]}`, owner.Apply), 201, "")
		expect(t, "cross-origin cookie GET is a read", e.do("GET", "/api/v1/org/roles", "", owner.Apply, cross...), 200, "")
	})
}

func TestIPAllowlistAndPolicies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "A")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		key := identitytest.NewAPIKey(t, d, org, rbac.AdminUsers)

		expect(t, "bad CIDR", e.do("PATCH", "/api/v1/org", `{"ip_allowlist":["10.0.0.0/8","nonsense"]}`, owner.Apply), 422, "validation_failed")
		// A list without the caller's own address would lock the caller out: refused, naming the field.
		r := e.do("PATCH", "/api/v1/org", `{"ip_allowlist":["10.0.0.0/8"]}`, owner.Apply)
		expect(t, "allow 10/8 from 127.0.0.1", r, 422, "validation_failed")
		if body := r.Raw; !strings.Contains(body, `"location":"body.ip_allowlist"`) || !strings.Contains(body, "127.0.0.1") {
			t.Fatalf("lockout refusal does not name the field and address: %s", body)
		}
		expect(t, "allow 10/8 and the caller", e.do("PATCH", "/api/v1/org", `{"ip_allowlist":["10.0.0.0/8","127.0.0.1"]}`, owner.Apply), 200, "")
		expect(t, "session from 127.0.0.1 still allowed", e.do("GET", "/api/v1/org/members", "", owner.Apply), 200, "")

		// Narrowed behind the API's back (as by another admin elsewhere): callers from 127.0.0.1 are refused.
		st := identitytest.Store(t, d)
		o, err := st.Org(t.Context(), owner.Scope())
		if err != nil {
			t.Fatal(err)
		}
		pol := o.Policy
		pol.IPAllowlist = []string{"10.0.0.0/8"}
		if _, err := st.UpdateOrg(t.Context(), owner.Scope(), "", pol); err != nil {
			t.Fatal(err)
		}
		expect(t, "session from 127.0.0.1", e.do("GET", "/api/v1/org/members", "", owner.Apply), 403, "ip_not_allowed")
		expect(t, "key from 127.0.0.1", e.do("GET", "/api/v1/org/members", "", key.Apply), 403, "ip_not_allowed")

		pol.IPAllowlist = []string{"127.0.0.1/32"}
		if _, err := st.UpdateOrg(t.Context(), owner.Scope(), "", pol); err != nil {
			t.Fatal(err)
		}
		expect(t, "allowed again", e.do("GET", "/api/v1/org/members", "", owner.Apply), 200, "")

		r = e.do("PATCH", "/api/v1/org", `{"sso_enforced":true}`, owner.Apply)
		expect(t, "SSO without OIDC", r, 409, "sso_not_configured")
		r = e.do("PATCH", "/api/v1/org", `{"session_lifetime_seconds":60}`, owner.Apply)
		expect(t, "too short lifetime", r, 422, "validation_failed")
		expect(t, "lifetime 10 min", e.do("PATCH", "/api/v1/org", `{"session_lifetime_seconds":600}`, owner.Apply), 200, "")
		e.clock.Advance(11 * 60e9)
		expect(t, "session older than org lifetime", e.do("GET", "/api/v1/org/members", "", owner.Apply), 401, "session_expired")
	})
}

func TestIdentityOperationsAreDeclaredWithCatalogPermissions(t *testing.T) {
	d := testdb.Open(t, db.SQLite)
	p := identitytest.NewPlatform(t, d)
	if u := httpapi.UndeclaredOperations(p.Server.API); len(u) != 0 {
		t.Fatalf("undeclared operations: %v", u)
	}
	for path, item := range p.Server.API.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			perm, public, _ := httpapi.Permission(op)
			if !public && perm != "" && !perm.Valid() {
				t.Errorf("%s %s requires %q, not in the rbac catalog", op.Method, path, perm)
			}
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s %s lacks id, summary or tags", op.Method, path)
			}
		}
	}
}

func TestGuardWorksUnderHumatest(t *testing.T) {
	d := testdb.Open(t, db.SQLite)
	org := identitytest.NewOrg(t, d, "A")
	key := identitytest.NewAPIKey(t, d, org, rbac.AlertsRead)
	_, svc := identitytest.NewService(t, d, identitytest.Config(t, ""))
	_, api := humatest.New(t)
	api.UseMiddleware(func(hctx huma.Context, next func(huma.Context)) {
		ctx, err := svc.Guard(hctx, hctx.Operation())
		if err != nil {
			hctx.SetStatus(apperrStatus(err))
			return
		}
		next(huma.WithContext(hctx, ctx))
	})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "probe", Method: "GET", Path: "/probe"}, rbac.AlertsRead),
		func(ctx context.Context, _ *struct{}) (*struct{ Body string }, error) {
			p, ok := identity.PrincipalFrom(ctx)
			if !ok || p.OrgID != org {
				t.Errorf("principal: %+v", p)
			}
			return &struct{ Body string }{Body: "ok"}, nil
		})
	if resp := api.Get("/probe", "Authorization: Bearer "+key.Token); resp.Code != 200 {
		t.Fatalf("humatest with key: %d %s", resp.Code, resp.Body)
	}
	if resp := api.Get("/probe"); resp.Code != 401 {
		t.Fatalf("humatest without key: %d", resp.Code)
	}
}

func apperrStatus(err error) int { return apperr.As(err).Status() }
