package incident

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// The decision event kinds (subject: the incident; details: note_id).
var (
	EventDecisionMarked   = events.Register[EventV1]("incident.decision_marked.v1", "A note of an incident was marked as a decision (details: note_id).", rbac.IncidentsRead)
	EventDecisionUnmarked = events.Register[EventV1]("incident.decision_unmarked.v1", "A note of an incident is no longer marked as a decision (details: note_id).", rbac.IncidentsRead)
)

// MarkDecision marks a note as a decision (decision true) or unmarks it.
// Marking a decision again, or unmarking a note that is not one, changes
// nothing and records nothing. Each change is logged on the incident's
// state-change log (so the timeline shows it), audited and evented.
func (s *Store) MarkDecision(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID, decision bool) (*Note, error) {
	var n Note
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, incident); err != nil {
			return err
		}
		var err error
		if n, err = s.loadNote(ctx, tx, scope, incident, id); err != nil {
			return err
		}
		if (n.DecisionAt != nil) == decision {
			return nil
		}
		now := s.now()
		kind, action, ev := "decision_marked", "incident.note.decision_mark", EventDecisionMarked
		var at any
		by := ""
		if decision {
			at, by = now, scope.Actor()
			n.DecisionAt, n.DecisionBy = &now, by
		} else {
			kind, action, ev = "decision_unmarked", "incident.note.decision_unmark", EventDecisionUnmarked
			n.DecisionAt, n.DecisionBy = nil, ""
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_notes SET decision_at = $4, decision_by = $5 WHERE org_id = $1 AND incident_id = $2 AND id = $3`,
			scope.Org().String(), incident.String(), id.String(), at, by); err != nil {
			return fmt.Errorf("incident: mark decision: %w", err)
		}
		if err := s.touch(ctx, tx, scope, incident, now); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, incident, now, kind, "", "", map[string]uuid.UUID{"note_id": id}); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, action, ev, incident, map[string]uuid.UUID{"note_id": id})
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// Decisions is an incident's decision log: its notes marked as decisions,
// in the order they were marked.
func (s *Store) Decisions(ctx context.Context, scope tenant.Scope, incident uuid.UUID) ([]Note, error) {
	out := []Note{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, incident); err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT `+noteCols+` FROM incident_notes WHERE org_id = $1 AND incident_id = $2 AND decision_at IS NOT NULL
ORDER BY decision_at, id`, scope.Org().String(), incident.String())
		if err != nil {
			return fmt.Errorf("incident: list decisions: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			n, err := scanNote(rs)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return rs.Err()
	})
	return out, err
}

func (a *API) registerDecisions(api huma.API, read, manage rbac.Permission) {
	tags := []string{"Incidents"}
	one := httpapi.APIPrefix + "/incidents/{id}"
	mark := func(decision bool) func(ctx context.Context, in *NoteIDInput) (*NoteOutput, error) {
		return func(ctx context.Context, in *NoteIDInput) (*NoteOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			n, err := a.Store.MarkDecision(ctx, scope, in.ID, in.NoteID, decision)
			return &NoteOutput{Body: n}, err
		}
	}
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "mark-incident-decision", Method: http.MethodPut, Path: one + "/notes/{noteId}/decision",
		Summary: "Mark a note as a decision", Tags: tags,
		Description: "Adds the note to the incident's decision log (idempotent: marking a decision again changes nothing)."}, manage), mark(true))
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "unmark-incident-decision", Method: http.MethodDelete, Path: one + "/notes/{noteId}/decision",
		Summary: "Unmark a note as a decision", Tags: tags,
		Description: "Removes the note from the decision log (the note stays; idempotent)."}, manage), mark(false))
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-decisions", Method: http.MethodGet, Path: one + "/decisions",
		Summary: "An incident's decision log", Tags: tags,
		Description: "The notes marked as decisions, in the order they were marked."}, read),
		func(ctx context.Context, in *IDInput) (*ListNotesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListNotesOutput{}
			out.Body.Items, err = a.Store.Decisions(ctx, scope, in.ID)
			return out, err
		})
}
