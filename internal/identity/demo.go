package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// DemoPassword is the password of every demo account. Demo data is refused
// in production by configuration validation.
const DemoPassword = "demo-password-change-me"

// Demo org names.
const (
	DemoOrgAcme   = "Acme SOC"
	DemoOrgGlobex = "Globex MSSP client"
)

type demoUser struct {
	email, name string
	roles       map[string]string // org name -> role
}

var demoUsers = []demoUser{
	{"admin@acme.example", "Ada Admin", map[string]string{DemoOrgAcme: rbac.RoleOwner, DemoOrgGlobex: rbac.RoleAdmin}},
	{"analyst@acme.example", "Alan Analyst", map[string]string{DemoOrgAcme: rbac.RoleAnalyst, DemoOrgGlobex: rbac.RoleAnalyst}},
	{"responder@acme.example", "Rita Responder", map[string]string{DemoOrgAcme: rbac.RoleResponder}},
	{"viewer@acme.example", "Vic Viewer", map[string]string{DemoOrgAcme: rbac.RoleViewer}},
	{"auditor@acme.example", "Aud Itor", map[string]string{DemoOrgAcme: rbac.RoleAuditor}},
	{"admin@globex.example", "Gloria Globex", map[string]string{DemoOrgGlobex: rbac.RoleOwner}},
}

// DemoOrg returns the first org called name (the demo orgs are found by
// name).
func (s *Store) DemoOrg(ctx context.Context, name string) (Org, error) {
	var o Org
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		o, err = scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs WHERE name = $1 ORDER BY id LIMIT 1`, name))
		return err
	})
	return o, err
}

// LoadDemo creates the demo orgs and users. It is idempotent: existing orgs
// (by name), users (by email) and memberships are kept.
func (svc *Service) LoadDemo(ctx context.Context) (created bool, err error) {
	orgs := map[string]Org{}
	for _, name := range []string{DemoOrgAcme, DemoOrgGlobex} {
		o, err := svc.Store.DemoOrg(ctx, name)
		if errors.Is(err, sql.ErrNoRows) {
			o, err = svc.Store.CreateOrg(ctx, name, uuid.Nil)
			created = true
		}
		if err != nil {
			return false, fmt.Errorf("demo org %s: %w", name, err)
		}
		orgs[name] = o
	}
	for _, du := range demoUsers {
		u, err := svc.Store.UserByEmail(ctx, du.email)
		if apperr.Is(err, apperr.KindNotFound) {
			u, err = svc.Store.CreateUser(ctx, du.email, du.name, DemoPassword)
			created = true
		}
		if err != nil {
			return false, fmt.Errorf("demo user %s: %w", du.email, err)
		}
		for orgName, role := range du.roles {
			scope := tenant.System(orgs[orgName].ID, "demo")
			_, err := svc.Store.AddMember(ctx, scope, u.ID, role)
			switch {
			case err == nil:
				created = true
			case !apperr.Is(err, apperr.KindConflict):
				return false, fmt.Errorf("demo membership %s in %s: %w", du.email, orgName, err)
			}
		}
	}
	if !svc.Config.Production() && svc.Logger != nil {
		svc.Logger.WarnContext(ctx, "demo accounts ready (development only)",
			slog.String("orgs", DemoOrgAcme+", "+DemoOrgGlobex),
			slog.String("users", "admin@acme.example, analyst@acme.example, responder@acme.example, viewer@acme.example, auditor@acme.example, admin@globex.example"),
			slog.String("demo_login", DemoPassword))
	}
	return created, nil
}
