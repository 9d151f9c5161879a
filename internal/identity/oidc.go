package identity

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/platform/egress"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// OIDCConfig is an org's OpenID Connect provider. The client secret is
// stored encrypted (AES-256-GCM, key derived from the platform secret).
type OIDCConfig struct {
	OrgID          uuid.UUID
	Issuer         string
	ClientID       string
	ClientSecret   string
	AllowedDomains []string
	Enabled        bool
	UpdatedAt      time.Time
}

// OIDC flow constants.
const (
	oidcStateCookie = "sn_oidc"
	oidcStateTTL    = 10 * time.Minute
	oidcCallback    = httpapi.APIPrefix + "/auth/oidc/callback"
	// JITRole is the role of a user provisioned on first SSO sign-in.
	JITRole = rbac.RoleViewer
)

// OIDCConfig returns the scope's org OIDC configuration (secret decrypted).
func (s *Store) OIDCConfig(ctx context.Context, scope tenant.Scope) (OIDCConfig, error) {
	var c OIDCConfig
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var domains, sealed string
		err := tx.QueryRowContext(ctx, `SELECT org_id, issuer, client_id, client_secret, allowed_domains, enabled, updated_at FROM oidc_configs WHERE org_id = $1`,
			scope.Org().String()).Scan(&c.OrgID, &c.Issuer, &c.ClientID, &sealed, &domains, &c.Enabled, &c.UpdatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("OIDC configuration")
		}
		if err != nil {
			return fmt.Errorf("read oidc config: %w", err)
		}
		if err := json.Unmarshal([]byte(domains), &c.AllowedDomains); err != nil {
			return fmt.Errorf("decode domains: %w", err)
		}
		secret, err := oidcSealer.open(s.keys, scope.Org(), scope.Org().String(), sealed)
		if err != nil {
			return err
		}
		c.ClientSecret = string(secret)
		return nil
	})
	if err != nil {
		return OIDCConfig{}, fmt.Errorf("identity: %w", err)
	}
	return c, nil
}

