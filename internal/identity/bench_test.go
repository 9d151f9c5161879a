package identity_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/testdb"
)

// BenchmarkGuard measures a protected read through the whole stack (guard
// included) with a session and with an API key:
//
//	go test ./internal/identity -run XXX -bench Guard -benchtime 2s
func BenchmarkGuard(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		d := testdb.Open(b, dialect)
		p := identitytest.NewPlatform(b, d)
		h := p.Server.Handler()
		org := identitytest.NewOrg(b, d, "Bench")
		m := identitytest.NewMember(b, d, org, rbac.RoleAdmin)
		key := identitytest.NewAPIKey(b, d, org, rbac.AdminUsers)
		for name, apply := range map[string]func(*http.Request){"session": m.Apply, "apikey": key.Apply} {
			b.Run(string(dialect)+"/"+name, func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest("GET", "/api/v1/org/roles", nil)
					apply(req)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("%d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
