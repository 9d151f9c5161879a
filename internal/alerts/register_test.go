package alerts_test

import (
	"testing"

	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/intake"
	"github.com/securenexus/securenexus/internal/platform"
)

// register wires the intake module and the alerts module on p, as the app
// does (the tests ingest through intake and read through alerts).
func register(t testing.TB, p *platform.Platform) {
	t.Helper()
	dir := identitytest.Directory(t, p.DB)
	if _, err := intake.New(p, intake.Deps{Directory: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := alerts.New(p, alerts.Deps{Directory: dir}); err != nil {
		t.Fatal(err)
	}
}
