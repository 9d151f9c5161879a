// Package stream is the live event stream, GET /api/v1/stream: Server-Sent
// Events of the caller's org (docs/events.md). A client receives only the
// kinds its permissions may read, optionally filtered by kind and subject;
// it resumes after a disconnect with Last-Event-ID from the events table
// (within the retention window; older ids get a "resync" event). Events
// come from the in-process hub, which on PostgreSQL also carries the
// other replicas' events (events.Bus.Relay).
package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/httpapi"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Path is the stream's route.
const Path = httpapi.APIPrefix + "/stream"

// Permission is what opening a stream requires, or any of Permissions;
// each kind further needs its own read permission (events.KindInfo.Permission).
const Permission = rbac.AlertsRead

// Permissions are the permissions any one of which opens a stream: an
// alert reader or an incident reader (who then receives the incident.*,
// evidence.*, timeline.* and presence.* kinds).
var Permissions = []rbac.Permission{rbac.AlertsRead, rbac.IncidentsRead}

// MaxLifetime bounds one connection: the client reconnects (with
// Last-Event-ID, losing nothing) and is authenticated and authorised
// again, so revoked access cannot linger in an open stream.
const MaxLifetime = 30 * time.Minute

// SocketBuffer is the send buffer of a stream's socket (the kernel
// doubles it).
const SocketBuffer = 32 << 10

// backfillPage bounds one read from the events table.
const backfillPage = 500

// Caller is who opened a stream, as the identity layer authenticated it.
type Caller struct {
	Permissions rbac.Set
	// UserID is the signed-in user or the API key's creator.
	UserID uuid.UUID
	// APIKeyID is set for API keys.
	APIKeyID uuid.UUID
	// Role is the member's role ("" for API keys).
	Role string
}

// Deps is what the stream needs.
type Deps struct {
	// Caller returns the authenticated caller of ctx.
	Caller func(ctx context.Context) (Caller, bool)
	// Heartbeat is the interval of keep-alive comments (0: 15s).
	Heartbeat time.Duration
	// Buffer is each client's queue length (0: the hub's default).
	Buffer int
}

// Handler serves the stream.
type Handler struct {
	db   *db.DB
	hub  *events.Hub
	log  *slog.Logger
	deps Deps
	// lifetime is MaxLifetime; tests shorten it.
	lifetime time.Duration
}

// Register adds GET /api/v1/stream.
func Register(p *platform.Platform, deps Deps) (*Handler, error) {
	if deps.Caller == nil || p.Events == nil {
		return nil, fmt.Errorf("stream: needs the events bus and a caller lookup")
	}
	if deps.Heartbeat <= 0 {
		deps.Heartbeat = 15 * time.Second
	}
	h := &Handler{db: p.DB, hub: p.Events.Hub(), log: p.Logger, deps: deps, lifetime: MaxLifetime}
	huma.Register(p.Server.API, httpapi.ProtectedAny(huma.Operation{
		OperationID: "stream-events",
		Method:      http.MethodGet,
		Path:        Path,
		Summary:     "Live stream of the org's events (Server-Sent Events)",
		Description: "Each event is `id: <seq>`, `event: <kind>`, `data: <event JSON>` (docs/events.md lists the kinds). " +
			"Only kinds the caller's permissions may read are sent. Resume after a disconnect with the `Last-Event-ID` header " +
			"(or `last_event_id`): the missed events follow, each once. An id older than the retention window, or unknown, " +
			"gets a `resync` event (reload state, then continue from its id). Comments (`: heartbeat`) keep the connection open. " +
			"A client that falls `SECURENEXUS_STREAM_CLIENT_BUFFER` events behind is disconnected; connections last at most 30 minutes.",
		Tags: []string{"Events"},
		Responses: map[string]*huma.Response{
			"200": {
				Description: "An event stream",
				Content:     map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{Type: "string"}}},
			},
		},
	}, Permissions...), h.open)
	return h, nil
}

type input struct {
	LastEventID      string   `header:"Last-Event-ID" maxLength:"20" doc:"Resume after this event id (seq)"`
	LastEventIDQuery string   `query:"last_event_id" maxLength:"20" doc:"Same as the Last-Event-ID header, for clients that cannot set headers; the header wins"`
	Kind             []string `query:"kind,explode" maxItems:"50" doc:"Only these kinds (repeat the parameter); default every kind the caller may read"`
	Subject          string   `query:"subject" maxLength:"200" doc:"Only events about this subject, e.g. alert/<id>; a trailing * matches a prefix (alert/*)"`
	Follow           bool     `query:"follow" default:"true" doc:"false: send the events after Last-Event-ID and end instead of following live"`
}

// filter decides which events a client receives.
type filter struct {
	kinds   map[events.Kind]bool
	subject string
	prefix  bool
}

func (f filter) match(e events.Event) bool {
	if !f.kinds[e.Kind] {
		return false
	}
	switch {
	case f.subject == "":
		return true
	case f.prefix:
		return strings.HasPrefix(e.Subject, f.subject)
	default:
		return e.Subject == f.subject
	}
}

