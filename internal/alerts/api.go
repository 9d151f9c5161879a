package alerts

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// API serves the alert query and update operations.
type API struct {
	Store *Store
	// Members lists the org's members for the assignee picker.
	Members MemberLister
}

// AssigneesOutput lists who alerts can be assigned to.
type AssigneesOutput struct {
	Body struct {
		Items     []Assignee `json:"items"`
		Truncated bool       `json:"truncated" doc:"True when the org has more than 500 members and only the first 500 to join are listed"`
	}
}

// FilterParams are the list's filter parameters, shared by the list, the
// count of matching alerts and the bulk change by filter. List-valued
// filters are repeated parameters (severity=critical&severity=high); a comma
// inside one value is refused with 422 rather than silently read as one
// unknown value.
type FilterParams struct {
	Severity   []string `query:"severity,explode" doc:"Severity names (informational, low, medium, high, critical, fatal, unknown, other); any of them. Repeat the parameter for several values (severity=critical&severity=high); comma-separated values are refused" maxItems:"8"`
	Status     []string `query:"status,explode" doc:"Statuses; any of them. Repeat the parameter for several values; comma-separated values are refused" maxItems:"6"`
	SourceType []string `query:"source_type,explode" doc:"Source types; any of them. Repeat the parameter for several values; comma-separated values are refused" maxItems:"20"`
	From       string   `query:"from" format:"date-time" doc:"Inclusive lower bound of the event time"`
	To         string   `query:"to" format:"date-time" doc:"Exclusive upper bound of the event time"`
	Since      string   `query:"since" enum:"1h,24h,7d,30d" doc:"Event time within this long before now (combines with from/to)"`
	Entity     string   `query:"entity" maxLength:"600" doc:"type:value, e.g. ip:10.0.0.1"`
	Technique  string   `query:"technique" maxLength:"20" doc:"ATT&CK technique id (any case, e.g. T1003 or t1003.001); a technique also matches its sub-techniques"`
	Assignee   string   `query:"assignee" maxLength:"36" doc:"User id, or 'none' for unassigned"`
	Tag        string   `query:"tag" maxLength:"64" doc:"Tag, any case (tags are stored lower-case)"`
	Q          string   `query:"q" maxLength:"200" doc:"Free text over title and description (whole words on PostgreSQL), or the exact value of an entity the alert mentions (an IP, host, user, domain, hash…)"`
}

// ListInput is the list query: filters, sort and keyset paging.
type ListInput struct {
	FilterParams
	Sort   string `query:"sort" enum:"received_time,event_time,severity" default:"received_time"`
	Order  string `query:"order" enum:"asc,desc" default:"desc"`
	Cursor string `query:"cursor" maxLength:"500" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// listValues refuses comma-separated list values: the convention is one
// value per repeated parameter.
func listValues(loc string, vs []string) []apperr.FieldError {
	var out []apperr.FieldError
	for _, v := range vs {
		if strings.Contains(v, ",") {
			out = append(out, apperr.Field(loc, "comma-separated values are not accepted; repeat the parameter for each value ("+strings.TrimPrefix(loc, "query.")+"=a&"+strings.TrimPrefix(loc, "query.")+"=b)"))
			break
		}
	}
	return out
}

func (in *ListInput) filter() (AlertQuery, error) {
	f, err := in.query()
	f.Sort, f.Ascending = in.Sort, in.Order == "asc"
	return f, err
}

// query validates the parameters into an AlertQuery, naming each bad
// parameter.
func (in *FilterParams) query() (AlertQuery, error) {
	f := AlertQuery{Tag: in.Tag, Text: in.Q, SourceTypes: in.SourceType, Since: in.Since}
	var fields []apperr.FieldError
	fields = append(fields, listValues("query.severity", in.Severity)...)
	fields = append(fields, listValues("query.status", in.Status)...)
	fields = append(fields, listValues("query.source_type", in.SourceType)...)
	if len(fields) > 0 {
		return f, apperr.Validation("invalid filter", fields...)
	}
	f.Technique = in.Technique
	fields = append(fields, f.normalize("query.")...)
	for _, s := range in.Severity {
		sev, ok := alert.ParseSeverity(s)
		if !ok {
			fields = append(fields, apperr.Field("query.severity", "unknown severity "+s))
		}
		f.Severities = append(f.Severities, sev)
	}
	for _, s := range in.Status {
		st := alert.Status(s)
		if !validStatus(st) {
			fields = append(fields, apperr.Field("query.status", "unknown status "+s))
		}
		f.Statuses = append(f.Statuses, st)
	}
	for _, p := range []struct {
		v   string
		dst **time.Time
		loc string
	}{{in.From, &f.From, "query.from"}, {in.To, &f.To, "query.to"}} {
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
	if in.Entity != "" {
		t, v, ok := ParseEntity(in.Entity)
		if !ok {
			fields = append(fields, apperr.Field("query.entity", "expected type:value"))
		} else {
			if c, ok := entity.Canonical(t, v); ok {
				v = c
			}
			f.EntityType, f.EntityValue = string(t), v
		}
	}
	if in.Assignee != "" && in.Assignee != "none" {
		if _, err := uuid.Parse(in.Assignee); err != nil {
			fields = append(fields, apperr.Field("query.assignee", "not a user id or 'none'"))
		}
	}
	f.Assignee = in.Assignee
	if len(fields) > 0 {
		return f, apperr.Validation("invalid filter", fields...)
	}
	return f, nil
}

func validStatus(s alert.Status) bool {
	for _, x := range alert.Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// ListOutput is one page of alerts.
type ListOutput struct {
	Body struct {
		Items      []alert.Alert `json:"items"`
		NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last page"`
	}
}

