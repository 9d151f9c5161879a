package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Limits of a review.
const (
	MaxReviewText = 20000
	MaxFollowUps  = 50
	maxTaskTitle  = 300
)

// CodeNotResolved is the problem code of a review written for an incident
// that is not resolved or closed.
const CodeNotResolved = "incident_not_resolved"

// CodeReviewConflict is the problem code of a save based on an older
// version of the review.
const CodeReviewConflict = "review_version_conflict"

// EventReviewUpdated is emitted when a post-incident review is written
// (subject: the incident, so the incident page receives it).
var EventReviewUpdated = events.Register[ReviewEventV1]("incident.review_updated.v1",
	"The post-incident review of a resolved or closed incident was written or changed (details: version, changed fields, follow-up task ids).", rbac.IncidentsRead)

// ReviewEventV1 is the payload of incident.review_updated.v1.
type ReviewEventV1 struct {
	IncidentID uuid.UUID   `json:"incident_id"`
	Version    int         `json:"version"`
	Changed    []string    `json:"changed"`
	FollowUps  []uuid.UUID `json:"follow_up_task_ids"`
}

// Review is the post-incident review of one incident. Before anyone writes
// it, it is returned with Exists false, empty text and Version 0.
type Review struct {
	IncidentID     uuid.UUID  `json:"incident_id"`
	Exists         bool       `json:"exists" doc:"False until the review is first saved"`
	Editable       bool       `json:"editable" doc:"True when the incident is resolved or closed (only then may the review be saved)"`
	IncidentStatus string     `json:"incident_status"`
	RootCause      string     `json:"root_cause"`
	Impact         string     `json:"impact"`
	LessonsLearned string     `json:"lessons_learned"`
	FollowUps      []FollowUp `json:"follow_ups" doc:"Follow-up work: incident tasks, in the review's order (a task deleted since is left out)"`
	Version        int        `json:"version" doc:"Number of saves; send it back as version to detect a concurrent edit"`
	CreatedBy      string     `json:"created_by,omitempty"`
	CreatedAt      *time.Time `json:"created_at,omitempty"`
	UpdatedBy      string     `json:"updated_by,omitempty"`
	UpdatedAt      *time.Time `json:"updated_at,omitempty"`
}

// FollowUp is one follow-up task of a review (the incident task as it is
// now).
type FollowUp struct {
	TaskID   uuid.UUID           `json:"task_id"`
	Title    string              `json:"title"`
	Status   incident.TaskStatus `json:"status" enum:"open,in_progress,done,cancelled"`
	Assignee *uuid.UUID          `json:"assignee,omitempty"`
	DueAt    *time.Time          `json:"due_at,omitempty"`
}

// ReviewInput writes a review: every text field replaces the stored one;
// follow_ups replaces the list (existing tasks by task_id, new tasks by
// title).
type ReviewInput struct {
	RootCause      string          `json:"root_cause" maxLength:"20000"`
	Impact         string          `json:"impact" maxLength:"20000"`
	LessonsLearned string          `json:"lessons_learned" maxLength:"20000"`
	FollowUps      []FollowUpInput `json:"follow_ups,omitempty" maxItems:"50"`
	Version        *int            `json:"version,omitempty" minimum:"0" doc:"The version the edit is based on (0: none saved yet); a different stored version answers 409 review_version_conflict. Omit to overwrite."`
}

// FollowUpInput names an existing task of the incident (task_id) or
// creates one (title, optional assignee and due_at).
type FollowUpInput struct {
	TaskID   *uuid.UUID `json:"task_id,omitempty" doc:"An existing task of this incident"`
	Title    string     `json:"title,omitempty" maxLength:"300" doc:"Creates a new incident task with this title (when task_id is absent)"`
	Assignee *uuid.UUID `json:"assignee,omitempty" doc:"Assignee of a new task (an org member)"`
	DueAt    *time.Time `json:"due_at,omitempty" doc:"Due time of a new task"`
}

func textProblem(s string) string {
	switch {
	case len(s) > MaxReviewText:
		return fmt.Sprintf("at most %d bytes", MaxReviewText)
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL character"
	}
	return ""
}

