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
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/rbac"
)

// TimelineOptions configures the timeline benchmark.
type TimelineOptions struct {
	Config config.Config
	// Alerts linked alerts are bulk-loaded into one incident (with their
	// entities), Notes notes, Tasks tasks and StatusChanges status changes
	// are made through the API.
	Alerts, Notes, Tasks, StatusChanges int
	// Limit is the page size.
	Limit int
	// Runs of each page shape.
	Runs int
	// Analyze runs ANALYZE after loading (the bench PostgreSQL may run
	// without autovacuum); false times the never-analyzed tables.
	Analyze bool
	Timeout time.Duration
	Logger  *slog.Logger
	Out     io.Writer
}

// TimelineResult is what the timeline benchmark measured: the API latency
// of each page shape.
type TimelineResult struct {
	Backend string
	Pages   map[string]Percentiles
}

// goalTimelineP95 is issue 10's goal for every page shape on PostgreSQL.
const goalTimelineP95 = 100 * time.Millisecond

// Timeline bench data: sources rotate over the alerts; every alert names a
// host of benchHosts, one of 1000 source IPs and a user; one alert in
// rareEvery names the rare user.
var benchSources = []string{"suricata", "crowdstrike", "guardduty", "wazuh", "sentinelone"}

const (
	benchHosts = 50
	rareEvery  = 997
	rareUser   = "svc-backup-rare"
)

