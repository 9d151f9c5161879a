package incident

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
)

// ListSLAPoliciesOutput lists SLA policies.
type ListSLAPoliciesOutput struct {
	Body struct {
		Items []SLAPolicy `json:"items"`
	}
}

// SLAPolicyCreateInput adds a policy.
type SLAPolicyCreateInput struct{ Body SLAPolicyInput }

// SLAPolicyPatchInput changes a policy.
type SLAPolicyPatchInput struct {
	ID   uuid.UUID `path:"id"`
	Body SLAPolicyChange
}

// SLAPolicyOutput is one policy.
type SLAPolicyOutput struct{ Body *SLAPolicy }

// BusinessHoursOutput is the org's business calendar.
type BusinessHoursOutput struct{ Body *BusinessHours }

// BusinessHoursPutInput replaces the org's business calendar.
type BusinessHoursPutInput struct{ Body BusinessHoursInput }

// PauseSLAInput pauses an incident's SLA clock.
type PauseSLAInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Reason string `json:"reason" maxLength:"500" doc:"Why the SLA is paused (required; kept in the incident's timeline)"`
	}
}

// MetricsInput is the metrics query.
type MetricsInput struct {
	From    string `query:"from" format:"date-time" doc:"Inclusive lower bound of the incidents' creation time (default: 30 days before to)"`
	To      string `query:"to" format:"date-time" doc:"Exclusive upper bound (default: now)"`
	GroupBy string `query:"group_by" enum:"period,severity,type,assignee," doc:"Group the incidents; empty: only the total"`
	Period  string `query:"period" enum:"day,week" default:"day" doc:"Period length when group_by=period (org time zone; weeks start on Monday)"`
}

// MetricsOutput is the metrics answer.
type MetricsOutput struct{ Body *Metrics }

func (in *MetricsInput) query(now time.Time) (MetricsQuery, error) {
	q := MetricsQuery{GroupBy: in.GroupBy, Period: in.Period, To: now}
	var fields []apperr.FieldError
	if in.To != "" {
		t, err := time.Parse(time.RFC3339Nano, in.To)
		if err != nil {
			fields = append(fields, apperr.Field("query.to", "not an RFC 3339 time"))
		}
		q.To = t
	}
	q.From = q.To.Add(-30 * 24 * time.Hour)
	if in.From != "" {
		t, err := time.Parse(time.RFC3339Nano, in.From)
		if err != nil {
			fields = append(fields, apperr.Field("query.from", "not an RFC 3339 time"))
		}
		q.From = t
	}
	if len(fields) > 0 {
		return q, apperr.Validation("invalid metrics query", fields...)
	}
	return q, nil
}

func (a *API) registerSLA(api huma.API, read, manage rbac.Permission) {
	tags := []string{"Incidents"}
	pbase := httpapi.APIPrefix + "/incident-sla-policies"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "list-incident-sla-policies", Method: http.MethodGet, Path: pbase,
		Summary: "List the org's SLA policies (the defaults are seeded on first use), most specific first", Tags: tags}, read),
		func(ctx context.Context, _ *struct{}) (*ListSLAPoliciesOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			out := &ListSLAPoliciesOutput{}
			out.Body.Items, err = a.Store.SLAPolicies(ctx, scope)
			return out, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "create-incident-sla-policy", Method: http.MethodPost, Path: pbase,
		Summary: "Add an SLA policy for a severity and incident type (one per pair)", Tags: tags, DefaultStatus: http.StatusCreated}, manage),
		func(ctx context.Context, in *SLAPolicyCreateInput) (*SLAPolicyOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Store.CreateSLAPolicy(ctx, scope, in.Body)
			return &SLAPolicyOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident-sla-policy", Method: http.MethodGet, Path: pbase + "/{id}",
		Summary: "Get one SLA policy", Tags: tags}, read),
		func(ctx context.Context, in *IDInput) (*SLAPolicyOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Store.SLAPolicy(ctx, scope, in.ID)
			return &SLAPolicyOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "update-incident-sla-policy", Method: http.MethodPatch, Path: pbase + "/{id}",
		Summary: "Change an SLA policy (running clocks keep their targets until their incident's severity or type changes)", Tags: tags}, manage),
		func(ctx context.Context, in *SLAPolicyPatchInput) (*SLAPolicyOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			p, err := a.Store.UpdateSLAPolicy(ctx, scope, in.ID, in.Body)
			return &SLAPolicyOutput{Body: p}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "delete-incident-sla-policy", Method: http.MethodDelete, Path: pbase + "/{id}",
		Summary: "Delete an SLA policy", Tags: tags, DefaultStatus: http.StatusNoContent}, manage),
		func(ctx context.Context, in *IDInput) (*struct{}, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			return nil, a.Store.DeleteSLAPolicy(ctx, scope, in.ID)
		})
	hbase := httpapi.APIPrefix + "/incident-business-hours"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident-business-hours", Method: http.MethodGet, Path: hbase,
		Summary: "The org's business calendar for SLA policies with business hours (time zone, weekly hours, holidays)", Tags: tags}, read),
		func(ctx context.Context, _ *struct{}) (*BusinessHoursOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			b, err := a.Store.BusinessHours(ctx, scope)
			return &BusinessHoursOutput{Body: b}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "set-incident-business-hours", Method: http.MethodPut, Path: hbase,
		Summary: "Replace the org's business calendar (running business-hours SLA clocks are replanned on it)", Tags: tags}, manage),
		func(ctx context.Context, in *BusinessHoursPutInput) (*BusinessHoursOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			b, err := a.Store.SetBusinessHours(ctx, scope, in.Body)
			return &BusinessHoursOutput{Body: b}, err
		})
	one := httpapi.APIPrefix + "/incidents/{id}"
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "pause-incident-sla", Method: http.MethodPost, Path: one + "/sla/pause",
		Summary: "Pause an incident's SLA clock (a reason is required; paused time does not count and a paused SLA does not breach)", Tags: tags}, manage),
		func(ctx context.Context, in *PauseSLAInput) (*Output, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, err := a.Store.PauseSLA(ctx, scope, in.ID, in.Body.Reason)
			return &Output{Body: inc}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "resume-incident-sla", Method: http.MethodPost, Path: one + "/sla/resume",
		Summary: "Resume a paused SLA clock", Tags: tags}, manage),
		func(ctx context.Context, in *IDInput) (*Output, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			inc, err := a.Store.ResumeSLA(ctx, scope, in.ID)
			return &Output{Body: inc}, err
		})
	huma.Register(api, httpapi.Protected(huma.Operation{OperationID: "get-incident-metrics", Method: http.MethodGet, Path: httpapi.APIPrefix + "/incidents/metrics",
		Summary: "Incident metrics: MTTA, MTTR and SLA compliance (by period, severity, type or assignee) and false-positive rates by detection rule and source", Tags: tags,
		Description: "Over the incidents created in [from, to) (merged ones left out). MTTA and MTTR come from the immutable state-change log; false-positive rates from incident dispositions and alert closure reasons."}, read),
		func(ctx context.Context, in *MetricsInput) (*MetricsOutput, error) {
			scope, err := httpapi.Scope(ctx)
			if err != nil {
				return nil, err
			}
			q, err := in.query(a.Store.now())
			if err != nil {
				return nil, err
			}
			m, err := a.Store.Metrics(ctx, scope, q)
			return &MetricsOutput{Body: m}, err
		})
}
