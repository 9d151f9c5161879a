package invariants

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/securenexus/securenexus/internal/"

// kernel packages are what every module builds on; they import no domain
// package (only other kernel, leaf or mapping packages).
var kernel = append(slices.Clone(leaves),
	"config", "logging", "telemetry", "health", "httpapi", "db", "jobs", "page", "web",
	"platform", "platform/events", "platform/egress", "platform/plugin", "platform/secrets", "platform/blob",
)

// leaves import nothing of ours.
var leaves = []string{"apperr", "tenant", "rbac", "buildinfo"}

// mapping packages turn vendor data into the alert schema; they touch
// neither the database nor HTTP and import no domain package.
var mapping = []string{"alert", "normalize", "entity", "syslog", "attack"}

// mappingMay is what mapping packages may import besides each other: the
// leaves and the plugin registry they register on (Deps are transitive, so
// the registry itself must stay free of database and HTTP).
var mappingMay = append(slices.Clone(leaves), "platform/plugin")

// reactors only subscribe to events: no domain package may import one (a
// domain that needs a reaction emits an event instead). None exists yet;
// the rule holds for the packages the design names as they arrive.
var reactors = []string{"playbook", "notify", "webhook", "report", "compliance"}

// composition packages wire modules together and may import anything.
var composition = []string{"app", "intake"}

// testOnly packages exist for tests: they may import what they exercise.
var testOnly = []string{"testdb", "crosstenant", "invariants", "bench"}

type goPackage struct {
	ImportPath string
	Deps       []string
}

// listPackages runs go list over the module's internal packages (non-test
// dependencies only).
func listPackages(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Deps", "../...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name, ok := strings.CutPrefix(p.ImportPath, module)
		if !ok {
			continue
		}
		var deps []string
		for _, d := range p.Deps {
			if dn, ok := strings.CutPrefix(d, module); ok {
				deps = append(deps, dn)
			}
		}
		pkgs[name] = deps
	}
	return pkgs
}

// under reports whether pkg is one of roots or below one of them.
func under(pkg string, roots []string) bool {
	for _, r := range roots {
		if pkg == r || strings.HasPrefix(pkg, r+"/") {
			return true
		}
	}
	return false
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d internal packages", len(pkgs))
	}
	for _, k := range append(slices.Clone(kernel), mapping...) {
		if _, ok := pkgs[k]; !ok {
			t.Errorf("the rule lists %s, which does not exist: keep the lists true", k)
		}
	}
	lower := func(p string) bool { return slices.Contains(kernel, p) || slices.Contains(mapping, p) }
	for _, l := range leaves {
		if len(pkgs[l]) > 0 {
			t.Errorf("leaf package %s imports %v", l, pkgs[l])
		}
	}
	for pkg, deps := range pkgs {
		switch {
		case slices.Contains(kernel, pkg):
			for _, d := range deps {
				if !lower(d) {
					t.Errorf("kernel package %s imports %s, which is not kernel or mapping", pkg, d)
				}
			}
		case under(pkg, mapping):
			for _, d := range deps {
				if !under(d, mapping) && !slices.Contains(mappingMay, d) {
					t.Errorf("mapping package %s imports %s (mapping imports only mapping packages, leaves and the plugin registry: no database, no HTTP, no domain)", pkg, d)
				}
			}
		}
		if under(pkg, composition) || under(pkg, testOnly) || under(pkg, reactors) {
			continue
		}
		for _, d := range deps {
			if under(d, reactors) {
				t.Errorf("%s imports reactor package %s: reactors subscribe to events and are imported only by composition packages", pkg, d)
			}
		}
	}
}
