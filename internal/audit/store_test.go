package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/testdb"
)

func TestChainsIntactAcrossOrgs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		// Nanosecond start: stored times are truncated to microseconds
		// before hashing, so they must round-trip exactly.
		fakeClock(t, time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC), 1001*time.Nanosecond)
		orgs := []uuid.UUID{newOrg(), newOrg(), newOrg(), uuid.Nil}
		const per = 40
		for i := range per {
			for _, org := range orgs {
				record(t, d, entry(org, i))
			}
		}
		rep := mustVerify(t, d, VerifyOptions{})
		if !rep.OK() {
			t.Fatalf("intact chains reported broken: %+v", rep)
		}
		if len(rep.Chains) != len(orgs) {
			t.Fatalf("want %d chains, got %d", len(orgs), len(rep.Chains))
		}
		for _, org := range orgs {
			c := chainOf(t, rep, org)
			if c.Entries != per || c.Head.Seq != per {
				t.Fatalf("chain %s: %d entries, head %d; want %d", chainName(org), c.Entries, c.Head.Seq, per)
			}
		}
		if rep.Chains[0].OrgID != uuid.Nil {
			t.Fatalf("platform chain must be reported first, got %s", rep.Chains[0].OrgID)
		}
	})
}

func TestStoredFieldsRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		at := time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC)
		fakeClock(t, at, time.Second)
		org := newOrg()
		e := Entry{
			OrgID: org, Actor: "user:é\x00x", Action: "alert.update", TargetType: "alert", TargetID: "a\xffb",
			UserAgent: strings.Repeat("u", 600),
			// Numbers, escapes and key order that jsonb rewrites.
			Details: []byte(`{"z": 1.0, "a": [1e2, 12345678901234567890, -0.0, 1e-7], "s": "<&>\u2028\u00e9\"\\", "a": "dup", "n": null, "t": true}`),
		}
		record(t, d, e)
		var got []Stored
		if err := EachInOrg(context.Background(), d, tenant.System(org, "test"), func(s Stored) error {
			got = append(got, s)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("want 1 entry, got %d", len(got))
		}
		s := got[0]
		if !s.OccurredAt.Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("occurred_at %v, want %v", s.OccurredAt, at.Truncate(time.Microsecond))
		}
		if s.Actor != "user:é\uFFFDx" || s.TargetID != "a\uFFFDb" || len(s.UserAgent) != maxUserAgent {
			t.Fatalf("fields not sanitised as hashed: %q %q %d", s.Actor, s.TargetID, len(s.UserAgent))
		}
		// encoding/json always escapes U+2028; jsonb turns the escape back
		// into the character, canonicalisation escapes it again.
		want := `{"a":"dup","n":null,"s":"<&>\u2028é\"\\","t":true,"z":1}`
		if string(s.Details) != want {
			t.Fatalf("details\n got %s\nwant %s", s.Details, want)
		}
		if got := s.fields().ComputeHash(); got != s.Hash {
			t.Fatalf("stored row does not hash to its hash: %s != %s", got, s.Hash)
		}
		if s.PrevHash != GenesisHash || s.Seq != 1 {
			t.Fatalf("first entry: seq %d prev %s", s.Seq, s.PrevHash)
		}
	})
}

// TestDetailsSurviveJSONB: every details value hashes the same after the
// database stored and returned it (jsonb rewrites numbers and escapes).
func TestDetailsSurviveJSONB(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		org := newOrg()
		for _, details := range []string{
			`[-0.0, 0.0, 1.000, 1e2, 1E-7, 5e-324, 1.7976931348623157e308, 12345678901234567890, 0.1]`,
			`{"\u00e9": "\u00e9", "\ud83d\ude00": "\ud83d\ude00", "\u2028": "\u001f\t\n", "": ""}`,
			`{"nested": {"b": [{"y": 1, "x": 2}], "a": {}}, "e": []}`,
			`"\ud800 lone surrogate"`, `null`, `true`, `"<script>&amp;"`,
		} {
			record(t, d, Entry{OrgID: org, Action: "x", Details: []byte(details)})
		}
		if c := chainOf(t, mustVerify(t, d, VerifyOptions{}), org); c.Break != nil || c.Entries != 7 {
			t.Fatalf("%+v %s", c, c.Break)
		}
	})
}

