package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// API serves the intake operations.
type API struct {
	Pipeline *Pipeline
	Limits   Limits
	// WebhookWindow is how far a webhook timestamp may be from now
	// (default 5 minutes).
	WebhookWindow time.Duration
}

// IntakeParams are the query and header parameters of every intake request.
type IntakeParams struct {
	SourceType     string `query:"source_type" maxLength:"64" doc:"Normalizer key (see GET /api/v1/alert-source-types); empty or 'auto' detects it per record"`
	SourceID       string `query:"source_id" format:"uuid" doc:"Configured source whose dedup keys and window apply"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"Makes retries safe: a repeated request with the same key and body returns the first answer"`
}

// SingleInput is one source payload.
type SingleInput struct {
	IntakeParams
	RawBody []byte `contentType:"application/json"`
}

// BatchInput streams a JSON array or NDJSON body.
type BatchInput struct {
	IntakeParams
	ContentType string `header:"Content-Type"`
	body        io.Reader
}

// Resolve captures the request body reader so the batch is streamed, not
// buffered whole by the framework.
func (in *BatchInput) Resolve(ctx huma.Context) []error {
	in.body = ctx.BodyReader()
	return nil
}

// SummaryOutput is the intake response.
type SummaryOutput struct {
	Status int
	Body   *BatchSummary
}

// Register adds the intake operations.
func (a *API) Register(api huma.API) {
	huma.Register(api, httpapi.Protected(huma.Operation{
		OperationID:      "ingest-alert",
		Method:           http.MethodPost,
		Path:             httpapi.APIPrefix + "/alerts",
		Summary:          "Ingest one alert",
		Description:      "The body is the source payload as the source emits it. It is normalized (source_type or auto-detect), deduplicated and committed before the answer: 201 for a new alert, 200 for a duplicate (the existing alert's count grew). Concurrent single requests of an org are committed together (group commit); each is answered after the commit holding it, with its own result. A request with an Idempotency-Key commits alone.",
		Tags:             []string{"Ingest"},
		MaxBodyBytes:     1 << 20,
		SkipValidateBody: true, // the normalizer validates the payload
		DefaultStatus:    http.StatusCreated,
		Errors:           []int{http.StatusBadRequest, http.StatusTooManyRequests},
	}, rbac.AlertsIngest), a.single)
	if item := api.OpenAPI().Paths[httpapi.APIPrefix+"/alerts"]; item != nil && item.Post != nil {
		item.Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Type: "object", Description: "The source payload (any JSON object the normalizers understand)"}},
			"text/plain":       {Schema: &huma.Schema{Type: "string", Description: "A CEF or syslog line"}},
		}}
	}

	op := httpapi.Protected(huma.Operation{
		OperationID:  "ingest-alert-batch",
		Method:       http.MethodPost,
		Path:         httpapi.APIPrefix + "/alerts/batch",
		Summary:      "Ingest a batch of alerts (JSON array or NDJSON)",
		Description:  fmt.Sprintf("The body is a JSON array of source payloads or newline-delimited JSON, streamed (at most %d records, %d MiB). The batch is committed in one transaction before the answer, which reports each record: accepted (new id), duplicate (existing id, new count) or rejected (index, reason, field). A body that cannot be read at all is a 400 problem.", a.limits().MaxRecords, a.limits().MaxBytes>>20),
		Tags:         []string{"Ingest"},
		MaxBodyBytes: a.limits().MaxBytes,
		// Records are read and sanitized one by one (one bad record must
		// not sink the batch), so the API's whole-body text rule is off.
		SkipValidateBody: true,
		Errors:           []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests},
	}, rbac.AlertsIngest)
	huma.Register(api, op, a.batch)
	// Documented after registration: a schema given at registration would
	// make huma buffer and validate the whole body instead of streaming it.
	if item := api.OpenAPI().Paths[op.Path]; item != nil && item.Post != nil {
		item.Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json":     {Schema: &huma.Schema{Type: "array", Items: &huma.Schema{Type: "object"}}},
			"application/x-ndjson": {Schema: &huma.Schema{Type: "string", Description: "One JSON record per line"}},
		}}
	}

	a.registerWebhook(api)
}

func (a *API) limits() Limits {
	if a.Limits.MaxRecords == 0 {
		return DefaultLimits
	}
	return a.Limits
}

func (a *API) source(ctx context.Context, scope tenant.Scope, id string) (*SourceConfig, error) {
	if id == "" {
		return nil, nil
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, apperr.Validation("invalid source id", apperr.Field("query.source_id", "not a UUID"))
	}
	src, err := a.Pipeline.Store.GetSource(ctx, scope, u)
	if apperr.Is(err, apperr.KindNotFound) {
		return nil, apperr.Validation("unknown source", apperr.Field("query.source_id", "no such source in this organisation"))
	}
	return src, err
}

