package intel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Store persists feeds, indicators, subscriptions, matches and hunts.
// Org data is read and written in db.InOrg/ReadInOrg; platform feeds are
// written only through the platform methods (transactions armed for no
// org that set app.intel_platform, the one thing the write policies accept
// for org_id NULL rows).
type Store struct {
	DB *db.DB
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
	// OnChange, when set, receives indicators after their change commits
	// (the local replica's index applies them at once; others poll).
	OnChange func(org *uuid.UUID, changed []Indicator)
	// OnAllowChange, when set, is told after an org's allowlist changed.
	OnAllowChange func(org uuid.UUID)
	// Keyring seals feed credentials.
	Keyring *secrets.Keyring
	// Decay scores indicators (DefaultDecay when nil).
	Decay *DecayModel
	// FanOutLimit is how many alerts an indicator may newly match in an
	// hour before the guardrail flags and throttles it (500 when 0).
	FanOutLimit int
}

func (s *Store) decay() *DecayModel {
	if s.Decay != nil {
		return s.Decay
	}
	m := DefaultDecay()
	return &m
}

func (s *Store) fanOutLimit() int {
	if s.FanOutLimit > 0 {
		return s.FanOutLimit
	}
	return 500
}

// scored fills the read-time decay scores.
func (s *Store) scored(inds []Indicator) {
	m, now := s.decay(), s.now()
	for i := range inds {
		inds[i].Score = m.Score(&inds[i], now)
	}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Feed kinds.
const (
	FeedManual = "manual"
	FeedSTIX   = "stix"
	FeedTAXII  = "taxii"
	FeedMISP   = "misp"
	FeedCSV    = "csv"
)

// Feed is a source of indicators: an org's own (manual entry, uploads,
// pulled feeds) or a platform feed (OrgID nil) orgs subscribe to.
type Feed struct {
	ID                uuid.UUID  `json:"id"`
	OrgID             *uuid.UUID `json:"org_id,omitempty" doc:"Absent for a platform feed"`
	Name              string     `json:"name"`
	Kind              string     `json:"kind" enum:"manual,stix,taxii,misp,csv"`
	URL               string     `json:"url,omitempty"`
	Enabled           bool       `json:"enabled"`
	Confidence        int        `json:"confidence" doc:"Default confidence of the feed's indicators"`
	TLP               string     `json:"tlp"`
	Subscribed        bool       `json:"subscribed" doc:"Platform feeds: whether this org matches its indicators"`
	LastRunAt         *time.Time `json:"last_run_at,omitempty"`
	LastSuccessAt     *time.Time `json:"last_success_at,omitempty"`
	LastError         string     `json:"last_error,omitempty"`
	ConsecutiveErrors int        `json:"consecutive_errors"`
	LastCount         int        `json:"last_count" doc:"Indicators read by the last run"`
	IntervalMinutes   int        `json:"interval_minutes" doc:"Pulled feeds: minutes between refreshes"`
	Config            FeedConfig `json:"config"`
	HasCredentials    bool       `json:"has_credentials" doc:"Credentials are set (they are never returned)"`
	Health            string     `json:"health" enum:"manual,never,ok,failing,stale"`
	NextRunAt         *time.Time `json:"next_run_at,omitempty"`
	Cursor            string     `json:"cursor,omitempty" doc:"Where the next pull resumes (TAXII added_after, MISP timestamp)"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// FeedInput creates a feed.
type FeedInput struct {
	Name            string       `json:"name" minLength:"1" maxLength:"100"`
	Kind            string       `json:"kind" enum:"manual,stix,taxii,misp,csv"`
	URL             string       `json:"url,omitempty" maxLength:"2000" format:"uri"`
	Confidence      int          `json:"confidence,omitempty" minimum:"0" maximum:"100" default:"50"`
	TLP             string       `json:"tlp,omitempty" enum:"clear,green,amber,amber+strict,red" default:"amber"`
	Enabled         *bool        `json:"enabled,omitempty" doc:"Default true"`
	IntervalMinutes int          `json:"interval_minutes,omitempty" minimum:"5" maximum:"10080" default:"60"`
	Config          *FeedConfig  `json:"config,omitempty"`
	Credentials     *Credentials `json:"credentials,omitempty" doc:"Write-only, sealed in the keyring"`
}

func (in *FeedInput) normalize() {
	in.Name = strings.TrimSpace(in.Name)
	if in.TLP == "" {
		in.TLP = "amber"
	}
	if in.Kind == "" {
		in.Kind = FeedManual
	}
	if in.IntervalMinutes == 0 {
		in.IntervalMinutes = 60
	}
	if in.Config == nil {
		in.Config = &FeedConfig{}
	}
	if in.Kind == FeedCSV && in.Config.CSV == nil {
		in.Config.CSV = defaultCSV()
	}
}

const feedCols = `id, org_id, name, kind, url, enabled, confidence, tlp, last_run_at, last_success_at, last_error, consecutive_errors, last_count,
interval_minutes, config, credentials <> '', next_run_at, cursor, created_at, updated_at`

func scanFeed(sc db.Scanner) (Feed, error) { return scanFeedExtra(sc) }

// scanFeedExtra scans feedCols followed by extra columns.
func scanFeedExtra(sc db.Scanner, extra ...any) (Feed, error) {
	var f Feed
	var org sql.NullString
	var lastRun, lastOK, next sql.NullTime
	var cfg string
	dest := []any{&f.ID, &org, &f.Name, &f.Kind, &f.URL, &f.Enabled, &f.Confidence, &f.TLP, &lastRun, &lastOK,
		&f.LastError, &f.ConsecutiveErrors, &f.LastCount, &f.IntervalMinutes, &cfg, &f.HasCredentials, &next, &f.Cursor, &f.CreatedAt, &f.UpdatedAt}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return f, fmt.Errorf("intel: scan feed: %w", err)
	}
	if err := json.Unmarshal([]byte(cfg), &f.Config); err != nil {
		return f, fmt.Errorf("intel: decode feed config: %w", err)
	}
	if next.Valid {
		t := next.Time.UTC()
		f.NextRunAt = &t
	}
	if org.Valid {
		id, err := uuid.Parse(org.String)
		if err != nil {
			return f, fmt.Errorf("intel: feed org: %w", err)
		}
		f.OrgID = &id
	}
	if lastRun.Valid {
		t := lastRun.Time.UTC()
		f.LastRunAt = &t
	}
	if lastOK.Valid {
		t := lastOK.Time.UTC()
		f.LastSuccessAt = &t
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	f.fillHealth(time.Now())
	return f, nil
}

// CreateFeed creates a feed of the scope's org.
func (s *Store) CreateFeed(ctx context.Context, scope tenant.Scope, in FeedInput) (Feed, error) {
	in.normalize()
	org := scope.Org()
	var f Feed
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if f, err = s.insertFeed(ctx, tx, &org, in); err != nil {
			return err
		}
		return audit.Record(ctx, tx, auditEntry(scope, "intel.feed.create", "intel_feed", f.ID.String(),
			map[string]any{"name": f.Name, "kind": f.Kind, "url": f.URL}))
	})
	return f, err
}

// CreatePlatformFeed creates a platform feed (operators only: no HTTP
// operation reaches it).
func (s *Store) CreatePlatformFeed(ctx context.Context, in FeedInput) (Feed, error) {
	in.normalize()
	var f Feed
	err := s.platformTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		f, err = s.insertFeed(ctx, tx, nil, in)
		return err
	})
	return f, err
}

// platformTx runs fn in a transaction armed for no org that may write
// platform feed rows.
func (s *Store) platformTx(ctx context.Context, fn func(ctx context.Context, tx *db.Tx) error) error {
	return s.DB.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		if tx.Dialect == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT set_config('app.intel_platform', 'on', true)`); err != nil {
				return fmt.Errorf("intel: arm platform writer: %w", err)
			}
		}
		return fn(ctx, tx)
	})
}

