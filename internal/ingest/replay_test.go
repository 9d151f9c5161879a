package ingest

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// A signed delivery replayed within its window is refused (409
// webhook_replayed) and does not count again; a new delivery of the same
// body signed with a fresh timestamp is accepted; the pruner forgets
// deliveries whose window has passed.
func TestWebhookReplayRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org := uuid.New()
		st, b := h.do("POST", "/api/v1/alert-sources", org, `{"name":"hook","kind":"webhook"}`, nil)
		if st != http.StatusCreated {
			t.Fatalf("create: %d %s", st, b)
		}
		created := decode[struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		}](t, b)
		body := `{"title":"hook alert","rule":"W1"}`
		deliver := func(ts int64) (int, []byte) {
			return h.do("POST", "/api/v1/webhooks/"+created.ID, uuid.Nil, body, map[string]string{
				HeaderTimestamp: strconv.FormatInt(ts, 10), HeaderSignature: Sign([]byte(created.Secret), ts, []byte(body)),
			})
		}
		now := time.Now().Unix()
		if st, b := deliver(now); st != http.StatusOK {
			t.Fatalf("first delivery: %d %s", st, b)
		}
		for range 3 {
			st, b := deliver(now)
			if st != http.StatusConflict || decode[struct{ Code string }](t, b).Code != "webhook_replayed" {
				t.Fatalf("replay: %d %s, want 409 webhook_replayed", st, b)
			}
		}
		if st, b := deliver(now - 1); st != http.StatusOK {
			t.Fatalf("same body, fresh signature: %d %s", st, b)
		}
		var count int
		err := d.ReadInOrg(context.Background(), tenant.System(org, "test"), func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count FROM alerts WHERE org_id = $1`, org.String()).Scan(&count)
		})
		if err != nil || count != 2 {
			t.Fatalf("alert count %d (%v), want 2: the replays must not count", count, err)
		}
		n, err := IdempotencyPruner().Prune(context.Background(), d, time.Now().Add(DefaultWebhookWindow+time.Minute))
		if err != nil || n < 2 {
			t.Fatalf("pruned %d (%v), want both remembered deliveries", n, err)
		}
	})
}
