package incident

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// API serves the incident operations.
type API struct{ Store *Store }

// ListIncidentsInput is the incident list query.
type ListIncidentsInput struct {
	Status   []string `query:"status,explode" maxItems:"6" doc:"Statuses; any of them. Repeat the parameter for several values (status=new&status=acknowledged)"`
	Severity []string `query:"severity,explode" maxItems:"5" doc:"Severities; any of them. Repeat the parameter for several values"`
	Priority []string `query:"priority,explode" maxItems:"4" doc:"Priorities; any of them. Repeat the parameter for several values"`
	Type     string   `query:"type" maxLength:"64"`
	Assignee string   `query:"assignee" maxLength:"36" doc:"User id, or 'none' for unassigned"`
	Tag      string   `query:"tag" maxLength:"64"`
	Alert    string   `query:"alert" maxLength:"36" doc:"Alert id: the incident holding this alert"`
	Field    string   `query:"field" maxLength:"300" doc:"key:value of a custom field (multi_select: contains the value)"`
	From     string   `query:"from" format:"date-time" doc:"Inclusive lower bound of the creation time"`
	To       string   `query:"to" format:"date-time" doc:"Exclusive upper bound of the creation time"`
	SLA      []string `query:"sla,explode" maxItems:"5" doc:"SLA states (ok, warning, breached, paused, met); any of them, repeat the parameter for several. Incidents without an SLA match none"`
	Sort     string   `query:"sort" enum:"created_at,updated_at,severity" default:"created_at"`
	Order    string   `query:"order" enum:"asc,desc" default:"desc"`
	Cursor   string   `query:"cursor" maxLength:"500" doc:"next_cursor of the previous page"`
	Limit    int      `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

func (in *ListIncidentsInput) query() (Query, error) {
	q := Query{Sort: in.Sort, Ascending: in.Order == "asc", Type: in.Type, Tag: strings.TrimSpace(in.Tag), Assignee: in.Assignee}
	var fields []apperr.FieldError
	for _, s := range in.Status {
		if !Status(s).Valid() {
			fields = append(fields, apperr.Field("query.status", "unknown status "+s))
		}
		q.Statuses = append(q.Statuses, Status(s))
	}
	for _, s := range in.Severity {
		sev, ok := ParseSeverity(s)
		if !ok {
			fields = append(fields, apperr.Field("query.severity", "unknown severity "+s))
		}
		q.Severities = append(q.Severities, sev)
	}
	for _, st := range in.SLA {
		if !slices.Contains(SLAStates, st) {
			fields = append(fields, apperr.Field("query.sla", "unknown SLA state "+st+" (ok, warning, breached, paused, met)"))
		}
		q.SLAStates = append(q.SLAStates, st)
	}
	for _, p := range in.Priority {
		if !Priority(p).Valid() {
			fields = append(fields, apperr.Field("query.priority", "unknown priority "+p))
		}
		q.Priorities = append(q.Priorities, Priority(p))
	}
	if in.Assignee != "" && in.Assignee != "none" {
		if _, err := uuid.Parse(in.Assignee); err != nil {
			fields = append(fields, apperr.Field("query.assignee", "not a user id or 'none'"))
		}
	}
	if in.Alert != "" {
		a, err := uuid.Parse(in.Alert)
		if err != nil {
			fields = append(fields, apperr.Field("query.alert", "not an alert id"))
		}
		q.Alert = &a
	}
	if in.Field != "" {
		k, v, ok := strings.Cut(in.Field, ":")
		if !ok || !fieldKeyRe.MatchString(k) || v == "" {
			fields = append(fields, apperr.Field("query.field", "expected key:value with a custom field key"))
		}
		q.FieldKey, q.FieldValue = k, v
	}
	for _, p := range []struct {
		v   string
		dst **time.Time
		loc string
	}{{in.From, &q.From, "query.from"}, {in.To, &q.To, "query.to"}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, p.v)
		if err != nil {
			fields = append(fields, apperr.Field(p.loc, "not an RFC 3339 time"))
			continue
		}
		*p.dst = &t
	}
	for _, p := range [...]struct{ loc, v string }{{"query.tag", in.Tag}, {"query.type", in.Type}, {"query.field", in.Field}} {
		if why := badText(p.v); why != "" {
			fields = append(fields, apperr.Field(p.loc, why))
		}
	}
	if len(fields) > 0 {
		return q, apperr.Validation("invalid filter", fields...)
	}
	return q, nil
}

// ListIncidentsOutput is one page of incidents.
type ListIncidentsOutput struct {
	Body struct {
		Items      []Incident `json:"items"`
		NextCursor string     `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
	}
}

