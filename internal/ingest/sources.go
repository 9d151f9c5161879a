package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Source kinds.
const (
	KindAPI     = "api"
	KindWebhook = "webhook"
	KindSyslog  = "syslog"
)

// SourceConfig is a configured alert source of an org: its normalizer, dedup
// keys and window, and for webhooks a signing secret, for syslog the
// sender networks it accepts.
type SourceConfig struct {
	ID           uuid.UUID `json:"id"`
	OrgID        uuid.UUID `json:"org_id"`
	Name         string    `json:"name"`
	Kind         string    `json:"kind" enum:"api,webhook,syslog"`
	SourceType   string    `json:"source_type" doc:"Normalizer key; empty auto-detects"`
	DedupKeys    []string  `json:"dedup_keys" doc:"Fields the fingerprint covers; empty uses the default (source type, rule, entities)"`
	DedupWindow  int       `json:"dedup_window_seconds"`
	AllowedCIDRs []string  `json:"allowed_cidrs,omitempty" doc:"Syslog senders accepted for this source"`
	Enabled      bool      `json:"enabled"`
	HasSecret    bool      `json:"has_secret"`
	// PreviousSecretExpiresAt is set after a secret rotation while the
	// previous secret still verifies (the grace period).
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty" doc:"Until when the secret replaced by the last rotation still verifies"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`

	secret     []byte
	prevSecret []byte
}

// verifyingSecrets returns the secrets a webhook signature may use at now:
// the current one and, during a rotation's grace period, the previous one.
func (s *SourceConfig) verifyingSecrets(now time.Time) [][]byte {
	var out [][]byte
	if len(s.secret) > 0 {
		out = append(out, s.secret)
	}
	if len(s.prevSecret) > 0 && s.PreviousSecretExpiresAt != nil && now.Before(*s.PreviousSecretExpiresAt) {
		out = append(out, s.prevSecret)
	}
	return out
}

// Window is the dedup window.
func (s *SourceConfig) Window() time.Duration {
	if s == nil || s.DedupWindow <= 0 {
		return DefaultDedupWindow
	}
	return time.Duration(s.DedupWindow) * time.Second
}

// Store persists sources and alerts.
type Store struct {
	DB *db.DB
	// FoldBoundaries makes occurrences just across a dedup bucket
	// boundary join the neighbouring bucket's alert (foldBoundaries). The
	// server turns it on unless SECURENEXUS_DEDUP_FOLD_BOUNDARIES=false: it
	// costs one lookup query per batch, measured at 10-17% of PostgreSQL
	// intake throughput (docs/ingest.md, "Deduplication").
	FoldBoundaries bool
	// keys seals webhook signing secrets (internal/platform/secrets).
	keys *secrets.Keyring
}

// NewStore builds a Store; keys seals webhook signing secrets at rest.
func NewStore(d *db.DB, keys *secrets.Keyring) *Store {
	return &Store{DB: d, keys: keys}
}

// SealedColumns lists ingest's columns holding sealed values, for key
// rotation and the one-time re-seal of pre-keyring values. The current and
// the previous webhook secret share the field: a rotation moves the
// current one into the previous slot.
func SealedColumns() []secrets.Column {
	return []secrets.Column{
		{Table: "alert_sources", Column: "secret_enc", Field: "webhook_secret", Key: "id", Org: "org_id", Binary: true, Legacy: secrets.LegacyIngestWebhook},
		{Table: "alert_sources", Column: "secret_prev_enc", Field: "webhook_secret", Key: "id", Org: "org_id", Binary: true, Legacy: secrets.LegacyIngestWebhook},
	}
}

func webhookRef(org, id uuid.UUID) secrets.Ref {
	return secrets.Ref{Org: org, Table: "alert_sources", Field: "webhook_secret", Row: id.String()}
}

func (s *Store) seal(org, id uuid.UUID, plain []byte) ([]byte, error) {
	out, err := s.keys.Seal(webhookRef(org, id), plain)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	return []byte(out), nil
}

func (s *Store) open(org, id uuid.UUID, sealed []byte) ([]byte, error) {
	out, err := s.keys.Open(webhookRef(org, id), string(sealed))
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	return out, nil
}

// SourceConfigInput creates or replaces a source's settings.
type SourceConfigInput struct {
	Name         string   `json:"name" minLength:"1" maxLength:"200"`
	Kind         string   `json:"kind" enum:"api,webhook,syslog"`
	SourceType   string   `json:"source_type,omitempty" maxLength:"64" doc:"Normalizer key; empty auto-detects"`
	DedupKeys    []string `json:"dedup_keys,omitempty" maxItems:"16"`
	DedupWindow  int      `json:"dedup_window_seconds,omitempty" minimum:"0" maximum:"2592000" doc:"0 selects the default (3600)"`
	AllowedCIDRs []string `json:"allowed_cidrs,omitempty" maxItems:"64"`
	Enabled      *bool    `json:"enabled,omitempty"`
}

