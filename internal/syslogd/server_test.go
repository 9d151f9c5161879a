package syslogd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// lineNormalize is a stand-in normalizer: one alert titled by the line.
func lineNormalize(_ string, raw []byte) ([]alert.Alert, error) {
	return []alert.Alert{{Title: string(raw), Source: alert.Source{Type: "syslog"}, Rule: alert.Rule{ID: string(raw)}}}, nil
}

func TestListenerMapsSendersAndFrames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		store := ingest.NewStore(d, secrets.MustKeyring([]byte("k")))
		org := tenant.NewAuthenticated(uuid.New(), "user:test")
		if _, _, err := store.CreateSource(ctx, org, ingest.SourceConfigInput{Name: "lo", Kind: ingest.KindSyslog, AllowedCIDRs: []string{"127.0.0.1/32"}}); err != nil {
			t.Fatal(err)
		}
		p := &ingest.Pipeline{Store: store, Normalize: lineNormalize}
		s := NewServer("127.0.0.1:0", p, slog.New(slog.DiscardHandler), nil)
		s.FlushEvery = 20 * time.Millisecond
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		<-s.Ready()

		c, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		m1 := "<13>1 2026-11-27T09:00:00Z web-1 app - - - octet counted"
		fmt.Fprintf(c, "%d %s", len(m1), m1)
		fmt.Fprint(c, "<14>Nov 27 09:00:01 web-2 sshd[1]: newline framed\n")
		_ = c.Close()
		u, err := net.Dial("udp", s.UDPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(u, "<14>Nov 27 09:00:02 web-3 su: via udp\n")
		_ = u.Close()

		want := 3
		var titles []string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			titles = titles[:0]
			_ = d.ReadInOrg(ctx, org, func(ctx context.Context, tx *db.Tx) error {
				rs, err := tx.QueryContext(ctx, `SELECT title FROM alerts WHERE org_id = $1 ORDER BY title`, org.Org().String())
				if err != nil {
					return err
				}
				defer func() { _ = rs.Close() }()
				for rs.Next() {
					var s string
					_ = rs.Scan(&s)
					titles = append(titles, s)
				}
				return rs.Err()
			})
			if len(titles) >= want {
				break
			}
		}
		joined := strings.Join(titles, "|")
		if len(titles) != want || !strings.Contains(joined, "octet counted") || !strings.Contains(joined, "newline framed") || !strings.Contains(joined, "via udp") {
			t.Fatalf("stored %q", titles)
		}
		// Unknown senders are dropped and counted: reroute the only source
		// to another network and reload.
		if err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE ingest_source_routes SET allowed_cidrs = '["192.0.2.0/24"]'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.reload(ctx); err != nil {
			t.Fatal(err)
		}
		u, _ = net.Dial("udp", s.UDPAddr().String())
		fmt.Fprint(u, "<14>Nov 27 09:00:03 x y: dropped")
		_ = u.Close()
		for deadline := time.Now().Add(5 * time.Second); s.Dropped("unknown_sender") < 1 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if s.Dropped("unknown_sender") < 1 {
			t.Fatal("unknown sender not counted")
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}
