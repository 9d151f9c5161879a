package tenant_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const tenantPath = "github.com/securenexus/securenexus/internal/tenant"

// newAuthenticatedCalls returns the positions in src (a Go file) that call
// tenant.NewAuthenticated.
func newAuthenticatedCalls(t *testing.T, fset *token.FileSet, name string, src any) []string {
	t.Helper()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	local := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == tenantPath {
			local = "tenant"
			if imp.Name != nil {
				local = imp.Name.Name
			}
		}
	}
	if local == "" {
		return nil
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "NewAuthenticated" {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == local {
			out = append(out, fset.Position(sel.Pos()).String())
		}
		return true
	})
	return out
}

// TestNewAuthenticatedOnlyInIdentity enforces the package contract: only
// the identity layer (which authenticates and authorises the caller first)
// builds an authenticated Scope; system work uses tenant.System. Tests may
// build scopes freely.
func TestNewAuthenticatedOnlyInIdentity(t *testing.T) {
	fset := token.NewFileSet()
	// The check itself must be able to fail.
	if got := newAuthenticatedCalls(t, fset, "probe.go", `package x
import sc "`+tenantPath+`"
var _ = sc.NewAuthenticated`); len(got) != 1 {
		t.Fatalf("checker misses an aliased call: %v", got)
	}
	root := filepath.Join("..", "..")
	var bad []string
	files := 0
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") || e.Name() == "node_modules" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			rel := filepath.ToSlash(path)
			if strings.Contains(rel, "/internal/identity/") || strings.Contains(rel, "/internal/tenant/") {
				return nil
			}
			files++
			bad = append(bad, newAuthenticatedCalls(t, fset, path, nil)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 20 {
		t.Fatalf("walked only %d files from %s", files, root)
	}
	if len(bad) > 0 {
		t.Fatalf("tenant.NewAuthenticated outside internal/identity (use the Guard's scope, or tenant.System for system work): %v", bad)
	}
}
