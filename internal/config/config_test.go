package config

import (
	"os"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsAreValid(t *testing.T) {
	c, err := Load(Source{Getenv: env(nil)})
	if err != nil {
		t.Fatalf("defaults must validate: %v", err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.DBMaxConns != 20 || c.Production() ||
		!c.RateLimitEnabled || c.RateLimitReadRPS != 20 || c.RateLimitReadBurst != 60 || c.RateLimitWriteRPS != 5 || c.RateLimitWriteBurst != 20 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestFlagBeatsEnv(t *testing.T) {
	c, err := Load(Source{
		Flags:  map[string]string{"http-addr": "0.0.0.0:9000"},
		Getenv: env(map[string]string{"SECURENEXUS_HTTP_ADDR": "127.0.0.1:1"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "0.0.0.0:9000" {
		t.Fatalf("flag should win, got %s", c.HTTPAddr)
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	cases := map[string]map[string]string{
		"SECURENEXUS_DB_MAX_CONNS":             {"SECURENEXUS_DB_MAX_CONNS": "zero"},
		"SECURENEXUS_HTTP_READ_TIMEOUT":        {"SECURENEXUS_HTTP_READ_TIMEOUT": "5 minutes"},
		"SECURENEXUS_LOG_LEVEL":                {"SECURENEXUS_LOG_LEVEL": "loud"},
		"SECURENEXUS_DATABASE_URL":             {"SECURENEXUS_DATABASE_URL": "mysql://x"},
		"SECURENEXUS_SECRET_KEY":               {"SECURENEXUS_ENV": "production", "SECURENEXUS_PUBLIC_URL": "https://soc.example"},
		"SECURENEXUS_TLS_CERT_FILE":            {"SECURENEXUS_TLS_CERT_FILE": "/x.pem"},
		"SECURENEXUS_ENV":                      {"SECURENEXUS_ENV": "staging"},
		"SECURENEXUS_RATE_LIMIT_READ_RPS":      {"SECURENEXUS_RATE_LIMIT_READ_RPS": "0"},
		"SECURENEXUS_RATE_LIMIT_WRITE_RPS":     {"SECURENEXUS_RATE_LIMIT_WRITE_RPS": "NaN"},
		"SECURENEXUS_RATE_LIMIT_PUBLIC_RPS":    {"SECURENEXUS_RATE_LIMIT_PUBLIC_RPS": "fast"},
		"SECURENEXUS_RATE_LIMIT_READ_BURST":    {"SECURENEXUS_RATE_LIMIT_READ_BURST": "0"},
		"SECURENEXUS_RATE_LIMIT_MAX_KEYS":      {"SECURENEXUS_RATE_LIMIT_MAX_KEYS": "5"},
		"SECURENEXUS_TRUSTED_PROXIES":          {"SECURENEXUS_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"},
		"SECURENEXUS_PPROF_ADDR":               {"SECURENEXUS_PPROF_ADDR": "0.0.0.0:6060"},
		"SECURENEXUS_INGEST_GROUP_WAIT":        {"SECURENEXUS_INGEST_GROUP_WAIT": "5s"},
		"SECURENEXUS_INGEST_GROUP_MAX_RECORDS": {"SECURENEXUS_INGEST_GROUP_MAX_RECORDS": "0"},
		"SECURENEXUS_BLOB_BACKEND":             {"SECURENEXUS_BLOB_BACKEND": "ftp"},
		"SECURENEXUS_BLOB_S3_BUCKET":           {"SECURENEXUS_BLOB_BACKEND": "s3"},
		"SECURENEXUS_BLOB_S3_ENDPOINT":         {"SECURENEXUS_BLOB_S3_ENDPOINT": "http://minio:9000/bucket"},
		"SECURENEXUS_BLOB_S3_ACCESS_KEY_ID":    {"SECURENEXUS_BLOB_S3_ACCESS_KEY_ID": "AKIA"},
		"SECURENEXUS_BLOB_S3_ALLOWED_CIDRS":    {"SECURENEXUS_BLOB_S3_ALLOWED_CIDRS": "10.0.0.0/8,minio"},
		"SECURENEXUS_BLOB_S3_TIMEOUT":          {"SECURENEXUS_BLOB_S3_TIMEOUT": "0s"},
		"SECURENEXUS_EVIDENCE_MAX_SIZE":        {"SECURENEXUS_EVIDENCE_MAX_SIZE": "0"},
		"SECURENEXUS_EVIDENCE_VERIFY_INTERVAL": {"SECURENEXUS_EVIDENCE_VERIFY_INTERVAL": "1s"},
		"SECURENEXUS_SECRET_KEY: is too weak":  {"SECURENEXUS_ENV": "production", "SECURENEXUS_PUBLIC_URL": "https://soc.example", "SECURENEXUS_SECRET_KEY": strings.Repeat("a", 40)},
	}
	for want, vars := range cases {
		_, err := Load(Source{Getenv: env(vars)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("vars %v: want error containing %q, got %v", vars, want, err)
		}
	}
}

func TestProductionAcceptsStrongSecret(t *testing.T) {
	_, err := Load(Source{Getenv: env(map[string]string{
		"SECURENEXUS_ENV":          "production",
		"SECURENEXUS_PUBLIC_URL":   "https://soc.example.com",
		"SECURENEXUS_SECRET_KEY":   "q8Vh2mZr7XkP4nT1wYb9LcJ6dF3sA0eGuR5",
		"SECURENEXUS_METRICS_ADDR": "0.0.0.0:9090",
	})})
	if err != nil {
		t.Fatal(err)
	}
}

// Production refuses /metrics public on the main port: it needs a separate
// metrics address or a bearer token.
func TestProductionMetricsNotPublic(t *testing.T) {
	prod := func(extra map[string]string) error {
		vars := map[string]string{
			"SECURENEXUS_ENV":        "production",
			"SECURENEXUS_PUBLIC_URL": "https://soc.example.com",
			"SECURENEXUS_SECRET_KEY": "q8Vh2mZr7XkP4nT1wYb9LcJ6dF3sA0eGuR5",
		}
		for k, v := range extra {
			vars[k] = v
		}
		_, err := Load(Source{Getenv: env(vars)})
		return err
	}
	if err := prod(nil); err == nil || !strings.Contains(err.Error(), "SECURENEXUS_METRICS_ADDR") {
		t.Fatalf("production without a metrics address or token: %v", err)
	}
	if err := prod(map[string]string{"SECURENEXUS_METRICS_TOKEN": "Zx81kLmQ02vBn7TyUe4rWo9PaS6dFgHj"}); err != nil {
		t.Fatalf("production with a metrics token: %v", err)
	}
	if err := prod(map[string]string{"SECURENEXUS_METRICS_TOKEN": "short"}); err == nil || !strings.Contains(err.Error(), "SECURENEXUS_METRICS_TOKEN") {
		t.Fatalf("short metrics token: %v", err)
	}
}

// TestConfigurationDocIsCurrent fails when docs/configuration.md drifts from
// the code. Regenerate with `go run ./cmd/securenexus config docs > docs/configuration.md`.
func TestConfigurationDocIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != Markdown() {
		t.Fatal("docs/configuration.md is stale: run `go run ./cmd/securenexus config docs > docs/configuration.md`")
	}
}
