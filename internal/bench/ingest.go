package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/rbac"
)

// IngestOptions configures the ingest benchmark.
type IngestOptions struct {
	// Config selects the database of the in-process server.
	Config config.Config
	// URL targets a running server instead (with APIKey).
	URL    string
	APIKey string
	// Alerts payloads in batches of Batch, sent by Concurrency clients.
	Alerts, Batch, Concurrency int
	// DupPercent of payloads repeat an earlier one.
	DupPercent int
	// Baseline "copy" also writes the same rows with PostgreSQL COPY.
	Baseline string
	// Timeout bounds the whole run.
	Timeout time.Duration
	Logger  *slog.Logger
	Out     io.Writer
}

// IngestReport is the outcome.
type IngestReport struct {
	Backend                         string
	Alerts, Batches                 int
	Accepted, Duplicates, Rejected  int
	Throttled                       int
	Elapsed                         time.Duration
	AlertsPerSec                    float64
	Latency                         Percentiles
	CopyElapsed                     time.Duration
	CopyAlertsPerSec, PipelineRatio float64
}

// RunIngest generates realistic payloads (Suricata, GuardDuty, CEF,
// generic EDR; reused hosts, users and addresses; DupPercent repeats),
// drives the real HTTP batch intake and reports throughput and batch
// latency percentiles.
func RunIngest(ctx context.Context, o IngestOptions) (*IngestReport, error) {
	if o.Alerts <= 0 || o.Batch <= 0 || o.Concurrency <= 0 {
		return nil, errors.New("bench: --alerts, --batch and --concurrency must be positive")
	}
	if o.Batch > ingest.DefaultLimits.MaxRecords {
		return nil, fmt.Errorf("bench: --batch at most %d", ingest.DefaultLimits.MaxRecords)
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	rep := &IngestReport{Backend: "remote", Alerts: o.Alerts}
	url, key := o.URL, o.APIKey
	var srv *server
	if url == "" {
		var err error
		if srv, err = boot(ctx, o.Config, o.Logger, o.Out); err != nil {
			return nil, err
		}
		defer func() { _ = srv.stop() }()
		rep.Backend = string(srv.app.DB.Dialect)
		if _, key, err = newOrgWithKey(ctx, srv.app, "Bench ingest", rbac.AlertsIngest); err != nil {
			return nil, err
		}
		url = srv.url
	} else if key == "" {
		return nil, errors.New("bench: --url needs --api-key (an org API key with alerts:ingest)")
	} else {
		fmt.Fprintln(o.Out, "remote server: its own rate limits and ingest quota apply (429s are retried and counted)")
	}
	samples := ingest.Samples(uint64(time.Now().UnixNano()), o.Alerts, o.DupPercent, time.Now()) //nolint:gosec // a seed
	var bodies [][]byte
	var sizes []int
	for i := 0; i < len(samples); i += o.Batch {
		var b bytes.Buffer
		end := min(i+o.Batch, len(samples))
		for _, s := range samples[i:end] {
			b.Write(s.Raw)
			b.WriteByte('\n')
		}
		bodies = append(bodies, b.Bytes())
		sizes = append(sizes, end-i)
	}
	rep.Batches = len(bodies)
	fmt.Fprintf(o.Out, "ingest: %d alerts (%d%% repeats) in %d batches of %d, concurrency %d, backend %s\n",
		o.Alerts, o.DupPercent, len(bodies), o.Batch, o.Concurrency, rep.Backend)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency * 2}, Timeout: 2 * time.Minute}
	latencies := make([]time.Duration, len(bodies))
	var next atomic.Int64
	var acc, dup, rej, thr atomic.Int64
	errc := make(chan error, o.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for range o.Concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				sum, throttled, err := post(ctx, client, url, key, bodies[i])
				latencies[i] = time.Since(t0)
				if err != nil {
					errc <- fmt.Errorf("batch %d: %w", i, err)
					return
				}
				if got := sum.Accepted + sum.Duplicates + sum.Rejected; got < sizes[i] {
					errc <- fmt.Errorf("batch %d: %d results for %d records", i, got, sizes[i])
					return
				}
				acc.Add(int64(sum.Accepted))
				dup.Add(int64(sum.Duplicates))
				rej.Add(int64(sum.Rejected))
				thr.Add(int64(throttled))
			}
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench: stopped before the end: %w", err)
	}
	rep.Accepted, rep.Duplicates, rep.Rejected, rep.Throttled = int(acc.Load()), int(dup.Load()), int(rej.Load()), int(thr.Load())
	rep.AlertsPerSec = float64(o.Alerts) / rep.Elapsed.Seconds()
	rep.Latency = percentiles(latencies)
	fmt.Fprintf(o.Out, "pipeline: %.0f alerts/s  (%d accepted, %d duplicates, %d rejected, %d throttled retries) in %s\n",
		rep.AlertsPerSec, rep.Accepted, rep.Duplicates, rep.Rejected, rep.Throttled, rep.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(o.Out, "batch latency: %s\n", rep.Latency)

	if o.Baseline == "copy" {
		if srv == nil || srv.app.DB.Dialect != db.Postgres {
			return rep, errors.New("bench: --baseline copy needs the in-process server on PostgreSQL (--database-url)")
		}
		if err := copyBaseline(ctx, srv, samples, rep); err != nil {
			return rep, err
		}
		fmt.Fprintf(o.Out, "COPY baseline: %.0f alerts/s in %s; pipeline/COPY = %.2f\n", rep.CopyAlertsPerSec, rep.CopyElapsed.Round(time.Millisecond), rep.PipelineRatio)
	}
	return rep, nil
}

func copyBaseline(ctx context.Context, srv *server, samples []ingest.Sample, rep *IngestReport) error {
	org, _, err := newOrgWithKey(ctx, srv.app, "Bench copy")
	if err != nil {
		return err
	}
	alerts := make([]alert.Alert, 0, len(samples))
	for _, s := range samples {
		as, err := normalize.Normalize(s.SourceType, s.Raw)
		if err != nil {
			return fmt.Errorf("bench: normalize sample: %w", err)
		}
		alerts = append(alerts, as...)
	}
	owner, err := srv.ownerDB(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = owner.Close() }()
	t0 := time.Now()
	if _, err := ingest.CopyAlerts(ctx, owner, org, alerts); err != nil {
		return err
	}
	rep.CopyElapsed = time.Since(t0)
	rep.CopyAlertsPerSec = float64(len(samples)) / rep.CopyElapsed.Seconds()
	rep.PipelineRatio = rep.AlertsPerSec / rep.CopyAlertsPerSec
	return nil
}

// post sends one batch, honouring 429 Retry-After.
func post(ctx context.Context, c *http.Client, url, key string, body []byte) (*ingest.BatchSummary, int, error) {
	throttled := 0
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/alerts/batch", bytes.NewReader(body))
		if err != nil {
			return nil, throttled, err
		}
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := c.Do(req)
		if err != nil {
			return nil, throttled, err
		}
		b, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			return nil, throttled, err
		}
		if res.StatusCode == http.StatusTooManyRequests {
			throttled++
			secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			select {
			case <-time.After(time.Duration(max(secs, 1)) * time.Second):
			case <-ctx.Done():
				return nil, throttled, ctx.Err()
			}
			continue
		}
		if res.StatusCode != http.StatusOK {
			return nil, throttled, fmt.Errorf("status %d: %.300s", res.StatusCode, b)
		}
		var sum ingest.BatchSummary
		if err := json.Unmarshal(b, &sum); err != nil {
			return nil, throttled, fmt.Errorf("decode summary: %w", err)
		}
		return &sum, throttled, nil
	}
}