func (s *Store) insertFeed(ctx context.Context, tx *db.Tx, org *uuid.UUID, in FeedInput) (Feed, error) {
	now := s.now()
	id := uuid.Must(uuid.NewV7())
	var orgArg any
	if org != nil {
		orgArg = org.String()
	}
	in.normalize()
	if err := validateFeed(in.Kind, in.URL, in.Config, in.IntervalMinutes); err != nil {
		return Feed{}, err
	}
	var sealed string
	if in.Credentials != nil {
		if err := validateCredentials(in.Credentials); err != nil {
			return Feed{}, err
		}
		var err error
		if sealed, err = s.sealCredentials(org, id, in.Credentials); err != nil {
			return Feed{}, err
		}
	}
	cfg, err := json.Marshal(in.Config)
	if err != nil {
		return Feed{}, fmt.Errorf("intel: encode feed config: %w", err)
	}
	enabled := in.Enabled == nil || *in.Enabled
	_, err = tx.ExecContext(ctx, `INSERT INTO intel_feeds (id, org_id, name, kind, url, confidence, tlp, enabled, interval_minutes, config, credentials, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`, id.String(), orgArg, in.Name, in.Kind, in.URL, in.Confidence, in.TLP,
		enabled, in.IntervalMinutes, string(cfg), sealed, now)
	if isUnique(err) {
		return Feed{}, apperr.Conflict("a feed with this name exists").WithCode("feed_name_taken")
	}
	if err != nil {
		return Feed{}, fmt.Errorf("intel: insert feed: %w", err)
	}
	f := Feed{ID: id, OrgID: org, Name: in.Name, Kind: in.Kind, URL: in.URL, Enabled: enabled, Confidence: in.Confidence,
		TLP: in.TLP, IntervalMinutes: in.IntervalMinutes, Config: *in.Config, HasCredentials: sealed != "", CreatedAt: now, UpdatedAt: now}
	f.fillHealth(now)
	return f, nil
}

