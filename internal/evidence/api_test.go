package evidence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/platform/blob"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// The HTTP contract the web UI relies on (EVIDENCE_API.md): raw and
// multipart uploads, download headers, the refused download of a tampered
// file with its custody and audit entries, the manifest.
func TestEvidenceAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := identitytest.NewPlatform(t, d)
		dir := t.TempDir()
		bs, err := blob.NewLocal(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer bs.Close()
		p.Blob = bs
		inc := &incident.Store{DB: d}
		if _, err := evidence.Register(ctx, p, evidence.Deps{Incidents: incidents{inc}}); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(p.Server.Handler())
		defer srv.Close()
		org := identitytest.NewOrg(t, d, "Acme")
		analyst := identitytest.NewMember(t, d, org, rbac.RoleAnalyst)
		viewer := identitytest.NewMember(t, d, org, rbac.RoleViewer)
		i, err := inc.Create(ctx, analyst.Scope(), incident.NewIncident{Title: "Ransomware", Severity: "critical"})
		if err != nil {
			t.Fatal(err)
		}
		do := func(m identitytest.Member, method, path, ctype string, body io.Reader) *http.Response {
			t.Helper()
			req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, body)
			if err != nil {
				t.Fatal(err)
			}
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			req.Header.Set("User-Agent", "evidence-api-test")
			m.Apply(req)
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { res.Body.Close() })
			return res
		}
		decode := func(res *http.Response, want int, out any) {
			t.Helper()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != want {
				t.Fatalf("%s %s: %d %s, want %d", res.Request.Method, res.Request.URL.Path, res.StatusCode, b, want)
			}
			if out != nil {
				if err := json.Unmarshal(b, out); err != nil {
					t.Fatalf("decode %s: %v", b, err)
				}
			}
		}
		base := "/api/v1/incidents/" + i.ID.String() + "/evidence"

		// Raw upload.
		var raw evidence.Evidence
		decode(do(analyst, http.MethodPost, base+"?name=..%2Fphish.eml&description=reported+mail", "message/rfc822",
			strings.NewReader("From: a@example.com\r\nSubject: hi\r\n\r\nclick here")), http.StatusCreated, &raw)
		if raw.Name != "phish.eml" || raw.DeclaredType != "message/rfc822" || raw.Description != "reported mail" ||
			raw.CollectedUserAgent != "evidence-api-test" || raw.CollectedIP == "" || raw.CustodyEntries != 1 {
			t.Fatalf("raw upload = %+v", raw)
		}
		// Multipart upload.
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		_ = w.WriteField("description", "disk image")
		fw, _ := w.CreateFormFile("file", "disk.img")
		_, _ = fw.Write(bytes.Repeat([]byte{0}, 4096))
		_ = w.Close()
		var multi evidence.Evidence
		decode(do(analyst, http.MethodPost, base, w.FormDataContentType(), &mp), http.StatusCreated, &multi)
		if multi.Name != "disk.img" || multi.Size != 4096 || multi.Description != "disk image" || multi.ContentType != "application/octet-stream" {
			t.Fatalf("multipart upload = %+v", multi)
		}
		// A viewer may read but not collect.
		decode(do(viewer, http.MethodPost, base, "text/plain", strings.NewReader("x")), http.StatusForbidden, nil)
		var list struct{ Items []evidence.Evidence }
		decode(do(viewer, http.MethodGet, base, "", nil), http.StatusOK, &list)
		if len(list.Items) != 2 {
			t.Fatalf("list = %d items", len(list.Items))
		}

		// Download.
		res := do(viewer, http.MethodGet, "/api/v1/evidence/"+raw.ID.String()+"/content", "", nil)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || !strings.HasSuffix(string(b), "click here") || res.Header.Get("Content-Type") != "application/octet-stream" ||
			res.Header.Get("X-Evidence-Sha256") != raw.SHA256 || !strings.Contains(res.Header.Get("Content-Disposition"), `filename=phish.eml`) {
			t.Fatalf("download: %d %v %q", res.StatusCode, res.Header, b)
		}

		// Tamper behind the server's back: refused, recorded.
		if err := os.WriteFile(filepath.Join(dir, "org", org.String(), "evidence", raw.ID.String()), []byte("altered"), 0o600); err != nil {
			t.Fatal(err)
		}
		var problem struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		decode(do(viewer, http.MethodGet, "/api/v1/evidence/"+raw.ID.String()+"/content", "", nil), http.StatusConflict, &problem)
		if problem.Code != evidence.CodeIntegrityFailed || !strings.Contains(problem.Detail, "integrity check failed") {
			t.Fatalf("problem = %+v", problem)
		}
		var custody evidence.CustodyLog
		decode(do(viewer, http.MethodGet, "/api/v1/evidence/"+raw.ID.String()+"/custody", "", nil), http.StatusOK, &custody)
		if strings.Join(actions(&custody), ",") != "collected,downloaded,integrity_failed" || !custody.ChainValid ||
			custody.Entries[2].Actor != viewer.Scope().Actor() || custody.Entries[2].UserAgent != "evidence-api-test" {
			t.Fatalf("custody = %+v", custody)
		}
		if a := strings.Join(auditActions(t, d, analyst.Scope(), raw.ID.String()), ","); !strings.HasSuffix(a, "evidence.integrity_failed:failure") {
			t.Fatalf("audit = %s", a)
		}

		// Manifest and key; verification passes offline.
		res = do(viewer, http.MethodGet, "/api/v1/incidents/"+i.ID.String()+"/evidence-manifest", "", nil)
		file, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("manifest: %d %s", res.StatusCode, file)
		}
		var key evidence.SigningKey
		decode(do(viewer, http.MethodGet, "/api/v1/evidence-signing-key", "", nil), http.StatusOK, &key)
		pub, err := evidence.ParsePublicKey(key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		r, err := evidence.VerifyManifest(file, pub)
		if err != nil {
			t.Fatalf("VerifyManifest of the served manifest: %v", err)
		}
		if len(r.Manifest.Artifacts) != 2 || r.Manifest.Artifacts[0].Integrity != evidence.IntegrityFailed {
			t.Fatalf("manifest = %+v", r.Manifest)
		}

		// Settings: an admin lowers the limit; larger uploads get 413.
		decode(do(analyst, http.MethodPut, "/api/v1/evidence-settings", "application/json", strings.NewReader(`{"max_size_bytes":8}`)), http.StatusForbidden, nil)
		admin := identitytest.NewMember(t, d, org, rbac.RoleAdmin)
		decode(do(admin, http.MethodPut, "/api/v1/evidence-settings", "application/json", strings.NewReader(`{"max_size_bytes":8}`)), http.StatusOK, nil)
		decode(do(analyst, http.MethodPost, base+"?name=big", "text/plain", strings.NewReader("123456789")), http.StatusRequestEntityTooLarge, nil)
		decode(do(analyst, http.MethodGet, "/api/v1/incidents/01a242e8-0000-7000-8000-000000000000/evidence", "", nil), http.StatusNotFound, nil)
	})
}
