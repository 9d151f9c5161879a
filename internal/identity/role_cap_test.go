package identity_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/identity/identitytest"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Concurrent creates cannot push an org past MaxCustomRoles, and do not
// take room from another org.
func TestCustomRoleCapHoldsUnderConcurrency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := identitytest.Store(t, d)
		org := identitytest.NewOrg(t, d, "Cap")
		other := identitytest.NewOrg(t, d, "Other")
		scope := tenant.NewAuthenticated(org, "test")
		all := rbac.NewSet(rbac.All...)
		const pre = identity.MaxCustomRoles - 5
		for i := range pre {
			if _, err := st.CreateRole(ctx, scope, all, fmt.Sprintf("pre-%03d", i), "", []string{"alerts:read"}); err != nil {
				t.Fatal(err)
			}
		}

		const racers = 20
		errs := make([]error, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				_, errs[i] = st.CreateRole(ctx, scope, all, fmt.Sprintf("race-%02d", i), "", []string{"alerts:read"})
			})
		}
		wg.Go(func() {
			<-start
			if _, err := st.CreateRole(ctx, tenant.NewAuthenticated(other, "test"), all, "race-other", "", []string{"alerts:read"}); err != nil {
				t.Errorf("other org: %v", err)
			}
		})
		close(start)
		wg.Wait()

		created := 0
		for i, err := range errs {
			switch {
			case err == nil:
				created++
			case apperr.Is(err, apperr.KindConflict):
			default:
				t.Fatalf("racer %d: unexpected error %v", i, err)
			}
		}
		roles, err := st.ListRoles(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE org_id = $1`, org.String()).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		if created != 5 || n != identity.MaxCustomRoles || len(roles) != identity.MaxCustomRoles {
			t.Fatalf("%d concurrent creates succeeded, org holds %d roles (list %d); want 5 and %d", created, n, len(roles), identity.MaxCustomRoles)
		}
	})
}
