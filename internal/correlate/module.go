package correlate

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/intel"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Deps are the facades correlation reads and writes through.
type Deps struct {
	Alerts    AlertReader
	Incidents Incidents
	// Members checks suppression owners (nil: not checked).
	Members Members
	// Manual lists incidents analysts grouped by hand, mined for
	// suggested rules (nil: no suggestions).
	Manual ManualGroupings
	// Intel reads stored threat-intel matches for backtests of
	// intel_match rules (nil: they are refused).
	Intel IntelMatches
}

// IntelMatches is the intel module's facade over stored matches
// (intel.Store.MatchesOfAlerts).
type IntelMatches interface {
	MatchesOfAlerts(ctx context.Context, scope tenant.Scope, alertIDs []uuid.UUID) ([]intel.Match, error)
}

// Register wires the rule API, the periodic suggestion-mining job, the
// alert.ingested.v1 consumer that feeds the engine and the
// intel.matched.v1 consumer that feeds the intel_match rules (a River job
// per event, idempotent by event id).
func Register(_ context.Context, p *platform.Platform, d Deps) (*Engine, error) {
	eng := &Engine{DB: p.DB, Alerts: d.Alerts, Incidents: d.Incidents}
	rules := &Rules{DB: p.DB, Alerts: d.Alerts, Intel: d.Intel}
	if d.Manual != nil {
		eng.Suggestions = &Suggestions{DB: p.DB, Rules: rules, Manual: d.Manual}
	}
	(&API{Rules: rules, Candidates: &Candidates{DB: p.DB, Incidents: d.Incidents},
		Suppressions: &Suppressions{DB: p.DB, Alerts: d.Alerts, Members: d.Members}, Suggestions: eng.Suggestions}).Register(p.Server.API)
	if p.Workers != nil && eng.Suggestions != nil {
		river.AddWorker(p.Workers, &Miner{Suggestions: eng.Suggestions, Logger: p.Logger})
		p.AddPeriodic(MinePeriodic(time.Hour))
	}
	if p.Events == nil {
		return eng, nil
	}
	err := p.Events.Consume("correlate", []events.Kind{events.AlertIngested.Kind()}, func(ctx context.Context, _ *db.Tx, e events.Event) error {
		in, err := events.AlertIngested.Decode(e)
		if err != nil {
			return err
		}
		ids := append(slices.Clone(in.Created), in.Updated...)
		if len(ids) == 0 {
			return nil
		}
		_, err = eng.Process(ctx, tenant.System(e.Org, "correlate"), ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("correlate: consume: %w", err)
	}
	// Threat-intel matches feed the intel_match rules.
	err = p.Events.Consume("correlate-intel", []events.Kind{intel.EventMatched.Kind()}, func(ctx context.Context, _ *db.Tx, e events.Event) error {
		in, err := intel.EventMatched.Decode(e)
		if err != nil {
			return err
		}
		_, err = eng.ProcessMatches(ctx, tenant.System(e.Org, "correlate"), []IntelHit{HitOf(in)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("correlate: consume intel: %w", err)
	}
	return eng, nil
}
