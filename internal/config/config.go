// Package config loads, validates and documents every runtime setting of
// SecureNexus. A setting is read from its flag, then its SECURENEXUS_*
// environment variable, then its default; Load fails with an error naming the
// setting when a value is malformed or a rule is broken.
package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Environment names accepted by SECURENEXUS_ENV.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// MinSecretLen is the shortest secret accepted in production.
const MinSecretLen = 32

// Config is the validated runtime configuration. Each field's tags drive
// loading, flag registration and docs/configuration.md:
//
//	env:     the environment variable name
//	flag:    the command-line flag name
//	default: the default value ("" means none)
//	desc:    one-line purpose
//	secret:  "true" when the value must never be printed
type Config struct {
	Env      string `env:"SECURENEXUS_ENV" flag:"env" default:"development" desc:"Deployment environment: development or production. Production forbids weak or generated secrets and marks cookies Secure."`
	HTTPAddr string `env:"SECURENEXUS_HTTP_ADDR" flag:"http-addr" default:"127.0.0.1:8080" desc:"Address the HTTP server listens on."`
	// PublicURL is the externally visible base URL (cookies, OIDC redirects).
	PublicURL string `env:"SECURENEXUS_PUBLIC_URL" flag:"public-url" default:"http://127.0.0.1:8080" desc:"Externally visible base URL (invitation links, OIDC redirects, cookie security). The default matches the default --http-addr."`
	DataDir   string `env:"SECURENEXUS_DATA_DIR" flag:"data-dir" default:"./data" desc:"Directory for the embedded SQLite database and the generated secret when no database URL is set."`

	// TrustedProxies lists the reverse proxies whose X-Forwarded-For names
	// the client.
	TrustedProxies string `env:"SECURENEXUS_TRUSTED_PROXIES" flag:"trusted-proxies" default:"" desc:"Comma-separated CIDRs (or addresses) of reverse proxies / load balancers in front of the server. A request from one of them takes its client IP from X-Forwarded-For (the nearest address that is not a trusted proxy); the client IP drives login throttling, org IP allowlists and the audit log. Empty trusts no proxy: the client IP is the TCP peer."`

	DatabaseURL        string        `env:"SECURENEXUS_DATABASE_URL" flag:"database-url" default:"" desc:"PostgreSQL URL. Empty selects the embedded SQLite database under the data directory." secret:"true"`
	DBMaxConns         int           `env:"SECURENEXUS_DB_MAX_CONNS" flag:"db-max-conns" default:"20" desc:"Maximum PostgreSQL pool size (SQLite readers use the same bound)."`
	DBMaxConnIdleTime  time.Duration `env:"SECURENEXUS_DB_MAX_CONN_IDLE_TIME" flag:"db-max-conn-idle-time" default:"5m" desc:"Idle time after which a pooled PostgreSQL connection is closed."`
	DBStatementTimeout time.Duration `env:"SECURENEXUS_DB_STATEMENT_TIMEOUT" flag:"db-statement-timeout" default:"30s" desc:"PostgreSQL statement_timeout for application connections."`
	DBAppName          string        `env:"SECURENEXUS_DB_APPLICATION_NAME" flag:"db-application-name" default:"securenexus" desc:"PostgreSQL application_name reported in pg_stat_activity."`
	DBAppRole          string        `env:"SECURENEXUS_DB_APP_ROLE" flag:"db-app-role" default:"securenexus_app" desc:"PostgreSQL role the application switches to after connecting (neither superuser nor BYPASSRLS, so row-level security applies)."`

	SecretKey string `env:"SECURENEXUS_SECRET_KEY" flag:"secret-key" default:"" desc:"Key for sessions, CSRF and encryption at rest (at least 32 characters): new values are sealed under it. Required in production; generated once and stored in the data directory otherwise." secret:"true"`
	// SecretKeysPrevious are keys values may still be sealed under (during
	// a key rotation).
	SecretKeysPrevious string `env:"SECURENEXUS_SECRET_KEYS_PREVIOUS" flag:"secret-keys-previous" default:"" desc:"Comma-separated previous secret keys: values sealed under them still open. Set the old key here and the new one as SECURENEXUS_SECRET_KEY, restart, run securenexus secrets rotate, then remove the old key (docs/security.md, \"Secrets at rest\")." secret:"true"`

	LogLevel  string `env:"SECURENEXUS_LOG_LEVEL" flag:"log-level" default:"info" desc:"Log level: debug, info, warn or error."`
	LogFormat string `env:"SECURENEXUS_LOG_FORMAT" flag:"log-format" default:"json" desc:"Log format: json or text."`

	HTTPReadHeaderTimeout time.Duration `env:"SECURENEXUS_HTTP_READ_HEADER_TIMEOUT" flag:"http-read-header-timeout" default:"5s" desc:"Time allowed to read request headers."`
	HTTPReadTimeout       time.Duration `env:"SECURENEXUS_HTTP_READ_TIMEOUT" flag:"http-read-timeout" default:"60s" desc:"Time allowed to read a whole request, body included."`
	HTTPWriteTimeout      time.Duration `env:"SECURENEXUS_HTTP_WRITE_TIMEOUT" flag:"http-write-timeout" default:"60s" desc:"Time allowed to write a response (SSE streams extend their own deadline)."`
	HTTPIdleTimeout       time.Duration `env:"SECURENEXUS_HTTP_IDLE_TIMEOUT" flag:"http-idle-timeout" default:"120s" desc:"Keep-alive idle timeout."`
	GzipMinBytes          int           `env:"SECURENEXUS_GZIP_MIN_BYTES" flag:"gzip-min-bytes" default:"1024" desc:"Responses at least this large are gzip-compressed when the client accepts it."`
	TLSCertFile           string        `env:"SECURENEXUS_TLS_CERT_FILE" flag:"tls-cert-file" default:"" desc:"TLS certificate file; with the key file, serves HTTPS and sends HSTS."`
	TLSKeyFile            string        `env:"SECURENEXUS_TLS_KEY_FILE" flag:"tls-key-file" default:"" desc:"TLS private key file." secret:"true"`
	ShutdownTimeout       time.Duration `env:"SECURENEXUS_SHUTDOWN_TIMEOUT" flag:"shutdown-timeout" default:"20s" desc:"How long shutdown waits for in-flight requests and jobs."`

	MigrateOnStart bool `env:"SECURENEXUS_MIGRATE_ON_START" flag:"migrate-on-start" default:"false" desc:"Apply pending PostgreSQL migrations when serve starts (the embedded SQLite database is always migrated on start). Otherwise serve refuses to start on an outdated schema: run securenexus migrate up."`

	JobWorkers int `env:"SECURENEXUS_JOB_WORKERS" flag:"job-workers" default:"10" desc:"Concurrent background job workers in this process."`

	EventsRetention    time.Duration `env:"SECURENEXUS_EVENTS_RETENTION" flag:"events-retention" default:"168h" desc:"How long domain events (docs/events.md) are kept; the maintenance job prunes older ones. A live stream can resume (Last-Event-ID) only within this window; older ids get a resync event."`
	StreamHeartbeat    time.Duration `env:"SECURENEXUS_STREAM_HEARTBEAT" flag:"stream-heartbeat" default:"15s" desc:"Interval of heartbeat comments on GET /api/v1/stream, which keep proxies from closing idle streams."`
	StreamClientBuffer int           `env:"SECURENEXUS_STREAM_CLIENT_BUFFER" flag:"stream-client-buffer" default:"256" desc:"Events one live-stream client may have queued; a client that falls this far behind is disconnected (it resumes with Last-Event-ID)."`

	DedupFoldBoundaries bool `env:"SECURENEXUS_DEDUP_FOLD_BOUNDARIES" flag:"dedup-fold-boundaries" default:"true" desc:"Fold a repeat that falls just across a dedup window boundary into the neighbouring window's alert (one extra lookup per batch, about 10-17% of PostgreSQL intake throughput). false trades those split alerts for throughput."`

	IngestGroupWait       time.Duration `env:"SECURENEXUS_INGEST_GROUP_WAIT" flag:"ingest-group-wait" default:"1ms" desc:"Group commit of small intake requests (single alerts, webhooks, syslog flushes): how long the first request of a group waits for others of its org before their one transaction commits. 0 commits as soon as a committer is free (requests arriving during a commit still form the next group). Each request is answered after the commit holding it."`
	IngestGroupMaxRecords int           `env:"SECURENEXUS_INGEST_GROUP_MAX_RECORDS" flag:"ingest-group-max-records" default:"500" desc:"Most alerts in one group commit; a group reaching it commits at once, and a request at least this large commits alone."`

	IntelRaiseSeverity      string        `env:"SECURENEXUS_INTEL_RAISE_SEVERITY" flag:"intel-raise-severity" default:"high" desc:"Lowest severity an alert that matches a threat-intel indicator ends with (informational, low, medium, high, critical, or none to only tag matches)."`
	IntelRaiseMinConfidence int           `env:"SECURENEXUS_INTEL_RAISE_MIN_CONFIDENCE" flag:"intel-raise-min-confidence" default:"50" desc:"Indicator confidence (0-100) from which a match raises the alert's severity; weaker matches only tag the alert."`
	IntelRetroHuntDays      int           `env:"SECURENEXUS_INTEL_RETRO_HUNT_DAYS" flag:"intel-retro-hunt-days" default:"30" desc:"How many days of stored alerts a new indicator is retro-hunted over."`
	IntelDecayLifetimes     string        `env:"SECURENEXUS_INTEL_DECAY_LIFETIMES" flag:"intel-decay-lifetimes" default:"" desc:"Indicator lifetimes of the decay model per type, overriding the defaults (ipv4/ipv6 30d, cidr/url 90d, domain/email/ja3/ja4 180d, hashes and file names 365d), e.g. ipv4=14d,domain=90d."`
	IntelDecayThreshold     int           `env:"SECURENEXUS_INTEL_DECAY_THRESHOLD" flag:"intel-decay-threshold" default:"20" desc:"Decay score (0-100) below which an indicator stops matching and the hourly expiry job marks it expired."`
	IntelFanOutLimit        int           `env:"SECURENEXUS_INTEL_FANOUT_LIMIT" flag:"intel-fanout-limit" default:"500" desc:"Alerts one indicator may newly match in a clock hour before the fan-out guardrail flags it and stops its intel.matched.v1 events until the hour ends (matches are still stored and tagged)."`
	IntelFeedsAllowPrivate  bool          `env:"SECURENEXUS_INTEL_FEEDS_ALLOW_PRIVATE" flag:"intel-feeds-allow-private" default:"false" desc:"Development only: let threat-intel feed pulls reach loopback and private addresses (a local TAXII or MISP server). Refused in production; otherwise such feeds fail at connect time (SSRF guard)."`
	IntelIndexRefresh       time.Duration `env:"SECURENEXUS_INTEL_INDEX_REFRESH" flag:"intel-index-refresh" default:"5s" desc:"How often each replica pulls indicator changes made by other replicas into its in-memory match index."`

	SLAScanInterval time.Duration `env:"SECURENEXUS_SLA_SCAN_INTERVAL" flag:"sla-scan-interval" default:"30s" desc:"How often the incident SLA breach scan runs (a periodic job; each warning and breach is raised once across replicas). A warning or breach is raised at most this long after it is due."`

	SyslogAddr string `env:"SECURENEXUS_SYSLOG_ADDR" flag:"syslog-addr" default:"" desc:"Address for the syslog listener (TCP and UDP), e.g. 127.0.0.1:5514. Empty disables it."`

	BlobBackend           string        `env:"SECURENEXUS_BLOB_BACKEND" flag:"blob-backend" default:"local" desc:"File store for evidence and other blobs (docs/blob.md): local (a directory, SECURENEXUS_BLOB_DIR) or s3 (an S3-compatible object store: AWS S3, MinIO, Ceph RGW)."`
	BlobDir               string        `env:"SECURENEXUS_BLOB_DIR" flag:"blob-dir" default:"" desc:"Directory of the local blob store. Empty uses blobs/ under SECURENEXUS_DATA_DIR. Replicas sharing one database must share this directory (or use s3)."`
	BlobS3Endpoint        string        `env:"SECURENEXUS_BLOB_S3_ENDPOINT" flag:"blob-s3-endpoint" default:"" desc:"S3 service URL, e.g. https://minio.example.internal:9000. Empty uses AWS's endpoint for the region. Its host may resolve to an internal address only within SECURENEXUS_BLOB_S3_ALLOWED_CIDRS (or when the URL names an IP address)."`
	BlobS3Region          string        `env:"SECURENEXUS_BLOB_S3_REGION" flag:"blob-s3-region" default:"us-east-1" desc:"S3 region (MinIO and Ceph accept any; us-east-1 is their usual)."`
	BlobS3Bucket          string        `env:"SECURENEXUS_BLOB_S3_BUCKET" flag:"blob-s3-bucket" default:"" desc:"S3 bucket holding the blobs (must exist). Required with SECURENEXUS_BLOB_BACKEND=s3."`
	BlobS3PathStyle       bool          `env:"SECURENEXUS_BLOB_S3_PATH_STYLE" flag:"blob-s3-path-style" default:"false" desc:"Address the bucket in the URL path (endpoint/bucket/key) instead of the host name; MinIO and Ceph usually need true."`
	BlobS3AccessKeyID     string        `env:"SECURENEXUS_BLOB_S3_ACCESS_KEY_ID" flag:"blob-s3-access-key-id" default:"" desc:"Static S3 access key id. Empty uses the AWS SDK's standard credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, shared files, web identity, container or instance role)." secret:"true"`
	BlobS3SecretAccessKey string        `env:"SECURENEXUS_BLOB_S3_SECRET_ACCESS_KEY" flag:"blob-s3-secret-access-key" default:"" desc:"Static S3 secret access key (set together with the access key id)." secret:"true"`
	BlobS3AllowedCIDRs    string        `env:"SECURENEXUS_BLOB_S3_ALLOWED_CIDRS" flag:"blob-s3-allowed-cidrs" default:"10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7" desc:"Comma-separated internal ranges the S3 client may connect to (an on-premises MinIO or Ceph); every other internal address stays refused by the egress guard. Add 169.254.169.254/32 only if credentials come from the EC2 instance metadata service."`
	BlobS3CAFile          string        `env:"SECURENEXUS_BLOB_S3_CA_FILE" flag:"blob-s3-ca-file" default:"" desc:"PEM file of CA certificates trusted for the S3 endpoint instead of the system roots (a private CA). AWS_CA_BUNDLE is not used."`
	BlobS3Timeout         time.Duration `env:"SECURENEXUS_BLOB_S3_TIMEOUT" flag:"blob-s3-timeout" default:"10m" desc:"Longest one S3 call may take, body transfer included."`

	EvidenceMaxSize        int64         `env:"SECURENEXUS_EVIDENCE_MAX_SIZE" flag:"evidence-max-size" default:"1073741824" desc:"Largest evidence upload in bytes (1 GiB by default); an org admin may set a lower limit for the org. Uploads stream, but must finish within SECURENEXUS_HTTP_READ_TIMEOUT."`
	EvidenceVerifyInterval time.Duration `env:"SECURENEXUS_EVIDENCE_VERIFY_INTERVAL" flag:"evidence-verify-interval" default:"24h" desc:"How often every evidence artifact is re-hashed against its collection digest by the periodic job (a mismatch is recorded in custody and audit logs and emitted as evidence.integrity_failed.v1)."`

	OIDCAllowPrivateIssuers bool `env:"SECURENEXUS_OIDC_ALLOW_PRIVATE_ISSUERS" flag:"oidc-allow-private-issuers" default:"false" desc:"Development only: let OIDC discovery and token requests reach loopback and private addresses (a local Keycloak or Dex). Refused in production; otherwise such issuers are blocked at connect time (SSRF guard)."`

	PprofAddr string `env:"SECURENEXUS_PPROF_ADDR" flag:"pprof-addr" default:"" desc:"Loopback address (e.g. 127.0.0.1:6060) of a separate listener serving Go's net/http/pprof profiles (/debug/pprof/), for operators on the host (ssh port forwarding). Empty (the default) disables it; non-loopback addresses are refused, profiles reveal internals."`

	MetricsAddr  string `env:"SECURENEXUS_METRICS_ADDR" flag:"metrics-addr" default:"" desc:"Separate listener for Prometheus /metrics (e.g. 0.0.0.0:9090), kept off the public port. Empty serves /metrics on the main listener: allowed in production only with SECURENEXUS_METRICS_TOKEN."`
	MetricsToken string `env:"SECURENEXUS_METRICS_TOKEN" flag:"metrics-token" default:"" desc:"Bearer token /metrics on the main listener requires (Authorization: Bearer <token>, at least 32 characters). Production refuses to start with neither this nor SECURENEXUS_METRICS_ADDR set." secret:"true"`
	// OrgCreation decides who may create organisations through the API
	// (the CLI is the operator's and is not limited).
	OrgCreation    string `env:"SECURENEXUS_ORG_CREATION" flag:"org-creation" default:"capped" desc:"Who may create organisations through the API: open (any signed-in user), capped (a user may own at most SECURENEXUS_ORG_CREATION_MAX orgs) or admins (only SECURENEXUS_PLATFORM_ADMINS)."`
	OrgCreationMax int    `env:"SECURENEXUS_ORG_CREATION_MAX" flag:"org-creation-max" default:"3" desc:"With SECURENEXUS_ORG_CREATION=capped: how many orgs one user may own before creating another is refused (1-1000)."`
	PlatformAdmins string `env:"SECURENEXUS_PLATFORM_ADMINS" flag:"platform-admins" default:"" desc:"Comma-separated e-mail addresses of platform administrators: they may always create organisations (the only ones who may with SECURENEXUS_ORG_CREATION=admins)."`

	OTLPEndpoint string `env:"SECURENEXUS_OTLP_ENDPOINT" flag:"otlp-endpoint" default:"" desc:"OTLP/HTTP trace endpoint (host:port). Empty disables trace export."`

	RateLimitEnabled     bool    `env:"SECURENEXUS_RATE_LIMIT_ENABLED" flag:"rate-limit-enabled" default:"true" desc:"Per-principal API rate limiting (token buckets per user or API key and org, separate read and write budgets) and per-client-IP limiting of public sign-in operations. Limits are held in memory per replica: N replicas allow up to N times the budget."`
	RateLimitReadRPS     float64 `env:"SECURENEXUS_RATE_LIMIT_READ_RPS" flag:"rate-limit-read-rps" default:"20" desc:"Sustained read requests (GET, HEAD) per second allowed to one principal in one org."`
	RateLimitReadBurst   int     `env:"SECURENEXUS_RATE_LIMIT_READ_BURST" flag:"rate-limit-read-burst" default:"60" desc:"Read requests one principal may make at once above the sustained rate (bucket size)."`
	RateLimitWriteRPS    float64 `env:"SECURENEXUS_RATE_LIMIT_WRITE_RPS" flag:"rate-limit-write-rps" default:"5" desc:"Sustained write requests (POST, PUT, PATCH, DELETE) per second allowed to one principal in one org."`
	RateLimitWriteBurst  int     `env:"SECURENEXUS_RATE_LIMIT_WRITE_BURST" flag:"rate-limit-write-burst" default:"20" desc:"Write requests one principal may make at once above the sustained rate (bucket size)."`
	RateLimitPublicRPS   float64 `env:"SECURENEXUS_RATE_LIMIT_PUBLIC_RPS" flag:"rate-limit-public-rps" default:"1" desc:"Sustained unauthenticated sign-in requests (login, invitation acceptance, OIDC start and callback) per second from one client IP (IPv6: one /64). Signed webhooks are not counted here (they have their own HMAC check and ingest quota)."`
	RateLimitPublicBurst int     `env:"SECURENEXUS_RATE_LIMIT_PUBLIC_BURST" flag:"rate-limit-public-burst" default:"30" desc:"Unauthenticated sign-in requests one client IP may make at once above the sustained rate."`
	RateLimitMaxKeys     int     `env:"SECURENEXUS_RATE_LIMIT_MAX_KEYS" flag:"rate-limit-max-keys" default:"100000" desc:"Most buckets each limiter keeps in memory. Idle buckets (refilled) are dropped; when full, the least recently used bucket is dropped (that key starts again with a full bucket)."`

	Demo bool `env:"SECURENEXUS_DEMO" flag:"demo" default:"false" desc:"Load demo organisations, users and alerts at start-up if the database is empty."`
}

