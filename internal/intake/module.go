// Package intake is the intake module: it wires the ingest pipeline (single,
// batch and webhook intake, sources, quotas, idempotency keys) and the
// syslog listener on the platform, and later the connector runtime. The
// analyst alert API is the alerts module; both share only the database.
package intake

import (
	"context"
	"fmt"

	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/platform/plugin"
	"github.com/securenexus/securenexus/internal/platform/secrets"
	"github.com/securenexus/securenexus/internal/syslogd"
)

// DemoOrgs finds the demo org the demo alerts go to (identity.Directory).
type DemoOrgs interface {
	DemoOrg(ctx context.Context, name string) (identity.Org, error)
}

// Deps is what the intake module needs from other modules.
type Deps struct {
	// Directory finds the demo org; nil leaves the demo data out.
	Directory DemoOrgs
	// Normalizers is the normalizer plugin registry (normalize.NewRegistry);
	// nil uses the built-in set.
	Normalizers *plugin.Registry[normalize.Normalizer]
	// Enrich matches every alert before it is written (the intel module's
	// Matcher); nil writes alerts as normalized.
	Enrich ingest.Enricher
}

// Module is the constructed intake module.
type Module struct {
	// Pipeline is the one write path for alerts (HTTP, webhooks, syslog,
	// demo data).
	Pipeline *ingest.Pipeline
	// Syslog is the listener, nil when no syslog address is configured.
	Syslog *syslogd.Server
}

// New builds the intake module on p and registers its operations, the
// syslog listener when configured (with its health check), the idempotency
// pruner and the demo alerts.
func New(p *platform.Platform, d Deps) (*Module, error) {
	normalizers := normalize.Builtin()
	if d.Normalizers != nil {
		normalizers = normalize.With(d.Normalizers)
	}
	keys := p.Keyring
	if keys == nil {
		var err error
		if keys, err = secrets.NewKeyring(p.Secret); err != nil {
			return nil, fmt.Errorf("intake: keyring: %w", err)
		}
	}
	store := ingest.NewStore(p.DB, keys)
	store.FoldBoundaries = p.Config.DedupFoldBoundaries
	m := &Module{Pipeline: &ingest.Pipeline{
		Store:     store,
		Normalize: normalizers.Normalize,
		Quota:     &ingest.Quota{Default: ingest.PlanRates["standard"], MinBurst: ingest.DefaultLimits.MaxRecords},
		Metrics:   ingest.NewMetrics(p.Metrics),
		Enrich:    d.Enrich,
	}}
	m.Pipeline.NewGroupCommit(p.Config.IngestGroupWait, p.Config.IngestGroupMaxRecords)
	api := &ingest.API{Pipeline: m.Pipeline}
	api.Register(p.Server.API)
	api.RegisterSources(p.Server.API, p.Config.PublicURL)
	p.AddPruner(ingest.IdempotencyPruner())
	p.AddPruner(ingest.AnalyzePruner())
	if p.Config.SyslogAddr != "" {
		srv := syslogd.NewServer(p.Config.SyslogAddr, m.Pipeline, p.Logger, p.Metrics)
		m.Syslog = srv
		p.AddRunner(srv.Run)
		p.Health.Register(health.Check{Name: "syslog_listener", Run: func(context.Context) (string, error) {
			select {
			case <-srv.Ready():
				return fmt.Sprintf("tcp %s, udp %s", srv.TCPAddr(), srv.UDPAddr()), nil
			default:
				return "", fmt.Errorf("not listening on %s", p.Config.SyslogAddr)
			}
		}})
	}
	if d.Directory != nil {
		p.AddDemo(platform.DemoLoader{Name: "alerts", Load: func(ctx context.Context, p *platform.Platform) (bool, error) {
			return LoadDemo(ctx, p, d.Directory, m.Pipeline)
		}})
	}
	return m, nil
}
