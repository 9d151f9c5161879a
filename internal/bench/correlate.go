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
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// CorrelateOptions configures the correlation benchmark.
type CorrelateOptions struct {
	Config config.Config
	// Decisions alerts are correlated one by one through the engine, each
	// timed (the decision latency per alert).
	Decisions int
	// IngestAlerts go through the real HTTP intake in batches of Batch by
	// Concurrency clients with correlation on; the run ends when the
	// correlation consumer has decided every one (0: skip this part).
	IngestAlerts, Batch, Concurrency int
	// Incidents over LinkedAlerts linked alerts are bulk-loaded for the
	// incident list timing (0: skip this part).
	Incidents, LinkedAlerts int
	// Runs of each list query.
	Runs    int
	Timeout time.Duration
	Logger  *slog.Logger
	Out     io.Writer
}

// CorrelateResult is what the correlation benchmark measured.
type CorrelateResult struct {
	Backend string
	// Decision is the latency of one alert's correlation decision.
	Decision Percentiles
	// Ingest is the intake run with correlation on (its AlertsPerSec counts
	// until correlation decided the last alert; PipelineRatio is against
	// COPY on PostgreSQL).
	Ingest *IngestReport
	// CorrelationDrain is how long after the last intake answer the
	// correlation consumer took to finish.
	CorrelationDrain time.Duration
	// List is the incident list latency per query shape.
	List map[string]Percentiles
}

// Goals the report is compared with (issue 9).
const (
	goalDecisionP99 = 10 * time.Millisecond
	goalIngestRatio = 0.6
	goalListP95     = 50 * time.Millisecond
)

