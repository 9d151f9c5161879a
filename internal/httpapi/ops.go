package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/securenexus/securenexus/internal/rbac"
)

// OpenAPI extension keys declaring an operation's access rule.
const (
	// ExtPermission names the permission an operation requires.
	ExtPermission = "x-permission"
	// ExtPublic marks an operation reachable without authentication.
	ExtPublic = "x-public"
	// ExtOrgScoped marks operations acting inside one org (the cross-tenant
	// suite walks these).
	ExtOrgScoped = "x-org-scoped"
	// ExtAnyPermission lists the permissions any one of which suffices
	// (ProtectedAny); ExtPermission then names the first.
	ExtAnyPermission = "x-any-permission"
)

// Security scheme names in the OpenAPI document.
const (
	SchemeSession = "session"
	SchemeAPIKey  = "apiKey"
)

// Protected declares that op requires perm inside the caller's selected org.
// The access rule sits next to the operation's definition and appears in the
// OpenAPI document; the Guard enforces it. perm must be in the rbac
// catalog: an unknown permission panics at registration, so a typo cannot
// ship as an operation nobody may call.
func Protected(op huma.Operation, perm rbac.Permission) huma.Operation {
	if !perm.Valid() {
		panic(fmt.Sprintf("httpapi.Protected(%s): permission %q is not in the rbac catalog", op.OperationID, perm))
	}
	if op.Extensions == nil {
		op.Extensions = map[string]any{}
	}
	op.Extensions[ExtPermission] = string(perm)
	op.Extensions[ExtOrgScoped] = true
	op.Security = []map[string][]string{{SchemeSession: {}}, {SchemeAPIKey: {}}}
	op.Errors = appendUnique(op.Errors, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests)
	op.Description = strings.TrimSpace(op.Description + "\n\nRequires permission `" + string(perm) + "`.")
	return op
}

// ProtectedAny declares that op requires any one of perms (at least one)
// inside the caller's selected org, for operations every reader of some
// domain may use (the live stream: each kind then needs its own read
// permission).
func ProtectedAny(op huma.Operation, perms ...rbac.Permission) huma.Operation {
	if len(perms) == 0 {
		panic(fmt.Sprintf("httpapi.ProtectedAny(%s): no permission", op.OperationID))
	}
	if len(perms) == 1 {
		return Protected(op, perms[0])
	}
	names := make([]string, len(perms))
	for i, p := range perms {
		if !p.Valid() {
			panic(fmt.Sprintf("httpapi.ProtectedAny(%s): permission %q is not in the rbac catalog", op.OperationID, p))
		}
		names[i] = "`" + string(p) + "`"
	}
	desc := op.Description
	op.Description = ""
	op = Protected(op, perms[0])
	op.Description = strings.TrimSpace(desc + "\n\nRequires any of the permissions " + strings.Join(names, ", ") + ".")
	alts := make([]string, len(perms))
	for i, p := range perms {
		alts[i] = string(p)
	}
	op.Extensions[ExtAnyPermission] = alts
	return op
}

// Allows reports whether a caller holding the permissions has reports
// holding passes op's access rule (its permission, or any of ProtectedAny's).
func Allows(op *huma.Operation, has func(rbac.Permission) bool) bool {
	perm, public, declared := Permission(op)
	if public {
		return true
	}
	if !declared {
		return false
	}
	if perm == "" || has(perm) {
		return true
	}
	if anyOf, ok := op.Extensions[ExtAnyPermission].([]string); ok {
		for _, p := range anyOf {
			if has(rbac.Permission(p)) {
				return true
			}
		}
	}
	return false
}

// Authenticated declares that op needs a signed-in caller but no org
// permission (for example "list my orgs", "log out").
func Authenticated(op huma.Operation) huma.Operation {
	if op.Extensions == nil {
		op.Extensions = map[string]any{}
	}
	op.Extensions[ExtPermission] = ""
	op.Security = []map[string][]string{{SchemeSession: {}}, {SchemeAPIKey: {}}}
	op.Errors = appendUnique(op.Errors, http.StatusUnauthorized, http.StatusTooManyRequests)
	return op
}

// Public declares that op is reachable without authentication (login,
// health, signed webhooks that verify their own signature).
func Public(op huma.Operation) huma.Operation {
	if op.Extensions == nil {
		op.Extensions = map[string]any{}
	}
	op.Extensions[ExtPublic] = true
	op.Security = []map[string][]string{}
	return op
}

func appendUnique(codes []int, add ...int) []int {
	for _, a := range add {
		found := false
		for _, c := range codes {
			found = found || c == a
		}
		if !found {
			codes = append(codes, a)
		}
	}
	return codes
}

// Permission returns the permission op requires (empty for Authenticated
// operations) and whether it declares an access rule at all.
func Permission(op *huma.Operation) (perm rbac.Permission, public, declared bool) {
	if op == nil || op.Extensions == nil {
		return "", false, false
	}
	if p, ok := op.Extensions[ExtPublic].(bool); ok && p {
		return "", true, true
	}
	name, ok := op.Extensions[ExtPermission].(string)
	return rbac.Permission(name), false, ok
}

// Guard authenticates the caller of a non-public operation and authorises
// it for the operation's permission. It returns the context the handler
// runs with (carrying the principal and tenant scope) or an error (401/403
// as *apperr.Error). The identity package provides it.
type Guard func(ctx huma.Context, op *huma.Operation) (context.Context, error)

// guardMiddleware enforces each operation's declared access rule.
func (s *Server) guardMiddleware(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	_, public, declared := Permission(op)
	if public {
		next(ctx)
		return
	}
	if !declared {
		// Fail closed: an operation that forgot its access rule is unreachable.
		_ = huma.WriteErr(s.API, ctx, http.StatusInternalServerError, "operation declares no access rule")
		return
	}
	guard := s.guard
	if guard == nil {
		_ = huma.WriteErr(s.API, ctx, http.StatusUnauthorized, "authentication required")
		return
	}
	newCtx, err := guard(ctx, op)
	if err != nil {
		s.writeProblem(ctx, err)
		return
	}
	next(huma.WithContext(ctx, newCtx))
}

// SetGuard installs the authentication/authorisation guard.
func (s *Server) SetGuard(g Guard) { s.guard = g }

// UndeclaredOperations lists operations with no access rule; it must be
// empty (a test asserts it).
func UndeclaredOperations(api huma.API) []string {
	var out []string
	for path, item := range api.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{
			"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete,
			"HEAD": item.Head, "OPTIONS": item.Options, "TRACE": item.Trace,
		} {
			if op == nil {
				continue
			}
			if _, _, declared := Permission(op); !declared {
				out = append(out, fmt.Sprintf("%s %s", method, path))
			}
		}
	}
	sort.Strings(out)
	return out
}
