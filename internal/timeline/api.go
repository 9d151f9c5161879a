package timeline

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// API serves the timeline, entry, annotation and presence operations.
type API struct {
	Store  *Store
	Logger *slog.Logger
}

// FilterInput is the filter of a timeline read or export.
type FilterInput struct {
	ID           uuid.UUID `path:"id"`
	Type         []string  `query:"type,explode" maxItems:"5" doc:"Item types (alert, log, note, custody, entry); any of them"`
	Category     []string  `query:"category,explode" maxItems:"20" doc:"Categories (alert, state, note, task, sla, evidence, or an entry category); any of them"`
	Source       []string  `query:"source,explode" maxItems:"20" doc:"Sources (an alert source type, incident, evidence, an entry's source); any of them"`
	LinkedEntity []string  `query:"entity,explode" maxItems:"20" doc:"type:value (ip:10.0.0.1); items mentioning any of them (alerts and entries)"`
	From         string    `query:"from" format:"date-time" doc:"Inclusive lower bound of the item time"`
	To           string    `query:"to" format:"date-time" doc:"Exclusive upper bound of the item time"`
	Order        string    `query:"order" enum:"asc,desc" default:"asc" doc:"asc: oldest first; desc: newest first"`
}

// ReadInput is a page request.
type ReadInput struct {
	FilterInput
	Cursor string `query:"cursor" maxLength:"1024" doc:"next_cursor or prev_cursor of an earlier page of the same order"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

// ExportInput is an export request.
type ExportInput struct {
	FilterInput
	Format string `query:"format" enum:"json,csv" default:"json"`
}

// ParseQuery turns the query parameters into a Query, naming each bad one.
func (in *FilterInput) ParseQuery() (Query, error) {
	q := Query{Descending: in.Order == "desc"}
	var fields []apperr.FieldError
	for i, t := range in.Type {
		if !slices.Contains(Types, t) {
			fields = append(fields, apperr.Field(fmt.Sprintf("query.type[%d]", i), "one of "+strings.Join(Types, ", ")))
		}
	}
	for i, c := range in.Category {
		if !slices.Contains(Categories, c) {
			fields = append(fields, apperr.Field(fmt.Sprintf("query.category[%d]", i), "not a timeline category"))
		}
	}
	for i, s := range in.Source {
		if s == "" || len(s) > MaxSource || badText(s) {
			fields = append(fields, apperr.Field(fmt.Sprintf("query.source[%d]", i), fmt.Sprintf("1 to %d valid characters", MaxSource)))
		}
	}
	for i, raw := range in.LinkedEntity {
		e, ok := ParseEntity(raw)
		if !ok {
			fields = append(fields, apperr.Field(fmt.Sprintf("query.entity[%d]", i), "expected type:value with a known entity type"))
			continue
		}
		q.Entities = append(q.Entities, e)
	}
	parse := func(v, loc string) *time.Time {
		if v == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			fields = append(fields, apperr.Field(loc, "an RFC 3339 time"))
			return nil
		}
		t = t.UTC()
		return &t
	}
	q.From, q.To = parse(in.From, "query.from"), parse(in.To, "query.to")
	if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
		fields = append(fields, apperr.Field("query.to", "must be after from"))
	}
	if len(fields) > 0 {
		return q, apperr.Validation("invalid timeline filter", fields...)
	}
	q.Types, q.Categories, q.Sources = in.Type, in.Category, in.Source
	return q, nil
}

// PageOutput is one page.
type PageOutput struct{ Body *Page }

// EntryCreateInput adds an entry.
type EntryCreateInput struct {
	ID   uuid.UUID `path:"id"`
	Body EntryInput
}

// EntryIDInput names an entry.
type EntryIDInput struct {
	ID      uuid.UUID `path:"id"`
	EntryID uuid.UUID `path:"entryId"`
}

// EntryPatchInput changes an entry.
type EntryPatchInput struct {
	ID      uuid.UUID `path:"id"`
	EntryID uuid.UUID `path:"entryId"`
	Body    EntryChange
}

// EntryOutput is one entry.
type EntryOutput struct{ Body *Entry }

// AnnotationCreateInput adds an annotation.
type AnnotationCreateInput struct {
	ID   uuid.UUID `path:"id"`
	Body AnnotationInput
}

// AnnotationIDInput names an annotation.
type AnnotationIDInput struct {
	ID           uuid.UUID `path:"id"`
	AnnotationID uuid.UUID `path:"annotationId"`
}

// AnnotationPatchInput edits an annotation.
type AnnotationPatchInput struct {
	ID           uuid.UUID `path:"id"`
	AnnotationID uuid.UUID `path:"annotationId"`
	Body         AnnotationChange
}

// AnnotationOutput is one annotation.
type AnnotationOutput struct{ Body *Annotation }

// IncidentInput names an incident.
type IncidentInput struct {
	ID uuid.UUID `path:"id"`
}

// PresenceOutput lists the viewers.
type PresenceOutput struct{ Body *Presence }

// Register adds the operations.
func (a *API) Register(api huma.API) {
	read, manage := rbac.IncidentsRead, rbac.IncidentsManage
	tags := []string{"Timeline"}
	one := httpapi.APIPrefix + "/incidents/{id}"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "read-incident-timeline", Method: http.MethodGet, Path: one + "/timeline/items",
		Summary: "One page of an incident's timeline (alerts, changes, notes, tasks, evidence, SLA, analyst entries)", Tags: tags,
		Description: "One ordered stream: linked alerts at their event time, the state-change log (status, assignment, tasks, SLA, decisions…), " +
			"notes, evidence custody (collected, downloaded, exported, integrity failed) and analyst-added entries, each with its annotations, " +
			"of the incident and the incidents merged into it. Filters combine with AND; list-valued filters match any value. " +
			"Keyset pagination both ways: next_cursor continues in the page's order, prev_cursor reads the items before it."}, read),
		func(ctx context.Context, in *ReadInput) (*PageOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			q, err := in.ParseQuery()
			if err != nil {
				return nil, err
			}
			p, err := a.Store.Read(ctx, scope, in.ID, q, in.Cursor, in.Limit)
			return &PageOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "export-incident-timeline", Method: http.MethodGet, Path: one + "/timeline/export",
		Summary: "Export an incident's timeline as JSON or CSV (streamed)", Tags: tags,
		Description: fmt.Sprintf("The whole filtered timeline in order, streamed (at most %d items): JSON {incident_id, exported_at, items} or CSV "+
			"(cells a spreadsheet would run as formulas are prefixed with '). The export is audited.", MaxExport),
		Responses: map[string]*huma.Response{"200": {Description: "The timeline", Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Type: "object"}}, "text/csv": {Schema: &huma.Schema{Type: "string"}}}}}}, read),
		a.export)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-timeline-entry", Method: http.MethodPost, Path: one + "/timeline/entries",
		Summary: "Add an analyst entry to an incident's timeline", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *EntryCreateInput) (*EntryOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			e, err := a.Store.AddEntry(ctx, scope, in.ID, in.Body)
			return &EntryOutput{Body: e}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-timeline-entry", Method: http.MethodPatch, Path: one + "/timeline/entries/{entryId}",
		Summary: "Change an analyst timeline entry (audited)", Tags: tags}, manage),
		func(ctx context.Context, in *EntryPatchInput) (*EntryOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			e, err := a.Store.UpdateEntry(ctx, scope, in.ID, in.EntryID, in.Body)
			return &EntryOutput{Body: e}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-timeline-entry", Method: http.MethodDelete, Path: one + "/timeline/entries/{entryId}",
		Summary: "Delete an analyst timeline entry and its annotations (audited with what was deleted)", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *EntryIDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteEntry(ctx, scope, in.ID, in.EntryID)
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-timeline-annotation", Method: http.MethodPost, Path: one + "/timeline/annotations",
		Summary: "Annotate an item of an incident's timeline", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *AnnotationCreateInput) (*AnnotationOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			an, err := a.Store.Annotate(ctx, scope, in.ID, in.Body)
			return &AnnotationOutput{Body: an}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-timeline-annotation", Method: http.MethodPatch, Path: one + "/timeline/annotations/{annotationId}",
		Summary: "Edit a timeline annotation (its author only)", Tags: tags}, manage),
		func(ctx context.Context, in *AnnotationPatchInput) (*AnnotationOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			an, err := a.Store.EditAnnotation(ctx, scope, in.ID, in.AnnotationID, in.Body)
			return &AnnotationOutput{Body: an}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-timeline-annotation", Method: http.MethodDelete, Path: one + "/timeline/annotations/{annotationId}",
		Summary: "Delete a timeline annotation (its author only)", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *AnnotationIDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteAnnotation(ctx, scope, in.ID, in.AnnotationID)
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "heartbeat-incident-presence", Method: http.MethodPut, Path: one + "/presence",
		Summary: "I am viewing this incident (heartbeat)", Tags: tags,
		Description: fmt.Sprintf("Send every %d s while the incident is open; answers every current viewer. The first heartbeat emits presence.joined.v1 "+
			"(and is audited as incident.view); a viewer without a heartbeat for %d s is gone (presence.left.v1, expired).",
			int(HeartbeatInterval/time.Second), int(DefaultPresenceTTL/time.Second))}, read),
		func(ctx context.Context, in *IncidentInput) (*PresenceOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Store.Heartbeat(ctx, scope, in.ID)
			return &PresenceOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "leave-incident-presence", Method: http.MethodDelete, Path: one + "/presence",
		Summary: "I stopped viewing this incident", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Emits presence.left.v1 (a no-op when the caller was not viewing)."}, read),
		func(ctx context.Context, in *IncidentInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.Leave(ctx, scope, in.ID)
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-presence", Method: http.MethodGet, Path: one + "/presence",
		Summary: "Who is viewing this incident now", Tags: tags}, read),
		func(ctx context.Context, in *IncidentInput) (*PresenceOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Store.Viewers(ctx, scope, in.ID)
			return &PresenceOutput{Body: p}, err
		})
}

func (a *API) export(ctx context.Context, in *ExportInput) (*huma.StreamResponse, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	q, err := in.ParseQuery()
	if err != nil {
		return nil, err
	}
	// The first page before the status is sent: an unknown incident is a
	// 404 problem, not a broken stream.
	first, err := a.Store.Read(ctx, scope, in.ID, q, "", exportPage)
	if err != nil {
		return nil, err
	}
	if err := audit.Log(ctx, a.Store.DB, audit.Entry{OrgID: scope.Org(), Action: "timeline.export", TargetType: "incident",
		TargetID: in.ID.String(), Details: []byte(fmt.Sprintf(`{"format":%q}`, in.Format))}); err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		name := "timeline-" + in.ID.String()
		hctx.SetHeader("Cache-Control", "no-store")
		w := httpapi.NewStream(hctx, 0)
		each := func(fn func(Item) error) error {
			for _, it := range first.Items {
				if err := fn(it); err != nil {
					return err
				}
			}
			if first.NextCursor == "" {
				return nil
			}
			n, cursor := len(first.Items), first.NextCursor
			for {
				p, err := a.Store.Read(ctx, scope, in.ID, q, cursor, exportPage)
				if err != nil {
					return err
				}
				for _, it := range p.Items {
					if n >= MaxExport {
						return nil
					}
					if err := fn(it); err != nil {
						return err
					}
					n++
				}
				if p.NextCursor == "" {
					return nil
				}
				cursor = p.NextCursor
			}
		}
		var n int
		if in.Format == "csv" {
			hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
			hctx.SetHeader("Content-Disposition", `attachment; filename="`+name+`.csv"`)
			n, err = WriteCSV(w, each)
		} else {
			hctx.SetHeader("Content-Type", "application/json")
			hctx.SetHeader("Content-Disposition", `attachment; filename="`+name+`.json"`)
			n, err = WriteJSON(w, in.ID, a.Store.now(), each)
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			a.Logger.ErrorContext(ctx, "timeline export failed", slog.Int("items_written", n), slog.Any("error", err))
			panic(http.ErrAbortHandler)
		}
	}}, nil
}
