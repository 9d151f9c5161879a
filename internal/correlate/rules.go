package correlate

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// MaxOrgRules bounds an org's own rules and edits.
const MaxOrgRules = 200

// loadRules returns the org's effective rules: its edits and own rules,
// and the shipped rules it did not edit, by key.
func loadRules(ctx context.Context, tx *db.Tx, scope tenant.Scope) ([]CorrelationRule, error) {
	rs, err := tx.QueryContext(ctx, `SELECT definition FROM correlation_rules WHERE org_id = $1 ORDER BY key`, scope.Org().String())
	if err != nil {
		return nil, fmt.Errorf("correlate: load rules: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var out []CorrelationRule
	for rs.Next() {
		var def string
		if err := rs.Scan(&def); err != nil {
			return nil, fmt.Errorf("correlate: scan rule: %w", err)
		}
		var r CorrelationRule
		if err := json.Unmarshal([]byte(def), &r); err != nil {
			return nil, fmt.Errorf("correlate: decode rule: %w", err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("correlate: load rules: %w", err)
	}
	for _, sh := range Shipped() {
		if !slices.ContainsFunc(out, func(r CorrelationRule) bool { return r.Key == sh.Key }) {
			out = append(out, sh)
		}
	}
	slices.SortFunc(out, func(a, b CorrelationRule) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Rules is the rule store (and the "why grouped" reader).
type Rules struct {
	DB     *db.DB
	Alerts AlertReader
	// Intel reads stored threat-intel matches, for backtests of
	// intel_match rules (nil: they cannot be backtested).
	Intel IntelMatches
}

// List returns the org's effective rules.
func (s *Rules) List(ctx context.Context, scope tenant.Scope) ([]CorrelationRule, error) {
	var out []CorrelationRule
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = loadRules(ctx, tx, scope)
		return err
	})
	return out, err
}

// Get returns one effective rule by key.
func (s *Rules) Get(ctx context.Context, scope tenant.Scope, key string) (*CorrelationRule, error) {
	rules, err := s.List(ctx, scope)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if r.Key == key {
			return &r, nil
		}
	}
	return nil, apperr.NotFound("correlation rule")
}

func isShipped(key string) bool {
	return slices.ContainsFunc(shippedRules, func(r CorrelationRule) bool { return r.Key == key })
}

// Put creates or replaces the org's version of a rule (a shipped key makes
// the org's edit of it); the version is the previous one plus one.
func (s *Rules) Put(ctx context.Context, scope tenant.Scope, r CorrelationRule, create bool) (*CorrelationRule, error) {
	r.Shipped = isShipped(r.Key)
	if err := r.Validate("body."); err != nil {
		return nil, err
	}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rules, err := loadRules(ctx, tx, scope)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(rules, func(x CorrelationRule) bool { return x.Key == r.Key })
		var stored int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM correlation_rules WHERE org_id = $1 AND key = $2`, scope.Org().String(), r.Key).Scan(&stored); err != nil {
			return fmt.Errorf("correlate: rule exists: %w", err)
		}
		switch {
		case create && stored > 0:
			return apperr.Conflict("the org already has rule " + r.Key + ": change it instead").WithCode("rule_exists")
		case create && i >= 0 && !r.Shipped:
			return apperr.Conflict("rule " + r.Key + " exists").WithCode("rule_exists")
		case !create && i < 0:
			return apperr.NotFound("correlation rule")
		}
		r.Version = 1
		if i >= 0 {
			r.Version = rules[i].Version + 1
		}
		def, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("correlate: encode rule: %w", err)
		}
		now := time.Now().UTC()
		if stored > 0 {
			_, err = tx.ExecContext(ctx, `UPDATE correlation_rules SET version = $3, definition = $4, updated_at = $5 WHERE org_id = $1 AND key = $2`,
				scope.Org().String(), r.Key, r.Version, string(def), now)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO correlation_rules (id, org_id, key, version, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
				uuid.Must(uuid.NewV7()).String(), scope.Org().String(), r.Key, r.Version, string(def), now)
		}
		if err != nil && db.IsUniqueViolation(err) {
			return apperr.Conflict("rule " + r.Key + " was just created").WithCode("rule_exists")
		}
		if err != nil {
			return fmt.Errorf("correlate: save rule: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "correlation.rule.save",
			TargetType: "correlation_rule", TargetID: r.Key, Details: def})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Delete removes the org's version of a rule: its own rule is gone, a
// shipped one reverts to the shipped definition.
func (s *Rules) Delete(ctx context.Context, scope tenant.Scope, key string) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM correlation_rules WHERE org_id = $1 AND key = $2`, scope.Org().String(), key)
		if err != nil {
			return fmt.Errorf("correlate: delete rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("org version of this correlation rule")
		}
		return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "correlation.rule.delete",
			TargetType: "correlation_rule", TargetID: key})
	})
}

// Why returns the explanations of the groups an alert is in ("why
// grouped"), with the incident each opened or joined.
func (s *Rules) Why(ctx context.Context, scope tenant.Scope, alertID uuid.UUID) ([]Grouping, error) {
	out := []Grouping{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT g.id, g.rule_key, g.rule_version, g.group_key, g.alert_count, g.incident_id, g.explanation
FROM correlation_group_alerts ga JOIN correlation_groups g ON g.id = ga.group_id AND g.org_id = ga.org_id
WHERE ga.org_id = $1 AND ga.alert_id = $2 ORDER BY g.rule_key, g.id`, scope.Org().String(), alertID.String())
		if err != nil {
			return fmt.Errorf("correlate: why: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var g Grouping
			var inc sql.NullString
			var ex string
			if err := rs.Scan(&g.GroupID, &g.Rule, &g.RuleVersion, &g.GroupKey, &g.Alerts, &inc, &ex); err != nil {
				return fmt.Errorf("correlate: scan why: %w", err)
			}
			if inc.Valid {
				u, err := uuid.Parse(inc.String)
				if err != nil {
					return fmt.Errorf("correlate: why incident: %w", err)
				}
				g.IncidentID = &u
			}
			if ex != "{}" {
				g.Explanation = json.RawMessage(ex)
			}
			out = append(out, g)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// Tell "not grouped" from "no such alert".
		found, err := s.Alerts.Summaries(ctx, scope, []uuid.UUID{alertID})
		if err != nil {
			return nil, fmt.Errorf("correlate: why alert: %w", err)
		}
		if len(found) == 0 {
			return nil, apperr.NotFound("alert")
		}
	}
	return out, nil
}

// Grouping is one group an alert is in, with its explanation.
type Grouping struct {
	GroupID     uuid.UUID       `json:"group_id"`
	Rule        string          `json:"rule"`
	RuleVersion int             `json:"rule_version"`
	GroupKey    string          `json:"group_key"`
	Alerts      int             `json:"alerts" doc:"Alerts the group counted (a storm counts beyond what it links)"`
	IncidentID  *uuid.UUID      `json:"incident_id,omitempty"`
	Explanation json.RawMessage `json:"explanation,omitempty" doc:"Rule and version, group key, shared entities, window, score and its parts, summary"`
}