// buildFilter resolves the requested kinds against what perms may read.
func buildFilter(in *input, perms rbac.Set) (filter, error) {
	f := filter{kinds: map[events.Kind]bool{}}
	readable := func(info events.KindInfo) bool { return perms.Has(info.Permission) }
	if len(in.Kind) == 0 {
		for _, info := range events.Kinds() {
			if readable(info) {
				f.kinds[info.Kind] = true
			}
		}
	}
	for i, k := range in.Kind {
		info, ok := events.Lookup(events.Kind(k))
		if !ok {
			return f, apperr.Validation("unknown event kind", apperr.Field(fmt.Sprintf("query.kind[%d]", i), "is not an event kind (docs/events.md)"))
		}
		if !readable(info) {
			return f, apperr.Forbidden(fmt.Sprintf("kind %s needs permission %s", k, info.Permission)).WithCode("permission_denied")
		}
		f.kinds[info.Kind] = true
	}
	if s := in.Subject; s != "" {
		if strings.ContainsAny(s, "\x00\r\n") {
			return f, apperr.Validation("invalid subject", apperr.Field("query.subject", "must be one line"))
		}
		f.subject, f.prefix = strings.CutSuffix(s, "*")
	}
	return f, nil
}

// resumeFrom parses the client's last event id; -1 means none given.
func resumeFrom(in *input) (int64, error) {
	raw, field := in.LastEventID, "header.Last-Event-ID"
	if raw == "" {
		raw, field = in.LastEventIDQuery, "query.last_event_id"
	}
	if raw == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Validation("invalid last event id", apperr.Field(field, "must be an event id (a non-negative integer)"))
	}
	return n, nil
}

func (h *Handler) open(ctx context.Context, in *input) (*huma.StreamResponse, error) {
	scope, err := httpapi.Scope(ctx)
	if err != nil {
		return nil, err
	}
	caller, ok := h.deps.Caller(ctx)
	if !ok {
		return nil, apperr.Unauthorized("authentication required")
	}
	f, err := buildFilter(in, caller.Permissions)
	if err != nil {
		return nil, err
	}
	after, err := resumeFrom(in)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		c := &client{h: h, scope: scope, caller: caller, filter: f, follow: in.Follow}
		c.serve(ctx, hctx, after)
	}}, nil
}

// client is one open stream.
type client struct {
	h      *Handler
	scope  tenant.Scope
	caller Caller
	filter filter
	follow bool
	w      *httpapi.Stream
	sub    *events.Subscription
	// last is the highest seq handled (sent or filtered out).
	last int64
}

// dropGrace is how long a dropped client's response may take to end
// cleanly before its connection is cut.
const dropGrace = time.Second

// errRevoked ends a stream whose caller's access changed.
var errRevoked = errors.New("stream: access changed")

func (c *client) serve(ctx context.Context, hctx huma.Context, after int64) {
	hctx.SetHeader("Content-Type", "text/event-stream")
	hctx.SetHeader("Cache-Control", "no-store")
	hctx.SetHeader("X-Accel-Buffering", "no")
	hctx.SetStatus(http.StatusOK)
	// Budget per write: a client that reads nothing for this long is cut
	// off; a moving stream outlives the server's write timeout.
	c.w = httpapi.NewStream(hctx, 2*c.h.deps.Heartbeat+5*time.Second)

	// Subscribe before reading the table, so nothing committed in between
	// is missed (duplicates are skipped by seq).
	// Only events this client may receive use its queue: a burst of
	// kinds or subjects it does not follow never drops it.
	sub := c.h.hub.SubscribeFiltered(c.scope.Org(), c.h.deps.Buffer, func(e events.Event) bool {
		return c.filter.match(e) || revocationKind(e.Kind)
	})
	defer sub.Close()
	c.sub = sub
	// Bound what the kernel holds for this client (autotuning grows a
	// socket's send buffer to megabytes): a client that stops reading
	// then backs up into its hub queue within a few hundred events and
	// is dropped, instead of pinning memory for minutes.
	if tc, ok := httpapi.TCPConn(ctx); ok {
		if err := tc.SetWriteBuffer(SocketBuffer); err != nil {
			c.h.log.DebugContext(ctx, "stream: set send buffer", slog.String("error", err.Error()))
		}
	}
	// A dropped (slow) client is cut off at once, even while a write to
	// it is blocked on a full socket: its deadline moves to now.
	done := make(chan struct{})
	defer close(done)
	if rw, ok := hctx.BodyWriter().(http.ResponseWriter); ok {
		rc := http.NewResponseController(rw)
		go func() {
			select {
			case <-sub.Dropped():
				// A client that is reading ends cleanly when live returns
				// (a complete response; it resumes with Last-Event-ID);
				// one blocked on a full socket is cut off after dropGrace.
				select {
				case <-done:
				case <-time.After(dropGrace):
					// Best effort: if it fails, the write budget ends it.
					_ = rc.SetWriteDeadline(time.Now())
				}
			case <-done:
			}
		}()
	}
	err := c.start(ctx, after)
	if err == nil && c.follow {
		err = c.live(ctx, sub)
	}
	if err != nil && ctx.Err() == nil && !errors.Is(err, errRevoked) {
		c.h.log.DebugContext(ctx, "stream ended", slog.String("reason", err.Error()))
	}
}