// Validate checks fields the schema and the API's text rule cannot.
func (in *SourceConfigInput) Validate() error {
	var fields []apperr.FieldError
	for i, k := range in.DedupKeys {
		if !ValidDedupKey(k) {
			fields = append(fields, apperr.Field(fmt.Sprintf("body.dedup_keys[%d]", i), "unknown dedup key "+k))
		}
	}
	for i, c := range in.AllowedCIDRs {
		if why := senderNetworkProblem(c); why != "" {
			fields = append(fields, apperr.Field(fmt.Sprintf("body.allowed_cidrs[%d]", i), why))
		}
	}
	if in.Kind == KindSyslog && len(in.AllowedCIDRs) == 0 {
		fields = append(fields, apperr.Field("body.allowed_cidrs", "a syslog source needs at least one sender network"))
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid source", fields...)
	}
	return nil
}

// CreateSource stores a new source. For webhook sources it generates the
// signing secret and returns it once (it is stored encrypted).
func (s *Store) CreateSource(ctx context.Context, scope tenant.Scope, in SourceConfigInput) (*SourceConfig, string, error) {
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, "", fmt.Errorf("ingest: source id: %w", err)
	}
	var secret string
	var sealed []byte
	if in.Kind == KindWebhook {
		if secret, err = newWebhookSecret(); err != nil {
			return nil, "", err
		}
		if sealed, err = s.seal(scope.Org(), id, []byte(secret)); err != nil {
			return nil, "", err
		}
	}
	now := time.Now().UTC()
	src := &SourceConfig{ID: id, OrgID: scope.Org(), CreatedAt: now, UpdatedAt: now, HasSecret: sealed != nil}
	applyInput(src, in)
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		keys, cidrs := jsonOrEmpty(src.DedupKeys, "[]"), jsonOrEmpty(src.AllowedCIDRs, "[]")
		_, err := tx.ExecContext(ctx, `INSERT INTO alert_sources (id, org_id, name, kind, source_type, dedup_keys, dedup_window_seconds, secret_enc, allowed_cidrs, enabled, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`, id.String(), scope.Org().String(), src.Name, src.Kind, src.SourceType,
			string(keys), src.DedupWindow, sealed, string(cidrs), src.Enabled, now)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Conflict("a source with this name exists").WithCode("source_exists")
			}
			return fmt.Errorf("ingest: insert source: %w", err)
		}
		return putRoute(ctx, tx, src)
	})
	if err != nil {
		return nil, "", err
	}
	return src, secret, nil
}

func applyInput(src *SourceConfig, in SourceConfigInput) {
	src.Name, src.Kind, src.SourceType = in.Name, in.Kind, in.SourceType
	src.DedupKeys = in.DedupKeys
	if src.DedupKeys == nil {
		src.DedupKeys = []string{}
	}
	src.DedupWindow = in.DedupWindow
	if src.DedupWindow == 0 {
		src.DedupWindow = int(DefaultDedupWindow / time.Second)
	}
	src.AllowedCIDRs = in.AllowedCIDRs
	src.Enabled = in.Enabled == nil || *in.Enabled
}

// syslogClaimLock serializes syslog network claims on PostgreSQL (an
// advisory transaction lock key) so two orgs cannot claim overlapping
// networks concurrently; SQLite has one writer anyway.
const syslogClaimLock = 0x736e_7379_736c_6f67 // "snsyslog"

