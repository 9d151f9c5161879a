// Package rbac is the permission catalog of SecureNexus and the built-in
// roles. It is the single source of permission names: operations declare
// them with httpapi.Protected(op, rbac.AlertsRead), roles grant
// them, API keys are scoped to subsets of them.
package rbac

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
)

// Permission is "resource:action".
type Permission string

// The permission catalog.
const (
	AlertsRead       Permission = "alerts:read"
	AlertsWrite      Permission = "alerts:write"
	AlertsIngest     Permission = "alerts:ingest"
	SourcesManage    Permission = "sources:manage"
	IncidentsRead    Permission = "incidents:read"
	IncidentsManage  Permission = "incidents:manage"
	PlaybooksRead    Permission = "playbooks:read"
	PlaybooksExecute Permission = "playbooks:execute"
	ConnectorsManage Permission = "connectors:manage"
	ComplianceRead   Permission = "compliance:read"
	ComplianceManage Permission = "compliance:manage"
	AIUse            Permission = "ai:use"
	APIKeysManage    Permission = "apikeys:manage"
	AdminUsers       Permission = "admin:users"
	AdminOrg         Permission = "admin:org"
	AuditRead        Permission = "audit:read"
	OpsRead          Permission = "ops:read"
	IntelRead        Permission = "intel:read"
	IntelManage      Permission = "intel:manage"
)

// All is every permission, in catalog order.
var All = []Permission{
	AlertsRead, AlertsWrite, AlertsIngest, SourcesManage,
	IncidentsRead, IncidentsManage, PlaybooksRead, PlaybooksExecute,
	ConnectorsManage, ComplianceRead, ComplianceManage, AIUse,
	APIKeysManage, AdminUsers, AdminOrg, AuditRead, OpsRead,
	IntelRead, IntelManage,
}

// Valid reports whether p is in the catalog.
func (p Permission) Valid() bool { return slices.Contains(All, p) }

// Set is a set of permissions.
type Set map[Permission]struct{}

// NewSet builds a Set.
func NewSet(perms ...Permission) Set {
	s := make(Set, len(perms))
	for _, p := range perms {
		s[p] = struct{}{}
	}
	return s
}

// Has reports whether s grants p.
func (s Set) Has(p Permission) bool {
	_, ok := s[p]
	return ok
}

// Contains reports whether every permission of other is in s.
func (s Set) Contains(other Set) bool {
	for p := range other {
		if !s.Has(p) {
			return false
		}
	}
	return true
}

// List returns the permissions sorted by name.
func (s Set) List() []Permission {
	out := make([]Permission, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Strings returns the sorted permission names.
func (s Set) Strings() []string {
	out := make([]string, 0, len(s))
	for _, p := range s.List() {
		out = append(out, string(p))
	}
	return out
}

// Parse validates permission names and returns them as a Set. The error
// names the first unknown permission.
func Parse(names []string) (Set, error) {
	s := make(Set, len(names))
	for _, n := range names {
		p := Permission(n)
		if !p.Valid() {
			return nil, fmt.Errorf("unknown permission %q", n)
		}
		s[p] = struct{}{}
	}
	return s, nil
}

// Built-in role names.
const (
	RoleOwner     = "owner"
	RoleAdmin     = "admin"
	RoleAnalyst   = "analyst"
	RoleResponder = "responder"
	RoleViewer    = "viewer"
	RoleAuditor   = "auditor"
)

// Role is a named set of permissions.
type Role struct {
	Name        string
	Description string
	BuiltIn     bool
	Permissions Set
}

var (
	readOnly = []Permission{AlertsRead, IncidentsRead, PlaybooksRead, ComplianceRead, IntelRead}
	analyst  = append(slices.Clone(readOnly), AlertsWrite, IncidentsManage, AIUse, IntelManage)
)

var builtIns = []Role{
	{Name: RoleOwner, BuiltIn: true, Description: "Full control of the organisation, including its owners", Permissions: NewSet(All...)},
	{Name: RoleAdmin, BuiltIn: true, Description: "Administers users, settings, sources, connectors and keys", Permissions: NewSet(All...)},
	{Name: RoleResponder, BuiltIn: true, Description: "Analyst who may also execute response playbooks", Permissions: NewSet(append(slices.Clone(analyst), PlaybooksExecute)...)},
	{Name: RoleAnalyst, BuiltIn: true, Description: "Triages alerts and manages incidents", Permissions: NewSet(analyst...)},
	{Name: RoleAuditor, BuiltIn: true, Description: "Read-only access plus the audit log", Permissions: NewSet(append(slices.Clone(readOnly), AuditRead)...)},
	{Name: RoleViewer, BuiltIn: true, Description: "Read-only access to alerts, incidents, playbooks, compliance and threat intel", Permissions: NewSet(readOnly...)},
}

// BuiltIns returns the built-in roles (copies), most privileged first.
func BuiltIns() []Role {
	out := make([]Role, len(builtIns))
	for i, r := range builtIns {
		r.Permissions = NewSet(r.Permissions.List()...)
		out[i] = r
	}
	return out
}

// BuiltIn returns the built-in role called name.
func BuiltIn(name string) (Role, bool) {
	for _, r := range BuiltIns() {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

// IsBuiltIn reports whether name is reserved by a built-in role.
func IsBuiltIn(name string) bool {
	_, ok := BuiltIn(name)
	return ok
}

// roleName is the shape of a custom role name.
var roleName = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,39}$`)

// ValidRoleName reports whether name is acceptable for a custom role.
func ValidRoleName(name string) bool { return roleName.MatchString(name) && !IsBuiltIn(name) }
