package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// sealer encrypts small secrets at rest (OIDC client secrets, TOTP seeds)
// and short-lived state cookies with AES-256-GCM under a key derived from
// the platform secret with HKDF-SHA256 and a per-purpose label.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret []byte, purpose string) (*sealer, error) {
	if len(secret) == 0 {
		return nil, errors.New("identity: empty platform secret")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "securenexus identity "+purpose+" v1", 32)
	if err != nil {
		return nil, fmt.Errorf("identity: derive %s key: %w", purpose, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("identity: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("identity: gcm: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// Seal encrypts plaintext; the result is URL-safe text.
func (s *sealer) Seal(plaintext []byte) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("identity: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plaintext, nil))
}

// Open decrypts what Seal produced.
func (s *sealer) Open(sealed string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return nil, fmt.Errorf("identity: decode sealed value: %w", err)
	}
	ns := s.aead.NonceSize()
	if len(raw) < ns+s.aead.Overhead() {
		return nil, errors.New("identity: sealed value too short")
	}
	out, err := s.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return nil, fmt.Errorf("identity: open sealed value: %w", err)
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
