package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Normalizer maps one raw source payload to normalized alerts; an empty or
// "auto" source type auto-detects. internal/normalize.Normalize fits.
type Normalizer func(sourceType string, raw []byte) ([]alert.Alert, error)

// Record statuses in a batch result.
const (
	StatusAccepted  = "accepted"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
	// StatusSkipped is a record that is valid but not an alert (a Suricata
	// flow event, a PAN-OS TRAFFIC line): nothing to store, nothing wrong.
	StatusSkipped = "skipped"
)

// WarningUnidentified is the warning of an accepted alert from which no
// title, rule, entity or event time could be read: it is stored (its
// fingerprint is the payload digest, so it merges only with exact repeats),
// but the sender should check the source type and payload shape.
const WarningUnidentified = "no title, rule, entity or event time was recognized: check the source type and payload shape"

// RecordResult is the outcome of one record (one input record can yield several
// alerts, each with its own result and the same index).
type RecordResult struct {
	Index  int        `json:"index" doc:"Position of the record in the request (0-based)"`
	Status string     `json:"status" enum:"accepted,duplicate,rejected,skipped"`
	ID     *uuid.UUID `json:"id,omitempty" doc:"Alert id (new for accepted, existing for duplicate)"`
	Count  int        `json:"count,omitempty" doc:"Occurrence count of the alert after this request"`
	Reason string     `json:"reason,omitempty" doc:"Why the record was rejected"`
	Field  string     `json:"field,omitempty" doc:"Offending field of a rejected record"`
	// Warnings are quality problems of an accepted or duplicate record.
	Warnings []string `json:"warnings,omitempty" doc:"Quality warnings of a stored record (e.g. nothing identifying recognized)"`
}

// BatchSummary is the response of an intake request.
type BatchSummary struct {
	Accepted   int            `json:"accepted"`
	Duplicates int            `json:"duplicates"`
	Rejected   int            `json:"rejected"`
	Skipped    int            `json:"skipped" doc:"Valid records that are not alerts (e.g. Suricata flow events)"`
	Results    []RecordResult `json:"results"`
	// Replayed is true when the response is the stored answer to an
	// earlier request with the same Idempotency-Key.
	Replayed bool `json:"replayed,omitempty"`
}

// Pipeline turns raw payloads into committed alerts.
type Pipeline struct {
	Store     *Store
	Normalize Normalizer
	Quota     *Quota
	Metrics   *Metrics
	Now       func() time.Time
	// IdempotencyTTL is how long an Idempotency-Key answer is kept.
	IdempotencyTTL time.Duration
	// Group gathers concurrent small requests into one transaction
	// (NewGroupCommit); nil commits each request alone.
	Group *GroupCommit

	// Enrich, when set, sees every alert just before it is written (threat
	// intel matching) and records its findings in the same transaction.
	Enrich Enricher

	// beforeWrite, when set (tests), runs in the transaction before rows
	// are written; an error fails the transaction.
	beforeWrite func(rows []row) error
}

// Enricher inspects alerts on the write path. Enrich runs in memory for
// every alert written (it must be fast and must not query the database);
// Record runs in the write's transaction for the alerts Enrich flagged,
// once their ids are known. internal/intel's Matcher fits.
type Enricher interface {
	// Prepare runs before the write's transaction: load what Enrich needs.
	Prepare(ctx context.Context, scope tenant.Scope) error
	// Enrich may raise a's severity and add tags; it reports whether it
	// found anything to record.
	Enrich(org uuid.UUID, a *alert.Alert) bool
	// Record stores the findings of the flagged alerts.
	Record(ctx context.Context, tx *db.Tx, scope tenant.Scope, alerts []Enriched) error
}

// Enriched is one flagged alert after the write: its id (the existing one
// for a duplicate) and whether this write inserted it.
type Enriched struct {
	ID       uuid.UUID
	Alert    *alert.Alert
	Inserted bool
}

// prepareEnrich runs the Enricher's Prepare (before a write transaction).
func (p *Pipeline) prepareEnrich(ctx context.Context, scope tenant.Scope) error {
	if p.Enrich == nil {
		return nil
	}
	if err := p.Enrich.Prepare(ctx, scope); err != nil {
		return fmt.Errorf("ingest: prepare enrichment: %w", err)
	}
	return nil
}

