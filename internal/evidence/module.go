package evidence

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/platform"
)

// Deps are what the evidence module reads from other domains.
type Deps struct {
	Incidents Incidents
}

// Register builds the store, adds the API and the periodic
// re-verification job, and returns the store.
func Register(_ context.Context, p *platform.Platform, d Deps) (*Store, error) {
	if d.Incidents == nil {
		return nil, errors.New("evidence: no incident facade")
	}
	if p.Blob == nil {
		return nil, errors.New("evidence: no blob store")
	}
	s := &Store{DB: p.DB, Blob: p.Blob, Keys: p.Keyring, Incidents: d.Incidents, MaxSize: p.Config.EvidenceMaxSize, Logger: p.Logger}
	(&API{Store: s, Logger: p.Logger}).Register(p.Server.API)
	river.AddWorker(p.Workers, &VerifyWorker{Store: s, Interval: p.Config.EvidenceVerifyInterval})
	every := min(max(p.Config.EvidenceVerifyInterval/24, time.Minute), time.Hour)
	p.AddPeriodic(VerifyPeriodic(every))
	return s, nil
}
