package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// IntelOptions configures the threat-intel benchmark.
type IntelOptions struct {
	Config config.Config
	// Indicators are imported as STIX 2.1 bundles of Bundle indicators.
	Indicators, Bundle int
	// MatchAlerts alerts are timed against the loaded index, Repeat
	// matches each (the per-alert cost is the mean of its repeats).
	MatchAlerts, Repeat int
	// Alerts are then ingested over HTTP in batches of Batch by
	// Concurrency clients, with matching, against the org holding the
	// indicators (0: no intake run). On PostgreSQL the same rows are also
	// written with COPY for the pipeline/COPY ratio.
	Alerts, Batch, Concurrency int
	// CPUProfile writes a CPU profile of the STIX import phase,
	// IngestCPUProfile one of the intake run (in-process: server and
	// client together).
	CPUProfile, IngestCPUProfile string
	Timeout                      time.Duration
	Logger                       *slog.Logger
	Out                          io.Writer
}

// IntelReport is what the intel benchmark measured.
type IntelReport struct {
	Backend string
	// Imported indicators (created+updated), Rejected records, in
	// ImportElapsed of upload time (HTTP, parse, store).
	Imported, Rejected int
	ImportElapsed      time.Duration
	ImportPerSec       float64
	// IndexBytes is the heap the org's loaded index holds (HeapAlloc
	// after a GC, before and after loading it), IndexLoad the load time.
	IndexBytes uint64
	IndexLoad  time.Duration
	// Match is the cost per alert (all its entities), EntitiesPerAlert
	// their mean count, MatchedShare the share of alerts with a hit.
	Match            Percentiles
	EntitiesPerAlert float64
	MatchedShare     float64
	// Ingest is the intake run with matching (nil without one).
	Ingest *IngestReport
}

// hotShare: one in hotShare distinct entity values of the generated
// alerts is an indicator, so that intake matches as a real org's would.
const hotShare = 3

// RunIntel boots the server, imports Indicators indicators into a fresh
// org through POST /api/v1/intel/import (STIX 2.1 bundles: 40% IPv4, 5%
// CIDR, 25% domains, 20% SHA-256, 10% URLs, plus one in three of the
// entity values the alert generator uses), analyzes the tables, loads the
// org's match index (heap measured), times the matching of generated
// alerts against it, then drives the HTTP intake into that org with
// matching on and, on PostgreSQL, the COPY baseline.
func RunIntel(ctx context.Context, o IntelOptions) (*IntelReport, error) {
	if o.Indicators <= 0 || o.Bundle <= 0 || o.MatchAlerts <= 0 || o.Repeat <= 0 || o.Alerts < 0 {
		return nil, errors.New("bench: --indicators, --bundle, --match-alerts and --repeat must be positive")
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
	rep := &IntelReport{Backend: string(srv.app.DB.Dialect)}
	org, key, err := newOrgWithKey(ctx, srv.app, "Bench intel", rbac.AlertsIngest, rbac.IntelRead, rbac.IntelManage)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Out, "intel: %d indicators in STIX bundles of %d, backend %s\n", o.Indicators, o.Bundle, rep.Backend)

	seed := uint64(time.Now().UnixNano()) //nolint:gosec // a seed
	hot, err := hotIndicators(seed)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 5 * time.Minute}
	stopProfile := func() {}
	if o.CPUProfile != "" {
		if stopProfile, err = startCPUProfile(o.CPUProfile); err != nil {
			return nil, err
		}
	}
	for lo := 0; lo < o.Indicators; lo += o.Bundle {
		n := min(o.Bundle, o.Indicators-lo)
		body := stixBundle(lo, n, hot)
		t0 := time.Now()
		res, err := postImport(ctx, client, srv.url, key, body)
		rep.ImportElapsed += time.Since(t0)
		if err != nil {
			stopProfile()
			return nil, err
		}
		rep.Imported += res.Created + res.Updated
		rep.Rejected += res.Rejected
	}
	stopProfile()
	rep.ImportPerSec = float64(rep.Imported) / rep.ImportElapsed.Seconds()
	fmt.Fprintf(o.Out, "STIX import: %.0f indicators/s (%d stored, %d rejected) in %s of uploads (HTTP, parse, upsert, retro-hunt queued)\n",
		rep.ImportPerSec, rep.Imported, rep.Rejected, rep.ImportElapsed.Round(time.Millisecond))
	if err := analyze(ctx, srv); err != nil {
		return nil, err
	}

	m := srv.app.Modules.Intel.Matcher
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	if err := m.Prepare(ctx, tenant.System(org, "bench intel")); err != nil {
		return nil, err
	}
	rep.IndexLoad = time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		rep.IndexBytes = after.HeapAlloc - before.HeapAlloc
	}
	fmt.Fprintf(o.Out, "index: %.1f MB heap for the org's %d indicators (runtime.MemStats HeapAlloc after GC, before/after loading), loaded in %s\n",
		float64(rep.IndexBytes)/1e6, rep.Imported, rep.IndexLoad.Round(time.Millisecond))

	if err := timeMatches(org, m, seed+1, o, rep); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Out, "match per alert (all %.1f entities on average; %d alerts, mean of %d matches each; %.0f%% of alerts hit): %s\n",
		rep.EntitiesPerAlert, o.MatchAlerts, o.Repeat, rep.MatchedShare*100, rep.Match.micros())

	if o.Alerts > 0 {
		io := IngestOptions{Config: o.Config, Alerts: o.Alerts, Batch: o.Batch, Concurrency: o.Concurrency, DupPercent: 15,
			CPUProfile: o.IngestCPUProfile, Logger: o.Logger, Out: o.Out, srv: srv, key: key}
		if srv.app.DB.Dialect == db.Postgres {
			io.Baseline = "copy"
		}
		fmt.Fprintln(o.Out, "intake with matching against the org's indicators:")
		if rep.Ingest, err = RunIngest(ctx, io); err != nil {
			return rep, err
		}
		matched, err := matchedAlerts(ctx, srv, org)
		if err != nil {
			return rep, err
		}
		fmt.Fprintf(o.Out, "alerts matched at intake: %d of %d accepted\n", matched, rep.Ingest.Accepted)
		if io.Baseline == "copy" {
			fmt.Fprintf(o.Out, "intake with matching / COPY = %.2f\n", rep.Ingest.PipelineRatio)
		}
	}
	return rep, nil
}