func TestConcurrentAppendsDoNotFork(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		org, other := newOrg(), newOrg()
		const workers, per = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*per*2)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range per {
					target := org
					switch (w + i) % 4 {
					case 1:
						target = other
					case 2:
						target = uuid.Nil
					}
					errs <- Log(context.Background(), d, entry(target, w*per+i))
					// Half the appends to the main org go through InOrg.
					errs <- d.InOrg(context.Background(), tenant.System(org, "test"), func(ctx context.Context, tx *db.Tx) error {
						return Record(ctx, tx, entry(org, i))
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		rep := mustVerify(t, d, VerifyOptions{})
		if !rep.OK() {
			t.Fatalf("concurrent appends broke a chain: %+v", rep)
		}
		var total int64
		for _, c := range rep.Chains {
			total += c.Entries
		}
		if total != workers*per*2 {
			t.Fatalf("want %d entries over all chains, got %d", workers*per*2, total)
		}
	})
}

func TestTamperingNamesTheEntry(t *testing.T) {
	cases := []struct {
		name    string
		stmt    string // %s: org column predicate value placeholder order: org, seq
		breakAt int64  // seq of the reported entry
		problem string
	}{
		{"actor", "UPDATE audit_log SET actor = 'user:evil' WHERE org_id = $1 AND seq = $2", 4, "content does not match"},
		{"details", "UPDATE audit_log SET details = '{\"i\":999}' WHERE org_id = $1 AND seq = $2", 4, "content does not match"},
		{"outcome", "UPDATE audit_log SET outcome = 'success' WHERE org_id = $1 AND seq = $2", 4, "content does not match"},
		{"bad hash", "UPDATE audit_log SET hash = '" + strings.Repeat("a", 64) + "' WHERE org_id = $1 AND seq = $2", 4, "content does not match"},
		// A rewrite that recomputes the entry's own hash breaks the link
		// of its successor.
		{"rehashed", "UPDATE audit_log SET target_id = 'x' WHERE org_id = $1 AND seq = $2", 5, "prev_hash"},
		{"deleted", "DELETE FROM audit_log WHERE org_id = $1 AND seq = $2", 4, "missing"},
	}
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				o := owner(t, d)
				org, bystander := newOrg(), newOrg()
				for i := range 8 {
					record(t, d, entry(org, i))
					record(t, d, entry(bystander, i))
				}
				if rep := mustVerify(t, d, VerifyOptions{Orgs: []uuid.UUID{org}}); !rep.OK() {
					t.Fatalf("broken before tampering: %+v", rep)
				}
				wantID := int64(0)
				if tc.name != "deleted" {
					wantID = rowID(t, o, org, tc.breakAt)
				}
				tamper(t, o, tc.stmt, org.String(), 4)
				if tc.name == "rehashed" {
					var s4 Stored
					if err := EachInChain(context.Background(), o, org, func(s Stored) error {
						if s.Seq == 4 {
							s4 = s
						}
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					tamper(t, o, "UPDATE audit_log SET hash = $1 WHERE org_id = $2 AND seq = 4", s4.fields().ComputeHash(), org.String())
				}
				rep := mustVerify(t, d, VerifyOptions{})
				c := chainOf(t, rep, org)
				if c.Break == nil {
					t.Fatal("tampering not detected")
				}
				if c.Break.Seq != tc.breakAt || c.Break.ID != wantID || !strings.Contains(c.Break.Problem, tc.problem) {
					t.Fatalf("break %s; want seq %d id %d problem %q", c.Break, tc.breakAt, wantID, tc.problem)
				}
				if c.Entries != tc.breakAt-1 {
					t.Fatalf("verified %d entries before the break, want %d", c.Entries, tc.breakAt-1)
				}
				if b := chainOf(t, rep, bystander); b.Break != nil || b.Entries != 8 {
					t.Fatalf("untouched chain reported %+v", b)
				}
			})
		}
	})
}

func TestOccurredAtOffByOneMicrosecondDetected(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		org := newOrg()
		for i := range 3 {
			record(t, d, entry(org, i))
		}
		o := owner(t, d)
		var at time.Time
		if err := o.Writer.QueryRow("SELECT occurred_at FROM audit_log WHERE org_id = $1 AND seq = 2", org.String()).Scan(&at); err != nil {
			t.Fatal(err)
		}
		tamper(t, o, "UPDATE audit_log SET occurred_at = $1 WHERE org_id = $2 AND seq = 2", at.Add(time.Microsecond).UTC(), org.String())
		c := chainOf(t, mustVerify(t, d, VerifyOptions{}), org)
		if c.Break == nil || c.Break.Seq != 2 {
			t.Fatalf("a 1µs change of occurred_at must break seq 2, got %+v", c.Break)
		}
	})
}

