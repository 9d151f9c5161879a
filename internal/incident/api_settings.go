package incident

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// ListFieldDefsOutput lists custom field definitions.
type ListFieldDefsOutput struct {
	Body struct {
		Items []FieldDef `json:"items"`
	}
}

// FieldDefCreateInput defines a custom field.
type FieldDefCreateInput struct{ Body FieldDefInput }

// FieldDefPatchInput changes a definition.
type FieldDefPatchInput struct {
	ID   uuid.UUID `path:"id"`
	Body FieldDefChange
}

// FieldDefOutput is one definition.
type FieldDefOutput struct{ Body *FieldDef }

// ListTemplatesOutput lists templates.
type ListTemplatesOutput struct {
	Body struct {
		Items []Template `json:"items"`
	}
}

// TemplateCreateInput adds a template.
type TemplateCreateInput struct{ Body TemplateInput }

// TemplatePatchInput changes a template.
type TemplatePatchInput struct {
	ID   uuid.UUID `path:"id"`
	Body TemplateChange
}

// TemplateOutput is one template.
type TemplateOutput struct{ Body *Template }

func (a *API) registerSettings(api huma.API, read, manage rbac.Permission) {
	tags := []string{"Incidents"}
	fbase := httpapi.APIPrefix + "/incident-fields"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-fields", Method: http.MethodGet, Path: fbase,
		Summary: "List the org's incident custom fields", Tags: tags}, read),
		func(ctx context.Context, _ *struct{}) (*ListFieldDefsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListFieldDefsOutput{}
			out.Body.Items, err = a.Store.FieldDefs(ctx, scope)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-incident-field", Method: http.MethodPost, Path: fbase,
		Summary: "Define an incident custom field (text, number, select, multi_select, date, user)", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *FieldDefCreateInput) (*FieldDefOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			d, err := a.Store.CreateFieldDef(ctx, scope, in.Body)
			return &FieldDefOutput{Body: d}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident-field", Method: http.MethodGet, Path: fbase + "/{id}",
		Summary: "Get one incident custom field", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*FieldDefOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			d, err := a.Store.FieldDef(ctx, scope, in.ID)
			return &FieldDefOutput{Body: d}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-incident-field", Method: http.MethodPatch, Path: fbase + "/{id}",
		Summary: "Change a custom field's label, options or required flag", Tags: tags}, manage),
		func(ctx context.Context, in *FieldDefPatchInput) (*FieldDefOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			d, err := a.Store.UpdateFieldDef(ctx, scope, in.ID, in.Body)
			return &FieldDefOutput{Body: d}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-incident-field", Method: http.MethodDelete, Path: fbase + "/{id}",
		Summary: "Delete a custom field and its values on every incident", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *IDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteFieldDef(ctx, scope, in.ID)
		})
	tbase := httpapi.APIPrefix + "/incident-templates"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-templates", Method: http.MethodGet, Path: tbase,
		Summary: "List incident templates: the org's own and edited ones, and the shipped ones it did not edit", Tags: tags}, read),
		func(ctx context.Context, _ *struct{}) (*ListTemplatesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListTemplatesOutput{}
			out.Body.Items, err = a.Store.Templates(ctx, scope)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-incident-template", Method: http.MethodPost, Path: tbase,
		Summary: "Add an org template (naming a shipped type makes the org's edit of it)", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *TemplateCreateInput) (*TemplateOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			t, err := a.Store.CreateTemplate(ctx, scope, in.Body)
			return &TemplateOutput{Body: t}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident-template", Method: http.MethodGet, Path: tbase + "/{id}",
		Summary: "Get one org template", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*TemplateOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			t, err := a.Store.Template(ctx, scope, in.ID)
			return &TemplateOutput{Body: t}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-incident-template", Method: http.MethodPatch, Path: tbase + "/{id}",
		Summary: "Change an org template", Tags: tags}, manage),
		func(ctx context.Context, in *TemplatePatchInput) (*TemplateOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			t, err := a.Store.UpdateTemplate(ctx, scope, in.ID, in.Body)
			return &TemplateOutput{Body: t}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-incident-template", Method: http.MethodDelete, Path: tbase + "/{id}",
		Summary: "Delete an org template (a shipped type reverts to the shipped defaults)", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *IDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteTemplate(ctx, scope, in.ID)
		})
}
