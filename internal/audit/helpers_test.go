package audit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

// owner returns a handle that reads every chain: on PostgreSQL the owner
// connection (as the CLI uses), on SQLite the same database.
func owner(t *testing.T, d *db.DB) *db.DB {
	t.Helper()
	if d.Dialect == db.Postgres {
		return testdb.OpenPostgresOwner(t, d)
	}
	return d
}

// fakeClock makes now() deterministic for a test: each call advances by
// step from start.
func fakeClock(t *testing.T, start time.Time, step time.Duration) {
	t.Helper()
	var mu sync.Mutex
	cur := start
	old := now
	now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		v := cur
		cur = cur.Add(step)
		return v
	}
	t.Cleanup(func() { now = old })
}

// record appends one entry for org (uuid.Nil: platform) the way services
// do: inside db.InOrg for an org, inside db.WithTx for the platform.
func record(t *testing.T, d *db.DB, e Entry) {
	t.Helper()
	ctx := context.Background()
	var err error
	if e.OrgID == uuid.Nil {
		err = d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error { return Record(ctx, tx, e) })
	} else {
		err = d.InOrg(ctx, tenant.System(e.OrgID, "test"), func(ctx context.Context, tx *db.Tx) error { return Record(ctx, tx, e) })
	}
	if err != nil {
		t.Fatalf("record %+v: %v", e, err)
	}
}

func entry(org uuid.UUID, i int) Entry {
	return Entry{
		OrgID:      org,
		Actor:      fmt.Sprintf("user:%d", i%3),
		Action:     []string{"alert.update", "alert.create", "apikey.create", "auth.login"}[i%4],
		TargetType: []string{"alert", "alert", "apikey", "session"}[i%4],
		TargetID:   fmt.Sprintf("t-%d", i),
		Outcome:    []Outcome{OutcomeSuccess, OutcomeSuccess, OutcomeFailure, OutcomeDenied}[i%4],
		RequestID:  fmt.Sprintf("req-%d", i),
		IP:         "192.0.2.1",
		UserAgent:  "test-agent/1.0",
		Details:    []byte(fmt.Sprintf(`{"i": %d, "note": "entry", "n": 1.50}`, i)),
	}
}

func newOrg() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// mustVerify runs Verify on the owner handle.
func mustVerify(t *testing.T, d *db.DB, opts VerifyOptions) Report {
	t.Helper()
	rep, err := Verify(context.Background(), owner(t, d), opts)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func chainOf(t *testing.T, rep Report, org uuid.UUID) ChainReport {
	t.Helper()
	for _, c := range rep.Chains {
		if c.OrgID == org {
			return c
		}
	}
	t.Fatalf("no chain %s in report %+v", chainName(org), rep)
	return ChainReport{}
}

// rowID returns the row id of a chain entry, read on the owner handle.
func rowID(t *testing.T, o *db.DB, org uuid.UUID, seq int64) int64 {
	t.Helper()
	var id int64
	var err error
	if org == uuid.Nil {
		err = o.Writer.QueryRow("SELECT id FROM audit_log WHERE org_id IS NULL AND seq = $1", seq).Scan(&id)
	} else {
		err = o.Writer.QueryRow("SELECT id FROM audit_log WHERE org_id = $1 AND seq = $2", org.String(), seq).Scan(&id)
	}
	if err != nil {
		t.Fatalf("row id of %s/%d: %v", chainName(org), seq, err)
	}
	return id
}

// tamper runs stmt on the owner handle with the append-only guard lifted,
// as an attacker with database access would.
func tamper(t *testing.T, o *db.DB, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if o.Dialect == db.Postgres {
		conn, err := o.Writer.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close() }()
		for _, s := range []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"} {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		if _, err := conn.ExecContext(ctx, stmt, args...); err != nil {
			t.Fatalf("tamper %s: %v", stmt, err)
		}
		if _, err := conn.ExecContext(ctx, "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, s := range []string{"DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"} {
		if _, err := o.Writer.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if _, err := o.Writer.ExecContext(ctx, stmt, args...); err != nil {
		t.Fatalf("tamper %s: %v", stmt, err)
	}
}