// RunTimeline boots a server, builds one incident with o.Alerts linked
// alerts (bulk-loaded: incident_alerts, entities, alert_entities) plus
// notes, tasks and status changes made over HTTP, and times GET
// /incidents/{id}/timeline/items for each page shape: the first page in
// both orders, deep keyset pages forwards and backwards, and filters by
// entity (common and rare), source and category.
func RunTimeline(ctx context.Context, o TimelineOptions) (*TimelineResult, error) {
	if o.Alerts <= 0 || o.Runs <= 0 || o.Limit <= 0 || o.Limit > 500 || o.Notes < 0 || o.Tasks < 0 || o.StatusChanges < 0 {
		return nil, errors.New("bench: --alerts and --runs must be positive, --limit 1-500, the others not negative")
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
	res := &TimelineResult{Backend: string(srv.app.DB.Dialect), Pages: map[string]Percentiles{}}
	org, key, err := newOrgWithKey(ctx, srv.app, "Bench timeline", rbac.IncidentsRead, rbac.IncidentsManage, rbac.AlertsRead)
	if err != nil {
		return nil, err
	}
	c := &apiClient{http: &http.Client{Timeout: time.Minute}, base: srv.url + "/api/v1", key: key}
	var inc struct {
		ID uuid.UUID `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/incidents", map[string]any{"title": "Bench timeline", "severity": "high"}, &inc); err != nil {
		return nil, err
	}
	owner, err := srv.ownerDB(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = owner.Close() }()
	t0 := time.Now()
	if err := loadTimelineAlerts(ctx, owner, org, inc.ID, o.Alerts); err != nil {
		return nil, err
	}
	loaded := time.Since(t0)
	t0 = time.Now()
	if err := timelineWork(ctx, c, inc.ID, o); err != nil {
		return nil, err
	}
	worked := time.Since(t0)
	analyzed := "not analyzed"
	if o.Analyze {
		if err := analyzeTimeline(ctx, owner); err != nil {
			return nil, err
		}
		analyzed = "analyzed"
	}
	fmt.Fprintf(o.Out, "timeline bench on %s: one incident, %d linked alerts bulk-loaded in %s; %d notes, %d tasks, %d status changes over HTTP in %s (%s)\n",
		res.Backend, o.Alerts, loaded.Round(time.Millisecond), o.Notes, o.Tasks, o.StatusChanges, worked.Round(time.Millisecond), analyzed)

	items := "/incidents/" + inc.ID.String() + "/timeline/items?limit=" + fmt.Sprint(o.Limit)
	// Deep cursors: walk to about the middle of the timeline in each order.
	depth := max(1, (o.Alerts+o.Notes+o.Tasks)/o.Limit/2)
	deepAsc, err := c.walk(ctx, items, depth)
	if err != nil {
		return nil, err
	}
	deepDesc, err := c.walk(ctx, items+"&order=desc", depth)
	if err != nil {
		return nil, err
	}
	prevAsc, err := c.cursors(ctx, items+"&cursor="+url.QueryEscape(deepAsc))
	if err != nil {
		return nil, err
	}
	shapes := []struct{ name, query string }{
		{"first page (oldest)", items},
		{"first page (newest)", items + "&order=desc"},
		{fmt.Sprintf("deep page %d (next)", depth+1), items + "&cursor=" + url.QueryEscape(deepAsc)},
		{fmt.Sprintf("deep page %d desc (next)", depth+1), items + "&order=desc&cursor=" + url.QueryEscape(deepDesc)},
		{fmt.Sprintf("deep page %d (prev)", depth), items + "&cursor=" + url.QueryEscape(prevAsc)},
		{"entity host (1 in 50)", items + "&entity=" + url.QueryEscape("hostname:host-7")},
		{"entity rare user", items + "&entity=" + url.QueryEscape("user:"+rareUser)},
		{"entity rare, desc", items + "&order=desc&entity=" + url.QueryEscape("user:"+rareUser)},
		{"source=crowdstrike", items + "&source=crowdstrike"},
		{"source=incident", items + "&source=incident"},
		{"category=note", items + "&category=note"},
		{"category=task", items + "&category=task"},
		{"category=state,sla", items + "&category=state&category=sla"},
	}
	fmt.Fprintf(o.Out, "timeline pages over HTTP (limit %d, %d runs each)  [goal p95 < %s on PostgreSQL]\n", o.Limit, o.Runs, ms(goalTimelineP95))
	for _, s := range shapes {
		n, err := c.count(ctx, s.query)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("bench: %s listed nothing", s.name)
		}
		lat := make([]time.Duration, 0, o.Runs)
		for range o.Runs {
			t := time.Now()
			if _, err := c.count(ctx, s.query); err != nil {
				return nil, err
			}
			lat = append(lat, time.Since(t))
		}
		p := percentiles(lat)
		res.Pages[s.name] = p
		fmt.Fprintf(o.Out, "  %-26s %3d items  %s  [%s]\n", s.name, n, p, verdict(p.P95 < goalTimelineP95))
	}
	return res, nil
}

// analyzeTimeline analyzes the tables the timeline reads.
func analyzeTimeline(ctx context.Context, d *db.DB) error {
	if d.Dialect == db.SQLite {
		_, err := d.Writer.ExecContext(ctx, `ANALYZE`)
		return err
	}
	for _, t := range []string{"incidents", "incident_alerts", "entities", "alert_entities", "incident_log", "incident_notes",
		"incident_tasks", "evidence", "evidence_custody", "timeline_entries", "timeline_annotations"} {
		if _, err := d.Writer.ExecContext(ctx, `ANALYZE `+t); err != nil {
			return fmt.Errorf("bench: analyze %s: %w", t, err)
		}
	}
	return nil
}

// loadTimelineAlerts links n alerts to the incident as the incident module
// stores them (snapshot rows in incident_alerts) with their entities in
// entities and alert_entities as the alert store writes them (without the
// alert rows themselves: the timeline reads neither).
func loadTimelineAlerts(ctx context.Context, d *db.DB, org, inc uuid.UUID, n int) error {
	base := time.Now().UTC().Add(-time.Duration(n) * time.Second)
	ents := map[string]uuid.UUID{}
	var entRows [][]any
	entity := func(typ, value string) uuid.UUID {
		k := typ + ":" + value
		if id, ok := ents[k]; ok {
			return id
		}
		id := uuid.Must(uuid.NewV7())
		ents[k] = id
		entRows = append(entRows, []any{id.String(), org.String(), typ, value, base})
		return id
	}
	linkCols := []string{"org_id", "alert_id", "incident_id", "added_at", "added_by", "provenance", "title", "severity_id", "source_type", "rule",
		"event_time", "tactics", "techniques", "entities"}
	aeCols := []string{"alert_id", "entity_id", "org_id", "role"}
	const chunk = 5000
	for start := 0; start < n; start += chunk {
		var links, aes [][]any
		for i := start; i < min(n, start+chunk); i++ {
			id := uuid.Must(uuid.NewV7())
			user := fmt.Sprintf("user-%d", i%7)
			if i%rareEvery == rareEvery/2 {
				user = rareUser
			}
			es := []struct{ Type, Value, Role string }{
				{"hostname", fmt.Sprintf("host-%d", i%benchHosts), ""},
				{"ip", fmt.Sprintf("10.20.%d.%d", i/250%4, i%250+1), "src"},
				{"user", user, ""},
			}
			snap := make([]map[string]string, len(es))
			for j, e := range es {
				snap[j] = map[string]string{"type": e.Type, "value": e.Value}
				if e.Role != "" {
					snap[j]["role"] = e.Role
				}
				aes = append(aes, []any{id.String(), entity(e.Type, e.Value).String(), org.String(), e.Role})
			}
			sj, _ := json.Marshal(snap)
			at := base.Add(time.Duration(i) * time.Second)
			links = append(links, []any{org.String(), id.String(), inc.String(), at, "bench", `{"via":"escalate"}`,
				fmt.Sprintf("bench alert %d", i), 1 + i%5, benchSources[i%len(benchSources)], fmt.Sprintf("rule-%d", i%40), at,
				`["execution"]`, `["T1059"]`, string(sj)})
		}
		if err := bulkInsert(ctx, d, org, "incident_alerts", linkCols, links); err != nil {
			return err
		}
		if err := bulkInsert(ctx, d, org, "alert_entities", aeCols, aes); err != nil {
			return err
		}
	}
	if err := bulkInsert(ctx, d, org, "entities", []string{"id", "org_id", "type", "value", "first_seen"}, entRows); err != nil {
		return err
	}
	_, err := d.Writer.ExecContext(ctx, `UPDATE incidents SET alert_count = $1 WHERE org_id = $2 AND id = $3`, n, org.String(), inc.String())
	if err != nil {
		return fmt.Errorf("bench: alert count: %w", err)
	}
	return nil
}

// timelineWork makes the notes, tasks and status changes through the API
// (each writes its rows and log entries as a user would).
func timelineWork(ctx context.Context, c *apiClient, inc uuid.UUID, o TimelineOptions) error {
	one := "/incidents/" + inc.String()
	for i := range o.Notes {
		if err := c.do(ctx, http.MethodPost, one+"/notes", map[string]any{"body": fmt.Sprintf("bench note %d: looked at host-%d", i, i%benchHosts)}, nil); err != nil {
			return err
		}
	}
	for i := range o.Tasks {
		if err := c.do(ctx, http.MethodPost, one+"/tasks", map[string]any{"title": fmt.Sprintf("bench task %d", i)}, nil); err != nil {
			return err
		}
	}
	for i, st := range statusWalk(o.StatusChanges) {
		if err := c.do(ctx, http.MethodPatch, one, map[string]any{"status": st}, nil); err != nil {
			return fmt.Errorf("status change %d: %w", i, err)
		}
	}
	return nil
}

// statusWalk is n valid status changes from new: acknowledged,
// investigating, then contained and investigating in turn.
func statusWalk(n int) []string {
	out := make([]string, 0, n)
	for i := range n {
		switch {
		case i == 0:
			out = append(out, "acknowledged")
		case i%2 == 1:
			out = append(out, "investigating")
		default:
			out = append(out, "contained")
		}
	}
	return out
}

// apiClient calls the JSON API with one key.
type apiClient struct {
	http      *http.Client
	base, key string
}

// do sends body as JSON (nil: none) and decodes a 2xx answer into out
// (nil: discarded).
func (c *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("bench: %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("bench: %s %s: decode: %w", method, path, err)
	}
	return nil
}

type timelinePage struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"next_cursor"`
	PrevCursor string            `json:"prev_cursor"`
}

// count reads one page and returns how many items it had.
func (c *apiClient) count(ctx context.Context, path string) (int, error) {
	var p timelinePage
	err := c.do(ctx, http.MethodGet, path, nil, &p)
	return len(p.Items), err
}

// walk follows next_cursor depth times and returns the last cursor.
func (c *apiClient) walk(ctx context.Context, path string, depth int) (string, error) {
	cursor := ""
	for i := range depth {
		q := path
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var p timelinePage
		if err := c.do(ctx, http.MethodGet, q, nil, &p); err != nil {
			return "", err
		}
		if p.NextCursor == "" {
			return "", fmt.Errorf("bench: timeline ended after %d pages", i+1)
		}
		cursor = p.NextCursor
	}
	return cursor, nil
}

// cursors reads one page and returns its prev_cursor.
func (c *apiClient) cursors(ctx context.Context, path string) (string, error) {
	var p timelinePage
	if err := c.do(ctx, http.MethodGet, path, nil, &p); err != nil {
		return "", err
	}
	if p.PrevCursor == "" {
		return "", errors.New("bench: deep page without prev_cursor")
	}
	return p.PrevCursor, nil
}
