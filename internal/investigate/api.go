package investigate

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// API serves the entity page operations.
type API struct{ Store *Store }

// IDInput names an entity.
type IDInput struct {
	ID uuid.UUID `path:"id" doc:"Entity id (from a lookup, an alert's entity list or a graph node)"`
}

// LookupInput names an entity by type and value.
type LookupInput struct {
	Type  string `query:"type" required:"true" enum:"ip,domain,url,hostname,user,email,md5,sha1,sha256,process,file,cloud_resource"`
	Value string `query:"value" required:"true" minLength:"1" maxLength:"600" doc:"Value as an alert shows it or as typed (canonicalized like at intake: 10.0.0.01 → 10.0.0.1, EXAMPLE.com → example.com)"`
}

// EntityOutput is a stored entity.
type EntityOutput struct{ Body alerts.StoredEntity }

// SummaryOutput is an entity page's head.
type SummaryOutput struct{ Body *EntitySummary }

// ListInput is a page of an entity's list.
type ListInput struct {
	ID     uuid.UUID `path:"id"`
	Cursor string    `query:"cursor" maxLength:"1024" doc:"next_cursor of the previous page"`
	Limit  int       `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

// AlertsOutput is a page of alerts.
type AlertsOutput struct{ Body *AlertPage }

// IncidentsOutput is a page of incidents.
type IncidentsOutput struct{ Body *IncidentPage }

// TagsInput changes an entity's tags.
type TagsInput struct {
	ID   uuid.UUID `path:"id"`
	Body EntityTagChange
}

// TagsOutput is an entity's tags.
type TagsOutput struct {
	Body struct {
		Tags []string `json:"tags"`
	}
}

// NoteCreateInput adds a note.
type NoteCreateInput struct {
	ID   uuid.UUID `path:"id"`
	Body EntityNoteInput
}

// NoteIDInput names a note of an entity.
type NoteIDInput struct {
	ID     uuid.UUID `path:"id"`
	NoteID uuid.UUID `path:"noteId"`
}

// NoteEditInput edits a note.
type NoteEditInput struct {
	ID     uuid.UUID `path:"id"`
	NoteID uuid.UUID `path:"noteId"`
	Body   EntityNoteInput
}

// NoteOutput is one note.
type NoteOutput struct{ Body *EntityNote }

// NotesInput is a page of notes.
type NotesInput struct {
	ID     uuid.UUID `path:"id"`
	Cursor string    `query:"cursor" maxLength:"1024" doc:"next_cursor of the previous page"`
	Limit  int       `query:"limit" minimum:"1" maximum:"100" default:"50"`
}

// NotesOutput is a page of notes.
type NotesOutput struct{ Body *NotePage }

// RevisionsOutput is a note's earlier texts.
type RevisionsOutput struct {
	Body struct {
		Items []EntityNoteRevision `json:"items"`
	}
}

// Register adds the entity page and graph operations.
func (a *API) Register(api huma.API) {
	read, write := rbac.AlertsRead, rbac.AlertsWrite
	tags := []string{"Entities"}
	base := httpapi.APIPrefix + "/entities"
	one := base + "/{id}"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "lookup-entity", Method: http.MethodGet, Path: base + "/lookup",
		Summary: "Find an entity by type and value", Tags: tags,
		Description: "The value is canonicalized as at intake; 404 when no alert of the org ever mentioned it."}, read),
		func(ctx context.Context, in *LookupInput) (*EntityOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			e, err := a.Store.Resolve(ctx, scope, alert.EntityType(in.Type), in.Value)
			return &EntityOutput{Body: e}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-entity", Method: http.MethodGet, Path: one,
		Summary: "An entity page's summary: first and last seen, alert and incident counts, sources, rules, intel matches, tags", Tags: tags,
		Description: "Bounded whatever the entity's volume: the alert count stops at 10,000 (capped), incidents are those of its 1,000 newest alerts, " +
			"sources, rules and last_seen come from its 200 newest. incidents is absent for callers without incidents:read."}, read),
		func(ctx context.Context, in *IDInput) (*SummaryOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			s, err := a.Store.Summary(ctx, scope, in.ID)
			return &SummaryOutput{Body: s}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-entity-alerts", Method: http.MethodGet, Path: one + "/alerts",
		Summary: "The alerts that mention an entity, most recently stored first (keyset paged)", Tags: tags}, read),
		func(ctx context.Context, in *ListInput) (*AlertsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Store.EntityAlerts(ctx, scope, in.ID, in.Cursor, in.Limit)
			return &AlertsOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-entity-incidents", Method: http.MethodGet, Path: one + "/incidents",
		Summary: "The incidents holding an entity's alerts, newest first (keyset paged)", Tags: tags,
		Description: "Found through the entity's 1,000 newest alerts; window_truncated says the entity has more."}, rbac.IncidentsRead),
		func(ctx context.Context, in *ListInput) (*IncidentsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Store.EntityIncidents(ctx, scope, in.ID, in.Cursor, in.Limit)
			return &IncidentsOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-entity-tags", Method: http.MethodPatch, Path: one + "/tags",
		Summary: "Add and remove analysts' tags on an entity (audited)", Tags: tags}, write),
		func(ctx context.Context, in *TagsInput) (*TagsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &TagsOutput{}
			out.Body.Tags, err = a.Store.ChangeTags(ctx, scope, in.ID, in.Body)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-entity-notes", Method: http.MethodGet, Path: one + "/notes",
		Summary: "Analysts' notes on an entity, newest first (keyset paged)", Tags: tags}, read),
		func(ctx context.Context, in *NotesInput) (*NotesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Store.Notes(ctx, scope, in.ID, in.Cursor, in.Limit)
			return &NotesOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-entity-note", Method: http.MethodPost, Path: one + "/notes",
		Summary: "Add a note to an entity (audited)", Tags: tags, DefaultStatus: http.StatusCreated}, write),
		func(ctx context.Context, in *NoteCreateInput) (*NoteOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			n, err := a.Store.AddNote(ctx, scope, in.ID, in.Body)
			return &NoteOutput{Body: n}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-entity-note", Method: http.MethodPatch, Path: one + "/notes/{noteId}",
		Summary: "Edit a note on an entity (its author only; the earlier text is kept as a revision; audited)", Tags: tags}, write),
		func(ctx context.Context, in *NoteEditInput) (*NoteOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			n, err := a.Store.EditNote(ctx, scope, in.ID, in.NoteID, in.Body)
			return &NoteOutput{Body: n}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-entity-note-revisions", Method: http.MethodGet, Path: one + "/notes/{noteId}/revisions",
		Summary: "Earlier texts of an entity note, oldest first", Tags: tags}, read),
		func(ctx context.Context, in *NoteIDInput) (*RevisionsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &RevisionsOutput{}
			out.Body.Items, err = a.Store.NoteRevisions(ctx, scope, in.ID, in.NoteID)
			return out, err
		})
	a.registerGraph(api, tags)
}