// enrich runs the Enricher over the merged rows and returns the indexes of
// the flagged ones; a flagged row's tags are re-encoded (its severity is
// read from the alert when written).
func (p *Pipeline) enrich(org uuid.UUID, merged []row) []int {
	if p.Enrich == nil {
		return nil
	}
	var flagged []int
	for i := range merged {
		if p.Enrich.Enrich(org, &merged[i].alert) {
			merged[i].tags = jsonOrEmpty(merged[i].alert.Tags, "[]")
			flagged = append(flagged, i)
		}
	}
	return flagged
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// Batch accumulates the normalized records of one request.
type Batch struct {
	p          *Pipeline
	src        *SourceConfig
	sourceType string
	channel    string
	started    time.Time
	received   time.Time
	rows       []row
	rowIndex   []int
	rejected   []RecordResult
	records    int
}

// NewBatch starts a batch for src (may be nil) with a source type ("" or
// "auto" detects per record). channel labels metrics: api, webhook, syslog.
func (p *Pipeline) NewBatch(src *SourceConfig, sourceType, channel string) *Batch {
	if sourceType == "" && src != nil {
		sourceType = src.SourceType
	}
	now := p.now()
	return &Batch{p: p, src: src, sourceType: sourceType, channel: channel, started: time.Now(), received: now}
}

// Len is the number of alerts waiting to be committed.
func (b *Batch) Len() int { return len(b.rows) }

// Records is the number of records seen (accepted or rejected).
func (b *Batch) Records() int { return b.records }

// Reject records a record that could not be read.
func (b *Batch) Reject(index int, reason, field string) {
	b.records++
	b.rejected = append(b.rejected, RecordResult{Index: index, Status: StatusRejected, Reason: reason, Field: field})
	b.p.Metrics.rejected(b.sourceType)
}

// Add normalizes one raw record. raw is copied when kept.
func (b *Batch) Add(index int, raw []byte) {
	alerts, err := b.p.Normalize(b.sourceType, raw)
	if err != nil {
		reason, field := describe(err)
		b.Reject(index, reason, field)
		return
	}
	if len(alerts) == 0 {
		b.records++
		b.rejected = append(b.rejected, RecordResult{Index: index, Status: StatusSkipped, Reason: "not an alert (no alert record in the payload)"})
		return
	}
	b.records++
	var kept []byte
	var keys []string
	var sourceID string
	if b.src != nil {
		keys = b.src.DedupKeys
		sourceID = b.src.ID.String()
	}
	for _, a := range alerts {
		stripNUL(&a)
		if reason, field := check(&a); reason != "" {
			b.rejected = append(b.rejected, RecordResult{Index: index, Status: StatusRejected, Reason: reason, Field: field})
			b.p.Metrics.rejected(firstNonEmpty(a.Source.Type, b.sourceType))
			continue
		}
		if a.Raw == nil {
			if kept == nil {
				kept = append([]byte(nil), raw...)
			}
			a.Raw = kept
		}
		unidentified := normalize.Unidentified(a)
		a.ReceivedTime = b.received
		if a.EventTime.IsZero() {
			a.EventTime = b.received
		}
		a.EventTime = a.EventTime.UTC()
		if a.Status == "" {
			a.Status = alert.StatusNew
		}
		r := newRow(a, sourceID, keys, b.src.Window())
		if unidentified {
			r.warnings = []string{WarningUnidentified}
		}
		b.rows = append(b.rows, r)
		b.rowIndex = append(b.rowIndex, index)
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// check rejects alerts a normalizer should never produce.
func check(a *alert.Alert) (reason, field string) {
	switch {
	case strings.TrimSpace(a.Title) == "":
		return "alert has no title", "title"
	case a.Source.Type == "":
		return "alert has no source type", "source.type"
	case len(a.Title) > 2000:
		return "title longer than 2000 characters", "title"
	}
	return "", ""
}

// describe turns a normalizer error into a reason and a field.
func describe(err error) (reason, field string) {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		if len(ae.Fields) > 0 {
			return ae.Message + ": " + ae.Fields[0].Message, ae.Fields[0].Location
		}
		return ae.Message, ""
	}
	var fe interface{ FieldName() string }
	if errors.As(err, &fe) {
		return err.Error(), fe.FieldName()
	}
	return err.Error(), ""
}

// Idempotency is the Idempotency-Key of a request and the hash of its
// body: the same key with another body is a conflict.
type Idempotency struct {
	Key         string
	RequestHash string
}

// Commit persists the batch in one transaction (with the idempotency record
// when given) and returns per-record results. It checks the org's quota
// first. A nil error means every accepted alert is committed.
func (b *Batch) Commit(ctx context.Context, scope tenant.Scope, idem *Idempotency) (*BatchSummary, error) {
	if err := b.p.Quota.Take(scope.Org(), len(b.rows)); err != nil {
		return nil, err
	}
	return b.commit(ctx, scope, idem)
}

// commit is Commit after the quota was taken.
func (b *Batch) commit(ctx context.Context, scope tenant.Scope, idem *Idempotency) (*BatchSummary, error) {
	if err := b.p.prepareEnrich(ctx, scope); err != nil {
		return nil, err
	}
	sum := &BatchSummary{}
	err := b.p.Store.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if idem != nil {
			if err := claimIdempotency(ctx, tx, scope, idem, b.p.now(), b.p.ttl()); err != nil {
				return err
			}
		}
		slot, out, err := b.p.writeTx(ctx, tx, scope, b.rows)
		if err != nil {
			return err
		}
		if err := b.emitIngested(ctx, tx, scope, slot, out, make([]bool, len(out))); err != nil {
			return err
		}
		b.summarize(sum, slot, out, make([]bool, len(out)))
		if idem != nil {
			return storeIdempotency(ctx, tx, scope, idem, sum)
		}
		return nil
	})
	if errors.Is(err, errIdemTaken) {
		sum, err := b.p.Store.Replay(ctx, scope, idem)
		if err == nil && sum == nil {
			err = apperr.Conflict("a request with this Idempotency-Key is in progress; retry").WithCode("idempotency_key_in_use")
		}
		return sum, err
	}
	if err != nil {
		return nil, err
	}
	b.p.Metrics.observe(b, sum, time.Since(b.started))
	return sum, nil
}

