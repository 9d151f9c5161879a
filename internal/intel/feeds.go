package intel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
)

// FeedConfig is the kind-specific configuration of a pulled feed.
type FeedConfig struct {
	TAXII *TAXIIConfig `json:"taxii,omitempty"`
	MISP  *MISPConfig  `json:"misp,omitempty"`
	CSV   *CSVConfig   `json:"csv,omitempty"`
}

// TAXIIConfig selects the API root and collection of a TAXII 2.1 feed.
type TAXIIConfig struct {
	// APIRoot is the API root URL; empty takes the discovery default (or
	// the feed URL itself when it is an API root).
	APIRoot string `json:"api_root,omitempty" maxLength:"2000"`
	// CollectionID is the collection to pull; empty takes the first
	// readable one.
	CollectionID string `json:"collection_id,omitempty" maxLength:"200"`
}

// MISP feed modes.
const (
	MISPModeAPI  = "api"
	MISPModeFeed = "feed"
)

// MISPConfig configures a MISP feed: the REST API's attribute search or a
// MISP feed directory (manifest.json and one file per event).
type MISPConfig struct {
	Mode string   `json:"mode,omitempty" enum:"api,feed" default:"api"`
	Tags []string `json:"tags,omitempty" maxItems:"20" doc:"api mode: restSearch tags filter"`
	// Last bounds the first API pull ("7d", "24h"); later pulls ask for
	// attributes changed since the previous run.
	Last string `json:"last,omitempty" maxLength:"10" doc:"api mode: how far back the first pull reaches (MISP 'last', e.g. 7d)"`
	// ToIDsOnly asks the API only for attributes flagged to_ids (others are
	// stored as context, never matched, when they arrive).
	ToIDsOnly bool `json:"to_ids_only,omitempty"`
}

// CSVConfig maps the columns of a CSV feed or a plain list. Columns are
// 0-based; -1 means absent.
type CSVConfig struct {
	Delimiter string `json:"delimiter,omitempty" maxLength:"1" doc:"Default ','; a plain list has a single column"`
	Comment   string `json:"comment,omitempty" maxLength:"1" doc:"Lines starting with it are skipped (default '#')"`
	Header    bool   `json:"header,omitempty" doc:"The first record is a header"`
	// ValueColumn holds the value; TypeColumn its indicator type (else
	// Type applies to every row; "auto" detects IPs, CIDRs, domains,
	// URLs and hashes).
	ValueColumn       int    `json:"value_column"`
	TypeColumn        int    `json:"type_column"`
	Type              string `json:"type,omitempty" doc:"Indicator type of every row, or auto"`
	ConfidenceColumn  int    `json:"confidence_column"`
	TagsColumn        int    `json:"tags_column"`
	DescriptionColumn int    `json:"description_column"`
}

// Credential auth schemes.
const (
	AuthNone   = "none"
	AuthBasic  = "basic"
	AuthBearer = "bearer"
	AuthHeader = "header"
)

// Credentials authenticate a feed's requests. They are sealed in the
// keyring and never returned by the API.
type Credentials struct {
	Auth     string `json:"auth" enum:"none,basic,bearer,header"`
	Username string `json:"username,omitempty" maxLength:"200"`
	Password string `json:"password,omitempty" maxLength:"2000"`
	Token    string `json:"token,omitempty" maxLength:"4000"`
	// Header is the header name for auth=header (e.g. Authorization for a
	// MISP key, X-API-Key).
	Header string `json:"header,omitempty" maxLength:"100"`
}

// apply authenticates req.
func (c *Credentials) apply(req *http.Request) {
	if c == nil {
		return
	}
	switch c.Auth {
	case AuthBasic:
		req.SetBasicAuth(c.Username, c.Password)
	case AuthBearer:
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case AuthHeader:
		req.Header.Set(c.Header, c.Token)
	}
}

func validateCredentials(c *Credentials) error {
	switch c.Auth {
	case AuthNone, "":
	case AuthBasic:
		if c.Username == "" {
			return apperr.Validation("invalid credentials", apperr.Field("body.credentials.username", "required for basic auth"))
		}
	case AuthBearer:
		if c.Token == "" {
			return apperr.Validation("invalid credentials", apperr.Field("body.credentials.token", "required for bearer auth"))
		}
	case AuthHeader:
		if c.Token == "" {
			return apperr.Validation("invalid credentials", apperr.Field("body.credentials.token", "required for header auth"))
		}
		if c.Header == "" || strings.ContainsAny(c.Header, " :\r\n") {
			return apperr.Validation("invalid credentials", apperr.Field("body.credentials.header", "a header name"))
		}
	default:
		return apperr.Validation("invalid credentials", apperr.Field("body.credentials.auth", "none, basic, bearer or header"))
	}
	return nil
}