// checkSyslogNetworks refuses an enabled syslog source whose networks
// overlap a network of another org's enabled syslog source. The listener
// routes a sender to the most specific matching network, so without this
// an org could claim a victim's sender address (or a wider range taking
// in future ones) and receive the victim's messages.
func checkSyslogNetworks(ctx context.Context, tx *db.Tx, src *SourceConfig) error {
	if src.Kind != KindSyslog || !src.Enabled {
		return nil
	}
	if tx.Dialect == db.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(syslogClaimLock)); err != nil {
			return fmt.Errorf("ingest: lock syslog networks: %w", err)
		}
	}
	rs, err := tx.QueryContext(ctx, `SELECT allowed_cidrs FROM ingest_source_routes WHERE kind = 'syslog' AND enabled AND org_id <> $1`,
		src.OrgID.String())
	if err != nil {
		return fmt.Errorf("ingest: read syslog networks: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var taken []netip.Prefix
	for rs.Next() {
		var cidrs string
		if err := rs.Scan(&cidrs); err != nil {
			return fmt.Errorf("ingest: scan syslog networks: %w", err)
		}
		taken = append(taken, parsePrefixes(cidrs)...)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("ingest: read syslog networks: %w", err)
	}
	var fields []apperr.FieldError
	for i, c := range src.AllowedCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			continue // Validate named it
		}
		p = p.Masked()
		for _, t := range taken {
			if p.Overlaps(t) {
				fields = append(fields, apperr.Field(fmt.Sprintf("body.allowed_cidrs[%d]", i), "overlaps a network another organization sends syslog from"))
				break
			}
		}
	}
	if len(fields) > 0 {
		e := apperr.Conflict("a sender network is already mapped to another organization").WithCode("syslog_network_taken")
		e.Fields = fields
		return e
	}
	return nil
}

func putRoute(ctx context.Context, tx *db.Tx, src *SourceConfig) error {
	if src.Kind == KindAPI {
		return nil
	}
	if err := checkSyslogNetworks(ctx, tx, src); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ingest_source_routes (source_id, org_id, kind, allowed_cidrs, enabled) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (source_id) DO UPDATE SET allowed_cidrs = excluded.allowed_cidrs, enabled = excluded.enabled`,
		src.ID.String(), src.OrgID.String(), src.Kind, string(jsonOrEmpty(src.AllowedCIDRs, "[]")), src.Enabled)
	if err != nil {
		return fmt.Errorf("ingest: source route: %w", err)
	}
	return nil
}

// UpdateSource replaces a source's settings (its kind and secret stay).
func (s *Store) UpdateSource(ctx context.Context, scope tenant.Scope, id uuid.UUID, in SourceConfigInput) (*SourceConfig, error) {
	var src *SourceConfig
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		cur, err := s.getSource(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		// Validated as the kind it keeps, not the kind the body names.
		in.Kind = cur.Kind
		if err := in.Validate(); err != nil {
			return err
		}
		applyInput(cur, in)
		cur.UpdatedAt = time.Now().UTC()
		_, err = tx.ExecContext(ctx, `UPDATE alert_sources SET name = $3, source_type = $4, dedup_keys = $5, dedup_window_seconds = $6,
allowed_cidrs = $7, enabled = $8, updated_at = $9 WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String(), cur.Name,
			cur.SourceType, string(jsonOrEmpty(cur.DedupKeys, "[]")), cur.DedupWindow, string(jsonOrEmpty(cur.AllowedCIDRs, "[]")), cur.Enabled, cur.UpdatedAt)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Conflict("a source with this name exists").WithCode("source_exists")
			}
			return fmt.Errorf("ingest: update source: %w", err)
		}
		src = cur
		return putRoute(ctx, tx, cur)
	})
	return src, err
}

// DeleteSource removes a source (its alerts stay).
func (s *Store) DeleteSource(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM alert_sources WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String())
		if err != nil {
			return fmt.Errorf("ingest: delete source: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("source")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ingest_source_routes WHERE org_id = $1 AND source_id = $2`, scope.Org().String(), id.String()); err != nil {
			return fmt.Errorf("ingest: delete route: %w", err)
		}
		return nil
	})
}

// GetSource returns one source of the org.
func (s *Store) GetSource(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*SourceConfig, error) {
	var src *SourceConfig
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		src, err = s.getSource(ctx, tx, scope, id)
		return err
	})
	return src, err
}

const sourceCols = `id, org_id, name, kind, source_type, dedup_keys, dedup_window_seconds, secret_enc, allowed_cidrs, enabled, created_at, updated_at,
 secret_prev_enc, secret_prev_expires_at`

