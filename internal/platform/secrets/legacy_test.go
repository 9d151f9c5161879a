package secrets

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// sealLegacy seals plaintext in format l under master (tests of the
// re-seal).
func sealLegacy(l Legacy, master, nonce, plaintext []byte) ([]byte, error) {
	switch l {
	case LegacyIdentityTOTP, LegacyIdentityOIDC:
		purpose := "totp"
		if l == LegacyIdentityOIDC {
			purpose = "oidc client secret"
		}
		key, err := hkdf.Key(sha256.New, master, nil, "securenexus identity "+purpose+" v1", 32)
		if err != nil {
			return nil, err
		}
		a, err := gcm(key)
		if err != nil {
			return nil, err
		}
		return []byte(base64.RawURLEncoding.EncodeToString(a.Seal(nonce, nonce, plaintext, nil))), nil
	case LegacyIngestWebhook:
		sum := sha256.Sum256(append([]byte("securenexus/ingest/webhook-secret\x00"), master...))
		a, err := gcm(sum[:])
		if err != nil {
			return nil, err
		}
		return a.Seal(nonce, nonce, plaintext, nil), nil
	}
	return nil, errors.New("secrets: no legacy format")
}