// IDInput names one alert.
type IDInput struct {
	ID uuid.UUID `path:"id"`
}

// ActivityOutput is an alert's activity.
type ActivityOutput struct {
	Body struct {
		Items []Activity `json:"items"`
	}
}

// CommentRequest comments on one alert.
type CommentRequest struct {
	ID   uuid.UUID `path:"id"`
	Body CommentInput
}

// CommentOutput is the new comment.
type CommentOutput struct{ Body *Activity }

// AlertOutput is one alert with its ATT&CK names.
type AlertOutput struct{ Body *AlertDetail }

// PatchInput updates one alert.
type PatchInput struct {
	ID   uuid.UUID `path:"id"`
	Body AlertChange
}

// BulkInput updates many alerts.
type BulkInput struct {
	Body struct {
		IDs         []uuid.UUID `json:"ids" minItems:"1" maxItems:"1000"`
		AlertChange AlertChange `json:"change"`
	}
}

// MatchingInput counts the alerts a filter selects.
type MatchingInput struct {
	FilterParams
}

// MatchingOutput is the bounded count.
type MatchingOutput struct{ Body Matching }

// BulkMatchingInput changes every alert a filter selects.
type BulkMatchingInput struct {
	FilterParams
	Body struct {
		AlertChange AlertChange `json:"change"`
		Expect      int         `json:"expected_count,omitempty" minimum:"0" maximum:"5000" doc:"The count the analyst confirmed (from count-matching-alerts); when set and the filter now matches a different number, nothing changes (409 matching_changed)"`
	}
}

// BulkOutput reports a bulk update.
type BulkOutput struct {
	Body struct {
		Updated int `json:"updated"`
		// Previous holds each changed alert's assignee and tags before
		// the change: what restore-alerts takes to undo it.
		Previous []Prior `json:"previous" doc:"Each changed alert's assignee and tags from before the change, for an undo with restore-alerts"`
	}
}

// RestoreInput puts alerts' assignees and tags back.
type RestoreInput struct {
	Body struct {
		Items []RestoreItem `json:"items" minItems:"1" maxItems:"5000"`
	}
}

// RestoreOutput reports a restore.
type RestoreOutput struct {
	Body struct {
		Restored int `json:"restored"`
	}
}

// FiltersOutput lists saved filters.
type FiltersOutput struct {
	Body struct {
		Items []SavedAlertFilter `json:"items"`
	}
}

// FilterInput creates a saved filter.
type FilterInput struct{ Body SavedAlertFilterInput }

// FilterUpdateInput replaces a saved filter.
type FilterUpdateInput struct {
	ID   uuid.UUID `path:"id"`
	Body SavedAlertFilterInput
}

// FilterOutput is one saved filter.
type FilterOutput struct{ Body *SavedAlertFilter }

