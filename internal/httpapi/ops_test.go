package httpapi_test

import (
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

func TestProtectedRecordsTypedPermission(t *testing.T) {
	op := httpapi.Protected(huma.Operation{OperationID: "x"}, rbac.AuditRead)
	perm, public, declared := httpapi.Permission(&op)
	if perm != rbac.AuditRead || public || !declared {
		t.Fatalf("Permission = %q public=%v declared=%v", perm, public, declared)
	}
	if got, _ := op.Extensions[httpapi.ExtPermission].(string); got != "audit:read" {
		t.Fatalf("extension = %q, want the plain permission name in the OpenAPI document", got)
	}
	if !strings.Contains(op.Description, "`audit:read`") {
		t.Fatalf("description does not name the permission: %q", op.Description)
	}
}

func TestProtectedRefusesUnknownPermission(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "audit:raed") {
			t.Fatalf("recover() = %v, want a panic naming the unknown permission", r)
		}
	}()
	httpapi.Protected(huma.Operation{OperationID: "typo"}, rbac.Permission("audit:raed"))
}
