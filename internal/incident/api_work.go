package incident

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// ListTasksOutput lists tasks.
type ListTasksOutput struct {
	Body struct {
		Items []Task `json:"items"`
	}
}

// TaskCreateInput adds a task.
type TaskCreateInput struct {
	ID   uuid.UUID `path:"id"`
	Body TaskInput
}

// TaskIDInput names one task.
type TaskIDInput struct {
	ID     uuid.UUID `path:"id"`
	TaskID uuid.UUID `path:"taskId"`
}

// TaskPatchInput changes a task.
type TaskPatchInput struct {
	ID     uuid.UUID `path:"id"`
	TaskID uuid.UUID `path:"taskId"`
	Body   TaskChange
}

// TaskOutput is one task.
type TaskOutput struct{ Body *Task }

// ListNotesOutput lists notes.
type ListNotesOutput struct {
	Body struct {
		Items []Note `json:"items"`
	}
}

// NoteCreateInput adds a note.
type NoteCreateInput struct {
	ID   uuid.UUID `path:"id"`
	Body NoteInput
}

// NoteIDInput names one note.
type NoteIDInput struct {
	ID     uuid.UUID `path:"id"`
	NoteID uuid.UUID `path:"noteId"`
}

// NotePatchInput edits a note.
type NotePatchInput struct {
	ID     uuid.UUID `path:"id"`
	NoteID uuid.UUID `path:"noteId"`
	Body   NoteInput
}

// NoteOutput is one note.
type NoteOutput struct{ Body *Note }

// ListNoteRevisionsOutput lists a note's earlier texts.
type ListNoteRevisionsOutput struct {
	Body struct {
		Items []NoteRevision `json:"items"`
	}
}

// ListNotificationsInput pages the caller's inbox.
type ListNotificationsInput struct {
	Unread bool   `query:"unread" doc:"Only unread notifications"`
	Cursor string `query:"cursor" maxLength:"36"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// ListNotificationsOutput is one page of the inbox.
type ListNotificationsOutput struct {
	Body struct {
		Items      []Notification `json:"items"`
		Unread     int            `json:"unread" doc:"Unread notifications in the whole inbox"`
		NextCursor string         `json:"next_cursor,omitempty"`
	}
}

// NotificationIDInput names one notification.
type NotificationIDInput struct {
	ID uuid.UUID `path:"id"`
}

func (a *API) registerWork(api huma.API, read, manage rbac.Permission) {
	tags := []string{"Incidents"}
	one := httpapi.APIPrefix + "/incidents/{id}"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-tasks", Method: http.MethodGet, Path: one + "/tasks",
		Summary: "List an incident's tasks in order", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*ListTasksOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListTasksOutput{}
			out.Body.Items, err = a.Store.Tasks(ctx, scope, in.ID)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-incident-task", Method: http.MethodPost, Path: one + "/tasks",
		Summary: "Add a task to an incident", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *TaskCreateInput) (*TaskOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			t, err := a.Store.AddTask(ctx, scope, in.ID, in.Body)
			return &TaskOutput{Body: t}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-incident-task", Method: http.MethodPatch, Path: one + "/tasks/{taskId}",
		Summary: "Change a task (title, assignee, due time, status, position)", Tags: tags}, manage),
		func(ctx context.Context, in *TaskPatchInput) (*TaskOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			t, err := a.Store.UpdateTask(ctx, scope, in.ID, in.TaskID, in.Body)
			return &TaskOutput{Body: t}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-incident-task", Method: http.MethodDelete, Path: one + "/tasks/{taskId}",
		Summary: "Delete a task", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *TaskIDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteTask(ctx, scope, in.ID, in.TaskID)
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-notes", Method: http.MethodGet, Path: one + "/notes",
		Summary: "List an incident's notes, oldest first", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*ListNotesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListNotesOutput{}
			out.Body.Items, err = a.Store.Notes(ctx, scope, in.ID)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-incident-note", Method: http.MethodPost, Path: one + "/notes",
		Summary: "Add a note; <@user-id> mentions notify those members", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *NoteCreateInput) (*NoteOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			n, err := a.Store.AddNote(ctx, scope, in.ID, in.Body)
			return &NoteOutput{Body: n}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-incident-note", Method: http.MethodPatch, Path: one + "/notes/{noteId}",
		Summary: "Edit your note (the earlier text is kept as a revision)", Tags: tags}, manage),
		func(ctx context.Context, in *NotePatchInput) (*NoteOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			n, err := a.Store.EditNote(ctx, scope, in.ID, in.NoteID, in.Body)
			return &NoteOutput{Body: n}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-note-revisions", Method: http.MethodGet, Path: one + "/notes/{noteId}/revisions",
		Summary: "A note's earlier texts, oldest first", Tags: tags}, read),
		func(ctx context.Context, in *NoteIDInput) (*ListNoteRevisionsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListNoteRevisionsOutput{}
			out.Body.Items, err = a.Store.NoteRevisions(ctx, scope, in.ID, in.NoteID)
			return out, err
		})
	ntags := []string{"Notifications"}
	nbase := httpapi.APIPrefix + "/notifications"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-notifications", Method: http.MethodGet, Path: nbase,
		Summary: "My in-app notifications, newest first (API keys have no inbox: empty)", Tags: ntags}, read),
		func(ctx context.Context, in *ListNotificationsInput) (*ListNotificationsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			var after *uuid.UUID
			if in.Cursor != "" {
				u, err := uuid.Parse(in.Cursor)
				if err != nil {
					return nil, apperr.Validation("invalid cursor", apperr.Field("query.cursor", "not a cursor returned by this API"))
				}
				after = &u
			}
			out := &ListNotificationsOutput{}
			out.Body.Items, out.Body.NextCursor, out.Body.Unread, err = a.Store.Notifications(ctx, scope, in.Unread, after, in.Limit)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "mark-notification-read", Method: http.MethodPost, Path: nbase + "/{id}/read",
		Summary: "Mark one of my notifications read", Tags: ntags, DefaultStatus: http.StatusNoContent}, read),
		func(ctx context.Context, in *NotificationIDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.MarkRead(ctx, scope, in.ID)
		})
}
