package correlate

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// API serves the correlation rule operations and "why grouped".
type API struct {
	Rules        *Rules
	Candidates   *Candidates
	Suppressions *Suppressions
	Suggestions  *Suggestions
}

// ListRulesOutput lists the effective rules.
type ListRulesOutput struct {
	Body struct {
		Items []CorrelationRule `json:"items"`
	}
}

// RuleKeyInput names one rule.
type RuleKeyInput struct {
	Key string `path:"key" maxLength:"64"`
}

// CreateRuleInput adds a rule (or the org's edit of a shipped one).
type CreateRuleInput struct{ Body CorrelationRule }

// ReplaceRuleInput replaces the org's version of a rule.
type ReplaceRuleInput struct {
	Key  string `path:"key" maxLength:"64"`
	Body CorrelationRule
}

// RuleOutput is one rule.
type RuleOutput struct{ Body *CorrelationRule }

// ValidateRuleInput checks a draft rule.
type ValidateRuleInput struct{ Body CorrelationRule }

// ValidateRuleOutput answers a valid draft.
type ValidateRuleOutput struct {
	Body struct {
		Valid bool `json:"valid"`
	}
}

// WhyInput names an alert.
type WhyInput struct {
	ID uuid.UUID `path:"id"`
}

// WhyOutput lists an alert's groupings.
type WhyOutput struct {
	Body struct {
		Items []Grouping `json:"items"`
	}
}

// BacktestInput is a backtest request.
type BacktestInput struct{ Body BacktestRequest }

// BacktestOutput is a backtest result.
type BacktestOutput struct{ Body *BacktestResult }

// SettingsOutput is the org's correlation settings.
type SettingsOutput struct{ Body *CorrelationSettings }

// PutSettingsInput replaces the org's correlation settings.
type PutSettingsInput struct{ Body CorrelationSettings }

// Register adds the operations.
func (a *API) Register(api huma.API) {
	a.registerCandidates(api)
	a.registerSuppressions(api)
	if a.Suggestions != nil {
		a.registerSuggestions(api)
	}
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-correlation-settings", Method: http.MethodGet, Path: httpapi.APIPrefix + "/correlation/settings",
		Summary: "Get the org's correlation settings: the over-common-entity guardrail, its keep list and the entities it ignores now", Tags: []string{"Correlation"}}, rbac.IncidentsRead),
		func(ctx context.Context, _ *struct{}) (*SettingsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			s, err := a.Rules.GetSettings(ctx, scope)
			return &SettingsOutput{Body: s}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "replace-correlation-settings", Method: http.MethodPut, Path: httpapi.APIPrefix + "/correlation/settings",
		Summary: "Replace the org's correlation settings (share, minimum sample, entities to keep grouping on)", Tags: []string{"Correlation"}}, rbac.IncidentsManage),
		func(ctx context.Context, in *PutSettingsInput) (*SettingsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			s, err := a.Rules.PutSettings(ctx, scope, in.Body)
			return &SettingsOutput{Body: s}, err
		})
	tags := []string{"Correlation"}
	base := httpapi.APIPrefix + "/correlation/rules"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-correlation-rules", Method: http.MethodGet, Path: base,
		Summary: "List the org's correlation rules (its own, its edits, and the shipped ones it did not edit)", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, _ *struct{}) (*ListRulesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListRulesOutput{}
			out.Body.Items, err = a.Rules.List(ctx, scope)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-correlation-rule", Method: http.MethodPost, Path: base,
		Summary: "Add a correlation rule, or the org's edit of a shipped one (same key)", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Validation errors name the field; a CEL error in condition gives its line and column."}, rbac.IncidentsManage),
		func(ctx context.Context, in *CreateRuleInput) (*RuleOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			r, err := a.Rules.Put(ctx, scope, in.Body, true)
			return &RuleOutput{Body: r}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "validate-correlation-rule", Method: http.MethodPost, Path: base + "/validate",
		Summary: "Check a draft rule without saving it (422 naming the field and CEL position when invalid)", Tags: tags}, rbac.IncidentsRead),
		func(_ context.Context, in *ValidateRuleInput) (*ValidateRuleOutput, error) {
			if err := in.Body.Validate("body."); err != nil {
				return nil, err
			}
			out := &ValidateRuleOutput{}
			out.Body.Valid = true
			return out, nil
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "backtest-correlation-rule", Method: http.MethodPost, Path: httpapi.APIPrefix + "/correlation/backtest",
		Summary: "Run a saved or draft rule over the stored alerts of the last days and list the incidents it would have opened (writes nothing)", Tags: tags,
		Description: "Bounded: at most 30 days and 50000 alerts scanned (oldest first; truncated says so), at most 200 incidents listed. The rule runs alone (other rules' incidents are not considered)."}, rbac.IncidentsRead),
		func(ctx context.Context, in *BacktestInput) (*BacktestOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			r, err := a.Rules.Backtest(ctx, scope, in.Body, time.Now())
			return &BacktestOutput{Body: r}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-correlation-rule", Method: http.MethodGet, Path: base + "/{key}",
		Summary: "Get one effective correlation rule", Tags: tags}, rbac.IncidentsRead),
		func(ctx context.Context, in *RuleKeyInput) (*RuleOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			r, err := a.Rules.Get(ctx, scope, in.Key)
			return &RuleOutput{Body: r}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "replace-correlation-rule", Method: http.MethodPut, Path: base + "/{key}",
		Summary: "Replace a rule (enable, disable, tune); the path names it, the version goes up by one", Tags: tags}, rbac.IncidentsManage),
		func(ctx context.Context, in *ReplaceRuleInput) (*RuleOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			in.Body.Key = in.Key // the path names the rule
			r, err := a.Rules.Put(ctx, scope, in.Body, false)
			return &RuleOutput{Body: r}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-correlation-rule", Method: http.MethodDelete, Path: base + "/{key}",
		Summary: "Delete the org's version of a rule (a shipped rule reverts to its shipped definition)", Tags: tags, DefaultStatus: http.StatusNoContent}, rbac.IncidentsManage),
		func(ctx context.Context, in *RuleKeyInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Rules.Delete(ctx, scope, in.Key)
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-alert-groupings", Method: http.MethodGet, Path: httpapi.APIPrefix + "/alerts/{id}/groupings",
		Summary: "Why grouped: the correlation groups an alert is in, with rule, version, shared entities, window and score", Tags: tags}, rbac.AlertsRead),
		func(ctx context.Context, in *WhyInput) (*WhyOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &WhyOutput{}
			out.Body.Items, err = a.Rules.Why(ctx, scope, in.ID)
			return out, err
		})
}
