package identity

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// PrincipalKind says how a caller authenticated.
type PrincipalKind string

// Principal kinds.
const (
	KindUser   PrincipalKind = "user"
	KindAPIKey PrincipalKind = "apikey"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	Kind PrincipalKind
	// UserID is the signed-in user (KindUser) or the key's creator (KindAPIKey).
	UserID uuid.UUID
	Email  string
	// SessionID is set for KindUser.
	SessionID uuid.UUID
	// APIKeyID is set for KindAPIKey.
	APIKeyID uuid.UUID
	// OrgID is the org selected for this request (uuid.Nil for an
	// Authenticated operation called with a session and no org).
	OrgID uuid.UUID
	// Role is the member's role in OrgID ("" for API keys).
	Role string
	// Permissions are those granted in OrgID.
	Permissions rbac.Set
	// MFA reports whether the session passed a second factor.
	MFA bool
	// SSOOrg is set when the session was signed in through that org's
	// identity provider: it acts only in that org and cannot change the
	// (global) account.
	SSOOrg uuid.UUID
}

// Actor is the audit/scope actor string: "user:<id>" or "apikey:<id>".
func (p Principal) Actor() string {
	if p.Kind == KindAPIKey {
		return "apikey:" + p.APIKeyID.String()
	}
	return "user:" + p.UserID.String()
}

// Can reports whether the principal holds perm in its selected org.
func (p Principal) Can(perm rbac.Permission) bool {
	return p.OrgID != uuid.Nil && p.Permissions.Has(perm)
}

type principalKey struct{}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's authenticated principal.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// actorOf names who acts in ctx for audit entries.
func actorOf(ctx context.Context, scope tenant.Scope) string {
	if p, ok := PrincipalFrom(ctx); ok {
		return p.Actor()
	}
	if scope.Actor() != "" {
		return scope.Actor()
	}
	return "anonymous"
}

func entry(ctx context.Context, org uuid.UUID, actor, action, targetType, targetID string, outcome audit.Outcome, details any) audit.Entry {
	var raw json.RawMessage
	if details != nil {
		if b, err := json.Marshal(details); err == nil {
			raw = b
		}
	}
	return audit.Entry{
		OrgID: org, Actor: actor, Action: action, TargetType: targetType, TargetID: targetID, Outcome: outcome,
		RequestID: httpapi.RequestID(ctx), IP: httpapi.ClientIP(ctx), UserAgent: httpapi.UserAgent(ctx), Details: raw,
	}
}

// record appends a success audit entry inside tx.
func record(ctx context.Context, tx *db.Tx, scope tenant.Scope, action, targetType, targetID string, details any) error {
	// Every audited identity change (revocation, membership, role, policy)
	// drops the verified API keys of this process.
	verifiedKeys.clear()
	return audit.Record(ctx, tx, entry(ctx, scope.Org(), actorOf(ctx, scope), action, targetType, targetID, audit.OutcomeSuccess, details))
}
