package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/testdb"
)

// TestUnprivilegedOwner migrates as an ordinary database owner (no
// superuser, no BYPASSRLS), as a hardened deployment does: under forced
// RLS the app role still appends to the platform chain through
// audit_chain_head, and the owner (which `audit verify` runs as) still reads
// every chain through its own policy, while the app role reads none
// unarmed.
func TestUnprivilegedOwner(t *testing.T) {
	ctx := context.Background()
	app, owner := testdb.UnprivilegedOwner(t)

	org := newOrg()
	for i := range 3 {
		record(t, app, entry(org, i))
		record(t, app, entry(uuid.Nil, i)) // needs audit_chain_head for the platform head
	}
	rep, err := Verify(ctx, owner, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Chains) != 2 || chainOf(t, rep, org).Entries != 3 || chainOf(t, rep, uuid.Nil).Entries != 3 {
		t.Fatalf("owner verify: %+v", rep)
	}
	var n int
	if err := app.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&n)
	}); err != nil || n != 0 {
		t.Fatalf("app role unarmed sees %d rows (%v), want 0", n, err)
	}
	// Even the unprivileged owner cannot remove entries: forced RLS gives
	// it no DELETE policy (no row qualifies) and the trigger backs that up.
	res, err := owner.Writer.ExecContext(ctx, "DELETE FROM audit_log")
	if err != nil && !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("owner DELETE: %v", err)
	}
	if err == nil {
		if n, _ := res.RowsAffected(); n != 0 {
			t.Fatalf("owner deleted %d entries", n)
		}
	}
	if rep, err := Verify(ctx, owner, VerifyOptions{}); err != nil || !rep.OK() || chainOf(t, rep, org).Entries != 3 {
		t.Fatalf("after the owner's DELETE: %v %+v", err, rep)
	}
}