// IDInput names one incident.
type IDInput struct {
	ID uuid.UUID `path:"id"`
}

// PageInput names an incident and a page of one of its lists.
type PageInput struct {
	ID     uuid.UUID `path:"id"`
	Cursor string    `query:"cursor" maxLength:"36" doc:"next_cursor of the previous page"`
	Limit  int       `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

func (in *PageInput) after() (*uuid.UUID, error) {
	if in.Cursor == "" {
		return nil, nil
	}
	u, err := uuid.Parse(in.Cursor)
	if err != nil {
		return nil, apperr.Validation("invalid cursor", apperr.Field("query.cursor", "not a cursor returned by this API"))
	}
	return &u, nil
}

// Output is one incident.
type Output struct{ Body *Incident }

// CreateIncidentInput creates an incident.
type CreateIncidentInput struct{ Body NewIncident }

// UpdateIncidentInput updates one incident.
type UpdateIncidentInput struct {
	ID   uuid.UUID `path:"id"`
	Body ChangeSet
}

// BulkUpdateIncidentsInput updates many incidents.
type BulkUpdateIncidentsInput struct {
	Body struct {
		IDs       []uuid.UUID `json:"ids" minItems:"1" maxItems:"500"`
		ChangeSet ChangeSet   `json:"change"`
	}
}

// BulkUpdateIncidentsOutput reports a bulk update.
type BulkUpdateIncidentsOutput struct {
	Body struct {
		Updated int `json:"updated"`
	}
}

// EscalateAlertsRequest escalates alerts.
type EscalateAlertsRequest struct{ Body EscalateInput }

// EscalateAlertsOutput is the incident the alerts went to: 201 when it is new.
type EscalateAlertsOutput struct {
	Status int
	Body   struct {
		Created  bool      `json:"created" doc:"A new incident was opened"`
		Incident *Incident `json:"incident"`
	}
}

// ListIncidentAlertsOutput is one page of an incident's alerts.
type ListIncidentAlertsOutput struct {
	Body struct {
		Items      []LinkedAlert `json:"items"`
		NextCursor string        `json:"next_cursor,omitempty"`
	}
}

// LinkIncidentAlertsInput links alerts to an incident.
type LinkIncidentAlertsInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		AlertIDs []uuid.UUID `json:"alert_ids" minItems:"1" maxItems:"500"`
	}
}

// UnlinkAlertInput detaches one alert.
type UnlinkAlertInput struct {
	ID      uuid.UUID `path:"id"`
	AlertID uuid.UUID `path:"alertId"`
}

// MergeIncidentsInput merges incidents into the path's survivor.
type MergeIncidentsInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		IncidentIDs []uuid.UUID `json:"incident_ids" minItems:"1" maxItems:"50" doc:"Incidents folded into this one"`
	}
}

// MergeIncidentsOutput reports a merge.
type MergeIncidentsOutput struct{ Body *MergeResult }

// SplitIncidentRequest splits alerts off an incident.
type SplitIncidentRequest struct {
	ID   uuid.UUID `path:"id"`
	Body SplitInput
}

// GetTimelineOutput is one page of an incident's state-change log.
type GetTimelineOutput struct {
	Body struct {
		Items      []StateChange `json:"items"`
		NextCursor string        `json:"next_cursor,omitempty"`
	}
}

// Register adds the operations.
func (a *API) Register(api huma.API) {
	read, manage := rbac.IncidentsRead, rbac.IncidentsManage
	tags := []string{"Incidents"}
	base := httpapi.APIPrefix + "/incidents"
	one := base + "/{id}"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incidents", Method: http.MethodGet, Path: base,
		Summary: "List incidents", Tags: tags,
		Description: "Filters combine with AND; list-valued filters match any value. Keyset pagination: pass next_cursor back as cursor."}, read),
		func(ctx context.Context, in *ListIncidentsInput) (*ListIncidentsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			q, err := in.query()
			if err != nil {
				return nil, err
			}
			out := &ListIncidentsOutput{}
			out.Body.Items, out.Body.NextCursor, err = a.Store.List(ctx, scope, q, in.Cursor, in.Limit)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-incident", Method: http.MethodPost, Path: base,
		Summary: "Open an incident (optionally from a template and with alerts)", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *CreateIncidentInput) (*Output, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, err := a.Store.Create(ctx, scope, in.Body)
			if err == nil {
				err = a.Store.WithSLA(ctx, scope, inc)
			}
			return &Output{Body: inc}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "escalate-alerts", Method: http.MethodPost, Path: base + "/escalate",
		Summary: "Escalate alerts: open a new incident with them (201) or add them to an open one (200)", Tags: tags,
		Description: "An alert belongs to at most one incident: naming an alert already in another incident answers 409 alert_in_incident."}, manage),
		func(ctx context.Context, in *EscalateAlertsRequest) (*EscalateAlertsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, created, err := a.Store.Escalate(ctx, scope, in.Body)
			if err != nil {
				return nil, err
			}
			out := &EscalateAlertsOutput{Status: http.StatusOK}
			if created {
				out.Status = http.StatusCreated
			}
			out.Body.Created, out.Body.Incident = created, inc
			return out, nil
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "bulk-update-incidents", Method: http.MethodPost, Path: base + "/bulk-update",
		Summary: "Update many incidents at once (one transaction: all or none)", Tags: tags}, manage),
		func(ctx context.Context, in *BulkUpdateIncidentsInput) (*BulkUpdateIncidentsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &BulkUpdateIncidentsOutput{}
			out.Body.Updated, err = a.Store.BulkUpdate(ctx, scope, in.Body.IDs, in.Body.ChangeSet)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident", Method: http.MethodGet, Path: one,
		Summary: "Get one incident", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*Output, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, err := a.Store.Get(ctx, scope, in.ID)
			return &Output{Body: inc}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-incident", Method: http.MethodPatch, Path: one,
		Summary: "Update an incident: fields, status transition with disposition, assignee, responders, tags, custom fields", Tags: tags}, manage),
		func(ctx context.Context, in *UpdateIncidentInput) (*Output, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, err := a.Store.Update(ctx, scope, in.ID, in.Body)
			if err == nil {
				err = a.Store.WithSLA(ctx, scope, inc)
			}
			return &Output{Body: inc}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-alerts", Method: http.MethodGet, Path: one + "/alerts",
		Summary: "List an incident's alerts with their entities and how each got there (provenance, correlation's why-grouped)", Tags: tags}, read),
		func(ctx context.Context, in *PageInput) (*ListIncidentAlertsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			after, err := in.after()
			if err != nil {
				return nil, err
			}
			out := &ListIncidentAlertsOutput{}
			out.Body.Items, out.Body.NextCursor, err = a.Store.LinkedAlerts(ctx, scope, in.ID, after, in.Limit)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "link-incident-alerts", Method: http.MethodPost, Path: one + "/alerts",
		Summary: "Link alerts to an open incident", Tags: tags}, manage),
		func(ctx context.Context, in *LinkIncidentAlertsInput) (*Output, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, err := a.Store.LinkAlerts(ctx, scope, in.ID, in.Body.AlertIDs)
			return &Output{Body: inc}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "unlink-incident-alert", Method: http.MethodDelete, Path: one + "/alerts/{alertId}",
		Summary: "Detach an alert from its incident", Tags: tags}, manage),
		func(ctx context.Context, in *UnlinkAlertInput) (*Output, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, err := a.Store.UnlinkAlert(ctx, scope, in.ID, in.AlertID)
			return &Output{Body: inc}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "merge-incidents", Method: http.MethodPost, Path: one + "/merge",
		Summary: "Merge incidents into this one (alerts, tasks, notes and history move over with provenance)", Tags: tags}, manage),
		func(ctx context.Context, in *MergeIncidentsInput) (*MergeIncidentsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			res, err := a.Store.Merge(ctx, scope, in.ID, in.Body.IncidentIDs)
			return &MergeIncidentsOutput{Body: res}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "split-incident", Method: http.MethodPost, Path: one + "/split",
		Summary: "Move chosen alerts of an incident to a new incident", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *SplitIncidentRequest) (*Output, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, err := a.Store.Split(ctx, scope, in.ID, in.Body)
			return &Output{Body: inc}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident-timeline", Method: http.MethodGet, Path: one + "/timeline",
		Summary: "An incident's immutable state-change log (with the incidents merged into it)", Tags: tags}, read),
		func(ctx context.Context, in *PageInput) (*GetTimelineOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			after, err := in.after()
			if err != nil {
				return nil, err
			}
			out := &GetTimelineOutput{}
			out.Body.Items, out.Body.NextCursor, err = a.Store.Timeline(ctx, scope, in.ID, after, in.Limit)
			return out, err
		})
	a.registerWork(api, read, manage)
	a.registerDecisions(api, read, manage)
	a.registerSettings(api, read, manage)
	a.registerSLA(api, read, manage)
}
