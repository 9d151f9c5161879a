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

// ListCandidatesInput filters the candidate list.
type ListCandidatesInput struct {
	Status string `query:"status" enum:"pending,accepted,rejected" doc:"Only candidates of this status"`
	Cursor string `query:"cursor" maxLength:"512"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50"`
}

// ListCandidatesOutput is one page of candidates.
type ListCandidatesOutput struct{ Body page.Body[Candidate] }

// CandidateIDInput names a candidate.
type CandidateIDInput struct {
	ID uuid.UUID `path:"id"`
}

// AcceptCandidateInput accepts a candidate.
type AcceptCandidateInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Title string `json:"title,omitempty" maxLength:"300" doc:"The incident's title; default the candidate's"`
	}
}

// RejectCandidateInput rejects a candidate.
type RejectCandidateInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500"`
	}
}

// CandidateOutput is one candidate.
type CandidateOutput struct{ Body *Candidate }

func (a *API) registerCandidates(api huma.API) {
	tags := []string{"Correlation"}
	base := httpapi.APIPrefix + "/correlation/candidates"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-correlation-candidates", Method: http.MethodGet, Path: base,
		Summary: "List incident candidates proposed by rules with outcome propose (newest first)", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, in *ListCandidatesInput) (*ListCandidatesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListCandidatesOutput{}
			out.Body.Items, out.Body.NextCursor, err = a.Candidates.List(ctx, scope, in.Status, in.Cursor, in.Limit)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-correlation-candidate", Method: http.MethodGet, Path: base + "/{id}",
		Summary: "Get one incident candidate with its alerts and explanation", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, in *CandidateIDInput) (*CandidateOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			c, err := a.Candidates.Get(ctx, scope, in.ID)
			return &CandidateOutput{Body: c}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "accept-correlation-candidate", Method: http.MethodPost, Path: base + "/{id}/accept",
		Summary: "Accept a candidate: an incident opens with its alerts and explanation (409 candidate_decided when not pending)", Tags: tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *AcceptCandidateInput) (*CandidateOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			c, err := a.Candidates.Accept(ctx, scope, in.ID, in.Body.Title)
			return &CandidateOutput{Body: c}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "reject-correlation-candidate", Method: http.MethodPost, Path: base + "/{id}/reject",
		Summary: "Reject a candidate with a reason (recorded; its group proposes nothing again)", Tags: tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *RejectCandidateInput) (*CandidateOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			c, err := a.Candidates.Reject(ctx, scope, in.ID, in.Body.Reason)
			return &CandidateOutput{Body: c}, err
		})
}
