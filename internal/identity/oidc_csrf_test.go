package identity_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// A cross-site page must not be able to start single sign-on in the
// victim's browser (login CSRF); same-origin, same-site and typed
// navigations, and non-browser clients, still can. The callback, which the
// identity provider reaches cross-site, is unaffected.
func TestOIDCStartRefusesCrossSiteNavigation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.svc.AllowPrivateIssuers = true
		idp := newProvider(t)
		org := identitytest.NewOrg(t, d, "A")
		owner := identitytest.NewMember(t, d, org, rbac.RoleOwner)
		expect(t, "configure", e.do("PUT", "/api/v1/org/oidc", oidcConfigBody(idp.srv.URL), owner.Apply), 200, "")
		start := "/api/v1/auth/oidc/" + org.String() + "/start"

		refused := map[string][]string{
			"cross-site":                         {"Sec-Fetch-Site", "cross-site"},
			"cross-site with own Origin":         {"Sec-Fetch-Site", "cross-site", "Origin", e.srv.URL},
			"unknown Sec-Fetch-Site":             {"Sec-Fetch-Site", "bogus"},
			"no fetch metadata, foreign Origin":  {"Origin", "https://evil.example"},
			"no fetch metadata, foreign Referer": {"Referer", "https://evil.example/page"},
			"no fetch metadata, browser cookies": {"Cookie", "theme=dark"},
		}
		for what, hdr := range refused {
			r := e.do("GET", start, "", nil, hdr...)
			expect(t, what, r, http.StatusForbidden, "cross_site_sso_start")
			if r.Header.Get("Location") != "" || r.cookie("sn_oidc") != nil {
				t.Fatalf("%s: refused start still redirected or set the state cookie: %v", what, r.Header)
			}
		}
		allowed := map[string][]string{
			"same-origin":                    {"Sec-Fetch-Site", "same-origin"},
			"same-site":                      {"Sec-Fetch-Site", "same-site"},
			"typed URL or bookmark":          {"Sec-Fetch-Site", "none", "Cookie", "theme=dark"},
			"no fetch metadata, own Referer": {"Referer", e.srv.URL + "/login", "Cookie", "theme=dark"},
			"non-browser client":             nil,
		}
		for what, hdr := range allowed {
			expect(t, what, e.do("GET", start, "", nil, hdr...), http.StatusFound, "")
		}

		// The provider's redirect back is a cross-site navigation too.
		r := e.do("GET", start, "", nil, "Sec-Fetch-Site", "same-origin")
		code, state, redirect := idp.authorize(r.Header.Get("Location"), "someone@corp.example", true)
		sc := r.cookie("sn_oidc")
		cb := e.do("GET", redirect+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(state), "",
			func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sn_oidc", Value: sc.Value}) }, "Sec-Fetch-Site", "cross-site")
		expect(t, "cross-site callback", cb, http.StatusFound, "")
	})
}