func credRef(org *uuid.UUID, feed uuid.UUID) secrets.Ref {
	ref := secrets.Ref{Table: "intel_feeds", Field: "credentials", Row: feed.String()}
	if org != nil {
		ref.Org = *org
	}
	return ref
}

// SealedColumns lists intel's columns holding sealed values (key
// rotation). Platform feed credentials (org_id NULL) are re-sealed by
// updating the feed.
func SealedColumns() []secrets.Column {
	return []secrets.Column{{Table: "intel_feeds", Column: "credentials", Field: "credentials", Key: "id", Org: "org_id"}}
}

// Feed health values.
const (
	HealthManual  = "manual"
	HealthNever   = "never"
	HealthOK      = "ok"
	HealthFailing = "failing"
	HealthStale   = "stale"
)

func (f *Feed) pulled() bool { return f.Kind != FeedManual && f.URL != "" }

// fillHealth derives Health from the run columns.
func (f *Feed) fillHealth(now time.Time) {
	switch {
	case !f.pulled():
		f.Health = HealthManual
	case f.LastRunAt == nil:
		f.Health = HealthNever
	case f.ConsecutiveErrors > 0:
		f.Health = HealthFailing
	case f.LastSuccessAt != nil && now.Sub(*f.LastSuccessAt) > 3*time.Duration(f.IntervalMinutes)*time.Minute:
		f.Health = HealthStale
	default:
		f.Health = HealthOK
	}
}

// validateFeed checks a pulled feed's URL and kind-specific configuration.
func validateFeed(kind, rawURL string, cfg *FeedConfig, interval int) error {
	if interval != 0 && (interval < 5 || interval > 10080) {
		return apperr.Validation("invalid feed", apperr.Field("body.interval_minutes", "between 5 and 10080"))
	}
	if kind == FeedManual {
		if rawURL != "" {
			return apperr.Validation("invalid feed", apperr.Field("body.url", "a manual feed has no URL"))
		}
		return nil
	}
	if rawURL != "" {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return apperr.Validation("invalid feed", apperr.Field("body.url", "an http(s) URL without credentials (use body.credentials)"))
		}
	}
	if cfg == nil {
		return nil
	}
	if cfg.TAXII != nil && cfg.TAXII.APIRoot != "" {
		u, err := url.Parse(cfg.TAXII.APIRoot)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return apperr.Validation("invalid feed", apperr.Field("body.config.taxii.api_root", "an http(s) URL"))
		}
	}
	if m := cfg.MISP; m != nil && m.Mode != "" && m.Mode != MISPModeAPI && m.Mode != MISPModeFeed {
		return apperr.Validation("invalid feed", apperr.Field("body.config.misp.mode", "api or feed"))
	}
	if c := cfg.CSV; c != nil {
		if c.Type != "" && c.Type != "auto" && !Type(c.Type).Valid() {
			return apperr.Validation("invalid feed", apperr.Field("body.config.csv.type", "an indicator type or auto"))
		}
		if c.ValueColumn < 0 || c.ValueColumn > 100 {
			return apperr.Validation("invalid feed", apperr.Field("body.config.csv.value_column", "between 0 and 100"))
		}
		if c.TypeColumn < 0 && c.Type == "" && kind == FeedCSV {
			return apperr.Validation("invalid feed", apperr.Field("body.config.csv.type", "required without a type column"))
		}
	}
	return nil
}

// defaultCSV is the configuration of a CSV feed without one: a plain list
// of values of any detectable type.
func defaultCSV() *CSVConfig {
	return &CSVConfig{ValueColumn: 0, TypeColumn: -1, Type: "auto", ConfidenceColumn: -1, TagsColumn: -1, DescriptionColumn: -1}
}

// FeedPatch changes a feed; nil fields stay.
type FeedPatch struct {
	Name            *string      `json:"name,omitempty" minLength:"1" maxLength:"100"`
	URL             *string      `json:"url,omitempty" maxLength:"2000"`
	Enabled         *bool        `json:"enabled,omitempty"`
	Confidence      *int         `json:"confidence,omitempty" minimum:"0" maximum:"100"`
	TLP             *string      `json:"tlp,omitempty" enum:"clear,green,amber,amber+strict,red"`
	IntervalMinutes *int         `json:"interval_minutes,omitempty" minimum:"5" maximum:"10080"`
	Config          *FeedConfig  `json:"config,omitempty"`
	Credentials     *Credentials `json:"credentials,omitempty" doc:"Write-only; {\"auth\":\"none\"} clears"`
}

