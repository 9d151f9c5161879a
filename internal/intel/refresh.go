package intel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Refresher pulls feeds: one run fetches the feed's source through the
// egress client (conditional requests, credentials from the keyring),
// parses it, upserts the indicators in batches and records the run's
// statistics and the feed's health.
type Refresher struct {
	Store *Store
	// HTTP is an egress client (internal/platform/egress); nothing else
	// may reach the network.
	HTTP   *http.Client //nolint:forbidigo // built by egress
	Hunter HuntQueuer
	Logger *slog.Logger
	// PageSize is the TAXII/MISP page size (1,000 when 0); MaxPages bounds
	// the pages (or MISP feed events) of one run (100 when 0): the cursor
	// is kept, the next run continues.
	PageSize, MaxPages int
	// BatchSize indicators are upserted per transaction (5,000 when 0).
	BatchSize int
}

func (r *Refresher) limits() (page, pages, batch int) {
	page, pages, batch = r.PageSize, r.MaxPages, r.BatchSize
	if page <= 0 {
		page = 1000
	}
	if pages <= 0 {
		pages = 100
	}
	if batch <= 0 {
		batch = 5000
	}
	return page, pages, batch
}

// run is one refresh in progress.
type run struct {
	r     *Refresher
	st    *pullState
	org   *uuid.UUID
	rec   FeedRun
	scope tenant.Scope
	// etag and lastModified are the validators to store after success.
	etag, lastModified string
	notModified        bool
}

