package correlate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/incident"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Candidate statuses.
const (
	CandidatePending  = "pending"
	CandidateAccepted = "accepted"
	CandidateRejected = "rejected"
)

// Candidate is an incident a rule with outcome propose suggests: an
// analyst accepts it (an incident with its alerts opens) or rejects it.
type Candidate struct {
	ID          uuid.UUID            `json:"id"`
	Rule        string               `json:"rule"`
	RuleVersion int                  `json:"rule_version"`
	GroupID     uuid.UUID            `json:"group_id"`
	GroupKey    string               `json:"group_key"`
	Title       string               `json:"title"`
	Severity    string               `json:"severity,omitempty" doc:"The rule's severity; empty: the incident takes the alerts' highest"`
	AlertCount  int                  `json:"alert_count"`
	AlertIDs    []uuid.UUID          `json:"alert_ids" doc:"At most 1000 (the storm cap)"`
	Explanation incident.Explanation `json:"explanation"`
	Status      string               `json:"status" enum:"pending,accepted,rejected"`
	IncidentID  *uuid.UUID           `json:"incident_id,omitempty"`
	DecidedBy   string               `json:"decided_by,omitempty"`
	DecidedAt   *time.Time           `json:"decided_at,omitempty"`
	Reason      string               `json:"reason,omitempty"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
}

// propose makes (or refreshes) the group's candidate; a rejected group
// proposes nothing again.
func (e *Engine) propose(ctx context.Context, tx *db.Tx, scope tenant.Scope, g *group, ms []groupAlert, why incident.Explanation, now time.Time) (*uuid.UUID, error) {
	org := scope.Org().String()
	ids := make([]uuid.UUID, 0, min(len(ms), StormLinkCap))
	for _, m := range ms[:min(len(ms), StormLinkCap)] {
		ids = append(ids, m.ID)
	}
	var id uuid.UUID
	var status string
	err := tx.QueryRowContext(ctx, `SELECT id, status FROM correlation_candidates WHERE org_id = $1 AND group_id = $2`, org, g.ID.String()).Scan(&id, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = uuid.Must(uuid.NewV7())
		c := CandidateV1{CandidateID: id, Rule: g.Rule.Key, GroupKey: g.Key, Status: CandidatePending, AlertCount: g.Count}
		if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_candidates (id, org_id, group_id, rule_key, rule_version, group_key, title, severity, alert_count, alert_ids, explanation, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $12)`, id.String(), org, g.ID.String(), g.Rule.Key, g.Rule.Version, g.Key,
			g.Rule.Name+": "+readableKey(g.Key), g.Rule.Severity, g.Count, mustJSON(ids), mustJSON(why), now); err != nil {
			return nil, fmt.Errorf("correlate: propose: %w", err)
		}
		if err := recordCandidate(ctx, tx, scope, "correlation.candidate.propose", EventCandidateProposed, c); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("correlate: find candidate: %w", err)
	case status == CandidatePending:
		if _, err := tx.ExecContext(ctx, `UPDATE correlation_candidates SET rule_version = $3, alert_count = $4, alert_ids = $5, explanation = $6, updated_at = $7
WHERE org_id = $1 AND id = $2`, org, id.String(), g.Rule.Version, g.Count, mustJSON(ids), mustJSON(why), now); err != nil {
			return nil, fmt.Errorf("correlate: refresh candidate: %w", err)
		}
	}
	return &id, e.saveExplanation(ctx, tx, scope, g, &why)
}

func recordCandidate(ctx context.Context, tx *db.Tx, scope tenant.Scope, action string, def events.Def[CandidateV1], c CandidateV1) error {
	details, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("correlate: encode candidate: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: action,
		TargetType: "correlation_candidate", TargetID: c.CandidateID.String(), Details: details}); err != nil {
		return err
	}
	_, err = events.Append(ctx, tx, scope, def, events.Subject("correlation_candidate", c.CandidateID), c)
	return err
}

// Candidates is the candidate store: list, accept, reject.
type Candidates struct {
	DB        *db.DB
	Incidents Incidents
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Candidates) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

const candidateCols = `id, rule_key, rule_version, group_id, group_key, title, severity, alert_count, alert_ids, explanation, status, incident_id, decided_by, decided_at, reason, created_at, updated_at`

