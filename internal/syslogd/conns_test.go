package syslogd

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// One sender cannot hold more than MaxConnsPerSender TCP connections: the
// next is closed and counted; the open ones keep working.
func TestConnectionsPerSenderAreBounded(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		store := ingest.NewStore(d, secrets.MustKeyring([]byte("k")))
		org := tenant.NewAuthenticated(uuid.New(), "user:test")
		if _, _, err := store.CreateSource(ctx, org, ingest.SourceConfigInput{Name: "lo", Kind: ingest.KindSyslog, AllowedCIDRs: []string{"127.0.0.1/32"}}); err != nil {
			t.Fatal(err)
		}
		s := NewServer("127.0.0.1:0", &ingest.Pipeline{Store: store, Normalize: lineNormalize}, slog.New(slog.DiscardHandler), nil)
		s.FlushEvery = 20 * time.Millisecond
		s.MaxConnsPerSender = 2
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		<-s.Ready()

		var open []net.Conn
		for range 2 {
			c, err := net.Dial("tcp", s.TCPAddr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			open = append(open, c)
		}
		// The server counts a connection when it accepts it: wait for the
		// third to be refused.
		extra, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		_ = extra.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := extra.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("third connection: read = %v, want closed by server", err)
		}
		if got := s.Dropped("too_many_connections"); got != 1 {
			t.Fatalf("too_many_connections = %v", got)
		}
		fmt.Fprint(open[1], "<14>Nov 27 09:00:01 web-2 sshd[1]: still served\n")
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			n := 0
			_ = d.ReadInOrg(ctx, org, func(ctx context.Context, tx *db.Tx) error {
				return tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE org_id = $1`, org.Org().String()).Scan(&n)
			})
			if n == 1 {
				cancel()
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatal("message on an open connection was not stored")
	})
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}
