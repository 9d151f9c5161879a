package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/securenexus/securenexus/internal/apperr"
)

// ProblemContentType is the RFC 9457 media type.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details body with SecureNexus extensions:
// a stable machine-readable code, whether a retry may succeed, the request
// id, and the offending fields.
type Problem struct {
	Type      string              `json:"type" doc:"URI identifying the problem type"`
	Title     string              `json:"title" doc:"Short summary of the problem type"`
	Status    int                 `json:"status" doc:"HTTP status code"`
	Detail    string              `json:"detail,omitempty" doc:"Explanation specific to this occurrence"`
	Instance  string              `json:"instance,omitempty" doc:"Request path that produced the problem"`
	Code      string              `json:"code" doc:"Stable machine-readable error code" example:"validation_failed"`
	Retryable bool                `json:"retryable" doc:"Whether repeating the same request may succeed later"`
	RequestID string              `json:"request_id,omitempty" doc:"Request id, also in the X-Request-ID header"`
	Errors    []*huma.ErrorDetail `json:"errors,omitempty" doc:"Each invalid field"`

	headers http.Header
}

// Error implements error.
func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Code + ": " + p.Detail
	}
	return p.Code
}

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType implements huma.ContentTypeFilter.
func (p *Problem) ContentType(string) string { return ProblemContentType }

// GetHeaders implements huma.HeadersError.
func (p *Problem) GetHeaders() http.Header { return p.headers }

// codeForStatus is the stable code used when no typed error supplies one.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusNotAcceptable:
		return "not_acceptable"
	case http.StatusConflict:
		return "conflict"
	case http.StatusPreconditionFailed:
		return "precondition_failed"
	case http.StatusRequestEntityTooLarge:
		return "body_too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusUnprocessableEntity:
		return "validation_failed"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusBadGateway:
		return "upstream_failed"
	case http.StatusServiceUnavailable:
		return "unavailable"
	case http.StatusGatewayTimeout:
		return "timeout"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}

func problemType(code string) string { return "https://securenexus.dev/problems/" + code }

// StatusClientClosedRequest is the status recorded (metrics, access log)
// for a request whose client went away before the answer was ready.
const StatusClientClosedRequest = 499

// FromError converts any error into a Problem. *apperr.Error keeps its kind,
// code and fields; anything else becomes a 500 whose cause is not shown.
func FromError(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		if p.RequestID == "" {
			p.RequestID = RequestID(ctx)
		}
		return p
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		// The client went away (closed the connection or gave up): not a
		// server fault, so no 500 and no error log. 499 is the usual
		// proxy convention; nobody reads the body.
		return &Problem{Type: problemType("client_closed_request"), Title: "Client Closed Request",
			Status: StatusClientClosedRequest, Detail: "the client closed the request before it completed",
			Code: "client_closed_request", RequestID: RequestID(ctx)}
	}
	e := apperr.As(err)
	p = &Problem{
		Type:      problemType(e.CodeOrDefault()),
		Title:     http.StatusText(e.Status()),
		Status:    e.Status(),
		Detail:    e.Message,
		Code:      e.CodeOrDefault(),
		Retryable: e.Retryable(),
		RequestID: RequestID(ctx),
		headers:   e.GetHeaders(),
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: f.Location, Message: f.Message, Value: f.Value})
	}
	if e.Kind == apperr.KindInternal {
		markInternal(ctx, err)
	}
	return p
}

// newHumaError replaces huma.NewErrorWithContext so that every error huma
// produces (validation, malformed bodies, size limits, handler errors) is a
// Problem with a stable code.
func newHumaError(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	ctx := context.Background()
	if hctx != nil {
		ctx = hctx.Context()
	}
	// A typed error returned by a handler arrives here wrapped as a 500.
	for _, err := range errs {
		var ae *apperr.Error
		var pr *Problem
		if errors.As(err, &pr) {
			return FromError(ctx, pr)
		}
		if errors.As(err, &ae) {
			return FromError(ctx, ae)
		}
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return FromError(ctx, err)
		}
	}
	code := codeForStatus(status)
	detail := msg
	p := &Problem{
		Type:      problemType(code),
		Title:     http.StatusText(status),
		Status:    status,
		Code:      code,
		RequestID: RequestID(ctx),
		Retryable: status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable,
	}
	if hctx != nil {
		p.Instance = hctx.URL().Path
	}
	var details []string
	for _, err := range errs {
		if err == nil {
			continue
		}
		var ed huma.ErrorDetailer
		if errors.As(err, &ed) {
			d := ed.ErrorDetail()
			p.Errors = append(p.Errors, d)
			details = append(details, strings.TrimSpace(d.Location+" "+d.Message))
			continue
		}
		if status >= 500 {
			// Never expose internal causes; log them instead.
			markInternal(ctx, err)
			continue
		}
		p.Errors = append(p.Errors, &huma.ErrorDetail{Message: err.Error()})
		details = append(details, err.Error())
	}
	if status == http.StatusBadRequest && len(details) > 0 {
		code = "malformed_body"
		p.Code, p.Type = code, problemType(code)
	}
	if len(details) > 0 && (status == http.StatusBadRequest || status == http.StatusUnprocessableEntity) {
		detail = fmt.Sprintf("%s: %s", msg, strings.Join(details, "; "))
	}
	p.Detail = detail
	return p
}

func init() {
	huma.NewErrorWithContext = newHumaError
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return newHumaError(nil, status, msg, errs...)
	}
}

// WriteProblem writes err as problem+json outside huma (middleware, router
// fallbacks, panics).
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := FromError(r.Context(), err)
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	for k, vs := range p.headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", ProblemContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// statusProblem builds a Problem for a bare status.
func statusProblem(status int, detail string) *Problem {
	code := codeForStatus(status)
	return &Problem{Type: problemType(code), Title: http.StatusText(status), Status: status, Code: code, Detail: detail}
}
