package incident

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// GroupIncident is what the correlation engine opens an incident with.
type GroupIncident struct {
	Title    string
	Severity string // empty: the alerts' highest
	Alerts   []uuid.UUID
	Why      Explanation
}

// OpenCorrelated opens an incident for a correlation group, linking those
// of its alerts that are in no incident yet, each with the explanation.
// It joins the caller's transaction.
func (s *Store) OpenCorrelated(ctx context.Context, scope tenant.Scope, g GroupIncident) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		title := g.Title
		if r := []rune(title); len(r) > MaxTitle {
			title = string(r[:MaxTitle])
		}
		r, err := s.create(ctx, tx, scope, NewIncident{Title: title, Severity: g.Severity}, "correlation.", Provenance{Via: "correlate"})
		if err != nil {
			return err
		}
		why := g.Why
		added, err := s.linkAlerts(ctx, tx, scope, &r, g.Alerts, Provenance{Via: "correlate", Explanation: &why}, "correlation.alerts", s.now(), true)
		if err != nil {
			return err
		}
		if g.Severity == "" {
			if m := s.maxAlertSeverity(ctx, tx, scope, r.ID); m > r.sev {
				r.sev, r.Severity, r.Priority = m, m.String(), defaultPriority(m)
				if err := s.save(ctx, tx, scope, &r); err != nil {
					return err
				}
			}
		}
		id = r.ID
		return s.record(ctx, tx, scope, "incident.create", EventCreated, r.ID, map[string]any{
			"title": r.Title, "severity": r.Severity, "alert_ids": added, "rule": why.Rule, "rule_version": why.RuleVersion, "group_key": why.GroupKey})
	})
	return id, err
}

// AttachCorrelated adds a correlation group's new alerts to its incident
// (following merges to the survivor). It reports false, adding nothing,
// when the incident is no longer open.
func (s *Store) AttachCorrelated(ctx context.Context, scope tenant.Scope, id uuid.UUID, alerts []uuid.UUID, why Explanation) (uuid.UUID, bool, error) {
	ok := false
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		r, err := s.load(ctx, tx, scope, id)
		for hops := 0; err == nil && r.MergedInto != nil && hops < 10; hops++ {
			id = *r.MergedInto
			r, err = s.load(ctx, tx, scope, id)
		}
		if apperr.Is(err, apperr.KindNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !r.Status.Open() || r.MergedInto != nil {
			return nil
		}
		ok = true
		added, err := s.linkAlerts(ctx, tx, scope, &r, alerts, Provenance{Via: "correlate", Explanation: &why}, "correlation.alerts", s.now(), true)
		if err != nil || len(added) == 0 {
			return err
		}
		return s.record(ctx, tx, scope, "incident.link_alerts", EventAlertsLinked, r.ID, map[string]any{"alert_ids": added, "rule": why.Rule, "group_key": why.GroupKey})
	})
	return id, ok, err
}

// OpenIncidentHolding returns an open incident holding one of the alerts
// (the first by alert id), if any.
func (s *Store) OpenIncidentHolding(ctx context.Context, scope tenant.Scope, alerts []uuid.UUID) (*uuid.UUID, error) {
	var out *uuid.UUID
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		owners, err := s.owners(ctx, tx, scope, alerts)
		if err != nil {
			return err
		}
		for _, a := range sortedIDs(alerts) {
			inc, ok := owners[a]
			if !ok {
				continue
			}
			r, err := s.load(ctx, tx, scope, inc)
			if err != nil {
				return fmt.Errorf("incident: holding incident: %w", err)
			}
			if r.Status.Open() && r.MergedInto == nil {
				out = &inc
				return nil
			}
		}
		return nil
	})
	return out, err
}
