//go:build conformance

package attack

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBuiltinMatchesTables checks the committed enterprise.json is what
// the generator makes from the ATT&CK tables beside the repository
// (SECURENEXUS_ATTACK_TABLES, else shared/attack found by walking up).
func TestBuiltinMatchesTables(t *testing.T) {
	dir := os.Getenv("SECURENEXUS_ATTACK_TABLES")
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			for _, c := range []string{filepath.Join(d, "shared", "attack"), filepath.Join(d, "..", "shared", "attack")} {
				if _, err := os.Stat(filepath.Join(c, "techniques.csv")); err == nil {
					dir = c
				}
			}
			if dir != "" || filepath.Dir(d) == d {
				break
			}
		}
	}
	if dir == "" {
		t.Fatal("ATT&CK tables not found: no shared/attack/techniques.csv beside the repository; set SECURENEXUS_ATTACK_TABLES")
	}
	c, err := ReadCSVDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(builtin) {
		t.Fatalf("enterprise.json is stale against %s: run go generate ./internal/attack/", dir)
	}
}
