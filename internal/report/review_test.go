package report_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/report"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

type incidentExists struct{ s *incident.Store }

func (i incidentExists) Exists(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	_, err := i.s.Get(ctx, scope, id)
	return err
}

type env struct {
	d   *db.DB
	inc *incident.Store
	ev  *evidence.Store
	mod *report.Module
	srv *httptest.Server
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := context.Background()
	p := identitytest.NewPlatform(t, d)
	bs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	p.Blob = bs
	e := &env{d: d, inc: &incident.Store{DB: d}}
	if e.ev, err = evidence.Register(ctx, p, evidence.Deps{Incidents: incidentExists{e.inc}}); err != nil {
		t.Fatal(err)
	}
	if e.mod, err = report.Register(ctx, p, report.Deps{Incidents: e.inc, Evidence: e.ev}); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(p.Server.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

type caller interface{ Apply(*http.Request) }

func (e *env) do(t *testing.T, who caller, method, path, body string, want int, out any) []byte {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	who.Apply(req)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
	}
	return b
}

// The review contract the UI relies on (API_report.md): empty before it
// is written, refused while the incident is open, follow-ups as incident
// tasks, optimistic versions, field-named problems, permissions, audit and
// the event.
func TestReviewAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		analyst := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		viewer := identitytest.NewMember(t, d, org, rbac.RoleViewer)
		inc, err := e.inc.Create(ctx, analyst.Scope(), incident.NewIncident{Title: "Phishing", Severity: "high"})
		if err != nil {
			t.Fatal(err)
		}
		task, err := e.inc.AddTask(ctx, analyst.Scope(), inc.ID, incident.TaskInput{Title: "Reset password"})
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/incidents/" + inc.ID.String() + "/review"

		var r report.Review
		e.do(t, viewer, http.MethodGet, path, "", http.StatusOK, &r)
		if r.Exists || r.Editable || r.Version != 0 || r.IncidentStatus != "new" || r.FollowUps == nil {
			t.Fatalf("empty review = %+v", r)
		}
		body := `{"root_cause":"Macro attachment","impact":"One host","lessons_learned":"Block macros","follow_ups":[{"task_id":"` +
			task.ID.String() + `"},{"title":"Detect MiniDump"}]}`
		b := e.do(t, analyst, http.MethodPut, path, body, http.StatusConflict, nil)
		if !strings.Contains(string(b), report.CodeNotResolved) {
			t.Fatalf("open incident: %s", b)
		}

		st, disp := incident.StatusResolved, incident.DispositionTruePositive
		if _, err := e.inc.Update(ctx, analyst.Scope(), inc.ID, incident.ChangeSet{Status: &st, Disposition: &disp}); err != nil {
			t.Fatal(err)
		}
		e.do(t, viewer, http.MethodPut, path, body, http.StatusForbidden, nil)
		e.do(t, analyst, http.MethodPut, path, body, http.StatusOK, &r)
		if !r.Exists || !r.Editable || r.Version != 1 || r.RootCause != "Macro attachment" || len(r.FollowUps) != 2 ||
			r.FollowUps[0].TaskID != task.ID || r.FollowUps[1].Title != "Detect MiniDump" || r.FollowUps[1].Status != incident.TaskOpen ||
			r.CreatedBy != analyst.Actor() || r.UpdatedAt == nil {
			t.Fatalf("saved review = %+v", r)
		}
		tasks, err := e.inc.Tasks(ctx, analyst.Scope(), inc.ID)
		if err != nil || len(tasks) != 2 {
			t.Fatalf("tasks = %v, %v", tasks, err)
		}

		// An edit based on an older version is refused; the current one saves.
		b = e.do(t, analyst, http.MethodPut, path, `{"root_cause":"x","impact":"","lessons_learned":"","version":0}`, http.StatusConflict, nil)
		if !strings.Contains(string(b), report.CodeReviewConflict) {
			t.Fatalf("stale version: %s", b)
		}
		e.do(t, analyst, http.MethodPut, path, `{"root_cause":"Macro attachment (confirmed)","impact":"One host","lessons_learned":"Block macros","version":1,"follow_ups":[{"task_id":"`+
			r.FollowUps[1].TaskID.String()+`"}]}`, http.StatusOK, &r)
		if r.Version != 2 || len(r.FollowUps) != 1 || r.CreatedBy != analyst.Actor() {
			t.Fatalf("second save = %+v", r)
		}

		// Problems name the field.
		b = e.do(t, analyst, http.MethodPut, path, `{"root_cause":"","impact":"","lessons_learned":"","follow_ups":[{"task_id":"`+uuid.Must(uuid.NewV7()).String()+`"}]}`,
			http.StatusUnprocessableEntity, nil)
		if !strings.Contains(string(b), "body.follow_ups[0].task_id") {
			t.Fatalf("unknown task: %s", b)
		}
		b = e.do(t, analyst, http.MethodPut, path, `{"root_cause":"","impact":"","lessons_learned":"","follow_ups":[{"title":"  "}]}`,
			http.StatusUnprocessableEntity, nil)
		if !strings.Contains(string(b), "body.follow_ups[0].title") {
			t.Fatalf("empty title: %s", b)
		}

		// Another org's member sees a 404.
		other := identitytest.NewMember(t, d, identitytest.NewOrg(t, d, "Globex"), rbac.RoleAnalyst)
		e.do(t, other, http.MethodGet, path, "", http.StatusNotFound, nil)

		var audits, evs int
		if err := d.ReadInOrg(ctx, analyst.Scope(), func(ctx context.Context, tx *db.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'incident.review_save' AND target_id = $2`,
				org.String(), inc.ID.String()).Scan(&audits); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE org_id = $1 AND kind = $2`, org.String(),
				string(report.EventReviewUpdated.Kind())).Scan(&evs)
		}); err != nil {
			t.Fatal(err)
		}
		if audits != 2 || evs != 2 {
			t.Fatalf("audit entries %d, events %d, want 2 and 2", audits, evs)
		}
	})
}

