package timeline_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
	"github.com/securenexus/securenexus/internal/timeline"
)

type incidents struct{ s *incident.Store }

func (i incidents) Exists(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	_, err := i.s.Get(ctx, scope, id)
	return err
}

type env struct {
	t        *testing.T
	d        *db.DB
	dir      string
	inc      *incident.Store
	ev       *evidence.Store
	tl       *timeline.Store
	scope    tenant.Scope
	other    tenant.Scope
	pipeline *ingest.Pipeline
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	dir := t.TempDir()
	bs, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	inc := &incident.Store{DB: d, Alerts: &alerts.Store{DB: d}}
	org := identitytest.NewOrg(t, d, "Acme")
	norm := func(_ string, raw []byte) ([]alert.Alert, error) {
		var a alert.Alert
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		return []alert.Alert{a}, nil
	}
	return &env{t: t, d: d, dir: dir, inc: inc,
		ev: &evidence.Store{DB: d, Blob: bs, Keys: secrets.MustKeyring([]byte("timeline-test-key-0123456789abcdef")), Incidents: incidents{inc}, MaxSize: 1 << 20},
		tl: &timeline.Store{DB: d}, scope: identitytest.NewMember(t, d, org, rbac.RoleAnalyst).Scope(),
		other:    identitytest.NewMember(t, d, org, rbac.RoleAnalyst).Scope(),
		pipeline: &ingest.Pipeline{Store: ingest.NewStore(d, secrets.MustKeyring([]byte("k"))), Normalize: norm}}
}

func (e *env) alert(title, source string, at time.Time, ents ...alert.Entity) uuid.UUID {
	e.t.Helper()
	a := alert.Alert{Title: title, Severity: alert.SeverityHigh, Source: alert.Source{Type: source},
		Rule: alert.Rule{ID: "r-" + uuid.NewString()}, EventTime: at, Tactics: []string{"execution"}, Entities: ents}
	raw, _ := json.Marshal(a)
	sum, err := e.pipeline.Ingest(context.Background(), e.scope, nil, "", "test", [][]byte{raw})
	if err != nil || sum.Accepted != 1 {
		e.t.Fatalf("ingest: %v %+v", err, sum)
	}
	return *sum.Results[0].ID
}