// Refresh runs one refresh of a feed (org nil: a platform feed) and
// returns its record. A failed pull is recorded on the run and the feed
// (health) and returned as the error.
func (r *Refresher) Refresh(ctx context.Context, org *uuid.UUID, feedID uuid.UUID) (FeedRun, error) {
	if r.HTTP == nil {
		return FeedRun{}, errors.New("intel: feed refresher has no HTTP client")
	}
	st, err := r.Store.loadPull(ctx, org, feedID)
	if err != nil {
		return FeedRun{}, err
	}
	if !st.feed.pulled() {
		return FeedRun{}, apperr.Validation("not a pulled feed", apperr.Field("path.id", "the feed has no URL to pull"))
	}
	ru := &run{r: r, st: st, org: org, etag: st.etag, lastModified: st.lastModified}
	if org != nil {
		ru.scope = tenant.System(*org, "intel feed refresh")
	}
	ru.rec = FeedRun{ID: uuid.Must(uuid.NewV7()), FeedID: feedID, StartedAt: r.Store.now(), Status: "running", Cursor: st.feed.Cursor}
	if err := r.Store.feedTx(ctx, org, func(ctx context.Context, tx *db.Tx) error {
		var orgArg any
		if org != nil {
			orgArg = org.String()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO intel_feed_runs (id, org_id, feed_id, started_at, status, cursor) VALUES ($1, $2, $3, $4, 'running', $5)`,
			ru.rec.ID.String(), orgArg, feedID.String(), ru.rec.StartedAt, ru.rec.Cursor)
		return err
	}); err != nil {
		return FeedRun{}, fmt.Errorf("intel: record feed run: %w", err)
	}
	switch st.feed.Kind {
	case FeedSTIX:
		err = ru.pullSTIX(ctx)
	case FeedCSV:
		err = ru.pullCSV(ctx)
	case FeedTAXII:
		err = ru.pullTAXII(ctx)
	case FeedMISP:
		if st.feed.Config.MISP != nil && st.feed.Config.MISP.Mode == MISPModeFeed {
			err = ru.pullMISPFeed(ctx)
		} else {
			err = ru.pullMISPAPI(ctx)
		}
	default:
		err = fmt.Errorf("intel: feed kind %q cannot be pulled", st.feed.Kind)
	}
	if ferr := ru.finish(ctx, err); ferr != nil {
		return ru.rec, errors.Join(err, ferr)
	}
	if err != nil && r.Logger != nil {
		r.Logger.WarnContext(ctx, "intel feed refresh failed", slog.String("feed_id", feedID.String()), slog.String("error", truncate(err.Error(), 300)))
	}
	return ru.rec, err
}

// finish records the run's outcome and the feed's health.
func (ru *run) finish(ctx context.Context, runErr error) error {
	now := ru.r.Store.now()
	ru.rec.FinishedAt = &now
	switch {
	case runErr != nil:
		ru.rec.Status, ru.rec.Error = "failed", truncate(runErr.Error(), 1000)
	case ru.notModified:
		ru.rec.Status = "not_modified"
	default:
		ru.rec.Status = "ok"
	}
	f := &ru.st.feed
	next := now.Add(time.Duration(f.IntervalMinutes) * time.Minute)
	return ru.r.Store.feedTx(ctx, ru.org, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE intel_feed_runs SET finished_at = $2, status = $3, requests = $4, bytes = $5, fetched = $6,
created = $7, updated = $8, rejected = $9, cursor = $10, error = $11 WHERE id = $1`, ru.rec.ID.String(), now, ru.rec.Status, ru.rec.Requests,
			ru.rec.Bytes, ru.rec.Fetched, ru.rec.Created, ru.rec.Updated, ru.rec.Rejected, ru.rec.Cursor, ru.rec.Error); err != nil {
			return fmt.Errorf("intel: finish feed run: %w", err)
		}
		var err error
		if runErr != nil {
			_, err = tx.ExecContext(ctx, `UPDATE intel_feeds SET last_run_at = $2, last_error = $3, consecutive_errors = consecutive_errors + 1,
next_run_at = $4 WHERE id = $1`, f.ID.String(), now, ru.rec.Error, next)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE intel_feeds SET last_run_at = $2, last_success_at = $2, last_error = '', consecutive_errors = 0,
last_count = $3, etag = $4, last_modified = $5, next_run_at = $6 WHERE id = $1`, f.ID.String(), now, ru.rec.Fetched, ru.etag, ru.lastModified, next)
		}
		if err != nil {
			return fmt.Errorf("intel: record feed health: %w", err)
		}
		return nil
	})
}

// fetched is one HTTP response read in full.
type fetched struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request with the feed's credentials; conditional adds the
// stored validators. A 304 is returned as is; any other non-2xx status is
// an error naming it.
func (ru *run) do(ctx context.Context, method, url, accept string, body []byte, conditional bool) (*fetched, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, fmt.Errorf("intel: feed request: %w", err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "SecureNexus-intel/1")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if conditional {
		if ru.st.etag != "" {
			req.Header.Set("If-None-Match", ru.st.etag)
		}
		if ru.st.lastModified != "" {
			req.Header.Set("If-Modified-Since", ru.st.lastModified)
		}
	}
	ru.st.creds.apply(req)
	ru.rec.Requests++
	resp, err := ru.r.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("intel: fetch %s: %w", redactURL(url), err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	ru.rec.Bytes += int64(len(b))
	if err != nil {
		return nil, fmt.Errorf("intel: read %s: %w", redactURL(url), err)
	}
	if resp.StatusCode == http.StatusNotModified {
		return &fetched{status: resp.StatusCode, header: resp.Header}, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("intel: fetch %s: HTTP %d", redactURL(url), resp.StatusCode)
	}
	return &fetched{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// redactURL drops the query (it may carry a key) from a URL for messages.
func redactURL(u string) string {
	if i := bytes.IndexAny([]byte(u), "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

// store upserts inds in batches; extra runs in the last batch's
// transaction (cursor updates), also when inds is empty.
func (ru *run) store(ctx context.Context, inds []Indicator, extra func(ctx context.Context, tx *db.Tx) error) error {
	_, _, batch := ru.r.limits()
	ru.rec.Fetched += len(inds)
	for start := 0; start == 0 || start < len(inds); start += batch {
		chunk := inds[start:min(start+batch, len(inds))]
		last := start+batch >= len(inds)
		res := &ImportResult{ByType: map[string]int{}}
		var stored []Indicator
		err := ru.r.Store.feedTx(ctx, ru.org, func(ctx context.Context, tx *db.Tx) error {
			*res = ImportResult{ByType: map[string]int{}}
			var err error
			if len(chunk) > 0 {
				if stored, err = ru.r.Store.importTx(ctx, tx, ru.scope, &ru.st.feed, chunk, ru.r.Hunter, res); err != nil {
					return err
				}
			}
			if last && extra != nil {
				return extra(ctx, tx)
			}
			return nil
		})
		if err != nil {
			return err
		}
		ru.r.Store.changed(ru.org, stored)
		ru.rec.Created += res.Created
		ru.rec.Updated += res.Updated
		ru.rec.Rejected += res.Rejected
		if last {
			break
		}
	}
	return nil
}

// saveCursor returns an extra step storing the feed's resume cursor.
func (ru *run) saveCursor(cursor string) func(ctx context.Context, tx *db.Tx) error {
	return func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE intel_feeds SET cursor = $2 WHERE id = $1`, ru.st.feed.ID.String(), cursor); err != nil {
			return fmt.Errorf("intel: save feed cursor: %w", err)
		}
		ru.rec.Cursor = cursor
		return nil
	}
}

// conditional fetches the feed URL with its validators; it reports
// whether the source changed.
func (ru *run) conditional(ctx context.Context, accept string) (*fetched, bool, error) {
	f, err := ru.do(ctx, http.MethodGet, ru.st.feed.URL, accept, nil, true)
	if err != nil {
		return nil, false, err
	}
	if f.status == http.StatusNotModified {
		ru.notModified = true
		return f, false, nil
	}
	ru.etag, ru.lastModified = f.header.Get("ETag"), f.header.Get("Last-Modified")
	return f, true, nil
}

func (ru *run) pullSTIX(ctx context.Context) error {
	f, changed, err := ru.conditional(ctx, "application/stix+json;version=2.1, application/json")
	if err != nil || !changed {
		return err
	}
	inds, _, err := ParseSTIX(f.body)
	if err != nil {
		return fmt.Errorf("intel: parse STIX bundle: %w", err)
	}
	return ru.store(ctx, inds, nil)
}

func (ru *run) pullCSV(ctx context.Context) error {
	f, changed, err := ru.conditional(ctx, "text/csv, text/plain, */*")
	if err != nil || !changed {
		return err
	}
	cfg := ru.st.feed.Config.CSV
	if cfg == nil {
		cfg = defaultCSV()
	}
	inds, bad, err := ParseCSV(f.body, cfg)
	if err != nil {
		return err
	}
	ru.rec.Rejected += bad
	return ru.store(ctx, inds, nil)
}