// check rejects parameters the API's text rule lets through but that
// cannot be used: the Idempotency-Key must be printable ASCII.
func (in *IntakeParams) check() error {
	var fields []apperr.FieldError
	if why := badIdempotencyKey(in.IdempotencyKey); why != "" {
		fields = append(fields, apperr.Field("header.Idempotency-Key", why))
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid intake parameters", fields...)
	}
	return nil
}

func sourceTypeParam(st string) string {
	if st == "auto" {
		return ""
	}
	return st
}

func bodyHash(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (a *API) replay(ctx context.Context, scope tenant.Scope, idem *Idempotency) (*SummaryOutput, error) {
	if idem == nil {
		return nil, nil
	}
	sum, err := a.Pipeline.Store.Replay(ctx, scope, idem)
	if err != nil || sum == nil {
		return nil, err
	}
	return &SummaryOutput{Status: http.StatusOK, Body: sum}, nil
}

func (a *API) single(ctx context.Context, in *SingleInput) (*SummaryOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	src, err := a.source(ctx, scope, in.SourceID)
	if err != nil {
		return nil, err
	}
	var idem *Idempotency
	if in.IdempotencyKey != "" {
		idem = &Idempotency{Key: in.IdempotencyKey, RequestHash: bodyHash([]byte(in.SourceType+"\x00"+in.SourceID+"\x00"), in.RawBody)}
		if out, err := a.replay(ctx, scope, idem); out != nil || err != nil {
			return out, err
		}
	}
	b := a.Pipeline.NewBatch(src, sourceTypeParam(in.SourceType), "api")
	b.Add(0, in.RawBody)
	if b.Len() == 0 && b.Rejections() == 0 {
		return &SummaryOutput{Status: http.StatusOK, Body: b.RejectedOnly()}, nil // only skipped (non-alert) records
	}
	if b.Len() == 0 {
		return nil, rejectedProblem(b.RejectedOnly(), "body", true)
	}
	var sum *BatchSummary
	if idem != nil {
		sum, err = b.Commit(ctx, scope, idem)
	} else {
		sum, err = b.Submit(ctx, scope)
	}
	if err != nil {
		return nil, err
	}
	status := http.StatusOK
	if sum.Accepted > 0 && !sum.Replayed {
		status = http.StatusCreated
	}
	return &SummaryOutput{Status: status, Body: sum}, nil
}

// rejectedProblem is the 400 for a request none of whose records could be
// used; every rejection is named (record and field).
func rejectedProblem(sum *BatchSummary, loc string, single bool) error {
	fields := make([]apperr.FieldError, 0, len(sum.Results))
	for _, r := range sum.Results {
		where := loc
		if !single {
			where = fmt.Sprintf("%s[%d]", loc, r.Index)
		}
		if r.Field != "" && r.Field != where {
			where += "." + r.Field
		}
		fields = append(fields, apperr.FieldError{Location: where, Message: r.Reason})
		if len(fields) == 100 {
			break
		}
	}
	msg := "no record could be ingested"
	if single {
		msg = "the payload could not be ingested"
		if len(sum.Results) > 0 {
			msg += ": " + sum.Results[0].Reason
		}
	}
	return apperr.BadRequest(msg, fields...).WithCode("alert_rejected")
}

// batchSink feeds split records into a Batch.
type batchSink struct{ b *Batch }

func (s batchSink) Record(i int, raw []byte)           { s.b.Add(i, raw) }
func (s batchSink) Reject(i int, reason, field string) { s.b.Reject(i, reason, field) }
func hashingReader(r io.Reader, h hash.Hash) io.Reader { return io.TeeReader(r, h) }

func (a *API) batch(ctx context.Context, in *BatchInput) (*SummaryOutput, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	src, err := a.source(ctx, scope, in.SourceID)
	if err != nil {
		return nil, err
	}
	if in.body == nil {
		return nil, apperr.BadRequest("empty body", apperr.Field("body", "empty"))
	}
	h := sha256.New()
	h.Write([]byte(in.SourceType + "\x00" + in.SourceID + "\x00"))
	b := a.Pipeline.NewBatch(src, sourceTypeParam(in.SourceType), "api")
	if err := Split(hashingReader(in.body, h), a.limits(), batchSink{b}); err != nil {
		return nil, err
	}
	var idem *Idempotency
	if in.IdempotencyKey != "" {
		idem = &Idempotency{Key: in.IdempotencyKey, RequestHash: hex.EncodeToString(h.Sum(nil))}
		if out, err := a.replay(ctx, scope, idem); out != nil || err != nil {
			return out, err
		}
	}
	if b.Len() == 0 {
		if b.Records() == 0 {
			return nil, apperr.BadRequest("the batch holds no records", apperr.Field("body", "no records"))
		}
		if b.Rejections() == 0 {
			return &SummaryOutput{Status: http.StatusOK, Body: b.RejectedOnly()}, nil
		}
		return nil, rejectedProblem(b.RejectedOnly(), "body", false)
	}
	sum, err := b.Commit(ctx, scope, idem)
	if err != nil {
		return nil, err
	}
	return &SummaryOutput{Status: http.StatusOK, Body: sum}, nil
}
