package ingest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Group commit defaults.
const (
	DefaultGroupWait       = time.Millisecond
	DefaultGroupMaxRecords = 500
)

// GroupCommit gathers the small batches of concurrent requests of one org
// (single alerts, webhooks, syslog flushes) into one transaction through
// the batch write path (Pipeline.writeTx). A group is committed when no
// earlier group of the org is being committed and either Wait has passed
// since its first batch or it holds MaxRecords alerts; each caller is
// answered after the commit holding its batch, with its own results.
//
// A group whose commit fails is retried batch by batch, so a batch the
// database refuses fails alone and a failed commit fails exactly the
// requests it held.
type GroupCommit struct {
	p *Pipeline
	// Wait bounds how long the first batch of a group waits for others.
	Wait time.Duration
	// MaxRecords is the most alerts in one group commit.
	MaxRecords int
	// Committers is how many groups of one org commit at once (1 on
	// SQLite, whose writes are serialized anyway).
	Committers int

	mu   sync.Mutex
	orgs map[uuid.UUID]*orgQueue
	// commits counts the transactions of grouped batches (tests).
	commits atomic.Int64
}

// orgQueue is the state of one org: batches waiting to be committed and
// the committers running.
type orgQueue struct {
	pending []*member
	records int
	running int
	// wake tells a waiting committer that MaxRecords are pending.
	wake chan struct{}
}

type member struct {
	scope tenant.Scope
	b     *Batch
	at    time.Time
	done  chan groupResult
}

type groupResult struct {
	sum *BatchSummary
	err error
}

// NewGroupCommit returns the group committer of p and installs it as
// p.Group; wait below 0 and maxRecords of 0 take the defaults (wait 0
// commits a group as soon as a committer is free).
func (p *Pipeline) NewGroupCommit(wait time.Duration, maxRecords int) *GroupCommit {
	if maxRecords <= 0 {
		maxRecords = DefaultGroupMaxRecords
	}
	if wait < 0 {
		wait = DefaultGroupWait
	}
	committers := 2
	if p.Store != nil && p.Store.DB != nil && p.Store.DB.Dialect == db.SQLite {
		committers = 1
	}
	g := &GroupCommit{p: p, Wait: wait, MaxRecords: maxRecords, Committers: committers, orgs: map[uuid.UUID]*orgQueue{}}
	p.Group = g
	return g
}

// Submit commits b with the other batches of the scope's org arriving now
// and returns b's results. It takes b's quota first. ctx ending stops the
// wait, not a commit already holding b (its outcome is then unknown to the
// caller, as with a connection lost after the commit).
func (g *GroupCommit) Submit(ctx context.Context, scope tenant.Scope, b *Batch) (*BatchSummary, error) {
	if err := g.p.Quota.Take(scope.Org(), len(b.rows)); err != nil {
		return nil, err
	}
	if len(b.rows) >= g.MaxRecords {
		return b.commit(ctx, scope, nil)
	}
	m := &member{scope: scope, b: b, at: time.Now(), done: make(chan groupResult, 1)}
	g.enqueue(context.WithoutCancel(ctx), m)
	select {
	case r := <-m.done:
		return r.sum, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("ingest: waiting for the group commit: %w", ctx.Err())
	}
}

// enqueue queues m for its org, starting a committer when fewer than
// Committers run.
func (g *GroupCommit) enqueue(ctx context.Context, m *member) {
	org := m.scope.Org()
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.orgs[org]
	if q == nil {
		q = &orgQueue{wake: make(chan struct{}, 1)}
		g.orgs[org] = q
	}
	q.pending = append(q.pending, m)
	q.records += len(m.b.rows)
	if q.running < max(g.Committers, 1) {
		q.running++
		go g.committer(ctx, org, q)
	}
	if q.records >= g.MaxRecords {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

// committer commits the org's pending batches group by group until none
// is left.
func (g *GroupCommit) committer(ctx context.Context, org uuid.UUID, q *orgQueue) {
	for {
		g.mu.Lock()
		if len(q.pending) == 0 {
			q.running--
			if q.running == 0 && g.orgs[org] == q {
				delete(g.orgs, org)
			}
			g.mu.Unlock()
			return
		}
		if wait := g.Wait - time.Since(q.pending[0].at); q.records < g.MaxRecords && wait > 0 {
			g.mu.Unlock()
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-q.wake:
				t.Stop()
			}
			continue
		}
		n, records := 0, 0
		for n < len(q.pending) && (n == 0 || records+len(q.pending[n].b.rows) <= g.MaxRecords) {
			records += len(q.pending[n].b.rows)
			n++
		}
		taken := q.pending[:n:n]
		q.pending = q.pending[n:]
		q.records -= records
		g.mu.Unlock()
		g.commitGroup(ctx, taken)
	}
}

// commitGroup writes the members' rows in one transaction and answers
// each member. When that fails and the group held more than one batch,
// each batch is committed alone, so the failure lands on the batch that
// caused it (or on every batch when the database is down).
func (g *GroupCommit) commitGroup(ctx context.Context, members []*member) {
	g.commits.Add(1)
	if len(members) == 1 {
		sum, err := members[0].b.commit(ctx, members[0].scope, nil)
		members[0].done <- groupResult{sum, err}
		return
	}
	var rows []row
	for _, m := range members {
		rows = append(rows, m.b.rows...)
	}
	var slot []int
	var out []written
	err := g.p.prepareEnrich(ctx, members[0].scope)
	if err == nil {
		err = g.p.Store.DB.InOrg(ctx, members[0].scope, func(ctx context.Context, tx *db.Tx) error {
			var err error
			if slot, out, err = g.p.writeTx(ctx, tx, members[0].scope, rows); err != nil {
				return err
			}
			created, off := make([]bool, len(out)), 0
			for _, m := range members {
				if err := m.b.emitIngested(ctx, tx, m.scope, slot[off:off+len(m.b.rows)], out, created); err != nil {
					return err
				}
				off += len(m.b.rows)
			}
			return nil
		})
	}
	if err != nil {
		for _, m := range members {
			sum, err := m.b.commit(ctx, m.scope, nil)
			m.done <- groupResult{sum, err}
		}
		return
	}
	firstSeen := make([]bool, len(out))
	off := 0
	for _, m := range members {
		sum := &BatchSummary{}
		m.b.summarize(sum, slot[off:off+len(m.b.rows)], out, firstSeen)
		off += len(m.b.rows)
		g.p.Metrics.observe(m.b, sum, time.Since(m.b.started))
		m.done <- groupResult{sum: sum}
	}
}

// Submit commits b through the pipeline's group commit when it has one (and
// b carries no idempotency key: its record belongs to b's own
// transaction), else alone.
func (b *Batch) Submit(ctx context.Context, scope tenant.Scope) (*BatchSummary, error) {
	if b.p.Group == nil {
		return b.Commit(ctx, scope, nil)
	}
	return b.p.Group.Submit(ctx, scope, b)
}
