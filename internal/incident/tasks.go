package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// TaskStatus is the state of a task.
type TaskStatus string

// Task statuses.
const (
	TaskOpen       TaskStatus = "open"
	TaskInProgress TaskStatus = "in_progress"
	TaskDone       TaskStatus = "done"
	TaskCancelled  TaskStatus = "cancelled"
)

// TaskStatuses lists every task status.
var TaskStatuses = []TaskStatus{TaskOpen, TaskInProgress, TaskDone, TaskCancelled}

// MaxTasks bounds the tasks of one incident.
const MaxTasks = 200

// Task is one piece of work on an incident.
type Task struct {
	ID         uuid.UUID  `json:"id"`
	IncidentID uuid.UUID  `json:"incident_id"`
	Title      string     `json:"title"`
	Assignee   *uuid.UUID `json:"assignee,omitempty"`
	DueAt      *time.Time `json:"due_at,omitempty"`
	Status     TaskStatus `json:"status" enum:"open,in_progress,done,cancelled"`
	Position   int        `json:"position" doc:"Order within the incident, from 1"`
	MovedFrom  *uuid.UUID `json:"moved_from,omitempty" doc:"Incident the task came from in a merge"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// TaskInput creates a task.
type TaskInput struct {
	Title    string     `json:"title" minLength:"1" maxLength:"300"`
	Assignee *uuid.UUID `json:"assignee,omitempty"`
	DueAt    *time.Time `json:"due_at,omitempty"`
	Status   TaskStatus `json:"status,omitempty" enum:"open,in_progress,done,cancelled" doc:"Default open"`
}

// TaskChange updates a task. Nil fields stay unchanged.
type TaskChange struct {
	Title    *string     `json:"title,omitempty" minLength:"1" maxLength:"300"`
	Assignee *string     `json:"assignee,omitempty" doc:"User id; empty string unassigns"`
	DueAt    *string     `json:"due_at,omitempty" doc:"RFC 3339 time; empty string clears"`
	Status   *TaskStatus `json:"status,omitempty" enum:"open,in_progress,done,cancelled"`
	Position *int        `json:"position,omitempty" minimum:"1" doc:"Move the task to this place (1 = first)"`
}

const taskCols = `id, incident_id, title, assignee, due_at, status, position, moved_from, created_at, updated_at`

func scanTask(sc scanner) (Task, error) {
	var t Task
	var assignee, moved sql.NullString
	var due sql.NullTime
	if err := sc.Scan(&t.ID, &t.IncidentID, &t.Title, &assignee, &due, &t.Status, &t.Position, &moved, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return t, fmt.Errorf("incident: scan task: %w", err)
	}
	var err error
	if t.Assignee, err = nullUUID(assignee); err != nil {
		return t, err
	}
	if t.MovedFrom, err = nullUUID(moved); err != nil {
		return t, err
	}
	t.DueAt = nullTime(due)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

func (s *Store) insertTask(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident uuid.UUID, in TaskInput, position int, movedFrom *uuid.UUID, now time.Time) (Task, error) {
	if in.Status == "" {
		in.Status = TaskOpen
	}
	t := Task{ID: newID(), IncidentID: incident, Title: strings.TrimSpace(in.Title), Assignee: in.Assignee, DueAt: in.DueAt,
		Status: in.Status, Position: position, MovedFrom: movedFrom, CreatedAt: now, UpdatedAt: now}
	if t.DueAt != nil {
		d := t.DueAt.UTC()
		t.DueAt = &d
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_tasks (`+taskCols+`, org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		t.ID.String(), incident.String(), t.Title, uuidArg(t.Assignee), timeArg(t.DueAt), string(t.Status), t.Position, uuidArg(movedFrom),
		now, now, scope.Org().String())
	if err != nil {
		return t, fmt.Errorf("incident: insert task: %w", err)
	}
	return t, nil
}

func (s *Store) validateTaskFields(ctx context.Context, scope tenant.Scope, title *string, assignee *uuid.UUID, status *TaskStatus) error {
	var fields []apperr.FieldError
	if title != nil {
		t := strings.TrimSpace(*title)
		if t == "" || len(t) > MaxTitle || badText(t) != "" {
			fields = append(fields, apperr.Field("body.title", fmt.Sprintf("a title is 1 to %d valid characters", MaxTitle)))
		}
	}
	if status != nil && *status != "" && !slices.Contains(TaskStatuses, *status) {
		fields = append(fields, apperr.Field("body.status", "unknown task status"))
	}
	if assignee != nil {
		f, err := s.checkMembers(ctx, scope, []uuid.UUID{*assignee}, func(int) string { return "body.assignee" })
		if err != nil {
			return err
		}
		fields = append(fields, f...)
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid task", fields...)
	}
	return nil
}

// AddTask appends a task to an incident.
func (s *Store) AddTask(ctx context.Context, scope tenant.Scope, incident uuid.UUID, in TaskInput) (*Task, error) {
	var t Task
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, incident); err != nil {
			return err
		}
		if err := s.validateTaskFields(ctx, scope, &in.Title, in.Assignee, &in.Status); err != nil {
			return err
		}
		var n, maxPos int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(max(position), 0) FROM incident_tasks WHERE org_id = $1 AND incident_id = $2`,
			scope.Org().String(), incident.String()).Scan(&n, &maxPos); err != nil {
			return fmt.Errorf("incident: count tasks: %w", err)
		}
		if n >= MaxTasks {
			return apperr.Conflict(fmt.Sprintf("the incident has %d tasks, the most allowed", n)).WithCode("too_many_tasks")
		}
		now := s.now()
		var err error
		if t, err = s.insertTask(ctx, tx, scope, incident, in, maxPos+1, nil, now); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, scope, incident, now); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, incident, now, "task_added", "", t.Title, map[string]uuid.UUID{"task_id": t.ID}); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.task.create", EventTaskAdded, incident, map[string]any{"task_id": t.ID, "title": t.Title})
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func (s *Store) touch(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident uuid.UUID, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE incidents SET updated_at = $3 WHERE org_id = $1 AND id = $2`, scope.Org().String(), incident.String(), now); err != nil {
		return fmt.Errorf("incident: touch: %w", err)
	}
	return nil
}

func (s *Store) loadTask(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident, id uuid.UUID) (Task, error) {
	t, err := scanTask(tx.QueryRowContext(ctx, `SELECT `+taskCols+` FROM incident_tasks WHERE org_id = $1 AND incident_id = $2 AND id = $3`,
		scope.Org().String(), incident.String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.NotFound("task")
	}
	return t, err
}

// Tasks lists an incident's tasks in order.
func (s *Store) Tasks(ctx context.Context, scope tenant.Scope, incident uuid.UUID) ([]Task, error) {
	out := []Task{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, incident); err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT `+taskCols+` FROM incident_tasks WHERE org_id = $1 AND incident_id = $2 ORDER BY position, id`,
			scope.Org().String(), incident.String())
		if err != nil {
			return fmt.Errorf("incident: list tasks: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			t, err := scanTask(rs)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rs.Err()
	})
	return out, err
}

