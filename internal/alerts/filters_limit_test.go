package alerts

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Any reader can save filters: their number per user is bounded, or one
// user could grow the table without limit.
func TestSavedFiltersPerUserAreBounded(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := uuid.New()
		alice := tenant.NewAuthenticated(org, "user:alice")
		s := &Store{DB: d}
		for i := range MaxSavedFilters {
			if _, err := s.CreateFilter(ctx, alice, SavedAlertFilterInput{Name: fmt.Sprintf("f%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CreateFilter(ctx, alice, SavedAlertFilterInput{Name: "one too many"}); !apperr.Is(err, apperr.KindConflict) {
			t.Fatalf("filter %d: %v", MaxSavedFilters+1, err)
		}
		// The bound is per user.
		if _, err := s.CreateFilter(ctx, tenant.NewAuthenticated(org, "user:bob"), SavedAlertFilterInput{Name: "bob's"}); err != nil {
			t.Fatal(err)
		}
	})
}
