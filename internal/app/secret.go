package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/platform/secrets"
)

// Keyring builds the secrets keyring of c: sealing under the current key
// (SECURENEXUS_SECRET_KEY, or the generated one outside production),
// opening under it and every SECURENEXUS_SECRET_KEYS_PREVIOUS key. It also
// returns the current key.
func Keyring(c config.Config) (*secrets.Keyring, []byte, error) {
	current, err := loadSecret(c)
	if err != nil {
		return nil, nil, err
	}
	var previous [][]byte
	for _, k := range c.PreviousSecretKeys() {
		previous = append(previous, []byte(k))
	}
	kr, err := secrets.NewKeyring(current, previous...)
	if err != nil {
		return nil, nil, fmt.Errorf("app: keyring: %w", err)
	}
	return kr, current, nil
}

// SealedColumns lists every column holding sealed values, across modules.
func SealedColumns() []secrets.Column {
	return slices.Concat(identity.SealedColumns(), ingest.SealedColumns(), intel.SealedColumns(), evidence.SealedColumns())
}

// SecretsAudit writes a secrets re-seal batch to the audit log (the
// secrets package sits below the audit module).
func SecretsAudit(ctx context.Context, tx *db.Tx, e secrets.AuditEntry) error {
	return audit.Record(ctx, tx, audit.Entry{OrgID: e.Org, Actor: e.Actor, Action: e.Action,
		TargetType: "sealed_column", TargetID: e.Target, Details: e.Details})
}

// secretFile is where a generated secret is kept beside the data.
const secretFile = "secret.key"

// loadSecret returns the configured secret, or outside production one
// generated once and persisted (mode 0600) in the data directory.
func loadSecret(c config.Config) ([]byte, error) {
	if c.SecretKey != "" {
		return []byte(c.SecretKey), nil
	}
	if c.Production() {
		return nil, errors.New("config: SECURENEXUS_SECRET_KEY: is required in production")
	}
	path := filepath.Join(c.DataDir, secretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < config.MinSecretLen {
			return nil, fmt.Errorf("app: %s is shorter than %d characters", path, config.MinSecretLen)
		}
		return []byte(s), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("app: read %s: %w", path, err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: create data dir: %w", err)
	}
	var raw [48]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("app: generate secret: %w", err)
	}
	s := base64.RawURLEncoding.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("app: create %s: %w", path, err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("app: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("app: close %s: %w", path, err)
	}
	return []byte(s), nil
}
