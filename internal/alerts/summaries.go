package alerts

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Summaries returns the scope's alerts among ids (missing ones are left
// out) with their normalized fields and entities, without raw payloads:
// the facade other domains (incidents, correlation) read alerts through.
// It joins the caller's transaction when ctx carries one.
func (s *Store) Summaries(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]alert.Alert, error) {
	var out []alert.Alert
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		for chunk := range slices.Chunk(ids, 500) {
			args := []any{scope.Org().String()}
			ph := make([]string, len(chunk))
			for i, id := range chunk {
				args = append(args, id.String())
				ph[i] = fmt.Sprintf("$%d", len(args))
			}
			rs, err := tx.QueryContext(ctx, `SELECT `+listCols+` FROM alerts a WHERE a.org_id = $1 AND a.id IN (`+strings.Join(ph, ", ")+`)`, args...)
			if err != nil {
				return fmt.Errorf("alerts: summaries: %w", err)
			}
			for rs.Next() {
				a, err := scanAlert(rs)
				if err != nil {
					_ = rs.Close()
					return err
				}
				out = append(out, a)
			}
			if err := rs.Err(); err != nil {
				_ = rs.Close()
				return fmt.Errorf("alerts: summaries: %w", err)
			}
			_ = rs.Close()
		}
		return nil
	})
	return out, err
}
