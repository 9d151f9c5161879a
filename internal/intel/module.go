package intel

import (
	"context"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/platform/egress"
)

// Module is the constructed intel module.
type Module struct {
	Store     *Store
	Matcher   *Matcher
	Hunter    *Hunter
	Refresher *Refresher
}

// feedPolicy is the egress policy of feed pulls: large bodies (feeds are
// documents of up to 64 MiB), a few redirects, retries of idempotent calls.
func feedPolicy(allowPrivate bool) egress.Policy {
	return egress.Policy{Name: "intel_feed", Timeout: 5 * time.Minute, MaxBody: 64 << 20, MaxRedirects: 3, Retries: 2,
		Development: func() bool { return allowPrivate }}
}

// New builds the intel module on p: its operations, the retro-hunt worker
// and the index refresher. Its Matcher is the ingest pipeline's Enricher.
func New(_ context.Context, p *platform.Platform) (*Module, error) {
	model := DefaultDecay()
	if err := model.ParseLifetimes(p.Config.IntelDecayLifetimes); err != nil {
		return nil, err
	}
	if p.Config.IntelDecayThreshold > 0 {
		model.Threshold = float64(p.Config.IntelDecayThreshold)
	}
	store := &Store{DB: p.DB, Keyring: p.Keyring, Decay: &model, FanOutLimit: p.Config.IntelFanOutLimit}
	policy := Policy{RaiseTo: alert.SeverityHigh, MinConfidence: 50}
	if sev, ok := alert.ParseSeverity(p.Config.IntelRaiseSeverity); ok {
		policy.RaiseTo = sev
	} else if p.Config.IntelRaiseSeverity == "none" {
		policy.RaiseTo = 0
	}
	policy.MinConfidence = p.Config.IntelRaiseMinConfidence
	m := &Module{Store: store, Matcher: NewMatcher(store, policy, p.Logger)}
	store.OnChange = m.Matcher.Apply
	store.OnAllowChange = m.Matcher.ReloadAllow
	m.Hunter = &Hunter{Store: store, Jobs: p.Jobs, Days: p.Config.IntelRetroHuntDays, Policy: m.Matcher}
	if p.Workers != nil {
		river.AddWorker(p.Workers, m.Hunter)
	}
	m.Refresher = &Refresher{Store: store, Hunter: m.Hunter, Logger: p.Logger}
	if p.Egress != nil {
		m.Refresher.HTTP = p.Egress.HTTPClient(feedPolicy(p.Config.IntelFeedsAllowPrivate))
	}
	if p.Workers != nil {
		river.AddWorker(p.Workers, &FeedRefreshWorker{Refresher: m.Refresher})
		river.AddWorker(p.Workers, &FeedScheduler{Store: store, Jobs: p.Jobs})
		p.AddPeriodic(FeedSchedulePeriodic(time.Minute))
		river.AddWorker(p.Workers, &Expirer{Store: store})
		p.AddPeriodic(ExpirePeriodic(time.Hour))
	}
	(&API{Store: store, Hunter: m.Hunter, Matcher: m.Matcher, Refresher: m.Refresher, Jobs: p.Jobs}).Register(p.Server.API)
	interval := p.Config.IntelIndexRefresh
	if interval <= 0 {
		interval = 5 * time.Second
	}
	p.AddRunner(m.Matcher.Run(interval))
	return m, nil
}

// RegisterSharing adds the incident STIX export and the TAXII 2.1 server;
// it runs after the incident module is built (incidents gives an
// incident's alerts).
func (m *Module) RegisterSharing(p *platform.Platform, incidents Incidents) {
	(&SharingAPI{Store: m.Store, Incidents: incidents}).Register(p.Server.API)
}

func itoa(i int) string { return strconv.Itoa(i) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}
