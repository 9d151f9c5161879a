package identity

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// OrgView is an org with its settings and policy.
type OrgView struct {
	ID                     string    `json:"id" format:"uuid"`
	Name                   string    `json:"name"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
	MFARequired            bool      `json:"mfa_required"`
	SSOEnforced            bool      `json:"sso_enforced"`
	IPAllowlist            []string  `json:"ip_allowlist"`
	SessionLifetimeSeconds int64     `json:"session_lifetime_seconds" doc:"0 keeps the global session lifetime"`
}

func orgView(o Org) OrgView {
	return OrgView{ID: o.ID.String(), Name: o.Name, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, MFARequired: o.Policy.MFARequired,
		SSOEnforced: o.Policy.SSOEnforced, IPAllowlist: nonNil(o.Policy.IPAllowlist), SessionLifetimeSeconds: int64(o.Policy.SessionLifetime / time.Second)}
}

type orgOut struct{ Body OrgView }

// MemberView is an org member.
type MemberView struct {
	UserID     string    `json:"user_id" format:"uuid"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	MFAEnabled bool      `json:"mfa_enabled"`
	JoinedAt   time.Time `json:"joined_at"`
}

func memberView(m Membership) MemberView {
	return MemberView{UserID: m.UserID.String(), Email: m.Email, Name: m.Name, Role: m.Role, MFAEnabled: m.MFA, JoinedAt: m.CreatedAt}
}

// RoleView is a built-in or custom role.
type RoleView struct {
	ID          string   `json:"id,omitempty" format:"uuid" doc:"Set for custom roles"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	BuiltIn     bool     `json:"built_in"`
	Permissions []string `json:"permissions"`
}

func customRoleView(r CustomRole) RoleView {
	return RoleView{ID: r.ID.String(), Name: r.Name, Description: r.Description, Permissions: r.Permissions.Strings()}
}

// APIKeyView is an API key without its secret.
type APIKeyView struct {
	ID          string     `json:"id" format:"uuid"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix" doc:"Public part of the key: snk_<prefix>_..."`
	Permissions []string   `json:"permissions"`
	CreatedBy   string     `json:"created_by" format:"uuid"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty" doc:"Updated at most once a minute"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

func timePtr(valid bool, t time.Time) *time.Time {
	if !valid {
		return nil
	}
	return &t
}

func apiKeyView(k APIKey) APIKeyView {
	return APIKeyView{ID: k.ID.String(), Name: k.Name, Prefix: k.Prefix, Permissions: k.Permissions.Strings(), CreatedBy: k.CreatedBy.String(),
		CreatedAt: k.CreatedAt, ExpiresAt: timePtr(k.ExpiresAt.Valid, k.ExpiresAt.Time), LastUsedAt: timePtr(k.LastUsedAt.Valid, k.LastUsedAt.Time),
		RevokedAt: timePtr(k.RevokedAt.Valid, k.RevokedAt.Time)}
}

// InvitationView is an invitation without its token.
type InvitationView struct {
	ID         string     `json:"id" format:"uuid"`
	Email      string     `json:"email"`
	Role       string     `json:"role"`
	CreatedBy  string     `json:"created_by" format:"uuid"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func invitationView(i Invitation) InvitationView {
	return InvitationView{ID: i.ID.String(), Email: i.Email, Role: i.Role, CreatedBy: i.CreatedBy.String(), CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt,
		AcceptedAt: timePtr(i.AcceptedAt.Valid, i.AcceptedAt.Time), RevokedAt: timePtr(i.RevokedAt.Valid, i.RevokedAt.Time)}
}

// ListBody is a page of items.
type ListBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
}

type listOut[T any] struct{ Body ListBody[T] }

type userIDPath struct {
	UserID string `path:"user_id" format:"uuid"`
}

type orgPatch struct {
	Name                   *string   `json:"name,omitempty" minLength:"1" maxLength:"200"`
	MFARequired            *bool     `json:"mfa_required,omitempty"`
	SSOEnforced            *bool     `json:"sso_enforced,omitempty"`
	IPAllowlist            *[]string `json:"ip_allowlist,omitempty" maxItems:"100" doc:"CIDRs (IPv4 or IPv6) callers must come from; empty allows all"`
	SessionLifetimeSeconds *int64    `json:"session_lifetime_seconds,omitempty" minimum:"0" maximum:"2592000" doc:"0 or 300..2592000"`
}

