package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Event is one stored event.
type Event struct {
	// ID is unique (UUIDv7); consumers are idempotent by it.
	ID  uuid.UUID `json:"id"`
	Org uuid.UUID `json:"org_id"`
	// Seq is the event's position in its org: gapless and in commit order
	// (the live stream's event id). It is 0 until the transaction commits.
	Seq  int64 `json:"seq"`
	Kind Kind  `json:"kind"`
	// Subject names what the event is about, "<type>/<id>", for example
	// "alert/0193f1c2-...". Stream filters match it exactly or by prefix.
	Subject    string          `json:"subject"`
	Actor      string          `json:"actor"`
	OccurredAt time.Time       `json:"occurred_at"`
	Payload    json.RawMessage `json:"payload"`

	// encoded caches the JSON of the event, computed once when the hub
	// publishes it, so a fan-out to many subscribers encodes it once.
	encoded []byte
}

// JSON returns the event's JSON encoding (cached when it came through the
// hub).
func (e Event) JSON() ([]byte, error) {
	if e.encoded != nil {
		return e.encoded, nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("events: encode %s: %w", e.ID, err)
	}
	return b, nil
}

// MaxPayloadBytes bounds one event's encoded payload. Events carry ids and
// names; a change that would need more says less (for example a count).
const MaxPayloadBytes = 1 << 20

// MaxSubjectLen bounds Event.Subject.
const MaxSubjectLen = 200

// Subject builds the conventional subject "<typ>/<id>".
func Subject(typ string, id fmt.Stringer) string { return typ + "/" + id.String() }

type pendingKey struct{}

// pending holds a transaction's appended events until its commit.
type pending struct {
	tx     *db.Tx
	events []Event
	// flushed are the events as written (with seq), published after commit.
	flushed []Event
}

// Append records an event of kind def about subject in tx, the change's
// own transaction, for scope's org. The event is written (with its seq),
// its consumers enqueued and other replicas notified just before tx
// commits, and published to the live hub after it committed; if tx rolls
// back, nothing happened. The returned Event has Seq 0.
//
// tx must be a write transaction; when it is armed for an org (db.InOrg) it
// must be scope's org. The actor is scope.Actor().
func Append[P any](ctx context.Context, tx *db.Tx, scope tenant.Scope, def Def[P], subject string, payload P) (Event, error) {
	if err := checkAppend(tx, scope, def.kind, subject); err != nil {
		return Event{}, err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return Event{}, fmt.Errorf("events: encode %s payload: %w", def.kind, err)
	}
	if len(body) > MaxPayloadBytes {
		return Event{}, fmt.Errorf("events: %s payload is %d bytes, more than %d", def.kind, len(body), MaxPayloadBytes)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Event{}, fmt.Errorf("events: new id: %w", err)
	}
	ev := Event{
		ID: id, Org: scope.Org(), Kind: def.kind, Subject: subject, Actor: scope.Actor(),
		OccurredAt: now().UTC().Truncate(time.Microsecond), Payload: body,
	}
	p := pendingFor(tx)
	p.events = append(p.events, ev)
	return ev, nil
}

// now is the clock; tests replace it.
var now = time.Now

func checkAppend(tx *db.Tx, scope tenant.Scope, kind Kind, subject string) error {
	switch {
	case tx == nil:
		return errors.New("events: append outside a transaction")
	case tx.ReadOnly:
		return fmt.Errorf("events: append %s in a read-only transaction", kind)
	case !scope.Valid():
		return fmt.Errorf("events: append %s without an org scope", kind)
	case tx.Scope.Valid() && tx.Scope.Org() != scope.Org():
		return fmt.Errorf("events: append %s for org %s in a transaction for org %s", kind, scope.Org(), tx.Scope.Org())
	case len(subject) > MaxSubjectLen || strings.ContainsAny(subject, "\x00\r\n"):
		return fmt.Errorf("events: append %s: malformed subject", kind)
	}
	if _, ok := Lookup(kind); !ok {
		return fmt.Errorf("events: append unregistered kind %q", kind)
	}
	return nil
}

