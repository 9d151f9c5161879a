package stream_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/stream"
	"github.com/securenexus/securenexus/internal/testdb"
)

// env is a served application (a real http.Server with the configured
// write timeout, so the stream's deadline extension is exercised).
type env struct {
	app *app.App
	url string
}

func boot(t *testing.T, dialect db.Dialect, extra map[string]string) *env {
	t.Helper()
	settings := map[string]string{
		"SECURENEXUS_HTTP_ADDR":          "127.0.0.1:0",
		"SECURENEXUS_HTTP_WRITE_TIMEOUT": "1s",
		"SECURENEXUS_STREAM_HEARTBEAT":   "200ms",
	}
	for k, v := range extra {
		settings[k] = v
	}
	c := identitytest.ConfigWith(t, "", settings)
	if dialect == db.Postgres {
		c.DatabaseURL = testdb.NewPostgresURL(t)
		c.MigrateOnStart = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := app.Build(ctx, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return &env{app: a, url: "http://" + addr}
}

type authn interface{ Apply(*http.Request) }

func (e *env) do(t *testing.T, who authn, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	who.Apply(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (e *env) ingest(t *testing.T, who authn) string {
	t.Helper()
	u := uuid.Must(uuid.NewV7()).String()
	st, b := e.do(t, who, http.MethodPost, "/api/v1/alerts/batch",
		`[{"title":"stream `+u+`","severity":"high","rule":"r-`+u+`","host":"h","time":"2026-11-27T09:00:00Z"}]`)
	var out struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &out); err != nil || st/100 != 2 || len(out.Results) != 1 {
		t.Fatalf("ingest: %d %s", st, b)
	}
	return out.Results[0].ID
}

func (e *env) patch(t *testing.T, who authn, id, status string) {
	t.Helper()
	if st, b := e.do(t, who, http.MethodPatch, "/api/v1/alerts/"+id, `{"status":"`+status+`","reason":"stream test"}`); st != http.StatusOK {
		t.Fatalf("patch: %d %s", st, b)
	}
}

// conn is an open stream.
type conn struct {
	res *http.Response
	r   *stream.Reader
	msg chan msgOrErr
}

type msgOrErr struct {
	m   stream.Message
	err error
}

func open(t *testing.T, e *env, who authn, query, lastID string, hdr map[string]string) *conn {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+stream.Path+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	who.Apply(req)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("open stream: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		t.Fatalf("open stream: %d %s", res.StatusCode, b)
	}
	c := &conn{res: res, r: stream.NewReader(bufio.NewReader(res.Body)), msg: make(chan msgOrErr, 1000)}
	go func() {
		for {
			m, err := c.r.Next()
			c.msg <- msgOrErr{m, err}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *conn) close() { _ = c.res.Body.Close() }

// next returns the next message within d.
func (c *conn) next(t *testing.T, d time.Duration) (stream.Message, error) {
	t.Helper()
	select {
	case x := <-c.msg:
		return x.m, x.err
	case <-time.After(d):
		return stream.Message{}, errors.New("timeout")
	}
}

func (c *conn) expect(t *testing.T, kind string) (stream.Message, events.Event) {
	t.Helper()
	m, err := c.next(t, 5*time.Second)
	if err != nil {
		t.Fatalf("waiting for %s: %v", kind, err)
	}
	if m.Event != kind {
		t.Fatalf("got %s (%s), want %s", m.Event, m.Data, kind)
	}
	var ev events.Event
	if err := json.Unmarshal([]byte(m.Data), &ev); err != nil {
		t.Fatalf("data: %v", err)
	}
	if m.ID != strconv.FormatInt(ev.Seq, 10) {
		t.Fatalf("id %s for seq %d", m.ID, ev.Seq)
	}
	return m, ev
}

// quiet asserts nothing but heartbeats arrives within d.
func (c *conn) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	if m, err := c.next(t, d); err == nil {
		t.Fatalf("unexpected %s: %s", m.Event, m.Data)
	}
}

func TestStreamLiveResumeAndDeadline(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := boot(t, d.Dialect, nil)
		org := identitytest.NewOrg(t, e.app.DB, "stream")
		key := identitytest.NewAPIKey(t, e.app.DB, org, rbac.All...)
		id := e.ingest(t, key)

		// gzip never wraps the stream.
		c := open(t, e, key, "", "", map[string]string{"Accept-Encoding": "gzip"})
		if ce := c.res.Header.Get("Content-Encoding"); ce != "" || !strings.HasPrefix(c.res.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream headers: encoding %q, type %q", ce, c.res.Header.Get("Content-Type"))
		}
		// Outlive the 1s server write timeout before the first event.
		time.Sleep(1500 * time.Millisecond)
		e.patch(t, key, id, "triaged")
		m, ev := c.expect(t, "alert.updated.v1")
		p, err := events.AlertUpdated.Decode(ev)
		if err != nil || p.AlertID.String() != id || p.Status != "triaged" || ev.Subject != "alert/"+id || ev.Org != org {
			t.Fatalf("event: %+v %+v %v", ev, p, err)
		}
		time.Sleep(1200 * time.Millisecond)
		e.patch(t, key, id, "in_progress")
		c.expect(t, "alert.updated.v1")
		if c.r.Comments < 3 {
			t.Fatalf("%d comments (heartbeats) in 2.7s at 200ms", c.r.Comments)
		}
		c.close()

		// Missed while disconnected: two updates and a new filter.
		e.patch(t, key, id, "resolved")
		e.patch(t, key, id, "new")
		if st, b := e.do(t, key, http.MethodPost, "/api/v1/alert-filters", `{"name":"f","query":{}}`); st/100 != 2 {
			t.Fatalf("filter: %d %s", st, b)
		}
		last, _ := strconv.ParseInt(m.ID, 10, 64)
		r := open(t, e, key, "?follow=false", m.ID, nil)
		var got []int64
		var kinds []string
		for {
			m, err := r.next(t, 5*time.Second)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.ParseInt(m.ID, 10, 64)
			got = append(got, n)
			kinds = append(kinds, m.Event)
		}
		want := []int64{last + 1, last + 2, last + 3, last + 4}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("resumed ids %v, want %v (%v)", got, want, kinds)
		}
		if kinds[3] != "saved_filter.created.v1" {
			t.Fatalf("kinds %v", kinds)
		}

		// The query form, following live after the backlog.
		q := open(t, e, key, "?last_event_id="+strconv.FormatInt(last+3, 10), "", nil)
		q.expect(t, "saved_filter.created.v1")
		e.patch(t, key, id, "triaged")
		if _, ev := q.expect(t, "alert.updated.v1"); ev.Seq != last+5 {
			t.Fatalf("live after backlog: seq %d, want %d", ev.Seq, last+5)
		}

		// Pruned away: a resync event naming where to continue.
		if _, err := events.Pruner(time.Hour).Prune(context.Background(), e.app.DB, time.Now().Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		s := open(t, e, key, "?follow=false", "1", nil)
		rm, err := s.next(t, 5*time.Second)
		if err != nil || rm.Event != "resync" || rm.ID != strconv.FormatInt(last+5, 10) || !strings.Contains(rm.Data, "last_event_id_unavailable") {
			t.Fatalf("resync: %+v %v", rm, err)
		}
		// An id from the future (another database, a typo) resyncs too.
		f := open(t, e, key, "?follow=false", "999999", nil)
		if fm, err := f.next(t, 5*time.Second); err != nil || fm.Event != "resync" {
			t.Fatalf("future id: %+v %v", fm, err)
		}
	})
}

func TestStreamFiltersAndPermissions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := boot(t, d.Dialect, nil)
		org := identitytest.NewOrg(t, e.app.DB, "stream")
		admin := identitytest.NewAPIKey(t, e.app.DB, org, rbac.All...)
		viewer := identitytest.NewMember(t, e.app.DB, org, rbac.RoleViewer)
		a1, a2 := e.ingest(t, admin), e.ingest(t, admin)

		for query, want := range map[string]int{
			"?kind=alert.nope.v1":      http.StatusUnprocessableEntity,
			"?kind=member.added.v1":    http.StatusForbidden,
			"?last_event_id=abc":       http.StatusUnprocessableEntity,
			"?subject=" + "%0Aid:%201": http.StatusUnprocessableEntity,
		} {
			if st, b := e.do(t, viewer, http.MethodGet, stream.Path+query, ""); st != want {
				t.Errorf("viewer %s: %d, want %d: %s", query, st, want, b)
			}
		}

		all := open(t, e, viewer, "", "", nil)
		one := open(t, e, viewer, "?subject=alert/"+a2, "", nil)
		prefix := open(t, e, admin, "?subject=member/*&kind=member.added.v1&kind=member.role_changed.v1", "", nil)
		// Repeated kinds are each kept (not only the first): the alert
		// queue asks for alert.ingested.v1 and alert.updated.v1.
		kinds := open(t, e, viewer, "?kind=alert.ingested.v1&kind=alert.updated.v1", "", nil)
		// A viewer may not read member or API key events.
		other := identitytest.NewMember(t, e.app.DB, org, rbac.RoleAnalyst)
		identitytest.NewAPIKey(t, e.app.DB, org, rbac.AlertsRead)
		e.patch(t, admin, a1, "triaged")
		e.patch(t, admin, a2, "triaged")

		_, ev := all.expect(t, "alert.updated.v1")
		if p, _ := events.AlertUpdated.Decode(ev); p.AlertID.String() != a1 {
			t.Fatalf("viewer's first event is about %s, want %s", p.AlertID, a1)
		}
		all.expect(t, "alert.updated.v1")
		all.quiet(t, 300*time.Millisecond)
		_, ev = one.expect(t, "alert.updated.v1")
		if ev.Subject != "alert/"+a2 {
			t.Fatalf("subject filter passed %s", ev.Subject)
		}
		one.quiet(t, 300*time.Millisecond)
		kinds.expect(t, "alert.updated.v1")
		kinds.expect(t, "alert.updated.v1")
		_, ev = prefix.expect(t, "member.added.v1")
		if p, _ := events.MemberAdded.Decode(ev); p.UserID != other.UserID {
			t.Fatalf("member.added for %s, want %s", p.UserID, other.UserID)
		}
		// NewAPIKey adds its creating owner: a second member.added.
		prefix.expect(t, "member.added.v1")
		prefix.quiet(t, 300*time.Millisecond)
	})
}

