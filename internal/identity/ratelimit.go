package identity

import (
	"errors"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/httpapi"
)

// Rate-limit classes (the label of the rejection counter).
const (
	limitRead   = "read"
	limitWrite  = "write"
	limitPublic = "public"
)

// limiters are the in-memory, per-replica API rate limits: per principal
// and org (reads and writes apart) after authentication, per client IP for
// the public sign-in operations. Rejections are counted, never audited (a
// flood of them must not grow the audit chain).
type limiters struct {
	read, write, public *httpapi.RateLimiter
	rejected            *prometheus.CounterVec
}

func newLimiters(c config.Config, reg prometheus.Registerer) (*limiters, error) {
	if !c.RateLimitEnabled {
		return nil, nil
	}
	l := &limiters{
		read:   httpapi.NewRateLimiter(c.RateLimitReadRPS, c.RateLimitReadBurst, c.RateLimitMaxKeys),
		write:  httpapi.NewRateLimiter(c.RateLimitWriteRPS, c.RateLimitWriteBurst, c.RateLimitMaxKeys),
		public: httpapi.NewRateLimiter(c.RateLimitPublicRPS, c.RateLimitPublicBurst, c.RateLimitMaxKeys),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "securenexus", Subsystem: "http", Name: "rate_limited_total",
			Help: "API requests refused with 429 by the per-principal or per-client-IP rate limits (per replica), by class.",
		}, []string{"class"}),
	}
	if reg != nil {
		if err := reg.Register(l.rejected); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
			l.rejected = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return l, nil
}

const msgRateLimitedPrincipal = "too many requests from this user or API key in this org; retry after the Retry-After delay"

// checkPrincipal spends one token of p's read or write budget.
func (svc *Service) checkPrincipal(p Principal, method string) error {
	if svc.limits == nil {
		return nil
	}
	lim, class := svc.limits.write, limitWrite
	if method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions {
		lim, class = svc.limits.read, limitRead
	}
	key := "user:" + p.UserID.String()
	if p.Kind == KindAPIKey {
		key = "apikey:" + p.APIKeyID.String()
	}
	key += "|org:" + p.OrgID.String()
	if ok, wait := lim.Allow(key, svc.Store.now()); !ok {
		svc.limits.rejected.WithLabelValues(class).Inc()
		return apperr.RateLimited(msgRateLimitedPrincipal, wait)
	}
	return nil
}

// publicRateLimit limits the public sign-in operations (identity's own:
// login, invitation acceptance, OIDC start and callback) per client IP.
// Other public operations (signed webhooks) have their own checks.
func (svc *Service) publicRateLimit(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(hctx huma.Context, next func(huma.Context)) {
		op := hctx.Operation()
		if svc.limits == nil || op == nil {
			next(hctx)
			return
		}
		if _, public, _ := httpapi.Permission(op); !public || !slices.ContainsFunc(op.Tags, func(t string) bool { return t == tagAuth || t == tagOrg }) {
			next(hctx)
			return
		}
		if ok, wait := svc.limits.public.Allow(httpapi.ClientKey(httpapi.ClientIP(hctx.Context())), svc.Store.now()); !ok {
			svc.limits.rejected.WithLabelValues(limitPublic).Inc()
			err := apperr.RateLimited("too many sign-in requests from your address; retry after the Retry-After delay", wait)
			for k, vs := range err.GetHeaders() {
				for _, v := range vs {
					hctx.AppendHeader(k, v)
				}
			}
			_ = huma.WriteErr(api, hctx, http.StatusTooManyRequests, err.Message, err)
			return
		}
		next(hctx)
	}
}
