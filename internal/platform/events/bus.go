package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/jobs"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Handler handles one delivered event inside tx, an org-scoped write
// transaction (system scope of the event's org) that also records the
// delivery: an event redelivered after a crash or retry is skipped, so the
// handler's database effects happen once. Return an error to retry later
// (River's backoff). Do no slow I/O inside tx; enqueue a job of your own
// for outbound calls (jobs.Client.InsertTx with tx.Tx).
type Handler func(ctx context.Context, tx *db.Tx, e Event) error

type consumer struct {
	name    string
	kinds   map[Kind]bool
	handler Handler
}

// Bus is the process's events service: consumer registry, delivery worker,
// live hub and (on PostgreSQL) the relay to and from other replicas. It is
// attached to the database, so Append reaches it through the transaction.
type Bus struct {
	db      *db.DB
	hub     *Hub
	logger  *slog.Logger
	process uuid.UUID
	metrics *busMetrics

	mu        sync.RWMutex
	consumers map[string]*consumer
	byKind    map[Kind][]string
	jobs      *jobs.Client
}

type busKey struct{}

// Options configures NewBus.
type Options struct {
	Logger  *slog.Logger
	Metrics prometheus.Registerer
	// Workers receives the delivery worker (before the job client is built).
	Workers *river.Workers
	// Hub tunes the live hub; zero values pick defaults.
	Hub HubOptions
}

// NewBus builds the bus for d and attaches it, so every Append in a
// transaction of d enqueues consumers and reaches the hub.
func NewBus(d *db.DB, opts Options) (*Bus, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reg := opts.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newBusMetrics(reg)
	if err != nil {
		return nil, err
	}
	proc, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("events: process id: %w", err)
	}
	hub, err := NewHub(opts.Hub, reg)
	if err != nil {
		return nil, err
	}
	b := &Bus{
		db: d, hub: hub, logger: logger, process: proc, metrics: m,
		consumers: map[string]*consumer{}, byKind: map[Kind][]string{},
	}
	if opts.Workers != nil {
		if err := river.AddWorkerSafely(opts.Workers, &deliveryWorker{bus: b}); err != nil {
			return nil, fmt.Errorf("events: add delivery worker: %w", err)
		}
	}
	d.Attach(busKey{}, b)
	return b, nil
}

// SetJobs gives the bus the job client it enqueues deliveries with.
func (b *Bus) SetJobs(c *jobs.Client) {
	b.mu.Lock()
	b.jobs = c
	b.mu.Unlock()
}

// Hub is the bus's in-process live hub.
func (b *Bus) Hub() *Hub { return b.hub }

