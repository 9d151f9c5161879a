package blob_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/platform/blob/blobtest"
	"github.com/securenexus/securenexus/internal/platform/egress"
)

func TestLocalContract(t *testing.T) {
	dir := t.TempDir()
	s, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	blobtest.Run(t, s)
	// Failed and refused writes left no temporary file behind.
	left, err := os.ReadDir(filepath.Join(dir, ".tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}

// A symlink planted inside the directory does not lead out of it.
func TestLocalSymlinkEscapeRefused(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "org"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "org", "evil")); err != nil {
		t.Fatal(err)
	}
	s, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Open(context.Background(), "org/evil/secret"); err == nil {
		t.Fatal("Open followed a symlink out of the store")
	}
	if _, err := s.Put(context.Background(), "org/evil/new", strings.NewReader("x"), blob.PutOptions{MaxSize: 10}); err == nil {
		t.Fatal("Put followed a symlink out of the store")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file was written outside the store: %v", err)
	}
}

// newFakeS3 starts an in-process S3-compatible server with one bucket and
// returns its URL.
func newFakeS3(t *testing.T, bucket string) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

func s3Client(t *testing.T) *egress.Client {
	t.Helper()
	eg, err := egress.New(egress.Options{Production: true})
	if err != nil {
		t.Fatal(err)
	}
	return eg
}

func TestS3Contract(t *testing.T) {
	url := newFakeS3(t, "evidence")
	eg := s3Client(t)
	// The SDK talks through an egress client whose policy allows only
	// the configured (loopback) endpoint, as production wiring does.
	hc := eg.HTTPClient(egress.Policy{Name: "blob_s3", AllowedPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, MaxBody: 1 << 30})
	s, err := blob.NewS3(context.Background(), blob.S3Options{Endpoint: url, Region: "us-east-1", Bucket: "evidence", PathStyle: true,
		AccessKeyID: "test-access", SecretAccessKey: "test-secret", HTTPClient: hc, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, s)
}

// Without the endpoint in the policy, egress refuses the loopback server.
func TestS3EgressGuardApplies(t *testing.T) {
	url := newFakeS3(t, "evidence")
	hc := s3Client(t).HTTPClient(egress.Policy{Name: "blob_s3"})
	s, err := blob.NewS3(context.Background(), blob.S3Options{Endpoint: url, Bucket: "evidence", PathStyle: true,
		AccessKeyID: "a", SecretAccessKey: "b", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(context.Background()); !errors.Is(err, egress.ErrBlocked) {
		t.Fatalf("Check through a policy without the endpoint: %v, want egress.ErrBlocked", err)
	}
}

func TestS3MissingBucket(t *testing.T) {
	url := newFakeS3(t, "evidence")
	hc := s3Client(t).HTTPClient(egress.Policy{Name: "blob_s3", AllowedPrefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	s, err := blob.NewS3(context.Background(), blob.S3Options{Endpoint: url, Bucket: "nope", PathStyle: true,
		AccessKeyID: "a", SecretAccessKey: "b", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(context.Background()); err == nil {
		t.Fatal("Check of a missing bucket succeeded")
	}
}

func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"org/a/b", "../x", "a//b", ".tmp/x", "a/b/", "org/0190/evidence/x.bin"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if blob.ValidateKey(key) != nil {
			return
		}
		for seg := range strings.SplitSeq(key, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") {
				t.Fatalf("accepted key %q has segment %q", key, seg)
			}
		}
		if filepath.IsAbs(key) || strings.ContainsAny(key, "\\\x00") {
			t.Fatalf("accepted key %q", key)
		}
		if c := filepath.Clean(key); c != key {
			t.Fatalf("accepted key %q is not clean (%q)", key, c)
		}
	})
}

// A local store that never stores anything creates no directory.
func TestLocalCreatesDirectoryOnFirstUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("directory created before first use: %v", err)
	}
	if _, err := s.Put(context.Background(), "org/a/x", strings.NewReader("x"), blob.PutOptions{MaxSize: 1}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("directory after Put: %v %v", st, err)
	}
}

// BenchmarkLocalPut measures a streamed 1 MiB Put (hash, fsync, rename).
func BenchmarkLocalPut(b *testing.B) {
	s, err := blob.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		if _, err := s.Put(context.Background(), "org/bench/"+strconv.Itoa(i%16), bytes.NewReader(data), blob.PutOptions{MaxSize: 1 << 21}); err != nil {
			b.Fatal(err)
		}
	}
}
