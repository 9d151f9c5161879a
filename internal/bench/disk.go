package bench

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"

	"github.com/securenexus/securenexus/internal/db"
)

// DiskUsage is what the alert tables take on disk after a run.
type DiskUsage struct {
	// Tables is the heap (and, on PostgreSQL, TOAST) of alerts, entities
	// and alert_entities; Indexes their indexes (on SQLite: the pages of
	// those b-trees, from dbstat).
	Tables, Indexes int64
	// Database is every table and index of the database: what the alerts
	// cost with what intake writes beside them (events, jobs, correlation
	// groups, incident links).
	Database int64
	// WAL is the write-ahead log: on PostgreSQL the bytes written during
	// the run (cluster-wide), on SQLite the -wal file's size at the end.
	WAL int64
	// Alerts is the number of stored alerts the bytes are divided by.
	Alerts int64
	// Largest lists the biggest tables and indexes, largest first.
	Largest []ObjectSize
}

// ObjectSize is the bytes one table (with TOAST) or index takes.
type ObjectSize struct {
	Name  string
	Index bool
	Bytes int64
}

// alertTables are the tables whose bytes count as the alerts' own.
var alertTables = []string{"alerts", "entities", "alert_entities"}

// largestShown bounds DiskUsage.Largest.
const largestShown = 12

// PerAlert is the bytes of tables and indexes per stored alert.
func (u DiskUsage) PerAlert() float64 {
	if u.Alerts == 0 {
		return 0
	}
	return float64(u.Tables+u.Indexes) / float64(u.Alerts)
}

func (u DiskUsage) String() string {
	mb := func(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }
	per := func(b int64) float64 { return float64(b) / float64(max(u.Alerts, 1)) }
	var b strings.Builder
	fmt.Fprintf(&b, "%d alerts stored: alert tables %s, their indexes %s, WAL %s; %.0f bytes per alert (alert tables+indexes), %.0f with WAL; whole database %s (%.0f bytes per alert)",
		u.Alerts, mb(u.Tables), mb(u.Indexes), mb(u.WAL), u.PerAlert(), per(u.Tables+u.Indexes+u.WAL), mb(u.Database), per(u.Database))
	for _, o := range u.Largest {
		kind := "table"
		if o.Index {
			kind = "index"
		}
		fmt.Fprintf(&b, "\n  %-5s %-44s %9s %6.0f B/alert", kind, o.Name, mb(o.Bytes), per(o.Bytes))
	}
	return b.String()
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
		if st, err := os.Stat(d.Path + "-wal"); err == nil {
			u.WAL = st.Size()
		}
		// dbstat: the pages of every b-tree, named by table or index.
		rs, err := d.Writer.QueryContext(ctx, `SELECT s.name, COALESCE(m.type = 'index', 0), COALESCE(m.tbl_name, s.name), sum(s.pgsize)
FROM dbstat s LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY s.name`)
		if err != nil {
			return nil, fmt.Errorf("bench: dbstat: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var o ObjectSize
			var table string
			if err := rs.Scan(&o.Name, &o.Index, &table, &o.Bytes); err != nil {
				return nil, fmt.Errorf("bench: dbstat: %w", err)
			}
			u.add(o, table)
		}
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("bench: dbstat: %w", err)
		}
		u.rank()
		return u, nil
	}
	owner, err := srv.ownerDB(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = owner.Close() }()
	err = owner.Reader.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM alerts), pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint`,
		wal0).Scan(&u.Alerts, &u.WAL)
	if err != nil {
		return nil, fmt.Errorf("bench: alert count and WAL: %w", err)
	}
	// Every table (heap + TOAST) and index of the application's schemas.
	rs, err := owner.Reader.QueryContext(ctx, `SELECT c.relname, c.relkind = 'i',
 CASE WHEN c.relkind = 'i' THEN t.relname ELSE c.relname END,
 CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index x ON x.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = x.indrelid
WHERE c.relkind IN ('r', 'i', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`)
	if err != nil {
		return nil, fmt.Errorf("bench: relation sizes: %w", err)
	}
	defer func() { _ = rs.Close() }()
	for rs.Next() {
		var o ObjectSize
		var table string
		if err := rs.Scan(&o.Name, &o.Index, &table, &o.Bytes); err != nil {
			return nil, fmt.Errorf("bench: relation sizes: %w", err)
		}
		u.add(o, table)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("bench: relation sizes: %w", err)
	}
	u.rank()
	return u, nil
}

// add counts one table or index (of table) into u.
func (u *DiskUsage) add(o ObjectSize, table string) {
	u.Database += o.Bytes
	if slices.Contains(alertTables, table) {
		if o.Index {
			u.Indexes += o.Bytes
		} else {
			u.Tables += o.Bytes
		}
	}
	u.Largest = append(u.Largest, o)
}

// rank keeps the largest objects, largest first.
func (u *DiskUsage) rank() {
	slices.SortFunc(u.Largest, func(a, b ObjectSize) int { return cmp.Compare(b.Bytes, a.Bytes) })
	if len(u.Largest) > largestShown {
		u.Largest = u.Largest[:largestShown]
	}
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
