package report

import (
	"context"
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