// ManualFeed returns the org's feed for hand-entered indicators, creating
// it on first use.
func (s *Store) ManualFeed(ctx context.Context, tx *db.Tx, scope tenant.Scope) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.QueryRowContext(ctx, `SELECT id FROM intel_feeds WHERE org_id = $1 AND kind = 'manual' ORDER BY created_at LIMIT 1`,
		scope.Org().String()).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return id, fmt.Errorf("intel: manual feed: %w", err)
	}
	org := scope.Org()
	f, err := s.insertFeed(ctx, tx, &org, FeedInput{Name: "manual", Kind: FeedManual, Confidence: 50, TLP: "amber"})
	if err != nil {
		return id, err
	}
	return f.ID, nil
}

// Feeds lists the org's feeds, then the platform feeds (with Subscribed).
func (s *Store) Feeds(ctx context.Context, scope tenant.Scope) ([]Feed, error) {
	var out []Feed
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = db.Collect(ctx, tx, scanFeed, `SELECT `+feedCols+` FROM intel_feeds WHERE org_id = $1 OR org_id IS NULL
ORDER BY org_id IS NULL, name`, scope.Org().String())
		if err != nil {
			return err
		}
		subs, err := s.subscriptions(ctx, tx, scope.Org())
		if err != nil {
			return err
		}
		for i := range out {
			out[i].Subscribed = out[i].OrgID == nil && slices.Contains(subs, out[i].ID)
		}
		return nil
	})
	return out, err
}

// Feed returns one feed the org can see (its own or a platform feed).
func (s *Store) Feed(ctx context.Context, scope tenant.Scope, id uuid.UUID) (Feed, error) {
	var f Feed
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		f, err = s.feed(ctx, tx, scope, id)
		return err
	})
	return f, err
}

func (s *Store) feed(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (Feed, error) {
	f, err := scanFeed(tx.QueryRowContext(ctx, `SELECT `+feedCols+` FROM intel_feeds WHERE id = $1 AND (org_id = $2 OR org_id IS NULL)`,
		id.String(), scope.Org().String()))
	if errors.Is(err, sql.ErrNoRows) {
		return f, apperr.NotFound("feed")
	}
	if err != nil {
		return f, err
	}
	if f.OrgID == nil {
		subs, err := s.subscriptions(ctx, tx, scope.Org())
		if err != nil {
			return f, err
		}
		f.Subscribed = slices.Contains(subs, f.ID)
	}
	return f, nil
}

// DeleteFeed deletes one of the org's feeds with its indicators.
func (s *Store) DeleteFeed(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	var gone []Indicator
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		gone, err = db.Collect(ctx, tx, scanIndicator, `SELECT `+indicatorCols+` FROM intel_indicators WHERE org_id = $1 AND feed_id = $2`,
			scope.Org().String(), id.String())
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM intel_feeds WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String())
		if err != nil {
			return fmt.Errorf("intel: delete feed: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("feed")
		}
		return audit.Record(ctx, tx, auditEntry(scope, "intel.feed.delete", "intel_feed", id.String(), map[string]any{"indicators": len(gone)}))
	})
	if err == nil && s.OnChange != nil && len(gone) > 0 {
		for i := range gone {
			gone[i].deleted = true
		}
		org := scope.Org()
		s.OnChange(&org, gone)
	}
	return err
}

