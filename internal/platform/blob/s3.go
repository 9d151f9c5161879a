package blob

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// HTTPDoer sends HTTP requests; the *http.Client built by
// internal/platform/egress satisfies it (the SDK must not build its own).
type HTTPDoer = aws.HTTPClient

// S3Options configure an S3-compatible store.
type S3Options struct {
	// Endpoint is the service URL (https://s3.eu-west-1.amazonaws.com,
	// http://minio.internal:9000); empty uses AWS's endpoint for Region.
	Endpoint string
	Region   string
	Bucket   string
	// PathStyle addresses the bucket in the path (MinIO, Ceph) instead of
	// the host name.
	PathStyle bool
	// AccessKeyID and SecretAccessKey, when both set, are static
	// credentials; otherwise the SDK's standard chain (environment,
	// shared files, web identity, container or instance role) applies.
	AccessKeyID     string
	SecretAccessKey string
	// HTTPClient sends every request (required: build it with egress).
	HTTPClient HTTPDoer
	// SpoolDir holds the temporary copy of an upload while its size and
	// digest are established (os.TempDir() when empty).
	SpoolDir string
}

// S3 stores blobs as objects of one bucket. Put spools the stream to a
// temporary file (bounded by the size limit, never in memory), so the
// upload carries its length, its SHA-256 checksum (verified by the
// service where supported) and the digest as object metadata; an
// over-long stream is refused before anything is sent.
type S3 struct {
	client *s3.Client
	bucket string
	spool  string
}

var _ Store = (*S3)(nil)

// metaSHA256 is the user metadata key holding the content digest.
const metaSHA256 = "sha256"

// NewS3 builds an S3 store. It does not contact the service (Check does).
func NewS3(ctx context.Context, o S3Options) (*S3, error) {
	if o.Bucket == "" {
		return nil, errors.New("blob: S3 bucket is empty")
	}
	if o.HTTPClient == nil {
		return nil, errors.New("blob: S3 needs an HTTP client (built by egress)")
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if (o.AccessKeyID == "") != (o.SecretAccessKey == "") {
		return nil, errors.New("blob: set both the S3 access key id and the secret access key, or neither")
	}
	var cfg aws.Config
	if o.AccessKeyID != "" {
		// Static credentials need nothing from the environment; building
		// the configuration by hand also keeps the SDK from demanding its
		// own HTTP client for AWS_CA_BUNDLE (S3Options.HTTPClient carries
		// the trust roots instead).
		cfg = aws.Config{
			Region:      o.Region,
			Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(o.AccessKeyID, o.SecretAccessKey, "")),
			HTTPClient:  o.HTTPClient,
		}
	} else {
		var err error
		cfg, err = awsconfig.LoadDefaultConfig(ctx,
			awsconfig.WithRegion(o.Region),
			awsconfig.WithHTTPClient(o.HTTPClient))
		if err != nil {
			return nil, fmt.Errorf("blob: load the S3 configuration from the standard chain (AWS_CA_BUNDLE and ca_bundle are not supported: set SECURENEXUS_BLOB_S3_CA_FILE): %w", err)
		}
	}
	// S3-compatible services differ in the newer default checksums; Put
	// sends its own SHA-256 checksum.
	cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.UsePathStyle = o.PathStyle
	})
	spool := o.SpoolDir
	if spool == "" {
		spool = os.TempDir()
	}
	return &S3{client: client, bucket: o.Bucket, spool: spool}, nil
}

// Name implements Store.
func (s *S3) Name() string { return "s3" }

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Info, error) {
	if err := checkPut(key, opts); err != nil {
		return Info{}, err
	}
	f, err := os.CreateTemp(s.spool, "securenexus-blob-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob: create spool file: %w", err)
	}
	defer func() {
		f.Close()
		_ = os.Remove(f.Name())
	}()
	lr := newLimitedHashReader(ctx, r, opts.MaxSize)
	n, err := io.Copy(f, lr)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return Info{}, err
		}
		return Info{}, fmt.Errorf("blob: spool %s: %w", key, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Info{}, fmt.Errorf("blob: rewind spool of %s: %w", key, err)
	}
	sum := lr.h.Sum(nil)
	in := &s3.PutObjectInput{
		Bucket:         aws.String(s.bucket),
		Key:            aws.String(key),
		Body:           f,
		ContentLength:  aws.Int64(n),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum)),
		Metadata:       map[string]string{metaSHA256: hex.EncodeToString(sum)},
	}
	if opts.ContentType != "" {
		in.ContentType = aws.String(opts.ContentType)
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return Info{}, fmt.Errorf("blob: upload %s: %w", key, err)
	}
	return Info{Key: key, Size: n, SHA256: hex.EncodeToString(sum), ModTime: time.Now().UTC()}, nil
}

// Open implements Store.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s.err("open", key, err)
	}
	return out.Body, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return Info{}, s.err("stat", key, err)
	}
	return Info{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified).UTC()}, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}); err != nil {
		if errors.Is(s.err("delete", key, err), ErrNotFound) {
			return nil
		}
		return s.err("delete", key, err)
	}
	return nil
}

// List implements Store (ListObjectsV2, paged; S3 returns keys in order).
func (s *S3) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		if err := ValidatePrefix(prefix); err != nil {
			yield(Info{}, err)
			return
		}
		in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket)}
		if prefix != "" {
			in.Prefix = aws.String(prefix)
		}
		pages := s3.NewListObjectsV2Paginator(s.client, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				yield(Info{}, fmt.Errorf("blob: list %q: %w", prefix, err))
				return
			}
			for _, o := range page.Contents {
				if !yield(Info{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified).UTC()}, nil) {
					return
				}
			}
		}
	}
}

// Check implements Store: the bucket exists and the credentials may
// write to it (a probe object is written and deleted).
func (s *S3) Check(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		return fmt.Errorf("blob: bucket %s: %w", s.bucket, err)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	key := "health/probe-" + hex.EncodeToString(rnd[:])
	if _, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key),
		Body: nopSeeker{}, ContentLength: aws.Int64(0)}); err != nil {
		return fmt.Errorf("blob: bucket %s is not writable: %w", s.bucket, err)
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("blob: delete probe in %s: %w", s.bucket, err)
	}
	return nil
}

func (s *S3) err(op, key string, err error) error {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var api smithy.APIError
	if errors.As(err, &nsk) || errors.As(err, &nf) || (errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound")) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

// nopSeeker is an empty, seekable body.
type nopSeeker struct{}

func (nopSeeker) Read([]byte) (int, error)       { return 0, io.EOF }
func (nopSeeker) Seek(int64, int) (int64, error) { return 0, nil }
