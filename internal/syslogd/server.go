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

	metrics *metrics
	routes  routeTable
	queue   chan message
	ready   chan struct{}
	tcpAddr net.Addr
	udpAddr net.Addr
}

type message struct {
	route *ingest.Route
	data  []byte
}

type metrics struct {
	received *prometheus.CounterVec
	dropped  *prometheus.CounterVec
}

// NewServer builds a server; reg receives its metrics (may be nil).
func NewServer(addr string, p *ingest.Pipeline, logger *slog.Logger, reg prometheus.Registerer) *Server {
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "securenexus_syslog_messages_total",
			Help: "Syslog messages received from mapped senders, by transport."}, []string{"transport"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "securenexus_syslog_dropped_total",
			Help: "Syslog messages dropped, by reason (unknown_sender, frame, queue_full, ingest_error)."}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.received, m.dropped)
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

func (s *Server) accept(addr netip.Addr, transport string, data []byte) {
	r := s.routes.lookup(addr)
	if r == nil {
		s.metrics.dropped.WithLabelValues("unknown_sender").Inc()
		return
	}
	s.metrics.received.WithLabelValues(transport).Inc()
	select {
	case s.queue <- message{route: r, data: data}:
	default:
		s.metrics.dropped.WithLabelValues("queue_full").Inc()
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
		s.accept(addr, "udp", append([]byte(nil), msg...))
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
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		ta, ok := c.RemoteAddr().(*net.TCPAddr)
		if !ok {
			_ = c.Close()
			continue
		}
		addr, _ := netip.AddrFromSlice(ta.IP)
		if s.routes.lookup(addr) == nil {
			s.metrics.dropped.WithLabelValues("unknown_sender").Inc()
			_ = c.Close()
			continue
		}
		conns.Store(c, struct{}{})
		wg.Go(func() {
			defer conns.Delete(c)
			defer func() { _ = c.Close() }()
			br := bufio.NewReaderSize(c, 64<<10)
			for {
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Minute))
				msg, err := ReadFrame(br, MaxMessage)
				if err != nil {
					if errors.Is(err, ErrFrame) {
						s.metrics.dropped.WithLabelValues("frame").Inc()
					}
					return
				}
				if len(msg) > 0 {
					s.accept(addr, "tcp", msg)
				}
			}
		})
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
	pending := map[uuid.UUID][][]byte{}
	routes := map[uuid.UUID]*ingest.Route{}
	total := 0
	flush := func() {
		for id, msgs := range pending {
			s.commit(context.WithoutCancel(ctx), routes[id], msgs)
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
			pending[m.route.SourceID] = append(pending[m.route.SourceID], m.data)
			routes[m.route.SourceID] = m.route
			if total++; total >= size {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}

func (s *Server) commit(ctx context.Context, r *ingest.Route, msgs [][]byte) {
	scope := tenant.System(r.OrgID, "syslog:"+r.SourceID.String())
	src, err := s.Pipeline.Store.GetSource(ctx, scope, r.SourceID)
	if err != nil {
		s.metrics.dropped.WithLabelValues("ingest_error").Add(float64(len(msgs)))
		s.Logger.Warn("syslog source lookup failed", slog.String("source_id", r.SourceID.String()), slog.Any("error", err))
		return
	}
	if _, err := s.Pipeline.Ingest(ctx, scope, src, "", "syslog", msgs); err != nil {
		s.metrics.dropped.WithLabelValues("ingest_error").Add(float64(len(msgs)))
		s.Logger.Warn("syslog batch not ingested", slog.String("source_id", r.SourceID.String()), slog.Int("messages", len(msgs)), slog.Any("error", err))
	}
}
