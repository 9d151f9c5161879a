package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// MaxSavedFilters bounds the saved filters of one user.
const MaxSavedFilters = 100

// SavedAlertFilter is a named list query of one user.
type SavedAlertFilter struct {
	ID        uuid.UUID  `json:"id"`
	Name      string     `json:"name"`
	Query     AlertQuery `json:"query"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// SavedAlertFilterInput creates or replaces a saved filter.
type SavedAlertFilterInput struct {
	Name  string     `json:"name" minLength:"1" maxLength:"100"`
	Query AlertQuery `json:"query"`
}

// validate checks the query (the API's text rule has already refused NUL
// and invalid UTF-8 in every string).
func (in *SavedAlertFilterInput) validate() error {
	fields := in.Query.normalize("body.query.")
	for i, st := range in.Query.SourceTypes {
		if strings.Contains(st, ",") {
			fields = append(fields, apperr.Field(fmt.Sprintf("body.query.source_type[%d]", i), "one source type per array item; commas are not accepted"))
		}
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid saved filter", fields...)
	}
	return nil
}

// ListFilters returns the caller's saved filters by name.
func (s *Store) ListFilters(ctx context.Context, scope tenant.Scope) ([]SavedAlertFilter, error) {
	out := []SavedAlertFilter{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT id, name, query, created_at, updated_at FROM alert_saved_filters
WHERE org_id = $1 AND user_actor = $2 ORDER BY name`, scope.Org().String(), scope.Actor())
		if err != nil {
			return fmt.Errorf("alerts: list filters: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			f, err := scanFilter(rs)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return rs.Err()
	})
	return out, err
}

func scanFilter(sc scanner) (SavedAlertFilter, error) {
	var f SavedAlertFilter
	var q string
	if err := sc.Scan(&f.ID, &f.Name, &q, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return f, err
	}
	if err := json.Unmarshal([]byte(q), &f.Query); err != nil {
		return f, fmt.Errorf("alerts: decode filter: %w", err)
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return f, nil
}

// CreateFilter saves a filter for the caller.
func (s *Store) CreateFilter(ctx context.Context, scope tenant.Scope, in SavedAlertFilterInput) (*SavedAlertFilter, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("alerts: filter id: %w", err)
	}
	now := time.Now().UTC()
	f := &SavedAlertFilter{ID: id, Name: in.Name, Query: in.Query, CreatedAt: now, UpdatedAt: now}
	q, _ := json.Marshal(in.Query)
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alert_saved_filters WHERE org_id = $1 AND user_actor = $2`,
			scope.Org().String(), scope.Actor()).Scan(&n); err != nil {
			return fmt.Errorf("alerts: count filters: %w", err)
		}
		if n >= MaxSavedFilters {
			return apperr.Conflict(fmt.Sprintf("you have %d saved filters, the most allowed; delete one first", n)).WithCode("too_many_filters")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO alert_saved_filters (id, org_id, user_actor, name, query, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)`, id.String(), scope.Org().String(), scope.Actor(), in.Name, string(q), now)
		if err != nil && db.IsUniqueViolation(err) {
			return apperr.Conflict("you already have a filter with this name").WithCode("filter_exists")
		}
		if err != nil {
			return fmt.Errorf("alerts: create filter: %w", err)
		}
		_, err = events.Append(ctx, tx, scope, events.SavedFilterCreated, events.Subject("saved_filter", id), events.SavedFilterV1{FilterID: id, Owner: scope.Actor()})
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// UpdateFilter replaces one of the caller's filters.
func (s *Store) UpdateFilter(ctx context.Context, scope tenant.Scope, id uuid.UUID, in SavedAlertFilterInput) (*SavedAlertFilter, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var f SavedAlertFilter
	q, _ := json.Marshal(in.Query)
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		f, err = scanFilter(tx.QueryRowContext(ctx, `UPDATE alert_saved_filters SET name = $4, query = $5, updated_at = $6
WHERE org_id = $1 AND user_actor = $2 AND id = $3 RETURNING id, name, query, created_at, updated_at`,
			scope.Org().String(), scope.Actor(), id.String(), in.Name, string(q), time.Now().UTC()))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return apperr.NotFound("saved filter")
		case err != nil && db.IsUniqueViolation(err):
			return apperr.Conflict("you already have a filter with this name").WithCode("filter_exists")
		case err != nil:
			return fmt.Errorf("alerts: update filter: %w", err)
		}
		_, err = events.Append(ctx, tx, scope, events.SavedFilterUpdated, events.Subject("saved_filter", id), events.SavedFilterV1{FilterID: id, Owner: scope.Actor()})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// DeleteFilter deletes one of the caller's filters.
func (s *Store) DeleteFilter(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM alert_saved_filters WHERE org_id = $1 AND user_actor = $2 AND id = $3`,
			scope.Org().String(), scope.Actor(), id.String())
		if err != nil {
			return fmt.Errorf("alerts: delete filter: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("saved filter")
		}
		_, err = events.Append(ctx, tx, scope, events.SavedFilterDeleted, events.Subject("saved_filter", id), events.SavedFilterV1{FilterID: id, Owner: scope.Actor()})
		return err
	})
}