func auditEntry(scope tenant.Scope, action, targetType, targetID string, details any) audit.Entry {
	var raw json.RawMessage
	if details != nil {
		if b, err := json.Marshal(details); err == nil {
			raw = b
		}
	}
	return audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: action, TargetType: targetType, TargetID: targetID, Details: raw}
}

// sealCredentials returns the stored form of c for a feed ("" for none).
func (s *Store) sealCredentials(org *uuid.UUID, feed uuid.UUID, c *Credentials) (string, error) {
	if c == nil || c.Auth == AuthNone || c.Auth == "" {
		return "", nil
	}
	if s.Keyring == nil {
		return "", errors.New("intel: no keyring to seal feed credentials")
	}
	b, err := json.Marshal(c) //nolint:gosec // marshalled only to be sealed, never stored or logged in the clear
	if err != nil {
		return "", fmt.Errorf("intel: encode credentials: %w", err)
	}
	sealed, err := s.Keyring.Seal(credRef(org, feed), b)
	if err != nil {
		return "", fmt.Errorf("intel: seal credentials: %w", err)
	}
	return sealed, nil
}

func (s *Store) openCredentials(org *uuid.UUID, feed uuid.UUID, sealed string) (*Credentials, error) {
	if sealed == "" {
		return nil, nil
	}
	if s.Keyring == nil {
		return nil, errors.New("intel: no keyring to open feed credentials")
	}
	b, err := s.Keyring.Open(credRef(org, feed), sealed)
	if err != nil {
		return nil, fmt.Errorf("intel: open feed credentials: %w", err)
	}
	var c Credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("intel: decode credentials: %w", err)
	}
	return &c, nil
}

// UpdateFeed changes one of the org's feeds.
func (s *Store) UpdateFeed(ctx context.Context, scope tenant.Scope, id uuid.UUID, p FeedPatch) (Feed, error) {
	var f Feed
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if f, err = s.feed(ctx, tx, scope, id); err != nil {
			return err
		}
		if f.OrgID == nil {
			return apperr.NotFound("feed")
		}
		var changed []string
		if p.Name != nil {
			f.Name, changed = strings.TrimSpace(*p.Name), append(changed, "name")
		}
		if p.URL != nil {
			f.URL, changed = *p.URL, append(changed, "url")
		}
		if p.Enabled != nil {
			f.Enabled, changed = *p.Enabled, append(changed, "enabled")
		}
		if p.Confidence != nil {
			f.Confidence, changed = *p.Confidence, append(changed, "confidence")
		}
		if p.TLP != nil {
			f.TLP, changed = *p.TLP, append(changed, "tlp")
		}
		if p.IntervalMinutes != nil {
			f.IntervalMinutes, changed = *p.IntervalMinutes, append(changed, "interval_minutes")
		}
		if p.Config != nil {
			f.Config, changed = *p.Config, append(changed, "config")
		}
		if err := validateFeed(f.Kind, f.URL, &f.Config, f.IntervalMinutes); err != nil {
			return err
		}
		cfg, err := json.Marshal(f.Config)
		if err != nil {
			return fmt.Errorf("intel: encode feed config: %w", err)
		}
		args := []any{scope.Org().String(), id.String(), f.Name, f.URL, f.Enabled, f.Confidence, f.TLP, f.IntervalMinutes, string(cfg), s.now()}
		set := `name = $3, url = $4, enabled = $5, confidence = $6, tlp = $7, interval_minutes = $8, config = $9, updated_at = $10`
		if p.Credentials != nil {
			if err := validateCredentials(p.Credentials); err != nil {
				return err
			}
			sealed, err := s.sealCredentials(f.OrgID, id, p.Credentials)
			if err != nil {
				return err
			}
			args = append(args, sealed)
			set += `, credentials = $11`
			f.HasCredentials = sealed != ""
			changed = append(changed, "credentials")
		}
		if p.URL != nil || p.Config != nil || p.Credentials != nil {
			// A new source starts over: no validators, no cursor.
			set += `, etag = '', last_modified = '', cursor = '', next_run_at = NULL`
			f.Cursor = ""
		}
		if p.IntervalMinutes != nil {
			set += `, next_run_at = NULL`
		}
		_, err = tx.ExecContext(ctx, `UPDATE intel_feeds SET `+set+` WHERE org_id = $1 AND id = $2`, args...)
		if isUnique(err) {
			return apperr.Conflict("a feed with this name exists").WithCode("feed_name_taken")
		}
		if err != nil {
			return fmt.Errorf("intel: update feed: %w", err)
		}
		f.UpdatedAt = s.now()
		return audit.Record(ctx, tx, auditEntry(scope, "intel.feed.update", "intel_feed", id.String(), map[string]any{"fields": changed}))
	})
	f.fillHealth(s.now())
	return f, err
}

