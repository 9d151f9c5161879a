// Package blob stores files (evidence, exports, attachments) behind one
// context-first interface with two backends: a local directory under the
// data directory (the default) and any S3-compatible object store (AWS S3,
// MinIO, Ceph RGW) through aws-sdk-go-v2.
//
// Put streams: it never holds a whole file in memory, enforces a size
// limit while reading (a longer stream fails with a *TooLargeError and
// leaves nothing behind) and computes the SHA-256 digest of what it wrote.
// Keys are slash-separated segments of [A-Za-z0-9._-]; no segment may be
// empty, "." or "..", or start with a dot, so a key can never escape its
// prefix. Org data lives under org/<orgID>/ (OrgKey). blobtest.Run is the
// contract suite every backend passes.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"strings"
	"time"
)

// Store is a blob backend. Implementations are safe for concurrent use.
type Store interface {
	// Put writes r under key, replacing an existing blob atomically (a
	// reader sees the old or the new content, never a mix). It reads at
	// most opts.MaxSize bytes: a longer stream fails with a *TooLargeError
	// and nothing is stored. A failed or cancelled Put leaves nothing
	// behind. The returned Info carries the size and SHA-256 of what was
	// written.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Info, error)
	// Open returns the blob's content; ErrNotFound when there is none.
	// The caller closes it.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat returns the blob's size and modification time (SHA256 is
	// empty: the digest is returned by Put and kept by the caller);
	// ErrNotFound when there is none.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the blob. Deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
	// List yields the blobs whose key starts with prefix (a plain string
	// prefix, as in S3: "org/a/" does not match "org/ab/x"), in key order.
	// Iteration stops at the first error, which is yielded.
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]
	// Check probes the backend (health check): the directory is writable,
	// the bucket reachable.
	Check(ctx context.Context) error
	// Name is the backend's name ("local", "s3").
	Name() string
}

// PutOptions parameterize Put.
type PutOptions struct {
	// MaxSize is the largest number of bytes accepted; it must be positive.
	MaxSize int64
	// ContentType is recorded where the backend keeps one (S3).
	ContentType string
}

// Info describes a stored blob.
type Info struct {
	Key  string
	Size int64
	// SHA256 is the lowercase hex digest of the content; set by Put only.
	SHA256  string
	ModTime time.Time
}

// Errors callers test with errors.Is.
var (
	// ErrNotFound: no blob under the key.
	ErrNotFound = errors.New("blob: not found")
	// ErrInvalidKey: the key or prefix breaks the key rules.
	ErrInvalidKey = errors.New("blob: invalid key")
	// ErrTooLarge matches every *TooLargeError.
	ErrTooLarge = errors.New("blob: content exceeds the size limit")
)

// TooLargeError is returned by Put when the stream is longer than the
// limit. errors.Is(err, ErrTooLarge) reports it too.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("blob: content exceeds the size limit of %d bytes", e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// MaxKeyLen is the longest key accepted (S3 allows 1024 bytes).
const MaxKeyLen = 1024

// OrgKey builds the key org/<orgID>/<parts...>, refusing any part that is
// not a valid key segment (so user input cannot climb out of the org's
// prefix). A part may itself hold several slash-separated segments.
func OrgKey(orgID string, parts ...string) (string, error) {
	if err := validSegment(orgID); err != nil {
		return "", fmt.Errorf("%w: org id: %w", ErrInvalidKey, err)
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("%w: an org key needs at least one part after the org", ErrInvalidKey)
	}
	key := "org/" + orgID + "/" + strings.Join(parts, "/")
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return key, nil
}

// OrgPrefix is the prefix under which every key of the org lives
// ("org/<orgID>/"), for List.
func OrgPrefix(orgID string) (string, error) {
	if err := validSegment(orgID); err != nil {
		return "", fmt.Errorf("%w: org id: %w", ErrInvalidKey, err)
	}
	return "org/" + orgID + "/", nil
}

// ValidateKey checks the key rules; the error wraps ErrInvalidKey.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := validSegment(seg); err != nil {
			return fmt.Errorf("%w: %q: %w", ErrInvalidKey, key, err)
		}
	}
	return nil
}

// ValidatePrefix checks a List prefix: "" (everything) or complete
// segments followed by an optional partial one, under the key rules.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if len(prefix) > MaxKeyLen {
		return fmt.Errorf("%w: prefix longer than %d bytes", ErrInvalidKey, MaxKeyLen)
	}
	segs := strings.Split(prefix, "/")
	for i, seg := range segs {
		if i == len(segs)-1 && seg == "" {
			break // trailing slash
		}
		if err := validSegment(seg); err != nil {
			return fmt.Errorf("%w: prefix %q: %w", ErrInvalidKey, prefix, err)
		}
	}
	return nil
}

func validSegment(s string) error {
	switch {
	case s == "":
		return errors.New("empty segment")
	case s[0] == '.':
		return errors.New("a segment may not start with a dot")
	case len(s) > 255:
		return errors.New("segment longer than 255 bytes")
	}
	for i := range len(s) {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' {
			continue
		}
		return fmt.Errorf("character %q not allowed (use A-Z a-z 0-9 . _ -)", c)
	}
	return nil
}

// limitedHashReader reads at most limit+1 bytes of r, hashing and
// counting them, and checks ctx before every read.
type limitedHashReader struct {
	ctx   context.Context
	r     io.Reader
	limit int64
	n     int64
	h     hash.Hash
}

func newLimitedHashReader(ctx context.Context, r io.Reader, limit int64) *limitedHashReader {
	return &limitedHashReader{ctx: ctx, r: r, limit: limit, h: sha256.New()}
}

func (l *limitedHashReader) Read(p []byte) (int, error) {
	if err := l.ctx.Err(); err != nil {
		return 0, err
	}
	if l.n > l.limit {
		return 0, &TooLargeError{Limit: l.limit}
	}
	if rest := l.limit + 1 - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	l.h.Write(p[:n])
	if l.n > l.limit {
		return n, &TooLargeError{Limit: l.limit}
	}
	return n, err
}

func (l *limitedHashReader) digest() string { return hex.EncodeToString(l.h.Sum(nil)) }

func checkPut(key string, opts PutOptions) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if opts.MaxSize <= 0 {
		return errors.New("blob: PutOptions.MaxSize must be positive")
	}
	return nil
}
