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
	// Alerts payloads in batches of Batch (1: single-alert requests to
	// POST /api/v1/alerts, through the group commit), sent by Concurrency
	// clients.
	Alerts, Batch, Concurrency int
	// DupPercent of payloads repeat an earlier one.
	DupPercent int
	// SourceType limits the payloads to one generated type ("" mixes
	// suricata, guardduty, cef and generic).
	SourceType string
	// Slice prints the throughput of every Slice alerts (0: no slices).
	Slice int
	// Baseline "copy" also writes the same rows with PostgreSQL COPY.
	Baseline string
	// CPUProfile writes a CPU profile of the timed run (client and, when
	// in-process, server) to this file.
	CPUProfile string
	// Timeout bounds the whole run.
	Timeout time.Duration
	Logger  *slog.Logger
	Out     io.Writer

	// srv is a server already booted (bench correlate); afterSend runs
	// after the last request and before the clock stops (waiting for the
	// correlation consumer).
	srv       *server
	afterSend func(context.Context) error
	// key, with srv, is an API key of the org to ingest into (bench intel:
	// the org holding the indicators); empty provisions a fresh org.
	key string
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
	Slices                          []float64
	CopyElapsed                     time.Duration
	CopyAlertsPerSec, PipelineRatio float64
	// ServerCPUPerAlert is the server process CPU time per alert, read from
	// its /metrics (in-process it includes the bench client).
	ServerCPUPerAlert time.Duration
	Disk              *DiskUsage
}

// work is one request of the run.
type work struct {
	body       []byte
	sourceType string
	records    int
}

// chunkAlerts is how many payloads are generated at a time (a million
// payloads are not held in memory at once).
const chunkAlerts = 50000

