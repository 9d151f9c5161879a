package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/stream"
)

// StreamOptions configures the live-stream benchmark.
type StreamOptions struct {
	Config config.Config
	// Clients is how many SSE clients follow the org's stream.
	Clients int
	// Events is how many alert updates are made, Rate per second.
	Events int
	Rate   float64
	// Buffer is each client's queue length on the server
	// (SECURENEXUS_STREAM_CLIENT_BUFFER for this run).
	Buffer int
	// Slow adds one client that connects with a tiny receive window and
	// never reads: it must be disconnected without delaying the others.
	Slow bool
	// Incident switches to the war-room shape: the clients follow one
	// incident (subject incident/<id>, its note and update kinds) and the
	// events are notes and status changes on it, alternating.
	Incident bool
	Timeout  time.Duration
	Logger   *slog.Logger
	Out      io.Writer
}

// StreamReport is the outcome.
type StreamReport struct {
	Backend string
	Clients int
	Events  int
	// Latency is commit (the event's occurred_at) to receipt, over every
	// event every normal client received.
	Latency Percentiles
	// Complete is how many normal clients received every event.
	Complete int
	// SlowDropped is when the hub dropped the slow client, since the first
	// event (0: not dropped); SlowClosed whether the server then closed
	// its connection.
	SlowDropped time.Duration
	SlowClosed  bool
	Elapsed     time.Duration
}

// RunStream boots a server, opens Clients SSE streams in one org, makes
// Events alert updates at Rate per second and reports the fan-out latency
// percentiles, whether every client received every event, and when the
// deliberately slow client was disconnected.
func RunStream(ctx context.Context, o StreamOptions) (*StreamReport, error) {
	if o.Clients <= 0 || o.Events <= 0 || o.Rate <= 0 || o.Buffer <= 0 {
		return nil, errors.New("bench: --clients, --events, --rate and --buffer must be positive")
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	cfg := o.Config
	cfg.StreamClientBuffer = o.Buffer
	srv, err := boot(ctx, cfg, o.Logger, o.Out)
	if err != nil {
		return nil, err
	}
	defer func() { _ = srv.stop() }()
	_, key, err := newOrgWithKey(ctx, srv.app, "Bench stream", rbac.AlertsRead, rbac.AlertsWrite, rbac.AlertsIngest,
		rbac.IncidentsRead, rbac.IncidentsManage)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}}
	rep := &StreamReport{Backend: string(srv.app.DB.Dialect), Clients: o.Clients, Events: o.Events}
	var path string
	var makeEvent func(n int) error
	if o.Incident {
		api := &apiClient{http: client, base: srv.url + "/api/v1", key: key}
		incID, err := warRoom(ctx, api)
		if err != nil {
			return nil, err
		}
		path = stream.Path + "?subject=incident/" + incID + "&kind=incident.note_added.v1&kind=incident.updated.v1"
		one := "/incidents/" + incID
		makeEvent = func(n int) error {
			if n%2 == 0 {
				return api.do(ctx, http.MethodPost, one+"/notes", map[string]any{"body": fmt.Sprintf("war room note %d", n)}, nil)
			}
			return api.do(ctx, http.MethodPatch, one, map[string]any{"status": []string{"contained", "investigating"}[n/2%2]}, nil)
		}
		fmt.Fprintf(o.Out, "stream: %d clients following one incident's war room (subject incident/<id>), %d events (notes and status changes, alternating) at %.0f/s, per-client buffer %d, backend %s\n",
			o.Clients, o.Events, o.Rate, o.Buffer, rep.Backend)
	} else {
		alertID, err := ingestOne(ctx, client, srv.url, key)
		if err != nil {
			return nil, err
		}
		path = stream.Path + "?kind=alert.updated.v1"
		statuses := []string{"triaged", "in_progress"}
		makeEvent = func(n int) error { return patchStatus(ctx, client, srv.url, key, alertID, statuses[n%2]) }
		fmt.Fprintf(o.Out, "stream: %d clients in one org, %d events at %.0f/s, per-client buffer %d, backend %s\n",
			o.Clients, o.Events, o.Rate, o.Buffer, rep.Backend)
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type sample struct {
		lat  []time.Duration
		recv int
	}
	samples := make([]sample, o.Clients)
	var wg sync.WaitGroup
	var opened sync.WaitGroup
	var openErr atomic.Value
	for i := range o.Clients {
		opened.Add(1)
		wg.Go(func() {
			first := true
			err := follow(runCtx, client, srv.url+path, key, func() { first = false; opened.Done() }, func(occurred time.Time) {
				samples[i].lat = append(samples[i].lat, time.Since(occurred))
				samples[i].recv++
			}, o.Events)
			if first {
				opened.Done()
			}
			if err != nil && runCtx.Err() == nil {
				openErr.CompareAndSwap(nil, err)
			}
		})
	}
	opened.Wait()
	if v := openErr.Load(); v != nil {
		return nil, fmt.Errorf("bench: open stream: %w", v.(error))
	}
	var slow net.Conn
	var dropped chan time.Time
	if o.Slow {
		if slow, err = slowClient(runCtx, srv.url, path, key); err != nil {
			return nil, err
		}
		defer func() { _ = slow.Close() }()
		dropped = watchDropped(runCtx, srv.app.Metrics)
	}

	start := time.Now()
	tick := time.NewTicker(time.Duration(float64(time.Second) / o.Rate))
	for n := range o.Events {
		if err := makeEvent(n); err != nil {
			tick.Stop()
			return nil, err
		}
		<-tick.C
	}
	tick.Stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cancel()
		<-done
	case <-ctx.Done():
		cancel()
		<-done
	}
	rep.Elapsed = time.Since(start)
	cancel()
	var all []time.Duration
	for _, s := range samples {
		all = append(all, s.lat...)
		if s.recv == o.Events {
			rep.Complete++
		}
	}
	rep.Latency = percentiles(all)
	fmt.Fprintf(o.Out, "fan-out (commit to receipt, %d deliveries): %s\n", len(all), rep.Latency)
	fmt.Fprintf(o.Out, "complete: %d of %d clients received all %d events\n", rep.Complete, o.Clients, o.Events)
	if o.Slow {
		select {
		case at := <-dropped:
			rep.SlowDropped = at.Sub(start)
		default:
		}
		rep.SlowClosed = closedByServer(slow)
		switch {
		case rep.SlowDropped > 0 && rep.SlowClosed:
			fmt.Fprintf(o.Out, "slow client (never reads, tiny receive window): dropped %s after the first event, connection closed by the server\n",
				rep.SlowDropped.Round(time.Millisecond))
		default:
			fmt.Fprintf(o.Out, "slow client: NOT disconnected (dropped %v, closed %v): send more --events\n", rep.SlowDropped > 0, rep.SlowClosed)
		}
	}
	return rep, nil
}