var consumerName = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,62}$`)

// Consume registers handler as consumer name of kinds. Register every
// consumer while modules are wired, before the process serves: events
// appended before registration are not delivered to it. Name is stable
// (it keys delivery records): renaming a consumer redelivers nothing and
// forgets what was delivered.
func (b *Bus) Consume(name string, kinds []Kind, handler Handler) error {
	if !consumerName.MatchString(name) {
		return fmt.Errorf("events: consumer name %q must match %s", name, consumerName)
	}
	if len(kinds) == 0 || handler == nil {
		return fmt.Errorf("events: consumer %s needs kinds and a handler", name)
	}
	c := &consumer{name: name, kinds: map[Kind]bool{}, handler: handler}
	for _, k := range kinds {
		if _, ok := Lookup(k); !ok {
			return fmt.Errorf("events: consumer %s: unregistered kind %q", name, k)
		}
		c.kinds[k] = true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := b.consumers[name]; dup {
		return fmt.Errorf("events: consumer %s registered twice", name)
	}
	b.consumers[name] = c
	for k := range c.kinds {
		b.byKind[k] = append(b.byKind[k], name)
	}
	return nil
}

// enqueue inserts one delivery job per (consumer, event) in tx.
func (b *Bus) enqueue(ctx context.Context, tx *db.Tx, evs []Event) error {
	b.mu.RLock()
	client := b.jobs
	var params []river.InsertManyParams
	for _, e := range evs {
		for _, name := range b.byKind[e.Kind] {
			params = append(params, river.InsertManyParams{Args: DeliveryArgs{Consumer: name, Org: e.Org, EventID: e.ID}})
		}
	}
	b.mu.RUnlock()
	if len(params) == 0 {
		return nil
	}
	if client == nil {
		return errors.New("events: consumers are registered but the bus has no job client")
	}
	if _, err := client.InsertManyTx(ctx, tx.Tx, params); err != nil {
		return fmt.Errorf("events: enqueue deliveries: %w", err)
	}
	b.metrics.enqueued.Add(float64(len(params)))
	return nil
}

// DeliveryArgs is the River job delivering one event to one consumer.
type DeliveryArgs struct {
	Consumer string    `json:"consumer"`
	Org      uuid.UUID `json:"org_id"`
	EventID  uuid.UUID `json:"event_id"`
}

// Kind implements river.JobArgs.
func (DeliveryArgs) Kind() string { return "event_delivery" }

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	bus *Bus
}

// Timeout bounds one delivery.
func (w *deliveryWorker) Timeout(*river.Job[DeliveryArgs]) time.Duration { return time.Minute }

// Work implements river.Worker.
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	a := job.Args
	w.bus.mu.RLock()
	c := w.bus.consumers[a.Consumer]
	w.bus.mu.RUnlock()
	if c == nil {
		return river.JobCancel(fmt.Errorf("events: no consumer %q in this build", a.Consumer))
	}
	err := w.bus.Deliver(ctx, c.name, a.Org, a.EventID)
	if err != nil {
		w.bus.metrics.failed.WithLabelValues(c.name).Inc()
	}
	return err
}

// Deliver runs consumer name's handler for one event unless it already
// ran (the River worker calls it; tests may too). A pruned event is
// skipped.
func (b *Bus) Deliver(ctx context.Context, name string, org, eventID uuid.UUID) error {
	b.mu.RLock()
	c := b.consumers[name]
	b.mu.RUnlock()
	if c == nil {
		return fmt.Errorf("events: no consumer %q", name)
	}
	scope := tenant.System(org, "event:"+name)
	return b.db.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO event_deliveries (org_id, consumer, event_id, delivered_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (consumer, event_id) DO NOTHING`,
			org.String(), name, eventID.String(), now().UTC())
		if err != nil {
			return fmt.Errorf("events: record delivery: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // delivered before: nothing to do
		}
		e, ok, err := Get(ctx, tx, scope, eventID)
		if err != nil {
			return err
		}
		if !ok {
			b.logger.WarnContext(ctx, "event pruned before delivery", slog.String("consumer", name), slog.String("event_id", eventID.String()))
			return nil
		}
		if !c.kinds[e.Kind] {
			return nil
		}
		if err := c.handler(ctx, tx, e); err != nil {
			return fmt.Errorf("events: consumer %s on %s %s: %w", name, e.Kind, e.ID, err)
		}
		b.metrics.delivered.WithLabelValues(name).Inc()
		return nil
	})
}

// notifyChannel is the PostgreSQL channel replicas listen on.
const notifyChannel = "securenexus_events"

// notice is the NOTIFY payload: the org, the seq range a commit wrote and
// the process that wrote it (which ignores its own notices).
type notice struct {
	Org     uuid.UUID `json:"o"`
	First   int64     `json:"a"`
	Last    int64     `json:"b"`
	Process uuid.UUID `json:"p"`
}

// notify queues a NOTIFY in tx (PostgreSQL delivers it at commit only).
func (b *Bus) notify(ctx context.Context, tx *db.Tx, org uuid.UUID, evs []Event) error {
	if tx.Dialect != db.Postgres || len(evs) == 0 {
		return nil
	}
	body, err := json.Marshal(notice{Org: org, First: evs[0].Seq, Last: evs[len(evs)-1].Seq, Process: b.process})
	if err != nil {
		return fmt.Errorf("events: encode notice: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, string(body)); err != nil {
		return fmt.Errorf("events: notify: %w", err)
	}
	return nil
}

type busMetrics struct {
	enqueued  prometheus.Counter
	delivered *prometheus.CounterVec
	failed    *prometheus.CounterVec
	relayed   prometheus.Counter
	relayErrs prometheus.Counter
}

func newBusMetrics(reg prometheus.Registerer) (*busMetrics, error) {
	m := &busMetrics{
		enqueued:  prometheus.NewCounter(prometheus.CounterOpts{Name: "securenexus_events_deliveries_enqueued_total", Help: "Consumer delivery jobs enqueued."}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "securenexus_events_delivered_total", Help: "Events handled by a consumer."}, []string{"consumer"}),
		failed:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "securenexus_events_delivery_failures_total", Help: "Consumer deliveries that failed (retried)."}, []string{"consumer"}),
		relayed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "securenexus_events_relayed_total", Help: "Events received from other replicas and published to the local hub."}),
		relayErrs: prometheus.NewCounter(prometheus.CounterOpts{Name: "securenexus_events_relay_errors_total", Help: "Relay (LISTEN/NOTIFY) connection or fetch errors."}),
	}
	for _, c := range []prometheus.Collector{m.enqueued, m.delivered, m.failed, m.relayed, m.relayErrs} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("events: register metrics: %w", err)
		}
	}
	return m, nil
}
