package identity

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

const (
	tagAuth = "Authentication"
	tagOrg  = "Organisation"
)

func principal(ctx context.Context) (Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return Principal{}, errNoCredentials
	}
	return p, nil
}

// requireUser returns the principal when it is a signed-in user (not an
// API key).
func requireUser(ctx context.Context) (Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return Principal{}, err
	}
	if p.Kind != KindUser {
		return Principal{}, apperr.Forbidden("this operation needs a signed-in user, not an API key").WithCode("user_required")
	}
	return p, nil
}

var errSSOSessionRestricted = apperr.Forbidden("this session was signed in through an org's identity provider and cannot change account-wide settings; sign in with your password").WithCode("sso_session_restricted")

// requireAccountUser returns the principal when it may change the global
// account (password, MFA): a signed-in user whose session is not bound to
// one org's identity provider. That provider is run by the org, which must
// not be able to take over or lock out an account shared with other orgs.
func requireAccountUser(ctx context.Context) (Principal, error) {
	p, err := requireUser(ctx)
	if err != nil {
		return Principal{}, err
	}
	if p.SSOOrg != uuid.Nil {
		return Principal{}, errSSOSessionRestricted
	}
	return p, nil
}

// scopeFrom returns the org scope and the principal of a Protected
// operation.
func scopeFrom(ctx context.Context) (tenant.Scope, Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return tenant.Scope{}, Principal{}, err
	}
	s, err := httpapi.Scope(ctx)
	if err != nil {
		return tenant.Scope{}, Principal{}, err
	}
	return s, p, nil
}

// sessionCookie builds the session cookie (maxAge < 0 deletes it).
func (svc *Service) sessionCookie(token string, maxAge time.Duration) http.Cookie {
	// Secure is set whenever the service is reached over https (always in
	// production); plain-http development would otherwise lose the cookie.
	c := http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: svc.secure, SameSite: http.SameSiteLaxMode} //nolint:gosec // Secure follows the deployment scheme, see above
	if maxAge < 0 {
		c.MaxAge = -1
		c.Value = ""
	} else {
		c.MaxAge = int(maxAge / time.Second)
	}
	return c
}

// UserView is a user in API responses.
type UserView struct {
	ID         string    `json:"id" format:"uuid"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	MFAEnabled bool      `json:"mfa_enabled"`
	CreatedAt  time.Time `json:"created_at"`
	Timezone   string    `json:"timezone" doc:"My display time zone (empty: the selected org's)"`
	Language   string    `json:"language" doc:"My UI language (empty: the selected org's)"`
}

func userView(u User) UserView {
	return UserView{ID: u.ID.String(), Email: u.Email, Name: u.Name, MFAEnabled: u.MFAEnabled, CreatedAt: u.CreatedAt}
}

// MyOrgView is one org of the caller with the caller's access in it.
type MyOrgView struct {
	ID          string   `json:"id" format:"uuid"`
	Name        string   `json:"name"`
	Role        string   `json:"role" doc:"Role in the org (empty for API keys)"`
	Permissions []string `json:"permissions"`
	MFARequired bool     `json:"mfa_required"`
	SSOEnforced bool     `json:"sso_enforced"`
	Timezone    string   `json:"timezone" doc:"The org's default display time zone (IANA), also its reports' zone"`
	Language    string   `json:"language" doc:"The org's default UI language"`
}

// MeBody describes the caller.
type MeBody struct {
	Kind     string      `json:"kind" enum:"user,apikey"`
	User     *UserView   `json:"user,omitempty"`
	APIKeyID string      `json:"api_key_id,omitempty"`
	Session  string      `json:"session_id,omitempty"`
	MFA      bool        `json:"mfa" doc:"Whether this session passed a second factor"`
	Orgs     []MyOrgView `json:"orgs"`
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"320" minLength:"3" doc:"Account email (case-insensitive)"`
		Password string `json:"password" minLength:"1" maxLength:"256"`
		TOTPCode string `json:"totp_code,omitempty" pattern:"^[0-9]{6}$" doc:"Six-digit TOTP code, required when the account has MFA (or recovery_code)"`
		// RecoveryCode replaces the TOTP code once when the device is lost.
		RecoveryCode string `json:"recovery_code,omitempty" maxLength:"64" doc:"A single-use recovery code (shown when MFA was enabled), instead of totp_code"`
	}
}

// enrollBody is a pending TOTP enrolment as shown to the user once.
type enrollBody struct {
	Secret     string `json:"secret" doc:"Base32 TOTP secret"`
	OTPAuthURL string `json:"otpauth_url"`
	QRPNG      string `json:"qr_png" doc:"The otpauth URL as a QR code: a data:image/png;base64 URL rendered by the server (no third party sees the secret)"`
}

