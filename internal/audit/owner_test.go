package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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
	admin, err := pgx.Connect(ctx, testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(ctx) }()
	var b [5]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	role, name := "sn_audit_owner_"+suffix, "sn_test_audit_owner_"+suffix
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
		"CREATE DATABASE " + name + " OWNER " + role,
		"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'securenexus_app') THEN CREATE ROLE securenexus_app NOLOGIN; END IF; END $$",
		"GRANT securenexus_app TO " + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testdb.AdminURL())
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_, _ = c.Exec(context.Background(), "DROP OWNED BY "+role)
		_, _ = c.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	u, err := url.Parse(testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	u.Path = "/" + name
	owner, err := db.Open(ctx, db.Options{URL: u.String(), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = owner.Close() }()
	if err := testdb.MigrateAll(ctx, owner); err != nil {
		t.Fatalf("migrate as an unprivileged owner: %v", err)
	}
	app, err := db.Open(ctx, db.Options{URL: u.String(), MaxConns: 4, AppRole: "securenexus_app"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = app.Close() }()

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
