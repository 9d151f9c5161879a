package app

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alerts"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/correlate"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/intake"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/investigate"
	"github.com/securenexus/securenexus/internal/normalize"
	"github.com/securenexus/securenexus/internal/platform/plugin"
	"github.com/securenexus/securenexus/internal/report"
	"github.com/securenexus/securenexus/internal/tenant"
	"github.com/securenexus/securenexus/internal/timeline"
)

// Modules are the constructed domain modules, for commands that act through
// them (user administration, benchmarks) instead of building stores.
type Modules struct {
	Identity  *identity.Service
	Intake    *intake.Module
	Alerts    *alerts.API
	Incident  *incident.Store
	Correlate *correlate.Engine
	Evidence  *evidence.Store
	Timeline  *timeline.Store
	Intel     *intel.Module
	Report    *report.Module
	// Investigate serves the entity pages and graph.
	Investigate *investigate.Store
}

// registerModules constructs every domain module in dependency order, each
// given what it needs from the ones before it (its Deps), and registers its
// operations, workers, periodic jobs, pruners, health checks and demo data
// on the platform. Identity comes first: it installs the guard every other
// module's operations rely on.
func (a *App) registerModules(ctx context.Context) (err error) {
	p, m := a.Platform, &a.Modules
	if m.Identity, err = identity.RegisterService(ctx, p); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	directory := m.Identity.Directory()
	if err = audit.Register(ctx, p); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	// Plugin registries are filled here, explicitly (no init()).
	normalizers := plugin.New[normalize.Normalizer](normalize.Kind)
	if err = normalize.Register(normalizers); err != nil {
		return err
	}
	if m.Intel, err = intel.New(ctx, p); err != nil {
		return fmt.Errorf("intel: %w", err)
	}
	if m.Intake, err = intake.New(p, intake.Deps{Directory: directory, Normalizers: normalizers, Enrich: m.Intel.Matcher}); err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	if m.Alerts, err = alerts.New(p, alerts.Deps{Directory: directory}); err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	if m.Incident, err = incident.Register(ctx, p, incident.Deps{Members: orgMembers{directory}, Alerts: m.Alerts.Store,
		Roles: roleMembers{directory}, AlertStats: m.Alerts.Store}); err != nil {
		return fmt.Errorf("incident: %w", err)
	}
	m.Intel.RegisterSharing(p, incidentAlerts{m.Incident})
	if m.Evidence, err = evidence.Register(ctx, p, evidence.Deps{Incidents: incidentExists{m.Incident}}); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if m.Timeline, err = timeline.Register(ctx, p, timeline.Deps{Names: viewerNames{directory}}); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	if m.Correlate, err = correlate.Register(ctx, p, correlate.Deps{Alerts: m.Alerts.Store, Incidents: m.Incident, Members: orgMembers{directory}, Manual: m.Incident, Intel: m.Intel.Store}); err != nil {
		return fmt.Errorf("correlate: %w", err)
	}
	if m.Report, err = report.Register(ctx, p, report.Deps{Incidents: m.Incident, Evidence: m.Evidence, Intel: m.Intel.Store,
		People: memberNames{directory}, Demo: &report.Demo{Org: func(ctx context.Context) (uuid.UUID, error) {
			o, err := directory.DemoOrg(ctx, identity.DemoOrgAcme)
			return o.ID, err
		}, Alerts: m.Alerts.Store, Incidents: m.Incident, Evidence: m.Evidence}}); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if m.Investigate, err = investigate.Register(p, investigate.Deps{Alerts: m.Alerts.Store, Incidents: m.Incident,
		Intel: intelLookup{m.Intel.Matcher}, Caller: callerPermissions}); err != nil {
		return fmt.Errorf("investigate: %w", err)
	}
	if err = registerStream(p); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	return nil
}

// incidentAlerts is the intel module's view of incidents (STIX export):
// an incident's alerts with their entities, at most 10,000.
type incidentAlerts struct{ s *incident.Store }

func (i incidentAlerts) IncidentAlerts(ctx context.Context, scope tenant.Scope, id uuid.UUID) ([]intel.IncidentAlert, error) {
	var out []intel.IncidentAlert
	var after *uuid.UUID
	for len(out) < 10000 {
		page, next, err := i.s.LinkedAlerts(ctx, scope, id, after, 500)
		if err != nil {
			return nil, err
		}
		for _, la := range page {
			out = append(out, intel.IncidentAlert{ID: la.AlertID, EventTime: la.EventTime, Entities: la.Entities})
		}
		if next == "" {
			break
		}
		last := page[len(page)-1].AlertID
		after = &last
	}
	return out, nil
}

// incidentExists is the evidence module's view of incidents: whether one
// belongs to the caller's org.
type incidentExists struct{ s *incident.Store }

func (i incidentExists) Exists(ctx context.Context, scope tenant.Scope, id uuid.UUID) error {
	_, err := i.s.Get(ctx, scope, id)
	return err
}

// memberNames is the report module's view of identity: a member's name
// and e-mail address.
type memberNames struct{ dir *identity.Directory }

func (m memberNames) DisplayName(ctx context.Context, scope tenant.Scope, user uuid.UUID) (string, error) {
	mb, err := m.dir.Member(ctx, scope, user)
	if err != nil {
		return "", err
	}
	if mb.Name == "" {
		return mb.Email, nil
	}
	return mb.Name + " <" + mb.Email + ">", nil
}
