package syslogd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Server listens for syslog on TCP and UDP at one address.
type Server struct {
	Addr     string
	Pipeline *ingest.Pipeline
	Logger   *slog.Logger
	// Refresh is how often sender routes are reloaded (default 30s).
	Refresh time.Duration
	// FlushEvery and BatchSize bound how long and how many messages wait
	// before a batch is committed (defaults 200ms, 1000).
	FlushEvery time.Duration
	BatchSize  int
	// TCPRetries bounds how often a TCP batch the pipeline refused (quota
	// or error) is tried again before it is dropped and counted (default
	// 5). While it waits, the org's TCP connections are not read, so the
	// senders see TCP backpressure. UDP batches are not retried.
	TCPRetries int
	// MaxBackoff caps the wait before a retry (default 10s); the wait is
	// the quota's retry-after when it says more than the backoff.
	MaxBackoff time.Duration
	// MaxConnsPerSender bounds the open TCP connections of one sender
	// address (default 64); more are closed at once and counted
	// (reason "too_many_connections").
	MaxConnsPerSender int

	metrics  *metrics
	connsMu  sync.Mutex
	connsBy  map[netip.Addr]int
	throttle throttle
	routes   routeTable
	queue    chan message
	ready    chan struct{}
	tcpAddr  net.Addr
	udpAddr  net.Addr
}

type message struct {
	route *ingest.Route
	data  []byte
	tcp   bool
}

// batchKey groups pending messages: per source, TCP apart from UDP (only
// TCP batches are retried).
type batchKey struct {
	source uuid.UUID
	tcp    bool
}

type metrics struct {
	received  *prometheus.CounterVec
	dropped   *prometheus.CounterVec
	throttled prometheus.Counter
}

// NewServer builds a server; reg receives its metrics (may be nil).
func NewServer(addr string, p *ingest.Pipeline, logger *slog.Logger, reg prometheus.Registerer) *Server {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "securenexus_syslog_messages_total",
			Help: "Syslog messages received from mapped senders, by transport."}, []string{"transport"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "securenexus_syslog_dropped_total",
			Help: "Syslog messages dropped, by reason (unknown_sender, frame, queue_full, quota, ingest_error)."}, []string{"reason"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{Name: "securenexus_syslog_tcp_throttled_total",
			Help: "TCP batch retries after the pipeline refused a batch (quota or error); the org's connections are not read meanwhile."}),
	}
	if reg != nil {
		reg.MustRegister(m.received, m.dropped, m.throttled)
	}
	return &Server{Addr: addr, Pipeline: p, Logger: logger, metrics: m, ready: make(chan struct{})}
}

// Ready is closed once both listeners are bound.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// TCPAddr and UDPAddr are the bound addresses (after Ready).
func (s *Server) TCPAddr() net.Addr { return s.tcpAddr }

// UDPAddr is the bound UDP address (after Ready).
func (s *Server) UDPAddr() net.Addr { return s.udpAddr }

// Dropped returns the count of dropped messages for reason (tests, ops).
func (s *Server) Dropped(reason string) float64 {
	return counterValue(s.metrics.dropped.WithLabelValues(reason))
}

// Throttled returns how many TCP batch retries there were (tests, ops).
func (s *Server) Throttled() float64 { return counterValue(s.metrics.throttled) }

// routeTable maps sender addresses to sources (longest prefix wins).
type routeTable struct {
	mu     sync.RWMutex
	routes []ingest.Route
}

func (t *routeTable) set(r []ingest.Route) {
	t.mu.Lock()
	t.routes = r
	t.mu.Unlock()
}

func (t *routeTable) lookup(addr netip.Addr) *ingest.Route {
	addr = addr.Unmap()
	t.mu.RLock()
	defer t.mu.RUnlock()
	var best *ingest.Route
	bits := -1
	for i := range t.routes {
		for _, p := range t.routes[i].AllowedCIDRs {
			if p.Contains(addr) && p.Bits() > bits {
				best, bits = &t.routes[i], p.Bits()
			}
		}
	}
	return best
}