func (s *Store) subscriptions(ctx context.Context, tx *db.Tx, org uuid.UUID) ([]uuid.UUID, error) {
	return db.Collect(ctx, tx, func(sc db.Scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, sc.Scan(&id)
	}, `SELECT feed_id FROM intel_subscriptions WHERE org_id = $1 ORDER BY feed_id`, org.String())
}

// Subscriptions lists the platform feeds the org subscribes to.
func (s *Store) Subscriptions(ctx context.Context, scope tenant.Scope) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = s.subscriptions(ctx, tx, scope.Org())
		return err
	})
	return out, err
}

// Subscribe makes the org match a platform feed's indicators (on=false
// stops it). Only platform feeds can be subscribed to.
func (s *Store) Subscribe(ctx context.Context, scope tenant.Scope, feedID uuid.UUID, on bool) (Feed, error) {
	var f Feed
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if f, err = s.feed(ctx, tx, scope, feedID); err != nil {
			return err
		}
		if f.OrgID != nil {
			return apperr.Validation("not a platform feed", apperr.Field("path.id", "the org's own feeds are always matched"))
		}
		if on {
			_, err = tx.ExecContext(ctx, `INSERT INTO intel_subscriptions (org_id, feed_id, created_at) VALUES ($1, $2, $3)
ON CONFLICT (org_id, feed_id) DO NOTHING`, scope.Org().String(), feedID.String(), s.now())
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM intel_subscriptions WHERE org_id = $1 AND feed_id = $2`, scope.Org().String(), feedID.String())
		}
		if err != nil {
			return fmt.Errorf("intel: subscribe: %w", err)
		}
		f.Subscribed = on
		return nil
	})
	return f, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

const indicatorCols = `id, org_id, feed_id, type, value, subdomains, detect, confidence, tlp, pap, first_seen, last_seen, valid_until,
tags, attack, description, stix_id, sightings, false_positives, deleted, created_at, updated_at, expires_at, expired, flagged, throttled_until`

func scanIndicator(sc db.Scanner) (Indicator, error) {
	var ind Indicator
	var org sql.NullString
	var until, expires, throttled sql.NullTime
	var tags, attack string
	if err := sc.Scan(&ind.ID, &org, &ind.FeedID, &ind.Type, &ind.Value, &ind.Subdomains, &ind.Detect, &ind.Confidence, &ind.TLP,
		&ind.PAP, &ind.FirstSeen, &ind.LastSeen, &until, &tags, &attack, &ind.Description, &ind.STIXID, &ind.Sightings,
		&ind.FalsePositives, &ind.deleted, &ind.CreatedAt, &ind.UpdatedAt, &expires, &ind.Expired, &ind.Flagged, &throttled); err != nil {
		return ind, fmt.Errorf("intel: scan indicator: %w", err)
	}
	if expires.Valid {
		t := expires.Time.UTC()
		ind.ExpiresAt = &t
	}
	if throttled.Valid {
		t := throttled.Time.UTC()
		ind.ThrottledUntil = &t
	}
	if org.Valid {
		id, err := uuid.Parse(org.String)
		if err != nil {
			return ind, fmt.Errorf("intel: indicator org: %w", err)
		}
		ind.OrgID = &id
	}
	if until.Valid {
		t := until.Time.UTC()
		ind.ValidUntil = &t
	}
	if err := json.Unmarshal([]byte(tags), &ind.Tags); err != nil {
		return ind, fmt.Errorf("intel: decode tags: %w", err)
	}
	if err := json.Unmarshal([]byte(attack), &ind.Attack); err != nil {
		return ind, fmt.Errorf("intel: decode attack: %w", err)
	}
	ind.FirstSeen, ind.LastSeen = ind.FirstSeen.UTC(), ind.LastSeen.UTC()
	ind.CreatedAt, ind.UpdatedAt = ind.CreatedAt.UTC(), ind.UpdatedAt.UTC()
	return ind, nil
}

func jsonList(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// ImportResult reports an import: what was created or refreshed, what was
// refused and why (one bad record never sinks the batch).
type ImportResult struct {
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Rejected int `json:"rejected"`
	// Allowlisted counts the rejected records whose value is on the org's
	// allowlist (not imported).
	Allowlisted int            `json:"allowlisted" doc:"Rejected records whose value is on the org's allowlist (part of rejected)"`
	ByType      map[string]int `json:"by_type" doc:"Indicators stored, by type"`
	Errors      []RecordError  `json:"errors,omitempty" doc:"The first rejected records (at most 50)"`
	// HuntID is the retro-hunt queued for the new indicators, if any.
	HuntID *uuid.UUID `json:"hunt_id,omitempty"`
	// created are the indicators inserted (retro-hunt input).
	created []Indicator
}

// RecordError names one rejected record.
type RecordError struct {
	Index  int    `json:"index"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (r *ImportResult) reject(i int, field, reason string) {
	r.Rejected++
	if len(r.Errors) < 50 {
		r.Errors = append(r.Errors, RecordError{Index: i, Field: field, Reason: reason})
	}
}

// prepare validates and canonicalizes ind in place, filling defaults from
// the feed; it returns the field and reason of a refusal.
func prepare(ind *Indicator, f *Feed, now time.Time) (field, reason string) {
	if !ind.Type.Valid() {
		return "type", "unknown indicator type"
	}
	v, ok := Canonicalize(ind.Type, ind.Value)
	if !ok {
		return "value", "not a valid " + string(ind.Type)
	}
	ind.Value = v
	if ind.Type != TypeDomain {
		ind.Subdomains = false
	}
	if why := allowlisted(ind.Type, v); why != "" {
		return "value", why
	}
	if ind.Confidence < 0 || ind.Confidence > 100 {
		return "confidence", "must be between 0 and 100"
	}
	if ind.Confidence == 0 {
		ind.Confidence = f.Confidence
	}
	if ind.TLP == "" {
		ind.TLP = f.TLP
	}
	if ind.PAP == "" {
		ind.PAP = "amber"
	}
	if !ValidMarking(ind.TLP) {
		return "tlp", "not a TLP 2.0 marking"
	}
	if !ValidMarking(ind.PAP) {
		return "pap", "not a PAP level"
	}
	if ind.FirstSeen.IsZero() {
		ind.FirstSeen = now
	}
	// A source that (re)asserts an indicator has seen it now: its decay
	// restarts from the import (the source's own dates are first_seen).
	if ind.LastSeen.Before(now) {
		ind.LastSeen = now
	}
	if len(ind.Description) > 4000 {
		ind.Description = ind.Description[:4000]
	}
	if len(ind.Tags) > 50 {
		ind.Tags = ind.Tags[:50]
	}
	ind.FeedID = f.ID
	return "", ""
}

// Import stores indicators into one of the org's feeds (the manual feed
// when feedID is nil) in one transaction; invalid records are reported,
// not fatal. New indicators are queued for a retro-hunt when hunt is set.
func (s *Store) Import(ctx context.Context, scope tenant.Scope, feedID *uuid.UUID, inds []Indicator, hunt HuntQueuer) (*ImportResult, error) {
	res := &ImportResult{ByType: map[string]int{}}
	var stored []Indicator
	org := scope.Org()
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		*res = ImportResult{ByType: map[string]int{}}
		var id uuid.UUID
		if feedID != nil {
			id = *feedID
		} else {
			var err error
			if id, err = s.ManualFeed(ctx, tx, scope); err != nil {
				return err
			}
		}
		f, err := s.feed(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if f.OrgID == nil {
			return apperr.NotFound("feed")
		}
		stored, err = s.importTx(ctx, tx, scope, &f, inds, hunt, res)
		if err != nil {
			return err
		}
		if scope.Actor() != "" && !strings.HasPrefix(scope.Actor(), "system:") {
			return audit.Record(ctx, tx, auditEntry(scope, "intel.indicators.import", "intel_feed", f.ID.String(),
				map[string]any{"created": res.Created, "updated": res.Updated, "rejected": res.Rejected}))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.changed(&org, stored)
	return res, nil
}

// importTx upserts inds into f (an org's feed when scope is valid, else a
// platform feed) in tx and queues the retro-hunt of the new ones.
func (s *Store) importTx(ctx context.Context, tx *db.Tx, scope tenant.Scope, f *Feed, inds []Indicator, hunt HuntQueuer, res *ImportResult) ([]Indicator, error) {
	var org *uuid.UUID
	if f.OrgID != nil {
		o := scope.Org()
		org = &o
	}
	stored, err := s.upsert(ctx, tx, org, f, inds, res)
	if err != nil {
		return nil, err
	}
	if org != nil && hunt != nil && len(res.created) > 0 {
		h, err := hunt.QueueHunt(ctx, tx, scope, res.created)
		if err != nil {
			return nil, err
		}
		res.HuntID = h
	}
	return stored, nil
}

// changed hands committed indicator changes to OnChange.
func (s *Store) changed(org *uuid.UUID, stored []Indicator) {
	if s.OnChange != nil && len(stored) > 0 {
		s.OnChange(org, stored)
	}
}

// ImportPlatform stores indicators into a platform feed.
func (s *Store) ImportPlatform(ctx context.Context, feedID uuid.UUID, inds []Indicator) (*ImportResult, error) {
	res := &ImportResult{ByType: map[string]int{}}
	var stored []Indicator
	err := s.platformTx(ctx, func(ctx context.Context, tx *db.Tx) error {
		*res = ImportResult{ByType: map[string]int{}}
		f, err := scanFeed(tx.QueryRowContext(ctx, `SELECT `+feedCols+` FROM intel_feeds WHERE id = $1 AND org_id IS NULL`, feedID.String()))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("platform feed")
		}
		if err != nil {
			return err
		}
		stored, err = s.upsert(ctx, tx, nil, &f, inds, res)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.changed(nil, stored)
	return res, nil
}

// Query filters an indicator list.
type Query struct {
	Type   Type
	FeedID *uuid.UUID
	Value  string
	Tag    string
	// TLP keeps one marking; Search keeps values containing it (lower
	// case: values are canonical).
	TLP, Search   string
	MinConfidence int
	// Platform includes the indicators of subscribed platform feeds.
	Platform bool
	// Flagged lists only indicators the fan-out guardrail flagged;
	// Expired lists only expired ones (default: live ones).
	Flagged, Expired bool
}

// List returns one page of indicators, newest first, after the cursor (the
// last id of the previous page).
func (s *Store) List(ctx context.Context, scope tenant.Scope, q Query, after *uuid.UUID, limit int) ([]Indicator, *uuid.UUID, error) {
	limit = min(max(limit, 1), 500)
	var out []Indicator
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		args := []any{scope.Org().String()}
		arg := func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		}
		where := []string{"NOT deleted"}
		if q.Expired {
			where = append(where, "expired")
		} else {
			where = append(where, "NOT expired")
		}
		if q.Flagged {
			// Own indicators carry the flag; platform ones the org's
			// counter in intel_fanout.
			where = append(where, "(flagged OR (org_id IS NULL AND id IN (SELECT indicator_id FROM intel_fanout WHERE org_id = $1 AND flagged)))")
		}
		if q.Platform {
			where = append(where, "(org_id = $1 OR (org_id IS NULL AND feed_id IN (SELECT feed_id FROM intel_subscriptions WHERE org_id = $1)))")
		} else {
			where = append(where, "org_id = $1")
		}
		if q.Type != "" {
			where = append(where, "type = "+arg(string(q.Type)))
		}
		if q.FeedID != nil {
			if _, err := s.feed(ctx, tx, scope, *q.FeedID); err != nil {
				return err // a feed the org cannot see is a 404, not an empty list
			}
			where = append(where, "feed_id = "+arg(q.FeedID.String()))
		}
		if q.Value != "" {
			where = append(where, "value = "+arg(q.Value))
		}
		if q.TLP != "" {
			where = append(where, "tlp = "+arg(q.TLP))
		}
		if q.Search != "" {
			where = append(where, "lower(value) LIKE "+arg("%"+escapeLike(q.Search)+"%")+` ESCAPE '\'`)
		}
		if q.MinConfidence > 0 {
			where = append(where, "confidence >= "+arg(q.MinConfidence))
		}
		if q.Tag != "" {
			tag, _ := json.Marshal([]string{q.Tag})
			if tx.Dialect == db.Postgres {
				where = append(where, "tags @> "+arg(string(tag))+"::jsonb")
			} else {
				where = append(where, "EXISTS (SELECT 1 FROM json_each(intel_indicators.tags) WHERE json_each.value = "+arg(q.Tag)+")")
			}
		}
		if after != nil {
			where = append(where, "id < "+arg(after.String()))
		}
		query := `SELECT ` + indicatorCols + ` FROM intel_indicators WHERE ` + strings.Join(where, " AND ") +
			` ORDER BY id DESC LIMIT ` + arg(limit+1)
		var err error
		if out, err = db.Collect(ctx, tx, scanIndicator, query, args...); err != nil {
			return err
		}
		return s.fanOutStates(ctx, tx, scope.Org(), out)
	})
	if err != nil {
		return nil, nil, err
	}
	if out == nil {
		out = []Indicator{}
	}
	s.scored(out)
	var next *uuid.UUID
	if len(out) > limit {
		out = out[:limit]
		id := out[limit-1].ID
		next = &id
	}
	return out, next, nil
}

// Get returns one indicator the org can see.
func (s *Store) Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (Indicator, error) {
	var ind Indicator
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		ind, err = s.get(ctx, tx, scope, id)
		return err
	})
	ind.Score = s.decay().Score(&ind, s.now())
	return ind, err
}