func scanCandidate(sc interface{ Scan(...any) error }) (Candidate, error) {
	var c Candidate
	var ids, ex string
	var inc, by sql.NullString
	var at sql.NullTime
	if err := sc.Scan(&c.ID, &c.Rule, &c.RuleVersion, &c.GroupID, &c.GroupKey, &c.Title, &c.Severity, &c.AlertCount, &ids, &ex, &c.Status,
		&inc, &by, &at, &c.Reason, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, fmt.Errorf("correlate: scan candidate: %w", err)
	}
	if err := errors.Join(json.Unmarshal([]byte(ids), &c.AlertIDs), json.Unmarshal([]byte(ex), &c.Explanation)); err != nil {
		return c, fmt.Errorf("correlate: decode candidate: %w", err)
	}
	if inc.Valid {
		u, err := uuid.Parse(inc.String)
		if err != nil {
			return c, fmt.Errorf("correlate: candidate incident: %w", err)
		}
		c.IncidentID = &u
	}
	c.DecidedBy = by.String
	if at.Valid {
		t := at.Time.UTC()
		c.DecidedAt = &t
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// idCursor is the keyset position of the id-ordered lists (UUIDv7 ids
// order by creation).
type idCursor struct {
	ID uuid.UUID `json:"i"`
}

const candidateCursor = "correlation-candidates"

// List returns the scope's candidates (newest first), of one status when
// status is not empty.
func (s *Candidates) List(ctx context.Context, scope tenant.Scope, status, after string, limit int) ([]Candidate, string, error) {
	limit = page.Limit(limit, 50, 200)
	q := `SELECT ` + candidateCols + ` FROM correlation_candidates WHERE org_id = $1`
	args := []any{scope.Org().String()}
	if status != "" {
		args = append(args, status)
		q += fmt.Sprintf(" AND status = $%d", len(args))
	}
	if after != "" {
		c, err := page.Decode[idCursor](candidateCursor, after)
		if err != nil {
			return nil, "", err
		}
		args = append(args, c.ID.String())
		q += fmt.Sprintf(" AND id < $%d", len(args))
	}
	args = append(args, limit+1)
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	var out []Candidate
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("correlate: list candidates: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			c, err := scanCandidate(rs)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, "", err
	}
	items, next := page.Trim(candidateCursor, out, limit, func(c Candidate) idCursor { return idCursor{c.ID} })
	return items, next, nil
}

func loadCandidate(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID, lock bool) (Candidate, error) {
	q := `SELECT ` + candidateCols + ` FROM correlation_candidates WHERE org_id = $1 AND id = $2`
	if lock && tx.Dialect == db.Postgres {
		q += " FOR UPDATE"
	}
	c, err := scanCandidate(tx.QueryRowContext(ctx, q, scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFound("incident candidate")
	}
	return c, err
}

// Get returns one candidate.
func (s *Candidates) Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Candidate, error) {
	var c Candidate
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		c, err = loadCandidate(ctx, tx, scope, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Accept opens the candidate's incident with the group's alerts (up to the
// storm cap, those in no incident yet) and the explanation; the group's
// later alerts attach to it.
func (s *Candidates) Accept(ctx context.Context, scope tenant.Scope, id uuid.UUID, title string) (*Candidate, error) {
	title = strings.TrimSpace(title)
	if len([]rune(title)) > incident.MaxTitle {
		return nil, apperr.Validation("invalid accept", apperr.Field("body.title", fmt.Sprintf("at most %d characters", incident.MaxTitle)))
	}
	var c Candidate
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if c, err = loadCandidate(ctx, tx, scope, id, true); err != nil {
			return err
		}
		if c.Status != CandidatePending {
			return apperr.Conflict("the candidate was already " + c.Status).WithCode("candidate_decided")
		}
		lock := ""
		if tx.Dialect == db.Postgres {
			lock = " FOR UPDATE"
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT alert_count FROM correlation_groups WHERE org_id = $1 AND id = $2`+lock, scope.Org().String(), c.GroupID.String()).Scan(&n); err != nil {
			return fmt.Errorf("correlate: candidate group: %w", err)
		}
		ms, err := memberRows(ctx, tx, scope, c.GroupID)
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, 0, min(len(ms), StormLinkCap))
		for _, m := range ms[:min(len(ms), StormLinkCap)] {
			ids = append(ids, m.ID)
		}
		if title == "" {
			title = c.Title
		}
		inc, err := s.Incidents.OpenCorrelated(ctx, scope, incident.GroupIncident{Title: title, Severity: c.Severity, Alerts: ids, Why: c.Explanation})
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE correlation_groups SET incident_id = $3 WHERE org_id = $1 AND id = $2`, scope.Org().String(), c.GroupID.String(), inc.String()); err != nil {
			return fmt.Errorf("correlate: group incident: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE correlation_candidates SET status = 'accepted', incident_id = $3, decided_by = $4, decided_at = $5, updated_at = $5, alert_count = $6, alert_ids = $7
WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String(), inc.String(), scope.Actor(), now, n, mustJSON(ids)); err != nil {
			return fmt.Errorf("correlate: accept candidate: %w", err)
		}
		c.Status, c.IncidentID, c.DecidedBy, c.DecidedAt, c.UpdatedAt, c.AlertCount, c.AlertIDs = CandidateAccepted, &inc, scope.Actor(), &now, now, n, ids
		return recordCandidate(ctx, tx, scope, "correlation.candidate.accept", EventCandidateAccepted,
			CandidateV1{CandidateID: id, Rule: c.Rule, GroupKey: c.GroupKey, Status: c.Status, AlertCount: n, IncidentID: &inc})
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Reject records an analyst's rejection (with a reason); the group
// proposes nothing again.
func (s *Candidates) Reject(ctx context.Context, scope tenant.Scope, id uuid.UUID, reason string) (*Candidate, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return nil, apperr.Validation("invalid reject", apperr.Field("body.reason", "say why (1 to 500 characters)"))
	}
	var c Candidate
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if c, err = loadCandidate(ctx, tx, scope, id, true); err != nil {
			return err
		}
		if c.Status != CandidatePending {
			return apperr.Conflict("the candidate was already " + c.Status).WithCode("candidate_decided")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE correlation_candidates SET status = 'rejected', decided_by = $3, decided_at = $4, updated_at = $4, reason = $5
WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String(), scope.Actor(), now, reason); err != nil {
			return fmt.Errorf("correlate: reject candidate: %w", err)
		}
		c.Status, c.DecidedBy, c.DecidedAt, c.UpdatedAt, c.Reason = CandidateRejected, scope.Actor(), &now, now, reason
		return recordCandidate(ctx, tx, scope, "correlation.candidate.reject", EventCandidateRejected,
			CandidateV1{CandidateID: id, Rule: c.Rule, GroupKey: c.GroupKey, Status: c.Status, AlertCount: c.AlertCount})
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}
