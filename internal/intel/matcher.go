package intel

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Policy says what a match does to an alert.
type Policy struct {
	// RaiseTo is the lowest severity a matched alert ends with (an alert
	// already above it keeps its severity); 0 leaves severities alone.
	RaiseTo alert.Severity
	// MinConfidence is the indicator confidence from which RaiseTo
	// applies; weaker matches only tag.
	MinConfidence int
}

// MatchTag is added to every matched alert; each hit's indicator type adds
// "intel:<type>".
const MatchTag = "intel-match"

// orgState is the matcher's view of one org: its own index and the
// platform feeds it subscribes to.
type orgState struct {
	ready chan struct{}
	err   error
	index *Index
	// allow is the org's allowlist (entities it covers never match).
	allow  *Index
	feeds  []uuid.UUID
	cursor time.Time
}

// feedState is one platform feed's shared index.
type feedState struct {
	ready  chan struct{}
	err    error
	index  *Index
	cursor time.Time
}

// Matcher matches alert entities against the in-memory indexes. An org's
// index is loaded on its first batch and then kept in sync: changes made
// through this process's Store apply at once (Apply), changes made by
// other replicas arrive through Refresh (polled; the events seam will
// replace polling). It implements ingest.Enricher.
type Matcher struct {
	Store  *Store
	Policy Policy
	Logger *slog.Logger

	mu    sync.Mutex
	orgs  map[uuid.UUID]*orgState
	feeds map[uuid.UUID]*feedState
}

// NewMatcher returns a matcher over store's indicators.
func NewMatcher(store *Store, policy Policy, logger *slog.Logger) *Matcher {
	return &Matcher{Store: store, Policy: policy, Logger: logger, orgs: map[uuid.UUID]*orgState{}, feeds: map[uuid.UUID]*feedState{}}
}

var _ ingest.Enricher = (*Matcher)(nil)

// refreshOverlap re-reads changes this far before the last cursor, so a
// transaction that committed late with an earlier timestamp is not missed.
const refreshOverlap = 5 * time.Second