// micros prints percentiles in microseconds.
func (p Percentiles) micros() string {
	us := func(d time.Duration) string { return fmt.Sprintf("%.2fµs", float64(d.Nanoseconds())/1000) }
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  max %s", us(p.P50), us(p.P95), us(p.P99), us(p.Max))
}

// sampleAlerts normalizes n generated payloads.
func sampleAlerts(seed uint64, n int) ([]alert.Alert, error) {
	var out []alert.Alert
	for _, s := range ingest.SamplesOf(seed, n, 0, time.Now(), "") {
		as, err := normalize.Normalize(s.SourceType, s.Raw)
		if err != nil {
			return nil, fmt.Errorf("bench: normalize sample: %w", err)
		}
		out = append(out, as...)
	}
	return out, nil
}

// hotIndicators are one in hotShare distinct indicator-typed entity
// values of generated alerts.
func hotIndicators(seed uint64) ([]intel.Indicator, error) {
	alerts, err := sampleAlerts(seed, 5000)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []intel.Indicator
	for i := range alerts {
		for _, e := range alerts[i].Entities {
			t, ok := entityIndicatorType(e)
			if !ok || seen[string(t)+e.Value] {
				continue
			}
			if _, ok := intel.Canonicalize(t, e.Value); !ok {
				continue // e.g. internal host names: not a STIX domain-name
			}
			seen[string(t)+e.Value] = true
			if len(seen)%hotShare == 0 {
				out = append(out, intel.Indicator{Type: t, Value: e.Value})
			}
		}
	}
	return out, nil
}

func entityIndicatorType(e alert.Entity) (intel.Type, bool) {
	switch e.Type {
	case alert.EntityIP:
		a, err := netip.ParseAddr(e.Value)
		if err != nil {
			return "", false
		}
		if a.Unmap().Is4() {
			return intel.TypeIPv4, true
		}
		return intel.TypeIPv6, true
	case alert.EntityDomain, alert.EntityHostname:
		return intel.TypeDomain, true
	case alert.EntityURL:
		return intel.TypeURL, true
	case alert.EntityMD5:
		return intel.TypeMD5, true
	case alert.EntitySHA1:
		return intel.TypeSHA1, true
	case alert.EntitySHA256:
		return intel.TypeSHA256, true
	case alert.EntityEmail:
		return intel.TypeEmail, true
	}
	return "", false
}

