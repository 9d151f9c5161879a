package identity_test

import (
	"fmt"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// A new account made from an invitation needs a name: a blank one is a 422
// naming body.name, and the token stays usable.
func TestAcceptInvitationNeedsAName(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		r := e.do("POST", "/api/v1/org/invitations", `{"email":"new@acme.example","role":"viewer"}`, admin.Apply)
		expect(t, "invite", r, 201, "")
		tok, _ := r.Body["token"].(string)
		for _, name := range []string{"", "   "} {
			r = e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"name":%q,"password":"a-long-new-password"}`, tok, name), nil)
			expect(t, "blank name", r, 422, "validation_failed")
			if !hasFieldError(r, "body.name") {
				t.Fatalf("blank name %q: the problem does not name body.name: %s", name, r.Raw)
			}
		}
		expect(t, "named", e.do("POST", "/api/v1/invitations/accept", fmt.Sprintf(`{"token":%q,"name":"Nia","password":"a-long-new-password"}`, tok), nil), 200, "")
	})
}

func hasFieldError(r response, location string) bool {
	errs, _ := r.Body["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok && m["location"] == location {
			return true
		}
	}
	return false
}
