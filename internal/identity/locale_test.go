package identity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// meOrg returns the org object of get-me for org id.
func meOrg(t *testing.T, r response, id string) map[string]any {
	t.Helper()
	orgs, _ := r.Body["orgs"].([]any)
	for _, o := range orgs {
		if m, _ := o.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("org %s not in me: %s", id, r.Raw)
	return nil
}

func TestLocaleOrgDefaultAndUserOverride(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		other := identitytest.NewOrg(t, d, "Globex")
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		analyst := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		outsider := identitytest.NewMember(t, d, other, rbac.RoleAdmin)

		// Defaults: the org is UTC/en, the user follows it.
		me := e.do("GET", "/api/v1/auth/me", "", analyst.Apply)
		expect(t, "me", me, 200, "")
		if o := meOrg(t, me, org.String()); o["timezone"] != "UTC" || o["language"] != "en" {
			t.Fatalf("default org locale: %v", o)
		}
		if u, _ := me.Body["user"].(map[string]any); u["timezone"] != "" || u["language"] != "" {
			t.Fatalf("default user locale: %v", u)
		}

		// Only admins set the org default; bad input names the field.
		expect(t, "analyst sets org locale", e.do("PUT", "/api/v1/org/locale", `{"timezone":"Europe/Berlin","language":"de"}`, analyst.Apply), 403, "")
		r := e.do("PUT", "/api/v1/org/locale", `{"timezone":"Mars/Olympus","language":"de"}`, admin.Apply)
		expect(t, "bad zone", r, 422, "validation_failed")
		if !strings.Contains(r.Raw, "body.timezone") {
			t.Fatalf("bad zone names no field: %s", r.Raw)
		}
		r = e.do("PUT", "/api/v1/org/locale", `{"timezone":"Local","language":"de"}`, admin.Apply)
		expect(t, "Local zone", r, 422, "validation_failed")
		r = e.do("PUT", "/api/v1/org/locale", `{"timezone":"Europe/Berlin","language":"fr"}`, admin.Apply)
		expect(t, "unsupported language", r, 422, "validation_failed")
		if !strings.Contains(r.Raw, "body.language") {
			t.Fatalf("bad language names no field: %s", r.Raw)
		}
		expect(t, "org default needs both", e.do("PUT", "/api/v1/org/locale", `{"timezone":"","language":"de"}`, admin.Apply), 422, "validation_failed")
		expect(t, "set org locale", e.do("PUT", "/api/v1/org/locale", `{"timezone":"Europe/Berlin","language":"de"}`, admin.Apply), 200, "")
		r = e.do("GET", "/api/v1/org/locale", "", admin.Apply)
		expect(t, "get org locale", r, 200, "")
		if r.Body["timezone"] != "Europe/Berlin" || r.Body["language"] != "de" {
			t.Fatalf("org locale: %s", r.Raw)
		}
		if !contains(auditActions(t, d, org), "org.locale:success") {
			t.Fatalf("org locale not audited: %v", auditActions(t, d, org))
		}
		if o := meOrg(t, e.do("GET", "/api/v1/auth/me", "", analyst.Apply), org.String()); o["timezone"] != "Europe/Berlin" || o["language"] != "de" {
			t.Fatalf("me after org locale: %v", o)
		}

		// Tenant isolation: the other org is untouched, and an admin of it
		// cannot set this org's locale.
		if l, err := identitytest.Store(t, d).OrgLocale(context.Background(), outsider.Scope()); err != nil || l.Timezone != "UTC" || l.Language != "en" {
			t.Fatalf("other org locale changed: %+v %v", l, err)
		}
		expect(t, "cross-tenant set", e.do("PUT", "/api/v1/org/locale", `{"timezone":"Asia/Tokyo","language":"en"}`, outsider.InOrg(org).Apply), 403, "")
		if l, _ := identitytest.Store(t, d).OrgLocale(context.Background(), admin.Scope()); l.Timezone != "Europe/Berlin" {
			t.Fatalf("cross-tenant write went through: %+v", l)
		}

		// A user override, and clearing it.
		expect(t, "user bad zone", e.do("PUT", "/api/v1/auth/preferences", `{"timezone":"nowhere","language":""}`, analyst.Apply), 422, "validation_failed")
		expect(t, "user set", e.do("PUT", "/api/v1/auth/preferences", `{"timezone":"America/New_York","language":"en"}`, analyst.Apply), 200, "")
		r = e.do("GET", "/api/v1/auth/preferences", "", analyst.Apply)
		if r.Body["timezone"] != "America/New_York" || r.Body["language"] != "en" {
			t.Fatalf("user prefs: %s", r.Raw)
		}
		if u, _ := e.do("GET", "/api/v1/auth/me", "", analyst.Apply).Body["user"].(map[string]any); u["timezone"] != "America/New_York" {
			t.Fatalf("me user tz: %v", u)
		}
		// The override is the analyst's own: the admin still follows the org.
		if r := e.do("GET", "/api/v1/auth/preferences", "", admin.Apply); r.Body["timezone"] != "" {
			t.Fatalf("admin prefs changed: %s", r.Raw)
		}
		expect(t, "user clear", e.do("PUT", "/api/v1/auth/preferences", `{"timezone":"","language":""}`, analyst.Apply), 200, "")
		if r := e.do("GET", "/api/v1/auth/preferences", "", analyst.Apply); r.Body["timezone"] != "" || r.Body["language"] != "" {
			t.Fatalf("cleared prefs: %s", r.Raw)
		}
		key := identitytest.NewAPIKey(t, d, org, rbac.AdminOrg)
		expect(t, "API key has no preferences", e.do("PUT", "/api/v1/auth/preferences", `{"timezone":"UTC","language":"en"}`, key.Apply), 403, "user_required")
		if r := e.do("GET", "/api/v1/auth/me", "", key.Apply); meOrg(t, r, org.String())["timezone"] != "Europe/Berlin" {
			t.Fatalf("API key me: %s", r.Raw)
		}

		loc, err := identitytest.Store(t, d).OrgZone(context.Background(), admin.Scope())
		if err != nil || loc.String() != "Europe/Berlin" {
			t.Fatalf("org zone: %v %v", loc, err)
		}
	})
}
