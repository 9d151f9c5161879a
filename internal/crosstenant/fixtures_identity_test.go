package crosstenant

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
)

// Identity's org-scoped objects: members, invitations, custom roles and
// API keys. Invitations and roles are made through the API as the org's
// owner, the way a customer makes them.
func init() {
	defaults.Fixtures["/api/v1/org/members/{user_id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			return identitytest.NewMember(t, e.DB, org.ID, rbac.RoleAnalyst).UserID.String()
		},
	}
	defaults.Fixtures["/api/v1/org/invitations/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				Invitation struct {
					ID string `json:"id"`
				} `json:"invitation"`
			}
			email := "invitee-" + uuid.Must(uuid.NewV7()).String() + "@example.test"
			post(t, e, org, "/api/v1/org/invitations", `{"email":"`+email+`","role":"viewer"}`, &out)
			return out.Invitation.ID
		},
	}
	defaults.Fixtures["/api/v1/org/roles/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			var out struct {
				ID string `json:"id"`
			}
			name := "xt-" + strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "")[20:]
			post(t, e, org, "/api/v1/org/roles", `{"name":"`+name+`","permissions":["alerts:read"]}`, &out)
			return out.ID
		},
	}
	defaults.Fixtures["/api/v1/org/api-keys/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			return identitytest.NewAPIKey(t, e.DB, org.ID, rbac.AlertsRead).ID.String()
		},
	}
	// The org's single OIDC configuration: its client id must never show in
	// another org's GET /org/oidc.
	defaults.Fixtures["marker:oidc-client-id"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			clientID := "xt-client-" + uuid.Must(uuid.NewV7()).String()
			var out map[string]any
			send(t, e, org, http.MethodPut, "/api/v1/org/oidc", `{"issuer":"https://idp.example.test","client_id":"`+clientID+
				`","client_secret":"xt-secret","allowed_domains":["example.test"],"enabled":false}`, &out)
			return clientID
		},
	}
	// A user's own sessions (an Authenticated route): org A's user must
	// not see or revoke org B's user's sessions.
	defaults.Fixtures["/api/v1/auth/sessions/{id}"] = Fixture{
		Create: func(t testing.TB, e *Env, org *Org, _ map[string]string) string {
			_, sess, err := identitytest.Store(t, e.DB).CreateSession(context.Background(), org.Owner.UserID,
				identity.SessionOptions{MFA: true, IP: "192.0.2.7", UserAgent: "crosstenant"})
			if err != nil {
				t.Fatalf("create session: %v", err)
			}
			return sess.ID.String()
		},
	}
	defaults.Bodies["update-member"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"role":"viewer"}`
	}
	defaults.Bodies["update-role"] = func(testing.TB, *Env, *Org, map[string]string) string {
		return `{"description":"changed by the cross-tenant suite","permissions":["alerts:read","incidents:read"]}`
	}
}

// post sends a JSON body as org's owner and decodes a 2xx answer.
func post(t testing.TB, e *Env, org *Org, path, body string, out any) {
	t.Helper()
	send(t, e, org, http.MethodPost, path, body, out)
}

func send(t testing.TB, e *Env, org *Org, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	org.Owner.Apply(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode/100 != 2 {
		var p map[string]any
		_ = json.NewDecoder(res.Body).Decode(&p)
		t.Fatalf("%s %s as %s owner: %d %v", method, path, org.Name, res.StatusCode, p)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: decode: %v", method, path, err)
	}
}
