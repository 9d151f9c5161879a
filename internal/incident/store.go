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
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Members tells whether a user belongs to the scope's org (identity,
// through a facade wired in internal/app).
type Members interface {
	IsMember(ctx context.Context, scope tenant.Scope, user uuid.UUID) (bool, error)
}

// AlertReader returns the scope's alerts among ids (missing ones are left
// out), with their ATT&CK labels and entities (the alert domain, through a
// facade wired in internal/app).
type AlertReader interface {
	Summaries(ctx context.Context, scope tenant.Scope, ids []uuid.UUID) ([]alert.Alert, error)
}

// Store reads and changes incidents.
type Store struct {
	DB      *db.DB
	Members Members
	Alerts  AlertReader
	// Roles lists the members of a role for SLA escalation (nil: only
	// assignees are notified).
	Roles RoleMembers
	// AlertStats counts alert verdicts for the false-positive metrics
	// (nil: only incident dispositions count).
	AlertStats AlertStats
	// Now is the clock (UTC); nil means time.Now.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

func (s *Store) isMember(ctx context.Context, scope tenant.Scope, user uuid.UUID) (bool, error) {
	if s.Members == nil {
		return false, errors.New("incident: no member directory configured")
	}
	return s.Members.IsMember(ctx, scope, user)
}

// checkMembers names every id of users that is not an org member.
func (s *Store) checkMembers(ctx context.Context, scope tenant.Scope, users []uuid.UUID, loc func(i int) string) ([]apperr.FieldError, error) {
	var out []apperr.FieldError
	for i, u := range users {
		ok, err := s.isMember(ctx, scope, u)
		if err != nil {
			return nil, fmt.Errorf("incident: check member: %w", err)
		}
		if !ok {
			out = append(out, apperr.Field(loc(i), "not a member of this organization"))
		}
	}
	return out, nil
}

// record writes the audit entry of a change and appends its event, in the
// change's transaction.
func (s *Store) record(ctx context.Context, tx *db.Tx, scope tenant.Scope, action string, event events.Def[EventV1], target uuid.UUID, details any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("incident: encode audit details: %w", err)
	}
	if err := auditRecord(ctx, tx, scope, action, "incident", target.String(), b); err != nil {
		return err
	}
	return s.emit(ctx, tx, scope, event, target, b)
}

func (s *Store) emit(ctx context.Context, tx *db.Tx, scope tenant.Scope, event events.Def[EventV1], target uuid.UUID, details json.RawMessage) error {
	if _, err := events.Append(ctx, tx, scope, event, events.Subject("incident", target), EventV1{IncidentID: target, Details: details}); err != nil {
		return fmt.Errorf("incident: emit %s: %w", event.Kind(), err)
	}
	return nil
}

func auditRecord(ctx context.Context, tx *db.Tx, scope tenant.Scope, action, targetType, target string, details json.RawMessage) error {
	return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: action,
		TargetType: targetType, TargetID: target, Details: details})
}