// SetOIDCConfig creates or replaces the scope's org OIDC configuration. An
// empty ClientSecret keeps the stored one.
func (s *Store) SetOIDCConfig(ctx context.Context, scope tenant.Scope, c OIDCConfig) (OIDCConfig, error) {
	domains := make([]string, 0, len(c.AllowedDomains))
	for i, d := range c.AllowedDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || len(d) > 253 || strings.ContainsAny(d, "@/ ") || !strings.Contains(d, ".") {
			return OIDCConfig{}, apperr.Validation("invalid domain", apperr.Field(fmt.Sprintf("body.allowed_domains[%d]", i), "must be a domain name like example.com"))
		}
		domains = append(domains, d)
	}
	if len(domains) == 0 {
		return OIDCConfig{}, apperr.Validation("allowed domains required", apperr.Field("body.allowed_domains", "must list at least one email domain"))
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return OIDCConfig{}, apperr.Validation("invalid issuer", apperr.Field("body.issuer", "must be an absolute https URL"))
	}
	enc, err := json.Marshal(domains)
	if err != nil {
		return OIDCConfig{}, fmt.Errorf("identity: encode domains: %w", err)
	}
	c.OrgID, c.AllowedDomains, c.UpdatedAt = scope.Org(), domains, s.now()
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		sealed := ""
		if c.ClientSecret != "" {
			var err error
			if sealed, err = oidcSealer.seal(s.keys, scope.Org(), scope.Org().String(), []byte(c.ClientSecret)); err != nil {
				return err
			}
		} else {
			err := tx.QueryRowContext(ctx, `SELECT client_secret FROM oidc_configs WHERE org_id = $1`, scope.Org().String()).Scan(&sealed)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.Validation("client secret required", apperr.Field("body.client_secret", "is required when first configuring OIDC"))
			}
			if err != nil {
				return fmt.Errorf("read secret: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_configs (org_id, issuer, client_id, client_secret, allowed_domains, enabled, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (org_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id, client_secret = EXCLUDED.client_secret,
			  allowed_domains = EXCLUDED.allowed_domains, enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at`,
			scope.Org().String(), c.Issuer, c.ClientID, sealed, string(enc), c.Enabled, c.UpdatedAt); err != nil {
			return fmt.Errorf("upsert oidc config: %w", err)
		}
		if !c.Enabled {
			var enforced bool
			if err := tx.QueryRowContext(ctx, `SELECT sso_enforced FROM orgs WHERE id = $1`, scope.Org().String()).Scan(&enforced); err != nil {
				return fmt.Errorf("read policy: %w", err)
			}
			if enforced {
				return apperr.Conflict("SSO is enforced for this org; stop enforcing it before disabling OIDC").WithCode("sso_enforced")
			}
		}
		return record(ctx, tx, scope, "oidc.configure", "org", scope.Org().String(), map[string]any{
			"issuer": c.Issuer, "client_id": c.ClientID, "allowed_domains": domains, "enabled": c.Enabled, "secret_changed": c.ClientSecret != "",
		})
	})
	if err != nil {
		return OIDCConfig{}, fmt.Errorf("identity: set oidc config: %w", err)
	}
	return c, nil
}

// oidcState is the sealed content of the short-lived state cookie.
type oidcState struct {
	Org      uuid.UUID `json:"o"`
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Expires  time.Time `json:"e"`
}

func (svc *Service) oauthConfig(ctx context.Context, c OIDCConfig) (*oidc.Provider, *oauth2.Config, context.Context, error) {
	prov, err := svc.provider(ctx, c)
	if err != nil {
		return nil, nil, nil, err
	}
	octx := oidc.ClientContext(ctx, svc.oidcClient())
	return prov, &oauth2.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: prov.Endpoint(),
		RedirectURL: strings.TrimRight(svc.Config.PublicURL, "/") + oidcCallback,
		Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
	}, octx, nil
}

// checkIssuer validates an issuer URL before it is saved. Discovery and the
// signing keys are fetched from the issuer: over plain http anyone on the
// path could substitute keys and forge ID tokens (http stays allowed
// outside production, for local IdPs). A host that is an internal address
// literal is refused here; host names are checked when connecting.
func (svc *Service) checkIssuer(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && (svc.Config.Production() || u.Scheme != "http")) {
		return apperr.Validation("invalid issuer", apperr.Field("body.issuer", "must be an absolute https URL"))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return apperr.Validation("invalid issuer", apperr.Field("body.issuer", "must not contain credentials, a query or a fragment"))
	}
	if svc.allowPrivateIssuers() {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	addr, perr := netip.ParseAddr(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || (perr == nil && egress.Internal(addr)) {
		return apperr.Validation("invalid issuer", apperr.Field("body.issuer", "must not be a loopback, private, link-local or other internal address"))
	}
	return nil
}

func (svc *Service) stateCookie(value string, maxAge int) http.Cookie {
	//nolint:gosec // Secure follows the deployment scheme, like the session cookie
	return http.Cookie{Name: oidcStateCookie, Value: value, Path: httpapi.APIPrefix + "/auth/oidc", MaxAge: maxAge,
		HttpOnly: true, Secure: svc.secure, SameSite: http.SameSiteLaxMode}
}

type redirectOut struct {
	Status    int
	Location  string        `header:"Location"`
	SetCookie []http.Cookie `header:"Set-Cookie"`
}

// OIDCView is an org's OIDC configuration without its secret.
type OIDCView struct {
	Configured     bool       `json:"configured" doc:"False until the org's OIDC configuration is first saved (then the other fields are empty)"`
	Issuer         string     `json:"issuer"`
	ClientID       string     `json:"client_id"`
	AllowedDomains []string   `json:"allowed_domains"`
	Enabled        bool       `json:"enabled"`
	RedirectURL    string     `json:"redirect_url" doc:"Register this callback URL at the identity provider"`
	LoginURL       string     `json:"login_url" doc:"Where users of this org start SSO"`
	UpdatedAt      *time.Time `json:"updated_at,omitempty"`
}

func (svc *Service) oidcView(c OIDCConfig) OIDCView {
	base := strings.TrimRight(svc.Config.PublicURL, "/")
	// A stored configuration always has its update time; the empty one stands for "none yet".
	v := OIDCView{Configured: !c.UpdatedAt.IsZero(), Issuer: c.Issuer, ClientID: c.ClientID, AllowedDomains: nonNil(c.AllowedDomains), Enabled: c.Enabled,
		RedirectURL: base + oidcCallback, LoginURL: base + httpapi.APIPrefix + "/auth/oidc/" + c.OrgID.String() + "/start"}
	if v.Configured {
		v.UpdatedAt = &c.UpdatedAt
	}
	return v
}

func (svc *Service) oidcRoutes(api huma.API) {
	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "get-oidc-config", Method: http.MethodGet, Path: httpapi.APIPrefix + "/org/oidc",
		Summary: "The org's OIDC single sign-on configuration", Tags: []string{tagOrg},
		Description: "An org without a configuration answers configured=false with the callback URL to register at the provider.",
	}, rbac.AdminOrg), func(ctx context.Context, _ *struct{}) (*struct{ Body OIDCView }, error) {
		scope, _, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		c, err := svc.Store.OIDCConfig(ctx, scope)
		if apperr.Is(err, apperr.KindNotFound) {
			c, err = OIDCConfig{OrgID: scope.Org()}, nil
		}
		if err != nil {
			return nil, err
		}
		return &struct{ Body OIDCView }{Body: svc.oidcView(c)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "set-oidc-config", Method: http.MethodPut, Path: httpapi.APIPrefix + "/org/oidc",
		Summary: "Configure the org's OIDC single sign-on", Tags: []string{tagOrg},
		Description: "The client secret is write-only and stored encrypted; omit it to keep the stored one.",
	}, rbac.AdminOrg), func(ctx context.Context, in *struct {
		Body struct {
			Issuer         string   `json:"issuer" minLength:"8" maxLength:"500" format:"uri"`
			ClientID       string   `json:"client_id" minLength:"1" maxLength:"500"`
			ClientSecret   string   `json:"client_secret,omitempty" maxLength:"2000"`
			AllowedDomains []string `json:"allowed_domains" minItems:"1" maxItems:"50"`
			Enabled        bool     `json:"enabled"`
		}
	}) (*struct{ Body OIDCView }, error) {
		scope, _, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		if err := svc.checkIssuer(in.Body.Issuer); err != nil {
			return nil, err
		}
		c, err := svc.Store.SetOIDCConfig(ctx, scope, OIDCConfig{Issuer: in.Body.Issuer, ClientID: in.Body.ClientID, ClientSecret: in.Body.ClientSecret,
			AllowedDomains: in.Body.AllowedDomains, Enabled: in.Body.Enabled})
		if err != nil {
			return nil, err
		}
		svc.forgetProvider(scope.Org())
		return &struct{ Body OIDCView }{Body: svc.oidcView(c)}, nil
	})

	huma.Register(api, httpapi.Public(huma.Operation{
		OperationID: "start-oidc-login", Method: http.MethodGet, Path: httpapi.APIPrefix + "/auth/oidc/{org_id}/start",
		Summary: "Start single sign-on through the org's identity provider", Tags: []string{tagAuth}, DefaultStatus: http.StatusFound,
		Description: "Redirects to the provider with state, nonce and PKCE (S256); the state travels in a short-lived encrypted HttpOnly cookie.",
		Errors:      []int{http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests, http.StatusBadGateway},
	}), func(ctx context.Context, in *struct {
		OrgID string `path:"org_id" format:"uuid"`
	}) (*redirectOut, error) {
		org, err := parseID(in.OrgID, "path.org_id")
		if err != nil {
			return nil, err
		}
		c, err := svc.Store.OIDCConfig(ctx, tenant.System(org, "oidc-login"))
		if err != nil || !c.Enabled {
			return nil, apperr.NotFound("single sign-on for this org")
		}
		_, conf, _, err := svc.oauthConfig(ctx, c)
		if err != nil {
			return nil, err
		}
		st := oidcState{Org: org, State: randomToken(24), Nonce: randomToken(24), Verifier: oauth2.GenerateVerifier(), Expires: svc.Store.now().Add(oidcStateTTL)}
		raw, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("identity: encode oidc state: %w", err)
		}
		sealed, err := stateSealer.seal(svc.Store.keys, uuid.Nil, "", raw)
		if err != nil {
			return nil, err
		}
		loc := conf.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
		return &redirectOut{Status: http.StatusFound, Location: loc,
			SetCookie: []http.Cookie{svc.stateCookie(sealed, int(oidcStateTTL/time.Second))}}, nil
	})

	huma.Register(api, httpapi.Public(huma.Operation{
		OperationID: "finish-oidc-login", Method: http.MethodGet, Path: oidcCallback,
		Summary: "Single sign-on callback from the identity provider", Tags: []string{tagAuth}, DefaultStatus: http.StatusFound,
		Description: "Verifies state, exchanges the code (with the PKCE verifier), verifies the ID token (signature, issuer, audience, expiry, nonce), requires a verified email in an allowed domain, provisions the user (role viewer) on first sign-in, starts a session bound to this org and redirects to the UI.",
		Errors:      []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests, http.StatusBadGateway},
	}), func(ctx context.Context, in *struct {
		Code      string `query:"code" maxLength:"4096"`
		State     string `query:"state" maxLength:"200"`
		Error     string `query:"error" maxLength:"200"`
		StateCook string `cookie:"sn_oidc"`
	}) (*redirectOut, error) {
		return svc.finishOIDC(ctx, in.Code, in.State, in.Error, in.StateCook)
	})
}

var errOIDCState = apperr.BadRequest("single sign-on state missing, expired or mismatched; start again").WithCode("oidc_state_invalid")

func (svc *Service) finishOIDC(ctx context.Context, code, state, idpErr, cookie string) (*redirectOut, error) {
	if idpErr != "" {
		return nil, apperr.Unauthorized("the identity provider refused sign-in: " + idpErr).WithCode("oidc_denied")
	}
	raw, err := stateSealer.open(svc.Store.keys, uuid.Nil, "", cookie)
	if err != nil {
		return nil, errOIDCState
	}
	var st oidcState
	if err := json.Unmarshal(raw, &st); err != nil || !svc.Store.now().Before(st.Expires) ||
		subtle.ConstantTimeCompare([]byte(st.State), []byte(state)) != 1 || code == "" {
		return nil, errOIDCState
	}
	sys := tenant.System(st.Org, "oidc-login")
	c, err := svc.Store.OIDCConfig(ctx, sys)
	if err != nil || !c.Enabled {
		return nil, apperr.NotFound("single sign-on for this org")
	}
	prov, conf, octx, err := svc.oauthConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	tok, err := conf.Exchange(octx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, apperr.Upstream("the identity provider rejected the code exchange", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, apperr.Upstream("the identity provider returned no ID token", nil)
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: c.ClientID}).Verify(octx, rawID)
	if err != nil {
		return nil, apperr.Unauthorized("the ID token is invalid").WithCode("oidc_token_invalid")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return nil, apperr.Unauthorized("the ID token nonce does not match").WithCode("oidc_token_invalid")
	}
	var claims struct {
		Email         string   `json:"email"`
		EmailVerified *bool    `json:"email_verified"`
		Name          string   `json:"name"`
		AMR           []string `json:"amr"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, apperr.Unauthorized("the ID token claims are unreadable").WithCode("oidc_token_invalid")
	}
	email, err := NormalizeEmail(claims.Email)
	if err != nil || claims.EmailVerified == nil || !*claims.EmailVerified {
		svc.Store.logAuth(ctx, st.Org, "anonymous", "auth.login", audit.OutcomeDenied, map[string]string{"method": MethodOIDC, "reason": "email_unverified"})
		return nil, apperr.Forbidden("the identity provider did not assert a verified email").WithCode("oidc_email_unverified")
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	if !slices.Contains(c.AllowedDomains, domain) {
		svc.Store.logAuth(ctx, st.Org, "anonymous", "auth.login", audit.OutcomeDenied, map[string]string{"method": MethodOIDC, "reason": "domain_not_allowed", "email": email})
		return nil, apperr.Forbidden("your email domain is not allowed to sign in to this org").WithCode("oidc_domain_not_allowed")
	}
	u, err := svc.Store.provisionSSOUser(ctx, st.Org, email, claims.Name)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, apperr.Forbidden("this account is disabled").WithCode("account_disabled")
	}
	mfa := slices.ContainsFunc(claims.AMR, func(a string) bool { return a == "mfa" || a == "otp" || a == "hwk" || a == "swk" })
	token, sess, err := svc.Store.CreateSession(ctx, u.ID, SessionOptions{MFA: mfa, Method: MethodOIDC, SSOOrg: st.Org,
		IP: httpapi.ClientIP(ctx), UserAgent: httpapi.UserAgent(ctx)})
	if err != nil {
		return nil, err
	}
	svc.Store.logAuth(ctx, st.Org, "user:"+u.ID.String(), "auth.login", audit.OutcomeSuccess, map[string]string{"method": MethodOIDC, "session_id": sess.ID.String()})
	return &redirectOut{Status: http.StatusFound, Location: "/?org=" + st.Org.String(), SetCookie: []http.Cookie{
		svc.sessionCookie(token, svc.Store.maxAge()), svc.stateCookie("", -1),
	}}, nil
}

// provisionSSOUser finds or creates the user for a verified SSO email and
// makes sure they are a member of org (JITRole on first sign-in).
func (s *Store) provisionSSOUser(ctx context.Context, org uuid.UUID, email, name string) (User, error) {
	u, err := s.UserByEmail(ctx, email)
	if apperr.Is(err, apperr.KindNotFound) {
		u, err = s.CreateUser(ctx, email, name, "")
		if apperr.Is(err, apperr.KindConflict) { // created concurrently
			u, err = s.UserByEmail(ctx, email)
		}
	}
	if err != nil {
		return User{}, err
	}
	scope := tenant.System(org, "oidc-jit")
	if _, err := s.Member(ctx, scope, u.ID); apperr.Is(err, apperr.KindNotFound) {
		if _, err := s.AddMember(ctx, scope, u.ID, JITRole); err != nil && !apperr.Is(err, apperr.KindConflict) {
			return User{}, err
		}
	} else if err != nil {
		return User{}, err
	}
	return u, nil
}
