// Package report writes what an incident ends in (docs/reports.md): the
// post-incident review of a resolved or closed incident (root cause,
// impact, lessons learned, follow-up tasks) and the incident report,
// exported as Markdown or PDF: summary, timeline grouped by ATT&CK tactic,
// entities and indicators, actions and decisions, the signed evidence
// manifest and the review.
//
// It reads the other domains only through the facades in Deps (incidents,
// evidence, intel matches, member names) and owns one table,
// incident_reviews. Nothing imports it but the composition root.
package report

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/evidence"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Incidents is what the report reads and writes of incidents (the
// incident store satisfies it).
type Incidents interface {
	Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*incident.Incident, error)
	LinkedAlerts(ctx context.Context, scope tenant.Scope, id uuid.UUID, after *uuid.UUID, limit int) ([]incident.LinkedAlert, string, error)
	Timeline(ctx context.Context, scope tenant.Scope, id uuid.UUID, after *uuid.UUID, limit int) ([]incident.StateChange, string, error)
	Notes(ctx context.Context, scope tenant.Scope, id uuid.UUID) ([]incident.Note, error)
	Tasks(ctx context.Context, scope tenant.Scope, id uuid.UUID) ([]incident.Task, error)
	AddTask(ctx context.Context, scope tenant.Scope, id uuid.UUID, in incident.TaskInput) (*incident.Task, error)
}

// Evidence is what the report reads of evidence (the evidence store
// satisfies it).
type Evidence interface {
	// ExportManifestFor signs the incident's manifest and records an
	// exported custody entry per artifact naming purpose.
	ExportManifestFor(ctx context.Context, scope tenant.Scope, incidentID uuid.UUID, purpose string) (*evidence.SignedManifest, error)
}

// Intel returns the threat-intel matches of alerts (optional).
type Intel interface {
	MatchesOfAlerts(ctx context.Context, scope tenant.Scope, alertIDs []uuid.UUID) ([]intel.Match, error)
}

// People names the actors of a report ("user:<id>" → "Name <email>";
// optional).
type People interface {
	DisplayName(ctx context.Context, scope tenant.Scope, user uuid.UUID) (string, error)
}

// Deps are the facades the report module reads through (wired in
// internal/app).
type Deps struct {
	Incidents Incidents
	Evidence  Evidence
	Intel     Intel
	People    People
	// Demo builds the demo incident (optional: none without it).
	Demo *Demo
}

// Module is the constructed report module.
type Module struct {
	db        *db.DB
	incidents Incidents
	evidence  Evidence
	intel     Intel
	people    People
	logger    *slog.Logger
	// Now is the clock (UTC); nil means time.Now.
	Now func() time.Time
}

func (m *Module) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// New builds the module without registering anything.
func New(p *platform.Platform, d Deps) (*Module, error) {
	if d.Incidents == nil || d.Evidence == nil {
		return nil, errors.New("report: the incident and evidence facades are required")
	}
	logger := p.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Module{db: p.DB, incidents: d.Incidents, evidence: d.Evidence, intel: d.Intel, people: d.People, logger: logger}, nil
}

// Register builds the module, adds its operations and, when the demo
// facades are given, the demo incident loader.
func Register(_ context.Context, p *platform.Platform, d Deps) (*Module, error) {
	m, err := New(p, d)
	if err != nil {
		return nil, err
	}
	(&API{Module: m}).Register(p.Server.API)
	if d.Demo != nil {
		p.AddDemo(platform.DemoLoader{Name: "incident report", Load: func(ctx context.Context, _ *platform.Platform) (bool, error) {
			return m.LoadDemo(ctx, d.Demo)
		}})
	}
	return m, nil
}