// normalizeCIDRs validates an allowlist; a bare address becomes a /32 or /128.
func normalizeCIDRs(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for i, c := range in {
		c = strings.TrimSpace(c)
		pfx, err := netip.ParsePrefix(c)
		if err != nil {
			addr, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return nil, apperr.Validation("invalid CIDR", apperr.Field(fmt.Sprintf("body.ip_allowlist[%d]", i), fmt.Sprintf("%q is not a CIDR or IP address", c)))
			}
			pfx = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		out = append(out, pfx.Masked().String())
	}
	return out, nil
}

func (svc *Service) orgRoutes(api huma.API) {
	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "create-org", Method: http.MethodPost, Path: httpapi.APIPrefix + "/orgs",
		Summary: "Create an org (the caller becomes its owner)", Tags: []string{tagOrg}, DefaultStatus: http.StatusCreated,
		Description: "Limited by the platform setting SECURENEXUS_ORG_CREATION: open, capped (a user may own a few orgs; the default) or platform administrators only.",
		Errors:      []int{http.StatusForbidden},
	}), func(ctx context.Context, in *struct {
		Body struct {
			Name string `json:"name" minLength:"1" maxLength:"200"`
		}
	}) (*orgOut, error) {
		p, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if err := svc.mayCreateOrg(ctx, p); err != nil {
			return nil, err
		}
		o, err := svc.Store.CreateOrg(ctx, in.Body.Name, p.UserID)
		if err != nil {
			return nil, err
		}
		return &orgOut{Body: orgView(o)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "get-org", Method: http.MethodGet, Path: httpapi.APIPrefix + "/org",
		Summary: "The selected org's settings and policy", Tags: []string{tagOrg},
	}, rbac.AdminOrg), func(ctx context.Context, _ *struct{}) (*orgOut, error) {
		scope, _, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		o, err := svc.Store.Org(ctx, scope)
		if err != nil {
			return nil, err
		}
		return &orgOut{Body: orgView(o)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "update-org", Method: http.MethodPatch, Path: httpapi.APIPrefix + "/org",
		Summary: "Update the selected org's settings and policy", Tags: []string{tagOrg},
		Description: "Fields left out keep their value. Enforcing SSO needs an enabled OIDC configuration; requiring MFA needs the caller's own session to have passed MFA, and an IP allowlist must include the caller's address (so an admin cannot lock themselves out).",
	}, rbac.AdminOrg), func(ctx context.Context, in *struct{ Body orgPatch }) (*orgOut, error) {
		scope, p, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		cur, err := svc.Store.Org(ctx, scope)
		if err != nil {
			return nil, err
		}
		b, pol, name := in.Body, cur.Policy, ""
		if b.Name != nil {
			name = *b.Name
		}
		if b.MFARequired != nil {
			if *b.MFARequired && !pol.MFARequired && p.Kind == KindUser && !p.MFA {
				return nil, apperr.Conflict("enable MFA on your own account (and sign in with it) before requiring it").WithCode("mfa_required_self")
			}
			pol.MFARequired = *b.MFARequired
		}
		if b.SSOEnforced != nil {
			if *b.SSOEnforced && !pol.SSOEnforced {
				cfg, err := svc.Store.OIDCConfig(ctx, scope)
				if err != nil || !cfg.Enabled {
					return nil, apperr.Conflict("configure and enable OIDC before enforcing SSO").WithCode("sso_not_configured")
				}
			}
			pol.SSOEnforced = *b.SSOEnforced
		}
		if b.IPAllowlist != nil {
			if pol.IPAllowlist, err = normalizeCIDRs(*b.IPAllowlist); err != nil {
				return nil, err
			}
			// The list applies to the caller too: one that leaves out the
			// caller's own address would lock them out with their next request.
			if ip := httpapi.ClientIP(ctx); checkIP(pol, ip) != nil {
				return nil, apperr.Validation("the allowlist excludes your address", apperr.Field("body.ip_allowlist",
					fmt.Sprintf("does not include your address %s: saving it would lock you out of this org", ip)))
			}
		}
		if b.SessionLifetimeSeconds != nil {
			secs := *b.SessionLifetimeSeconds
			if secs != 0 && secs < 300 {
				return nil, apperr.Validation("session lifetime too short", apperr.Field("body.session_lifetime_seconds", "must be 0 or at least 300"))
			}
			pol.SessionLifetime = time.Duration(secs) * time.Second
		}
		o, err := svc.Store.UpdateOrg(ctx, scope, name, pol)
		if err != nil {
			return nil, err
		}
		return &orgOut{Body: orgView(o)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "list-members", Method: http.MethodGet, Path: httpapi.APIPrefix + "/org/members",
		Summary: "List the org's members", Tags: []string{tagOrg},
	}, rbac.AdminUsers), listHandler(svc.Store.ListMembers, memberView))

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "update-member", Method: http.MethodPatch, Path: httpapi.APIPrefix + "/org/members/{user_id}",
		Summary: "Change a member's role", Tags: []string{tagOrg},
	}, rbac.AdminUsers), func(ctx context.Context, in *struct {
		UserID string `path:"user_id" format:"uuid"`
		Body   struct {
			Role string `json:"role" minLength:"2" maxLength:"40"`
		}
	}) (*struct{ Body MemberView }, error) {
		scope, p, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		id, err := parseID(in.UserID, "path.user_id")
		if err != nil {
			return nil, err
		}
		m, err := svc.Store.SetRole(ctx, scope, p, id, in.Body.Role)
		if err != nil {
			return nil, err
		}
		return &struct{ Body MemberView }{Body: memberView(m)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "remove-member", Method: http.MethodDelete, Path: httpapi.APIPrefix + "/org/members/{user_id}",
		Summary: "Remove a member (and revoke the API keys they created here)", Tags: []string{tagOrg}, DefaultStatus: http.StatusNoContent,
	}, rbac.AdminUsers), func(ctx context.Context, in *userIDPath) (*struct{}, error) {
		scope, p, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		id, err := parseID(in.UserID, "path.user_id")
		if err != nil {
			return nil, err
		}
		return nil, svc.Store.RemoveMember(ctx, scope, p, id)
	})

	svc.inviteRoutes(api)
	svc.roleRoutes(api)
	svc.apiKeyRoutes(api)
}

