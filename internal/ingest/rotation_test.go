package ingest

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestRotateWebhookSecret(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		var clock atomic.Int64
		start := time.Now().UTC()
		clock.Store(start.UnixNano())
		h.pipeline.Now = func() time.Time { return time.Unix(0, clock.Load()) }
		org := uuid.New()

		st, b := h.do("POST", "/api/v1/alert-sources", org, `{"name":"hook","kind":"webhook"}`, nil)
		if st != http.StatusCreated {
			t.Fatalf("create: %d %s", st, b)
		}
		created := decode[struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		}](t, b)
		n := 0
		deliver := func(secret string) int {
			t.Helper()
			n++
			body := `{"title":"rotation ` + strconv.Itoa(n) + `","rule":"ROT"}`
			ts := time.Now().Unix()
			st, b := h.do("POST", "/api/v1/webhooks/"+created.ID, uuid.Nil, body, map[string]string{
				HeaderTimestamp: strconv.FormatInt(ts, 10), HeaderSignature: Sign([]byte(secret), ts, []byte(body))})
			if st != http.StatusOK && st != http.StatusUnauthorized {
				t.Fatalf("webhook: %d %s", st, b)
			}
			return st
		}
		type rotated struct {
			Secret          string     `json:"secret"`
			PreviousExpires *time.Time `json:"previous_secret_expires_at"`
			HasSecret       bool       `json:"has_secret"`
		}
		rotate := func(body string) rotated {
			t.Helper()
			st, b := h.do("POST", "/api/v1/alert-sources/"+created.ID+"/rotate-secret", org, body, nil)
			if st != http.StatusOK {
				t.Fatalf("rotate %s: %d %s", body, st, b)
			}
			r := decode[rotated](t, b)
			if !strings.HasPrefix(r.Secret, "whsec_") || !r.HasSecret || r.PreviousExpires == nil {
				t.Fatalf("rotate answer %s", b)
			}
			return r
		}
		if deliver(created.Secret) != http.StatusOK {
			t.Fatal("original secret refused before rotation")
		}

		// Default grace: 24 h, both secrets verify meanwhile.
		r1 := rotate("")
		if r1.Secret == created.Secret {
			t.Fatal("rotation returned the same secret")
		}
		if want := start.Add(24 * time.Hour); !r1.PreviousExpires.Equal(want.Truncate(time.Microsecond)) && !r1.PreviousExpires.Equal(want) {
			t.Fatalf("previous expires %v, want %v", r1.PreviousExpires, want)
		}
		if deliver(created.Secret) != http.StatusOK || deliver(r1.Secret) != http.StatusOK {
			t.Fatal("old or new secret refused during the grace period")
		}
		// After the grace period only the new secret verifies.
		clock.Store(start.Add(24*time.Hour + time.Second).UnixNano())
		if deliver(created.Secret) != http.StatusUnauthorized {
			t.Fatal("old secret still accepted after the grace period")
		}
		if deliver(r1.Secret) != http.StatusOK {
			t.Fatal("new secret refused after the grace period")
		}

		// Grace 0 revokes the replaced secret at once.
		r2 := rotate(`{"grace_period_seconds":0}`)
		if deliver(r1.Secret) != http.StatusUnauthorized || deliver(r2.Secret) != http.StatusOK {
			t.Fatal("grace 0: replaced secret still accepted or new one refused")
		}

		// Two rotations in a row: only the last two secrets verify.
		r3 := rotate(`{"grace_period_seconds":3600}`)
		r4 := rotate(`{"grace_period_seconds":3600}`)
		if deliver(r2.Secret) != http.StatusUnauthorized {
			t.Fatal("a secret replaced two rotations ago still verifies")
		}
		if deliver(r3.Secret) != http.StatusOK || deliver(r4.Secret) != http.StatusOK {
			t.Fatal("current or previous secret refused")
		}

		// Bounds name the field.
		for _, body := range []string{`{"grace_period_seconds":-1}`, `{"grace_period_seconds":604801}`} {
			st, b := h.do("POST", "/api/v1/alert-sources/"+created.ID+"/rotate-secret", org, body, nil)
			if st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "body.grace_period_seconds") {
				t.Fatalf("%s: %d %s", body, st, b)
			}
		}
		// Another org cannot rotate (or learn of) this source.
		if st, b := h.do("POST", "/api/v1/alert-sources/"+created.ID+"/rotate-secret", uuid.New(), "", nil); st != http.StatusNotFound {
			t.Fatalf("other org: %d %s", st, b)
		}
		// An API source has no secret.
		st, b = h.do("POST", "/api/v1/alert-sources", org, `{"name":"api","kind":"api"}`, nil)
		if st != http.StatusCreated {
			t.Fatalf("create api source: %d %s", st, b)
		}
		apiSrc := decode[struct {
			ID string `json:"id"`
		}](t, b)
		if st, b := h.do("POST", "/api/v1/alert-sources/"+apiSrc.ID+"/rotate-secret", org, "", nil); st != http.StatusConflict {
			t.Fatalf("api source: %d %s", st, b)
		}

		// Each successful rotation is audited, without the secrets.
		if n := countRows(t, d, org, `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'alert_source.rotate_secret' AND target_id = $2`, created.ID); n != 4 {
			t.Fatalf("audit entries: %d, want 4", n)
		}
		for _, s := range []string{created.Secret, r1.Secret, r2.Secret, r3.Secret, r4.Secret} {
			if n := countRows(t, d, org, `SELECT count(*) FROM audit_log WHERE org_id = $1 AND CAST(details AS TEXT) LIKE '%' || $2 || '%'`, s[6:]); n != 0 {
				t.Fatal("a secret appears in the audit log")
			}
		}
	})
}

