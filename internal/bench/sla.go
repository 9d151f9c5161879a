package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/securenexus/securenexus/internal/config"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// SLAOptions configures the SLA benchmark.
type SLAOptions struct {
	Config    config.Config
	Incidents int
	Runs      int
	Timeout   time.Duration
	Logger    *slog.Logger
	Out       io.Writer
}

// SLAResult is what the SLA benchmark measured.
type SLAResult struct {
	// IdleScan is the latency of a breach scan with every clock pending
	// in the future (the partial index answers with nothing).
	IdleScan Percentiles
	// DueScan is how long one scan took to raise every due warning and
	// breach, and Raised how many it raised.
	DueScan time.Duration
	Raised  int
	// ListBreached is the latency of the incident list filtered on
	// sla=breached (50 items, with their SLA status).
	ListBreached Percentiles
}

// RunSLA opens Incidents critical incidents in a fresh org (each with an
// SLA clock), then times the periodic breach scan when nothing is due, one
// scan raising every warning and breach (a warning and a breach of the
// acknowledge target per incident), and the list filtered on sla=breached.
// The scan and list run through the incident module's store, in process.
func RunSLA(ctx context.Context, o SLAOptions) (*SLAResult, error) {
	if o.Incidents <= 0 || o.Runs <= 0 {
		return nil, errors.New("bench: --incidents and --runs must be positive")
	}
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	srv, err := boot(ctx, o.Config, o.Logger, o.Out)
	if err != nil {
		return nil, err
	}
	defer func() { _ = srv.stop() }()
	org, _, err := newOrgWithKey(ctx, srv.app, "Bench SLA", rbac.IncidentsRead)
	if err != nil {
		return nil, err
	}
	st := srv.app.Modules.Incident
	scope := tenant.System(org, "bench")
	t0 := time.Now()
	for i := range o.Incidents {
		if _, err := st.Create(ctx, scope, incident.NewIncident{Title: fmt.Sprintf("bench incident %d", i), Severity: "critical"}); err != nil {
			return nil, fmt.Errorf("bench: create incident: %w", err)
		}
	}
	fmt.Fprintf(o.Out, "opened %d incidents with SLA clocks on %s in %s\n", o.Incidents, srv.app.DB.Dialect, time.Since(t0).Round(time.Millisecond))
	res := &SLAResult{}
	idle := make([]time.Duration, 0, o.Runs)
	for range o.Runs {
		s := time.Now()
		if _, err := st.ScanSLA(ctx, time.Now()); err != nil {
			return nil, err
		}
		idle = append(idle, time.Since(s))
	}
	res.IdleScan = percentiles(idle)
	fmt.Fprintf(o.Out, "breach scan, nothing due (%d clocks pending):  %s\n", o.Incidents, res.IdleScan)
	// Critical incidents acknowledge within 15 minutes: an hour later the
	// warning and the breach of each are due.
	s := time.Now()
	if res.Raised, err = st.ScanSLA(ctx, time.Now().Add(time.Hour)); err != nil {
		return nil, err
	}
	res.DueScan = time.Since(s)
	per := time.Duration(0)
	if res.Raised > 0 {
		per = res.DueScan / time.Duration(res.Raised)
	}
	fmt.Fprintf(o.Out, "breach scan raising %d warnings and breaches: %s (%s each, with event, log, audit and notifications)\n",
		res.Raised, res.DueScan.Round(time.Millisecond), per)
	if res.Raised != 2*o.Incidents {
		return nil, fmt.Errorf("bench: the scan raised %d, want %d", res.Raised, 2*o.Incidents)
	}
	list := make([]time.Duration, 0, o.Runs)
	for range o.Runs {
		s := time.Now()
		items, _, err := st.List(ctx, scope, incident.Query{SLAStates: []string{incident.SLABreached}}, "", 50)
		if err != nil {
			return nil, err
		}
		if len(items) != min(50, o.Incidents) {
			return nil, fmt.Errorf("bench: sla=breached listed %d", len(items))
		}
		list = append(list, time.Since(s))
	}
	res.ListBreached = percentiles(list)
	fmt.Fprintf(o.Out, "incident list sla=breached, 50 items:  %s\n", res.ListBreached)
	return res, nil
}
