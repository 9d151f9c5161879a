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

// ListSuggestionsInput filters the suggestion list.
type ListSuggestionsInput struct {
	Status string `query:"status" enum:"pending,accepted,dismissed" doc:"Only suggestions of this status"`
	Cursor string `query:"cursor" maxLength:"512"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50"`
}

// ListSuggestionsOutput is one page of suggestions.
type ListSuggestionsOutput struct{ Body page.Body[Suggestion] }

// MineSuggestionsInput says how far back to mine.
type MineSuggestionsInput struct {
	Body struct {
		Days int `json:"days,omitempty" minimum:"0" maximum:"90" doc:"Days of manual groupings to mine, 1 to 90 (default 30)"`
	}
}

// MineSuggestionsOutput lists the pending suggestions mining touched.
type MineSuggestionsOutput struct {
	Body struct {
		Items []Suggestion `json:"items"`
	}
}

// SuggestionIDInput names a suggestion.
type SuggestionIDInput struct {
	ID uuid.UUID `path:"id"`
}

// AcceptSuggestionInput accepts a suggestion.
type AcceptSuggestionInput struct {
	ID   uuid.UUID `path:"id"`
	Body AcceptSuggestion
}

// DismissSuggestionInput dismisses a suggestion.
type DismissSuggestionInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500"`
	}
}

// SuggestionOutput is one suggestion.
type SuggestionOutput struct{ Body *Suggestion }

func (a *API) registerSuggestions(api huma.API) {
	tags := []string{"Correlation"}
	base := httpapi.APIPrefix + "/correlation/suggestions"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-correlation-suggestions", Method: http.MethodGet, Path: base,
		Summary: "List suggested correlation rules mined from analysts' manual groupings (newest first)", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, in *ListSuggestionsInput) (*ListSuggestionsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListSuggestionsOutput{}
			out.Body.Items, out.Body.NextCursor, err = a.Suggestions.List(ctx, scope, in.Status, in.Cursor, in.Limit)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "mine-correlation-suggestions", Method: http.MethodPost, Path: base + "/mine",
		Summary: "Mine the last days of manual escalations, links and merges for rules no enabled rule covers; store each as a pending suggestion with its backtest",
		Tags:    tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *MineSuggestionsInput) (*MineSuggestionsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &MineSuggestionsOutput{}
			out.Body.Items, err = a.Suggestions.Mine(ctx, scope, in.Body.Days)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-correlation-suggestion", Method: http.MethodGet, Path: base + "/{id}",
		Summary: "Get one suggested rule with its examples and backtest", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, in *SuggestionIDInput) (*SuggestionOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			sg, err := a.Suggestions.Get(ctx, scope, in.ID)
			return &SuggestionOutput{Body: sg}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "accept-correlation-suggestion", Method: http.MethodPost, Path: base + "/{id}/accept",
		Summary: "Accept a suggestion: its rule is created (key, name, enabled and outcome may be changed; 409 suggestion_decided when not pending, rule_exists when the key is taken)",
		Tags:    tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *AcceptSuggestionInput) (*SuggestionOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			sg, err := a.Suggestions.Accept(ctx, scope, in.ID, in.Body)
			return &SuggestionOutput{Body: sg}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "dismiss-correlation-suggestion", Method: http.MethodPost, Path: base + "/{id}/dismiss",
		Summary: "Dismiss a suggestion with a reason (recorded; mining does not propose it again)", Tags: tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *DismissSuggestionInput) (*SuggestionOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			sg, err := a.Suggestions.Dismiss(ctx, scope, in.ID, in.Body.Reason)
			return &SuggestionOutput{Body: sg}, err
		})
}
