// Package apperr defines the typed error classes every layer returns. The HTTP
// layer turns them into RFC 9457 problem responses; handlers never build error
// bodies by hand.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Kind classifies an error. Each kind has a fixed HTTP status and a default
// stable code.
type Kind int

// The error kinds.
const (
	KindInternal Kind = iota
	KindValidation
	KindNotFound
	KindConflict
	KindUnauthorized
	KindForbidden
	KindRateLimited
	KindUpstream
	KindTooLarge
	KindUnavailable
	KindBadRequest
)

var kindInfo = map[Kind]struct {
	status    int
	code      string
	retryable bool
}{
	KindInternal:     {http.StatusInternalServerError, "internal", false},
	KindValidation:   {http.StatusUnprocessableEntity, "validation_failed", false},
	KindBadRequest:   {http.StatusBadRequest, "bad_request", false},
	KindNotFound:     {http.StatusNotFound, "not_found", false},
	KindConflict:     {http.StatusConflict, "conflict", false},
	KindUnauthorized: {http.StatusUnauthorized, "unauthorized", false},
	KindForbidden:    {http.StatusForbidden, "forbidden", false},
	KindRateLimited:  {http.StatusTooManyRequests, "rate_limited", true},
	KindUpstream:     {http.StatusBadGateway, "upstream_failed", true},
	KindTooLarge:     {http.StatusRequestEntityTooLarge, "body_too_large", false},
	KindUnavailable:  {http.StatusServiceUnavailable, "unavailable", true},
}

// FieldError names one invalid input field.
type FieldError struct {
	// Location is a JSON-pointer-like path, e.g. "body.severity" or "query.limit".
	Location string `json:"location"`
	Message  string `json:"message"`
	Value    any    `json:"value,omitempty"`
}

// Error is a classified application error.
type Error struct {
	Kind       Kind
	Code       string // stable machine-readable code; defaults per kind
	Message    string // safe to show to the caller
	Fields     []FieldError
	RetryAfter time.Duration // for rate limits and unavailability
	Err        error         // wrapped cause; never shown to the caller
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.CodeOrDefault(), e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.CodeOrDefault(), e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Status is the HTTP status for the error.
func (e *Error) Status() int { return kindInfo[e.Kind].status }

// Retryable reports whether the same request may succeed later.
func (e *Error) Retryable() bool { return kindInfo[e.Kind].retryable }

// CodeOrDefault returns the explicit code or the kind's default.
func (e *Error) CodeOrDefault() string {
	if e.Code != "" {
		return e.Code
	}
	return kindInfo[e.Kind].code
}

// WithCode returns a copy with a specific stable code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}

// BadRequest reports a request that cannot be parsed (malformed syntax).
func BadRequest(msg string, fields ...FieldError) *Error {
	return &Error{Kind: KindBadRequest, Message: msg, Fields: fields}
}

// GetHeaders returns response headers the error implies (Retry-After).
func (e *Error) GetHeaders() http.Header {
	if e.RetryAfter <= 0 {
		return nil
	}
	secs := int(e.RetryAfter.Round(time.Second) / time.Second)
	return http.Header{"Retry-After": []string{strconv.Itoa(max(secs, 1))}}
}

// Validation reports well-formed but invalid input (422). fields name each offending field.
func Validation(msg string, fields ...FieldError) *Error {
	return &Error{Kind: KindValidation, Message: msg, Fields: fields}
}

// Field is shorthand for a FieldError.
func Field(location, msg string) FieldError { return FieldError{Location: location, Message: msg} }

// NotFound reports a missing object. Objects of another tenant are also
// "not found", never "forbidden", so their existence is not revealed.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Message: what + " not found"}
}

// Conflict reports a state or uniqueness conflict.
func Conflict(msg string) *Error { return &Error{Kind: KindConflict, Message: msg} }

// Unauthorized reports missing or invalid credentials.
func Unauthorized(msg string) *Error { return &Error{Kind: KindUnauthorized, Message: msg} }

// Forbidden reports an authenticated caller lacking a permission.
func Forbidden(msg string) *Error { return &Error{Kind: KindForbidden, Message: msg} }

// RateLimited reports an exceeded quota; retryAfter tells when to retry.
func RateLimited(msg string, retryAfter time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Message: msg, RetryAfter: retryAfter}
}

// Upstream reports a failed dependency outside SecureNexus.
func Upstream(msg string, cause error) *Error {
	return &Error{Kind: KindUpstream, Message: msg, Err: cause}
}

// Unavailable reports a temporarily unavailable dependency.
func Unavailable(msg string, cause error) *Error {
	return &Error{Kind: KindUnavailable, Message: msg, Err: cause}
}

// TooLarge reports a request body over its limit.
func TooLarge(msg string) *Error { return &Error{Kind: KindTooLarge, Message: msg} }

// Internal wraps an unexpected failure. The cause is logged, not shown.
func Internal(cause error) *Error {
	return &Error{Kind: KindInternal, Message: "internal error", Err: cause}
}

// As extracts an *Error from err, classifying unknown errors as internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Is reports whether err is an *Error of the given kind.
func Is(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}
