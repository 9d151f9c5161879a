package alerts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// MaxAssignees bounds the assignee list: an org with more members gets the
// first MaxAssignees to have joined, and Truncated is set.
const MaxAssignees = 500

// Assignee is an org member alerts can be assigned to. It carries only what
// a picker needs: no email address or other personal data beyond the name.
type Assignee struct {
	UserID string `json:"user_id" format:"uuid" doc:"User id, the value of an alert's assignee"`
	Name   string `json:"name" doc:"Display name (may be empty)"`
	Role   string `json:"role" doc:"Role in the organization"`
}

// MemberLister pages through the members of the scope's org and resolves
// their roles (identity.Store).
type MemberLister interface {
	ListMembers(ctx context.Context, scope tenant.Scope, pg identity.Page) ([]identity.Membership, string, error)
	RolePermissions(ctx context.Context, scope tenant.Scope, role string) (rbac.Set, error)
}

// Assignees lists the scope's org members who can act on alerts (their
// role, built-in or custom, grants alerts:write; viewers and auditors are
// left out), sorted by name, at most MaxAssignees; truncated reports that
// more exist.
func Assignees(ctx context.Context, members MemberLister, scope tenant.Scope) (out []Assignee, truncated bool, err error) {
	out = []Assignee{}
	canWrite := map[string]bool{} // role name → grants alerts:write
	cursor := ""
	for len(out) <= MaxAssignees {
		pg, err := identity.PageInput{Cursor: cursor, Limit: min(identity.MaxPageSize, MaxAssignees+1-len(out))}.Decode()
		if err != nil {
			return nil, false, fmt.Errorf("alerts: assignees cursor: %w", err)
		}
		page, next, err := members.ListMembers(ctx, scope, pg)
		if err != nil {
			return nil, false, fmt.Errorf("alerts: list assignees: %w", err)
		}
		for _, m := range page {
			can, ok := canWrite[m.Role]
			if !ok {
				perms, err := members.RolePermissions(ctx, scope, m.Role)
				if err != nil {
					return nil, false, fmt.Errorf("alerts: assignee role: %w", err)
				}
				can = perms.Has(rbac.AlertsWrite)
				canWrite[m.Role] = can
			}
			if can {
				out = append(out, Assignee{UserID: m.UserID.String(), Name: m.Name, Role: m.Role})
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(out) > MaxAssignees {
		out, truncated = out[:MaxAssignees], true
	}
	slices.SortFunc(out, func(a, b Assignee) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID))
	})
	return out, truncated, nil
}
