package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/platform/egress"
)

// BlobStore builds the configured blob backend (docs/blob.md). The S3
// backend talks through an egress client whose policy allows, among
// internal addresses, only SECURENEXUS_BLOB_S3_ALLOWED_CIDRS and the
// endpoint's own address when the URL names one.
func BlobStore(ctx context.Context, c config.Config, eg *egress.Client) (blob.Store, error) {
	switch c.BlobBackend {
	case config.BlobS3:
		allowed, err := c.BlobS3AllowedPrefixes()
		if err != nil {
			return nil, fmt.Errorf("blob: SECURENEXUS_BLOB_S3_ALLOWED_CIDRS: %w", err)
		}
		if c.BlobS3Endpoint != "" {
			u, err := url.Parse(c.BlobS3Endpoint)
			if err != nil {
				return nil, fmt.Errorf("blob: SECURENEXUS_BLOB_S3_ENDPOINT: %w", err)
			}
			// An address the operator wrote into the URL is allowed as is.
			if a, err := netip.ParseAddr(u.Hostname()); err == nil {
				allowed = append(allowed, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			}
		}
		policy := egress.Policy{Name: "blob_s3", Timeout: c.BlobS3Timeout, MaxBody: 1 << 62, AllowedPrefixes: allowed}
		if c.BlobS3CAFile != "" {
			pem, err := os.ReadFile(c.BlobS3CAFile)
			if err != nil {
				return nil, fmt.Errorf("blob: SECURENEXUS_BLOB_S3_CA_FILE: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, errors.New("blob: SECURENEXUS_BLOB_S3_CA_FILE holds no PEM certificate")
			}
			policy.RootCAs = pool
		}
		return blob.NewS3(ctx, blob.S3Options{
			Endpoint: c.BlobS3Endpoint, Region: c.BlobS3Region, Bucket: c.BlobS3Bucket, PathStyle: c.BlobS3PathStyle,
			AccessKeyID: c.BlobS3AccessKeyID, SecretAccessKey: c.BlobS3SecretAccessKey,
			HTTPClient: eg.HTTPClient(policy),
		})
	default:
		return blob.NewLocal(c.BlobDirectory())
	}
}

// registerBlobCheck adds the blob backend to the deep health report.
func (a *App) registerBlobCheck() {
	a.Health.Register(health.Check{Name: "blob", Run: func(ctx context.Context) (string, error) {
		return a.Blob.Name(), a.Blob.Check(ctx)
	}})
}
