package ingest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Webhook signature headers. The signature is
// HMAC-SHA256(secret, timestamp + "." + body), hex-encoded, sent as
// "v1=<hex>"; several comma-separated signatures are accepted (secret
// rotation).
const (
	HeaderTimestamp = "X-SecureNexus-Timestamp"
	HeaderSignature = "X-SecureNexus-Signature"
)

// DefaultWebhookWindow is how far a signed timestamp may be from now.
const DefaultWebhookWindow = 5 * time.Minute

// MaxWebhookBytes bounds a webhook body.
const MaxWebhookBytes = 5 << 20

// Sign returns the signature header value for body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is any signature verification failure.
var ErrBadSignature = errors.New("ingest: invalid webhook signature")

// ParseSignatureHeader returns the v1 signatures of a header value such as
// "v1=ab12..., v1=cd34...". Unknown schemes are ignored; no v1 signature,
// or a malformed one, is an error.
func ParseSignatureHeader(h string) ([][]byte, error) {
	if len(h) > 4096 {
		return nil, fmt.Errorf("%w: header too long", ErrBadSignature)
	}
	var out [][]byte
	for part := range strings.SplitSeq(h, ",") {
		scheme, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || scheme != "v1" {
			continue
		}
		if len(val) != sha256.Size*2 {
			return nil, fmt.Errorf("%w: v1 signature must be %d hex characters", ErrBadSignature, sha256.Size*2)
		}
		b, err := hex.DecodeString(val)
		if err != nil {
			return nil, fmt.Errorf("%w: v1 signature is not hex", ErrBadSignature)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no v1 signature", ErrBadSignature)
	}
	return out, nil
}

// VerifySignature checks the timestamp is within window of now and one of
// the signatures matches (constant-time comparison).
func VerifySignature(secret []byte, tsHeader, sigHeader string, body []byte, now time.Time, window time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(tsHeader), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp is not unix seconds", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > window || d < -window {
		return fmt.Errorf("%w: timestamp outside the replay window", ErrBadSignature)
	}
	sigs, err := ParseSignatureHeader(sigHeader)
	if err != nil {
		return err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	want := m.Sum(nil)
	ok := 0
	for _, s := range sigs {
		ok |= boolInt(hmac.Equal(s, want))
	}
	if ok == 0 {
		return fmt.Errorf("%w: signature mismatch", ErrBadSignature)
	}
	return nil
}

// verifyAny reports whether the request is signed with one of secrets
// (the current secret and, during a rotation's grace period, the previous
// one). Every secret is tried, so the time taken does not tell which one
// matched.
func verifyAny(secrets [][]byte, tsHeader, sigHeader string, body []byte, now time.Time, window time.Duration) bool {
	ok := 0
	for _, s := range secrets {
		ok |= boolInt(VerifySignature(s, tsHeader, sigHeader, body, now, window) == nil)
	}
	return ok == 1
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// WebhookInput is a signed webhook delivery.
type WebhookInput struct {
	SourceID  string `path:"sourceId" format:"uuid"`
	Timestamp string `header:"X-SecureNexus-Timestamp" required:"true" doc:"Unix seconds when the request was signed"`
	Signature string `header:"X-SecureNexus-Signature" required:"true" doc:"v1=hex(HMAC-SHA256(secret, timestamp + \".\" + body))"`
	RawBody   []byte `contentType:"application/json"`
}

func (a *API) registerWebhook(api huma.API) {
	huma.Register(api, httpapi.Public(huma.Operation{
		OperationID:      "ingest-webhook",
		Method:           http.MethodPost,
		Path:             httpapi.APIPrefix + "/webhooks/{sourceId}",
		Summary:          "Receive a signed webhook for a configured source",
		Description:      "Public: the request authenticates itself with an HMAC-SHA256 signature over `timestamp.body` using the source's secret, and a timestamp within 5 minutes. The body is one payload, a JSON array or NDJSON.",
		Tags:             []string{"Ingest"},
		MaxBodyBytes:     MaxWebhookBytes,
		SkipValidateBody: true,
		Errors:           []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusConflict, http.StatusTooManyRequests},
	}), a.webhook)
}

func (a *API) webhook(ctx context.Context, in *WebhookInput) (*SummaryOutput, error) {
	unauth := apperr.Unauthorized("invalid webhook signature").WithCode("invalid_signature")
	id, err := uuid.Parse(in.SourceID)
	if err != nil {
		return nil, unauth
	}
	store := a.Pipeline.Store
	route, err := store.LookupRoute(ctx, id)
	if apperr.Is(err, apperr.KindNotFound) || (err == nil && route.Kind != KindWebhook) {
		return nil, unauth
	}
	if err != nil {
		return nil, err
	}
	scope := tenant.System(route.OrgID, "webhook:"+id.String())
	src, err := store.GetSource(ctx, scope, id)
	if err != nil {
		if apperr.Is(err, apperr.KindNotFound) {
			return nil, unauth
		}
		return nil, err
	}
	window := a.WebhookWindow
	if window <= 0 {
		window = DefaultWebhookWindow
	}
	if !verifyAny(src.verifyingSecrets(a.Pipeline.now()), in.Timestamp, in.Signature, in.RawBody, time.Now(), window) {
		return nil, unauth
	}
	b := a.Pipeline.NewBatch(src, "", "webhook")
	body := bytes.TrimSpace(in.RawBody)
	if len(body) > 0 && body[0] == '{' && json.Valid(body) {
		b.Add(0, body)
	} else if err := Split(bytes.NewReader(body), a.limits(), batchSink{b}); err != nil {
		return nil, err
	}
	if b.Len() == 0 && b.Records() > 0 && b.Rejections() == 0 {
		return &SummaryOutput{Status: http.StatusOK, Body: b.RejectedOnly()}, nil // only skipped (non-alert) records
	}
	if b.Len() == 0 {
		return nil, rejectedProblem(b.RejectedOnly(), "body", b.Records() <= 1)
	}
	ts, _ := strconv.ParseInt(strings.TrimSpace(in.Timestamp), 10, 64) // verified above
	digest := deliveryDigest(ts, in.RawBody)
	if err := store.rememberDelivery(ctx, scope, id, digest, time.Unix(ts, 0).Add(window)); err != nil {
		return nil, err
	}
	sum, err := b.Submit(ctx, scope)
	if err != nil {
		// Not committed: forget the delivery, so the sender's retry is
		// not taken for a replay.
		if ferr := store.forgetDelivery(context.WithoutCancel(ctx), scope, id, digest); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return nil, err
	}
	return &SummaryOutput{Status: http.StatusOK, Body: sum}, nil
}

// errReplayed answers a signed delivery already accepted within its window.
var errReplayed = apperr.Conflict("this signed delivery was already received; sign each delivery with a fresh timestamp").WithCode("webhook_replayed")

// deliveryDigest identifies a delivery by its signed content (timestamp and
// body): a replay carries the same, a retry signed anew does not.
func deliveryDigest(ts int64, body []byte) string {
	h := sha256.New()
	h.Write([]byte(strconv.FormatInt(ts, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// rememberDelivery records a verified delivery of source until expires
// (when its timestamp leaves the replay window), or refuses one already
// recorded (409 webhook_replayed). The primary key decides, so concurrent
// replays on any number of replicas cannot both pass.
func (s *Store) rememberDelivery(ctx context.Context, scope tenant.Scope, source uuid.UUID, digest string, expires time.Time) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO ingest_webhook_seen (org_id, source_id, digest, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (org_id, source_id, digest) DO NOTHING`, scope.Org().String(), source.String(), digest, expires.UTC())
		if err != nil {
			return fmt.Errorf("ingest: remember webhook delivery: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("ingest: remember webhook delivery: %w", err)
		}
		if n == 0 {
			return errReplayed
		}
		return nil
	})
}

// forgetDelivery removes a delivery recorded by rememberDelivery.
func (s *Store) forgetDelivery(ctx context.Context, scope tenant.Scope, source uuid.UUID, digest string) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ingest_webhook_seen WHERE org_id = $1 AND source_id = $2 AND digest = $3`,
			scope.Org().String(), source.String(), digest); err != nil {
			return fmt.Errorf("ingest: forget webhook delivery: %w", err)
		}
		return nil
	})
}
