package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Legacy names a sealing format used before the keyring, so start-up can
// re-seal old values (see Reseal).
type Legacy string

// Legacy formats. Neither had a key id or additional data.
const (
	// LegacyNone: the column never held another format.
	LegacyNone Legacy = ""
	// LegacyIdentityTOTP and LegacyIdentityOIDC: identity's sealer,
	// base64url(nonce|ciphertext) under HKDF-SHA256(secret, "securenexus
	// identity <purpose> v1").
	LegacyIdentityTOTP Legacy = "identity totp"
	LegacyIdentityOIDC Legacy = "identity oidc client secret"
	// LegacyIngestWebhook: ingest's sealer, raw nonce|ciphertext under
	// SHA-256("securenexus/ingest/webhook-secret\x00" + secret).
	LegacyIngestWebhook Legacy = "ingest webhook"
)

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: legacy cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

func openRaw(a cipher.AEAD, raw []byte) ([]byte, error) {
	ns := a.NonceSize()
	if len(raw) < ns+a.Overhead() {
		return nil, errors.New("too short")
	}
	return a.Open(nil, raw[:ns], raw[ns:], nil)
}

// openLegacy opens a value in format l under any master key of k.
func (k *Keyring) openLegacy(l Legacy, value []byte) ([]byte, error) {
	for _, master := range k.masters() {
		var key, raw []byte
		switch l {
		case LegacyIdentityTOTP, LegacyIdentityOIDC:
			purpose := "totp"
			if l == LegacyIdentityOIDC {
				purpose = "oidc client secret"
			}
			var err error
			if key, err = hkdf.Key(sha256.New, master, nil, "securenexus identity "+purpose+" v1", 32); err != nil {
				return nil, fmt.Errorf("secrets: legacy key: %w", err)
			}
			if raw, err = base64.RawURLEncoding.DecodeString(string(value)); err != nil {
				return nil, fmt.Errorf("%w: legacy %s value malformed", ErrOpen, l)
			}
		case LegacyIngestWebhook:
			sum := sha256.Sum256(append([]byte("securenexus/ingest/webhook-secret\x00"), master...))
			key, raw = sum[:], value
		default:
			return nil, fmt.Errorf("%w: no legacy format", ErrOpen)
		}
		a, err := gcm(key)
		if err != nil {
			return nil, err
		}
		if out, err := openRaw(a, raw); err == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w: legacy %s value opens under no held key", ErrOpen, l)
}
