package identity

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/platform/egress"
)

// Limits of the outbound requests SecureNexus makes to an org's identity
// provider (discovery, JWKS, token exchange). The issuer is chosen by an org
// admin and the requests are triggered by anonymous callers, so they are
// short, small, cached and never reach internal addresses (egress guards
// every connection).
const (
	oidcDialTimeout    = 3 * time.Second
	oidcRequestTimeout = 10 * time.Second
	oidcMaxBody        = 1 << 20 // discovery documents and key sets are a few KiB
	oidcMaxRedirects   = 3
	// oidcProviderTTL is how long a discovered provider is reused.
	oidcProviderTTL = time.Hour
	// oidcFailureTTL is how long a failed discovery is remembered, so
	// anonymous traffic cannot turn into outbound requests.
	oidcFailureTTL = time.Minute
)

// newOIDCClient returns the HTTP client for all OIDC traffic: at most
// oidcMaxRedirects redirects, same host only, bodies up to oidcMaxBody.
// allowPrivate is consulted at every connection; while it reports false
// (always in production), connections to internal addresses are refused.
func newOIDCClient(eg *egress.Client, allowPrivate func() bool) *http.Client { //nolint:forbidigo // type reference; egress builds it
	return eg.HTTPClient(egress.Policy{
		Name: "oidc", Timeout: oidcRequestTimeout, DialTimeout: oidcDialTimeout, MaxBody: oidcMaxBody,
		MaxRedirects: oidcMaxRedirects, SameHostRedirects: true, Development: allowPrivate,
	})
}

// providerKey identifies one discovery: the org, its issuer and the
// version (last update) of its OIDC configuration. A changed configuration
// is a different key on every replica, even without invalidation.
type providerKey struct {
	org     uuid.UUID
	issuer  string
	version int64
}

// providerEntry is one discovery, in flight or done. done is closed once
// prov/err/expires are set.
type providerEntry struct {
	key     providerKey
	done    chan struct{}
	prov    *oidc.Provider
	err     error
	expires time.Time
}

func (e *providerEntry) fresh(now time.Time) bool {
	select {
	case <-e.done:
		return now.Before(e.expires)
	default:
		return true // in flight: join it
	}
}

// oidcProviders caches discovered providers, one entry per org, with
// single flight: concurrent requests for the same key share one fetch.
// Its zero value is ready to use.
type oidcProviders struct {
	once   sync.Once
	client *http.Client //nolint:forbidigo // type reference; egress builds it

	mu      sync.Mutex
	entries map[uuid.UUID]*providerEntry
}

// oidcClient is the guarded HTTP client for OIDC traffic.
func (svc *Service) oidcClient() *http.Client { //nolint:forbidigo // type reference; egress builds it
	svc.providers.once.Do(func() { svc.providers.client = newOIDCClient(svc.Egress, svc.allowPrivateIssuers) })
	return svc.providers.client
}

// allowPrivateIssuers reports whether issuers may be internal addresses:
// only outside production, and only when AllowPrivateIssuers is set.
func (svc *Service) allowPrivateIssuers() bool {
	return svc.AllowPrivateIssuers && !svc.Config.Production()
}

// provider returns the discovered provider for c, from the cache when it
// is fresh. A failed discovery is remembered for oidcFailureTTL.
func (svc *Service) provider(ctx context.Context, c OIDCConfig) (*oidc.Provider, error) {
	client := svc.oidcClient()
	key := providerKey{org: c.OrgID, issuer: c.Issuer, version: c.UpdatedAt.UnixNano()}
	now := svc.Store.now()
	m := &svc.providers
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[uuid.UUID]*providerEntry{}
	}
	e := m.entries[c.OrgID]
	if e == nil || e.key != key || !e.fresh(now) {
		e = &providerEntry{key: key, done: make(chan struct{})}
		m.entries[c.OrgID] = e
		// The fetch does not belong to the request that happened to start
		// it (others wait for it too): it keeps the request's values but
		// not its cancellation.
		go svc.discover(context.WithoutCancel(ctx), e, client)
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.prov, e.err
	case <-ctx.Done():
		return nil, fmt.Errorf("identity: oidc discovery: %w", ctx.Err())
	}
}

func (svc *Service) discover(ctx context.Context, e *providerEntry, client *http.Client) { //nolint:forbidigo // type reference; egress builds it
	defer close(e.done)
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, client), oidcRequestTimeout)
	defer cancel()
	prov, err := oidc.NewProvider(ctx, e.key.issuer)
	if err != nil {
		if svc.Logger != nil {
			svc.Logger.Warn("oidc discovery failed", "org_id", e.key.org.String(), "issuer", e.key.issuer, "err", err)
		}
		e.err = apperr.Upstream("the org's identity provider could not be reached", err).WithCode("oidc_provider_unavailable")
		e.expires = svc.Store.now().Add(oidcFailureTTL)
		return
	}
	e.prov, e.expires = prov, svc.Store.now().Add(oidcProviderTTL)
}

// forgetProvider drops the cached discovery of org (its configuration
// changed).
func (svc *Service) forgetProvider(org uuid.UUID) {
	svc.providers.mu.Lock()
	delete(svc.providers.entries, org)
	svc.providers.mu.Unlock()
}
