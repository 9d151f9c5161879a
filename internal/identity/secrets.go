package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/platform/secrets"
)

// Sealed values of identity (internal/platform/secrets binds each to its
// org, table, field and row): TOTP seeds (pending and enabled share the
// field "totp": enabling moves the value between the columns), OIDC client
// secrets, and the OIDC state cookie (no row).
var (
	totpSealer  = sealer{table: "users", field: "totp"}
	oidcSealer  = sealer{table: "oidc_configs", field: "client_secret"}
	stateSealer = sealer{table: "cookie", field: "sn_oidc"}
)

// SealedColumns lists identity's columns holding sealed values, for key
// rotation and the one-time re-seal of pre-keyring values.
func SealedColumns() []secrets.Column {
	return []secrets.Column{
		{Table: "users", Column: "totp_secret", Field: "totp", Key: "id", Legacy: secrets.LegacyIdentityTOTP},
		{Table: "users", Column: "totp_pending", Field: "totp", Key: "id", Legacy: secrets.LegacyIdentityTOTP},
		{Table: "oidc_configs", Column: "client_secret", Field: "client_secret", Key: "org_id", Org: "org_id", Legacy: secrets.LegacyIdentityOIDC},
	}
}

// sealer seals one field with the platform keyring.
type sealer struct{ table, field string }

func (f sealer) seal(k *secrets.Keyring, org uuid.UUID, row string, plaintext []byte) (string, error) {
	out, err := k.Seal(secrets.Ref{Org: org, Table: f.table, Field: f.field, Row: row}, plaintext)
	if err != nil {
		return "", fmt.Errorf("identity: %w", err)
	}
	return out, nil
}

func (f sealer) open(k *secrets.Keyring, org uuid.UUID, row, sealed string) ([]byte, error) {
	out, err := k.Open(secrets.Ref{Org: org, Table: f.table, Field: f.field, Row: row}, sealed)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	return out, nil
}

// randomToken returns n random bytes as unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("identity: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is the stored form of a high-entropy bearer secret (session
// tokens, invitation tokens, API key secrets): its SHA-256 in hex. The
// secrets are random, so a fast hash is sufficient; only the hash is stored.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func equalHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// API key format: snk_<prefix>_<secret>, prefix 12 lowercase hex characters
// (public, shown in listings), secret 40 lowercase base32 characters.
const (
	apiKeyScheme    = "snk_"
	apiKeyPrefixLen = 12
	apiKeySecretLen = 40
)

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newAPIKeyToken returns a fresh key and its public prefix.
func newAPIKeyToken() (token, prefix string) {
	var p [apiKeyPrefixLen / 2]byte
	var s [25]byte
	if _, err := rand.Read(p[:]); err != nil {
		panic(fmt.Sprintf("identity: crypto/rand failed: %v", err))
	}
	if _, err := rand.Read(s[:]); err != nil {
		panic(fmt.Sprintf("identity: crypto/rand failed: %v", err))
	}
	prefix = hex.EncodeToString(p[:])
	return apiKeyScheme + prefix + "_" + lowerBase32.EncodeToString(s[:]), prefix
}

// ParseAPIKey splits a presented key into its prefix; ok is false when the
// token does not have the snk_<prefix>_<secret> shape.
func ParseAPIKey(token string) (prefix string, ok bool) {
	rest, found := strings.CutPrefix(token, apiKeyScheme)
	if !found || len(rest) != apiKeyPrefixLen+1+apiKeySecretLen || rest[apiKeyPrefixLen] != '_' {
		return "", false
	}
	prefix, secret := rest[:apiKeyPrefixLen], rest[apiKeyPrefixLen+1:]
	for _, c := range prefix {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	for _, c := range secret {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return "", false
		}
	}
	return prefix, true
}
