package correlate

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/rbac"
)

// ListSuppressionsInput pages the suppressions.
type ListSuppressionsInput struct {
	Active string `query:"active" enum:"true,false" doc:"Only those in force now (true) or not (false)"`
	Cursor string `query:"cursor" maxLength:"512"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50"`
}

// ListSuppressionsOutput is one page of suppressions.
type ListSuppressionsOutput struct{ Body page.Body[Suppression] }

// SuppressionIDInput names a suppression.
type SuppressionIDInput struct {
	ID uuid.UUID `path:"id"`
}

// CreateSuppressionInput creates a suppression.
type CreateSuppressionInput struct{ Body SuppressionInput }

// ReplaceSuppressionInput replaces a suppression.
type ReplaceSuppressionInput struct {
	ID   uuid.UUID `path:"id"`
	Body SuppressionInput
}

// SuppressionOutput is one suppression.
type SuppressionOutput struct{ Body *Suppression }

// PreviewSuppressionInput previews a draft suppression.
type PreviewSuppressionInput struct {
	Days int `query:"days" minimum:"0" maximum:"30" doc:"Days back, default 30"`
	Body SuppressionInput
}

// PreviewSuppressionOutput is the impact preview.
type PreviewSuppressionOutput struct{ Body *SuppressionPreview }

func (a *API) registerSuppressions(api huma.API) {
	tags := []string{"Correlation"}
	base := httpapi.APIPrefix + "/correlation/suppressions"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-suppressions", Method: http.MethodGet, Path: base,
		Summary: "List suppressions and maintenance windows (newest first)", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, in *ListSuppressionsInput) (*ListSuppressionsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			var active *bool
			if in.Active != "" {
				v := in.Active == "true"
				active = &v
			}
			out := &ListSuppressionsOutput{}
			out.Body.Items, out.Body.NextCursor, err = a.Suppressions.List(ctx, scope, active, in.Cursor, in.Limit)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-suppression", Method: http.MethodPost, Path: base, DefaultStatus: http.StatusCreated,
		Summary: "Create a suppression or maintenance window: matching alerts are stored as suppressed and never open incidents", Tags: tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *CreateSuppressionInput) (*SuppressionOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			x, err := a.Suppressions.Create(ctx, scope, in.Body)
			return &SuppressionOutput{Body: x}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "preview-suppression", Method: http.MethodPost, Path: base + "/preview",
		Summary: "Impact preview of a draft suppression: what it would have suppressed in the last days (writes nothing)", Tags: tags,
		Description: "Scans at most 50000 alerts, oldest first (truncated says so); enabled and expiry are ignored, the maintenance window applies."}, rbac.IncidentsRead),
		func(ctx context.Context, in *PreviewSuppressionInput) (*PreviewSuppressionOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Suppressions.Preview(ctx, scope, in.Body, in.Days)
			return &PreviewSuppressionOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-suppression", Method: http.MethodGet, Path: base + "/{id}",
		Summary: "Get one suppression with its hits", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, in *SuppressionIDInput) (*SuppressionOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			x, err := a.Suppressions.Get(ctx, scope, in.ID)
			return &SuppressionOutput{Body: x}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "replace-suppression", Method: http.MethodPut, Path: base + "/{id}",
		Summary: "Replace a suppression (its hits stay)", Tags: tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *ReplaceSuppressionInput) (*SuppressionOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			x, err := a.Suppressions.Replace(ctx, scope, in.ID, in.Body)
			return &SuppressionOutput{Body: x}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-suppression", Method: http.MethodDelete, Path: base + "/{id}", DefaultStatus: http.StatusNoContent,
		Summary: "Delete a suppression (alerts it suppressed stay suppressed)", Tags: tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *SuppressionIDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Suppressions.Delete(ctx, scope, in.ID)
		})
}
