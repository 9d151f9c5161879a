package testdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/db"
)

// PlanNode is one node of a PostgreSQL EXPLAIN (FORMAT JSON) plan.
type PlanNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	SharedHit    int64      `json:"Shared Hit Blocks"`
	SharedRead   int64      `json:"Shared Read Blocks"`
	ActualRows   float64    `json:"Actual Rows"`
	Plans        []PlanNode `json:"Plans"`
}

// Plan is an executed plan (EXPLAIN ANALYZE, BUFFERS).
type Plan struct {
	Root PlanNode
	// JSON is the plan as PostgreSQL printed it, for failure messages.
	JSON string
}

// Buffers is the shared buffers the whole plan touched (hit + read).
func (p Plan) Buffers() int64 { return p.Root.SharedHit + p.Root.SharedRead }

// Indexes lists the indexes the plan scans.
func (p Plan) Indexes() []string {
	var out []string
	var walk func(n PlanNode)
	walk = func(n PlanNode) {
		if n.IndexName != "" {
			out = append(out, n.IndexName)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(p.Root)
	return out
}

// SeqScans lists the relations the plan reads with a sequential scan.
func (p Plan) SeqScans() []string {
	var out []string
	var walk func(n PlanNode)
	walk = func(n PlanNode) {
		if n.NodeType == "Seq Scan" {
			out = append(out, n.RelationName)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(p.Root)
	return out
}

// Explain runs EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of q with args in
// tx (PostgreSQL) and returns the executed plan.
func Explain(ctx context.Context, t testing.TB, tx *db.Tx, q string, args ...any) Plan {
	t.Helper()
	var raw string
	if err := tx.QueryRowContext(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+q, args...).Scan(&raw); err != nil {
		t.Fatalf("testdb: explain %s: %v", firstLine(q), err)
	}
	var out []struct {
		Plan PlanNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) != 1 {
		t.Fatalf("testdb: decode plan of %s: %v", firstLine(q), err)
	}
	return Plan{Root: out[0].Plan, JSON: raw}
}

func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		q = q[:i] + " …"
	}
	return fmt.Sprintf("%.120s", q)
}