// RunIngest generates realistic payloads (Suricata, GuardDuty, CEF,
// generic EDR; reused hosts, users and addresses; DupPercent repeats),
// drives the real HTTP intake (batches, or single alerts with Batch 1)
// and reports throughput, request latency percentiles, throughput per
// slice, server CPU per alert and, in-process, bytes on disk per alert.
func RunIngest(ctx context.Context, o IngestOptions) (*IngestReport, error) {
	if o.Alerts <= 0 || o.Batch <= 0 || o.Concurrency <= 0 || o.Slice < 0 {
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
	srv := o.srv
	if srv != nil {
		rep.Backend = string(srv.app.DB.Dialect)
		var err error
		if key = o.key; key == "" {
			if _, key, err = newOrgWithKey(ctx, srv.app, "Bench ingest", rbac.AlertsIngest); err != nil {
				return nil, err
			}
		}
		url = srv.url
	} else if url == "" {
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
	rep.Batches = (o.Alerts + o.Batch - 1) / o.Batch
	mode := fmt.Sprintf("batches of %d", o.Batch)
	if o.Batch == 1 {
		mode = "single-alert requests (group commit)"
	}
	kinds := o.SourceType
	if kinds == "" {
		kinds = "mixed sources"
	}
	fmt.Fprintf(o.Out, "ingest: %d alerts (%s, %d%% repeats) in %d %s, concurrency %d, backend %s\n",
		o.Alerts, kinds, o.DupPercent, rep.Batches, mode, o.Concurrency, rep.Backend)

	var kept []ingest.Sample // for the COPY baseline
	keep := o.Baseline == "copy"
	works := make(chan work, o.Concurrency*4)
	genErr := make(chan error, 1)
	seed := uint64(time.Now().UnixNano()) //nolint:gosec // a seed
	genCtx, stopGen := context.WithCancel(ctx)
	defer stopGen()
	go func() {
		defer close(works)
		now := time.Now()
		for done := 0; done < o.Alerts; done += chunkAlerts {
			samples := ingest.SamplesOf(seed+uint64(done), min(chunkAlerts, o.Alerts-done), o.DupPercent, now, o.SourceType) //nolint:gosec // done ≥ 0
			if keep {
				kept = append(kept, samples...)
			}
			for i := 0; i < len(samples); i += o.Batch {
				end := min(i+o.Batch, len(samples))
				w := work{records: end - i}
				if o.Batch == 1 {
					w.body, w.sourceType = samples[i].Raw, samples[i].SourceType
				} else {
					var b bytes.Buffer
					for _, s := range samples[i:end] {
						b.Write(s.Raw)
						b.WriteByte('\n')
					}
					w.body = b.Bytes()
				}
				select {
				case works <- w:
				case <-genCtx.Done():
					genErr <- genCtx.Err()
					return
				}
			}
		}
	}()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency * 2}, Timeout: 2 * time.Minute}
	wal0 := ""
	if srv != nil {
		var err error
		if wal0, err = walPosition(ctx, srv.app.DB); err != nil {
			return nil, err
		}
	}
	cpu0, cpuErr := serverCPU(ctx, client, url)
	if o.CPUProfile != "" {
		stop, err := startCPUProfile(o.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	latencies := make([]time.Duration, 0, rep.Batches)
	var latMu sync.Mutex
	var acc, dup, rej, thr, sent atomic.Int64
	sliceDone := make(chan time.Time, 64)
	errc := make(chan error, o.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for range o.Concurrency {
		wg.Go(func() {
			var mine []time.Duration
			defer func() {
				latMu.Lock()
				latencies = append(latencies, mine...)
				latMu.Unlock()
			}()
			for w := range works {
				if ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				sum, throttled, err := post(ctx, client, url, key, w)
				mine = append(mine, time.Since(t0))
				if err != nil {
					errc <- err
					stopGen()
					return
				}
				if got := sum.Accepted + sum.Duplicates + sum.Rejected; got < w.records {
					errc <- fmt.Errorf("%d results for %d records", got, w.records)
					stopGen()
					return
				}
				acc.Add(int64(sum.Accepted))
				dup.Add(int64(sum.Duplicates))
				rej.Add(int64(sum.Rejected))
				thr.Add(int64(throttled))
				if o.Slice > 0 {
					before := sent.Add(int64(w.records)) - int64(w.records)
					for k := before/int64(o.Slice) + 1; k*int64(o.Slice) <= before+int64(w.records); k++ {
						sliceDone <- time.Now()
					}
				}
			}
		})
	}
	var sliceTimes []time.Time
	collected := make(chan struct{})
	go func() {
		for t := range sliceDone {
			sliceTimes = append(sliceTimes, t)
		}
		close(collected)
	}()
	wg.Wait()
	if o.afterSend != nil && ctx.Err() == nil && len(errc) == 0 {
		if err := o.afterSend(ctx); err != nil {
			return nil, err
		}
	}
	rep.Elapsed = time.Since(start)
	close(sliceDone)
	<-collected
	close(errc)
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	select {
	case err := <-genErr:
		return nil, fmt.Errorf("bench: stopped before the end: %w", err)
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench: stopped before the end: %w", err)
	}
	rep.Accepted, rep.Duplicates, rep.Rejected, rep.Throttled = int(acc.Load()), int(dup.Load()), int(rej.Load()), int(thr.Load())
	rep.AlertsPerSec = float64(o.Alerts) / rep.Elapsed.Seconds()
	rep.Latency = percentiles(latencies)
	fmt.Fprintf(o.Out, "pipeline: %.0f alerts/s  (%d accepted, %d duplicates, %d rejected, %d throttled retries) in %s\n",
		rep.AlertsPerSec, rep.Accepted, rep.Duplicates, rep.Rejected, rep.Throttled, rep.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(o.Out, "request latency: %s\n", rep.Latency)
	prev := start
	for i, t := range sliceTimes {
		rate := float64(o.Slice) / t.Sub(prev).Seconds()
		rep.Slices = append(rep.Slices, rate)
		fmt.Fprintf(o.Out, "  slice %2d (alerts %d-%d): %.0f alerts/s\n", i+1, i*o.Slice+1, (i+1)*o.Slice, rate)
		prev = t
	}
	if len(rep.Slices) > 1 {
		fmt.Fprintf(o.Out, "last slice / first slice = %.2f\n", rep.Slices[len(rep.Slices)-1]/rep.Slices[0])
	}
	if cpu1, err := serverCPU(ctx, client, url); err == nil && cpuErr == nil {
		rep.ServerCPUPerAlert = time.Duration((cpu1 - cpu0) / float64(o.Alerts) * float64(time.Second))
		where := "separate server process"
		if srv != nil {
			where = "in-process: includes the bench client"
		}
		fmt.Fprintf(o.Out, "server CPU: %.3f ms per alert (%s)\n", float64(rep.ServerCPUPerAlert.Microseconds())/1000, where)
	}
	if srv != nil {
		du, err := diskUsage(ctx, srv, wal0)
		if err != nil {
			return rep, err
		}
		rep.Disk = du
		fmt.Fprintf(o.Out, "disk: %s\n", du)
	}

	if o.Baseline == "copy" {
		if srv == nil || srv.app.DB.Dialect != db.Postgres {
			return rep, errors.New("bench: --baseline copy needs the in-process server on PostgreSQL (--database-url)")
		}
		if err := copyBaseline(ctx, srv, kept, rep); err != nil {
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

// post sends one request (a batch, or a single alert when w.sourceType is
// set), honouring 429 Retry-After.
func post(ctx context.Context, c *http.Client, url, key string, w work) (*ingest.BatchSummary, int, error) {
	throttled := 0
	target, ctype := url+"/api/v1/alerts/batch", "application/x-ndjson"
	if w.sourceType != "" {
		target, ctype = url+"/api/v1/alerts?source_type="+w.sourceType, "application/json"
	}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(w.body))
		if err != nil {
			return nil, throttled, err
		}
		req.Header.Set("Content-Type", ctype)
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
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
			return nil, throttled, fmt.Errorf("status %d: %.300s", res.StatusCode, b)
		}
		var sum ingest.BatchSummary
		if err := json.Unmarshal(b, &sum); err != nil {
			return nil, throttled, fmt.Errorf("decode summary: %w", err)
		}
		return &sum, throttled, nil
	}
}
