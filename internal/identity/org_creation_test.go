package identity_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Org creation is a platform setting: capped by default (a user may own a
// few orgs), open, or platform administrators only.
func TestOrgCreationSetting(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		if e.svc.Config.OrgCreation != config.OrgCreationCapped || e.svc.Config.OrgCreationMax != 3 {
			t.Fatalf("default org creation %q max %d, want capped at 3", e.svc.Config.OrgCreation, e.svc.Config.OrgCreationMax)
		}
		u := identitytest.NewUser(t, d)
		c := e.do("POST", "/api/v1/auth/login", loginBody(u.Email, u.Password), nil).cookie(identity.SessionCookie)
		create := func(i int) response {
			return e.do("POST", "/api/v1/orgs", fmt.Sprintf(`{"name":"Org %d"}`, i), withCookie(c, uuid.Nil))
		}
		for i := range 3 {
			expect(t, "create within the cap", create(i), 201, "")
		}
		expect(t, "over the cap", create(3), 403, "org_creation_limit")

		e.svc.Config.OrgCreation = config.OrgCreationAdmins
		other := identitytest.NewUser(t, d)
		oc := e.do("POST", "/api/v1/auth/login", loginBody(other.Email, other.Password), nil).cookie(identity.SessionCookie)
		expect(t, "admins only", e.do("POST", "/api/v1/orgs", `{"name":"X"}`, withCookie(oc, uuid.Nil)), 403, "org_creation_restricted")
		e.svc.Config.PlatformAdmins = "ops@example.test, " + other.Email
		expect(t, "platform admin", e.do("POST", "/api/v1/orgs", `{"name":"X"}`, withCookie(oc, uuid.Nil)), 201, "")

		e.svc.Config.OrgCreation = config.OrgCreationOpen
		expect(t, "open", create(4), 201, "")
	})
}