// Register adds the operations.
func (a *API) Register(api huma.API) {
	read, write := rbac.AlertsRead, rbac.AlertsWrite
	tags := []string{"Alerts"}
	base := httpapi.APIPrefix + "/alerts"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-alerts", Method: http.MethodGet, Path: base,
		Summary: "List alerts", Tags: tags,
		Description: "Filters combine with AND; list-valued filters match any value. Keyset pagination: pass next_cursor back as cursor (default 50, max 500 per page)."}, read),
		func(ctx context.Context, in *ListInput) (*ListOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			f, err := in.filter()
			if err != nil {
				return nil, err
			}
			out := &ListOutput{}
			out.Body.Items, out.Body.NextCursor, err = a.Store.List(ctx, scope, f, in.Cursor, in.Limit)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-alert-assignees", Method: http.MethodGet, Path: base + "/assignees",
		Summary: "List the members alerts can be assigned to", Tags: tags,
		Description: "Members whose role can act on alerts (alerts:write), with user id, display name and role (no email addresses), sorted by name. " +
			"At most 500: an org with more members gets the first 500 to join and truncated: true."}, read),
		func(ctx context.Context, _ *struct{}) (*AssigneesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &AssigneesOutput{}
			out.Body.Items, out.Body.Truncated, err = Assignees(ctx, a.Members, scope)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-alert", Method: http.MethodGet, Path: base + "/{id}",
		Summary: "Get one alert with entities, raw payload and unmapped fields", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*AlertOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			al, err := a.Store.Get(ctx, scope, in.ID)
			return &AlertOutput{Body: detail(al)}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-alert", Method: http.MethodPatch, Path: base + "/{id}",
		Summary: "AlertChange an alert's status, assignee or tags", Tags: tags}, write),
		func(ctx context.Context, in *PatchInput) (*AlertOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			al, err := a.Store.Update(ctx, scope, in.ID, in.Body)
			return &AlertOutput{Body: detail(al)}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "bulk-update-alerts", Method: http.MethodPost, Path: base + "/bulk-update",
		Summary: "AlertChange many alerts at once (one transaction: all or none)", Tags: tags}, write),
		func(ctx context.Context, in *BulkInput) (*BulkOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &BulkOutput{}
			out.Body.Previous, err = a.Store.BulkUpdatePrior(ctx, scope, in.Body.IDs, in.Body.AlertChange)
			out.Body.Updated = len(out.Body.Previous)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "restore-alerts", Method: http.MethodPost, Path: base + "/restore",
		Summary: "Put alerts' assignees and tags back (undo a bulk change; one transaction: all or none)", Tags: tags,
		Description: "Takes the previous list a bulk change answered (or any id with the assignee and/or whole tag set to set). At most 5,000 alerts; an unknown id or an assignee who cannot act on alerts refuses the whole request (422 naming the item). " +
			"Each alert gets its activity entry and alert.updated.v1 event; one audit entry (alert.bulk_restore) records the items."}, write),
		func(ctx context.Context, in *RestoreInput) (*RestoreOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &RestoreOutput{}
			out.Body.Restored, err = a.Store.RestoreAlerts(ctx, scope, in.Body.Items)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "count-matching-alerts", Method: http.MethodGet, Path: base + "/matching",
		Summary: "Count the alerts a filter selects (select all matching)", Tags: tags,
		Description: "Takes the list's filter parameters; counts up to 5,000 (capped true beyond). Use it to offer \"select all N matching\" before bulk-update-matching-alerts."}, read),
		func(ctx context.Context, in *MatchingInput) (*MatchingOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			f, err := in.query()
			if err != nil {
				return nil, err
			}
			out := &MatchingOutput{}
			out.Body, err = a.Store.CountMatching(ctx, scope, f)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "bulk-update-matching-alerts", Method: http.MethodPost, Path: base + "/matching/bulk-update",
		Summary: "Change every alert a filter selects (one transaction: all or none)", Tags: tags,
		Description: "Takes the list's filter parameters in the query and the change in the body. At most 5,000 alerts (422 beyond: narrow the filter); with expected_count the change applies only if the filter still matches that many alerts (409 matching_changed otherwise). One audit entry records the filter and the count; each alert gets its activity entry and alert.updated.v1 event."}, write),
		func(ctx context.Context, in *BulkMatchingInput) (*BulkOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			f, err := in.query()
			if err != nil {
				return nil, err
			}
			out := &BulkOutput{}
			out.Body.Previous, err = a.Store.BulkUpdateMatchingPrior(ctx, scope, f, in.Body.AlertChange, in.Body.Expect)
			out.Body.Updated = len(out.Body.Previous)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-alert-activity", Method: http.MethodGet, Path: base + "/{id}/activity",
		Summary: "An alert's comments and changes, newest first", Tags: tags,
		Description: "Who changed what (status with its closure reason, assignee, tags; single and bulk) and the comments, at most 200 entries. Readable with alerts:read, unlike the audit log."}, read),
		func(ctx context.Context, in *IDInput) (*ActivityOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ActivityOutput{}
			out.Body.Items, err = a.Store.Activity(ctx, scope, in.ID)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-alert-comment", Method: http.MethodPost, Path: base + "/{id}/comments",
		Summary: "Comment on an alert", Tags: tags, DefaultStatus: http.StatusCreated}, write),
		func(ctx context.Context, in *CommentRequest) (*CommentOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			c, err := a.Store.Comment(ctx, scope, in.ID, in.Body)
			return &CommentOutput{Body: c}, err
		})
	fbase := httpapi.APIPrefix + "/alert-filters"
	ftags := []string{"Alerts"}
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-alert-filters", Method: http.MethodGet, Path: fbase,
		Summary: "List my saved alert filters", Tags: ftags}, read),
		func(ctx context.Context, _ *struct{}) (*FiltersOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &FiltersOutput{}
			out.Body.Items, err = a.Store.ListFilters(ctx, scope)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-alert-filter", Method: http.MethodPost, Path: fbase,
		Summary: "Save an alert filter", Tags: ftags, DefaultStatus: http.StatusCreated}, read),
		func(ctx context.Context, in *FilterInput) (*FilterOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			f, err := a.Store.CreateFilter(ctx, scope, in.Body)
			return &FilterOutput{Body: f}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-alert-filter", Method: http.MethodPut, Path: fbase + "/{id}",
		Summary: "Replace a saved alert filter", Tags: ftags}, read),
		func(ctx context.Context, in *FilterUpdateInput) (*FilterOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			f, err := a.Store.UpdateFilter(ctx, scope, in.ID, in.Body)
			return &FilterOutput{Body: f}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-alert-filter", Method: http.MethodDelete, Path: fbase + "/{id}",
		Summary: "Delete a saved alert filter", Tags: ftags, DefaultStatus: http.StatusNoContent}, read),
		func(ctx context.Context, in *IDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteFilter(ctx, scope, in.ID)
		})
}
