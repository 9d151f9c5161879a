package httpapi

import (
	"context"
	"crypto/tls"
	"net"
)

type connKey struct{}

// withConn is the server's ConnContext: it records each request's
// connection so long-lived responses can tune their socket (Conn).
func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// TCPConn returns the TCP connection a request of ctx arrived on (under
// TLS, the connection beneath it), when the server recorded it.
func TCPConn(ctx context.Context) (*net.TCPConn, bool) {
	c, _ := ctx.Value(connKey{}).(net.Conn)
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	tcp, ok := c.(*net.TCPConn)
	return tcp, ok
}
