package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

type singleAnswer struct {
	status int
	sum    BatchSummary
}

// postSingles sends bodies as concurrent single-alert requests (at most
// inflight at once) and returns each answer.
func postSingles(t *testing.T, h *harness, org uuid.UUID, bodies []string, inflight int) []singleAnswer {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: inflight, MaxConnsPerHost: inflight}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	out := make([]singleAnswer, len(bodies))
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, inflight)
	for range inflight {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/alerts", strings.NewReader(bodies[i]))
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set(testOrgHeader, org.String())
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					errs <- fmt.Errorf("request %d: %w", i, err)
					return
				}
				b, err := io.ReadAll(res.Body)
				_ = res.Body.Close()
				if err != nil {
					errs <- err
					return
				}
				out[i].status = res.StatusCode
				if res.StatusCode < 300 {
					if err := json.Unmarshal(b, &out[i].sum); err != nil {
						errs <- fmt.Errorf("request %d: %s: %w", i, b, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return out
}

// TestGroupCommitExactCounts sends 10,000 concurrent single alerts, 15% of
// them repeating an earlier one, through the group commit: every distinct
// alert is created exactly once (one 201, the repeats 200 with its id),
// stored counts equal the sends, and the highest count a response reports
// is the stored one.
func TestGroupCommitExactCounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		g := h.pipeline.NewGroupCommit(2*time.Millisecond, 200)
		org := uuid.New()
		const total, repeats = 10000, 1500
		rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // a deterministic test sequence
		distinct := make([]string, 0, total-repeats)
		for i := range total - repeats {
			distinct = append(distinct, fmt.Sprintf(`{"title":"group %d","rule":"G-%d","severity":"high","src_ip":"10.0.%d.%d","host":"h%d"}`, i, i, i/250, i%250, i%40))
		}
		bodies := append([]string{}, distinct...)
		for range repeats {
			bodies = append(bodies, distinct[rng.IntN(len(distinct))])
		}
		rng.Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
		sends := map[string]int{}
		for _, b := range bodies {
			sends[b]++
		}
		answers := postSingles(t, h, org, bodies, 64)

		type seen struct {
			id       uuid.UUID
			created  int
			maxCount int
		}
		byBody := map[string]*seen{}
		for i, a := range answers {
			if len(a.sum.Results) != 1 || a.sum.Results[0].ID == nil {
				t.Fatalf("request %d: status %d, results %+v", i, a.status, a.sum.Results)
			}
			r := a.sum.Results[0]
			switch {
			case a.status == http.StatusCreated && r.Status == StatusAccepted && a.sum.Accepted == 1:
			case a.status == http.StatusOK && r.Status == StatusDuplicate && a.sum.Duplicates == 1:
			default:
				t.Fatalf("request %d: status %d with result %+v", i, a.status, r)
			}
			s := byBody[bodies[i]]
			if s == nil {
				s = &seen{id: *r.ID}
				byBody[bodies[i]] = s
			}
			if s.id != *r.ID {
				t.Fatalf("one payload answered with two ids %s and %s", s.id, *r.ID)
			}
			if a.status == http.StatusCreated {
				s.created++
			}
			s.maxCount = max(s.maxCount, r.Count)
		}
		if len(byBody) != len(distinct) {
			t.Fatalf("%d distinct payloads answered, want %d", len(byBody), len(distinct))
		}
		stored := map[uuid.UUID]int{}
		err := d.ReadInOrg(context.Background(), tenant.NewAuthenticated(org, "test"), func(ctx context.Context, tx *db.Tx) error {
			rs, err := tx.QueryContext(ctx, `SELECT id, count FROM alerts WHERE org_id = $1`, org.String())
			if err != nil {
				return err
			}
			defer func() { _ = rs.Close() }()
			for rs.Next() {
				var id uuid.UUID
				var n int
				if err := rs.Scan(&id, &n); err != nil {
					return err
				}
				stored[id] = n
			}
			return rs.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != len(distinct) {
			t.Fatalf("%d alerts stored, want %d", len(stored), len(distinct))
		}
		for body, s := range byBody {
			if s.created != 1 {
				t.Fatalf("payload %s created %d times", body, s.created)
			}
			if stored[s.id] != sends[body] || s.maxCount != sends[body] {
				t.Fatalf("payload sent %d times: stored count %d, highest answered count %d", sends[body], stored[s.id], s.maxCount)
			}
		}
		if g.commits.Load() >= int64(total) {
			t.Fatalf("%d commits for %d requests: nothing was grouped", g.commits.Load(), total)
		}
		t.Logf("%d requests in %d commits", total, g.commits.Load())
	})
}

// TestGroupCommitBadRecordFailsAlone puts bad records into groups of good
// ones: a payload the normalizer refuses gets its 400, a record the write
// refuses (inside the group's transaction) gets its 4xx after the group is
// retried batch by batch, and every good record is stored. A commit that
// fails for everyone fails exactly the requests it held.
func TestGroupCommitBadRecordFailsAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		g := h.pipeline.NewGroupCommit(20*time.Millisecond, 500)
		var down atomic.Bool
		h.pipeline.beforeWrite = func(rows []row) error {
			if down.Load() {
				return apperr.Unavailable("database down (test)", nil)
			}
			for _, r := range rows {
				if r.alert.Title == "poison" {
					return apperr.Validation("record refused", apperr.Field("body.title", "refused by the store (test)"))
				}
			}
			return nil
		}
		org := uuid.New()
		var bodies []string
		for i := range 40 {
			switch i {
			case 7:
				bodies = append(bodies, `{"title":"poison","rule":"P"}`)
			case 21:
				bodies = append(bodies, `{"severity":"high"}`) // no title: the normalizer refuses it
			case 33:
				bodies = append(bodies, `{not json`)
			default:
				bodies = append(bodies, fmt.Sprintf(`{"title":"good %d","rule":"R-%d"}`, i, i))
			}
		}
		answers := postSingles(t, h, org, bodies, 40)
		for i, a := range answers {
			switch i {
			case 7:
				if a.status != http.StatusUnprocessableEntity {
					t.Errorf("poison record: status %d, want 422", a.status)
				}
			case 21, 33:
				if a.status != http.StatusBadRequest {
					t.Errorf("unreadable record %d: status %d, want 400", i, a.status)
				}
			default:
				if a.status != http.StatusCreated {
					t.Errorf("good record %d: status %d, want 201", i, a.status)
				}
			}
		}
		if n := countRows(t, d, org, `SELECT count(*) FROM alerts WHERE org_id = $1`); n != 37 {
			t.Fatalf("%d alerts stored, want the 37 good ones", n)
		}
		if g.commits.Load() >= 37 {
			t.Fatalf("%d commits: the good records were not grouped", g.commits.Load())
		}

		down.Store(true)
		var downBodies []string
		for i := range 10 {
			downBodies = append(downBodies, fmt.Sprintf(`{"title":"while down %d"}`, i))
		}
		for i, a := range postSingles(t, h, org, downBodies, 10) {
			if a.status != http.StatusServiceUnavailable {
				t.Errorf("request %d during the failure: status %d, want 503", i, a.status)
			}
		}
		down.Store(false)
		if a := postSingles(t, h, org, []string{`{"title":"after"}`}, 1)[0]; a.status != http.StatusCreated {
			t.Fatalf("after the failure: status %d", a.status)
		}
		if n := countRows(t, d, org, `SELECT count(*) FROM alerts WHERE org_id = $1`); n != 38 {
			t.Fatalf("%d alerts stored, want 38 (nothing of the failed commits)", n)
		}
	})
}