// The list, get and create answers name where each source's vendor sends
// alerts, on the configured public URL (not the admin's browser origin).
func TestSourceIntakeURLs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		type item struct {
			ID         string `json:"id"`
			Name       string `json:"name"`
			IntakeURL  string `json:"intake_url"`
			WebhookURL string `json:"webhook_url"`
		}
		want := map[string]string{}
		for _, body := range []string{`{"name":"hook","kind":"webhook"}`, `{"name":"api","kind":"api"}`, `{"name":"fw","kind":"syslog","allowed_cidrs":["10.77.0.0/24"]}`} {
			st, b := h.do("POST", "/api/v1/alert-sources", org, body, nil)
			if st != http.StatusCreated {
				t.Fatalf("create %s: %d %s", body, st, b)
			}
			c := decode[item](t, b)
			switch c.Name {
			case "hook":
				want[c.Name] = "https://sn.example/api/v1/webhooks/" + c.ID
				if c.WebhookURL != want[c.Name] {
					t.Fatalf("create webhook_url %q", c.WebhookURL)
				}
			case "api":
				want[c.Name] = "https://sn.example/api/v1/alerts?source_id=" + c.ID
			default:
				want[c.Name] = ""
			}
			if c.IntakeURL != want[c.Name] {
				t.Fatalf("create %s: intake_url %q, want %q", c.Name, c.IntakeURL, want[c.Name])
			}
			st, b = h.do("GET", "/api/v1/alert-sources/"+c.ID, org, "", nil)
			if got := decode[item](t, b).IntakeURL; st != http.StatusOK || got != want[c.Name] {
				t.Fatalf("get %s: %d intake_url %q", c.Name, st, got)
			}
		}
		st, b := h.do("GET", "/api/v1/alert-sources", org, "", nil)
		if st != http.StatusOK {
			t.Fatalf("list: %d %s", st, b)
		}
		list := decode[struct{ Items []item }](t, b).Items
		if len(list) != 3 {
			t.Fatalf("listed %d sources", len(list))
		}
		for _, it := range list {
			if it.IntakeURL != want[it.Name] {
				t.Fatalf("list %s: intake_url %q, want %q", it.Name, it.IntakeURL, want[it.Name])
			}
		}
	})
}