func (s *Store) get(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (Indicator, error) {
	ind, err := scanIndicator(tx.QueryRowContext(ctx, `SELECT `+indicatorCols+` FROM intel_indicators
WHERE id = $1 AND NOT deleted AND (org_id = $2 OR (org_id IS NULL AND feed_id IN (SELECT feed_id FROM intel_subscriptions WHERE org_id = $2)))`,
		id.String(), scope.Org().String()))
	if errors.Is(err, sql.ErrNoRows) {
		return ind, apperr.NotFound("indicator")
	}
	if err != nil {
		return ind, err
	}
	probe := []Indicator{ind}
	err = s.fanOutStates(ctx, tx, scope.Org(), probe)
	return probe[0], err
}

// Delete removes one of the org's indicators (kept as a tombstone so that
// every replica's index drops it; matches stay).
func (s *Store) Delete(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	var ind Indicator
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		ind, err = scanIndicator(tx.QueryRowContext(ctx, `UPDATE intel_indicators SET deleted = true, updated_at = $3, shared_at = $3
WHERE org_id = $1 AND id = $2 AND NOT deleted RETURNING `+indicatorCols, scope.Org().String(), id.String(), s.now()))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("indicator")
		}
		return err
	})
	if err == nil && s.OnChange != nil {
		org := scope.Org()
		s.OnChange(&org, []Indicator{ind})
	}
	return err
}

