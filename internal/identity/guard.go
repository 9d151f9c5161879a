package identity

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/logging"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// OrgHeader selects the org a session-authenticated request acts in.
const OrgHeader = "X-Org-ID"

var (
	errNoCredentials = apperr.Unauthorized("authentication required: send the sn_session cookie or Authorization: Bearer snk_...").WithCode("unauthenticated")
	errCrossOrigin   = apperr.Forbidden("cross-origin request refused: state-changing requests authenticated by cookie must come from the same origin").WithCode("cross_origin_request")
	errNotMember     = apperr.Forbidden("you are not a member of the org named by the X-Org-ID header").WithCode("org_forbidden")
)

// Guard is the httpapi.Guard: it authenticates the caller (API key or
// session cookie), selects the org, enforces org policy and the operation's
// permission, and returns the context the handler runs with.
func (svc *Service) Guard(hctx huma.Context, op *huma.Operation) (context.Context, error) {
	ctx := hctx.Context()
	r, err := requestOf(hctx)
	if err != nil {
		return nil, apperr.Internal(err)
	}
	perm, _, _ := httpapi.Permission(op)
	orgScoped, _ := op.Extensions[httpapi.ExtOrgScoped].(bool)
	opID := op.OperationID

	var p Principal
	authz := r.Header.Get("Authorization")
	if token, ok := strings.CutPrefix(authz, "Bearer "); ok {
		p, err = svc.apiKeyPrincipal(ctx, r, strings.TrimSpace(token))
	} else if authz != "" {
		err = apperr.Unauthorized("unsupported Authorization scheme; use Bearer snk_...").WithCode("unauthenticated")
	} else {
		p, err = svc.sessionPrincipal(ctx, r, orgScoped)
	}
	if err != nil {
		// A request with no credentials, or with credentials that identify
		// nobody (a random cookie, an unknown key), is not a denial of
		// anyone and is not audited: anonymous callers must not be able to
		// grow the append-only chain at will. Everything else (a real key
		// with a wrong secret, expired or revoked credentials, foreign org,
		// policy) is audited.
		if !errors.Is(err, errNoCredentials) && !errors.Is(err, errSessionUnknown) && !errors.Is(err, errAPIKeyUnknown) {
			svc.deny(ctx, p, opID, perm, err)
		}
		return nil, err
	}
	// Budgets are spent after authentication and before the permission
	// check, so a flood of denied requests is refused early and does not
	// reach the audit log. Ingest operations are exempt: they have their
	// own per-org quota measured in alerts, not requests.
	if perm != rbac.AlertsIngest {
		if err := svc.checkPrincipal(p, r.Method); err != nil {
			return nil, err
		}
	}
	if orgScoped && !httpapi.Allows(op, p.Permissions.Has) {
		err = apperr.Forbidden("permission " + string(perm) + " required").WithCode("permission_denied")
		svc.deny(ctx, p, opID, perm, err)
		return nil, err
	}
	ctx = WithPrincipal(ctx, p)
	attrs := []slog.Attr{slog.String("actor", p.Actor())}
	if p.OrgID != uuid.Nil {
		ctx = tenant.WithScope(ctx, tenant.NewAuthenticated(p.OrgID, p.Actor()))
		attrs = append(attrs, slog.String("org_id", p.OrgID.String()))
	}
	return logging.With(ctx, attrs...), nil
}

// deny records a refused request in the audit log, aggregated per source
// (denials.go) so refused requests cannot flood it.
func (svc *Service) deny(ctx context.Context, p Principal, opID string, perm rbac.Permission, cause error) {
	actor := "anonymous"
	if p.UserID != uuid.Nil || p.APIKeyID != uuid.Nil {
		actor = p.Actor()
	}
	e := apperr.As(cause)
	k := denialKey{org: p.OrgID, ip: httpapi.ClientIP(ctx), code: e.CodeOrDefault()}
	write, done := svc.denials.admit(k, svc.Store.now(), actor, opID, string(perm))
	svc.Store.writeSummaries(ctx, done)
	if !write {
		return // counted; written as part of this source's summary (denials.go)
	}
	svc.Store.logAuth(ctx, p.OrgID, actor, "access.denied", audit.OutcomeDenied, map[string]string{
		"operation": opID, "permission": string(perm), "code": e.CodeOrDefault(),
	})
}

