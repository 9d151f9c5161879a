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

// add_tags is bounded per request (50) but repeated requests must not grow
// one alert's tags without limit; tags are stored trimmed.
func TestTagsPerAlertAreBounded(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := tenant.NewAuthenticated(uuid.New(), "user:"+uuid.NewString())
		seed(t, d, org, 1)
		s := &Store{DB: d}
		items, _, err := s.List(ctx, org, AlertQuery{}, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		id := items[0].ID
		batch := func(from int) []string {
			out := make([]string, 50)
			for i := range out {
				out[i] = fmt.Sprintf("t%d", from+i)
			}
			return out
		}
		if _, err := s.Update(ctx, org, id, AlertChange{AddTags: batch(0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, org, id, AlertChange{AddTags: batch(50)}); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("51st..100th tag: %v", err)
		}
		if _, err := s.BulkUpdate(ctx, org, []uuid.UUID{id}, AlertChange{AddTags: []string{"one-more"}}); !apperr.Is(err, apperr.KindValidation) {
			t.Fatalf("bulk 51st tag: %v", err)
		}
		// Replacing or removing stays possible.
		a, err := s.Update(ctx, org, id, AlertChange{Tags: &[]string{"  vip  ", "vip"}})
		if err != nil || len(a.Tags) != 1 || a.Tags[0] != "vip" {
			t.Fatalf("replace: %v %q", err, a.Tags)
		}
	})
}
