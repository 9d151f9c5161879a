package attack

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

var commitRE = regexp.MustCompile(`commit\s+([0-9a-f]{40})`)

// ReadCSVDir builds a catalog from techniques.csv and tactics.csv in dir
// (the tables extracted from MITRE's CTI repository), naming the README's
// first line as the source when present.
func ReadCSVDir(dir string) (*Catalog, error) {
	tech, err := os.Open(filepath.Join(dir, "techniques.csv")) //nolint:gosec // G703: the operator or go generate names the directory
	if err != nil {
		return nil, fmt.Errorf("open techniques table: %w", err)
	}
	defer tech.Close()
	tac, err := os.Open(filepath.Join(dir, "tactics.csv")) //nolint:gosec // G703: as above
	if err != nil {
		return nil, fmt.Errorf("open tactics table: %w", err)
	}
	defer tac.Close()
	source := "MITRE ATT&CK Enterprise, github.com/mitre/cti enterprise-attack"
	if readme, err := os.ReadFile(filepath.Join(dir, "README.md")); err == nil { //nolint:gosec // G703: as above
		if m := commitRE.FindSubmatch(readme); m != nil {
			source += " at commit " + string(m[1])
		}
	}
	return FromCSV(source, tech, tac)
}

// ReadSTIXFile builds a catalog from a STIX bundle file.
func ReadSTIXFile(path string) (*Catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open STIX bundle: %w", err)
	}
	defer f.Close()
	return FromSTIX("MITRE ATT&CK STIX bundle "+filepath.Base(path), f)
}
