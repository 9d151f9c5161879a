package app

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/platform/egress"
)

// The configured S3 endpoint is reachable through egress although it is
// loopback (named by address in the URL); the local backend defaults
// under the data directory.
func TestBlobStoreFromConfig(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("evidence"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	eg, err := egress.New(egress.Options{Production: true})
	if err != nil {
		t.Fatal(err)
	}
	load := func(env map[string]string) config.Config {
		t.Helper()
		c, err := config.Load(config.Source{Getenv: func(k string) string { return env[k] }})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	s, err := BlobStore(ctx, load(map[string]string{"SECURENEXUS_BLOB_BACKEND": "s3", "SECURENEXUS_BLOB_S3_ENDPOINT": srv.URL,
		"SECURENEXUS_BLOB_S3_BUCKET": "evidence", "SECURENEXUS_BLOB_S3_PATH_STYLE": "true",
		"SECURENEXUS_BLOB_S3_ACCESS_KEY_ID": "k", "SECURENEXUS_BLOB_S3_SECRET_ACCESS_KEY": "s"}), eg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil || s.Name() != "s3" {
		t.Fatalf("s3 from config: %s %v", s.Name(), err)
	}
	if _, err := s.Put(ctx, "org/a/x", strings.NewReader("x"), blob.PutOptions{MaxSize: 1}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err = BlobStore(ctx, load(map[string]string{"SECURENEXUS_DATA_DIR": dir}), eg)
	if err != nil {
		t.Fatal(err)
	}
	l, ok := s.(*blob.Local)
	if !ok || l.Dir() != filepath.Join(dir, "blobs") {
		t.Fatalf("default backend = %T %v", s, s)
	}
	defer l.Close()
}
