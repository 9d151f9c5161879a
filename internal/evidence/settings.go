package evidence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Settings are an org's evidence settings.
type Settings struct {
	MaxSize         int64      `json:"max_size_bytes" doc:"Largest upload accepted for this org"`
	PlatformMaxSize int64      `json:"platform_max_size_bytes" readOnly:"true" doc:"The platform's limit (SECURENEXUS_EVIDENCE_MAX_SIZE); an org may only lower it"`
	UpdatedAt       *time.Time `json:"updated_at,omitempty" readOnly:"true"`
	UpdatedBy       string     `json:"updated_by,omitempty" readOnly:"true"`
}

// Settings returns the org's settings (the platform limit when it set none).
func (s *Store) Settings(ctx context.Context, scope tenant.Scope) (Settings, error) {
	st := Settings{MaxSize: s.MaxSize, PlatformMaxSize: s.MaxSize}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var max int64
		var at time.Time
		var by string
		err := tx.QueryRowContext(ctx, `SELECT max_size, updated_at, updated_by FROM evidence_settings WHERE org_id = $1`, scope.Org().String()).Scan(&max, &at, &by)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("evidence: read settings: %w", err)
		}
		at = at.UTC()
		st.MaxSize, st.UpdatedAt, st.UpdatedBy = min(max, s.MaxSize), &at, by
		return nil
	})
	return st, err
}

// SetMaxSize sets the org's upload limit (1 byte up to the platform's).
func (s *Store) SetMaxSize(ctx context.Context, scope tenant.Scope, max int64) (Settings, error) {
	if max < 1 || max > s.MaxSize {
		return Settings{}, apperr.Validation("invalid settings", apperr.Field("body.max_size_bytes", fmt.Sprintf("must be between 1 and the platform limit %d", s.MaxSize)))
	}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evidence_settings (org_id, max_size, updated_at, updated_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (org_id) DO UPDATE SET max_size = excluded.max_size, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			scope.Org().String(), max, s.now(), scope.Actor()); err != nil {
			return fmt.Errorf("evidence: write settings: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "evidence.settings_update",
			TargetType: "evidence_settings", TargetID: scope.Org().String(), Details: fmt.Appendf(nil, `{"max_size_bytes":%d}`, max)})
	})
	if err != nil {
		return Settings{}, err
	}
	return s.Settings(ctx, scope)
}
