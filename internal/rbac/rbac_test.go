package rbac

import (
	"strings"
	"testing"
)

func TestCatalogIsWellFormed(t *testing.T) {
	seen := map[Permission]bool{}
	for _, p := range All {
		if seen[p] {
			t.Errorf("duplicate %s", p)
		}
		seen[p] = true
		res, act, ok := strings.Cut(string(p), ":")
		if !ok || res == "" || act == "" || strings.ToLower(string(p)) != string(p) {
			t.Errorf("malformed %q", p)
		}
	}
	if len(All) != 19 {
		t.Errorf("catalog has %d permissions, want 19", len(All))
	}
}

func role(t *testing.T, name string) Set {
	t.Helper()
	r, ok := BuiltIn(name)
	if !ok {
		t.Fatalf("no built-in %s", name)
	}
	return r.Permissions
}

func TestBuiltInRoles(t *testing.T) {
	owner, admin := role(t, RoleOwner), role(t, RoleAdmin)
	analyst, responder := role(t, RoleAnalyst), role(t, RoleResponder)
	viewer, auditor := role(t, RoleViewer), role(t, RoleAuditor)

	if len(owner) != len(All) || len(admin) != len(All) {
		t.Error("owner and admin hold every permission")
	}
	for p := range viewer {
		if !strings.HasSuffix(string(p), ":read") {
			t.Errorf("viewer holds non-read %s", p)
		}
	}
	if viewer.Has(AuditRead) || viewer.Has(OpsRead) {
		t.Error("viewer must not read the audit log or ops")
	}
	if !auditor.Contains(viewer) || !auditor.Has(AuditRead) || len(auditor) != len(viewer)+1 {
		t.Errorf("auditor = viewer + audit:read, got %v", auditor.Strings())
	}
	if !analyst.Contains(viewer) || !analyst.Has(AlertsWrite) || !analyst.Has(IncidentsManage) || analyst.Has(PlaybooksExecute) || analyst.Has(AdminUsers) {
		t.Errorf("analyst: %v", analyst.Strings())
	}
	if !viewer.Has(IntelRead) || viewer.Has(IntelManage) || !analyst.Has(IntelManage) {
		t.Errorf("intel: viewer reads, analyst manages; viewer %v analyst %v", viewer.Strings(), analyst.Strings())
	}
	if !responder.Contains(analyst) || !responder.Has(PlaybooksExecute) || len(responder) != len(analyst)+1 {
		t.Errorf("responder = analyst + playbooks:execute, got %v", responder.Strings())
	}
	// Copies: mutating a returned role does not change the built-in.
	delete(owner, AdminOrg)
	if !role(t, RoleOwner).Has(AdminOrg) {
		t.Error("BuiltIn returned shared state")
	}
}

func TestParseAndNames(t *testing.T) {
	s, err := Parse([]string{"alerts:read", "alerts:read", "ops:read"})
	if err != nil || len(s) != 2 || strings.Join(s.Strings(), ",") != "alerts:read,ops:read" {
		t.Fatalf("parse: %v %v", s, err)
	}
	if _, err := Parse([]string{"alerts:read", "alerts:delete"}); err == nil || !strings.Contains(err.Error(), "alerts:delete") {
		t.Fatalf("unknown permission error should name it: %v", err)
	}
	for name, want := range map[string]bool{"triage": true, "tier-1_soc": true, "admin": false, "Owner": false, "1st": false, "x": false, "a b": false} {
		if got := ValidRoleName(name); got != want {
			t.Errorf("ValidRoleName(%q) = %v", name, got)
		}
	}
}