// The export route: formats, download headers, the body's digest,
// field-named problems, permissions and isolation; UTF-8 text kept exact
// in Markdown and transliterated in the PDF.
func TestReportAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		org := identitytest.NewOrg(t, d, "Acme")
		analyst := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		viewer := identitytest.NewMember(t, d, org, rbac.RoleViewer)
		title := "Fraude à la facture – Łódź “Счёт” 🚨 | <b>bold</b>"
		inc, err := e.inc.Create(ctx, analyst.Scope(), incident.NewIncident{Title: title, Severity: "medium"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.inc.AddNote(ctx, analyst.Scope(), inc.ID, incident.NoteInput{Body: "# not a heading\n*not emphasis*"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ev.Add(ctx, analyst.Scope(), inc.ID, evidence.Upload{Name: "dump.bin"}, strings.NewReader("payload")); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/incidents/" + inc.ID.String() + "/report"
		get := func(who caller, query string, want int) *http.Response {
			t.Helper()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+path+query, nil)
			who.Apply(req)
			res, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != want {
				b, _ := io.ReadAll(res.Body)
				t.Fatalf("GET %s%s: %d %s, want %d", path, query, res.StatusCode, b, want)
			}
			t.Cleanup(func() { res.Body.Close() })
			return res
		}
		res := get(viewer, "", http.StatusOK)
		md, _ := io.ReadAll(res.Body)
		sum := sha256.Sum256(md)
		if res.Header.Get("Content-Type") != "text/markdown; charset=utf-8" || res.Header.Get("X-Report-Sha256") != hex.EncodeToString(sum[:]) ||
			res.Header.Get("Content-Disposition") != `attachment; filename=incident-`+inc.ID.String()+`.md` {
			t.Fatalf("markdown headers %v", res.Header)
		}
		for _, want := range []string{"# Incident report: Fraude à la facture – Łódź “Счёт” 🚨 \\| &lt;b&gt;bold&lt;/b&gt;\n",
			"> \\# not a heading\n> \\*not emphasis\\*\n", "No post-incident review yet", "dump.bin"} {
			if !strings.Contains(string(md), want) {
				t.Errorf("markdown lacks %q:\n%s", want, md)
			}
		}
		res = get(analyst, "?format=pdf", http.StatusOK)
		pdf, _ := io.ReadAll(res.Body)
		if res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-1.")) ||
			!strings.HasSuffix(res.Header.Get("Content-Disposition"), ".pdf") {
			t.Fatalf("pdf: %v %q", res.Header, pdf[:min(10, len(pdf))])
		}
		text := strings.Join(pdfText(t, pdf), " ")
		if !strings.Contains(text, "Incident report: Fraude à la facture – Lódz “????” ? | <b>bold</b>") {
			t.Errorf("pdf title not transliterated as documented:\n%s", text)
		}
		b, _ := io.ReadAll(get(analyst, "?format=docx", http.StatusUnprocessableEntity).Body)
		if !strings.Contains(string(b), "query.format") {
			t.Fatalf("bad format: %s", b)
		}
		other := identitytest.NewMember(t, d, identitytest.NewOrg(t, d, "Globex"), rbac.RoleAnalyst)
		get(other, "?format=pdf", http.StatusNotFound)
	})
}
