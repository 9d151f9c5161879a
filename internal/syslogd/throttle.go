package syslogd

import (
	"context"
	"sync"

	"github.com/google/uuid"
)

// throttle holds the orgs whose TCP batches the pipeline is refusing (quota
// or error) while they are retried: their TCP connections are not read
// meanwhile, so the senders' TCP windows fill and they slow down instead of
// losing messages.
type throttle struct {
	mu   sync.Mutex
	held map[uuid.UUID]chan struct{}
}

// hold stops reading for org until release.
func (t *throttle) hold(org uuid.UUID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held == nil {
		t.held = map[uuid.UUID]chan struct{}{}
	}
	if t.held[org] == nil {
		t.held[org] = make(chan struct{})
	}
}

// release lets org's connections be read again.
func (t *throttle) release(org uuid.UUID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.held[org]; c != nil {
		close(c)
		delete(t.held, org)
	}
}

// wait returns once org is not held (or ctx ends).
func (t *throttle) wait(ctx context.Context, org uuid.UUID) {
	t.mu.Lock()
	c := t.held[org]
	t.mu.Unlock()
	if c == nil {
		return
	}
	select {
	case <-c:
	case <-ctx.Done():
	}
}
