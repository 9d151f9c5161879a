package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/securenexus/securenexus/internal/db"
)

// DiskUsage is what the alert tables take on disk after a run.
type DiskUsage struct {
	// Tables is the heap (and, on PostgreSQL, TOAST) of alerts, entities
	// and alert_entities; Indexes their indexes; on SQLite Tables is the
	// whole database file and Indexes 0.
	Tables, Indexes int64
	// WAL is the write-ahead log: on PostgreSQL the bytes written during
	// the run (cluster-wide), on SQLite the -wal file's size at the end.
	WAL int64
	// Alerts is the number of stored alerts the bytes are divided by.
	Alerts int64
}

// PerAlert is the bytes of tables and indexes per stored alert.
func (u DiskUsage) PerAlert() float64 {
	if u.Alerts == 0 {
		return 0
	}
	return float64(u.Tables+u.Indexes) / float64(u.Alerts)
}

func (u DiskUsage) String() string {
	mb := func(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }
	return fmt.Sprintf("%d alerts stored: tables %s, indexes %s, WAL %s; %.0f bytes per alert (tables+indexes), %.0f with WAL",
		u.Alerts, mb(u.Tables), mb(u.Indexes), mb(u.WAL), u.PerAlert(), float64(u.Tables+u.Indexes+u.WAL)/float64(max(u.Alerts, 1)))
}

// walPosition is PostgreSQL's current WAL position (0 on SQLite).
func walPosition(ctx context.Context, d *db.DB) (string, error) {
	if d.Dialect != db.Postgres {
		return "", nil
	}
	var lsn string
	if err := d.Reader.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		return "", fmt.Errorf("bench: wal position: %w", err)
	}
	return lsn, nil
}

// diskUsage measures the alert tables after a run that started at WAL
// position wal0 (PostgreSQL), as the owner (row-level security hides
// other orgs' rows from the count otherwise).
func diskUsage(ctx context.Context, srv *server, wal0 string) (*DiskUsage, error) {
	d := srv.app.DB
	u := &DiskUsage{}
	if d.Dialect == db.SQLite {
		if err := d.Checkpoint(ctx); err != nil {
			return nil, err
		}
		if err := d.Writer.QueryRowContext(ctx, "SELECT count(*) FROM alerts").Scan(&u.Alerts); err != nil {
			return nil, fmt.Errorf("bench: count alerts: %w", err)
		}
		st, err := os.Stat(d.Path)
		if err != nil {
			return nil, fmt.Errorf("bench: database size: %w", err)
		}
		u.Tables = st.Size()
		if st, err := os.Stat(d.Path + "-wal"); err == nil {
			u.WAL = st.Size()
		}
		return u, nil
	}
	owner, err := srv.ownerDB(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = owner.Close() }()
	err = owner.Reader.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM alerts),
 sum(pg_table_size(c)), sum(pg_indexes_size(c)), pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint
FROM unnest(ARRAY['alerts', 'entities', 'alert_entities']::regclass[]) AS c`, wal0).Scan(&u.Alerts, &u.Tables, &u.Indexes, &u.WAL)
	if err != nil {
		return nil, fmt.Errorf("bench: table sizes: %w", err)
	}
	return u, nil
}

// serverCPU reads process_cpu_seconds_total from the server's /metrics.
func serverCPU(ctx context.Context, c *http.Client, url string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("bench: /metrics: status %d", res.StatusCode)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_cpu_seconds_total "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("bench: no process_cpu_seconds_total on /metrics")
}

// startCPUProfile writes a CPU profile to path until the returned stop.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path) //nolint:gosec // the operator's own output path
	if err != nil {
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