// FeedRun is the record of one feed refresh.
type FeedRun struct {
	ID         uuid.UUID  `json:"id"`
	FeedID     uuid.UUID  `json:"feed_id"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Status     string     `json:"status" enum:"running,ok,not_modified,failed"`
	Requests   int        `json:"requests"`
	Bytes      int64      `json:"bytes"`
	Fetched    int        `json:"fetched" doc:"Indicators read from the source"`
	Created    int        `json:"created"`
	Updated    int        `json:"updated"`
	Rejected   int        `json:"rejected"`
	Cursor     string     `json:"cursor,omitempty" doc:"TAXII added_after (or MISP timestamp) after this run"`
	Error      string     `json:"error,omitempty"`
}

const runCols = `id, feed_id, started_at, finished_at, status, requests, bytes, fetched, created, updated, rejected, cursor, error`

func scanRun(sc db.Scanner) (FeedRun, error) {
	var r FeedRun
	var fin sql.NullTime
	if err := sc.Scan(&r.ID, &r.FeedID, &r.StartedAt, &fin, &r.Status, &r.Requests, &r.Bytes, &r.Fetched, &r.Created, &r.Updated,
		&r.Rejected, &r.Cursor, &r.Error); err != nil {
		return r, fmt.Errorf("intel: scan feed run: %w", err)
	}
	r.StartedAt = r.StartedAt.UTC()
	if fin.Valid {
		t := fin.Time.UTC()
		r.FinishedAt = &t
	}
	return r, nil
}

// FeedRuns returns one page of a feed's runs, newest first.
func (s *Store) FeedRuns(ctx context.Context, scope tenant.Scope, feedID uuid.UUID, after *uuid.UUID, limit int) ([]FeedRun, *uuid.UUID, error) {
	limit = min(max(limit, 1), 200)
	var out []FeedRun
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.feed(ctx, tx, scope, feedID); err != nil {
			return err
		}
		args := []any{feedID.String(), limit + 1}
		q := `SELECT ` + runCols + ` FROM intel_feed_runs WHERE feed_id = $1`
		if after != nil {
			args = append(args, after.String())
			q += ` AND id < $3`
		}
		var err error
		out, err = db.Collect(ctx, tx, scanRun, q+` ORDER BY id DESC LIMIT $2`, args...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if out == nil {
		out = []FeedRun{}
	}
	var next *uuid.UUID
	if len(out) > limit {
		out = out[:limit]
		id := out[limit-1].ID
		next = &id
	}
	return out, next, nil
}

// feedTx runs fn in a write transaction for the feed's owner: the org
// (system scope) or, org nil, the platform feed writer.
func (s *Store) feedTx(ctx context.Context, org *uuid.UUID, fn func(ctx context.Context, tx *db.Tx) error) error {
	if org != nil {
		return s.DB.InOrg(ctx, tenant.System(*org, "intel feed refresh"), fn)
	}
	return s.platformTx(ctx, fn)
}

// pullState is what a refresh needs of a feed beyond Feed.
type pullState struct {
	feed         Feed
	creds        *Credentials
	etag         string
	lastModified string
}

// loadPull reads a feed for refresh (any org's: the caller names it).
func (s *Store) loadPull(ctx context.Context, org *uuid.UUID, id uuid.UUID) (*pullState, error) {
	var st pullState
	var sealed string
	err := s.feedTx(ctx, org, func(ctx context.Context, tx *db.Tx) error {
		var orgArg any
		q := `SELECT ` + feedCols + `, credentials, etag, last_modified FROM intel_feeds WHERE id = $1 AND org_id IS NULL`
		args := []any{id.String()}
		if org != nil {
			orgArg = org.String()
			q = `SELECT ` + feedCols + `, credentials, etag, last_modified FROM intel_feeds WHERE id = $1 AND org_id = $2`
			args = append(args, orgArg)
		}
		row := tx.QueryRowContext(ctx, q, args...)
		f, err := scanFeedExtra(row, &sealed, &st.etag, &st.lastModified)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("feed")
		}
		st.feed = f
		return err
	})
	if err != nil {
		return nil, err
	}
	if st.creds, err = s.openCredentials(org, id, sealed); err != nil {
		return nil, err
	}
	return &st, nil
}