func (svc *Service) apiKeyPrincipal(ctx context.Context, r *http.Request, token string) (Principal, error) {
	k, o, err := svc.Store.authenticateAPIKey(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{Kind: KindAPIKey, APIKeyID: k.ID, UserID: k.CreatedBy, OrgID: k.OrgID, Permissions: k.Permissions}
	if h := r.Header.Get(OrgHeader); h != "" {
		if id, err := uuid.Parse(h); err != nil || id != k.OrgID {
			return p, apperr.Forbidden("this API key belongs to another org than the X-Org-ID header names").WithCode("org_forbidden")
		}
	}
	if err := checkIP(o.Policy, httpapi.ClientIP(ctx)); err != nil {
		return p, err
	}
	return p, nil
}

func (svc *Service) sessionPrincipal(ctx context.Context, r *http.Request, orgScoped bool) (Principal, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return Principal{}, errNoCredentials
	}
	// Cookies ride along on cross-site requests; refuse state changes that
	// a browser marks as cross-origin (CSRF).
	if err := svc.cop.Check(r); err != nil {
		return Principal{}, errCrossOrigin
	}
	sess, u, err := svc.Store.SessionByToken(ctx, c.Value)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{Kind: KindUser, UserID: u.ID, Email: u.Email, SessionID: sess.ID, MFA: sess.MFA}
	if sess.SSOOrg.Valid {
		p.SSOOrg = sess.SSOOrg.UUID
	}
	if !orgScoped {
		_, err := svc.Store.touchSession(ctx, sess, uuid.Nil)
		return p, err
	}
	h := r.Header.Get(OrgHeader)
	if h == "" {
		return p, apperr.BadRequest("the X-Org-ID header must name the org to act in", apperr.Field("header.X-Org-ID", "is required for session-authenticated org operations")).WithCode("org_required")
	}
	org, err := uuid.Parse(h)
	if err != nil || org == uuid.Nil {
		return p, apperr.BadRequest("the X-Org-ID header is not a valid org id", apperr.Field("header.X-Org-ID", "must be a UUID")).WithCode("org_required")
	}
	if sess.SSOOrg.Valid && sess.SSOOrg.UUID != org {
		return p, apperr.Forbidden("this session was signed in through another org's identity provider and acts only in that org").WithCode("org_forbidden")
	}
	p.OrgID = org
	var o Org
	var m Membership
	var role rbac.Role
	scope := tenant.NewAuthenticated(org, p.Actor())
	err = svc.Store.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if m, err = memberTx(ctx, tx, scope, u.ID); err != nil {
			return err
		}
		if o, err = orgByID(ctx, tx, org); err != nil {
			return err
		}
		role, err = resolveRole(ctx, tx, scope, m.Role)
		return err
	})
	if apperr.Is(err, apperr.KindNotFound) || apperr.Is(err, apperr.KindValidation) {
		p.OrgID = uuid.Nil // not a member: nothing is attributed to that org
		return p, errNotMember
	}
	if err != nil {
		return p, err
	}
	if err := checkPolicy(o.Policy, sess, org, httpapi.ClientIP(ctx), svc.Store.now()); err != nil {
		return p, err
	}
	p.Role, p.Permissions = m.Role, role.Permissions
	switched, err := svc.Store.touchSession(ctx, sess, org)
	if err != nil {
		return p, err
	}
	if switched {
		svc.Store.logAuth(ctx, org, p.Actor(), "session.org_switch", audit.OutcomeSuccess, map[string]string{
			"session_id": sess.ID.String(), "from_org": sess.LastOrg.UUID.String(), "to_org": org.String(),
		})
	}
	return p, nil
}

// checkPolicy enforces an org's policy on a session acting in org.
func checkPolicy(pol Policy, sess Session, org uuid.UUID, ip string, now time.Time) error {
	if err := checkIP(pol, ip); err != nil {
		return err
	}
	if pol.SSOEnforced && (sess.Method != MethodOIDC || !sess.SSOOrg.Valid || sess.SSOOrg.UUID != org) {
		return apperr.Forbidden("this org requires signing in through its identity provider (SSO)").WithCode("sso_required")
	}
	if pol.MFARequired && !sess.MFA {
		return apperr.Forbidden("this org requires multi-factor authentication; enable TOTP and sign in again").WithCode("mfa_required")
	}
	if pol.SessionLifetime > 0 && now.Sub(sess.CreatedAt) > pol.SessionLifetime {
		return apperr.Unauthorized("your session is older than this org allows; sign in again").WithCode("session_expired")
	}
	return nil
}

// checkIP enforces an org's IP allowlist.
func checkIP(pol Policy, ip string) error {
	if len(pol.IPAllowlist) == 0 {
		return nil
	}
	addr, err := netip.ParseAddr(ip)
	if err == nil {
		addr = addr.Unmap()
		for _, c := range pol.IPAllowlist {
			if pfx, err := netip.ParsePrefix(c); err == nil && pfx.Contains(addr) {
				return nil
			}
		}
	}
	return apperr.Forbidden("your IP address is not in this org's allowlist").WithCode("ip_not_allowed")
}