func (in *ReviewInput) validate() error {
	var fields []apperr.FieldError
	for name, v := range map[string]string{"root_cause": in.RootCause, "impact": in.Impact, "lessons_learned": in.LessonsLearned} {
		if p := textProblem(v); p != "" {
			fields = append(fields, apperr.Field("body."+name, p))
		}
	}
	if len(in.FollowUps) > MaxFollowUps {
		fields = append(fields, apperr.Field("body.follow_ups", fmt.Sprintf("at most %d follow-ups", MaxFollowUps)))
	}
	seen := map[uuid.UUID]bool{}
	for i, f := range in.FollowUps {
		loc := fmt.Sprintf("body.follow_ups[%d]", i)
		switch {
		case f.TaskID != nil && (f.Title != "" || f.Assignee != nil || f.DueAt != nil):
			fields = append(fields, apperr.Field(loc, "give either task_id (an existing task) or title (a new task), not both"))
		case f.TaskID != nil && seen[*f.TaskID]:
			fields = append(fields, apperr.Field(loc+".task_id", "listed twice"))
		case f.TaskID != nil:
			seen[*f.TaskID] = true
		default:
			t := strings.TrimSpace(f.Title)
			if t == "" || len(t) > maxTaskTitle || textProblem(t) != "" {
				fields = append(fields, apperr.Field(loc+".title", fmt.Sprintf("a new follow-up task needs a title of 1 to %d valid characters", maxTaskTitle)))
			}
		}
	}
	if len(fields) > 0 {
		sortFields(fields)
		return apperr.Validation("invalid review", fields...)
	}
	return nil
}

func sortFields(f []apperr.FieldError) {
	slices.SortFunc(f, func(a, b apperr.FieldError) int { return strings.Compare(a.Location, b.Location) })
}

type storedReview struct {
	rootCause, impact, lessons string
	followUps                  []uuid.UUID
	version                    int
	createdBy, updatedBy       string
	createdAt, updatedAt       time.Time
}

func loadReview(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID, lock bool) (*storedReview, error) {
	q := `SELECT root_cause, impact, lessons_learned, follow_up_task_ids, version, created_by, created_at, updated_by, updated_at
FROM incident_reviews WHERE org_id = $1 AND incident_id = $2`
	if lock && tx.Dialect == db.Postgres && !tx.ReadOnly {
		q += " FOR UPDATE"
	}
	var r storedReview
	var ids string
	err := tx.QueryRowContext(ctx, q, scope.Org().String(), id.String()).Scan(&r.rootCause, &r.impact, &r.lessons, &ids, &r.version,
		&r.createdBy, &r.createdAt, &r.updatedBy, &r.updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: load review: %w", err)
	}
	if err := json.Unmarshal([]byte(ids), &r.followUps); err != nil {
		return nil, fmt.Errorf("report: decode follow-ups: %w", err)
	}
	r.createdAt, r.updatedAt = r.createdAt.UTC(), r.updatedAt.UTC()
	return &r, nil
}

// reviewOf assembles the API view from the stored row (nil: none yet),
// the incident and its current tasks.
func reviewOf(inc *incident.Incident, r *storedReview, tasks []incident.Task) *Review {
	out := &Review{IncidentID: inc.ID, Editable: !inc.Status.Open(), IncidentStatus: string(inc.Status), FollowUps: []FollowUp{}}
	if r == nil {
		return out
	}
	out.Exists, out.RootCause, out.Impact, out.LessonsLearned, out.Version = true, r.rootCause, r.impact, r.lessons, r.version
	out.CreatedBy, out.UpdatedBy = r.createdBy, r.updatedBy
	ca, ua := r.createdAt, r.updatedAt
	out.CreatedAt, out.UpdatedAt = &ca, &ua
	byID := make(map[uuid.UUID]incident.Task, len(tasks))
	for _, t := range tasks {
		byID[t.ID] = t
	}
	for _, id := range r.followUps {
		if t, ok := byID[id]; ok {
			out.FollowUps = append(out.FollowUps, FollowUp{TaskID: t.ID, Title: t.Title, Status: t.Status, Assignee: t.Assignee, DueAt: t.DueAt})
		}
	}
	return out
}

// Review returns the incident's post-incident review (an empty one with
// Exists false when none was written).
func (m *Module) Review(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Review, error) {
	inc, err := m.incidents.Get(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	var r *storedReview
	if err := m.db.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) (err error) {
		r, err = loadReview(ctx, tx, scope, id, false)
		return err
	}); err != nil {
		return nil, err
	}
	var tasks []incident.Task
	if r != nil && len(r.followUps) > 0 {
		if tasks, err = m.incidents.Tasks(ctx, scope, id); err != nil {
			return nil, err
		}
	}
	return reviewOf(inc, r, tasks), nil
}

