package report

import (
	"context"
	"mime"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// API serves the review and report operations.
type API struct {
	Module *Module
}

// IncidentInput names an incident.
type IncidentInput struct {
	ID uuid.UUID `path:"id"`
}

// ReviewPutInput writes an incident's review.
type ReviewPutInput struct {
	ID   uuid.UUID `path:"id"`
	Body ReviewInput
}

// ReviewOutput is a review.
type ReviewOutput struct{ Body *Review }

// ExportInput asks for an incident's report.
type ExportInput struct {
	ID     uuid.UUID `path:"id"`
	Format string    `query:"format" enum:"markdown,pdf" default:"markdown" doc:"markdown (UTF-8 text) or pdf"`
}

// ExportOutput is a rendered report, sent as a download.
type ExportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	SHA256             string `header:"X-Report-SHA256" doc:"Hex SHA-256 of the body, as recorded in the audit entry"`
	Body               []byte
}

// Register adds the operations.
func (a *API) Register(api huma.API) {
	tags := []string{"Reports"}
	inc := httpapi.APIPrefix + "/incidents/{id}"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident-review", Method: http.MethodGet, Path: inc + "/review",
		Summary: "The incident's post-incident review", Tags: tags,
		Description: "Root cause, impact, lessons learned and follow-up tasks. An incident nobody reviewed yet answers an empty review " +
			"with `exists` false; `editable` tells whether the incident is resolved or closed (only then may it be saved)."}, rbac.IncidentsRead), a.getReview)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "put-incident-review", Method: http.MethodPut, Path: inc + "/review",
		Summary: "Write the incident's post-incident review", Tags: tags,
		Description: "Replaces the review's text and follow-up list. Follow-ups name existing tasks of the incident (`task_id`) or create " +
			"new incident tasks (`title`, optional `assignee`, `due_at`). Refused with 409 `incident_not_resolved` unless the incident is " +
			"resolved or closed; with `version` set, 409 `review_version_conflict` when someone saved meanwhile. Audited " +
			"(`incident.review_save`) and emitted as `incident.review_updated.v1`."}, rbac.IncidentsManage), a.putReview)
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "export-incident-report", Method: http.MethodGet, Path: inc + "/report",
		Summary: "Export the incident report as Markdown or PDF", Tags: tags,
		Description: "Summary (severity, status, disposition, assignee, times, SLA), the timeline grouped by ATT&CK tactic (alerts by event " +
			"time) with the response activity (state changes, notes, evidence), entities and threat-intel matches, notes and tasks, " +
			"the signed evidence manifest (attached to the PDF, appended to the Markdown) with each artifact's SHA-256 and custody summary, " +
			"and the post-incident review. Sent as an attachment. Exporting records an `exported` custody entry per artifact " +
			"(purpose incident_report) and the audit entry `incident.report_export` with the report's SHA-256.",
		Responses: map[string]*huma.Response{"200": {Description: "The report", Content: map[string]*huma.MediaType{
			"text/markdown":   {Schema: &huma.Schema{Type: "string"}},
			"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}}}, rbac.IncidentsRead), a.report)
}

func (a *API) report(ctx context.Context, in *ExportInput) (*ExportOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	ex, err := a.Module.Export(ctx, scope, in.ID, in.Format)
	if err != nil {
		return nil, err
	}
	return &ExportOutput{ContentType: ex.ContentType, ContentDisposition: mime.FormatMediaType("attachment", map[string]string{"filename": ex.FileName}),
		CacheControl: "no-store", SHA256: ex.SHA256, Body: ex.Content}, nil
}

func (a *API) getReview(ctx context.Context, in *IncidentInput) (*ReviewOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.Module.Review(ctx, scope, in.ID)
	return &ReviewOutput{Body: r}, err
}

func (a *API) putReview(ctx context.Context, in *ReviewPutInput) (*ReviewOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	r, err := a.Module.SaveReview(ctx, scope, in.ID, in.Body)
	return &ReviewOutput{Body: r}, err
}
