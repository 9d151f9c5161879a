package crosstenant

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/stream"
	"github.com/securenexus/securenexus/internal/testdb"
)

// streamWatch collects what one live stream receives.
type streamWatch struct {
	name string
	mu   sync.Mutex
	got  []stream.Message
	res  *http.Response
}

func watchStream(t *testing.T, e *Env, name string, apply func(*http.Request)) *streamWatch {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+stream.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	apply(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%s: open stream: %v %v", name, err, res)
	}
	w := &streamWatch{name: name, res: res}
	go func() {
		r := stream.NewReader(bufio.NewReader(res.Body))
		for {
			m, err := r.Next()
			if err != nil {
				return
			}
			w.mu.Lock()
			w.got = append(w.got, m)
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = res.Body.Close() })
	return w
}

func (w *streamWatch) messages() []stream.Message {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]stream.Message(nil), w.got...)
}

// TestStreamIsolation: with interleaved traffic in two orgs, a live
// subscriber (session or API key) never receives the other org's events,
// and a viewer never receives kinds its role may not read.
func TestStreamIsolation(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			e := boot(t, dialect)
			a, b := newOrg(t, e, "A"), newOrg(t, e, "B")
			viewerA := identitytest.NewMember(t, e.DB, a.ID, rbac.RoleViewer)
			// The streams follow from now: only events after these.
			before := map[uuid.UUID]int64{}
			for _, o := range []*Org{a, b} {
				w, err := events.Head(t.Context(), e.DB, identitytest.Scope(o.ID, "test"))
				if err != nil {
					t.Fatal(err)
				}
				before[o.ID] = w.Last
			}
			watchers := map[uuid.UUID][]*streamWatch{
				a.ID: {watchStream(t, e, "A owner session", a.Owner.Apply), watchStream(t, e, "A API key", a.Key.Apply)},
				b.ID: {watchStream(t, e, "B API key", b.Key.Apply)},
			}
			viewer := watchStream(t, e, "A viewer session", viewerA.Apply)

			// Interleaved changes of every kind family in both orgs.
			var idsA, idsB []string
			for i := range 3 {
				for _, o := range []*Org{a, b} {
					var out struct {
						Results []struct {
							ID string `json:"id"`
						} `json:"results"`
					}
					post(t, e, o, "/api/v1/alerts/batch", "["+alertPayload()+"]", &out)
					id := out.Results[0].ID
					send(t, e, o, http.MethodPatch, "/api/v1/alerts/"+id, `{"status":"triaged"}`, &map[string]any{})
					post(t, e, o, "/api/v1/alert-filters", fmt.Sprintf(`{"name":"xt-stream-%d","query":{}}`, i), &map[string]any{})
					m := identitytest.NewMember(t, e.DB, o.ID, rbac.RoleAnalyst)
					post(t, e, o, "/api/v1/org/roles", fmt.Sprintf(`{"name":"xt-stream-role-%d","permissions":["alerts:read"]}`, i), &map[string]any{})
					if o == a {
						idsA = append(idsA, id, m.UserID.String())
					} else {
						idsB = append(idsB, id, m.UserID.String())
					}
				}
			}
			stored := map[uuid.UUID]int{}
			for _, o := range []*Org{a, b} {
				evs, err := events.Since(t.Context(), e.DB, identitytest.Scope(o.ID, "test"), before[o.ID], 0, 10000)
				if err != nil {
					t.Fatal(err)
				}
				stored[o.ID] = len(evs)
			}
			// Everyone with every permission eventually has every event of
			// their org committed after the streams opened.
			deadline := time.Now().Add(10 * time.Second)
			for org, ws := range watchers {
				for _, w := range ws {
					for len(w.messages()) < stored[org] && time.Now().Before(deadline) {
						time.Sleep(20 * time.Millisecond)
					}
				}
			}
			time.Sleep(200 * time.Millisecond) // anything stray would arrive now

			check := func(w *streamWatch, own uuid.UUID, foreign []string, want int, readable rbac.Set) {
				t.Helper()
				msgs := w.messages()
				if want >= 0 && len(msgs) != want {
					t.Errorf("%s received %d events, its org committed %d", w.name, len(msgs), want)
				}
				for _, m := range msgs {
					var ev events.Event
					if err := json.Unmarshal([]byte(m.Data), &ev); err != nil {
						t.Errorf("%s: %s is not an event: %v", w.name, m.Data, err)
						continue
					}
					if ev.Org != own {
						t.Errorf("%s received org %s's event %s", w.name, ev.Org, ev.Kind)
					}
					for _, id := range foreign {
						if strings.Contains(m.Data, id) {
							t.Errorf("%s received an event naming the other org's %s", w.name, id)
						}
					}
					info, ok := events.Lookup(ev.Kind)
					if !ok || !readable.Has(info.Permission) {
						t.Errorf("%s received %s, which needs %s", w.name, ev.Kind, info.Permission)
					}
				}
			}
			all := rbac.NewSet(rbac.All...)
			foreignA := append([]string{b.ID.String(), b.Key.ID.String(), b.Owner.UserID.String()}, idsB...)
			foreignB := append([]string{a.ID.String(), a.Key.ID.String(), a.Owner.UserID.String()}, idsA...)
			for _, w := range watchers[a.ID] {
				check(w, a.ID, foreignA, stored[a.ID], all)
			}
			check(watchers[b.ID][0], b.ID, foreignB, stored[b.ID], all)
			viewerRole, _ := rbac.BuiltIn(rbac.RoleViewer)
			check(viewer, a.ID, foreignA, -1, viewerRole.Permissions)
			if n := len(viewer.messages()); n < 6 {
				t.Errorf("viewer received %d events, want at least the 6 alert events", n)
			}
		})
	}
}