func TestTruncationNeedsAnAnchor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		org := newOrg()
		for i := range 6 {
			record(t, d, entry(org, i))
		}
		head := chainOf(t, mustVerify(t, d, VerifyOptions{}), org).Head
		if head.Seq != 6 {
			t.Fatalf("head %+v", head)
		}
		a, err := ParseAnchor(head.String())
		if err != nil || a != head {
			t.Fatalf("anchor round trip: %v %+v", err, a)
		}
		tamper(t, owner(t, d), "DELETE FROM audit_log WHERE org_id = $1 AND seq >= $2", org.String(), 5)
		// Without the anchor the shortened chain is self-consistent: the
		// documented limit of a hash chain.
		if c := chainOf(t, mustVerify(t, d, VerifyOptions{}), org); c.Break != nil || c.Entries != 4 {
			t.Fatalf("without anchor: %+v", c)
		}
		c := chainOf(t, mustVerify(t, d, VerifyOptions{Anchors: []Anchor{head}}), org)
		if c.Break == nil || c.Break.Seq != 6 || !strings.Contains(c.Break.Problem, "anchored entry is missing") {
			t.Fatalf("anchor must reveal truncation, got %+v", c.Break)
		}
		// A whole chain deleted is reported too.
		tamper(t, owner(t, d), "DELETE FROM audit_log WHERE org_id = $1", org.String())
		rep := mustVerify(t, d, VerifyOptions{Anchors: []Anchor{head}})
		if rep.OK() {
			t.Fatal("a deleted anchored chain must fail verification")
		}
	})
}

func TestAppendOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		org := newOrg()
		record(t, d, entry(org, 1))
		for _, stmt := range []string{
			"UPDATE audit_log SET actor = 'x'",
			"DELETE FROM audit_log",
		} {
			err := d.InOrg(ctx, tenant.System(org, "test"), func(ctx context.Context, tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, stmt)
				return err
			})
			if err == nil {
				t.Fatalf("%s: allowed for the application", stmt)
			}
			if d.Dialect == db.Postgres && !strings.Contains(err.Error(), "permission denied") {
				t.Fatalf("%s: want permission denied for the app role, got %v", stmt, err)
			}
			if d.Dialect == db.SQLite && !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: want the trigger's refusal, got %v", stmt, err)
			}
		}
		if d.Dialect == db.Postgres {
			err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, "TRUNCATE audit_log")
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "permission denied") {
				t.Fatalf("TRUNCATE: want permission denied, got %v", err)
			}
			// Even the owner is stopped by the trigger.
			o := owner(t, d)
			for _, stmt := range []string{"UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"} {
				if _, err := o.Writer.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Fatalf("owner %s: want the trigger's refusal, got %v", stmt, err)
				}
			}
		}
		if c := chainOf(t, mustVerify(t, d, VerifyOptions{}), org); c.Entries != 1 || c.Break != nil {
			t.Fatalf("entry changed: %+v", c)
		}
	})
}

