package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/identity"
	"github.com/securenexus/securenexus/internal/ingest"
	"github.com/securenexus/securenexus/internal/platform"
	"github.com/securenexus/securenexus/internal/tenant"
)

// DemoAlerts is how many demo payloads are ingested into the demo org.
const DemoAlerts = 300

// LoadDemo ingests a few hundred realistic alerts (Suricata, GuardDuty,
// CEF, generic EDR) into the demo org and adds a loopback syslog source.
// It does nothing when the demo org already has alerts.
func LoadDemo(ctx context.Context, p *platform.Platform, orgs DemoOrgs, pipeline *ingest.Pipeline) error {
	org, err := orgs.DemoOrg(ctx, identity.DemoOrgAcme)
	if err != nil {
		return fmt.Errorf("alerts demo: find demo org %q: %w", identity.DemoOrgAcme, err)
	}
	scope := tenant.System(org.ID, "demo")
	var n int
	if err := p.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE org_id = $1`, org.ID.String()).Scan(&n)
	}); err != nil {
		return fmt.Errorf("alerts demo: count: %w", err)
	}
	if n > 0 {
		return nil
	}
	_, _, err = pipeline.Store.CreateSource(ctx, scope, ingest.SourceConfigInput{Name: "Loopback syslog", Kind: ingest.KindSyslog, AllowedCIDRs: []string{"127.0.0.0/8", "::1/128"}})
	if err != nil && !apperr.Is(err, apperr.KindConflict) {
		return fmt.Errorf("alerts demo: syslog source: %w", err)
	}
	samples := ingest.Samples(42, DemoAlerts, 15, time.Now())
	recs := make([][]byte, len(samples))
	for i, s := range samples {
		recs[i] = s.Raw
	}
	sum, err := pipeline.Ingest(ctx, scope, nil, "", "demo", recs)
	if err != nil {
		return fmt.Errorf("alerts demo: ingest: %w", err)
	}
	if sum.Rejected > 0 {
		return fmt.Errorf("alerts demo: %d demo payloads rejected, first: %+v", sum.Rejected, firstRejected(sum))
	}
	return nil
}

func firstRejected(s *ingest.BatchSummary) ingest.RecordResult {
	for _, r := range s.Results {
		if r.Status == ingest.StatusRejected {
			return r
		}
	}
	return ingest.RecordResult{}
}