func ids(items []timeline.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func kindOf(err error) apperr.Kind {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return -1
}

// all pages through the timeline with limit n, following next_cursor.
func (e *env) all(id uuid.UUID, q timeline.Query, n int) []timeline.Item {
	e.t.Helper()
	var out []timeline.Item
	cursor := ""
	for range 1000 {
		p, err := e.tl.Read(context.Background(), e.scope, id, q, cursor, n)
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		cursor = p.NextCursor
	}
	e.t.Fatal("timeline does not end")
	return nil
}

func eventKinds(t *testing.T, d *db.DB, scope tenant.Scope) []string {
	t.Helper()
	var out []string
	err := d.ReadInOrg(context.Background(), scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT kind FROM events WHERE org_id = $1 ORDER BY seq`, scope.Org().String())
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var k string
			if err := rs.Scan(&k); err != nil {
				return err
			}
			out = append(out, k)
		}
		return rs.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTimeline builds an incident with alerts, changes, a decision, a task,
// evidence whose integrity fails, an analyst entry and an annotation, and
// reads it in both orders, paged both ways, filtered and exported.
func TestTimeline(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
		ip := alert.Entity{Type: alert.EntityIP, Value: "10.9.8.7", Role: "src"}
		a1 := e.alert("Beacon", "crowdstrike", base, ip)
		a2 := e.alert("Mimikatz", "sentinelone", base.Add(time.Minute), alert.Entity{Type: alert.EntityHostname, Value: "ws-1"})
		a3 := e.alert("Exfil", "crowdstrike", base.Add(2*time.Minute), ip)
		inc, err := e.inc.Create(ctx, e.scope, incident.NewIncident{Title: "Intrusion", Severity: "high"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.inc.LinkAlerts(ctx, e.scope, inc.ID, []uuid.UUID{a1, a2, a3}); err != nil {
			t.Fatal(err)
		}
		note, err := e.inc.AddNote(ctx, e.scope, inc.ID, incident.NoteInput{Body: "Isolate ws-1 now"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.inc.MarkDecision(ctx, e.scope, inc.ID, note.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.inc.AddTask(ctx, e.scope, inc.ID, incident.TaskInput{Title: "Reimage ws-1"}); err != nil {
			t.Fatal(err)
		}
		art, err := e.ev.Add(ctx, e.scope, inc.ID, evidence.Upload{Name: "mem.raw"}, strings.NewReader("memory image"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.dir, "org", e.scope.Org().String(), "evidence", art.ID.String()), []byte("tampered"), 0o600); err != nil {
			t.Fatal(err)
		}
		if res, err := e.ev.Verify(ctx, e.scope, art.ID); err != nil || res.OK {
			t.Fatalf("verify of tampered evidence: %+v %v", res, err)
		}
		entry, err := e.tl.AddEntry(ctx, e.scope, inc.ID, timeline.EntryInput{At: base.Add(-time.Hour), Category: "initial-access",
			Source: "proxy logs", Title: "Phishing click", Entities: []timeline.LinkedEntity{{Type: "ip", Value: "10.9.8.7"}}})
		if err != nil {
			t.Fatal(err)
		}

		full := e.all(inc.ID, timeline.Query{}, 100)
		if !slices.IsSortedFunc(full, func(x, y timeline.Item) int {
			if c := x.At.Compare(y.At); c != 0 {
				return c
			}
			return strings.Compare(x.RefIDKey().String(), y.RefIDKey().String())
		}) {
			t.Fatalf("timeline not in time order: %v", ids(full))
		}
		if full[0].ID != "entry:"+entry.ID.String() || full[1].ID != "alert:"+a1.String() || full[3].ID != "alert:"+a3.String() {
			t.Fatalf("order: %v", ids(full))
		}
		byKind := map[string]timeline.Item{}
		for _, it := range full {
			k := it.Type + "/" + it.Kind
			if it.Type == timeline.TypeNote {
				k = "note"
			}
			byKind[k] = it
		}
		for _, k := range []string{"log/created", "log/alerts_linked", "log/decision_marked", "log/task_added", "note", "custody/collected", "custody/integrity_failed"} {
			if _, ok := byKind[k]; !ok {
				t.Fatalf("timeline lacks %s: %v", k, ids(full))
			}
		}
		if n := byKind["note"]; !n.Decision || n.Description != "Isolate ws-1 now" || n.Category != "note" {
			t.Fatalf("note item: %+v", n)
		}
		if f := byKind["custody/integrity_failed"]; f.Category != "evidence" || f.Integrity != "failed" || f.RefID != art.ID || !strings.Contains(f.Title, "FAILED") {
			t.Fatalf("integrity failure item: %+v", f)
		}
		if tk := byKind["log/task_added"]; tk.Category != "task" || tk.Title != "Task added: Reimage ws-1" {
			t.Fatalf("task item: %+v", tk)
		}
		if al := full[1]; al.Severity != "high" || al.Source != "crowdstrike" || len(al.Entities) != 1 || al.Tactics[0] != "execution" {
			t.Fatalf("alert item: %+v", al)
		}

		// Paged by 2 forward equals the whole; backwards from the end with
		// prev_cursor gives it again; desc is the reverse.
		if got := e.all(inc.ID, timeline.Query{}, 2); !slices.Equal(ids(got), ids(full)) {
			t.Fatalf("paged by 2: %v\nwant %v", ids(got), ids(full))
		}
		desc := e.all(inc.ID, timeline.Query{Descending: true}, 3)
		rev := slices.Clone(ids(full))
		slices.Reverse(rev)
		if !slices.Equal(ids(desc), rev) {
			t.Fatalf("desc: %v\nwant %v", ids(desc), rev)
		}
		var last *timeline.Page
		cursor := ""
		for {
			p, err := e.tl.Read(ctx, e.scope, inc.ID, timeline.Query{}, cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			last = p
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		back := slices.Clone(last.Items)
		for p := last; p.PrevCursor != ""; {
			if p, err = e.tl.Read(ctx, e.scope, inc.ID, timeline.Query{}, p.PrevCursor, 3); err != nil {
				t.Fatal(err)
			}
			back = append(slices.Clone(p.Items), back...)
		}
		if !slices.Equal(ids(back), ids(full)) {
			t.Fatalf("backwards: %v\nwant %v", ids(back), ids(full))
		}
		if _, err := e.tl.Read(ctx, e.scope, inc.ID, timeline.Query{Descending: true}, last.PrevCursor, 3); kindOf(err) != apperr.KindValidation {
			t.Fatalf("cursor of the other order: %v", err)
		}

		// Filters.
		got := e.all(inc.ID, timeline.Query{Entities: []timeline.LinkedEntity{{Type: "ip", Value: "10.9.8.7"}}}, 100)
		if want := []string{"entry:" + entry.ID.String(), "alert:" + a1.String(), "alert:" + a3.String()}; !slices.Equal(ids(got), want) {
			t.Fatalf("entity filter: %v, want %v", ids(got), want)
		}
		got = e.all(inc.ID, timeline.Query{Categories: []string{"evidence"}}, 100)
		if len(got) != 2 || got[1].Kind != "integrity_failed" {
			t.Fatalf("category evidence: %+v", got)
		}
		got = e.all(inc.ID, timeline.Query{Sources: []string{"sentinelone"}}, 100)
		if !slices.Equal(ids(got), []string{"alert:" + a2.String()}) {
			t.Fatalf("source filter: %v", ids(got))
		}
		got = e.all(inc.ID, timeline.Query{Categories: []string{"note", "task"}}, 100)
		for _, it := range got {
			if it.Category != "note" && it.Category != "task" {
				t.Fatalf("category note,task: %+v", it)
			}
		}
		if len(got) < 3 {
			t.Fatalf("category note,task: %v", ids(got))
		}
		from, to := base.Add(30*time.Second), base.Add(90*time.Second)
		if got = e.all(inc.ID, timeline.Query{From: &from, To: &to}, 100); !slices.Equal(ids(got), []string{"alert:" + a2.String()}) {
			t.Fatalf("time window: %v", ids(got))
		}

		// Annotations.
		an, err := e.tl.Annotate(ctx, e.scope, inc.ID, timeline.AnnotationInput{ItemID: "alert:" + a2.String(), Body: "lateral movement starts here"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.tl.Annotate(ctx, e.scope, inc.ID, timeline.AnnotationInput{ItemID: "alert:" + uuid.NewString(), Body: "x"}); kindOf(err) != apperr.KindValidation {
			t.Fatalf("annotation of an unknown item: %v", err)
		}
		if _, err := e.tl.EditAnnotation(ctx, e.other, inc.ID, an.ID, timeline.AnnotationChange{Body: "mine now"}); kindOf(err) != apperr.KindForbidden {
			t.Fatalf("edit of another's annotation: %v", err)
		}
		p, err := e.tl.Read(ctx, e.scope, inc.ID, timeline.Query{Sources: []string{"sentinelone"}}, "", 10)
		if err != nil || len(p.Items) != 1 || len(p.Items[0].Annotations) != 1 || p.Items[0].Annotations[0].Body != "lateral movement starts here" {
			t.Fatalf("annotated item: %+v %v", p, err)
		}
		if err := e.tl.DeleteAnnotation(ctx, e.scope, inc.ID, an.ID); err != nil {
			t.Fatal(err)
		}

		// Entries: edit, delete, audited.
		title := "Phishing link clicked"
		if _, err := e.tl.UpdateEntry(ctx, e.other, inc.ID, entry.ID, timeline.EntryChange{Title: &title}); err != nil {
			t.Fatal(err)
		}
		bad := "nope"
		if _, err := e.tl.UpdateEntry(ctx, e.scope, inc.ID, entry.ID, timeline.EntryChange{Category: &bad}); kindOf(err) != apperr.KindValidation {
			t.Fatalf("bad category: %v", err)
		}
		if err := e.tl.DeleteEntry(ctx, e.scope, inc.ID, entry.ID); err != nil {
			t.Fatal(err)
		}
		var actions []string
		if err := audit.EachInOrg(ctx, d, e.scope, func(s audit.Stored) error {
			actions = append(actions, s.Action)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"timeline.entry.create", "timeline.entry.update", "timeline.entry.delete", "timeline.annotation.create",
			"timeline.annotation.delete", "incident.note.decision_mark"} {
			if !slices.Contains(actions, a) {
				t.Fatalf("audit lacks %s: %v", a, actions)
			}
		}
		kinds := eventKinds(t, d, e.scope)
		for _, k := range []string{"timeline.entry_added.v1", "timeline.entry_updated.v1", "timeline.entry_deleted.v1", "timeline.annotation_added.v1",
			"timeline.annotation_deleted.v1", "incident.decision_marked.v1", "evidence.integrity_failed.v1"} {
			if !slices.Contains(kinds, k) {
				t.Fatalf("events lack %s: %v", k, kinds)
			}
		}

		// Decision log.
		dl, err := e.inc.Decisions(ctx, e.scope, inc.ID)
		if err != nil || len(dl) != 1 || dl[0].ID != note.ID || dl[0].DecisionAt == nil || dl[0].DecisionBy != e.scope.Actor() {
			t.Fatalf("decision log: %+v %v", dl, err)
		}
		if _, err := e.inc.MarkDecision(ctx, e.scope, inc.ID, note.ID, false); err != nil {
			t.Fatal(err)
		}
		if dl, err := e.inc.Decisions(ctx, e.scope, inc.ID); err != nil || len(dl) != 0 {
			t.Fatalf("decision log after unmark: %+v %v", dl, err)
		}

		// Export: CSV and JSON hold every item.
		full = e.all(inc.ID, timeline.Query{}, 100)
		each := func(fn func(timeline.Item) error) error { return e.tl.Each(ctx, e.scope, inc.ID, timeline.Query{}, fn) }
		var buf bytes.Buffer
		n, err := timeline.WriteCSV(&buf, each)
		if err != nil || n != len(full) {
			t.Fatalf("csv: %d %v", n, err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(rows) != len(full)+1 || rows[0][0] != "at" {
			t.Fatalf("csv rows: %d %v", len(rows), err)
		}
		buf.Reset()
		if n, err = timeline.WriteJSON(&buf, inc.ID, time.Now(), each); err != nil || n != len(full) {
			t.Fatalf("json: %d %v", n, err)
		}
		var doc struct {
			Items []timeline.Item `json:"items"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || len(doc.Items) != len(full) {
			t.Fatalf("json export: %v %d", err, len(doc.Items))
		}

		// Another org sees no such incident.
		stranger := identitytest.NewMember(t, d, identitytest.NewOrg(t, d, "Other"), rbac.RoleOwner).Scope()
		if _, err := e.tl.Read(ctx, stranger, inc.ID, timeline.Query{}, "", 10); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org read: %v", err)
		}
		if _, err := e.tl.AddEntry(ctx, stranger, inc.ID, timeline.EntryInput{At: base, Category: "other", Title: "x"}); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org entry: %v", err)
		}
		if _, err := e.tl.Heartbeat(ctx, stranger, inc.ID); kindOf(err) != apperr.KindNotFound {
			t.Fatalf("other org heartbeat: %v", err)
		}
	})
}

