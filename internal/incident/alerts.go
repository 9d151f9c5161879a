package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// MaxLinkAlerts bounds the alerts one request links, escalates or splits.
const MaxLinkAlerts = 500

// inClause returns "$k, $k+1, ..." for vals appended to args.
func inClause(args []any, vals []string) (string, []any) {
	ph := make([]string, len(vals))
	for i, v := range vals {
		args = append(args, v)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	return strings.Join(ph, ", "), args
}

func strs(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// owners returns which incident each of ids is linked to.
func (s *Store) owners(ctx context.Context, tx *db.Tx, scope tenant.Scope, ids []uuid.UUID) (map[uuid.UUID]uuid.UUID, error) {
	out := map[uuid.UUID]uuid.UUID{}
	for chunk := range slices.Chunk(ids, 500) {
		in, args := inClause([]any{scope.Org().String()}, strs(chunk))
		rs, err := tx.QueryContext(ctx, `SELECT alert_id, incident_id FROM incident_alerts WHERE org_id = $1 AND alert_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("incident: alert owners: %w", err)
		}
		for rs.Next() {
			var a, i uuid.UUID
			if err := rs.Scan(&a, &i); err != nil {
				_ = rs.Close()
				return nil, fmt.Errorf("incident: scan owner: %w", err)
			}
			out[a] = i
		}
		if err := errors.Join(rs.Err(), rs.Close()); err != nil {
			return nil, fmt.Errorf("incident: alert owners: %w", err)
		}
	}
	return out, nil
}

// link attaches alerts to r (already linked to r: skipped; linked to
// another incident: conflict) and updates its ATT&CK aggregate and count.
func (s *Store) link(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row, ids []uuid.UUID, via Provenance, loc string, now time.Time) error {
	_, err := s.linkAlerts(ctx, tx, scope, r, ids, via, loc, now, false)
	return err
}

// linkAlerts is link; with skipLinked, alerts already in another incident
// (or gone) are skipped instead of refused. It returns the alerts added.
func (s *Store) linkAlerts(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row, ids []uuid.UUID, via Provenance, loc string, now time.Time, skipLinked bool) ([]uuid.UUID, error) {
	if len(ids) > MaxLinkAlerts && !skipLinked {
		return nil, apperr.Validation("too many alerts", apperr.Field(loc, fmt.Sprintf("at most %d alerts per request", MaxLinkAlerts)))
	}
	if s.Alerts == nil {
		return nil, errors.New("incident: no alert reader configured")
	}
	found, err := s.Alerts.Summaries(ctx, scope, ids)
	if err != nil {
		return nil, fmt.Errorf("incident: read alerts: %w", err)
	}
	byID := map[uuid.UUID]alert.Alert{}
	for _, a := range found {
		byID[a.ID] = a
	}
	var fields []apperr.FieldError
	for i, id := range ids {
		if _, ok := byID[id]; !ok {
			fields = append(fields, apperr.Field(fmt.Sprintf("%s[%d]", loc, i), "alert "+id.String()+" not found"))
		}
	}
	if len(fields) > 0 && !skipLinked {
		return nil, apperr.Validation("unknown alerts", fields...)
	}
	owners, err := s.owners(ctx, tx, scope, ids)
	if err != nil {
		return nil, err
	}
	// A correlation explanation is stored once per grouping; each link
	// keeps a reference and its own matched entities.
	var grouping *string
	shared := map[alert.Entity]bool{}
	if via.Explanation != nil {
		gid, err := s.saveGrouping(ctx, tx, scope, r.ID, via.Explanation, now)
		if err != nil {
			return nil, err
		}
		grouping = &gid
		for _, e := range via.Explanation.SharedEntities {
			shared[alert.Entity{Type: e.Type, Value: e.Value}] = true
		}
	}
	var added []uuid.UUID
	for _, id := range sortedIDs(ids) {
		a, found := byID[id]
		if !found {
			continue
		}
		if o, ok := owners[id]; ok {
			if o == r.ID || skipLinked {
				continue
			}
			return nil, apperr.Conflict(fmt.Sprintf("alert %s is already in incident %s: unlink it there, or merge the incidents", id, o)).WithCode("alert_in_incident")
		}
		own := Provenance{Via: via.Via, From: via.From, Matched: matchedEntities(a.Entities, shared)}
		prov, err := json.Marshal(own)
		if err != nil {
			return nil, fmt.Errorf("incident: encode provenance: %w", err)
		}
		q := `INSERT INTO incident_alerts (org_id, alert_id, incident_id, added_at, added_by, provenance,
 title, severity_id, source_type, rule, event_time, tactics, techniques, entities, grouping_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`
		if skipLinked {
			q += ` ON CONFLICT DO NOTHING`
		}
		res, err := tx.ExecContext(ctx, q,
			scope.Org().String(), id.String(), r.ID.String(), now, scope.Actor(), string(prov), a.Title, int(a.Severity), a.Source.Type,
			ruleName(a.Rule), a.EventTime.UTC(), jsonArg(nonNil(a.Tactics)), jsonArg(nonNil(a.Techniques)), jsonArg(nonNil(a.Entities)), grouping)
		if err != nil {
			if db.IsUniqueViolation(err) {
				return nil, apperr.Conflict("alert " + id.String() + " was just added to another incident").WithCode("alert_in_incident")
			}
			return nil, fmt.Errorf("incident: link alert: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue // linked elsewhere meanwhile (skipLinked)
		}
		r.alertTactics = union(r.alertTactics, a.Tactics)
		r.alertTechnique = union(r.alertTechnique, a.Techniques)
		added = append(added, id)
	}
	if len(added) == 0 {
		return nil, nil
	}
	r.AlertCount += len(added)
	r.UpdatedAt = now
	if err := s.save(ctx, tx, scope, r); err != nil {
		return nil, err
	}
	return added, s.log(ctx, tx, scope, r.ID, now, "alerts_linked", "", fmt.Sprint(len(added)), map[string]any{"alert_ids": added, "via": via.Via, "from": via.From})
}

func ruleName(r alert.Rule) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// recompute rebuilds r's alert count and ATT&CK aggregate from its links.
func (s *Store) recompute(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row) error {
	rs, err := tx.QueryContext(ctx, `SELECT tactics, techniques FROM incident_alerts WHERE org_id = $1 AND incident_id = $2`, scope.Org().String(), r.ID.String())
	if err != nil {
		return fmt.Errorf("incident: recompute: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var tac, tech []string
	n := 0
	for rs.Next() {
		var a, b string
		if err := rs.Scan(&a, &b); err != nil {
			return fmt.Errorf("incident: recompute scan: %w", err)
		}
		var ta, te []string
		if err := errors.Join(json.Unmarshal([]byte(a), &ta), json.Unmarshal([]byte(b), &te)); err != nil {
			return fmt.Errorf("incident: recompute decode: %w", err)
		}
		tac, tech = append(tac, ta...), append(tech, te...)
		n++
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("incident: recompute: %w", err)
	}
	r.alertTactics, r.alertTechnique, r.AlertCount = union(tac, nil), union(tech, nil), n
	return nil
}

func (s *Store) maxAlertSeverity(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) alert.Severity {
	var m sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(severity_id) FROM incident_alerts WHERE org_id = $1 AND incident_id = $2 AND severity_id BETWEEN 1 AND 6`,
		scope.Org().String(), id.String()).Scan(&m); err != nil || !m.Valid {
		return alert.SeverityUnknown
	}
	return min(alert.Severity(m.Int64), alert.SeverityCritical)
}

// LinkAlerts attaches alerts to an open incident.
func (s *Store) LinkAlerts(ctx context.Context, scope tenant.Scope, id uuid.UUID, ids []uuid.UUID) (*Incident, error) {
	var r row
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if r, err = s.load(ctx, tx, scope, id); err != nil {
			return err
		}
		if err := openForAlerts(&r); err != nil {
			return err
		}
		if err := s.link(ctx, tx, scope, &r, ids, Provenance{Via: "link"}, "body.alert_ids", s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.link_alerts", EventAlertsLinked, id, map[string][]uuid.UUID{"alert_ids": ids})
	})
	if err != nil {
		return nil, err
	}
	return &r.Incident, nil
}

func openForAlerts(r *row) error {
	if r.MergedInto != nil {
		return apperr.Conflict("incident was merged into " + r.MergedInto.String() + ": add alerts there").WithCode("incident_merged")
	}
	if !r.Status.Open() {
		return apperr.Conflict("incident is " + string(r.Status) + ": reopen it before adding alerts").WithCode("incident_closed")
	}
	return nil
}

// UnlinkAlert detaches one alert from its incident (the alert stays, with
// no incident).
func (s *Store) UnlinkAlert(ctx context.Context, scope tenant.Scope, id, alertID uuid.UUID) (*Incident, error) {
	var r row
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if r, err = s.load(ctx, tx, scope, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM incident_alerts WHERE org_id = $1 AND incident_id = $2 AND alert_id = $3`,
			scope.Org().String(), id.String(), alertID.String())
		if err != nil {
			return fmt.Errorf("incident: unlink: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return apperr.NotFound("alert of this incident")
		}
		now := s.now()
		if err := s.recompute(ctx, tx, scope, &r); err != nil {
			return err
		}
		r.UpdatedAt = now
		if err := s.save(ctx, tx, scope, &r); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, id, now, "alerts_unlinked", "", "1", map[string][]uuid.UUID{"alert_ids": {alertID}}); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.unlink_alert", EventAlertsUnlinked, id, map[string]uuid.UUID{"alert_id": alertID})
	})
	if err != nil {
		return nil, err
	}
	return &r.Incident, nil
}

// EscalateInput turns alerts into an incident.
type EscalateInput struct {
	AlertIDs   []uuid.UUID `json:"alert_ids" minItems:"1" maxItems:"500"`
	IncidentID *uuid.UUID  `json:"incident_id,omitempty" doc:"Add the alerts to this open incident instead of opening a new one"`
	Title      string      `json:"title,omitempty" maxLength:"300" doc:"Default: the first alert's title (and how many more)"`
	Type       string      `json:"type,omitempty" maxLength:"64" doc:"Template type of a new incident"`
	Severity   string      `json:"severity,omitempty" enum:"informational,low,medium,high,critical" doc:"Default: the template's, else the alerts' highest"`
	Assignee   *uuid.UUID  `json:"assignee,omitempty"`
}

// Escalate adds alerts to an existing incident or opens a new one with
// them; created reports which.
func (s *Store) Escalate(ctx context.Context, scope tenant.Scope, in EscalateInput) (inc *Incident, created bool, err error) {
	if len(in.AlertIDs) == 0 {
		return nil, false, apperr.Validation("no alerts", apperr.Field("body.alert_ids", "name at least one alert"))
	}
	var r row
	err = s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if in.IncidentID != nil {
			r, err = s.load(ctx, tx, scope, *in.IncidentID)
			if apperr.Is(err, apperr.KindNotFound) {
				return apperr.Validation("unknown incident", apperr.Field("body.incident_id", "incident not found"))
			}
			if err != nil {
				return err
			}
			if err := openForAlerts(&r); err != nil {
				return err
			}
			if err := s.link(ctx, tx, scope, &r, in.AlertIDs, Provenance{Via: "escalate"}, "body.alert_ids", s.now()); err != nil {
				return err
			}
			return s.record(ctx, tx, scope, "incident.escalate", EventAlertsLinked, r.ID, map[string][]uuid.UUID{"alert_ids": in.AlertIDs})
		}
		title := strings.TrimSpace(in.Title)
		if title == "" {
			if title, err = s.defaultTitle(ctx, scope, in.AlertIDs); err != nil {
				return err
			}
		}
		n := NewIncident{Title: title, Type: in.Type, Severity: in.Severity, Assignee: in.Assignee, AlertIDs: in.AlertIDs}
		if r, err = s.create(ctx, tx, scope, n, "body.", Provenance{Via: "escalate"}); err != nil {
			return err
		}
		created = true
		return s.record(ctx, tx, scope, "incident.escalate", EventCreated, r.ID, createdEvent(&r.Incident, in.AlertIDs))
	})
	if err != nil {
		return nil, false, err
	}
	return &r.Incident, created, nil
}

func (s *Store) defaultTitle(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) (string, error) {
	if s.Alerts == nil {
		return "", errors.New("incident: no alert reader configured")
	}
	found, err := s.Alerts.Summaries(ctx, scope, ids[:1])
	if err != nil {
		return "", fmt.Errorf("incident: read alerts: %w", err)
	}
	title := "Escalated alerts"
	if len(found) == 1 && strings.TrimSpace(found[0].Title) != "" {
		title = strings.TrimSpace(found[0].Title)
	}
	if len(ids) > 1 {
		title = fmt.Sprintf("%s (+%d more)", title, len(ids)-1)
	}
	if r := []rune(title); len(r) > MaxTitle {
		title = string(r[:MaxTitle])
	}
	return title, nil
}

// LinkedAlerts lists an incident's alerts, oldest link first, after the
// cursor (the last alert id of the previous page).
func (s *Store) LinkedAlerts(ctx context.Context, scope tenant.Scope, id uuid.UUID, after *uuid.UUID, limit int) ([]LinkedAlert, string, error) {
	limit = max(1, min(limit, 500))
	out := []LinkedAlert{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, id); err != nil {
			return err
		}
		q := `SELECT ia.alert_id, ia.title, ia.severity_id, ia.source_type, ia.rule, ia.event_time, ia.tactics, ia.techniques, ia.entities,
 ia.added_at, ia.added_by, ia.provenance, ia.grouping_id, g.explanation
FROM incident_alerts ia LEFT JOIN incident_groupings g ON g.org_id = ia.org_id AND g.id = ia.grouping_id
WHERE ia.org_id = $1 AND ia.incident_id = $2`
		args := []any{scope.Org().String(), id.String()}
		if after != nil {
			q += ` AND (ia.added_at, ia.alert_id) > (SELECT added_at, alert_id FROM incident_alerts WHERE org_id = $1 AND alert_id = $3)`
			args = append(args, after.String())
		}
		q += fmt.Sprintf(` ORDER BY ia.added_at, ia.alert_id LIMIT %d`, limit+1)
		rs, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("incident: list alerts: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var la LinkedAlert
			var sev int
			var tac, tech, ents, prov string
			var gid, why sql.NullString
			if err := rs.Scan(&la.AlertID, &la.Title, &sev, &la.Source, &la.Rule, &la.EventTime, &tac, &tech, &ents, &la.AddedAt, &la.AddedBy, &prov, &gid, &why); err != nil {
				return fmt.Errorf("incident: scan alert: %w", err)
			}
			la.Severity = alert.Severity(sev).String()
			if err := errors.Join(json.Unmarshal([]byte(tac), &la.Tactics), json.Unmarshal([]byte(tech), &la.Techniques),
				json.Unmarshal([]byte(ents), &la.Entities), json.Unmarshal([]byte(prov), &la.Provenance)); err != nil {
				return fmt.Errorf("incident: decode alert: %w", err)
			}
			if err := la.Provenance.fillGrouping(gid, why); err != nil {
				return err
			}
			la.Tactics, la.Techniques, la.Entities = nonNil(la.Tactics), nonNil(la.Techniques), nonNil(la.Entities)
			la.EventTime, la.AddedAt = la.EventTime.UTC(), la.AddedAt.UTC()
			out = append(out, la)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].AlertID.String()
	}
	return out, next, nil
}

// IncidentOf returns the incident an alert is linked to (NotFound if none).
func (s *Store) IncidentOf(ctx context.Context, scope tenant.Scope, alertID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT incident_id FROM incident_alerts WHERE org_id = $1 AND alert_id = $2`,
			scope.Org().String(), alertID.String()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("incident of this alert")
		}
		return err
	})
	return id, err
}
