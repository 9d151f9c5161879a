// Package identitytest creates orgs, members, sessions and API keys directly
// through the identity store, and a platform with the identity guard
// installed, for other modules' tests.
//
// Typical use:
//
//	p := identitytest.NewPlatform(t, d)   // d from testdb.Each
//	// register your module on p, then:
//	srv := httptest.NewServer(p.Server.Handler())
//	org := identitytest.NewOrg(t, d, "Acme")
//	alice := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
//	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/alerts", nil)
//	alice.Apply(req)                     // session cookie + X-Org-ID
//	key := identitytest.NewAPIKey(t, d, org, rbac.AlertsIngest)
//	key.Apply(req)                       // Authorization: Bearer snk_...
package identitytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/platform/egress"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Secret is the platform secret NewPlatform uses.
const Secret = "identitytest-secret-0123456789abcdef-not-for-production"

// Password is the password of every user NewMember creates.
const Password = "identitytest-password"

// Config returns a development configuration for tests; publicURL may be
// empty (http://127.0.0.1:8080).
func Config(t testing.TB, publicURL string) config.Config {
	t.Helper()
	return ConfigWith(t, publicURL, nil)
}

// ConfigWith is Config with extra environment settings (SECURENEXUS_* name
// to value) applied over the test defaults.
func ConfigWith(t testing.TB, publicURL string, extra map[string]string) config.Config {
	t.Helper()
	// Rate limits are off: suites send bursts no UI would. Tests of the
	// limits turn them on (ConfigWith).
	env := map[string]string{"SECURENEXUS_DATA_DIR": t.TempDir(), "SECURENEXUS_SECRET_KEY": Secret, "SECURENEXUS_RATE_LIMIT_ENABLED": "false"}
	for k, v := range extra {
		env[k] = v
	}
	if publicURL != "" {
		env["SECURENEXUS_PUBLIC_URL"] = publicURL
	}
	c, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatalf("identitytest: config: %v", err)
	}
	return c
}

// NewPlatform returns a Platform on d with an HTTP server whose guard is the
// identity module's (identity.Register has run: its API, guard and CSRF
// check are installed). Register your own module on it, then serve
// p.Server.Handler(). Workers is an empty river.Workers; Jobs is nil (no job
// client is started).
func NewPlatform(t testing.TB, d *db.DB) *platform.Platform {
	t.Helper()
	return NewPlatformWith(t, d, Config(t, ""))
}

// NewPlatformWith is NewPlatform with a given configuration.
func NewPlatformWith(t testing.TB, d *db.DB, c config.Config) *platform.Platform {
	t.Helper()
	p, _ := NewService(t, d, c)
	return p
}

// NewService is NewPlatformWith that also returns the identity Service.
func NewService(t testing.TB, d *db.DB, c config.Config) (*platform.Platform, *identity.Service) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &platform.Platform{Config: c, Logger: logger, DB: d, Secret: []byte(Secret), Health: &health.Registry{}, Metrics: prometheus.NewRegistry(),
		Workers: river.NewWorkers()}
	p.Server = httpapi.New(httpapi.Deps{Config: c, Logger: logger, Health: p.Health, Metrics: p.Metrics, Version: "test"})
	eg, err := egress.New(egress.Options{Production: c.Production(), Metrics: p.Metrics})
	if err != nil {
		t.Fatalf("identitytest: egress: %v", err)
	}
	p.Egress = eg
	p.Keyring = secrets.MustKeyring(p.Secret)
	svc, err := identity.RegisterService(context.Background(), p)
	if err != nil {
		t.Fatalf("identitytest: register identity: %v", err)
	}
	return p, svc
}

// Store returns an identity store on d.
func Store(t testing.TB, d *db.DB) *identity.Store {
	t.Helper()
	s, err := identity.NewStore(d, secrets.MustKeyring([]byte(Secret)))
	if err != nil {
		t.Fatalf("identitytest: store: %v", err)
	}
	return s
}

// NewOrg creates an org and returns its id.
func NewOrg(t testing.TB, d *db.DB, name string) uuid.UUID {
	t.Helper()
	o, err := Store(t, d).CreateOrg(context.Background(), name, uuid.Nil)
	if err != nil {
		t.Fatalf("identitytest: create org: %v", err)
	}
	return o.ID
}

// Scope returns an authenticated tenant scope for org acting as actor
// (e.g. "user:<id>"), for calling org-scoped store methods in tests.
func Scope(org uuid.UUID, actor string) tenant.Scope { return tenant.NewAuthenticated(org, actor) }

// Member is a user with a role in an org and a live session.
type Member struct {
	Org      uuid.UUID
	UserID   uuid.UUID
	Email    string
	Password string
	Role     string
	// Cookie is the sn_session cookie of a fresh session.
	Cookie *http.Cookie
}