// listHandler serves a paged, org-scoped list: scope from the context,
// cursor from the query, items mapped to their API view.
func listHandler[T, V any](list func(context.Context, tenant.Scope, Page) ([]T, string, error), view func(T) V) func(context.Context, *PageInput) (*listOut[V], error) {
	return func(ctx context.Context, in *PageInput) (*listOut[V], error) {
		scope, _, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		pg, err := in.Decode()
		if err != nil {
			return nil, err
		}
		items, next, err := list(ctx, scope, pg)
		if err != nil {
			return nil, err
		}
		return &listOut[V]{Body: ListBody[V]{Items: mapSlice(items, view), NextCursor: next}}, nil
	}
}

// byIDHandler serves an org-scoped action on the object named by path.id
// (revoke, delete) that answers 204.
func byIDHandler(act func(context.Context, tenant.Scope, uuid.UUID) error) func(context.Context, *idPath) (*struct{}, error) {
	return func(ctx context.Context, in *idPath) (*struct{}, error) {
		scope, _, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		return nil, act(ctx, scope, id)
	}
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

func (svc *Service) inviteRoutes(api huma.API) {
	type inviteBody struct {
		Invitation InvitationView `json:"invitation"`
		Token      string         `json:"token" doc:"Single-use acceptance token, shown once"`
		AcceptURL  string         `json:"accept_url"`
	}
	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "create-invitation", Method: http.MethodPost, Path: httpapi.APIPrefix + "/org/invitations",
		Summary: "Invite someone into the org", Tags: []string{tagOrg}, DefaultStatus: http.StatusCreated,
	}, rbac.AdminUsers), func(ctx context.Context, in *struct {
		Body struct {
			Email          string `json:"email" minLength:"3" maxLength:"320"`
			Role           string `json:"role" minLength:"2" maxLength:"40"`
			ExpiresInHours int    `json:"expires_in_hours,omitempty" minimum:"1" maximum:"720" doc:"Default 168 (7 days)"`
		}
	}) (*struct{ Body inviteBody }, error) {
		scope, p, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		if p.Kind != KindUser {
			return nil, apperr.Forbidden("invitations are created by users, not API keys").WithCode("user_required")
		}
		inv, token, err := svc.Store.CreateInvitation(ctx, scope, p, in.Body.Email, in.Body.Role, time.Duration(in.Body.ExpiresInHours)*time.Hour)
		if err != nil {
			return nil, err
		}
		return &struct{ Body inviteBody }{Body: inviteBody{Invitation: invitationView(inv), Token: token,
			AcceptURL: strings.TrimRight(svc.Config.PublicURL, "/") + "/invite#token=" + token}}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "list-invitations", Method: http.MethodGet, Path: httpapi.APIPrefix + "/org/invitations",
		Summary: "List the org's invitations", Tags: []string{tagOrg},
	}, rbac.AdminUsers), listHandler(svc.Store.ListInvitations, invitationView))

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "revoke-invitation", Method: http.MethodDelete, Path: httpapi.APIPrefix + "/org/invitations/{id}",
		Summary: "Revoke a pending invitation", Tags: []string{tagOrg}, DefaultStatus: http.StatusNoContent,
	}, rbac.AdminUsers), byIDHandler(svc.Store.RevokeInvitation))

	huma.Register(api, httpapi.Public(huma.Operation{
		OperationID: "accept-invitation", Method: http.MethodPost, Path: httpapi.APIPrefix + "/invitations/accept",
		Summary: "Accept an invitation", Tags: []string{tagOrg},
		Description: "Creates the account (name and password required) or links the existing account with the invited email (prove it with its password or a session cookie of that user), and adds the membership. The token is single-use.",
		Errors:      []int{http.StatusNotFound, http.StatusUnauthorized, http.StatusTooManyRequests},
	}), func(ctx context.Context, in *struct {
		Session string `cookie:"sn_session"`
		Body    struct {
			Token    string `json:"token" minLength:"20" maxLength:"128"`
			Name     string `json:"name,omitempty" maxLength:"200"`
			Password string `json:"password,omitempty" maxLength:"256"`
		}
	}) (*struct{ Body MemberView }, error) {
		req := AcceptRequest{Token: in.Body.Token, Name: in.Body.Name, Password: in.Body.Password}
		if in.Session != "" {
			// A session vouched for only by one org's identity provider
			// does not prove the account (that org runs the provider).
			if sess, u, err := svc.Store.SessionByToken(ctx, in.Session); err == nil && !sess.SSOOrg.Valid {
				req.SessionUser = u.ID
			}
		}
		u, m, err := svc.Store.AcceptInvitation(ctx, req)
		if err != nil {
			return nil, err
		}
		m.Email, m.Name, m.MFA = u.Email, u.Name, u.MFAEnabled
		return &struct{ Body MemberView }{Body: memberView(m)}, nil
	})
}

