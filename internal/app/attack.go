package app

import (
	"path/filepath"

	"github.com/securenexus/securenexus/internal/attack"
	"github.com/securenexus/securenexus/internal/config"
)

// AttackCatalogPath is where `securenexus attack refresh` writes an
// operator-refreshed ATT&CK catalog and where Build looks for it.
func AttackCatalogPath(c config.Config) string {
	return filepath.Join(c.DataDir, "attack-enterprise.json")
}

// AttackCatalog returns the operator-refreshed ATT&CK catalog when one is
// installed (refreshed true), else the built-in one.
func AttackCatalog(c config.Config) (cat *attack.Catalog, refreshed bool, err error) {
	if c.DataDir == "" {
		return attack.Default(), false, nil
	}
	cat, ok, err := attack.LoadFile(AttackCatalogPath(c))
	if err != nil || !ok {
		return attack.Default(), false, err
	}
	return cat, true, nil
}