// Actor is the member's audit actor string.
func (m Member) Actor() string { return "user:" + m.UserID.String() }

// Scope is the member's tenant scope in its org.
func (m Member) Scope() tenant.Scope { return tenant.NewAuthenticated(m.Org, m.Actor()) }

// Apply authenticates r as the member acting in its org: the session
// cookie, the X-Org-ID header, and Sec-Fetch-Site: same-origin (what a
// browser sends for the UI's own requests).
func (m Member) Apply(r *http.Request) {
	r.AddCookie(m.Cookie)
	r.Header.Set(identity.OrgHeader, m.Org.String())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
}

// InOrg returns a copy of m that acts in another org (for cross-tenant
// tests; the member need not belong to it).
func (m Member) InOrg(org uuid.UUID) Member {
	m.Org = org
	return m
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewUser creates a user with no membership and returns it with a session
// cookie.
func NewUser(t testing.TB, d *db.DB) Member {
	t.Helper()
	ctx := context.Background()
	st := Store(t, d)
	email := "user-" + randomSuffix() + "@example.test"
	u, err := st.CreateUser(ctx, email, "Test User", Password)
	if err != nil {
		t.Fatalf("identitytest: create user: %v", err)
	}
	return Member{UserID: u.ID, Email: email, Password: Password, Cookie: newCookie(t, st, u.ID)}
}

func newCookie(t testing.TB, st *identity.Store, userID uuid.UUID) *http.Cookie {
	t.Helper()
	token, _, err := st.CreateSession(context.Background(), userID, identity.SessionOptions{MFA: true, IP: "127.0.0.1", UserAgent: "identitytest"})
	if err != nil {
		t.Fatalf("identitytest: create session: %v", err)
	}
	return &http.Cookie{Name: identity.SessionCookie, Value: token} //nolint:gosec // a client-side copy of the cookie for requests
}

// NewMember creates a user with role (built-in like rbac.RoleAnalyst, or a
// custom role created with NewRole) in org, and a session (marked as having
// passed MFA, so MFA-requiring org policies admit it).
func NewMember(t testing.TB, d *db.DB, org uuid.UUID, role string) Member {
	t.Helper()
	m := NewUser(t, d)
	if _, err := Store(t, d).AddMember(context.Background(), tenant.System(org, "identitytest"), m.UserID, role); err != nil {
		t.Fatalf("identitytest: add member: %v", err)
	}
	m.Org, m.Role = org, role
	return m
}

// AddMember gives an existing member a role in another org as well.
func AddMember(t testing.TB, d *db.DB, org uuid.UUID, m Member, role string) Member {
	t.Helper()
	if _, err := Store(t, d).AddMember(context.Background(), tenant.System(org, "identitytest"), m.UserID, role); err != nil {
		t.Fatalf("identitytest: add member: %v", err)
	}
	m.Org, m.Role = org, role
	return m
}

// NewRole creates a custom role in org with the given permissions and
// returns its name.
func NewRole(t testing.TB, d *db.DB, org uuid.UUID, name string, perms ...rbac.Permission) string {
	t.Helper()
	names := make([]string, 0, len(perms))
	for _, p := range perms {
		names = append(names, string(p))
	}
	if _, err := Store(t, d).CreateRole(context.Background(), tenant.System(org, "identitytest"), rbac.NewSet(rbac.All...), name, "", names); err != nil {
		t.Fatalf("identitytest: create role: %v", err)
	}
	return name
}

// APIKey is an org API key.
type APIKey struct {
	ID    uuid.UUID
	Org   uuid.UUID
	Token string
}

// Apply authenticates r with the key.
func (k APIKey) Apply(r *http.Request) { r.Header.Set("Authorization", "Bearer "+k.Token) }

// Actor is the key's audit actor string.
func (k APIKey) Actor() string { return "apikey:" + k.ID.String() }

// NewAPIKey creates an API key in org with perms (created by a fresh owner
// of org).
func NewAPIKey(t testing.TB, d *db.DB, org uuid.UUID, perms ...rbac.Permission) APIKey {
	t.Helper()
	owner := NewMember(t, d, org, rbac.RoleOwner)
	names := make([]string, 0, len(perms))
	for _, p := range perms {
		names = append(names, string(p))
	}
	k, token, err := Store(t, d).CreateAPIKey(context.Background(), owner.Scope(), identity.NewAPIKey{
		Name: "identitytest", Permissions: names, CreatedBy: owner.UserID, Grantor: rbac.NewSet(rbac.All...),
	})
	if err != nil {
		t.Fatalf("identitytest: create api key: %v", err)
	}
	return APIKey{ID: k.ID, Org: org, Token: token}
}

// Directory returns the identity facade on d, what other modules receive
// in their Deps.
func Directory(t testing.TB, d *db.DB) *identity.Directory {
	t.Helper()
	return identity.NewDirectory(Store(t, d))
}