func (s *Server) reload(ctx context.Context) error {
	r, err := s.Pipeline.Store.SyslogRoutes(ctx)
	if err != nil {
		return err
	}
	s.routes.set(r)
	return nil
}

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	if err := s.reload(ctx); err != nil {
		return fmt.Errorf("syslogd: load routes: %w", err)
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("syslogd: listen tcp %s: %w", s.Addr, err)
	}
	pc, err := net.ListenPacket("udp", ln.Addr().String())
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("syslogd: listen udp %s: %w", s.Addr, err)
	}
	s.tcpAddr, s.udpAddr = ln.Addr(), pc.LocalAddr()
	s.queue = make(chan message, 8192)
	s.Logger.Info("syslog listening", slog.String("tcp", s.tcpAddr.String()), slog.String("udp", s.udpAddr.String()))
	close(s.ready)

	var wg sync.WaitGroup
	batcherDone := make(chan struct{})
	go func() { s.batcher(ctx); close(batcherDone) }()
	wg.Go(func() { s.refresher(ctx) })
	wg.Go(func() { s.serveUDP(ctx, pc) })
	wg.Go(func() { s.serveTCP(ctx, ln, &wg) })
	<-ctx.Done()
	_ = ln.Close()
	_ = pc.Close()
	wg.Wait()
	close(s.queue)
	<-batcherDone
	return nil
}

func (s *Server) refresher(ctx context.Context) {
	every := s.Refresh
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.reload(ctx); err != nil && ctx.Err() == nil {
				s.Logger.Warn("syslog routes reload failed", slog.Any("error", err))
			}
		}
	}
}

// acceptUDP queues a datagram, or drops and counts it when the queue is
// full.
func (s *Server) acceptUDP(addr netip.Addr, data []byte) {
	r := s.routes.lookup(addr)
	if r == nil {
		s.metrics.dropped.WithLabelValues("unknown_sender").Inc()
		return
	}
	s.metrics.received.WithLabelValues("udp").Inc()
	select {
	case s.queue <- message{route: r, data: data}:
	default:
		s.metrics.dropped.WithLabelValues("queue_full").Inc()
	}
}

// acceptTCP queues a TCP message for r, waiting while the queue is full
// (the connection is not read meanwhile: backpressure).
func (s *Server) acceptTCP(ctx context.Context, r *ingest.Route, data []byte) {
	s.metrics.received.WithLabelValues("tcp").Inc()
	select {
	case s.queue <- message{route: r, data: data, tcp: true}:
	case <-ctx.Done():
		s.metrics.dropped.WithLabelValues("shutdown").Inc()
	}
}

func (s *Server) serveUDP(ctx context.Context, pc net.PacketConn) {
	buf := make([]byte, MaxMessage)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.Logger.Warn("syslog udp read failed", slog.Any("error", err))
				continue
			}
			return
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok || n == 0 {
			continue
		}
		addr, _ := netip.AddrFromSlice(ua.IP)
		msg := trimMsg(buf[:n])
		if len(msg) == 0 {
			continue
		}
		s.acceptUDP(addr, append([]byte(nil), msg...))
	}
}

func trimMsg(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	return b
}

func (s *Server) serveTCP(ctx context.Context, ln net.Listener, wg *sync.WaitGroup) {
	var conns sync.Map
	go func() {
		<-ctx.Done()
		conns.Range(func(k, _ any) bool {
			if c, ok := k.(net.Conn); ok {
				_ = c.Close()
			}
			return true
		})
	}()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient failure (e.g. out of file descriptors during a
			// connection flood) must not stop the listener for good.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.Logger.Warn("syslog tcp accept failed", slog.Any("error", err), slog.Duration("retry_in", backoff))
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			continue
		}
		backoff = 0
		ta, ok := c.RemoteAddr().(*net.TCPAddr)
		if !ok {
			_ = c.Close()
			continue
		}
		addr, _ := netip.AddrFromSlice(ta.IP)
		addr = addr.Unmap()
		if s.routes.lookup(addr) == nil {
			s.metrics.dropped.WithLabelValues("unknown_sender").Inc()
			_ = c.Close()
			continue
		}
		if !s.openConn(addr) {
			s.metrics.dropped.WithLabelValues("too_many_connections").Inc()
			_ = c.Close()
			continue
		}
		conns.Store(c, struct{}{})
		wg.Go(func() {
			defer s.closeConn(addr)
			defer conns.Delete(c)
			defer func() { _ = c.Close() }()
			br := bufio.NewReaderSize(c, 64<<10)
			for {
				r := s.routes.lookup(addr)
				if r == nil {
					s.metrics.dropped.WithLabelValues("unknown_sender").Inc()
					return
				}
				// Not read while the org's batches are being retried.
				s.throttle.wait(ctx, r.OrgID)
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Minute))
				msg, err := ReadFrame(br, MaxMessage)
				if err != nil {
					if errors.Is(err, ErrFrame) {
						s.metrics.dropped.WithLabelValues("frame").Inc()
					}
					return
				}
				if len(msg) > 0 {
					s.acceptTCP(ctx, r, msg)
				}
			}
		})
	}
}