// A stream ends when its caller's own access changes, so the reconnect is
// authorised afresh.
func TestStreamEndsWhenAccessChanges(t *testing.T) {
	e := boot(t, db.SQLite, nil)
	org := identitytest.NewOrg(t, e.app.DB, "stream")
	owner := identitytest.NewMember(t, e.app.DB, org, rbac.RoleOwner)
	analyst := identitytest.NewMember(t, e.app.DB, org, rbac.RoleAnalyst)
	c := open(t, e, analyst, "", "", nil)
	if st, b := e.do(t, owner, http.MethodPatch, "/api/v1/org/members/"+analyst.UserID.String(), `{"role":"viewer"}`); st != http.StatusOK {
		t.Fatalf("change role: %d %s", st, b)
	}
	if _, err := c.next(t, 5*time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("stream after role change: %v", err)
	}
}

// An incident reader without alerts:read (a custom role) opens the stream
// and receives the incident, evidence, timeline and presence kinds, never
// alert ones; a role with neither permission is refused.
func TestStreamForIncidentReaders(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := boot(t, d.Dialect, nil)
		org := identitytest.NewOrg(t, e.app.DB, "stream incidents")
		admin := identitytest.NewAPIKey(t, e.app.DB, org, rbac.All...)
		reader := identitytest.NewMember(t, e.app.DB, org, identitytest.NewRole(t, e.app.DB, org, "incident-reader", rbac.IncidentsRead))
		nobody := identitytest.NewMember(t, e.app.DB, org, identitytest.NewRole(t, e.app.DB, org, "intel-only", rbac.IntelRead))
		if st, b := e.do(t, nobody, http.MethodGet, stream.Path, ""); st != http.StatusForbidden {
			t.Fatalf("a role without alerts:read or incidents:read: %d %s", st, b)
		}
		if st, b := e.do(t, reader, http.MethodGet, stream.Path+"?kind=alert.updated.v1", ""); st != http.StatusForbidden {
			t.Fatalf("incident reader asking for alert kinds: %d %s", st, b)
		}
		c := open(t, e, reader, "", "", nil)
		a := e.ingest(t, admin)
		e.patch(t, admin, a, "triaged")
		st, b := e.do(t, admin, http.MethodPost, "/api/v1/incidents", `{"title":"stream reader","severity":"high"}`)
		var inc struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &inc); err != nil || st != http.StatusCreated {
			t.Fatalf("create incident: %d %s", st, b)
		}
		c.expect(t, "incident.created.v1")
		if st, b := e.do(t, reader, http.MethodPut, "/api/v1/incidents/"+inc.ID+"/presence", ""); st != http.StatusOK {
			t.Fatalf("heartbeat: %d %s", st, b)
		}
		c.expect(t, "presence.joined.v1")
		if st, b := e.do(t, admin, http.MethodPost, "/api/v1/incidents/"+inc.ID+"/timeline/entries",
			`{"at":"2026-12-01T10:00:00Z","category":"observation","title":"seen"}`); st != http.StatusCreated {
			t.Fatalf("entry: %d %s", st, b)
		}
		c.expect(t, "timeline.entry_added.v1")
		c.quiet(t, 300*time.Millisecond)
	})
}

