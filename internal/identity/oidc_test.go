package identity_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// provider is a minimal OpenID Connect provider: discovery, JWKS, and a
// token endpoint that checks PKCE and signs ID tokens with RS256.
type provider struct {
	t      *testing.T
	srv    *httptest.Server
	key    *rsa.PrivateKey
	signer jose.Signer

	mu    sync.Mutex
	codes map[string]grant

	// discoveries counts discovery requests; failDiscovery makes them 500.
	discoveries   atomic.Int64
	failDiscovery atomic.Bool
}

type grant struct {
	challenge, nonce, email, clientID string
	verified                          bool
}

const (
	clientID     = "securenexus-test"
	clientSecret = "s3cret-client"
)

func newProvider(t *testing.T) *provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{t: t, key: key, signer: signer, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		p.discoveries.Add(1)
		if p.failDiscovery.Load() {
			http.Error(w, "down for maintenance", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// authorize plays the user's sign-in at the provider: it takes the
// authorization URL SecureNexus redirected to and returns a code.
func (p *provider) authorize(authURL, email string, verified bool) (code, state, redirect string) {
	p.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		p.t.Fatal(err)
	}
	q := u.Query()
	if !strings.HasPrefix(authURL, p.srv.URL+"/authorize") || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("client_id") != clientID ||
		!strings.Contains(q.Get("scope"), "openid") {
		p.t.Fatalf("authorization request lacks PKCE, nonce, state or scope: %s", authURL)
	}
	code = uuid.NewString()
	p.mu.Lock()
	p.codes[code] = grant{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), email: email, verified: verified, clientID: q.Get("client_id")}
	p.mu.Unlock()
	return code, q.Get("state"), q.Get("redirect_uri")
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	p.mu.Lock()
	g, found := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code"))
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || id != clientID || secret != clientSecret || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.srv.URL, "sub": "sub-" + g.email, "aud": clientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": g.nonce, "email": g.email, "email_verified": g.verified, "name": "SSO User", "amr": []string{"pwd", "mfa"},
	}
	idt, err := jwt.Signed(p.signer).Claims(claims).Serialize()
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + g.email, "token_type": "Bearer", "expires_in": 300, "id_token": idt})
}

func TestOIDCRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.svc.AllowPrivateIssuers = true // the test provider listens on 127.0.0.1
		idp := newProvider(t)
		orgA := identitytest.NewOrg(t, d, "A")
		orgB := identitytest.NewOrg(t, d, "B")
		owner := identitytest.NewMember(t, d, orgA, rbac.RoleOwner)

		// Before any configuration: 200 with configured=false and the callback URL to register.
		r0 := e.do("GET", "/api/v1/org/oidc", "", owner.Apply)
		expect(t, "read OIDC before configuring", r0, 200, "")
		if r0.Body["configured"] != false || r0.Body["enabled"] != false || r0.Body["redirect_url"] != e.srv.URL+"/api/v1/auth/oidc/callback" {
			t.Fatalf("unconfigured oidc view: %s", r0.Raw)
		}
		cfg := fmt.Sprintf(`{"issuer":%q,"client_id":%q,"client_secret":%q,"allowed_domains":["corp.example"],"enabled":true}`, idp.srv.URL, clientID, clientSecret)
		expect(t, "no domains", e.do("PUT", "/api/v1/org/oidc", fmt.Sprintf(`{"issuer":%q,"client_id":"x","client_secret":"y","allowed_domains":[],"enabled":true}`, idp.srv.URL), owner.Apply), 422, "validation_failed")
		r := e.do("PUT", "/api/v1/org/oidc", cfg, owner.Apply)
		expect(t, "configure OIDC", r, 200, "")
		if strings.Contains(r.Raw, clientSecret) {
			t.Fatal("client secret echoed")
		}
		r = e.do("GET", "/api/v1/org/oidc", "", owner.Apply)
		expect(t, "read OIDC", r, 200, "")
		if strings.Contains(r.Raw, clientSecret) || r.Body["configured"] != true || r.Body["redirect_url"] != e.srv.URL+"/api/v1/auth/oidc/callback" {
			t.Fatalf("oidc view: %s", r.Raw)
		}
		// The secret is encrypted at rest.
		var stored string
		if err := d.InOrg(t.Context(), owner.Scope(), func(ctx ctxT, tx txT) error {
			return tx.QueryRowContext(ctx, `SELECT client_secret FROM oidc_configs WHERE org_id = $1`, orgA.String()).Scan(&stored)
		}); err != nil || stored == "" || strings.Contains(stored, clientSecret) {
			t.Fatalf("stored secret %q (%v)", stored, err)
		}

		signIn := func(email string, verified bool) (response, string) {
			t.Helper()
			start := e.do("GET", "/api/v1/auth/oidc/"+orgA.String()+"/start", "", nil)
			expect(t, "start", start, 302, "")
			sc := start.cookie("sn_oidc")
			if sc == nil || !sc.HttpOnly {
				t.Fatalf("state cookie: %+v", sc)
			}
			code, state, redirect := idp.authorize(start.Header.Get("Location"), email, verified)
			if redirect != e.srv.URL+"/api/v1/auth/oidc/callback" {
				t.Fatalf("redirect_uri %s", redirect)
			}
			cb := redirect + "?code=" + url.QueryEscape(code) + "&state=" + url.QueryEscape(state)
			return e.do("GET", cb, "", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sn_oidc", Value: sc.Value}) }), cb
		}

		r, _ = signIn("new.person@corp.example", true)
		expect(t, "callback", r, 302, "")
		sess := r.cookie(identity.SessionCookie)
		if sess == nil || !sess.HttpOnly {
			t.Fatalf("no session cookie: %v", r.Header)
		}
		me := e.do("GET", "/api/v1/auth/me", "", withCookie(sess, uuid.Nil))
		expect(t, "me via SSO", me, 200, "")
		orgs, _ := me.Body["orgs"].([]any)
		if len(orgs) != 1 || orgs[0].(map[string]any)["role"] != identity.JITRole || me.Body["mfa"] != true {
			t.Fatalf("JIT membership: %s", me.Raw)
		}
		// The SSO session acts only in the org whose IdP signed it in.
		u, err := e.svc.Store.UserByEmail(t.Context(), "new.person@corp.example")
		if err != nil {
			t.Fatal(err)
		}
		identitytest.AddMember(t, d, orgB, identitytest.Member{UserID: u.ID}, rbac.RoleOwner)
		// (A viewer gets past org selection and policy, then lacks admin:users.)
		expect(t, "SSO session in org A", e.do("GET", "/api/v1/org/members", "", withCookie(sess, orgA)), 403, "permission_denied")
		expect(t, "SSO session in org B", e.do("GET", "/api/v1/org/members", "", withCookie(sess, orgB)), 403, "org_forbidden")

		// SSO enforcement: password sessions are refused, SSO ones admitted.
		expect(t, "enforce SSO", e.do("PATCH", "/api/v1/org", `{"sso_enforced":true}`, owner.Apply), 200, "")
		expect(t, "password session under SSO", e.do("GET", "/api/v1/org/roles", "", owner.Apply), 403, "sso_required")
		expect(t, "SSO session under SSO", e.do("GET", "/api/v1/org/members", "", withCookie(sess, orgA)), 403, "permission_denied")

		r, _ = signIn("mallory@evil.example", true)
		expect(t, "foreign domain", r, 403, "oidc_domain_not_allowed")
		r, _ = signIn("unverified@corp.example", false)
		expect(t, "unverified email", r, 403, "oidc_email_unverified")

		// Tampered or missing state.
		start := e.do("GET", "/api/v1/auth/oidc/"+orgA.String()+"/start", "", nil)
		code, _, redirect := idp.authorize(start.Header.Get("Location"), "new.person@corp.example", true)
		sc := start.cookie("sn_oidc")
		r = e.do("GET", redirect+"?code="+code+"&state=forged", "", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sn_oidc", Value: sc.Value}) })
		expect(t, "forged state", r, 400, "oidc_state_invalid")
		r = e.do("GET", redirect+"?code="+code+"&state=x", "", nil)
		expect(t, "no state cookie", r, 400, "oidc_state_invalid")

		expect(t, "SSO not configured", e.do("GET", "/api/v1/auth/oidc/"+orgB.String()+"/start", "", nil), 404, "not_found")
	})
}