// log appends one entry to an incident's immutable state-change log.
func (s *Store) log(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident uuid.UUID, at time.Time, kind, from, to string, details any) error {
	d := []byte("{}")
	if details != nil {
		var err error
		if d, err = json.Marshal(details); err != nil {
			return fmt.Errorf("incident: encode log details: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incident_log (id, org_id, incident_id, at, actor, kind, from_value, to_value, details)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, newID().String(), scope.Org().String(), incident.String(), at, scope.Actor(), kind, from, to, string(d)); err != nil {
		return fmt.Errorf("incident: log %s: %w", kind, err)
	}
	return nil
}

const incidentCols = `i.id, i.title, i.description, i.type, i.severity_id, i.priority, i.status, i.disposition, i.disposition_note,
 i.assignee, i.responders, i.tags, i.custom_fields, i.manual_tactics, i.manual_techniques, i.alert_tactics, i.alert_techniques,
 i.alert_count, i.merged_into, i.created_by, i.created_at, i.updated_at, i.acknowledged_at, i.resolved_at, i.closed_at`

type scanner interface{ Scan(dest ...any) error }

// row is an incident as stored, with the columns the API derives from.
type row struct {
	Incident
	sev            alert.Severity
	alertTactics   []string
	alertTechnique []string
}

func scanIncident(sc scanner) (row, error) {
	var r row
	var sev int
	var assignee, merged sql.NullString
	var responders, tags, fields, mt, mtech, at, atech string
	var ack, res, closed sql.NullTime
	if err := sc.Scan(&r.ID, &r.Title, &r.Description, &r.Type, &sev, &r.Priority, &r.Status, &r.Disposition, &r.DispositionNote,
		&assignee, &responders, &tags, &fields, &mt, &mtech, &at, &atech,
		&r.AlertCount, &merged, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt, &ack, &res, &closed); err != nil {
		return r, fmt.Errorf("incident: scan: %w", err)
	}
	r.sev = alert.Severity(sev)
	r.Severity = r.sev.String()
	for _, p := range []struct {
		src string
		dst any
	}{{responders, &r.Responders}, {tags, &r.Tags}, {fields, &r.CustomFields}, {mt, &r.ManualTactics}, {mtech, &r.ManualTechniques},
		{at, &r.alertTactics}, {atech, &r.alertTechnique}} {
		if err := json.Unmarshal([]byte(p.src), p.dst); err != nil {
			return r, fmt.Errorf("incident: decode %q: %w", p.src, err)
		}
	}
	var err error
	if r.Assignee, err = nullUUID(assignee); err != nil {
		return r, err
	}
	if r.MergedInto, err = nullUUID(merged); err != nil {
		return r, err
	}
	r.AcknowledgedAt, r.ResolvedAt, r.ClosedAt = nullTime(ack), nullTime(res), nullTime(closed)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.finish()
	return r, nil
}

// finish derives the API fields: aggregated ATT&CK, non-nil collections.
func (r *row) finish() {
	r.Tactics = union(r.alertTactics, r.ManualTactics)
	r.Techniques = union(r.alertTechnique, r.ManualTechniques)
	r.Responders = nonNil(r.Responders)
	r.Tags = nonNil(r.Tags)
	r.ManualTactics = nonNil(r.ManualTactics)
	r.ManualTechniques = nonNil(r.ManualTechniques)
	if r.CustomFields == nil {
		r.CustomFields = map[string]FieldValue{}
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// union returns the sorted distinct values of both lists.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return nonNil(slices.Compact(out))
}

func nullUUID(s sql.NullString) (*uuid.UUID, error) {
	if !s.Valid {
		return nil, nil
	}
	u, err := uuid.Parse(s.String)
	if err != nil {
		return nil, fmt.Errorf("incident: stored id %q: %w", s.String, err)
	}
	return &u, nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func uuidArg(u *uuid.UUID) any {
	if u == nil {
		return nil
	}
	return u.String()
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func jsonArg[T any](v T) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// load reads one incident, locking it for the transaction on PostgreSQL
// when the transaction writes.
func (s *Store) load(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (row, error) {
	lock := ""
	if tx.Dialect == db.Postgres && !tx.ReadOnly {
		lock = " FOR UPDATE"
	}
	r, err := scanIncident(tx.QueryRowContext(ctx, `SELECT `+incidentCols+` FROM incidents i WHERE i.org_id = $1 AND i.id = $2`+lock,
		scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFound("incident")
	}
	return r, err
}

// Get returns one incident.
func (s *Store) Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*Incident, error) {
	var r row
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if r, err = s.load(ctx, tx, scope, id); err != nil {
			return err
		}
		return s.attachSLA(ctx, tx, scope, []*Incident{&r.Incident})
	})
	if err != nil {
		return nil, err
	}
	return &r.Incident, nil
}

// save writes every column of r.
func (s *Store) save(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row) error {
	fields, err := json.Marshal(r.CustomFields)
	if err != nil {
		return fmt.Errorf("incident: encode custom fields: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE incidents SET title = $3, description = $4, type = $5, severity_id = $6, priority = $7, status = $8,
 disposition = $9, disposition_note = $10, assignee = $11, responders = $12, tags = $13, custom_fields = $14, manual_tactics = $15,
 manual_techniques = $16, alert_tactics = $17, alert_techniques = $18, alert_count = $19, merged_into = $20, updated_at = $21,
 acknowledged_at = $22, resolved_at = $23, closed_at = $24
WHERE org_id = $1 AND id = $2`,
		scope.Org().String(), r.ID.String(), r.Title, r.Description, r.Type, int(r.sev), string(r.Priority), string(r.Status),
		string(r.Disposition), r.DispositionNote, uuidArg(r.Assignee), jsonArg(r.Responders), jsonArg(r.Tags), string(fields),
		jsonArg(r.ManualTactics), jsonArg(r.ManualTechniques), jsonArg(r.alertTactics), jsonArg(r.alertTechnique), r.AlertCount,
		uuidArg(r.MergedInto), r.UpdatedAt, timeArg(r.AcknowledgedAt), timeArg(r.ResolvedAt), timeArg(r.ClosedAt))
	if err != nil {
		return fmt.Errorf("incident: save: %w", err)
	}
	r.finish()
	return s.slaSync(ctx, tx, scope, r)
}

// insert writes a new incident row.
func (s *Store) insert(ctx context.Context, tx *db.Tx, scope tenant.Scope, r *row) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, org_id, title, severity_id, priority, status, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, r.ID.String(), scope.Org().String(), r.Title, int(r.sev), string(r.Priority),
		string(r.Status), r.CreatedBy, r.CreatedAt)
	if err != nil {
		return fmt.Errorf("incident: insert: %w", err)
	}
	return s.save(ctx, tx, scope, r)
}

// cleanTags trims tags and validates them; loc names the list.
func cleanTags(tags []string, loc string) ([]string, []apperr.FieldError) {
	var fields []apperr.FieldError
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		t = strings.TrimSpace(t)
		switch {
		case t == "" || len(t) > 64:
			fields = append(fields, apperr.Field(fmt.Sprintf("%s[%d]", loc, i), "tags are 1 to 64 characters"))
		case badText(t) != "":
			fields = append(fields, apperr.Field(fmt.Sprintf("%s[%d]", loc, i), badText(t)))
		default:
			out = append(out, t)
		}
	}
	return out, fields
}