// recoveryCodesBody carries recovery codes shown once.
type recoveryCodesBody struct {
	RecoveryCodes []string `json:"recovery_codes" doc:"Single-use recovery codes; shown only now, store them safely"`
	// RevokedSessions is set when MFA was just enabled.
	RevokedSessions int64 `json:"revoked_sessions" doc:"Your other sessions that were signed out because they had not passed the new factor"`
}

type meOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      MeBody
}

type meOnly struct {
	Body MeBody
}

func (svc *Service) me(ctx context.Context, p Principal) (MeBody, error) {
	if p.Kind == KindAPIKey {
		o, err := svc.Store.Org(ctx, tenant.NewAuthenticated(p.OrgID, p.Actor()))
		if err != nil {
			return MeBody{}, err
		}
		l, err := svc.Store.OrgLocale(ctx, tenant.NewAuthenticated(p.OrgID, p.Actor()))
		if err != nil {
			return MeBody{}, err
		}
		return MeBody{Kind: string(KindAPIKey), APIKeyID: p.APIKeyID.String(), Orgs: []MyOrgView{{
			ID: o.ID.String(), Name: o.Name, Permissions: p.Permissions.Strings(), MFARequired: o.Policy.MFARequired, SSOEnforced: o.Policy.SSOEnforced,
			Timezone: l.Timezone, Language: l.Language,
		}}}, nil
	}
	u, err := svc.Store.UserByID(ctx, p.UserID)
	if err != nil {
		return MeBody{}, err
	}
	orgs, err := svc.Store.UserOrgs(ctx, p.UserID)
	if err != nil {
		return MeBody{}, err
	}
	uv := userView(u)
	ul, err := svc.Store.UserLocale(ctx, p.UserID)
	if err != nil {
		return MeBody{}, err
	}
	uv.Timezone, uv.Language = ul.Timezone, ul.Language
	ids := make([]uuid.UUID, 0, len(orgs))
	for _, or := range orgs {
		ids = append(ids, or.Org.ID)
	}
	locales, err := svc.Store.orgLocales(ctx, ids)
	if err != nil {
		return MeBody{}, err
	}
	body := MeBody{Kind: string(KindUser), User: &uv, Session: p.SessionID.String(), MFA: p.MFA, Orgs: []MyOrgView{}}
	for _, or := range orgs {
		if p.SSOOrg != uuid.Nil && or.Org.ID != p.SSOOrg {
			continue // an SSO session sees only the org that signed it in
		}
		perms := []string{}
		if r, ok := rbac.BuiltIn(or.Role); ok {
			perms = r.Permissions.Strings()
		} else if cr, err := svc.customRole(ctx, or.Org.ID, p, or.Role); err == nil {
			perms = cr.Strings()
		}
		body.Orgs = append(body.Orgs, MyOrgView{ID: or.Org.ID.String(), Name: or.Org.Name, Role: or.Role, Permissions: perms,
			MFARequired: or.Org.Policy.MFARequired, SSOEnforced: or.Org.Policy.SSOEnforced,
			Timezone: locales[or.Org.ID].Timezone, Language: locales[or.Org.ID].Language})
	}
	return body, nil
}

func (svc *Service) customRole(ctx context.Context, org uuid.UUID, p Principal, name string) (rbac.Set, error) {
	roles, err := svc.Store.ListRoles(ctx, tenant.NewAuthenticated(org, p.Actor()))
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if r.Name == name {
			return r.Permissions, nil
		}
	}
	return rbac.NewSet(), nil
}

type sessionView struct {
	ID         string    `json:"id" format:"uuid"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Method     string    `json:"method" enum:"password,oidc"`
	MFA        bool      `json:"mfa"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	Current    bool      `json:"current"`
}

type sessionList struct {
	Body struct {
		Items      []sessionView `json:"items"`
		NextCursor string        `json:"next_cursor,omitempty"`
	}
}

type idPath struct {
	ID string `path:"id" format:"uuid" doc:"Object id"`
}

func parseID(raw, loc string) (uuid.UUID, error) {
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.Nil, apperr.Validation("invalid id", apperr.Field(loc, "must be a UUID"))
	}
	return id, nil
}

