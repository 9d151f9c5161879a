package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

const durabilitySecret = "durability-test-secret-0123456789abcdef"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/securenexus once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "securenexus-durability-*")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "securenexus")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/securenexus/securenexus/cmd/securenexus").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

type proc struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func start(t *testing.T, bin string, env []string, addr string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), env...)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: logs}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
	}
	t.Fatalf("server not ready: %s", logs.String())
	return nil
}

// TestDurabilityAcrossSIGKILL runs the real binary, streams batches and
// single alerts (group commit), kills it with SIGKILL mid-ingest, restarts it and checks that every alert whose
// batch was acknowledged is present.
func TestDurabilityAcrossSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := binary(t)
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			addr := freePort(t)
			cfg := config.Config{DataDir: t.TempDir(), SecretKey: durabilitySecret, DBMaxConns: 4}
			if dialect == "postgres" {
				cfg.DatabaseURL = testdb.NewPostgresURL(t)
			}
			env := []string{"SECURENEXUS_HTTP_ADDR=" + addr, "SECURENEXUS_DATA_DIR=" + cfg.DataDir, "SECURENEXUS_DATABASE_URL=" + cfg.DatabaseURL,
				"SECURENEXUS_SECRET_KEY=" + durabilitySecret, "SECURENEXUS_LOG_LEVEL=warn", "SECURENEXUS_DB_APP_ROLE=securenexus_app"}
			// Migrate and create an org with an API key as the owner.
			d, err := app.OpenDB(ctx, cfg, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := app.Migrate(ctx, d); err != nil {
				t.Fatal(err)
			}
			st, err := identity.NewStore(d, secrets.MustKeyring([]byte(durabilitySecret)))
			if err != nil {
				t.Fatal(err)
			}
			u, err := st.CreateUser(ctx, "durability@example.test", "D", "")
			if err != nil {
				t.Fatal(err)
			}
			org, err := st.CreateOrg(ctx, "Durability", u.ID)
			if err != nil {
				t.Fatal(err)
			}
			_, token, err := st.CreateAPIKey(ctx, tenant.System(org.ID, "test"), identity.NewAPIKey{Name: "k",
				Permissions: []string{string(rbac.AlertsIngest), string(rbac.AlertsRead)}, CreatedBy: u.ID, Grantor: rbac.NewSet(rbac.All...)})
			if err != nil {
				t.Fatal(err)
			}
			_ = d.Close()

			p := start(t, bin, env, addr)
			base := "http://" + addr
			client := &http.Client{Timeout: 30 * time.Second}
			var mu sync.Mutex
			acked := map[uuid.UUID]bool{}
			batches, singles := 0, 0
			stop := make(chan struct{})
			var wg sync.WaitGroup
			// Single-alert clients go through the group commit: each
			// answer comes after the commit holding its alert.
			for w := range 4 {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						body := fmt.Sprintf(`{"title":"single %d-%d","rule_id":"S-%d-%d","severity":"medium","host":"s%d","timestamp":"%s"}`,
							w, i, w, i, i%5, time.Now().UTC().Format(time.RFC3339))
						req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/alerts?source_type=generic", bytes.NewReader([]byte(body)))
						req.Header.Set("Authorization", "Bearer "+token)
						req.Header.Set("Content-Type", "application/json")
						res, err := client.Do(req)
						if err != nil {
							continue
						}
						b, _ := io.ReadAll(res.Body)
						_ = res.Body.Close()
						if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
							continue
						}
						var sum ingest.BatchSummary
						if err := json.Unmarshal(b, &sum); err != nil {
							continue
						}
						mu.Lock()
						for _, r := range sum.Results {
							if r.ID != nil {
								acked[*r.ID] = true
							}
						}
						singles++
						mu.Unlock()
					}
				})
			}
			for w := range 3 {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						var body bytes.Buffer
						for j := range 100 {
							fmt.Fprintf(&body, `{"title":"durability %d-%d-%d","rule_id":"D-%d-%d-%d","severity":"high","host":"h%d","timestamp":"%s"}`+"\n",
								w, i, j, w, i, j, j%7, time.Now().UTC().Format(time.RFC3339))
						}
						req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/alerts/batch?source_type=generic", &body)
						req.Header.Set("Authorization", "Bearer "+token)
						res, err := client.Do(req)
						if err != nil {
							continue // the server is being killed or restarted
						}
						b, _ := io.ReadAll(res.Body)
						_ = res.Body.Close()
						if res.StatusCode != http.StatusOK {
							continue
						}
						var sum ingest.BatchSummary
						if err := json.Unmarshal(b, &sum); err != nil {
							continue // a response cut by the kill is not an acknowledgement
						}
						mu.Lock()
						for _, r := range sum.Results {
							if r.ID != nil {
								acked[*r.ID] = true
							}
						}
						batches++
						mu.Unlock()
					}
				})
			}
			for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
				mu.Lock()
				n, ns := batches, singles
				mu.Unlock()
				if n >= 10 && ns >= 100 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("only %d batches and %d single alerts acknowledged: %s", n, ns, p.logs.String())
				}
			}
			if err := p.cmd.Process.Kill(); err != nil { // SIGKILL, clients still sending
				t.Fatal(err)
			}
			_ = p.cmd.Wait()
			close(stop)
			wg.Wait()
			mu.Lock()
			want := len(acked)
			mu.Unlock()

			start(t, bin, env, addr)
			got := map[uuid.UUID]bool{}
			cursor := ""
			for {
				req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/alerts?limit=500&cursor="+cursor, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var page struct {
					Items []struct {
						ID uuid.UUID `json:"id"`
					} `json:"items"`
					NextCursor string `json:"next_cursor"`
				}
				err = json.NewDecoder(res.Body).Decode(&page)
				_ = res.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range page.Items {
					got[it.ID] = true
				}
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
			}
			missing := 0
			for id := range acked {
				if !got[id] {
					missing++
				}
			}
			if missing > 0 {
				t.Fatalf("%d of %d acknowledged alerts lost after SIGKILL", missing, want)
			}
			t.Logf("%d acknowledged alerts (%d batches, %d single alerts) all present after SIGKILL and restart; %d stored in total", want, batches, singles, len(got))
		})
	}
}