// openConn counts a new TCP connection of addr, or reports false when the
// sender already has MaxConnsPerSender open (each costs a goroutine and
// buffers; one allowed sender must not exhaust the listener).
func (s *Server) openConn(addr netip.Addr) bool {
	limit := s.MaxConnsPerSender
	if limit <= 0 {
		limit = 64
	}
	s.connsMu.Lock()
	defer s.connsMu.Unlock()
	if s.connsBy == nil {
		s.connsBy = map[netip.Addr]int{}
	}
	if s.connsBy[addr] >= limit {
		return false
	}
	s.connsBy[addr]++
	return true
}

func (s *Server) closeConn(addr netip.Addr) {
	s.connsMu.Lock()
	defer s.connsMu.Unlock()
	if s.connsBy[addr]--; s.connsBy[addr] <= 0 {
		delete(s.connsBy, addr)
	}
}

// batcher groups queued messages per source and commits them in batches.
func (s *Server) batcher(ctx context.Context) {
	every := s.FlushEvery
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	size := s.BatchSize
	if size <= 0 {
		size = 1000
	}
	pending := map[batchKey][][]byte{}
	routes := map[uuid.UUID]*ingest.Route{}
	total := 0
	flush := func() {
		for k, msgs := range pending {
			s.commit(ctx, routes[k.source], msgs, k.tcp)
		}
		clear(pending)
		total = 0
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case m, ok := <-s.queue:
			if !ok {
				flush()
				return
			}
			k := batchKey{source: m.route.SourceID, tcp: m.tcp}
			pending[k] = append(pending[k], m.data)
			routes[m.route.SourceID] = m.route
			if total++; total >= size {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}

// commit ingests one source's batch. A TCP batch the pipeline refuses is
// retried (see TCPRetries) with exponential backoff, waiting at least the
// quota's retry-after, while the org's TCP connections are held; a UDP
// batch, or a TCP batch out of retries, is dropped and counted. ctx ending
// (shutdown) stops the waiting, not a running commit.
func (s *Server) commit(ctx context.Context, r *ingest.Route, msgs [][]byte, tcp bool) {
	retries := 0
	if tcp {
		retries = s.TCPRetries
		if retries <= 0 {
			retries = 5
		}
	}
	maxBackoff := s.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = 10 * time.Second
	}
	backoff := 100 * time.Millisecond
	defer s.throttle.release(r.OrgID)
	for attempt := 0; ; attempt++ {
		err := s.ingest(context.WithoutCancel(ctx), r, msgs)
		if err == nil {
			return
		}
		if attempt >= retries || ctx.Err() != nil {
			reason := "ingest_error"
			if apperr.Is(err, apperr.KindRateLimited) {
				reason = "quota"
			}
			s.metrics.dropped.WithLabelValues(reason).Add(float64(len(msgs)))
			s.Logger.Warn("syslog batch not ingested", slog.String("source_id", r.SourceID.String()), slog.Int("messages", len(msgs)),
				slog.Int("attempts", attempt+1), slog.Any("error", err))
			return
		}
		wait := backoff
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.RetryAfter > wait {
			wait = ae.RetryAfter
		}
		wait = min(wait, maxBackoff)
		backoff *= 2
		s.throttle.hold(r.OrgID)
		s.metrics.throttled.Inc()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
}

func (s *Server) ingest(ctx context.Context, r *ingest.Route, msgs [][]byte) error {
	scope := tenant.System(r.OrgID, "syslog:"+r.SourceID.String())
	src, err := s.Pipeline.Store.GetSource(ctx, scope, r.SourceID)
	if err != nil {
		return fmt.Errorf("syslog source lookup: %w", err)
	}
	if _, err := s.Pipeline.Ingest(ctx, scope, src, "", "syslog", msgs); err != nil {
		return err
	}
	return nil
}
