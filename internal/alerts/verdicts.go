package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Verdicts counts the scope's alerts received in [from, to) by detection
// rule and source type: how many were closed (resolved or false positive)
// and how many of those as false positives. It is the facade the incident
// metrics read alert closure reasons through, and joins the caller's
// transaction when ctx carries one.
func (s *Store) Verdicts(ctx context.Context, scope tenant.Scope, from, to time.Time) ([]alert.Verdicts, error) {
	out := []alert.Verdicts{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT rule_id, source_type,
 SUM(CASE WHEN status IN ($4, $5) THEN 1 ELSE 0 END), SUM(CASE WHEN status = $5 THEN 1 ELSE 0 END)
FROM alerts WHERE org_id = $1 AND received_time >= $2 AND received_time < $3
GROUP BY rule_id, source_type ORDER BY rule_id, source_type`, scope.Org().String(), from.UTC(), to.UTC(),
			string(alert.StatusResolved), string(alert.StatusFalsePositive))
		if err != nil {
			return fmt.Errorf("alerts: verdicts: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var v alert.Verdicts
			if err := rs.Scan(&v.Rule, &v.Source, &v.Closed, &v.FalsePositive); err != nil {
				return fmt.Errorf("alerts: scan verdicts: %w", err)
			}
			out = append(out, v)
		}
		return rs.Err()
	})
	return out, err
}