// SaveReview writes the incident's review. The incident must be resolved
// or closed (409 incident_not_resolved); follow-ups naming tasks must name
// tasks of this incident (422), new follow-ups become incident tasks. The
// review row, the new tasks, the audit entry and
// incident.review_updated.v1 commit together.
func (m *Module) SaveReview(ctx context.Context, scope tenant.Scope, id uuid.UUID, in ReviewInput) (*Review, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Review
	err := m.db.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		inc, err := m.incidents.Get(ctx, scope, id)
		if err != nil {
			return err
		}
		if inc.Status.Open() {
			return apperr.Conflict("the incident is " + string(inc.Status) + ": a post-incident review is written once it is resolved or closed").
				WithCode(CodeNotResolved)
		}
		old, err := loadReview(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		cur := 0
		if old != nil {
			cur = old.version
		}
		if in.Version != nil && *in.Version != cur {
			return apperr.Conflict(fmt.Sprintf("the review was saved by someone else meanwhile (version %d, this edit is based on %d): reload it and apply the edit again", cur, *in.Version)).
				WithCode(CodeReviewConflict)
		}
		tasks, err := m.incidents.Tasks(ctx, scope, id)
		if err != nil {
			return err
		}
		have := map[uuid.UUID]bool{}
		for _, t := range tasks {
			have[t.ID] = true
		}
		var bad []apperr.FieldError
		for i, f := range in.FollowUps {
			if f.TaskID != nil && !have[*f.TaskID] {
				bad = append(bad, apperr.Field(fmt.Sprintf("body.follow_ups[%d].task_id", i), "not a task of this incident"))
			}
		}
		if len(bad) > 0 {
			return apperr.Validation("invalid review", bad...)
		}
		ids := make([]uuid.UUID, 0, len(in.FollowUps))
		var created []uuid.UUID
		for i, f := range in.FollowUps {
			if f.TaskID != nil {
				ids = append(ids, *f.TaskID)
				continue
			}
			t, err := m.incidents.AddTask(ctx, scope, id, incident.TaskInput{Title: strings.TrimSpace(f.Title), Assignee: f.Assignee, DueAt: f.DueAt})
			if err != nil {
				if ae := apperr.As(err); ae != nil && ae.Kind == apperr.KindValidation {
					return apperr.Validation("invalid follow-up task", relocate(ae.Fields, fmt.Sprintf("body.follow_ups[%d]", i))...)
				}
				return err
			}
			tasks = append(tasks, *t)
			ids = append(ids, t.ID)
			created = append(created, t.ID)
		}
		now := m.now()
		idsJSON, err := json.Marshal(ids)
		if err != nil {
			return fmt.Errorf("report: encode follow-ups: %w", err)
		}
		next := &storedReview{rootCause: in.RootCause, impact: in.Impact, lessons: in.LessonsLearned, followUps: ids, version: cur + 1,
			createdBy: scope.Actor(), createdAt: now, updatedBy: scope.Actor(), updatedAt: now}
		if old == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO incident_reviews (org_id, incident_id, root_cause, impact, lessons_learned, follow_up_task_ids,
 version, created_by, created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9)`,
				scope.Org().String(), id.String(), next.rootCause, next.impact, next.lessons, string(idsJSON), next.version, scope.Actor(), now)
		} else {
			next.createdBy, next.createdAt = old.createdBy, old.createdAt
			_, err = tx.ExecContext(ctx, `UPDATE incident_reviews SET root_cause = $3, impact = $4, lessons_learned = $5, follow_up_task_ids = $6,
 version = $7, updated_by = $8, updated_at = $9 WHERE org_id = $1 AND incident_id = $2`,
				scope.Org().String(), id.String(), next.rootCause, next.impact, next.lessons, string(idsJSON), next.version, scope.Actor(), now)
		}
		if err != nil {
			return fmt.Errorf("report: save review: %w", err)
		}
		changed := changedFields(old, next)
		details, err := json.Marshal(map[string]any{"version": next.version, "changed": changed, "follow_up_task_ids": ids, "created_task_ids": created})
		if err != nil {
			return fmt.Errorf("report: encode audit details: %w", err)
		}
		if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "incident.review_save",
			TargetType: "incident", TargetID: id.String(), Details: details}); err != nil {
			return err
		}
		if _, err := events.Append(ctx, tx, scope, EventReviewUpdated, events.Subject("incident", id),
			ReviewEventV1{IncidentID: id, Version: next.version, Changed: changed, FollowUps: ids}); err != nil {
			return fmt.Errorf("report: emit %s: %w", EventReviewUpdated.Kind(), err)
		}
		out = reviewOf(inc, next, tasks)
		return nil
	})
	return out, err
}

// relocate moves a task's field errors (body.title, ...) under loc.
func relocate(fields []apperr.FieldError, loc string) []apperr.FieldError {
	out := make([]apperr.FieldError, len(fields))
	for i, f := range fields {
		out[i] = apperr.Field(loc+strings.TrimPrefix(f.Location, "body"), f.Message)
	}
	if len(out) == 0 {
		out = append(out, apperr.Field(loc, "invalid follow-up task"))
	}
	return out
}

func changedFields(old, next *storedReview) []string {
	if old == nil {
		old = &storedReview{}
	}
	var out []string
	if old.rootCause != next.rootCause {
		out = append(out, "root_cause")
	}
	if old.impact != next.impact {
		out = append(out, "impact")
	}
	if old.lessons != next.lessons {
		out = append(out, "lessons_learned")
	}
	if !slices.Equal(old.followUps, next.followUps) {
		out = append(out, "follow_ups")
	}
	if out == nil {
		out = []string{}
	}
	return out
}