func (s *Store) getSource(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (*SourceConfig, error) {
	src, err := scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM alert_sources WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("source")
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: get source: %w", err)
	}
	if src.secret != nil {
		if src.secret, err = s.open(src.OrgID, src.ID, src.secret); err != nil {
			return nil, err
		}
	}
	if src.prevSecret != nil {
		if src.prevSecret, err = s.open(src.OrgID, src.ID, src.prevSecret); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// ListSources returns the org's sources by name.
func (s *Store) ListSources(ctx context.Context, scope tenant.Scope) ([]SourceConfig, error) {
	out := []SourceConfig{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT `+sourceCols+` FROM alert_sources WHERE org_id = $1 ORDER BY name`, scope.Org().String())
		if err != nil {
			return fmt.Errorf("ingest: list sources: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			src, err := scanSource(rs)
			if err != nil {
				return fmt.Errorf("ingest: scan source: %w", err)
			}
			src.secret, src.prevSecret = nil, nil
			out = append(out, *src)
		}
		return rs.Err()
	})
	return out, err
}

type scanner interface{ Scan(dest ...any) error }

func scanSource(sc scanner) (*SourceConfig, error) {
	var src SourceConfig
	var keys, cidrs string
	var prevExpires sql.NullTime
	if err := sc.Scan(&src.ID, &src.OrgID, &src.Name, &src.Kind, &src.SourceType, &keys, &src.DedupWindow, &src.secret, &cidrs,
		&src.Enabled, &src.CreatedAt, &src.UpdatedAt, &src.prevSecret, &prevExpires); err != nil {
		return nil, err
	}
	if prevExpires.Valid && len(src.prevSecret) > 0 {
		t := prevExpires.Time.UTC()
		src.PreviousSecretExpiresAt = &t
	}
	if err := json.Unmarshal([]byte(keys), &src.DedupKeys); err != nil {
		return nil, fmt.Errorf("dedup keys: %w", err)
	}
	if err := json.Unmarshal([]byte(cidrs), &src.AllowedCIDRs); err != nil {
		return nil, fmt.Errorf("allowed cidrs: %w", err)
	}
	src.HasSecret = len(src.secret) > 0
	src.CreatedAt, src.UpdatedAt = src.CreatedAt.UTC(), src.UpdatedAt.UTC()
	return &src, nil
}

// Route maps a webhook or syslog source to its org.
type Route struct {
	SourceID     uuid.UUID
	OrgID        uuid.UUID
	Kind         string
	AllowedCIDRs []netip.Prefix
}

// LookupRoute finds the org of a source before any org is known (public
// webhook). Only enabled sources are returned.
func (s *Store) LookupRoute(ctx context.Context, sourceID uuid.UUID) (*Route, error) {
	var r Route
	var cidrs string
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT source_id, org_id, kind, allowed_cidrs FROM ingest_source_routes WHERE source_id = $1 AND enabled`,
			sourceID.String()).Scan(&r.SourceID, &r.OrgID, &r.Kind, &cidrs)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("source")
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: lookup route: %w", err)
	}
	r.AllowedCIDRs = parsePrefixes(cidrs)
	return &r, nil
}

// SyslogRoutes returns every enabled syslog source route (all orgs), for
// the listener's sender map.
func (s *Store) SyslogRoutes(ctx context.Context) ([]Route, error) {
	var out []Route
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT source_id, org_id, kind, allowed_cidrs FROM ingest_source_routes WHERE kind = 'syslog' AND enabled ORDER BY source_id`)
		if err != nil {
			return err
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var r Route
			var cidrs string
			if err := rs.Scan(&r.SourceID, &r.OrgID, &r.Kind, &cidrs); err != nil {
				return err
			}
			r.AllowedCIDRs = parsePrefixes(cidrs)
			out = append(out, r)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: syslog routes: %w", err)
	}
	return out, nil
}

func parsePrefixes(js string) []netip.Prefix {
	var ss []string
	if err := json.Unmarshal([]byte(js), &ss); err != nil {
		return nil
	}
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// Narrowest sender networks a syslog source may claim. Claims are exclusive
// across orgs (first claim wins), so one org must not be able to claim the
// whole internet or a whole RFC 1918 block and lock every other tenant out.
const (
	minSenderBitsV4 = 16
	minSenderBitsV6 = 48
)

// senderNetworkProblem explains why c cannot be a syslog sender network, or
// returns "".
func senderNetworkProblem(c string) string {
	p, err := netip.ParsePrefix(c)
	if err != nil {
		return "not a CIDR prefix"
	}
	a := p.Addr()
	switch {
	case a.IsUnspecified() || a.IsMulticast():
		return "not a unicast sender network"
	case a.IsLoopback():
		return "" // the server's own host: never shared between tenants' senders
	case a.Is4() && p.Bits() < minSenderBitsV4:
		return fmt.Sprintf("too broad: IPv4 sender networks are /%d or narrower", minSenderBitsV4)
	case a.Is6() && !a.Is4In6() && p.Bits() < minSenderBitsV6:
		return fmt.Sprintf("too broad: IPv6 sender networks are /%d or narrower", minSenderBitsV6)
	case a.Is4In6() && p.Bits() < 96+minSenderBitsV4:
		return fmt.Sprintf("too broad: IPv4 sender networks are /%d or narrower", minSenderBitsV4)
	}
	return ""
}
