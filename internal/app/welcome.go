package app

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/securenexus/securenexus/internal/identity"
)

// Welcome logs, in development, the one line a newcomer needs once the
// server is bound to addr: where to open it and how to sign in, plus what
// would otherwise surprise (links built from a public URL that is not the
// address being served, a demo syslog source with no listener). Production
// logs stay machine-only.
func (a *App) Welcome(ctx context.Context, addr string) {
	if a.Config.Production() {
		return
	}
	open := openURL(a.Config.TLS(), addr)
	msg := "SecureNexus is ready: open " + open
	if a.Config.Demo {
		msg += " and sign in as admin@acme.example with password " + identity.DemoPassword + " (demo data, development only)"
	}
	a.Logger.InfoContext(ctx, msg, slog.String("url", open))
	if pub, err := url.Parse(a.Config.PublicURL); err == nil && !sameOrigin(pub, open) {
		a.Logger.WarnContext(ctx, "invitation, sign-in and SSO links use SECURENEXUS_PUBLIC_URL="+a.Config.PublicURL+
			", not the address served; set it (or --public-url) to the URL users open, e.g. "+open,
			slog.String("public_url", a.Config.PublicURL), slog.String("url", open))
	}
	if a.Config.Demo && a.Config.SyslogAddr == "" {
		a.Logger.InfoContext(ctx, "syslog intake is off: the demo source \"Loopback syslog\" receives only when started with --syslog-addr 127.0.0.1:5514")
	}
}

// openURL is the browser URL for a bound address; unspecified hosts
// (0.0.0.0, ::) become localhost.
func openURL(tls bool, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// sameOrigin reports whether pub names the origin of open (scheme, host,
// port; localhost and 127.0.0.1 differ for cookies, so they differ here).
func sameOrigin(pub *url.URL, open string) bool {
	o, err := url.Parse(open)
	if err != nil {
		return false
	}
	return strings.EqualFold(pub.Scheme, o.Scheme) && strings.EqualFold(pub.Host, o.Host)
}