// Prepare loads the org's index (and those of its subscribed platform
// feeds) before its first batch.
func (m *Matcher) Prepare(ctx context.Context, scope tenant.Scope) error {
	st, err := m.org(ctx, scope.Org())
	if err != nil {
		return err
	}
	for _, f := range st.feeds {
		if _, err := m.feed(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

func (m *Matcher) org(ctx context.Context, org uuid.UUID) (*orgState, error) {
	m.mu.Lock()
	st, ok := m.orgs[org]
	if !ok {
		st = &orgState{ready: make(chan struct{}), index: NewIndex()}
		m.orgs[org] = st
		m.mu.Unlock()
		st.err = m.loadOrg(ctx, org, st)
		if st.err != nil {
			m.mu.Lock()
			delete(m.orgs, org) // retried by the next batch
			m.mu.Unlock()
		}
		close(st.ready)
		return st, st.err
	}
	m.mu.Unlock()
	select {
	case <-st.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("intel: wait for index: %w", ctx.Err())
	}
	return st, st.err
}

func (m *Matcher) loadOrg(ctx context.Context, org uuid.UUID, st *orgState) error {
	start := m.Store.now()
	if err := m.Store.changes(ctx, &org, uuid.Nil, time.Time{}, func(ind *Indicator) { apply(st.index, ind) }); err != nil {
		return fmt.Errorf("intel: load index: %w", err)
	}
	feeds, err := m.Store.Subscriptions(ctx, tenant.System(org, "intel index load"))
	if err != nil {
		return fmt.Errorf("intel: load subscriptions: %w", err)
	}
	allow, err := m.Store.allowIndex(ctx, org)
	if err != nil {
		return fmt.Errorf("intel: load allowlist: %w", err)
	}
	st.feeds, st.cursor, st.allow = feeds, start, allow
	return nil
}

// ReloadAllow reloads a loaded org's allowlist (after it changed here;
// Refresh reloads it for changes made elsewhere).
func (m *Matcher) ReloadAllow(org uuid.UUID) {
	m.mu.Lock()
	st, ok := m.orgs[org]
	m.mu.Unlock()
	if !ok || !isReady(st.ready) || st.err != nil {
		return
	}
	allow, err := m.Store.allowIndex(context.Background(), org)
	if err != nil {
		if m.Logger != nil {
			m.Logger.Warn("intel allowlist reload failed", "error", err)
		}
		return
	}
	m.mu.Lock()
	st.allow = allow
	m.mu.Unlock()
}

func (m *Matcher) feed(ctx context.Context, id uuid.UUID) (*feedState, error) {
	m.mu.Lock()
	st, ok := m.feeds[id]
	if !ok {
		st = &feedState{ready: make(chan struct{}), index: NewIndex()}
		m.feeds[id] = st
		m.mu.Unlock()
		start := m.Store.now()
		st.err = m.Store.changes(ctx, nil, id, time.Time{}, func(ind *Indicator) { apply(st.index, ind) })
		st.cursor = start
		if st.err != nil {
			m.mu.Lock()
			delete(m.feeds, id)
			m.mu.Unlock()
		}
		close(st.ready)
		return st, st.err
	}
	m.mu.Unlock()
	select {
	case <-st.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("intel: wait for feed index: %w", ctx.Err())
	}
	return st, st.err
}

func apply(x *Index, ind *Indicator) {
	if ind.matchable() {
		x.Put(ind)
	} else {
		x.Remove(ind.Type, ind.Value, ind.ID)
	}
}

// Apply brings the loaded indexes up to date with indicators that changed
// in this process (Store.OnChange). org nil means a platform feed.
func (m *Matcher) Apply(org *uuid.UUID, changed []Indicator) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range changed {
		ind := &changed[i]
		if org != nil {
			if st, ok := m.orgs[*org]; ok && isReady(st.ready) && st.err == nil {
				apply(st.index, ind)
			}
			continue
		}
		if st, ok := m.feeds[ind.FeedID]; ok && isReady(st.ready) && st.err == nil {
			apply(st.index, ind)
		}
	}
}

// Resubscribe updates an org's platform feed list after it changed here.
func (m *Matcher) Resubscribe(ctx context.Context, org uuid.UUID) error {
	feeds, err := m.Store.Subscriptions(ctx, tenant.System(org, "intel subscriptions"))
	if err != nil {
		return err
	}
	for _, f := range feeds {
		if _, err := m.feed(ctx, f); err != nil {
			return err
		}
	}
	m.mu.Lock()
	if st, ok := m.orgs[org]; ok && isReady(st.ready) {
		st.feeds = feeds
	}
	m.mu.Unlock()
	return nil
}

func isReady(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Refresh pulls the changes other replicas made to the loaded indexes
// since the last refresh.
func (m *Matcher) Refresh(ctx context.Context) error {
	m.mu.Lock()
	orgs := make(map[uuid.UUID]*orgState, len(m.orgs))
	for id, st := range m.orgs {
		if isReady(st.ready) && st.err == nil {
			orgs[id] = st
		}
	}
	feeds := make(map[uuid.UUID]*feedState, len(m.feeds))
	for id, st := range m.feeds {
		if isReady(st.ready) && st.err == nil {
			feeds[id] = st
		}
	}
	m.mu.Unlock()
	var errs []error
	for id, st := range orgs {
		start := m.Store.now()
		err := m.Store.changes(ctx, &id, uuid.Nil, st.cursor.Add(-refreshOverlap), func(ind *Indicator) { apply(st.index, ind) })
		if err == nil {
			err = m.Resubscribe(ctx, id)
		}
		if err == nil {
			var allow *Index
			if allow, err = m.Store.allowIndex(ctx, id); err == nil {
				m.mu.Lock()
				st.allow = allow
				m.mu.Unlock()
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.mu.Lock()
		st.cursor = start
		m.mu.Unlock()
	}
	for id, st := range feeds {
		start := m.Store.now()
		if err := m.Store.changes(ctx, nil, id, st.cursor.Add(-refreshOverlap), func(ind *Indicator) { apply(st.index, ind) }); err != nil {
			errs = append(errs, err)
			continue
		}
		m.mu.Lock()
		st.cursor = start
		m.mu.Unlock()
	}
	if len(errs) > 0 {
		return fmt.Errorf("intel: refresh: %w (and %d more)", errs[0], len(errs)-1)
	}
	return nil
}

// Run refreshes every interval until ctx ends (a platform runner).
func (m *Matcher) Run(interval time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if err := m.Refresh(ctx); err != nil && m.Logger != nil {
					m.Logger.Warn("intel index refresh failed", "error", err)
				}
			}
		}
	}
}

// indexes returns the loaded indexes that apply to org (nil if the org has
// never been prepared).
func (m *Matcher) indexes(org uuid.UUID, buf []*Index) (*Index, []*Index) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.orgs[org]
	if !ok || !isReady(st.ready) || st.err != nil {
		return nil, buf
	}
	buf = append(buf, st.index)
	for _, f := range st.feeds {
		if fs, ok := m.feeds[f]; ok && isReady(fs.ready) && fs.err == nil {
			buf = append(buf, fs.index)
		}
	}
	return st.allow, buf
}

// Match returns the hits of every entity of a (deduplicated by indicator
// and role), appended to hits.
func (m *Matcher) Match(org uuid.UUID, a *alert.Alert, hits []Hit) []Hit {
	if len(a.Entities) == 0 {
		return hits
	}
	var buf [4]*Index
	allow, idx := m.indexes(org, buf[:0])
	if len(idx) == 0 {
		return hits
	}
	now := nowUnix()
	start := len(hits)
	checkAllow := allow != nil && allow.Len() > 0
	for _, e := range a.Entities {
		if checkAllow {
			var scratch [2]Hit
			if len(allow.Match(e, now, scratch[:0])) > 0 {
				continue // on the org's allowlist: never matches
			}
		}
		for _, x := range idx {
			hits = x.Match(e, now, hits)
		}
	}
	if len(hits)-start > 1 {
		found := hits[start:]
		slices.SortFunc(found, func(a, b Hit) int {
			if c := slices.Compare(a.IndicatorID[:], b.IndicatorID[:]); c != 0 {
				return c
			}
			switch {
			case a.Role < b.Role:
				return -1
			case a.Role > b.Role:
				return 1
			}
			return 0
		})
		found = slices.CompactFunc(found, func(a, b Hit) bool { return a.IndicatorID == b.IndicatorID && a.Role == b.Role })
		hits = hits[:start+len(found)]
	}
	return hits
}

// Enrich matches one alert about to be written: a match adds the intel
// tags and, by the policy, raises the severity. It reports whether the
// alert matched.
func (m *Matcher) Enrich(org uuid.UUID, a *alert.Alert) bool {
	var buf [8]Hit
	hits := m.Match(org, a, buf[:0])
	if len(hits) == 0 {
		return false
	}
	m.decorate(a, hits)
	return true
}

func (m *Matcher) decorate(a *alert.Alert, hits []Hit) {
	best := 0
	add := func(tag string) {
		if !slices.Contains(a.Tags, tag) {
			a.Tags = append(a.Tags, tag)
		}
	}
	add(MatchTag)
	for _, h := range hits {
		best = max(best, h.Confidence)
		add("intel:" + string(h.Type))
	}
	if m.Policy.RaiseTo > 0 && best >= m.Policy.MinConfidence && severityRank(a.Severity) < severityRank(m.Policy.RaiseTo) {
		a.Severity = m.Policy.RaiseTo
	}
}

// severityRank orders severities; unknown and other rank lowest.
func severityRank(s alert.Severity) int {
	if s >= alert.SeverityInformational && s <= alert.SeverityFatal {
		return int(s)
	}
	return 0
}

// Record stores the matches of the written alerts in the batch's
// transaction (ingest.Enricher): the lookups are in memory (the index),
// the writes one multi-row match insert, one locked read and one
// multi-row update of the sighted indicators (in id order, so concurrent
// batches hitting the same indicators cannot deadlock) and the events,
// whatever the number of alerts.
func (m *Matcher) Record(ctx context.Context, tx *db.Tx, scope tenant.Scope, written []ingest.Enriched) error {
	var all []pendingMatch
	var hits []Hit
	for _, w := range written {
		hits = m.Match(scope.Org(), w.Alert, hits[:0])
		for _, h := range hits {
			all = append(all, pendingMatch{w.ID, h})
		}
	}
	_, err := m.Store.recordBatch(ctx, tx, scope, all, SourceIngest)
	return err
}