func (svc *Service) roleRoutes(api huma.API) {
	type roleBody struct {
		Description string   `json:"description,omitempty" maxLength:"500"`
		Permissions []string `json:"permissions" minItems:"1" maxItems:"50"`
	}
	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "list-roles", Method: http.MethodGet, Path: httpapi.APIPrefix + "/org/roles",
		Summary: "List built-in and custom roles", Tags: []string{tagOrg},
		Description: "Built-in roles first, then the org's custom roles (at most 100, so the list is one page).",
	}, rbac.AdminUsers), func(ctx context.Context, _ *struct{}) (*listOut[RoleView], error) {
		scope, _, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		custom, err := svc.Store.ListRoles(ctx, scope)
		if err != nil {
			return nil, err
		}
		var items []RoleView
		for _, r := range rbac.BuiltIns() {
			items = append(items, RoleView{Name: r.Name, Description: r.Description, BuiltIn: true, Permissions: r.Permissions.Strings()})
		}
		items = append(items, mapSlice(custom, customRoleView)...)
		return &listOut[RoleView]{Body: ListBody[RoleView]{Items: items}}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "create-role", Method: http.MethodPost, Path: httpapi.APIPrefix + "/org/roles",
		Summary: "Create a custom role", Tags: []string{tagOrg}, DefaultStatus: http.StatusCreated,
	}, rbac.AdminOrg), func(ctx context.Context, in *struct {
		Body struct {
			Name        string   `json:"name" minLength:"2" maxLength:"40" pattern:"^[a-z][a-z0-9_-]+$"`
			Description string   `json:"description,omitempty" maxLength:"500"`
			Permissions []string `json:"permissions" minItems:"1" maxItems:"50"`
		}
	}) (*struct{ Body RoleView }, error) {
		scope, p, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		r, err := svc.Store.CreateRole(ctx, scope, p.Permissions, in.Body.Name, in.Body.Description, in.Body.Permissions)
		if err != nil {
			return nil, err
		}
		return &struct{ Body RoleView }{Body: customRoleView(r)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "update-role", Method: http.MethodPut, Path: httpapi.APIPrefix + "/org/roles/{id}",
		Summary: "Replace a custom role's description and permissions", Tags: []string{tagOrg},
	}, rbac.AdminOrg), func(ctx context.Context, in *struct {
		ID   string `path:"id" format:"uuid" doc:"Role id"`
		Body roleBody
	}) (*struct{ Body RoleView }, error) {
		scope, p, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		r, err := svc.Store.UpdateRole(ctx, scope, p.Permissions, id, in.Body.Description, in.Body.Permissions)
		if err != nil {
			return nil, err
		}
		return &struct{ Body RoleView }{Body: customRoleView(r)}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "delete-role", Method: http.MethodDelete, Path: httpapi.APIPrefix + "/org/roles/{id}",
		Summary: "Delete an unused custom role", Tags: []string{tagOrg}, DefaultStatus: http.StatusNoContent,
	}, rbac.AdminOrg), byIDHandler(svc.Store.DeleteRole))
}

