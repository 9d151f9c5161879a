package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// Commit hooks run once, from the outermost transaction; a failing
// BeforeCommit rolls the work back; AfterCommit runs only after a commit.
func TestCommitHooks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var order []string
		err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			tx.BeforeCommit(func(context.Context) error { order = append(order, "before-outer"); return nil })
			tx.AfterCommit(func() { order = append(order, "after") })
			return d.WithTx(ctx, func(ctx context.Context, inner *db.Tx) error {
				if inner != tx {
					t.Error("nested transaction did not join")
				}
				inner.BeforeCommit(func(ctx context.Context) error {
					order = append(order, "before-inner")
					// A hook may register another; it runs too.
					inner.BeforeCommit(func(context.Context) error { order = append(order, "before-late"); return nil })
					return nil
				})
				order = append(order, "work")
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"work", "before-outer", "before-inner", "before-late", "after"}
		if len(order) != len(want) {
			t.Fatalf("order %v, want %v", order, want)
		}
		for i := range want {
			if order[i] != want[i] {
				t.Fatalf("order %v, want %v", order, want)
			}
		}

		boom := errors.New("boom")
		ran := false
		err = d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO maintenance_runs (started_at, finished_at, pruned, error) VALUES ($1, $1, '{}', 'probe')", time.Now().UTC()); err != nil {
				return err
			}
			tx.BeforeCommit(func(context.Context) error { return boom })
			tx.AfterCommit(func() { ran = true })
			return nil
		})
		if !errors.Is(err, boom) || ran {
			t.Fatalf("failing hook: err %v, after-commit ran %v", err, ran)
		}
		var n int
		if err := d.Writer.QueryRowContext(ctx, "SELECT count(*) FROM maintenance_runs WHERE error = 'probe'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back insert visible: %d %v", n, err)
		}
		_ = d.WithTx(ctx, func(_ context.Context, tx *db.Tx) error {
			tx.AfterCommit(func() { ran = true })
			return boom
		})
		if ran {
			t.Fatal("after-commit hook ran after a rollback")
		}
	})
}
