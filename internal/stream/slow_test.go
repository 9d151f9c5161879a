package stream_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/stream"
)

// A client that stops reading backs up into its queue, is dropped, and
// its connection is closed at once (even with a write blocked on it),
// while a reading client of the same org receives every event.
func TestSlowClientIsDisconnected(t *testing.T) {
	e := boot(t, db.SQLite, map[string]string{"SECURENEXUS_STREAM_CLIENT_BUFFER": "8"})
	org := identitytest.NewOrg(t, e.app.DB, "slow")
	key := identitytest.NewAPIKey(t, e.app.DB, org, rbac.All...)
	fast := open(t, e, key, "", "", nil)

	addr := strings.TrimPrefix(e.url, "http://")
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1024) })
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := io.WriteString(conn, "GET "+stream.Path+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+key.Token+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 15)
	if _, err := io.ReadFull(conn, head); err != nil || string(head) != "HTTP/1.1 200 OK" {
		t.Fatalf("slow client: %q %v", head, err)
	}
	w, err := events.Head(t.Context(), e.app.DB, identitytest.Scope(org, "t"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(events.AlertUpdatedV1{AlertID: uuid.New(), Fields: []string{strings.Repeat("x", 400)}})
	const n = 2000
	go func() {
		for i := range int64(n) {
			e.app.Events.Hub().Publish(events.Event{ID: uuid.New(), Org: org, Seq: w.Last + 1 + i, Kind: events.AlertUpdated.Kind(),
				Subject: "alert/x", OccurredAt: time.Now(), Payload: payload})
			time.Sleep(time.Millisecond)
		}
	}()
	for i := range n {
		if _, err := fast.next(t, 5*time.Second); err != nil {
			t.Fatalf("fast client, event %d: %v", i, err)
		}
	}
	// The slow connection was closed by the server: reading what is
	// buffered ends in EOF or a reset, not a timeout.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.Copy(io.Discard, conn)
	if ne := (net.Error)(nil); errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("slow connection still open: %v", err)
	}
}

// A client following one subject is not dropped by a burst of events it
// does not follow, however many more than its queue holds: the hub
// filters before queueing. It still receives its own event after them.
func TestFilteredBurstKeepsClient(t *testing.T) {
	e := boot(t, db.SQLite, map[string]string{"SECURENEXUS_STREAM_CLIENT_BUFFER": "8"})
	org := identitytest.NewOrg(t, e.app.DB, "burst")
	key := identitytest.NewAPIKey(t, e.app.DB, org, rbac.All...)
	incident := "incident/" + uuid.NewString()
	c := open(t, e, key, "?subject="+incident, "", nil)
	w, err := events.Head(t.Context(), e.app.DB, identitytest.Scope(org, "t"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(events.AlertUpdatedV1{AlertID: uuid.New(), Fields: []string{"status"}})
	const n = 2000
	burst := make([]events.Event, n)
	for i := range burst {
		burst[i] = events.Event{ID: uuid.New(), Org: org, Seq: w.Last + 1 + int64(i), Kind: events.AlertUpdated.Kind(),
			Subject: "alert/" + uuid.NewString(), OccurredAt: time.Now(), Payload: payload}
	}
	// One Publish, as a bulk update's commit does: far faster than any
	// client drains a queue of 8.
	e.app.Events.Hub().Publish(burst...)
	e.app.Events.Hub().Publish(events.Event{ID: uuid.New(), Org: org, Seq: w.Last + 1 + n, Kind: events.AlertUpdated.Kind(),
		Subject: incident, OccurredAt: time.Now(), Payload: payload})
	_, ev := c.expect(t, string(events.AlertUpdated.Kind()))
	if ev.Seq != w.Last+1+n || ev.Subject != incident {
		t.Fatalf("got seq %d subject %s", ev.Seq, ev.Subject)
	}
}