// TestPresence: heartbeats join once, list the viewers, expire and leave,
// each join and leave evented once.
func TestPresence(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		e.tl.Now = func() time.Time { return now }
		inc, err := e.inc.Create(ctx, e.scope, incident.NewIncident{Title: "Live", Severity: "medium"})
		if err != nil {
			t.Fatal(err)
		}
		count := func(kind string) int {
			n := 0
			for _, k := range eventKinds(t, d, e.scope) {
				if k == kind {
					n++
				}
			}
			return n
		}
		for range 3 {
			if _, err := e.tl.Heartbeat(ctx, e.scope, inc.ID); err != nil {
				t.Fatal(err)
			}
			now = now.Add(15 * time.Second)
		}
		p, err := e.tl.Heartbeat(ctx, e.other, inc.ID)
		if err != nil || len(p.Viewers) != 2 || p.Viewers[0].Viewer != e.scope.Actor() || !p.Viewers[0].Since.Equal(now.Add(-45*time.Second)) {
			t.Fatalf("viewers: %+v %v", p, err)
		}
		if n := count("presence.joined.v1"); n != 2 {
			t.Fatalf("joined events: %d", n)
		}
		// The first viewer stops heartbeating: gone after the expiry.
		now = now.Add(40 * time.Second)
		if _, err := e.tl.Heartbeat(ctx, e.other, inc.ID); err != nil {
			t.Fatal(err)
		}
		p, err = e.tl.Viewers(ctx, e.scope, inc.ID)
		if err != nil || len(p.Viewers) != 1 || p.Viewers[0].Viewer != e.other.Actor() {
			t.Fatalf("after expiry: %+v %v", p, err)
		}
		if n := count("presence.left.v1"); n != 1 {
			t.Fatalf("left events after expiry: %d", n)
		}
		if err := e.tl.Leave(ctx, e.other, inc.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.tl.Leave(ctx, e.other, inc.ID); err != nil {
			t.Fatal(err)
		}
		if n := count("presence.left.v1"); n != 2 {
			t.Fatalf("left events: %d", n)
		}
		if p, err = e.tl.Viewers(ctx, e.scope, inc.ID); err != nil || len(p.Viewers) != 0 {
			t.Fatalf("after leave: %+v %v", p, err)
		}
	})
}