func pendingFor(tx *db.Tx) *pending {
	if p, ok := tx.Value(pendingKey{}).(*pending); ok {
		return p
	}
	p := &pending{tx: tx}
	tx.SetValue(pendingKey{}, p)
	tx.BeforeCommit(p.flush)
	tx.AfterCommit(p.publish)
	return p
}

// bus returns the process's Bus attached to tx's database, or nil (tests
// and commands without one still write the outbox rows).
func (p *pending) bus() *Bus {
	b, _ := p.tx.Attached(busKey{}).(*Bus)
	return b
}

// flush writes the pending events, enqueues their consumers and notifies
// other replicas. It runs inside the transaction just before COMMIT, so the
// per-org seq row is locked for as short a time as possible.
func (p *pending) flush(ctx context.Context) error {
	evs := p.events
	p.events = nil
	if len(evs) == 0 {
		return nil
	}
	// Group by org preserving order (one org in practice).
	var orgs []uuid.UUID
	byOrg := map[uuid.UUID][]Event{}
	for _, e := range evs {
		if _, seen := byOrg[e.Org]; !seen {
			orgs = append(orgs, e.Org)
		}
		byOrg[e.Org] = append(byOrg[e.Org], e)
	}
	b := p.bus()
	for _, org := range orgs {
		written, err := writeOrg(ctx, p.tx, org, byOrg[org])
		if err != nil {
			return err
		}
		if b != nil {
			if err := b.enqueue(ctx, p.tx, written); err != nil {
				return err
			}
			if err := b.notify(ctx, p.tx, org, written); err != nil {
				return err
			}
		}
		p.flushed = append(p.flushed, written...)
	}
	return nil
}

func (p *pending) publish() {
	if b := p.bus(); b != nil && len(p.flushed) > 0 {
		b.hub.Publish(p.flushed...)
	}
}

// writeOrg allocates seqs for evs (all of org) and inserts them.
func writeOrg(ctx context.Context, tx *db.Tx, org uuid.UUID, evs []Event) ([]Event, error) {
	armedHere := false
	if tx.Dialect == db.Postgres && !tx.Scope.Valid() {
		// An unarmed transaction (global tables, for example org
		// creation) appending an org's event: arm it for these statements.
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.org_id', $1, true)", org.String()); err != nil {
			return nil, fmt.Errorf("events: arm org: %w", err)
		}
		armedHere = true
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO event_org_seq (org_id, last_seq) VALUES ($1, $2)
		ON CONFLICT (org_id) DO UPDATE SET last_seq = event_org_seq.last_seq + excluded.last_seq
		RETURNING last_seq`, org.String(), len(evs)).Scan(&last); err != nil {
		return nil, fmt.Errorf("events: allocate seq: %w", err)
	}
	first := last - int64(len(evs)) + 1
	// The time is taken while holding the org's seq row, so occurred_at
	// grows with seq and pruning by time leaves a contiguous window.
	at := now().UTC().Truncate(time.Microsecond)
	out := make([]Event, len(evs))
	var sb strings.Builder
	sb.WriteString("INSERT INTO events (id, org_id, seq, kind, subject, actor, occurred_at, payload) VALUES ")
	args := make([]any, 0, len(evs)*8)
	for i, e := range evs {
		e.Seq = first + int64(i)
		e.OccurredAt = at
		out[i] = e
		if i > 0 {
			sb.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8)
		args = append(args, e.ID.String(), org.String(), e.Seq, string(e.Kind), e.Subject, e.Actor, e.OccurredAt, string(e.Payload))
	}
	if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
		return nil, fmt.Errorf("events: insert: %w", err)
	}
	if armedHere {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.org_id', '', true)"); err != nil {
			return nil, fmt.Errorf("events: disarm org: %w", err)
		}
	}
	return out, nil
}