func TestRowLevelSecurity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, b := newOrg(), newOrg()
		for i := range 3 {
			record(t, d, entry(a, i))
			record(t, d, entry(b, i))
			record(t, d, entry(uuid.Nil, i))
		}
		// The store's filter (both backends).
		page, err := List(ctx, d, tenant.System(a, "test"), Filter{Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) != 3 {
			t.Fatalf("org A sees %d entries, want 3", len(page.Entries))
		}
		for _, s := range page.Entries {
			if s.OrgID != a {
				t.Fatalf("org A saw an entry of %s", chainName(s.OrgID))
			}
		}
		if d.Dialect != db.Postgres {
			return
		}
		// RLS, with no filter at all in the query.
		count := func(scope tenant.Scope) (n int) {
			t.Helper()
			run := d.Read
			if scope.Valid() {
				run = func(ctx context.Context, fn func(context.Context, *db.Tx) error) error {
					return d.ReadInOrg(ctx, scope, fn)
				}
			}
			if err := run(ctx, func(ctx context.Context, tx *db.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(tenant.System(a, "test")); n != 3 {
			t.Fatalf("RLS: org A sees %d rows, want 3", n)
		}
		if n := count(tenant.Scope{}); n != 0 {
			t.Fatalf("RLS: an unarmed transaction sees %d rows (platform chain must be unreadable)", n)
		}
		// The chain head function refuses other chains.
		for _, target := range []any{b.String(), nil} {
			err := d.InOrg(ctx, tenant.System(a, "test"), func(ctx context.Context, tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, "SELECT * FROM audit_chain_head($1)", target)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "not the chain this transaction is armed for") {
				t.Fatalf("audit_chain_head(%v) from org A: got %v", target, err)
			}
		}
		// A forged insert into org B from org A's transaction is refused.
		err = d.InOrg(ctx, tenant.System(a, "test"), func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (org_id, seq, occurred_at, actor, action, outcome, prev_hash, hash)
				VALUES ($1, 99, now(), 'x', 'x', 'success', 'x', 'x')`, b.String())
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "row-level security") {
			t.Fatalf("insert into another org's chain: got %v", err)
		}
	})
}

func TestRecordTransactionRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, b := newOrg(), newOrg()
		inA := func(e Entry) error {
			return d.InOrg(ctx, tenant.System(a, "test"), func(ctx context.Context, tx *db.Tx) error { return Record(ctx, tx, e) })
		}
		if err := inA(entry(a, 1)); err != nil {
			t.Fatalf("org entry in its org's transaction: %v", err)
		}
		if err := inA(entry(b, 1)); err == nil {
			t.Fatal("entry for org B accepted in org A's transaction")
		}
		if err := inA(entry(uuid.Nil, 1)); err == nil {
			t.Fatal("platform entry accepted in org A's transaction")
		}
		// An unarmed transaction writes the platform chain and, armed for
		// the two audit statements only, an org's chain.
		err := d.WithTx(ctx, func(ctx context.Context, tx *db.Tx) error {
			if err := Record(ctx, tx, entry(uuid.Nil, 2)); err != nil {
				return fmt.Errorf("platform: %w", err)
			}
			if err := Record(ctx, tx, entry(b, 2)); err != nil {
				return fmt.Errorf("org b: %w", err)
			}
			if d.Dialect == db.Postgres {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&n); err != nil {
					return err
				}
				if n != 0 {
					return fmt.Errorf("transaction still armed after Record: sees %d rows", n)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A rolled-back change takes its entry with it; the chain goes on.
		boom := errors.New("boom")
		err = d.InOrg(ctx, tenant.System(a, "test"), func(ctx context.Context, tx *db.Tx) error {
			if err := Record(ctx, tx, entry(a, 3)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("want boom, got %v", err)
		}
		if err := inA(entry(a, 4)); err != nil {
			t.Fatal(err)
		}
		if err := d.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
			return Record(ctx, tx, entry(uuid.Nil, 5))
		}); err == nil {
			t.Fatal("Record in a read-only transaction must fail")
		}
		if err := Log(ctx, d, Entry{OrgID: a}); err == nil {
			t.Fatal("entry without action accepted")
		}
		if err := Log(ctx, d, Entry{OrgID: a, Action: "x", Outcome: "maybe"}); err == nil {
			t.Fatal("unknown outcome accepted")
		}
		if err := Log(ctx, d, Entry{OrgID: a, Action: "x", Details: []byte(`{"a":`)}); err == nil {
			t.Fatal("invalid details accepted")
		}
		rep := mustVerify(t, d, VerifyOptions{})
		if !rep.OK() {
			t.Fatalf("%+v", rep)
		}
		for org, want := range map[uuid.UUID]int64{a: 2, b: 1, uuid.Nil: 1} {
			if c := chainOf(t, rep, org); c.Entries != want {
				t.Fatalf("chain %s: %d entries, want %d", chainName(org), c.Entries, want)
			}
		}
	})
}

func TestDefaultsFromContext(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		org := newOrg()
		ctx := tenant.WithScope(context.Background(), tenant.NewAuthenticated(org, "user:42"))
		if err := Log(ctx, d, Entry{OrgID: org, Action: "thing.do"}); err != nil {
			t.Fatal(err)
		}
		page, err := List(ctx, d, tenant.System(org, "test"), Filter{})
		if err != nil || len(page.Entries) != 1 {
			t.Fatalf("%v %d", err, len(page.Entries))
		}
		s := page.Entries[0]
		if s.Actor != "user:42" || s.Outcome != OutcomeSuccess || string(s.Details) != "{}" {
			t.Fatalf("defaults: %+v", s)
		}
	})
}
