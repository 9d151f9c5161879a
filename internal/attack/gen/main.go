// Command gen regenerates the built-in ATT&CK catalog (enterprise.json)
// from the ATT&CK CSV tables (-csv dir) or a MITRE STIX bundle (-stix
// file). It is run by `go generate ./internal/attack/`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/securenexus/securenexus/internal/attack"
)

func main() {
	csvDir := flag.String("csv", "", "directory holding techniques.csv and tactics.csv")
	stix := flag.String("stix", "", "MITRE ATT&CK STIX 2.x bundle (enterprise-attack.json)")
	out := flag.String("out", "enterprise.json", "output file")
	flag.Parse()
	if err := run(*csvDir, *stix, *out); err != nil {
		fmt.Fprintln(os.Stderr, "attack gen:", err)
		os.Exit(1)
	}
}

func run(csvDir, stix, out string) error {
	var (
		c   *attack.Catalog
		err error
	)
	switch {
	case stix != "":
		c, err = attack.ReadSTIXFile(stix)
	case csvDir != "":
		c, err = attack.ReadCSVDir(csvDir)
	default:
		return fmt.Errorf("give -csv or -stix")
	}
	if err != nil {
		return err
	}
	b, err := c.JSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Clean(out), b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Printf("wrote %s: %d techniques, %d tactics\n", out, c.Len(), len(c.Tactics()))
	return nil
}
