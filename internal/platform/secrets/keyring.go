// Package secrets is the one sealer for everything SecureNexus stores
// encrypted (webhook signing secrets, OIDC client secrets, TOTP seeds) and
// for short-lived sealed cookies. A Keyring holds the current master key and
// any previous ones; each value is sealed with AES-256-GCM under a key
// derived with HKDF-SHA256 from the master key and the value's purpose
// (table and field), with additional data binding org, table, field and
// row, so a ciphertext copied to another row or org does not open. Every
// sealed value names the id of its master key ("sn1.<key id>.<data>"), so
// values sealed under a previous key still open and `securenexus secrets
// rotate` can find and re-seal them.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Format is the prefix of every sealed value: its format version.
const Format = "sn1"

// Errors callers may test with errors.Is.
var (
	// ErrOpen: the value is malformed, sealed under an unknown key, or
	// bound to another org, table, field or row (or was tampered with).
	ErrOpen = errors.New("secrets: sealed value does not open")
	// ErrUnknownKey: the value names a key id the keyring does not hold.
	ErrUnknownKey = errors.New("secrets: sealed under a key this keyring does not hold")
)

// Ref names where a sealed value lives. It is the additional data of the
// seal: the value opens only with the same Ref.
type Ref struct {
	// Org is the tenant of the row; uuid.Nil for platform-level rows
	// (users).
	Org uuid.UUID
	// Table and Field name the value's purpose; they select the derived
	// key. Field is a logical name: columns a value moves between (pending
	// and enabled TOTP seeds) share one.
	Table string
	Field string
	// Row is the row's primary key.
	Row string
}

func (r Ref) purpose() string { return r.Table + "." + r.Field }

func (r Ref) aad() []byte {
	return []byte(Format + "\x00" + r.Org.String() + "\x00" + r.Table + "\x00" + r.Field + "\x00" + r.Row)
}

// masterKey is one configured key.
type masterKey struct {
	id     string
	secret []byte
}

// Keyring seals under its current key and opens under any key it holds.
// It is safe for concurrent use.
type Keyring struct {
	current *masterKey
	keys    map[string]*masterKey
	aeads   sync.Map // id + "\x00" + purpose -> cipher.AEAD
}

// KeyID returns the id of a master key: the first 8 bytes of an HKDF
// output, in hex. It identifies the key without revealing it.
func KeyID(secret []byte) (string, error) {
	b, err := hkdf.Key(sha256.New, secret, nil, "securenexus secrets key id v1", 8)
	if err != nil {
		return "", fmt.Errorf("secrets: key id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// NewKeyring builds a keyring sealing under current and opening under
// current and every previous key.
func NewKeyring(current []byte, previous ...[]byte) (*Keyring, error) {
	if len(current) == 0 {
		return nil, errors.New("secrets: empty current key")
	}
	k := &Keyring{keys: map[string]*masterKey{}}
	for i, s := range append([][]byte{current}, previous...) {
		if len(s) == 0 {
			return nil, fmt.Errorf("secrets: previous key %d is empty", i)
		}
		id, err := KeyID(s)
		if err != nil {
			return nil, err
		}
		mk := &masterKey{id: id, secret: append([]byte(nil), s...)}
		if i == 0 {
			k.current = mk
		}
		if _, dup := k.keys[id]; !dup {
			k.keys[id] = mk
		}
	}
	return k, nil
}

// MustKeyring is NewKeyring for tests and fixed keys; it panics on error.
func MustKeyring(current []byte, previous ...[]byte) *Keyring {
	k, err := NewKeyring(current, previous...)
	if err != nil {
		panic(err)
	}
	return k
}

// CurrentID is the id of the key new values are sealed under.
func (k *Keyring) CurrentID() string { return k.current.id }

// masters returns the raw master keys, current first (legacy formats).
func (k *Keyring) masters() [][]byte {
	out := [][]byte{k.current.secret}
	for _, mk := range k.keys {
		if mk != k.current {
			out = append(out, mk.secret)
		}
	}
	return out
}

func (k *Keyring) aead(mk *masterKey, purpose string) (cipher.AEAD, error) {
	cacheKey := mk.id + "\x00" + purpose
	if a, ok := k.aeads.Load(cacheKey); ok {
		return a.(cipher.AEAD), nil
	}
	key, err := hkdf.Key(sha256.New, mk.secret, nil, "securenexus secrets v1 "+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("secrets: derive %s key: %w", purpose, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: cipher: %w", err)
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: gcm: %w", err)
	}
	k.aeads.Store(cacheKey, a)
	return a, nil
}

// Seal encrypts plaintext for ref under the current key. The result is
// URL-safe text: "sn1.<key id>.<base64url(nonce|ciphertext)>".
func (k *Keyring) Seal(ref Ref, plaintext []byte) (string, error) {
	if ref.Table == "" || ref.Field == "" {
		return "", errors.New("secrets: seal needs a table and a field")
	}
	a, err := k.aead(k.current, ref.purpose())
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: nonce: %w", err)
	}
	return Format + "." + k.current.id + "." + base64.RawURLEncoding.EncodeToString(a.Seal(nonce, nonce, plaintext, ref.aad())), nil
}

// parse splits a sealed value into key id and raw bytes.
func parse(sealed string) (id string, raw []byte, ok bool) {
	rest, found := strings.CutPrefix(sealed, Format+".")
	if !found {
		return "", nil, false
	}
	id, data, found := strings.Cut(rest, ".")
	if !found || len(id) != 16 {
		return "", nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return "", nil, false
	}
	return id, raw, true
}

// IsSealed reports whether v has the sealed format (of any key).
func IsSealed(v string) bool {
	_, _, ok := parse(v)
	return ok
}

// IsCurrent reports whether sealed is sealed under the current key.
func (k *Keyring) IsCurrent(sealed string) bool {
	id, _, ok := parse(sealed)
	return ok && id == k.current.id
}

// Open decrypts what Seal produced for the same ref, under whichever held
// key sealed it. Errors never include the value.
func (k *Keyring) Open(ref Ref, sealed string) ([]byte, error) {
	id, raw, ok := parse(sealed)
	if !ok {
		return nil, fmt.Errorf("%w: malformed (%s.%s)", ErrOpen, ref.Table, ref.Field)
	}
	mk, ok := k.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w: %w (key id %s, %s.%s)", ErrOpen, ErrUnknownKey, id, ref.Table, ref.Field)
	}
	a, err := k.aead(mk, ref.purpose())
	if err != nil {
		return nil, err
	}
	ns := a.NonceSize()
	if len(raw) < ns+a.Overhead() {
		return nil, fmt.Errorf("%w: too short (%s.%s)", ErrOpen, ref.Table, ref.Field)
	}
	out, err := a.Open(nil, raw[:ns], raw[ns:], ref.aad())
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (%s.%s)", ErrOpen, ref.Table, ref.Field)
	}
	return out, nil
}
