package alerts

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/health"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/syslogd"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Register wires the alert domain: intake (single, batch, webhooks), the
// syslog listener when configured, source management, the alert query and
// update API, the idempotency pruner and the demo alerts.
func Register(ctx context.Context, p *platform.Platform) error {
	store := ingest.NewStore(p.DB, p.Secret)
	store.FoldBoundaries = p.Config.DedupFoldBoundaries
	pipeline := &ingest.Pipeline{
		Store:     store,
		Normalize: normalize.Normalize,
		Quota:     &ingest.Quota{Default: ingest.PlanRates["standard"], MinBurst: ingest.DefaultLimits.MaxRecords},
		Metrics:   ingest.NewMetrics(p.Metrics),
	}
	intake := &ingest.API{Pipeline: pipeline}
	intake.Register(p.Server.API)
	intake.RegisterSources(p.Server.API, p.Config.PublicURL)
	members, err := identity.NewStore(p.DB, p.Secret)
	if err != nil {
		return fmt.Errorf("alerts: identity store: %w", err)
	}
	// An assignee must be a member whose role can act on alerts: the same
	// rule the assignee picker lists by.
	alertStore := &Store{DB: p.DB, Assignable: func(ctx context.Context, scope tenant.Scope, userID uuid.UUID) error {
		m, err := members.Member(ctx, scope, userID)
		if err != nil {
			return err
		}
		perms, err := members.RolePermissions(ctx, scope, m.Role)
		if err != nil {
			return err
		}
		if !perms.Has(rbac.AlertsWrite) {
			return apperr.NotFound("assignable member")
		}
		return nil
	}}
	(&API{Store: alertStore, Members: members}).Register(p.Server.API)
	p.AddPruner(ingest.IdempotencyPruner())
	if p.Config.SyslogAddr != "" {
		srv := syslogd.NewServer(p.Config.SyslogAddr, pipeline, p.Logger, p.Metrics)
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
	p.AddDemo(platform.DemoLoader{Name: "alerts", Load: func(ctx context.Context, p *platform.Platform) error {
		return LoadDemo(ctx, p, pipeline)
	}})
	return nil
}