// writeTx is the one write path of intake, inside the caller's transaction:
// fold and merge rows by dedup key, upsert the alerts and link their
// entities. A batch request commits one Batch through it, a group commit
// the rows of many single requests at once. slot[i] is the index in out
// of rows[i]'s stored alert.
func (p *Pipeline) writeTx(ctx context.Context, tx *db.Tx, scope tenant.Scope, rows []row) (slot []int, out []written, err error) {
	if p.beforeWrite != nil {
		if err := p.beforeWrite(rows); err != nil {
			return nil, nil, err
		}
	}
	merged, slot, err := p.Store.prepareRows(ctx, tx, scope.Org(), rows)
	if err != nil {
		return nil, nil, err
	}
	flagged := p.enrich(scope.Org(), merged)
	if out, err = writeRows(ctx, tx, scope.Org(), merged, p.now()); err != nil {
		return nil, nil, err
	}
	if len(flagged) > 0 {
		found := make([]Enriched, len(flagged))
		for i, k := range flagged {
			found[i] = Enriched{ID: out[k].id, Alert: &merged[k].alert, Inserted: out[k].inserted}
		}
		if err := p.Enrich.Record(ctx, tx, scope, found); err != nil {
			return nil, nil, fmt.Errorf("ingest: record enrichment: %w", err)
		}
	}
	return slot, out, nil
}

// summarize builds per-record results in input order from the write
// results (slot[i] is the index in out of row i). firstSeen marks stored
// alerts already reported: the first occurrence of a new alert (in this
// batch, or in the group commit the batch is part of) is accepted, the
// rest are duplicates of it.
func (b *Batch) summarize(sum *BatchSummary, slot []int, out []written, firstSeen []bool) {
	results := make([]RecordResult, 0, len(b.rows)+len(b.rejected))
	ri := 0
	add := func(r RecordResult) {
		switch r.Status {
		case StatusAccepted:
			sum.Accepted++
		case StatusDuplicate:
			sum.Duplicates++
		case StatusSkipped:
			sum.Skipped++
		default:
			sum.Rejected++
		}
		results = append(results, r)
	}
	for i := range b.rows {
		for ri < len(b.rejected) && b.rejected[ri].Index < b.rowIndex[i] {
			add(b.rejected[ri])
			ri++
		}
		w := out[slot[i]]
		id := w.id
		st := StatusDuplicate
		if w.inserted && !firstSeen[slot[i]] {
			st = StatusAccepted
		}
		firstSeen[slot[i]] = true
		add(RecordResult{Index: b.rowIndex[i], Status: st, ID: &id, Count: w.count, Warnings: b.rows[i].warnings})
	}
	for ; ri < len(b.rejected); ri++ {
		add(b.rejected[ri])
	}
	sum.Results = results
}

// Rejections is the number of records rejected so far (skipped ones are
// not rejections).
func (b *Batch) Rejections() int {
	n := 0
	for _, r := range b.rejected {
		if r.Status == StatusRejected {
			n++
		}
	}
	return n
}

// RejectedOnly returns the summary of a batch with nothing to commit.
func (b *Batch) RejectedOnly() *BatchSummary {
	sum := &BatchSummary{}
	b.summarize(sum, nil, nil, nil)
	return sum
}

func (p *Pipeline) ttl() time.Duration {
	if p.IdempotencyTTL > 0 {
		return p.IdempotencyTTL
	}
	return 24 * time.Hour
}

// Ingest is a convenience for callers that hold whole records (syslog,
// demo, tests): it adds every record and commits (through the group
// commit when the pipeline has one).
func (p *Pipeline) Ingest(ctx context.Context, scope tenant.Scope, src *SourceConfig, sourceType, channel string, records [][]byte) (*BatchSummary, error) {
	b := p.NewBatch(src, sourceType, channel)
	for i, r := range records {
		b.Add(i, r)
	}
	if b.Len() == 0 {
		return b.RejectedOnly(), nil
	}
	s, err := b.Submit(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("ingest: commit: %w", err)
	}
	return s, nil
}