func ingestOne(ctx context.Context, c *http.Client, url, key string) (string, error) {
	body := `[{"title":"bench stream","severity":"high","rule":"bench-stream","host":"h","time":"2026-11-27T09:00:00Z"}]`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/alerts/batch", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: ingest: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	i := strings.Index(string(b), `"id":"`)
	if res.StatusCode/100 != 2 || i < 0 || len(b) < i+6+36 {
		return "", fmt.Errorf("bench: ingest: %d %s", res.StatusCode, b)
	}
	return string(b[i+6 : i+6+36]), nil
}

func patchStatus(ctx context.Context, c *http.Client, url, key, id, status string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, url+"/api/v1/alerts/"+id, strings.NewReader(`{"status":"`+status+`"}`))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("bench: patch: %w", err)
	}
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: patch: %d %s", res.StatusCode, b)
	}
	return nil
}

// warRoom opens the incident the war-room clients follow and moves it to
// investigating (so status changes can alternate with contained).
func warRoom(ctx context.Context, api *apiClient) (string, error) {
	var inc struct {
		ID string `json:"id"`
	}
	if err := api.do(ctx, http.MethodPost, "/incidents", map[string]any{"title": "Bench war room", "severity": "high"}, &inc); err != nil {
		return "", err
	}
	for _, st := range []string{"acknowledged", "investigating"} {
		if err := api.do(ctx, http.MethodPatch, "/incidents/"+inc.ID, map[string]any{"status": st}, nil); err != nil {
			return "", err
		}
	}
	return inc.ID, nil
}

// follow reads one stream until want events arrived or ctx ends; opened
// runs once the server answered (it is subscribed by then).
func follow(ctx context.Context, c *http.Client, url, key string, opened func(), got func(occurred time.Time), want int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	opened()
	r := stream.NewReader(bufio.NewReaderSize(res.Body, 16<<10))
	for n := 0; n < want; n++ {
		m, err := r.Next()
		if err != nil {
			return err
		}
		at, err := occurredAt(m.Data)
		if err != nil {
			return err
		}
		got(at)
	}
	return nil
}

// occurredAt extracts the event's occurred_at without decoding the rest.
func occurredAt(data string) (time.Time, error) {
	const key = `"occurred_at":"`
	i := strings.Index(data, key)
	if i < 0 {
		return time.Time{}, errors.New("bench: event without occurred_at")
	}
	rest := data[i+len(key):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, errors.New("bench: malformed occurred_at")
	}
	t, err := time.Parse(time.RFC3339Nano, rest[:j])
	if err != nil {
		return time.Time{}, fmt.Errorf("bench: occurred_at: %w", err)
	}
	return t, nil
}

// slowClient opens a stream on a raw connection with a tiny receive
// buffer and reads nothing after the status line.
func slowClient(ctx context.Context, url, path, key string) (net.Conn, error) {
	addr := strings.TrimPrefix(url, "http://")
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1024)
		})
		return errors.Join(err, serr)
	}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bench: slow client: %w", err)
	}
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + key + "\r\n\r\n"
	head := make([]byte, 15)
	if _, err = io.WriteString(conn, req); err == nil {
		_, err = io.ReadFull(conn, head)
	}
	if err != nil || string(head) != "HTTP/1.1 200 OK" {
		_ = conn.Close()
		return nil, errors.Join(fmt.Errorf("bench: slow client: answer starts %q", head), err)
	}
	return conn, nil
}

// closedByServer drains conn and reports whether the server had closed
// it (EOF or reset rather than a read timeout).
func closedByServer(conn net.Conn) bool {
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return false
	}
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

// watchDropped polls the hub's dropped-subscriber counter and sends the
// time it first rises.
func watchDropped(ctx context.Context, reg prometheus.Gatherer) chan time.Time {
	at := make(chan time.Time, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
			if counterValue(reg, "securenexus_events_hub_dropped_total") > 0 {
				at <- time.Now()
				return
			}
		}
	}()
	return at
}

func counterValue(reg prometheus.Gatherer, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return 0
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}
