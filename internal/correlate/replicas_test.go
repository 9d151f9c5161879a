package correlate_test

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/app"
	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

const replicaSecret = "correlate-replica-secret-0123456789ab"

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// serveBin starts the real binary and waits until it is ready.
func serveBin(t *testing.T, bin string, settings []string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(append(os.Environ(), settings...), "SECURENEXUS_HTTP_ADDR="+addr)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return "http://" + addr
			}
		}
	}
	t.Fatalf("server not ready: %s", logs)
	return ""
}

func call(t *testing.T, token, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// The scenario on PostgreSQL with two serve processes: the
// phishing, credential-access and lateral-movement alerts of three sources
// sharing a user and a host, ingested concurrently through both replicas,
// are exactly one incident holding all three, explained by rule and
// shared entities.
func TestScenarioTwoServeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "securenexus")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/securenexus/securenexus/cmd/securenexus").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	ctx := context.Background()
	cfg := config.Config{DataDir: dir, SecretKey: replicaSecret, DBMaxConns: 4, DatabaseURL: testdb.NewPostgresURL(t)}
	d, err := app.OpenDB(ctx, cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	st, err := identity.NewStore(d, secrets.MustKeyring([]byte(replicaSecret)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "correlate-replicas@example.test", "R", "")
	if err != nil {
		t.Fatal(err)
	}
	org, err := st.CreateOrg(ctx, "Replicas", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := st.CreateAPIKey(ctx, tenant.System(org.ID, "test"), identity.NewAPIKey{Name: "k",
		Permissions: []string{string(rbac.AlertsIngest), string(rbac.AlertsRead), string(rbac.IncidentsRead)}, CreatedBy: u.ID, Grantor: rbac.NewSet(rbac.All...)})
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Close()
	common := []string{"SECURENEXUS_DATABASE_URL=" + cfg.DatabaseURL, "SECURENEXUS_SECRET_KEY=" + replicaSecret,
		"SECURENEXUS_LOG_LEVEL=warn", "SECURENEXUS_DB_APP_ROLE=securenexus_app", "SECURENEXUS_RATE_LIMIT_ENABLED=false",
		"SECURENEXUS_DATA_DIR=" + dir}
	a, b := serveBin(t, bin, common), serveBin(t, bin, common)

	base := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	at := func(m int) string { return base.Add(time.Duration(m) * time.Minute).Format(time.RFC3339) }
	alerts := []struct{ via, body string }{
		{a, `{"title":"Phishing e-mail link clicked","severity":"medium","rule":"phish-1","source":"defender","user":"alice","host":"ws-7","tactic":"initial-access","time":"` + at(0) + `"}`},
		{b, `{"title":"LSASS memory read","severity":"high","rule":"cred-1","source":"crowdstrike","user":"alice","host":"ws-7","tactic":"credential-access","time":"` + at(20) + `"}`},
		{a, `{"title":"Remote service creation","severity":"high","rule":"lat-1","source":"wazuh","user":"alice","host":"ws-7","tactic":"lateral-movement","time":"` + at(50) + `"}`},
	}
	var wg sync.WaitGroup
	for _, x := range alerts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body := call(t, token, http.MethodPost, x.via+"/api/v1/alerts", x.body); code/100 != 2 {
				t.Errorf("ingest via %s: %d %s", x.via, code, body)
			}
		}()
	}
	wg.Wait()
	type incident struct {
		ID         string `json:"id"`
		AlertCount int    `json:"alert_count"`
	}
	var list struct {
		Items []incident `json:"items"`
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, body := call(t, token, http.MethodGet, b+"/api/v1/incidents?limit=50", "")
		list.Items = nil
		_ = json.Unmarshal(body, &list)
		if len(list.Items) == 1 && list.Items[0].AlertCount == 3 {
			break
		}
	}
	time.Sleep(time.Second) // any late decision of the other replica would show now
	_, body := call(t, token, http.MethodGet, a+"/api/v1/incidents?limit=50", "")
	list.Items = nil
	if err := json.Unmarshal(body, &list); err != nil || len(list.Items) != 1 || list.Items[0].AlertCount != 3 {
		t.Fatalf("want exactly one incident with the three alerts: %s", body)
	}
	_, body = call(t, token, http.MethodGet, b+"/api/v1/incidents/"+list.Items[0].ID+"/alerts?limit=10", "")
	var linked struct {
		Items []struct {
			Title      string `json:"title"`
			Provenance struct {
				Explanation *struct {
					Rule           string `json:"rule"`
					Summary        string `json:"summary"`
					SharedEntities []struct {
						Type  string `json:"type"`
						Value string `json:"value"`
					} `json:"shared_entities"`
				} `json:"explanation"`
			} `json:"provenance"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &linked); err != nil || len(linked.Items) != 3 {
		t.Fatalf("linked alerts: %v %s", err, body)
	}
	for _, l := range linked.Items {
		ex := l.Provenance.Explanation
		if ex == nil || ex.Rule == "" || !strings.Contains(ex.Summary, ex.Rule) {
			t.Fatalf("alert %s without an explanation naming the rule: %s", l.Title, body)
		}
		names := fmt.Sprint(ex.SharedEntities)
		if !strings.Contains(names, "alice") || !strings.Contains(names, "ws-7") {
			t.Fatalf("explanation of %s does not name the shared user and host: %+v", l.Title, ex)
		}
	}
}
