package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestIsUniqueViolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		ins := func(id, email string, created any) error {
			_, err := d.Writer.ExecContext(ctx, `INSERT INTO users (id, email, email_lower, created_at, updated_at) VALUES ($1, $2, $2, $3, $3)`, id, email, created)
			return err
		}
		a, b, c := uuid.NewString(), uuid.NewString(), uuid.NewString()
		if err := ins(a, a+"@example.test", now); err != nil {
			t.Fatal(err)
		}
		dupKey := ins(a, b+"@example.test", now)
		dupVal := ins(b, a+"@example.test", now)
		notNull := ins(c, c+"@example.test", nil)
		for name, err := range map[string]error{"primary key": dupKey, "unique": dupVal} {
			if !db.IsUniqueViolation(err) || !db.IsUniqueViolation(fmt.Errorf("wrapped: %w", err)) {
				t.Errorf("%s duplicate %v: not recognised", name, err)
			}
		}
		if notNull == nil || db.IsUniqueViolation(notNull) {
			t.Errorf("NOT NULL failure %v taken for a duplicate", notNull)
		}
		if db.IsUniqueViolation(nil) || db.IsUniqueViolation(fmt.Errorf("UNIQUE constraint failed: in a message only at %s", time.Now())) {
			t.Error("a nil error or a mere message must not count")
		}
	})
}
