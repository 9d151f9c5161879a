package db_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestPoolCollector(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(db.NewPoolCollector(d))
		if err := d.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
		n, err := testutil.GatherAndCount(reg)
		if err != nil {
			t.Fatal(err)
		}
		if d.Dialect == db.SQLite {
			if n != 0 {
				t.Fatalf("%d pool metrics on SQLite", n)
			}
			return
		}
		if n != 8 {
			t.Fatalf("%d pool metrics, want 8", n)
		}
		err = testutil.GatherAndCompare(reg, strings.NewReader(`# HELP securenexus_db_pool_max_connections PostgreSQL pool size limit (SECURENEXUS_DB_MAX_CONNS).
# TYPE securenexus_db_pool_max_connections gauge
securenexus_db_pool_max_connections 8
`), "securenexus_db_pool_max_connections")
		if err != nil {
			t.Fatal(err)
		}
	})
}