// RunCorrelate measures, on the configured database: the correlation
// decision latency per alert (p50/p95/p99) with the shipped rules, intake
// with correlation on as a ratio to COPY (PostgreSQL), and the incident
// list latency over bulk-loaded incidents and linked alerts.
func RunCorrelate(ctx context.Context, o CorrelateOptions) (*CorrelateResult, error) {
	if o.Decisions <= 0 || o.Runs <= 0 || o.IngestAlerts < 0 || o.Incidents < 0 || o.LinkedAlerts < 0 {
		return nil, errors.New("bench: --decisions and --runs must be positive, the others not negative")
	}
	if o.Incidents > 0 && o.LinkedAlerts < o.Incidents {
		return nil, errors.New("bench: --linked-alerts must be at least --incidents")
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
	res := &CorrelateResult{Backend: string(srv.app.DB.Dialect), List: map[string]Percentiles{}}
	fmt.Fprintf(o.Out, "correlate bench on %s\n", res.Backend)
	if res.Decision, err = benchDecisions(ctx, srv, o); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Out, "decision latency per alert (%d alerts, shipped rules): %s  [goal p99 < %s: %s]\n",
		o.Decisions, res.Decision, ms(goalDecisionP99), verdict(res.Decision.P99 < goalDecisionP99))
	if o.IngestAlerts > 0 {
		if err := benchCorrelatedIngest(ctx, srv, o, res); err != nil {
			return nil, err
		}
	}
	if o.Incidents > 0 {
		if err := benchIncidentList(ctx, srv, o, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

// benchDecisions times Engine.Process for one alert at a time, like the
// consumer does per alert.ingested event. The alerts are written through
// the intake store on a second connection pool with no event bus attached,
// so the server's own consumer does not correlate them first.
func benchDecisions(ctx context.Context, srv *server, o CorrelateOptions) (Percentiles, error) {
	d, err := app.OpenDB(ctx, srv.cfg, true)
	if err != nil {
		return Percentiles{}, fmt.Errorf("bench: open second pool: %w", err)
	}
	defer func() { _ = d.Close() }()
	org, _, err := newOrgWithKey(ctx, srv.app, "Bench correlate decisions")
	if err != nil {
		return Percentiles{}, err
	}
	kr, _, err := app.Keyring(srv.cfg)
	if err != nil {
		return Percentiles{}, err
	}
	scope := tenant.System(org, "bench")
	pipe := &ingest.Pipeline{Store: ingest.NewStore(d, kr), Normalize: func(_ string, raw []byte) ([]alert.Alert, error) {
		var a alert.Alert
		return []alert.Alert{a}, json.Unmarshal(raw, &a)
	}}
	reader := &alerts.Store{DB: d}
	eng := &correlate.Engine{DB: d, Alerts: reader, Incidents: &incident.Store{DB: d, Alerts: reader}}
	base := time.Now().UTC().Add(-time.Hour)
	total := 2 * o.Decisions // the first half warms the correlation state up
	ids := make([]uuid.UUID, 0, total)
	for len(ids) < total {
		n := min(500, total-len(ids))
		recs := make([][]byte, n)
		for j := range recs {
			recs[j], _ = json.Marshal(decisionAlert(len(ids)+j, base))
		}
		sum, err := pipe.Ingest(ctx, scope, nil, "", "bench", recs)
		if err != nil {
			return Percentiles{}, fmt.Errorf("bench: load decision alerts: %w", err)
		}
		for _, r := range sum.Results {
			if r.ID != nil {
				ids = append(ids, *r.ID)
			}
		}
		if sum.Accepted == 0 {
			return Percentiles{}, errors.New("bench: no decision alert accepted")
		}
	}
	for _, id := range ids[:o.Decisions] {
		if _, err := eng.Process(ctx, scope, []uuid.UUID{id}); err != nil {
			return Percentiles{}, fmt.Errorf("bench: correlate: %w", err)
		}
	}
	owner, err := srv.ownerDB(ctx) // ANALYZE needs the tables' owner
	if err != nil {
		return Percentiles{}, err
	}
	defer func() { _ = owner.Close() }()
	if err := analyzeTables(ctx, owner); err != nil {
		return Percentiles{}, err
	}
	lat := make([]time.Duration, 0, o.Decisions)
	for _, id := range ids[o.Decisions:] {
		t0 := time.Now()
		if _, err := eng.Process(ctx, scope, []uuid.UUID{id}); err != nil {
			return Percentiles{}, fmt.Errorf("bench: correlate: %w", err)
		}
		lat = append(lat, time.Since(t0))
	}
	return percentiles(lat), nil
}

// analyzedTables are the tables correlation and intake read; the
// benchmark analyzes them before timing (and, during the intake run, every
// few seconds, as autovacuum would: the bench PostgreSQL may run without it).
var analyzedTables = []string{"alerts", "alert_entities", "incidents", "incident_alerts", "incident_groupings", "correlation_groups",
	"correlation_group_keys", "correlation_group_alerts", "correlation_candidates", "correlation_suppressions", "intel_matches"}

func analyzeTables(ctx context.Context, d *db.DB) error {
	if d.Dialect == db.SQLite {
		_, err := d.Writer.ExecContext(ctx, `ANALYZE`)
		return err
	}
	for _, t := range analyzedTables {
		if _, err := d.Writer.ExecContext(ctx, `ANALYZE `+t); err != nil {
			return fmt.Errorf("bench: analyze %s: %w", t, err)
		}
	}
	return nil
}

// decisionAlert is the k-th alert of the decision run (BenchmarkDecision's
// shape): a quarter share a user with an earlier one, so groups open
// incidents and attach.
func decisionAlert(k int, base time.Time) alert.Alert {
	return alert.Alert{Title: fmt.Sprintf("bench %d", k), Severity: alert.SeverityMedium, Source: alert.Source{Type: "wazuh"},
		Rule: alert.Rule{ID: fmt.Sprintf("r%d", k%50)}, SourceRef: fmt.Sprintf("b-%d", k), EventTime: base.Add(time.Duration(k) * time.Millisecond),
		Tactics: []string{"execution"}, Entities: []alert.Entity{{Type: alert.EntityUser, Value: fmt.Sprintf("u%d", k*3/4)},
			{Type: alert.EntityHostname, Value: fmt.Sprintf("h%d", k)}, {Type: alert.EntityIP, Value: fmt.Sprintf("10.1.%d.%d", k/256%256, k%256)}}}
}

// benchCorrelatedIngest runs the ingest benchmark on the booted server and
// counts until the correlation consumer has no delivery left, then
// compares with COPY on PostgreSQL.
func benchCorrelatedIngest(ctx context.Context, srv *server, o CorrelateOptions, res *CorrelateResult) error {
	io := IngestOptions{Config: srv.cfg, Alerts: o.IngestAlerts, Batch: o.Batch, Concurrency: o.Concurrency, DupPercent: 15,
		Logger: o.Logger, Out: o.Out, srv: srv, afterSend: func(ctx context.Context) error {
			t0 := time.Now()
			err := waitConsumer(ctx, srv.app.DB, "correlate")
			res.CorrelationDrain = time.Since(t0)
			return err
		}}
	if srv.app.DB.Dialect == db.Postgres {
		io.Baseline = "copy"
	}
	fmt.Fprintln(o.Out, "ingest with correlation on (the run ends when correlation has decided every alert; tables analyzed every 5 s, as autovacuum would):")
	owner, err := srv.ownerDB(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = owner.Close() }()
	actx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for {
			select {
			case <-actx.Done():
				return
			case <-time.After(5 * time.Second):
				if err := analyzeTables(actx, owner); err != nil && actx.Err() == nil {
					fmt.Fprintf(o.Out, "analyze: %v\n", err)
				}
			}
		}
	}()
	rep, err := RunIngest(ctx, io)
	stop()
	if err != nil {
		return err
	}
	res.Ingest = rep
	fmt.Fprintf(o.Out, "correlation finished %s after the last intake answer\n", res.CorrelationDrain.Round(time.Millisecond))
	if rep.CopyAlertsPerSec > 0 {
		fmt.Fprintf(o.Out, "ingest with correlation / COPY = %.2f  [goal >= %.1f: %s]\n", rep.PipelineRatio, goalIngestRatio, verdict(rep.PipelineRatio >= goalIngestRatio))
	} else {
		fmt.Fprintln(o.Out, "ingest with correlation / COPY: no COPY on SQLite (the ratio is measured on PostgreSQL)")
	}
	return nil
}

// waitConsumer waits until the named events consumer has no delivery job
// left to run.
func waitConsumer(ctx context.Context, d *db.DB, consumer string) error {
	arg := `args->>'consumer'`
	if d.Dialect == db.SQLite {
		arg = `json_extract(args, '$.consumer')`
	}
	q := `SELECT count(*) FROM river_job WHERE kind = 'event_delivery' AND state NOT IN ('completed', 'discarded', 'cancelled') AND ` + arg + ` = $1`
	for {
		var n int
		if err := d.Reader.QueryRowContext(ctx, q, consumer).Scan(&n); err != nil {
			return fmt.Errorf("bench: pending deliveries: %w", err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// benchIncidentList bulk-loads Incidents incidents holding LinkedAlerts
// linked alerts in a fresh org (COPY on PostgreSQL, multi-row inserts on
// SQLite), analyzes, and times GET /incidents for common shapes.
func benchIncidentList(ctx context.Context, srv *server, o CorrelateOptions, res *CorrelateResult) error {
	org, key, err := newOrgWithKey(ctx, srv.app, "Bench incident list", rbac.IncidentsRead)
	if err != nil {
		return err
	}
	owner, err := srv.ownerDB(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = owner.Close() }()
	t0 := time.Now()
	if err := loadIncidents(ctx, owner, org, o.Incidents, o.LinkedAlerts); err != nil {
		return err
	}
	analyze := `ANALYZE incidents; ANALYZE incident_alerts`
	if owner.Dialect == db.SQLite {
		analyze = `ANALYZE`
	}
	for _, q := range strings.Split(analyze, "; ") {
		if _, err := owner.Writer.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bench: analyze: %w", err)
		}
	}
	fmt.Fprintf(o.Out, "loaded %d incidents over %d linked alerts in %s (analyzed)\n", o.Incidents, o.LinkedAlerts, time.Since(t0).Round(time.Millisecond))
	client := &http.Client{Timeout: time.Minute}
	get := func(query string) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.url+"/api/v1/incidents?"+query, nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }()
		var body struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			return "", fmt.Errorf("bench: GET incidents?%s: %s: %s", query, resp.Status, b)
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return "", err
		}
		if len(body.Items) == 0 {
			return "", fmt.Errorf("bench: GET incidents?%s listed nothing", query)
		}
		return body.NextCursor, nil
	}
	page2, err := get("limit=50")
	if err != nil {
		return err
	}
	shapes := []struct{ name, query string }{
		{"newest 50", "limit=50"},
		{"page 2 (cursor)", "limit=50&cursor=" + url.QueryEscape(page2)},
		{"status=new", "limit=50&status=new"},
		{"severity=high,critical", "limit=50&severity=high&severity=critical"},
		{"sort=severity", "limit=50&sort=severity"},
		{"tag=phishing", "limit=50&tag=phishing"},
	}
	fmt.Fprintf(o.Out, "incident list over HTTP (%d runs each)  [goal p95 < %s]\n", o.Runs, ms(goalListP95))
	for _, s := range shapes {
		lat := make([]time.Duration, 0, o.Runs)
		for range o.Runs {
			t := time.Now()
			if _, err := get(s.query); err != nil {
				return err
			}
			lat = append(lat, time.Since(t))
		}
		p := percentiles(lat)
		res.List[s.name] = p
		fmt.Fprintf(o.Out, "  %-24s %s  [%s]\n", s.name, p, verdict(p.P95 < goalListP95))
	}
	return nil
}

var (
	benchStatuses = []string{"new", "new", "acknowledged", "investigating", "contained", "resolved", "closed"}
	benchTags     = []string{"phishing", "malware", "cloud", "identity", "ransomware"}
)

// loadIncidents writes n incidents and links linked alerts among them
// (as the incident module stores them, without the alert rows themselves:
// the list reads neither).
func loadIncidents(ctx context.Context, d *db.DB, org uuid.UUID, n, linked int) error {
	now := time.Now().UTC()
	per := linked / n
	incRow := func(i int, id uuid.UUID) []any {
		created := now.Add(-time.Duration(n-i) * time.Minute)
		sev := 1 + i%5
		tags := fmt.Sprintf(`["%s"]`, benchTags[i%len(benchTags)])
		return []any{id.String(), org.String(), fmt.Sprintf("bench incident %d", i), sev, fmt.Sprintf("p%d", 1+(5-sev)%4),
			benchStatuses[i%len(benchStatuses)], tags, min(per+boolInt(i < linked%n), linked), "bench", created, created}
	}
	incCols := []string{"id", "org_id", "title", "severity_id", "priority", "status", "tags", "alert_count", "created_by", "created_at", "updated_at"}
	linkCols := []string{"org_id", "alert_id", "incident_id", "added_at", "added_by", "provenance", "title", "severity_id", "source_type", "rule", "event_time"}
	linkRow := func(inc uuid.UUID, i, j int) []any {
		at := now.Add(-time.Duration(n-i)*time.Minute + time.Duration(j)*time.Second)
		return []any{org.String(), uuid.Must(uuid.NewV7()).String(), inc.String(), at, "bench", `{"via":"escalate"}`,
			fmt.Sprintf("alert %d.%d", i, j), 3, "suricata", "ET SCAN", at}
	}
	const chunk = 5000
	for start := 0; start < n; start += chunk {
		end := min(n, start+chunk)
		var incs, links [][]any
		for i := start; i < end; i++ {
			id := uuid.Must(uuid.NewV7())
			incs = append(incs, incRow(i, id))
			k := per + boolInt(i < linked%n)
			for j := range k {
				links = append(links, linkRow(id, i, j))
			}
		}
		if err := bulkInsert(ctx, d, org, "incidents", incCols, incs); err != nil {
			return err
		}
		if err := bulkInsert(ctx, d, org, "incident_alerts", linkCols, links); err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bulkInsert writes rows with COPY on PostgreSQL and multi-row INSERTs in
// one transaction on SQLite.
func bulkInsert(ctx context.Context, d *db.DB, org uuid.UUID, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if d.Dialect == db.Postgres {
		if _, err := d.Pool.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("bench: copy %s: %w", table, err)
		}
		return nil
	}
	per := max(1, 900/len(cols)) // SQLite's bound-variable limit
	return d.InOrg(ctx, tenant.System(org, "bench"), func(ctx context.Context, tx *db.Tx) error {
		for i := 0; i < len(rows); i += per {
			batch := rows[i:min(len(rows), i+per)]
			var b strings.Builder
			args := make([]any, 0, len(batch)*len(cols))
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
			for r, row := range batch {
				if r > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('(')
				for c := range row {
					if c > 0 {
						b.WriteString(", ")
					}
					args = append(args, row[c])
					fmt.Fprintf(&b, "$%d", len(args))
				}
				b.WriteByte(')')
			}
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("bench: insert %s: %w", table, err)
			}
		}
		return nil
	})
}
