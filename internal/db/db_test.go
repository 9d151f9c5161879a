package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestMigrationsCurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		st, err := d.MigrationState(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending() || st.Current == 0 {
			t.Fatalf("want fully migrated, got %+v", st)
		}
	})
}

func TestWithTxCommitsAndRollsBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		insert := func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO maintenance_runs (started_at, finished_at) VALUES ($1, $2)", now, now)
			return err
		}
		if err := d.WithTx(ctx, insert); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			if err := insert(ctx, tx); err != nil {
				return err
			}
			// A nested call joins the same transaction.
			if err := d.WithTx(ctx, insert); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("want boom, got %v", err)
		}
		var n int
		if err := d.Reader.QueryRow("SELECT count(*) FROM maintenance_runs").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("rolled-back rows visible: %d", n)
		}
		var got time.Time
		if err := d.Reader.QueryRow("SELECT started_at FROM maintenance_runs").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(now.Truncate(time.Microsecond)) && !got.Equal(now) {
			t.Fatalf("time round trip: put %v got %v", now, got)
		}
	})
}

func TestInOrgRequiresScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		err := d.InOrg(context.Background(), tenant.Scope{}, func(context.Context, *db.Tx) error { return nil })
		if err == nil {
			t.Fatal("InOrg without scope must fail")
		}
		a := tenant.System(uuid.New(), "test")
		b := tenant.System(uuid.New(), "test")
		err = d.InOrg(context.Background(), a, func(ctx context.Context, _ *db.Tx) error {
			return d.InOrg(ctx, b, func(context.Context, *db.Tx) error { return nil })
		})
		if err == nil {
			t.Fatal("nesting a transaction for another org must fail")
		}
	})
}

func TestCollect(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		for range 3 {
			if _, err := d.Writer.ExecContext(ctx, "INSERT INTO maintenance_runs (started_at, finished_at) VALUES ($1, $1)", now); err != nil {
				t.Fatal(err)
			}
		}
		scanID := func(r db.Scanner) (int64, error) {
			var id int64
			return id, r.Scan(&id)
		}
		ids, err := db.Collect(ctx, d.Reader, scanID, "SELECT id FROM maintenance_runs WHERE started_at = $1 ORDER BY id", now)
		if err != nil || len(ids) != 3 || ids[0] >= ids[2] {
			t.Fatalf("collect: %v %v", ids, err)
		}
		bad := func(r db.Scanner) (string, error) {
			var a, b string
			return a, r.Scan(&a, &b) // one column, two destinations
		}
		if _, err := db.Collect(ctx, d.Reader, bad, "SELECT id FROM maintenance_runs"); err == nil {
			t.Fatal("a scan error must be returned")
		}
	})
}