// Setting describes one configuration field for flags and documentation.
type Setting struct {
	Field   string
	Env     string
	Flag    string
	Default string
	Desc    string
	Secret  bool
	Kind    string
}

// Settings lists every setting in declaration order.
func Settings() []Setting {
	t := reflect.TypeFor[Config]()
	out := make([]Setting, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		out = append(out, Setting{
			Field:   f.Name,
			Env:     f.Tag.Get("env"),
			Flag:    f.Tag.Get("flag"),
			Default: f.Tag.Get("default"),
			Desc:    f.Tag.Get("desc"),
			Secret:  f.Tag.Get("secret") == "true",
			Kind:    kindName(f.Type),
		})
	}
	return out
}

func kindName(t reflect.Type) string {
	if t == reflect.TypeFor[time.Duration]() {
		return "duration"
	}
	return t.Kind().String()
}

// Source supplies raw values. Flags returns values explicitly set on the
// command line keyed by flag name; Getenv looks up environment variables.
type Source struct {
	Flags  map[string]string
	Getenv func(string) string
}

// FromEnvironment is a Source reading only the process environment.
func FromEnvironment() Source { return Source{Getenv: os.Getenv} }

// Load builds a Config from src and validates it.
func Load(src Source) (Config, error) {
	var c Config
	if src.Getenv == nil {
		src.Getenv = os.Getenv
	}
	v := reflect.ValueOf(&c).Elem()
	for i, s := range Settings() {
		raw, ok := src.Flags[s.Flag]
		if !ok {
			raw = src.Getenv(s.Env)
			if raw == "" {
				raw = s.Default
			}
		}
		if err := setField(v.Field(i), raw); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", s.Env, err)
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func setField(f reflect.Value, raw string) error {
	switch {
	case f.Type() == reflect.TypeFor[time.Duration]():
		if raw == "" {
			f.SetInt(0)
			return nil
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("invalid duration %q (use e.g. 30s, 5m)", raw)
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		f.SetString(raw)
	case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
		if raw == "" {
			f.SetInt(0)
			return nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid integer %q", raw)
		}
		f.SetInt(n)
	case f.Kind() == reflect.Float64:
		if raw == "" {
			f.SetFloat(0)
			return nil
		}
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("invalid number %q", raw)
		}
		f.SetFloat(x)
	case f.Kind() == reflect.Bool:
		if raw == "" {
			f.SetBool(false)
			return nil
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("invalid boolean %q (use true or false)", raw)
		}
		f.SetBool(b)
	default:
		return fmt.Errorf("unsupported setting type %s", f.Type())
	}
	return nil
}

// Validate checks cross-field rules. Each error names the setting.
func (c Config) Validate() error {
	var errs []error
	bad := func(env, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", env, fmt.Sprintf(format, args...)))
	}
	switch c.Env {
	case EnvDevelopment, EnvProduction:
	default:
		bad("SECURENEXUS_ENV", "must be development or production, got %q", c.Env)
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		bad("SECURENEXUS_TRUSTED_PROXIES", "%v", err)
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("SECURENEXUS_HTTP_ADDR", "must be host:port, got %q", c.HTTPAddr)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("SECURENEXUS_PUBLIC_URL", "must be an absolute http(s) URL, got %q", c.PublicURL)
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		bad("SECURENEXUS_DATA_DIR", "is required when SECURENEXUS_DATABASE_URL is empty")
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("SECURENEXUS_DATABASE_URL", "must start with postgres:// or postgresql://")
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 1000 {
		bad("SECURENEXUS_DB_MAX_CONNS", "must be between 1 and 1000, got %d", c.DBMaxConns)
	}
	if c.DBStatementTimeout < 0 {
		bad("SECURENEXUS_DB_STATEMENT_TIMEOUT", "must not be negative")
	}
	if c.SecretKey != "" && len(c.SecretKey) < MinSecretLen {
		bad("SECURENEXUS_SECRET_KEY", "must be at least %d characters", MinSecretLen)
	}
	for i, k := range c.PreviousSecretKeys() {
		if len(k) < MinSecretLen {
			bad("SECURENEXUS_SECRET_KEYS_PREVIOUS", "key %d must be at least %d characters", i+1, MinSecretLen)
		}
	}
	if c.Env == EnvProduction {
		if c.SecretKey == "" {
			bad("SECURENEXUS_SECRET_KEY", "is required in production")
		} else if weakSecret(c.SecretKey) {
			bad("SECURENEXUS_SECRET_KEY", "is too weak (repeated or placeholder value)")
		}
		if !strings.HasPrefix(c.PublicURL, "https://") {
			bad("SECURENEXUS_PUBLIC_URL", "must be https in production")
		}
		if c.Demo {
			bad("SECURENEXUS_DEMO", "must be false in production")
		}
		if c.OIDCAllowPrivateIssuers {
			bad("SECURENEXUS_OIDC_ALLOW_PRIVATE_ISSUERS", "must be false in production")
		}
		if c.MetricsAddr == "" && c.MetricsToken == "" {
			bad("SECURENEXUS_METRICS_ADDR", "or SECURENEXUS_METRICS_TOKEN is required in production: /metrics must not be public on the main port")
		}
	}
	switch c.BlobBackend {
	case BlobLocal:
		if c.BlobDir == "" && c.DataDir == "" {
			bad("SECURENEXUS_BLOB_DIR", "or SECURENEXUS_DATA_DIR is required with the local blob backend")
		}
	case BlobS3:
		if c.BlobS3Bucket == "" {
			bad("SECURENEXUS_BLOB_S3_BUCKET", "is required with SECURENEXUS_BLOB_BACKEND=s3")
		}
	default:
		bad("SECURENEXUS_BLOB_BACKEND", "must be local or s3, got %q", c.BlobBackend)
	}
	if c.BlobS3Endpoint != "" {
		if u, err := url.Parse(c.BlobS3Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			bad("SECURENEXUS_BLOB_S3_ENDPOINT", "must be an http(s) URL without path, query or credentials, got %q", c.BlobS3Endpoint)
		}
	}
	if (c.BlobS3AccessKeyID == "") != (c.BlobS3SecretAccessKey == "") {
		bad("SECURENEXUS_BLOB_S3_ACCESS_KEY_ID", "and SECURENEXUS_BLOB_S3_SECRET_ACCESS_KEY must be set together")
	}
	if _, err := c.BlobS3AllowedPrefixes(); err != nil {
		bad("SECURENEXUS_BLOB_S3_ALLOWED_CIDRS", "%v", err)
	}
	if c.EvidenceMaxSize < 1 || c.EvidenceMaxSize > 1<<40 {
		bad("SECURENEXUS_EVIDENCE_MAX_SIZE", "must be between 1 and %d bytes, got %d", int64(1)<<40, c.EvidenceMaxSize)
	}
	if c.EvidenceVerifyInterval < time.Minute {
		bad("SECURENEXUS_EVIDENCE_VERIFY_INTERVAL", "must be at least 1m")
	}
	if c.BlobS3Timeout <= 0 {
		bad("SECURENEXUS_BLOB_S3_TIMEOUT", "must be a positive duration")
	}
	switch c.OrgCreation {
	case OrgCreationOpen, OrgCreationCapped, OrgCreationAdmins:
	default:
		bad("SECURENEXUS_ORG_CREATION", "must be open, capped or admins, got %q", c.OrgCreation)
	}
	if c.OrgCreationMax < 1 || c.OrgCreationMax > 1000 {
		bad("SECURENEXUS_ORG_CREATION_MAX", "must be between 1 and 1000, got %d", c.OrgCreationMax)
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < MinSecretLen {
		bad("SECURENEXUS_METRICS_TOKEN", "must be at least %d characters", MinSecretLen)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("SECURENEXUS_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		bad("SECURENEXUS_LOG_FORMAT", "must be json or text, got %q", c.LogFormat)
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		bad("SECURENEXUS_TLS_CERT_FILE", "and SECURENEXUS_TLS_KEY_FILE must be set together")
	}
	if c.JobWorkers < 1 {
		bad("SECURENEXUS_JOB_WORKERS", "must be at least 1")
	}
	if c.StreamClientBuffer < 1 || c.StreamClientBuffer > 65536 {
		bad("SECURENEXUS_STREAM_CLIENT_BUFFER", "must be between 1 and 65536, got %d", c.StreamClientBuffer)
	}
	for _, d := range []struct {
		env string
		v   time.Duration
	}{
		{"SECURENEXUS_HTTP_READ_HEADER_TIMEOUT", c.HTTPReadHeaderTimeout},
		{"SECURENEXUS_HTTP_READ_TIMEOUT", c.HTTPReadTimeout},
		{"SECURENEXUS_HTTP_WRITE_TIMEOUT", c.HTTPWriteTimeout},
		{"SECURENEXUS_HTTP_IDLE_TIMEOUT", c.HTTPIdleTimeout},
		{"SECURENEXUS_SHUTDOWN_TIMEOUT", c.ShutdownTimeout},
		{"SECURENEXUS_EVENTS_RETENTION", c.EventsRetention},
		{"SECURENEXUS_STREAM_HEARTBEAT", c.StreamHeartbeat},
		{"SECURENEXUS_SLA_SCAN_INTERVAL", c.SLAScanInterval},
	} {
		if d.v <= 0 {
			bad(d.env, "must be a positive duration")
		}
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("SECURENEXUS_METRICS_ADDR", "must be host:port, got %q", c.MetricsAddr)
		}
	}
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			bad("SECURENEXUS_PPROF_ADDR", "must be a loopback host:port such as 127.0.0.1:6060, got %q", c.PprofAddr)
		}
	}
	if c.SyslogAddr != "" {
		if _, _, err := net.SplitHostPort(c.SyslogAddr); err != nil {
			bad("SECURENEXUS_SYSLOG_ADDR", "must be host:port, got %q", c.SyslogAddr)
		}
	}
	for _, r := range []struct {
		env string
		v   float64
	}{
		{"SECURENEXUS_RATE_LIMIT_READ_RPS", c.RateLimitReadRPS},
		{"SECURENEXUS_RATE_LIMIT_WRITE_RPS", c.RateLimitWriteRPS},
		{"SECURENEXUS_RATE_LIMIT_PUBLIC_RPS", c.RateLimitPublicRPS},
	} {
		if r.v < 0.01 || r.v > 100000 {
			bad(r.env, "must be between 0.01 and 100000 requests per second, got %g", r.v)
		}
	}
	for _, b := range []struct {
		env string
		v   int
	}{
		{"SECURENEXUS_RATE_LIMIT_READ_BURST", c.RateLimitReadBurst},
		{"SECURENEXUS_RATE_LIMIT_WRITE_BURST", c.RateLimitWriteBurst},
		{"SECURENEXUS_RATE_LIMIT_PUBLIC_BURST", c.RateLimitPublicBurst},
	} {
		if b.v < 1 || b.v > 100000 {
			bad(b.env, "must be between 1 and 100000, got %d", b.v)
		}
	}
	if c.IngestGroupWait < 0 || c.IngestGroupWait > time.Second {
		bad("SECURENEXUS_INGEST_GROUP_WAIT", "must be between 0 and 1s, got %s", c.IngestGroupWait)
	}
	if c.IngestGroupMaxRecords < 1 || c.IngestGroupMaxRecords > 10000 {
		bad("SECURENEXUS_INGEST_GROUP_MAX_RECORDS", "must be between 1 and 10000, got %d", c.IngestGroupMaxRecords)
	}
	if c.RateLimitMaxKeys < 100 || c.RateLimitMaxKeys > 10000000 {
		bad("SECURENEXUS_RATE_LIMIT_MAX_KEYS", "must be between 100 and 10000000, got %d", c.RateLimitMaxKeys)
	}
	return errors.Join(errs...)
}

// weakSecret reports secrets made of one repeated character or known
// placeholders.
func weakSecret(s string) bool {
	lower := strings.ToLower(s)
	for _, p := range []string{"changeme", "secret", "password", "default", "example"} {
		if strings.Contains(lower, p) {
			return true
		}
	}
	distinct := map[rune]struct{}{}
	for _, r := range s {
		distinct[r] = struct{}{}
	}
	return len(distinct) < 8
}

// Who may create organisations (OrgCreation).
const (
	OrgCreationOpen   = "open"
	OrgCreationCapped = "capped"
	OrgCreationAdmins = "admins"
)

// PlatformAdmin reports whether email is listed in PlatformAdmins
// (case-insensitive).
func (c Config) PlatformAdmin(email string) bool {
	if email == "" {
		return false
	}
	for a := range strings.SplitSeq(c.PlatformAdmins, ",") {
		if strings.EqualFold(strings.TrimSpace(a), email) {
			return true
		}
	}
	return false
}

// Blob backends (BlobBackend).
const (
	BlobLocal = "local"
	BlobS3    = "s3"
)

// BlobDirectory is the local blob store's directory: BlobDir, or blobs/
// under DataDir.
func (c Config) BlobDirectory() string {
	if c.BlobDir != "" {
		return c.BlobDir
	}
	return filepath.Join(c.DataDir, "blobs")
}

// BlobS3AllowedPrefixes parses BlobS3AllowedCIDRs (a bare address is a
// /32 or /128).
func (c Config) BlobS3AllowedPrefixes() ([]netip.Prefix, error) {
	return parsePrefixes(c.BlobS3AllowedCIDRs)
}

// Production reports whether the production rules apply.
func (c Config) Production() bool { return c.Env == EnvProduction }

// TrustedProxyPrefixes parses TrustedProxies (a bare address is a /32 or
// /128).
func (c Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	return parsePrefixes(c.TrustedProxies)
}

func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(raw)
		if err != nil {
			addr, aerr := netip.ParseAddr(raw)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not a CIDR or IP address", raw)
			}
			pfx = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		out = append(out, pfx.Masked())
	}
	return out, nil
}

// TLS reports whether the server terminates TLS itself.
func (c Config) TLS() bool { return c.TLSCertFile != "" }

// Markdown renders the settings table for docs/configuration.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Configuration\n\n")
	b.WriteString("Generated from `internal/config` by `go run ./cmd/securenexus config docs`; a test fails when this file and the code differ.\n\n")
	b.WriteString("Every setting is read from its flag, then its environment variable, then its default. `securenexus serve` validates all of them at start-up and exits with an error naming each bad setting.\n\n")
	b.WriteString("| Environment variable | Flag | Type | Default | Purpose |\n|---|---|---|---|---|\n")
	for _, s := range Settings() {
		def := s.Default
		if def == "" {
			def = "(none)"
		}
		desc := s.Desc
		if s.Secret {
			desc += " Secret: never logged."
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` | %s | `%s` | %s |\n", s.Env, s.Flag, s.Kind, def, desc)
	}
	return b.String()
}

// PreviousSecretKeys splits SecretKeysPrevious (comma-separated, blanks
// dropped).
func (c Config) PreviousSecretKeys() []string {
	var out []string
	for _, k := range strings.Split(c.SecretKeysPrevious, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}
