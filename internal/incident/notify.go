package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Notification is one entry of a user's in-app inbox.
type Notification struct {
	ID         uuid.UUID       `json:"id"`
	Kind       string          `json:"kind" doc:"mention, sla_warning, sla_breach, assigned"`
	IncidentID *uuid.UUID      `json:"incident_id,omitempty"`
	Message    string          `json:"message"`
	Details    json.RawMessage `json:"details,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	ReadAt     *time.Time      `json:"read_at,omitempty"`
}

// notify puts a notification in a member's inbox.
func (s *Store) notify(ctx context.Context, tx *db.Tx, scope tenant.Scope, user uuid.UUID, kind string, incident *uuid.UUID, msg string, details any, now time.Time) error {
	d := []byte("{}")
	if details != nil {
		var err error
		if d, err = json.Marshal(details); err != nil {
			return fmt.Errorf("incident: encode notification: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incident_notifications (id, org_id, user_id, kind, incident_id, message, details, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, newID().String(), scope.Org().String(), user.String(), kind, uuidArg(incident), msg, string(d), now); err != nil {
		return fmt.Errorf("incident: notify: %w", err)
	}
	return nil
}

func (s *Store) notifyMentions(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row, note uuid.UUID, users []uuid.UUID, now time.Time) error {
	for _, u := range users {
		if err := s.notify(ctx, tx, scope, u, "mention", &r.ID, "You were mentioned on incident "+r.Title,
			map[string]any{"note_id": note, "by": scope.Actor()}, now); err != nil {
			return err
		}
	}
	return nil
}

// userOf returns the user a scope acts for (false for API keys and
// system work, which have no inbox).
func userOf(scope tenant.Scope) (uuid.UUID, bool) {
	id, ok := strings.CutPrefix(scope.Actor(), "user:")
	if !ok {
		return uuid.Nil, false
	}
	u, err := uuid.Parse(id)
	return u, err == nil
}

// Notifications lists the caller's inbox, newest first, at most limit
// entries before the cursor (the id of the previous page's last entry);
// unread counts the caller's unread notifications.
func (s *Store) Notifications(ctx context.Context, scope tenant.Scope, unreadOnly bool, after *uuid.UUID, limit int) (out []Notification, next string, unread int, err error) {
	out = []Notification{}
	user, ok := userOf(scope)
	if !ok {
		return out, "", 0, nil
	}
	limit = max(1, min(limit, 200))
	err = s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		org := scope.Org().String()
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incident_notifications WHERE org_id = $1 AND user_id = $2 AND read_at IS NULL`,
			org, user.String()).Scan(&unread); err != nil {
			return fmt.Errorf("incident: count unread: %w", err)
		}
		q := `SELECT id, kind, incident_id, message, details, created_at, read_at FROM incident_notifications WHERE org_id = $1 AND user_id = $2`
		args := []any{org, user.String()}
		if unreadOnly {
			q += ` AND read_at IS NULL`
		}
		if after != nil {
			args = append(args, after.String())
			q += ` AND (created_at, id) < (SELECT created_at, id FROM incident_notifications WHERE org_id = $1 AND user_id = $2 AND id = $3)`
		}
		rs, err := tx.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit+1), args...)
		if err != nil {
			return fmt.Errorf("incident: list notifications: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var n Notification
			var inc sql.NullString
			var details string
			var read sql.NullTime
			if err := rs.Scan(&n.ID, &n.Kind, &inc, &n.Message, &details, &n.CreatedAt, &read); err != nil {
				return fmt.Errorf("incident: scan notification: %w", err)
			}
			if n.IncidentID, err = nullUUID(inc); err != nil {
				return err
			}
			n.Details, n.CreatedAt, n.ReadAt = json.RawMessage(details), n.CreatedAt.UTC(), nullTime(read)
			out = append(out, n)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, "", 0, err
	}
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID.String()
	}
	return out, next, unread, nil
}

// MarkRead marks one of the caller's notifications read.
func (s *Store) MarkRead(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	user, ok := userOf(scope)
	if !ok {
		return apperr.NotFound("notification")
	}
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE incident_notifications SET read_at = COALESCE(read_at, $4) WHERE org_id = $1 AND user_id = $2 AND id = $3`,
			scope.Org().String(), user.String(), id.String(), s.now())
		if err != nil {
			return fmt.Errorf("incident: mark read: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return apperr.NotFound("notification")
		}
		return auditRecord(ctx, tx, scope, "notification.read", "notification", id.String(), nil)
	})
}
