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
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Activity kinds.
const (
	ActivityComment = "comment"
	ActivityChange  = "change"
)

// MaxActivity bounds one page of an alert's activity.
const MaxActivity = 200

// Activity is one entry of an alert's history: a comment, or a change
// (single or bulk) with its closure reason.
type Activity struct {
	ID        uuid.UUID    `json:"id"`
	Kind      string       `json:"kind" enum:"comment,change"`
	Actor     string       `json:"actor" doc:"user:<id> or apikey:<id>"`
	Body      string       `json:"body,omitempty" doc:"The comment"`
	Change    *AlertChange `json:"change,omitempty" doc:"What changed (status, assignee, tags, reason)"`
	CreatedAt time.Time    `json:"created_at"`
}

// CommentInput is a new comment.
type CommentInput struct {
	Body string `json:"body" minLength:"1" maxLength:"5000"`
}

func addActivity(ctx context.Context, tx *db.Tx, scope tenant.Scope, alertID uuid.UUID, kind, body string, c *AlertChange, now time.Time) error {
	_, err := insertActivity(ctx, tx, scope, alertID, kind, body, c, now)
	return err
}

func insertActivity(ctx context.Context, tx *db.Tx, scope tenant.Scope, alertID uuid.UUID, kind, body string, c *AlertChange, now time.Time) (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return id, fmt.Errorf("alerts: activity id: %w", err)
	}
	var change any
	if c != nil {
		b, err := json.Marshal(c)
		if err != nil {
			return id, fmt.Errorf("alerts: encode change: %w", err)
		}
		change = string(b)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO alert_activity (id, org_id, alert_id, actor, kind, body, change, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id.String(), scope.Org().String(), alertID.String(), scope.Actor(), kind, body, change, now); err != nil {
		return id, fmt.Errorf("alerts: record activity: %w", err)
	}
	return id, nil
}

// Comment adds a comment to an alert (audited), in one transaction.
func (s *Store) Comment(ctx context.Context, scope tenant.Scope, alertID uuid.UUID, in CommentInput) (*Activity, error) {
	body := strings.TrimSpace(in.Body)
	if body == "" {
		return nil, apperr.Validation("invalid comment", apperr.Field("body.body", "empty comment"))
	}
	now := time.Now().UTC()
	var out *Activity
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM alerts WHERE org_id = $1 AND id = $2`, scope.Org().String(), alertID.String()).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("alert")
		}
		if err != nil {
			return fmt.Errorf("alerts: find alert: %w", err)
		}
		id, err := insertActivity(ctx, tx, scope, alertID, ActivityComment, body, nil, now)
		if err != nil {
			return err
		}
		details, _ := json.Marshal(map[string]int{"length": len(body)})
		out = &Activity{ID: id, Kind: ActivityComment, Actor: scope.Actor(), Body: body, CreatedAt: now}
		return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "alert.comment",
			TargetType: "alert", TargetID: alertID.String(), Details: details})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Activity returns an alert's comments and changes, newest first (at most
// MaxActivity).
func (s *Store) Activity(ctx context.Context, scope tenant.Scope, alertID uuid.UUID) ([]Activity, error) {
	out := []Activity{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM alerts WHERE org_id = $1 AND id = $2`, scope.Org().String(), alertID.String()).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("alert")
		}
		if err != nil {
			return fmt.Errorf("alerts: find alert: %w", err)
		}
		rs, err := tx.QueryContext(ctx, `SELECT id, kind, actor, body, change, created_at FROM alert_activity
WHERE org_id = $1 AND alert_id = $2 ORDER BY created_at DESC, id DESC LIMIT `+fmt.Sprint(MaxActivity), scope.Org().String(), alertID.String())
		if err != nil {
			return fmt.Errorf("alerts: activity: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var a Activity
			var change sql.NullString
			if err := rs.Scan(&a.ID, &a.Kind, &a.Actor, &a.Body, &change, &a.CreatedAt); err != nil {
				return fmt.Errorf("alerts: scan activity: %w", err)
			}
			if change.Valid && change.String != "" {
				a.Change = &AlertChange{}
				if err := json.Unmarshal([]byte(change.String), a.Change); err != nil {
					return fmt.Errorf("alerts: decode activity change: %w", err)
				}
			}
			a.CreatedAt = a.CreatedAt.UTC()
			out = append(out, a)
		}
		return rs.Err()
	})
	return out, err
}
