// Package tenant carries the organisation (tenant) a request acts for.
//
// A Scope can only be built by the authentication layer (through
// NewAuthenticated, whose use is restricted to internal/identity by a test) or
// by explicit system code through System. Every org-scoped store method takes a
// Scope, so an org filter cannot be forgotten: there is no way to call it
// without one, and there is no default org.
package tenant

import (
	"context"

	"github.com/google/uuid"
)

// Scope is the authenticated tenant context of an operation.
type Scope struct {
	org   uuid.UUID
	actor string
}

// NewAuthenticated builds a Scope for an org the caller was authenticated
// and authorised for. Only the identity layer (and tests) may call it.
func NewAuthenticated(org uuid.UUID, actor string) Scope {
	return Scope{org: org, actor: actor}
}

// System builds a Scope for background work acting for org on the system's
// own behalf (jobs, schedulers). reason names the work for the audit trail.
func System(org uuid.UUID, reason string) Scope {
	return Scope{org: org, actor: "system:" + reason}
}

// Org is the tenant's id. It is never the zero UUID for a valid Scope.
func (s Scope) Org() uuid.UUID { return s.org }

// Actor names who acts: "user:<id>", "apikey:<id>" or "system:<reason>".
func (s Scope) Actor() string { return s.actor }

// Valid reports whether the Scope names an org.
func (s Scope) Valid() bool { return s.org != uuid.Nil }

type ctxKey struct{}

// WithScope stores s in ctx.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// FromContext returns the Scope stored by WithScope.
func FromContext(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(ctxKey{}).(Scope)
	return s, ok && s.Valid()
}