func (svc *Service) apiKeyRoutes(api huma.API) {
	type createdKey struct {
		APIKeyView
		Token string `json:"token" doc:"The key, shown only in this response: snk_<prefix>_<secret>"`
	}
	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "create-api-key", Method: http.MethodPost, Path: httpapi.APIPrefix + "/org/api-keys",
		Summary: "Create an org API key", Tags: []string{tagOrg}, DefaultStatus: http.StatusCreated,
		Description: "The key's permissions must be a subset of the creator's. The token is returned once; only its hash is stored.",
	}, rbac.APIKeysManage), func(ctx context.Context, in *struct {
		Body struct {
			Name        string     `json:"name" minLength:"1" maxLength:"100"`
			Permissions []string   `json:"permissions" minItems:"1" maxItems:"50"`
			ExpiresAt   *time.Time `json:"expires_at,omitempty" doc:"Omit for a key that does not expire"`
		}
	}) (*struct{ Body createdKey }, error) {
		scope, p, err := scopeFrom(ctx)
		if err != nil {
			return nil, err
		}
		if p.Kind != KindUser {
			return nil, apperr.Forbidden("API keys are created by users, not by other API keys").WithCode("user_required")
		}
		n := NewAPIKey{Name: in.Body.Name, Permissions: in.Body.Permissions, CreatedBy: p.UserID, Grantor: p.Permissions}
		if in.Body.ExpiresAt != nil {
			n.ExpiresAt = *in.Body.ExpiresAt
		}
		k, token, err := svc.Store.CreateAPIKey(ctx, scope, n)
		if err != nil {
			return nil, err
		}
		return &struct{ Body createdKey }{Body: createdKey{APIKeyView: apiKeyView(k), Token: token}}, nil
	})

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "list-api-keys", Method: http.MethodGet, Path: httpapi.APIPrefix + "/org/api-keys",
		Summary: "List the org's API keys", Tags: []string{tagOrg},
	}, rbac.APIKeysManage), listHandler(svc.Store.ListAPIKeys, apiKeyView))

	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID: "revoke-api-key", Method: http.MethodDelete, Path: httpapi.APIPrefix + "/org/api-keys/{id}",
		Summary: "Revoke an API key", Tags: []string{tagOrg}, DefaultStatus: http.StatusNoContent,
	}, rbac.APIKeysManage), byIDHandler(svc.Store.RevokeAPIKey))
}

// mayCreateOrg applies the platform's org creation setting to p.
func (svc *Service) mayCreateOrg(ctx context.Context, p Principal) error {
	c := svc.Config
	if c.PlatformAdmin(p.Email) || c.OrgCreation == config.OrgCreationOpen {
		return nil
	}
	if c.OrgCreation == config.OrgCreationAdmins {
		return apperr.Forbidden("only platform administrators may create organisations here").WithCode("org_creation_restricted")
	}
	orgs, err := svc.Store.UserOrgs(ctx, p.UserID)
	if err != nil {
		return fmt.Errorf("identity: count owned orgs: %w", err)
	}
	owned := 0
	for _, o := range orgs {
		if o.Role == rbac.RoleOwner {
			owned++
		}
	}
	if owned >= c.OrgCreationMax {
		return apperr.Forbidden(fmt.Sprintf("you own %d organisations, the most this platform allows; ask a platform administrator", owned)).WithCode("org_creation_limit")
	}
	return nil
}