// changesPage is how many indicator rows one query of changes reads (a
// million-indicator org loads in pages, each well inside the statement
// timeout).
const changesPage = 20000

// changes returns the org's (or, org nil, a platform feed's) indicators
// updated at or after since, for index refresh, including tombstones; it
// reads them in pages by id, one read transaction each.
func (s *Store) changes(ctx context.Context, org *uuid.UUID, feed uuid.UUID, since time.Time, fn func(*Indicator)) error {
	after := uuid.Nil.String()
	for {
		n := 0
		run := func(ctx context.Context, tx *db.Tx) error {
			var rows *sql.Rows
			var err error
			if org != nil {
				rows, err = tx.QueryContext(ctx, `SELECT `+indicatorCols+` FROM intel_indicators WHERE org_id = $1 AND updated_at >= $2 AND id > $3
ORDER BY id LIMIT $4`, org.String(), since, after, changesPage)
			} else {
				rows, err = tx.QueryContext(ctx, `SELECT `+indicatorCols+` FROM intel_indicators WHERE org_id IS NULL AND feed_id = $1 AND updated_at >= $2 AND id > $3
ORDER BY id LIMIT $4`, feed.String(), since, after, changesPage)
			}
			if err != nil {
				return fmt.Errorf("intel: changes: %w", err)
			}
			defer func() { _ = rows.Close() }()
			for rows.Next() {
				ind, err := scanIndicator(rows)
				if err != nil {
					return err
				}
				n++
				after = ind.ID.String()
				fn(&ind)
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("intel: changes: %w", err)
			}
			return nil
		}
		var err error
		if org != nil {
			err = s.DB.ReadInOrg(ctx, tenant.System(*org, "intel index refresh"), run)
		} else {
			err = s.DB.Read(ctx, run)
		}
		if err != nil || n < changesPage {
			return err
		}
	}
}

func isUnique(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}
