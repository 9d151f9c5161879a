// Package identity is the identity, tenancy and access layer: orgs
// (tenants), users and memberships, local accounts (argon2id) with login
// throttling and TOTP MFA, database sessions, org API keys, custom roles,
// invitations, per-org OIDC single sign-on and org security policies. Its
// Guard authenticates every non-public API operation, selects the org,
// enforces the operation's permission and puts the Principal and the
// tenant.Scope into the handler's context.
package identity

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/platform/egress"
	"github.com/securenexus/securenexus/internal/platform/secrets"
)

// Service is the identity module: store, guard and API handlers.
type Service struct {
	Store  *Store
	Config config.Config
	Logger *slog.Logger
	// AllowPrivateIssuers lets OIDC traffic reach loopback, private and
	// link-local addresses (a local test identity provider). Ignored in
	// production; off by default everywhere.
	AllowPrivateIssuers bool
	// Egress builds the outbound HTTP client for OIDC traffic.
	Egress *egress.Client

	cop       *http.CrossOriginProtection
	secure    bool
	limits    *limiters
	providers oidcProviders
	denials   denials
}

// New builds the Service for p.
func New(p *platform.Platform) (*Service, error) {
	keys := p.Keyring
	if keys == nil {
		var err error
		if keys, err = secrets.NewKeyring(p.Secret); err != nil {
			return nil, fmt.Errorf("identity: keyring: %w", err)
		}
	}
	st, err := NewStore(p.DB, keys)
	if err != nil {
		return nil, err
	}
	st.Logger = p.Logger
	eg := p.Egress
	if eg == nil {
		if eg, err = egress.New(egress.Options{Production: p.Config.Production(), Metrics: p.Metrics}); err != nil {
			return nil, fmt.Errorf("identity: egress: %w", err)
		}
	}
	svc := &Service{
		Egress: eg,
		Store:  st, Config: p.Config, Logger: p.Logger,
		AllowPrivateIssuers: p.Config.OIDCAllowPrivateIssuers,
		cop:                 http.NewCrossOriginProtection(),
		secure:              p.Config.Production() || strings.HasPrefix(p.Config.PublicURL, "https://"),
	}
	if svc.limits, err = newLimiters(p.Config, p.Metrics); err != nil {
		return nil, fmt.Errorf("identity: rate limit metrics: %w", err)
	}
	if u, err := url.Parse(p.Config.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		// Behind a proxy the Host header may differ from the public origin.
		if err := svc.cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("identity: trust public origin: %w", err)
		}
	}
	return svc, nil
}

// Register installs the guard, the identity API, the pruner and the demo
// data loader. It must run before every other module.
func Register(ctx context.Context, p *platform.Platform) error {
	_, err := RegisterService(ctx, p)
	return err
}

// RegisterService is Register returning the Service (tests adjust its
// store's clock).
func RegisterService(_ context.Context, p *platform.Platform) (*Service, error) {
	svc, err := New(p)
	if err != nil {
		return nil, err
	}
	p.Server.SetGuard(svc.Guard)
	p.AddRunner(svc.runDenialFlush)
	p.Server.API.UseMiddleware(svc.publicCSRF(p.Server.API), svc.publicRateLimit(p.Server.API))
	svc.Routes(p.Server.API)
	p.AddPruner(jobs.PrunerFunc{Label: "identity", Fn: func(ctx context.Context, _ *db.DB, now time.Time) (int64, error) {
		return svc.Store.Prune(ctx, now)
	}})
	p.AddDemo(platform.DemoLoader{Name: "identity", Load: func(ctx context.Context, p *platform.Platform) (bool, error) {
		return svc.LoadDemo(ctx)
	}})
	return svc, nil
}

// publicCSRF applies the same-origin check to public state-changing
// operations (login, invitation acceptance) that browsers reach with
// cookies, and refuses cross-site starts of single sign-on (a GET, see
// checkSSONavigation); authenticated operations are checked by the Guard.
func (svc *Service) publicCSRF(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(hctx huma.Context, next func(huma.Context)) {
		if op := hctx.Operation(); op != nil && slices.ContainsFunc(op.Tags, func(t string) bool { return t == tagAuth || t == tagOrg }) {
			// Identity responses carry tokens, secrets and personal data.
			hctx.SetHeader("Cache-Control", "no-store")
		}
		if _, public, _ := httpapi.Permission(hctx.Operation()); public {
			r, err := requestOf(hctx)
			if err != nil {
				_ = huma.WriteErr(api, hctx, http.StatusInternalServerError, "internal error", apperr.Internal(err))
				return
			}
			if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
				if err := svc.cop.Check(r); err != nil {
					_ = huma.WriteErr(api, hctx, http.StatusForbidden, errCrossOrigin.Message, errCrossOrigin)
					return
				}
			}
			if hctx.Operation().OperationID == opStartOIDC {
				if err := svc.checkSSONavigation(r); err != nil {
					_ = huma.WriteErr(api, hctx, http.StatusForbidden, errCrossSiteSSO.Message, errCrossSiteSSO)
					return
				}
			}
		}
		next(hctx)
	}
}

// Prune deletes expired sessions, stale throttle rows and expired
// invitations.
func (s *Store) Prune(ctx context.Context, now time.Time) (int64, error) {
	a, err := s.pruneSessions(ctx, now)
	if err != nil {
		return 0, err
	}
	b, err := s.pruneThrottle(ctx, now)
	if err != nil {
		return a, err
	}
	c, err := s.pruneInvitations(ctx, now)
	return a + b + c, err
}
