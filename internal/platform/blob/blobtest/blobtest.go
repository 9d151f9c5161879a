// Package blobtest is the contract suite every blob backend passes:
// each backend's test calls Run with a fresh, empty store.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/platform/blob"
)

// Run exercises s. The store must be empty and used by nothing else.
func Run(t *testing.T, s blob.Store) {
	t.Helper()
	ctx := context.Background()
	const org = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"

	t.Run("PutOpenRoundTrip", func(t *testing.T) {
		data := randomBytes(t, 3<<20+17) // several read buffers and spool chunks
		key := mustOrgKey(t, org, "roundtrip", "file.bin")
		info, err := s.Put(ctx, key, bytes.NewReader(data), blob.PutOptions{MaxSize: int64(len(data)), ContentType: "application/octet-stream"})
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if info.Key != key || info.Size != int64(len(data)) || info.SHA256 != digest(data) {
			t.Fatalf("Put info = %+v, want key %s size %d sha256 %s", info, key, len(data), digest(data))
		}
		if got := readAll(t, s, key); !bytes.Equal(got, data) {
			t.Fatalf("Open returned %d bytes, not the %d written", len(got), len(data))
		}
		st, err := s.Stat(ctx, key)
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		if st.Key != key || st.Size != int64(len(data)) || st.ModTime.IsZero() {
			t.Fatalf("Stat = %+v", st)
		}
	})

	t.Run("EmptyBlob", func(t *testing.T) {
		key := mustOrgKey(t, org, "empty")
		info, err := s.Put(ctx, key, strings.NewReader(""), blob.PutOptions{MaxSize: 1})
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if info.Size != 0 || info.SHA256 != digest(nil) {
			t.Fatalf("info = %+v", info)
		}
		if got := readAll(t, s, key); len(got) != 0 {
			t.Fatalf("read %d bytes", len(got))
		}
	})

	t.Run("SizeLimit", func(t *testing.T) {
		data := randomBytes(t, 64<<10)
		exact := mustOrgKey(t, org, "limit", "exact")
		if _, err := s.Put(ctx, exact, bytes.NewReader(data), blob.PutOptions{MaxSize: int64(len(data))}); err != nil {
			t.Fatalf("Put at the limit: %v", err)
		}
		over := mustOrgKey(t, org, "limit", "over")
		_, err := s.Put(ctx, over, bytes.NewReader(data), blob.PutOptions{MaxSize: int64(len(data)) - 1})
		var tl *blob.TooLargeError
		if !errors.As(err, &tl) || !errors.Is(err, blob.ErrTooLarge) || tl.Limit != int64(len(data))-1 {
			t.Fatalf("Put over the limit: err = %v, want *TooLargeError with limit %d", err, len(data)-1)
		}
		if _, err := s.Stat(ctx, over); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat after a refused Put: err = %v, want ErrNotFound", err)
		}
		if keys := list(t, s, mustOrgKey(t, org, "limit")+"/"); !slices.Equal(keys, []string{exact}) {
			t.Fatalf("List after a refused Put = %v", keys)
		}
		if _, err := s.Put(ctx, over, bytes.NewReader(data), blob.PutOptions{}); err == nil {
			t.Fatal("Put without MaxSize succeeded")
		}
	})

	t.Run("ReplaceExisting", func(t *testing.T) {
		key := mustOrgKey(t, org, "replace")
		put(t, s, key, []byte("first version, longer"))
		put(t, s, key, []byte("second"))
		if got := readAll(t, s, key); string(got) != "second" {
			t.Fatalf("after replace: %q", got)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		key := mustOrgKey(t, org, "missing", "nothing")
		if _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open: %v, want ErrNotFound", err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete of a missing blob: %v", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		key := mustOrgKey(t, org, "delete", "me")
		put(t, s, key, []byte("x"))
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open after Delete: %v", err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("second Delete: %v", err)
		}
	})

	t.Run("ListByPrefix", func(t *testing.T) {
		const a, ab = "aaaa", "aaaab"
		keys := []string{
			mustOrgKey(t, a, "ev", "2"), mustOrgKey(t, a, "ev", "1"), mustOrgKey(t, a, "ev-x", "1"),
			mustOrgKey(t, a, "ev", "sub", "3"), mustOrgKey(t, ab, "ev", "1"), mustOrgKey(t, a, "other"),
		}
		for _, k := range keys {
			put(t, s, k, []byte(k))
		}
		pa, _ := blob.OrgPrefix(a)
		want := []string{pa + "ev-x/1", pa + "ev/1", pa + "ev/2", pa + "ev/sub/3", pa + "other"}
		if got := list(t, s, pa); !slices.Equal(got, want) {
			t.Fatalf("List(%q) = %v, want %v", pa, got, want)
		}
		if got := list(t, s, pa+"ev/"); !slices.Equal(got, want[1:4]) {
			t.Fatalf("List(ev/) = %v, want %v", got, want[1:4])
		}
		if got := list(t, s, pa+"ev"); !slices.Equal(got, want[:4]) {
			t.Fatalf("List(ev) partial segment = %v, want %v", got, want[:4])
		}
		if got := list(t, s, pa+"nothing/"); len(got) != 0 {
			t.Fatalf("List(nothing/) = %v", got)
		}
		for in, err := range s.List(ctx, pa+"ev/") {
			if err != nil {
				t.Fatal(err)
			}
			if in.Size != int64(len(in.Key)) {
				t.Fatalf("List size of %s = %d", in.Key, in.Size)
			}
			break // an early stop must be safe
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		for _, k := range []string{"", "/abs", "a//b", "../x", "a/../b", "a/./b", ".tmp/x", "a/.hidden", "a/b/", "a\\b", "a b", "ä"} {
			if _, err := s.Put(ctx, k, strings.NewReader("x"), blob.PutOptions{MaxSize: 10}); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Put(%q): err = %v, want ErrInvalidKey", k, err)
			}
			if _, err := s.Open(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Open(%q): err = %v, want ErrInvalidKey", k, err)
			}
			if err := s.Delete(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Delete(%q): err = %v, want ErrInvalidKey", k, err)
			}
		}
		for _, p := range []string{"../", "a/../", "/x", ".tmp"} {
			for _, err := range s.List(ctx, p) {
				if !errors.Is(err, blob.ErrInvalidKey) {
					t.Errorf("List(%q): err = %v, want ErrInvalidKey", p, err)
				}
			}
		}
		if _, err := blob.OrgKey("../other", "x"); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("OrgKey with a traversing org: %v", err)
		}
		if _, err := blob.OrgKey(org, "..", "x"); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("OrgKey with a traversing part: %v", err)
		}
	})

	t.Run("FailedStreamLeavesNothing", func(t *testing.T) {
		key := mustOrgKey(t, org, "failed", "stream")
		boom := errors.New("reader broke")
		r := io.MultiReader(bytes.NewReader(randomBytes(t, 100<<10)), errReader{boom})
		if _, err := s.Put(ctx, key, r, blob.PutOptions{MaxSize: 1 << 20}); !errors.Is(err, boom) {
			t.Fatalf("Put with a failing reader: err = %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Put(cctx, key, bytes.NewReader([]byte("x")), blob.PutOptions{MaxSize: 10}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put with a cancelled context: err = %v", err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat after failed Puts: %v", err)
		}
	})

	t.Run("Check", func(t *testing.T) {
		if err := s.Check(ctx); err != nil {
			t.Fatalf("Check: %v", err)
		}
		if s.Name() == "" {
			t.Fatal("Name is empty")
		}
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func mustOrgKey(t *testing.T, org string, parts ...string) string {
	t.Helper()
	k, err := blob.OrgKey(org, parts...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func put(t *testing.T, s blob.Store, key string, data []byte) {
	t.Helper()
	if _, err := s.Put(context.Background(), key, bytes.NewReader(data), blob.PutOptions{MaxSize: 1 << 20}); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

func readAll(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func list(t *testing.T, s blob.Store, prefix string) []string {
	t.Helper()
	var out []string
	for in, err := range s.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		out = append(out, in.Key)
	}
	return out
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