// start writes the preamble and the backlog after seq after (-1: none).
func (c *client) start(ctx context.Context, after int64) error {
	win, err := events.Head(ctx, c.h.db, c.scope)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(c.w, "retry: 2000\n: connected\n\n"); err != nil {
		return err
	}
	switch {
	case after < 0:
		c.last = win.Last
	case win.Covers(after):
		c.last = after
		if err := c.backfill(ctx, win.Last); err != nil {
			return err
		}
	default:
		c.last = win.Last
		body, _ := json.Marshal(map[string]any{
			"reason":        "last_event_id_unavailable",
			"detail":        "events after this id are no longer stored (retention) or the id is unknown; reload state, then continue from id",
			"last_event_id": after, "resume_from": win.Last,
		})
		if _, err := fmt.Fprintf(c.w, "id: %d\nevent: resync\ndata: %s\n\n", win.Last, body); err != nil {
			return err
		}
	}
	return c.w.Flush()
}

// backfill sends the stored events after c.last up to seq upTo.
func (c *client) backfill(ctx context.Context, upTo int64) error {
	for c.last < upTo {
		evs, err := events.Since(ctx, c.h.db, c.scope, c.last, upTo, backfillPage)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		for _, e := range evs {
			if err := c.send(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// send writes e if the filter admits it and records its seq.
func (c *client) send(e events.Event) error {
	if e.Seq <= c.last {
		return nil
	}
	c.last = e.Seq
	if c.revokes(e) {
		return errRevoked
	}
	if !c.filter.match(e) {
		return nil
	}
	data, err := e.JSON()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Kind, data)
	return err
}

// revocationKind reports whether events of kind k may end a stream
// (revokes); they reach every client whatever its filter.
func revocationKind(k events.Kind) bool {
	switch k {
	case events.MemberRoleChanged.Kind(), events.MemberRemoved.Kind(), events.APIKeyRevoked.Kind(),
		events.RoleUpdated.Kind(), events.RoleDeleted.Kind():
		return true
	}
	return false
}

// revokes reports whether e changes the caller's own access: the stream
// ends and the client's reconnect is authorised afresh.
func (c *client) revokes(e events.Event) bool {
	switch e.Kind {
	case events.MemberRoleChanged.Kind(), events.MemberRemoved.Kind():
		var m events.MemberV1
		return json.Unmarshal(e.Payload, &m) == nil && c.caller.APIKeyID == uuid.Nil && m.UserID == c.caller.UserID
	case events.APIKeyRevoked.Kind():
		var k events.APIKeyV1
		return json.Unmarshal(e.Payload, &k) == nil && c.caller.APIKeyID != uuid.Nil && k.KeyID == c.caller.APIKeyID
	case events.RoleUpdated.Kind(), events.RoleDeleted.Kind():
		var r events.RoleV1
		return json.Unmarshal(e.Payload, &r) == nil && c.caller.Role != "" && r.Role == c.caller.Role
	}
	return false
}

// live streams live events until the client goes, falls behind, or the
// connection's lifetime ends.
func (c *client) live(ctx context.Context, sub *events.Subscription) error {
	heartbeat := time.NewTicker(c.h.deps.Heartbeat)
	defer heartbeat.Stop()
	lifetime := time.NewTimer(c.h.lifetime)
	defer lifetime.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-lifetime.C:
			return nil
		case <-sub.Dropped():
			// Too slow: the queue overflowed. Disconnect; the client
			// resumes with Last-Event-ID.
			return fmt.Errorf("stream: client fell %d events behind", cap(sub.C()))
		case <-heartbeat.C:
			if _, err := fmt.Fprint(c.w, ": heartbeat\n\n"); err != nil {
				return err
			}
			if err := c.w.Flush(); err != nil {
				return err
			}
		case e := <-sub.C():
			if err := c.deliver(ctx, e); err != nil {
				return err
			}
			// Drain what is queued before flushing once.
			for n := len(sub.C()); n > 0; n-- {
				if err := c.deliver(ctx, <-sub.C()); err != nil {
					return err
				}
			}
			if err := c.w.Flush(); err != nil {
				return err
			}
		}
	}
}

// deliver sends e after filling any gap before it from the table (events
// of concurrent commits can reach the hub out of order, and the relay
// may lag): every seq is handled once, in order.
func (c *client) deliver(ctx context.Context, e events.Event) error {
	if e.Seq <= c.last {
		return nil
	}
	if e.Seq > c.last+1 && c.sub != nil {
		// Seqs the hub filtered out for this client are no gap.
		c.last = c.sub.Skipped(c.last)
	}
	if e.Seq > c.last+1 {
		if err := c.backfill(ctx, e.Seq-1); err != nil {
			return err
		}
	}
	return c.send(e)
}