// UpdateTask changes one task; a new position shifts the others.
func (s *Store) UpdateTask(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID, c TaskChange) (*Task, error) {
	if c.Title == nil && c.Assignee == nil && c.DueAt == nil && c.Status == nil && c.Position == nil {
		return nil, apperr.Validation("nothing to change", apperr.Field("body", "set title, assignee, due_at, status or position"))
	}
	var assignee *uuid.UUID
	if c.Assignee != nil && *c.Assignee != "" {
		u, err := uuid.Parse(*c.Assignee)
		if err != nil {
			return nil, apperr.Validation("invalid task", apperr.Field("body.assignee", "not a user id"))
		}
		assignee = &u
	}
	var due *time.Time
	if c.DueAt != nil && *c.DueAt != "" {
		d, err := time.Parse(time.RFC3339, *c.DueAt)
		if err != nil {
			return nil, apperr.Validation("invalid task", apperr.Field("body.due_at", "not an RFC 3339 time"))
		}
		d = d.UTC()
		due = &d
	}
	var t Task
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, incident); err != nil {
			return err
		}
		var err error
		if t, err = s.loadTask(ctx, tx, scope, incident, id); err != nil {
			return err
		}
		if err := s.validateTaskFields(ctx, scope, c.Title, assignee, c.Status); err != nil {
			return err
		}
		now := s.now()
		if c.Title != nil {
			t.Title = strings.TrimSpace(*c.Title)
		}
		if c.Assignee != nil {
			t.Assignee = assignee
		}
		if c.DueAt != nil {
			t.DueAt = due
		}
		if c.Status != nil {
			t.Status = *c.Status
		}
		org, inc := scope.Org().String(), incident.String()
		if c.Position != nil && *c.Position != t.Position {
			var maxPos int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(position), 0) FROM incident_tasks WHERE org_id = $1 AND incident_id = $2`, org, inc).Scan(&maxPos); err != nil {
				return fmt.Errorf("incident: task positions: %w", err)
			}
			to := max(1, min(*c.Position, maxPos))
			if to < t.Position {
				_, err = tx.ExecContext(ctx, `UPDATE incident_tasks SET position = position + 1 WHERE org_id = $1 AND incident_id = $2 AND position >= $3 AND position < $4`, org, inc, to, t.Position)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE incident_tasks SET position = position - 1 WHERE org_id = $1 AND incident_id = $2 AND position > $3 AND position <= $4`, org, inc, t.Position, to)
			}
			if err != nil {
				return fmt.Errorf("incident: reorder tasks: %w", err)
			}
			t.Position = to
		}
		t.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE incident_tasks SET title = $4, assignee = $5, due_at = $6, status = $7, position = $8, updated_at = $9
WHERE org_id = $1 AND incident_id = $2 AND id = $3`, org, inc, id.String(), t.Title, uuidArg(t.Assignee), timeArg(t.DueAt), string(t.Status), t.Position, now); err != nil {
			return fmt.Errorf("incident: update task: %w", err)
		}
		if err := s.touch(ctx, tx, scope, incident, now); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, incident, now, "task_updated", "", string(t.Status), map[string]any{"task_id": id, "change": c}); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.task.update", EventTaskUpdated, incident, map[string]any{"task_id": id, "change": c})
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteTask removes a task and closes the gap in the order.
func (s *Store) DeleteTask(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, incident); err != nil {
			return err
		}
		t, err := s.loadTask(ctx, tx, scope, incident, id)
		if err != nil {
			return err
		}
		org, inc := scope.Org().String(), incident.String()
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_tasks WHERE org_id = $1 AND incident_id = $2 AND id = $3`, org, inc, id.String()); err != nil {
			return fmt.Errorf("incident: delete task: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_tasks SET position = position - 1 WHERE org_id = $1 AND incident_id = $2 AND position > $3`, org, inc, t.Position); err != nil {
			return fmt.Errorf("incident: reorder tasks: %w", err)
		}
		now := s.now()
		if err := s.touch(ctx, tx, scope, incident, now); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, incident, now, "task_deleted", t.Title, "", map[string]uuid.UUID{"task_id": id}); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.task.delete", EventTaskDeleted, incident, map[string]uuid.UUID{"task_id": id})
	})
}