func (svc *Service) authRoutes(api huma.API) {
	huma.Register(api, httpapi.Public(huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: httpapi.APIPrefix + "/auth/login",
		Summary: "Sign in with email and password", Tags: []string{tagAuth},
		Description: "Starts a session and sets the HttpOnly `sn_session` cookie. Repeated failures lock the account (and the client IP) temporarily: 429 with Retry-After. Accounts with MFA need `totp_code` or a single-use `recovery_code` (401 `mfa_required` without either).",
		Errors:      []int{http.StatusUnauthorized, http.StatusTooManyRequests},
	}), func(ctx context.Context, in *loginInput) (*meOutput, error) {
		token, sess, u, err := svc.Store.Login(ctx, LoginRequest{Email: in.Body.Email, Password: in.Body.Password, TOTPCode: in.Body.TOTPCode,
			RecoveryCode: in.Body.RecoveryCode, IP: httpapi.ClientIP(ctx), UserAgent: httpapi.UserAgent(ctx)})
		if err != nil {
			return nil, err
		}
		body, err := svc.me(ctx, Principal{Kind: KindUser, UserID: u.ID, SessionID: sess.ID, MFA: sess.MFA})
		if err != nil {
			return nil, err
		}
		return &meOutput{SetCookie: svc.sessionCookie(token, svc.Store.maxAge()), Body: body}, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: httpapi.APIPrefix + "/auth/logout",
		Summary: "Sign out (revoke this session)", Tags: []string{tagAuth}, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, _ *struct{}) (*struct {
		SetCookie http.Cookie `header:"Set-Cookie"`
	}, error) {
		p, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if err := svc.Store.Logout(ctx, p.SessionID); err != nil {
			return nil, err
		}
		return &struct {
			SetCookie http.Cookie `header:"Set-Cookie"`
		}{SetCookie: svc.sessionCookie("", -1)}, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: httpapi.APIPrefix + "/auth/me",
		Summary: "The caller, its orgs, roles and permissions", Tags: []string{tagAuth},
	}), func(ctx context.Context, _ *struct{}) (*meOnly, error) {
		p, err := principal(ctx)
		if err != nil {
			return nil, err
		}
		body, err := svc.me(ctx, p)
		if err != nil {
			return nil, err
		}
		return &meOnly{Body: body}, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "change-password", Method: http.MethodPost, Path: httpapi.APIPrefix + "/auth/password",
		Summary: "Change my password (revokes every session, issues a new one)", Tags: []string{tagAuth}, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, in *struct {
		Body struct {
			CurrentPassword string `json:"current_password" maxLength:"256"`
			NewPassword     string `json:"new_password" minLength:"12" maxLength:"256"`
		}
	}) (*struct {
		SetCookie http.Cookie `header:"Set-Cookie"`
	}, error) {
		p, err := requireAccountUser(ctx)
		if err != nil {
			return nil, err
		}
		token, _, err := svc.Store.ChangePassword(ctx, p.UserID, in.Body.CurrentPassword, in.Body.NewPassword,
			SessionOptions{MFA: p.MFA, Method: MethodPassword, IP: httpapi.ClientIP(ctx), UserAgent: httpapi.UserAgent(ctx)})
		if err != nil {
			return nil, err
		}
		return &struct {
			SetCookie http.Cookie `header:"Set-Cookie"`
		}{SetCookie: svc.sessionCookie(token, svc.Store.maxAge())}, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "enroll-mfa", Method: http.MethodPost, Path: httpapi.APIPrefix + "/auth/mfa/enroll",
		Summary: "Start TOTP enrolment", Tags: []string{tagAuth},
		Description: "Returns a new TOTP secret, its otpauth:// URL and a QR code of it rendered locally (shown once). MFA is enabled only after verify-mfa confirms a code.",
	}), func(ctx context.Context, _ *struct{}) (*struct{ Body enrollBody }, error) {
		p, err := requireAccountUser(ctx)
		if err != nil {
			return nil, err
		}
		u, err := svc.Store.UserByID(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		if u.MFAEnabled {
			return nil, apperr.Conflict("MFA is already enabled").WithCode("mfa_enabled")
		}
		e, err := svc.Store.EnrollTOTP(ctx, u)
		if err != nil {
			return nil, err
		}
		return &struct{ Body enrollBody }{Body: enrollBody{Secret: e.Secret, OTPAuthURL: e.URL, QRPNG: e.QRPNG}}, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "verify-mfa", Method: http.MethodPost, Path: httpapi.APIPrefix + "/auth/mfa/verify",
		Summary: "Confirm TOTP enrolment with a code and enable MFA", Tags: []string{tagAuth},
		Description: "Enables MFA, signs out every other session of yours (they passed only the password) and returns single-use recovery codes, shown only in this response.",
	}), func(ctx context.Context, in *struct {
		Body struct {
			Code string `json:"code" pattern:"^[0-9]{6}$"`
		}
	}) (*struct{ Body recoveryCodesBody }, error) {
		p, err := requireAccountUser(ctx)
		if err != nil {
			return nil, err
		}
		res, err := svc.Store.VerifyTOTP(ctx, p.UserID, p.SessionID, in.Body.Code)
		if err != nil {
			return nil, err
		}
		return &struct{ Body recoveryCodesBody }{Body: recoveryCodesBody(res)}, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "regenerate-recovery-codes", Method: http.MethodPost, Path: httpapi.APIPrefix + "/auth/mfa/recovery-codes",
		Summary: "Replace my recovery codes (needs a current code)", Tags: []string{tagAuth},
		Description: "Invalidates every earlier recovery code and returns a new set, shown only in this response.",
	}), func(ctx context.Context, in *struct {
		Body struct {
			Code string `json:"code" pattern:"^[0-9]{6}$"`
		}
	}) (*struct{ Body recoveryCodesBody }, error) {
		p, err := requireAccountUser(ctx)
		if err != nil {
			return nil, err
		}
		codes, err := svc.Store.RegenerateRecoveryCodes(ctx, p.UserID, in.Body.Code)
		if err != nil {
			return nil, err
		}
		return &struct{ Body recoveryCodesBody }{Body: recoveryCodesBody{RecoveryCodes: codes}}, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "get-my-mfa", Method: http.MethodGet, Path: httpapi.APIPrefix + "/auth/mfa",
		Summary: "My MFA status", Tags: []string{tagAuth},
	}), func(ctx context.Context, _ *struct{}) (*struct {
		Body struct {
			Enabled       bool `json:"enabled"`
			RecoveryCodes int  `json:"recovery_codes_left" doc:"Unused recovery codes"`
		}
	}, error) {
		p, err := requireAccountUser(ctx)
		if err != nil {
			return nil, err
		}
		u, err := svc.Store.UserByID(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		out := &struct {
			Body struct {
				Enabled       bool `json:"enabled"`
				RecoveryCodes int  `json:"recovery_codes_left" doc:"Unused recovery codes"`
			}
		}{}
		out.Body.Enabled = u.MFAEnabled
		if u.MFAEnabled {
			if out.Body.RecoveryCodes, err = svc.Store.RecoveryCodesLeft(ctx, p.UserID); err != nil {
				return nil, err
			}
		}
		return out, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "disable-mfa", Method: http.MethodPost, Path: httpapi.APIPrefix + "/auth/mfa/disable",
		Summary: "Turn off my TOTP MFA (needs a current code)", Tags: []string{tagAuth}, DefaultStatus: http.StatusNoContent,
		Description: "Orgs that require MFA refuse the account afterwards. A lost device is reset by an operator: `securenexus user reset-mfa --email ...`.",
	}), func(ctx context.Context, in *struct {
		Body struct {
			Code string `json:"code" pattern:"^[0-9]{6}$"`
		}
	}) (*struct{}, error) {
		p, err := requireAccountUser(ctx)
		if err != nil {
			return nil, err
		}
		return nil, svc.Store.DisableTOTP(ctx, p.UserID, in.Body.Code, false)
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "list-my-sessions", Method: http.MethodGet, Path: httpapi.APIPrefix + "/auth/sessions",
		Summary: "List my active sessions", Tags: []string{tagAuth},
	}), func(ctx context.Context, in *PageInput) (*sessionList, error) {
		p, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		pg, err := in.Decode()
		if err != nil {
			return nil, err
		}
		list, next, err := svc.Store.ListSessions(ctx, p.UserID, p.SSOOrg, pg)
		if err != nil {
			return nil, err
		}
		out := &sessionList{}
		out.Body.Items, out.Body.NextCursor = []sessionView{}, next
		for _, x := range list {
			out.Body.Items = append(out.Body.Items, sessionView{ID: x.ID.String(), CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt, ExpiresAt: x.ExpiresAt,
				Method: x.Method, MFA: x.MFA, IP: x.IP, UserAgent: x.UserAgent, Current: x.ID == p.SessionID})
		}
		return out, nil
	})

	huma.Register(api, httpapi.Authenticated(huma.Operation{
		OperationID: "revoke-my-session", Method: http.MethodDelete, Path: httpapi.APIPrefix + "/auth/sessions/{id}",
		Summary: "Revoke one of my sessions", Tags: []string{tagAuth}, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, in *idPath) (*struct{}, error) {
		p, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		return nil, svc.Store.RevokeSession(ctx, p.UserID, p.SSOOrg, id)
	})
}
