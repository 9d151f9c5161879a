package egress

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// limitTransport fails responses whose body exceeds max bytes.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, t.max)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max, max: t.max}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		n, err := b.rc.Read(probe[:])
		if n > 0 {
			return 0, fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// attemptTransport is one attempt: the destination's circuit breaker and
// the per-destination metrics.
type attemptTransport struct {
	base   http.RoundTripper
	c      *Client
	policy string
}

func (t *attemptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	host := strings.ToLower(r.URL.Hostname())
	dest := t.c.metrics.destination(host)
	br := t.c.breakers.get(host)
	now := time.Now()
	if err := br.allow(now); err != nil {
		t.c.metrics.observe(t.policy, dest, "circuit_open", 0)
		return nil, fmt.Errorf("%w (%s)", ErrCircuitOpen, host)
	}
	resp, err := t.base.RoundTrip(r)
	elapsed := time.Since(now)
	switch {
	case errors.Is(err, ErrBlocked):
		// The policy refused the address: says nothing about the
		// destination's health.
		br.release()
		t.c.metrics.observe(t.policy, dest, "blocked", elapsed)
	case err != nil:
		br.record(false, time.Now())
		t.c.metrics.observe(t.policy, dest, "error", elapsed)
	default:
		br.record(resp.StatusCode < 500, time.Now())
		t.c.metrics.observe(t.policy, dest, strconv.Itoa(resp.StatusCode/100)+"xx", elapsed)
	}
	return resp, err
}

// retryTransport retries idempotent requests after transient failures.
type retryTransport struct {
	base http.RoundTripper
	p    Policy
	c    *Client
}

func idempotent(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return r.Header.Get("Idempotency-Key") != ""
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (t *retryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.p.Retries <= 0 || !idempotent(r) || (r.Body != nil && r.Body != http.NoBody && r.GetBody == nil) {
		return t.base.RoundTrip(r)
	}
	ctx := r.Context()
	for attempt := 0; ; attempt++ {
		req := r
		if attempt > 0 && r.GetBody != nil {
			body, err := r.GetBody()
			if err != nil {
				return nil, fmt.Errorf("egress: rewind request body: %w", err)
			}
			req = r.Clone(ctx)
			req.Body = body
		}
		resp, err := t.base.RoundTrip(req)
		if attempt >= t.p.Retries || ctx.Err() != nil {
			return resp, err
		}
		var wait time.Duration
		switch {
		case err != nil:
			if errors.Is(err, ErrBlocked) || errors.Is(err, ErrCircuitOpen) || errors.Is(err, ErrBodyTooLarge) {
				return resp, err
			}
			wait = backoff(t.p.RetryBackoff, attempt)
		case retryableStatus(resp.StatusCode):
			wait = backoff(t.p.RetryBackoff, attempt)
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				if ra > t.p.MaxRetryWait {
					return resp, nil // the server asks for longer than this use may wait
				}
				wait = ra
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		default:
			return resp, nil
		}
		t.c.metrics.retry(t.p.Name, t.c.metrics.destination(strings.ToLower(r.URL.Hostname())))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("egress: waiting to retry: %w", ctx.Err())
		case <-timer.C:
		}
	}
}

// backoff is base·2^attempt with jitter in [half, full].
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt, 10)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return d
	}
	half := d / 2
	return half + time.Duration(binary.LittleEndian.Uint64(b[:])%uint64(half+1))
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}
