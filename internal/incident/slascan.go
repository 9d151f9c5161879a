package incident

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// RoleMembers lists the members of the scope's org holding a role (the
// identity domain, through a facade wired in internal/app): SLA
// escalation notifies them.
type RoleMembers interface {
	MembersWithRole(ctx context.Context, scope tenant.Scope, role string) ([]uuid.UUID, error)
}

// slaScanBatch is how many due clocks one round of the scan handles.
const slaScanBatch = 200

// SLAScanArgs is the periodic SLA breach scan.
type SLAScanArgs struct{}

// Kind implements river.JobArgs.
func (SLAScanArgs) Kind() string { return "incident_sla_scan" }

// SLAScanner works the scan job.
type SLAScanner struct {
	river.WorkerDefaults[SLAScanArgs]
	Store  *Store
	Logger *slog.Logger
}

// Work implements river.Worker.
func (w *SLAScanner) Work(ctx context.Context, _ *river.Job[SLAScanArgs]) error {
	n, err := w.Store.ScanSLA(ctx, w.Store.now())
	if n > 0 && w.Logger != nil {
		w.Logger.InfoContext(ctx, "incident SLA scan", slog.Int("raised", n))
	}
	return err
}

// SLAScanPeriodic schedules the scan every interval.
func SLAScanPeriodic(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return SLAScanArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true, ID: "incident_sla_scan"})
}

type dueClock struct{ org, incident uuid.UUID }

// dueClocks lists clocks of every org with a warning or breach due at now,
// through the partial index on next_check_at (on PostgreSQL a definer
// function: the table forces row-level security and the scan spans orgs).
func (s *Store) dueClocks(ctx context.Context, now time.Time, limit int) ([]dueClock, error) {
	var out []dueClock
	err := s.DB.Read(ctx, func(ctx context.Context, tx *db.Tx) error {
		q := `SELECT org_id, incident_id FROM incident_sla WHERE next_check_at IS NOT NULL AND next_check_at <= $1 ORDER BY next_check_at LIMIT $2`
		if tx.Dialect == db.Postgres {
			q = `SELECT org_id, incident_id FROM incident_sla_due($1, $2)`
		}
		rs, err := tx.QueryContext(ctx, q, now.UTC(), limit)
		if err != nil {
			return err
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var d dueClock
			if err := rs.Scan(&d.org, &d.incident); err != nil {
				return err
			}
			out = append(out, d)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("incident: list due SLA clocks: %w", err)
	}
	return out, nil
}

// ScanSLA raises every SLA warning and breach due at now and returns how
// many it raised. Replicas may scan at once: each is raised by exactly one
// of them (a conditional UPDATE of its raised-at column, in the
// transaction that writes its event, log entry and notifications).
func (s *Store) ScanSLA(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for range 50 {
		due, err := s.dueClocks(ctx, now, slaScanBatch)
		if err != nil {
			return total, err
		}
		for _, d := range due {
			n, err := s.raiseDue(ctx, tenant.System(d.org, "sla"), d.incident, now)
			if err != nil {
				return total, err
			}
			total += n
		}
		if len(due) < slaScanBatch {
			break
		}
	}
	return total, nil
}

// raiseDue raises what is due on one incident's clock and replans its next
// check.
func (s *Store) raiseDue(ctx context.Context, scope tenant.Scope, id uuid.UUID, now time.Time) (int, error) {
	n := 0
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		// Lock order as in a user's change: the incident, then its clock.
		r, err := s.load(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		c, ok, err := s.loadClock(ctx, tx, scope, id)
		if err != nil || !ok {
			return err
		}
		for _, st := range c.pending() {
			if now.Before(*st.at) {
				continue
			}
			raised, err := s.raise(ctx, tx, scope, &r, &c, st, now)
			if err != nil {
				return err
			}
			if raised {
				n++
			}
		}
		next := c.NextCheckAt
		c.NextCheckAt = nil
		for _, p := range c.pending() {
			if c.NextCheckAt == nil || p.at.Before(*c.NextCheckAt) {
				t := *p.at
				c.NextCheckAt = &t
			}
		}
		if timeArg(next) == timeArg(c.NextCheckAt) {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE incident_sla SET next_check_at = $3 WHERE org_id = $1 AND incident_id = $2`,
			scope.Org().String(), id.String(), timeArg(c.NextCheckAt))
		if err != nil {
			return fmt.Errorf("incident: plan next SLA check: %w", err)
		}
		return nil
	})
	return n, err
}

// raise records one warning or breach once: the conditional UPDATE claims
// it, and only the claiming transaction writes its log entry, audit entry,
// event and notifications.
func (s *Store) raise(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row, c *clock, st stage, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE incident_sla SET `+st.col+` = $3 WHERE org_id = $1 AND incident_id = $2 AND `+st.col+` IS NULL`,
		scope.Org().String(), r.ID.String(), now)
	if err != nil {
		return false, fmt.Errorf("incident: raise SLA %s: %w", st.col, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	t := now
	*st.raised = &t
	kind, action, ev, what := "sla_warning", "incident.sla_warning", EventSLAWarning, "SLA warning"
	if st.breach {
		kind, action, ev, what = "sla_breached", "incident.sla_breach", EventSLABreached, "SLA breached"
	}
	recipients, err := s.escalationTargets(ctx, scope, r, c, st.breach)
	if err != nil {
		return false, err
	}
	details := map[string]any{"target": st.target, "due_at": c.dueOf(st.target), "policy": c.PolicyName, "notified": recipients}
	if err := s.log(ctx, tx, scope, r.ID, now, kind, "", st.target, details); err != nil {
		return false, err
	}
	if err := s.record(ctx, tx, scope, action, ev, r.ID, details); err != nil {
		return false, err
	}
	msg := fmt.Sprintf("%s: %s of incident %q", what, st.target, r.Title)
	if due := c.dueOf(st.target); due != nil {
		msg += " due " + due.Format(time.RFC3339)
	}
	nkind := "sla_warning"
	if st.breach {
		nkind = "sla_breach"
	}
	for _, u := range recipients {
		if err := s.notify(ctx, tx, scope, u, nkind, &r.ID, msg, details, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (c *clock) dueOf(target string) *time.Time {
	if target == "resolve" {
		return c.ResolveDueAt
	}
	return c.AckDueAt
}

// escalationTargets are the members to notify: the assignee, and on a
// breach (or when nobody is assigned) the members of the policy's
// escalation role.
func (s *Store) escalationTargets(ctx context.Context, scope tenant.Scope, r *row, c *clock, breach bool) ([]uuid.UUID, error) {
	out := []uuid.UUID{}
	if r.Assignee != nil {
		out = append(out, *r.Assignee)
	}
	if (breach || r.Assignee == nil) && c.EscalationRole != "" && s.Roles != nil {
		members, err := s.Roles.MembersWithRole(ctx, scope, c.EscalationRole)
		if err != nil {
			return nil, fmt.Errorf("incident: escalation role members: %w", err)
		}
		out = append(out, members...)
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out), nil
}
