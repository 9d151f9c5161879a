package syslogd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// startServer runs a listener for a loopback syslog source of a new org
// with the given ingest quota (alerts per second, burst).
func startServer(t *testing.T, d *db.DB, rate float64, burst int, tune func(*Server)) (*Server, tenant.Scope) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	store := ingest.NewStore(d, secrets.MustKeyring([]byte("k")))
	org := tenant.NewAuthenticated(uuid.New(), "user:test")
	if _, _, err := store.CreateSource(ctx, org, ingest.SourceConfigInput{Name: "lo", Kind: ingest.KindSyslog, AllowedCIDRs: []string{"127.0.0.1/32"}}); err != nil {
		t.Fatal(err)
	}
	p := &ingest.Pipeline{Store: store, Normalize: lineNormalize, Quota: &ingest.Quota{Default: rate, MinBurst: burst}}
	s := NewServer("127.0.0.1:0", p, slog.New(slog.DiscardHandler), nil)
	s.FlushEvery = 20 * time.Millisecond
	tune(s)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	<-s.Ready()
	return s, org
}

func storedAlerts(t *testing.T, d *db.DB, org tenant.Scope) int {
	t.Helper()
	var n int
	err := d.ReadInOrg(context.Background(), org, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE org_id = $1`, org.Org().String()).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// eventually polls cond (no timing assertion: the deadline only bounds a
// hung test).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestTCPBackpressureUnderQuota: a TCP sender far over a tiny quota loses
// nothing: the refused batches are retried after the quota's retry-after
// while the connection is not read.
func TestTCPBackpressureUnderQuota(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		// 20 alerts/s, burst 10, batches of 10: 60 messages need ~3 s.
		s, org := startServer(t, d, 20, 10, func(s *Server) {
			s.BatchSize = 10
			s.TCPRetries = 100
			s.MaxBackoff = 200 * time.Millisecond
		})
		c, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		const n = 60
		for i := range n {
			if _, err := fmt.Fprintf(c, "<14>Nov 27 09:00:00 web-1 app: tcp message %d\n", i); err != nil {
				t.Fatal(err)
			}
		}
		_ = c.Close()
		eventually(t, "every TCP message stored", func() bool { return storedAlerts(t, d, org) == n })
		if q, e := s.Dropped("quota"), s.Dropped("ingest_error"); q != 0 || e != 0 {
			t.Fatalf("dropped: quota %v, ingest_error %v; want none", q, e)
		}
		if s.Throttled() == 0 {
			t.Fatal("the quota never refused a batch: the test did not exercise backpressure")
		}
	})
}

// TestTCPRetriesBoundedAndUDPDrops: a TCP batch still refused after its
// retries is dropped and counted; a UDP batch is dropped and counted at
// once, without retries.
func TestTCPRetriesBoundedAndUDPDrops(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		// 0.01 alerts/s, burst 5: after the first batch the quota asks for
		// minutes; two retries 20 ms apart cannot succeed.
		s, org := startServer(t, d, 0.01, 5, func(s *Server) {
			s.BatchSize = 5
			s.TCPRetries = 2
			s.MaxBackoff = 20 * time.Millisecond
		})
		c, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		for i := range n {
			if _, err := fmt.Fprintf(c, "<14>Nov 27 09:00:00 web-1 app: bounded %d\n", i); err != nil {
				t.Fatal(err)
			}
		}
		_ = c.Close()
		eventually(t, "every TCP message stored or dropped", func() bool {
			return float64(storedAlerts(t, d, org))+s.Dropped("quota") == n
		})
		if s.Dropped("quota") == 0 || storedAlerts(t, d, org) == 0 {
			t.Fatalf("stored %d, dropped %v: want some of each", storedAlerts(t, d, org), s.Dropped("quota"))
		}
		if s.Throttled() == 0 {
			t.Fatal("no retry before dropping")
		}

		throttled, dropped := s.Throttled(), s.Dropped("quota")
		u, err := net.Dial("udp", s.UDPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if _, err := fmt.Fprintf(u, "<14>Nov 27 09:00:00 web-1 app: udp %d", i); err != nil {
				t.Fatal(err)
			}
		}
		_ = u.Close()
		eventually(t, "UDP messages dropped", func() bool { return s.Dropped("quota") >= dropped+5 })
		if s.Throttled() != throttled {
			t.Fatalf("UDP batches were retried (%v -> %v)", throttled, s.Throttled())
		}
	})
}

// TestHeldOrgConnectionNotRead: while an org is held (its batch is being
// retried) its TCP connections are not read; on release they are. (A
// correct listener never fails this; a listener that reads anyway fails it
// unless the machine stalls for the whole pause.)
func TestHeldOrgConnectionNotRead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		s, org := startServer(t, d, 0, 0, func(*Server) {})
		s.throttle.hold(org.Org())
		c, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		if _, err := fmt.Fprint(c, "<14>Nov 27 09:00:00 web-1 app: held\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if got := counterValue(s.metrics.received.WithLabelValues("tcp")); got != 0 {
			t.Fatalf("%v messages read from a held org's connection", got)
		}
		s.throttle.release(org.Org())
		eventually(t, "the message stored after release", func() bool { return storedAlerts(t, d, org) == 1 })
	})
}
