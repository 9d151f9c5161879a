package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// QueryOptions configures the query benchmark.
type QueryOptions struct {
	Config  config.Config
	Alerts  int
	Runs    int
	Timeout time.Duration
	Logger  *slog.Logger
	Out     io.Writer
}

// QueryResult is the latency of one list query.
type QueryResult struct {
	Name    string
	Query   string
	Latency Percentiles
	Items   int
}

// RunQuery loads Alerts alerts into a fresh org (COPY on PostgreSQL, the
// pipeline on SQLite), spread over 90 days, then times the list API (over
// HTTP, as a client sees it) for common filters.
func RunQuery(ctx context.Context, o QueryOptions) ([]QueryResult, error) {
	if o.Alerts <= 0 || o.Runs <= 0 {
		return nil, errors.New("bench: --alerts and --runs must be positive")
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	srv, err := boot(ctx, o.Config, o.Logger, o.Out)
	if err != nil {
		return nil, err
	}
	defer func() { _ = srv.stop() }()
	org, key, err := newOrgWithKey(ctx, srv.app, "Bench query", rbac.AlertsRead)
	if err != nil {
		return nil, err
	}
	loadDB := srv.app.DB
	if loadDB.Dialect == db.Postgres {
		if loadDB, err = srv.ownerDB(ctx); err != nil {
			return nil, err
		}
		defer func() { _ = loadDB.Close() }()
	}
	t0 := time.Now()
	loaded, err := load(ctx, loadDB, srv.app.Modules.Intake.Pipeline.Store, org, o.Alerts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Out, "loaded %d alerts (%d distinct after dedup) into %s in %s\n", o.Alerts, loaded, srv.app.DB.Dialect, time.Since(t0).Round(time.Second))
	// Statistics before timing (as the owner on PostgreSQL: the application
	// role may not ANALYZE).
	if loadDB.Dialect == db.Postgres {
		if _, err := loadDB.Pool.Exec(ctx, "VACUUM (ANALYZE) alerts, entities, alert_entities"); err != nil {
			return nil, fmt.Errorf("bench: analyze: %w", err)
		}
	} else if err := loadDB.AnalyzeAll(ctx); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Minute}
	get := func(q string) (int, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.url+"/api/v1/alerts?"+q, nil)
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer func() { _ = res.Body.Close() }()
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return 0, "", err
		}
		if res.StatusCode != http.StatusOK {
			return 0, "", fmt.Errorf("GET %s: %d %.300s", q, res.StatusCode, b)
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return 0, "", err
		}
		return len(page.Items), page.NextCursor, nil
	}
	_, cursor, err := get("limit=50")
	if err != nil {
		return nil, err
	}
	day := time.Now().UTC().Add(-24 * time.Hour).Format(time.RFC3339)
	queries := []struct{ name, q string }{
		{"newest 50", "limit=50"},
		{"page 2 (cursor)", "limit=50&cursor=" + url.QueryEscape(cursor)},
		{"severity=critical", "severity=critical"},
		{"status=new", "status=new"},
		{"source_type=suricata", "source_type=suricata"},
		{"last 24h", "from=" + url.QueryEscape(day)},
		{"entity ip", "entity=ip:10.1.3.7"},
		{"entity hostname", "entity=hostname:web-01"},
		{"technique", "technique=T1059.001"},
		{"free text", "q=powershell"},
		{"sort=severity", "sort=severity"},
		{"severity+source+24h", "severity=high&source_type=guardduty&from=" + url.QueryEscape(day)},
	}
	var out []QueryResult
	fmt.Fprintf(o.Out, "list query latency over HTTP (%d runs each):\n", o.Runs)
	for _, q := range queries {
		lat := make([]time.Duration, 0, o.Runs)
		items := 0
		for range o.Runs {
			t := time.Now()
			n, _, err := get(q.q)
			if err != nil {
				return out, err
			}
			lat = append(lat, time.Since(t))
			items = n
		}
		r := QueryResult{Name: q.name, Query: q.q, Latency: percentiles(lat), Items: items}
		out = append(out, r)
		fmt.Fprintf(o.Out, "  %-22s %3d items  p50 %-8s p95 %s\n", r.Name, r.Items, ms(r.Latency.P50), ms(r.Latency.P95))
	}
	return out, nil
}

// load writes n realistic alerts spread over 90 days into org: with COPY
// as the owner on PostgreSQL (d), through the intake module's store on
// SQLite.
func load(ctx context.Context, d *db.DB, store *ingest.Store, org uuid.UUID, n int) (int, error) {
	const chunk = 20000
	now := time.Now().UTC()
	var copier *ingest.Copier
	if d.Dialect == db.Postgres {
		copier = ingest.NewCopier(d, org)
	}
	scope := tenant.System(org, "bench")
	written := 0
	for done := 0; done < n; done += chunk {
		if err := ctx.Err(); err != nil {
			return written, fmt.Errorf("bench: load stopped: %w", err)
		}
		m := min(chunk, n-done)
		samples := ingest.Samples(uint64(done)+1, m, 0, now)
		alerts := make([]alert.Alert, 0, m)
		for i, s := range samples {
			as, err := normalize.Normalize(s.SourceType, s.Raw)
			if err != nil {
				return written, fmt.Errorf("bench: normalize: %w", err)
			}
			// Spread over 90 days, newest last.
			at := now.Add(-time.Duration(n-done-i) * (90 * 24 * time.Hour) / time.Duration(n))
			for _, a := range as {
				a.EventTime, a.ReceivedTime = at.Add(-time.Minute), at
				alerts = append(alerts, a)
			}
		}
		if copier != nil {
			w, err := copier.Copy(ctx, alerts)
			if err != nil {
				return written, err
			}
			written += w
			continue
		}
		w, err := store.WriteAlerts(ctx, scope, alerts)
		if err != nil {
			return written, err
		}
		written += w
	}
	return written, nil
}
