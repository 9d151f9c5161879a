package identity

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/securenexus/securenexus/internal/apperr"
)

// opStartOIDC is the operation id of the SSO start redirect.
const opStartOIDC = "start-oidc-login"

var errCrossSiteSSO = apperr.Forbidden("single sign-on must be started from this application, not from another site; open the sign-in page and choose single sign-on there").WithCode("cross_site_sso_start")

// checkSSONavigation refuses a start of single sign-on that another site
// triggered (login CSRF: a cross-site page navigating the victim's browser
// to /start would complete sign-in as the attacker's identity provider
// account). It is a GET, so http.CrossOriginProtection lets it through.
//
//   - Sec-Fetch-Site (sent by every current browser to HTTPS and localhost
//     origins): same-origin, same-site and none (typed URL, bookmark) pass;
//     cross-site and unknown values are refused.
//   - Without it, an Origin or Referer header decides: it must name this
//     server's origin (the request's host or the public URL).
//   - Without any of them, a request carrying cookies is a browser we
//     cannot place and is refused; one without cookies is a non-browser
//     client (curl, a CLI helper) and passes.
func (svc *Service) checkSSONavigation(r *http.Request) error {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "same-origin", "same-site", "none":
		return nil
	case "":
	default:
		return errCrossSiteSSO
	}
	for _, h := range []string{"Origin", "Referer"} {
		if v := r.Header.Get(h); v != "" {
			if svc.ownOrigin(r, v) {
				return nil
			}
			return errCrossSiteSSO
		}
	}
	if r.Header.Get("Cookie") != "" {
		return errCrossSiteSSO
	}
	return nil
}

// ownOrigin reports whether raw (an Origin or a Referer) names this
// server: the public URL's origin or the request's own host.
func (svc *Service) ownOrigin(r *http.Request, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if pub, err := url.Parse(svc.Config.PublicURL); err == nil && strings.EqualFold(pub.Scheme, u.Scheme) && strings.EqualFold(pub.Host, u.Host) {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, r.Host)
}