// splitmix is a deterministic 64-bit mix (values spread, hashes with
// entropy).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// syntheticIndicator is indicator i of the generated population.
func syntheticIndicator(i int) (intel.Type, string) {
	h := splitmix(uint64(i)) //nolint:gosec // i ≥ 0
	a := byte(11 + h%89)     // 11-99: public unicast, never loopback or multicast
	switch i % 20 {
	case 0, 1, 2, 3, 4, 5, 6, 7:
		return intel.TypeIPv4, netip.AddrFrom4([4]byte{a, byte(h >> 8), byte(h >> 16), byte(h>>24) | 1}).String()
	case 8:
		return intel.TypeCIDR, netip.PrefixFrom(netip.AddrFrom4([4]byte{a, byte(h >> 8), byte(h >> 16), 0}), 24).String()
	case 9, 10, 11, 12, 13:
		return intel.TypeDomain, fmt.Sprintf("h%d.bad%d.example.com", i, i%1000)
	case 14, 15, 16, 17:
		var b [32]byte
		for k := range 4 {
			binary.BigEndian.PutUint64(b[k*8:], splitmix(h+uint64(k))) //nolint:gosec // k < 4
		}
		return intel.TypeSHA256, fmt.Sprintf("%x", b)
	default:
		return intel.TypeURL, fmt.Sprintf("http://bad%d.example.com/p/%d", i%5000, i)
	}
}

// stixBundle renders indicators lo..lo+n (the hot ones first) as a STIX
// 2.1 bundle, one indicator object each.
func stixBundle(lo, n int, hot []intel.Indicator) []byte {
	var b bytes.Buffer
	b.Grow(n * 330)
	b.WriteString(`{"type":"bundle","id":"bundle--` + uuid.NewString() + `","objects":[`)
	for i := lo; i < lo+n; i++ {
		var t intel.Type
		var v string
		if i < len(hot) {
			t, v = hot[i].Type, hot[i].Value
		} else {
			t, v = syntheticIndicator(i)
		}
		p, _ := intel.STIXPattern(t, v)
		pj, _ := json.Marshal(p)
		if i > lo {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":%s,"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","confidence":70,"indicator_types":["malicious-activity"]}`,
			uuid.NewString(), pj)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func postImport(ctx context.Context, c *http.Client, url, key string, body []byte) (*intel.ImportResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/intel/import?format=stix", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: import: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("bench: import: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bench: import: status %d: %.300s", res.StatusCode, b)
	}
	var r intel.ImportResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("bench: import: %w", err)
	}
	return &r, nil
}

// analyze refreshes the planner statistics after the bulk load
// (PostgreSQL as the owner: autovacuum may be off or late).
func analyze(ctx context.Context, srv *server) error {
	d := srv.app.DB
	if d.Dialect == db.Postgres {
		owner, err := srv.ownerDB(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = owner.Close() }()
		d = owner
	}
	if _, err := d.Writer.ExecContext(ctx, `ANALYZE intel_indicators`); err != nil {
		return fmt.Errorf("bench: analyze: %w", err)
	}
	return nil
}

// timeMatches times the matcher on generated alerts.
func timeMatches(org uuid.UUID, m *intel.Matcher, seed uint64, o IntelOptions, rep *IntelReport) error {
	alerts, err := sampleAlerts(seed, o.MatchAlerts)
	if err != nil {
		return err
	}
	hits := make([]intel.Hit, 0, 16)
	costs := make([]time.Duration, 0, len(alerts))
	entities, matched := 0, 0
	for i := range alerts {
		a := &alerts[i]
		entities += len(a.Entities)
		if hits = m.Match(org, a, hits[:0]); len(hits) > 0 {
			matched++
		}
		t0 := time.Now()
		for range o.Repeat {
			hits = m.Match(org, a, hits[:0])
		}
		costs = append(costs, time.Since(t0)/time.Duration(o.Repeat))
	}
	rep.Match = percentiles(costs)
	rep.EntitiesPerAlert = float64(entities) / float64(len(alerts))
	rep.MatchedShare = float64(matched) / float64(len(alerts))
	return nil
}

func matchedAlerts(ctx context.Context, srv *server, org uuid.UUID) (int, error) {
	var n int
	err := srv.app.DB.ReadInOrg(ctx, tenant.System(org, "bench intel"), func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(DISTINCT alert_id) FROM intel_matches WHERE org_id = $1`, org.String()).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("bench: count matches: %w", err)
	}
	return n, nil
}
