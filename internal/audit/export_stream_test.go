package audit

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// smallBufListener shrinks each accepted connection's send buffer so a
// response cannot hide in kernel buffers while the client is not reading.
type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestExportOutlivesWriteTimeout serves the export from a real http.Server
// whose write timeout is far shorter than the transfer (the client stalls
// mid-export for three timeouts). The export must still arrive whole and
// verify: the stream extends its write deadline while the client reads.
func TestExportOutlivesWriteTimeout(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		org := newOrg()
		const n = 3*exportBatch + 11
		for i := range n {
			record(t, d, entry(org, i))
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		api := httpapi.New(httpapi.Deps{Logger: logger, Health: &health.Registry{}})
		api.SetGuard(func(ctx huma.Context, _ *huma.Operation) (context.Context, error) {
			o, err := uuid.Parse(ctx.Header("X-Test-Org"))
			if err != nil {
				return nil, apperr.Unauthorized("no test org")
			}
			return tenant.WithScope(ctx.Context(), tenant.NewAuthenticated(o, "user:test")), nil
		})
		if err := Register(context.Background(), &platform.Platform{DB: d, Logger: logger, Server: api}); err != nil {
			t.Fatal(err)
		}
		const writeTimeout = 300 * time.Millisecond
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: api.Handler(), WriteTimeout: writeTimeout, ReadHeaderTimeout: time.Second}
		go func() { _ = srv.Serve(smallBufListener{ln}) }()
		t.Cleanup(func() { _ = srv.Close() })

		dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
			if err != nil {
				return err
			}
			return serr
		}}
		client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, DisableCompression: true}}
		req, err := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/api/v1/audit/export", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Test-Org", org.String())
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("export: %d", res.StatusCode)
		}
		br := bufio.NewReaderSize(res.Body, 512)
		first, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		// Stall well past the server's write timeout, then read the rest.
		time.Sleep(3 * writeTimeout)
		rest, err := io.ReadAll(br)
		if err != nil {
			t.Fatalf("export cut off after the write timeout: %v (%d bytes after the stall)", err, len(rest))
		}
		body := first + string(rest)
		if lines := strings.Count(body, "\n"); lines != n+1 {
			t.Fatalf("exported %d lines, want %d (n entries + audit.export)", lines, n+1)
		}
		rep, err := VerifyNDJSON(strings.NewReader(body), nil)
		if err != nil || !rep.OK() || len(rep.Chains) != 1 || rep.Chains[0].Entries != n+1 {
			t.Fatalf("VerifyNDJSON of the export: %v %+v", err, rep)
		}
	})
}