// Repeated kind parameters all count (the query parameter is exploded:
// before, only the first of kind=a&kind=b was read).
func TestStreamRepeatedKinds(t *testing.T) {
	e := boot(t, db.SQLite, nil)
	org := identitytest.NewOrg(t, e.app.DB, "stream kinds")
	admin := identitytest.NewAPIKey(t, e.app.DB, org, rbac.All...)
	reader := identitytest.NewMember(t, e.app.DB, org, rbac.RoleAnalyst)
	c := open(t, e, reader, "?kind=incident.created.v1&kind=timeline.entry_added.v1", "", nil)
	st, b := e.do(t, admin, http.MethodPost, "/api/v1/incidents", `{"title":"kinds","severity":"high"}`)
	var inc struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &inc); err != nil || st != http.StatusCreated {
		t.Fatalf("create incident: %d %s", st, b)
	}
	c.expect(t, "incident.created.v1")
	if st, b := e.do(t, admin, http.MethodPost, "/api/v1/incidents/"+inc.ID+"/timeline/entries",
		`{"at":"2026-12-01T10:00:00Z","category":"observation","title":"seen"}`); st != http.StatusCreated {
		t.Fatalf("entry: %d %s", st, b)
	}
	c.expect(t, "timeline.entry_added.v1")
}
