package alerts

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
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/payload"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Store reads and updates alerts.
type Store struct {
	DB *db.DB
	// Assignable returns an error unless userID may be assigned alerts in
	// the scope's org (a member whose role grants alerts:write); a NotFound
	// error means "not assignable". Nil skips the check (store tests).
	Assignable func(ctx context.Context, scope tenant.Scope, userID uuid.UUID) error
}

// checkAssignee verifies a new assignee belongs to the org, inside the
// change's transaction.
func (s *Store) checkAssignee(ctx context.Context, scope tenant.Scope, c *AlertChange, field string) error {
	if s.Assignable == nil || c.Assignee == nil || *c.Assignee == "" {
		return nil
	}
	err := s.Assignable(ctx, scope, uuid.MustParse(*c.Assignee))
	if apperr.Is(err, apperr.KindNotFound) {
		return apperr.Validation("unknown assignee", apperr.Field(field, "not a member of this organization who can act on alerts"))
	}
	if err != nil {
		return fmt.Errorf("alerts: check assignee: %w", err)
	}
	return nil
}

// List returns one page of alerts matching f after the opaque cursor
// (empty: first page) and the cursor of the next page ("" at the end).
func (s *Store) List(ctx context.Context, scope tenant.Scope, f AlertQuery, after string, limit int) ([]alert.Alert, string, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	if f.Sort == "" {
		f.Sort = SortReceived
	}
	_ = f.normalize("") // case only: a bad technique id simply matches nothing here; the API refused it already
	var cur *cursor
	if after != "" {
		c, err := decodeCursor(after)
		if err != nil {
			return nil, "", err
		}
		if c.Sort != f.Sort || c.Asc != f.Ascending {
			return nil, "", apperr.Validation("cursor belongs to another sort order", apperr.Field("query.cursor", "sort changed; start from the first page"))
		}
		cur = &c
	}
	out := make([]alert.Alert, 0, limit)
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var entityID string
		if f.EntityValue != "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM entities WHERE org_id = $1 AND type = $2 AND value = $3`,
				scope.Org().String(), f.EntityType, f.EntityValue).Scan(&entityID)
			if errors.Is(err, sql.ErrNoRows) {
				return nil // unknown entity: no alert mentions it
			}
			if err != nil {
				return fmt.Errorf("alerts: resolve entity: %w", err)
			}
		}
		textEntities, err := textEntityIDs(ctx, tx, scope, f.Text)
		if err != nil {
			return err
		}
		from, to := f.window(time.Now())
		q, args := listQuery(s.DB.Dialect, scope.Org(), f, entityID, textEntities, from, to, cur, limit)
		rs, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("alerts: list: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			a, err := scanAlert(rs)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		if err := rs.Err(); err != nil {
			return fmt.Errorf("alerts: list: %w", err)
		}
		return attachEntities(ctx, tx, scope, out)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		c := cursor{Sort: f.Sort, Asc: f.Ascending, Time: last.ReceivedTime, ID: last.ID}
		switch f.Sort {
		case SortEvent:
			c.Time = last.EventTime
		case SortSeverity:
			c.Sev = int(last.Severity)
		}
		next = c.encode()
	}
	return out, next, nil
}

// maxTextEntities bounds the entities a free-text search matches by value.
const maxTextEntities = 50

// textEntityIDs returns the ids of the org's entities whose value is text
// as typed, lower-cased or in any type's canonical form (entities_org_value,
// migration 00080), so q=10.1.2.54 or q=web-02 finds the alerts that
// mention them.
func textEntityIDs(ctx context.Context, tx *db.Tx, scope tenant.Scope, text string) ([]string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	values := []string{text}
	add := func(v string) {
		if v != "" && !slices.Contains(values, v) {
			values = append(values, v)
		}
	}
	add(strings.ToLower(text))
	for _, t := range []alert.EntityType{alert.EntityIP, alert.EntityDomain, alert.EntityHostname, alert.EntityURL, alert.EntityEmail,
		alert.EntityMD5, alert.EntitySHA1, alert.EntitySHA256, alert.EntityCloudID} {
		if c, ok := entity.Canonical(t, text); ok {
			add(c)
		}
	}
	args := []any{scope.Org().String()}
	ph := make([]string, len(values))
	for i, v := range values {
		args = append(args, v)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	rs, err := tx.QueryContext(ctx, `SELECT id FROM entities WHERE org_id = $1 AND value IN (`+strings.Join(ph, ", ")+`) LIMIT `+fmt.Sprint(maxTextEntities), args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: entities matching the search: %w", err)
	}
	defer func() { _ = rs.Close() }()
	var ids []string
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			return nil, fmt.Errorf("alerts: scan entity id: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rs.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanAlert(sc scanner) (alert.Alert, error) {
	var a alert.Alert
	var tactics, techniques, tags string
	var assignee sql.NullString
	var lastEvent sql.NullTime
	var sev int
	if err := sc.Scan(&a.ID, &a.OrgID, &a.EventTime, &a.ReceivedTime, &sev, &a.Title, &a.Description, &a.Status, &a.Source.Type,
		&a.Source.Vendor, &a.Source.Product, &a.SourceRef, &a.Rule.ID, &a.Rule.Name, &tactics, &techniques, &tags,
		&a.Quality, &a.Fingerprint, &a.Count, &a.FirstSeen, &a.LastSeen, &assignee, &lastEvent); err != nil {
		return a, fmt.Errorf("alerts: scan: %w", err)
	}
	a.Severity = alert.Severity(sev)
	for _, p := range []struct {
		src string
		dst any
	}{{tactics, &a.Tactics}, {techniques, &a.Techniques}, {tags, &a.Tags}} {
		if err := json.Unmarshal([]byte(p.src), p.dst); err != nil {
			return a, fmt.Errorf("alerts: decode %s: %w", p.src, err)
		}
	}
	if assignee.Valid {
		u, err := uuid.Parse(assignee.String)
		if err != nil {
			return a, fmt.Errorf("alerts: assignee: %w", err)
		}
		a.Assignee = &u
	}
	a.EventTime, a.ReceivedTime = a.EventTime.UTC(), a.ReceivedTime.UTC()
	a.FirstSeen, a.LastSeen = a.FirstSeen.UTC(), a.LastSeen.UTC()
	// NULL on rows from before the column existed: the first event time.
	a.LastEventTime = a.EventTime
	if lastEvent.Valid && lastEvent.Time.After(a.EventTime) {
		a.LastEventTime = lastEvent.Time.UTC()
	}
	return a, nil
}

// Get returns one alert with its raw payload, unmapped fields and linked
// entities.
func (s *Store) Get(ctx context.Context, scope tenant.Scope, id uuid.UUID) (*alert.Alert, error) {
	var a alert.Alert
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		a, err = s.get(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		var raw []byte
		var unmapped string
		if err := tx.QueryRowContext(ctx, `SELECT raw, unmapped FROM alerts WHERE org_id = $1 AND id = $2`, scope.Org().String(), id.String()).Scan(&raw, &unmapped); err != nil {
			return fmt.Errorf("alerts: raw: %w", err)
		}
		if raw, err = payload.Unpack(raw); err != nil {
			return fmt.Errorf("alerts: raw payload of %s: %w", id, err)
		}
		a.Raw = rawJSON(raw)
		if err := json.Unmarshal([]byte(unmapped), &a.Unmapped); err != nil {
			return fmt.Errorf("alerts: unmapped: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// rawJSON returns raw as JSON: itself when it is JSON, else a JSON string.
func rawJSON(raw []byte) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	if json.Valid(raw) {
		return raw
	}
	b, _ := json.Marshal(string(raw))
	return b
}

func (s *Store) get(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) (alert.Alert, error) {
	lock := ""
	if tx.Dialect == db.Postgres && !tx.ReadOnly {
		lock = " FOR UPDATE"
	}
	a, err := scanAlert(tx.QueryRowContext(ctx, `SELECT `+listCols+` FROM alerts a WHERE a.org_id = $1 AND a.id = $2`+lock, scope.Org().String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.NotFound("alert")
	}
	if err != nil {
		return a, err
	}
	one := []alert.Alert{a}
	err = attachEntities(ctx, tx, scope, one)
	return one[0], err
}

// entitiesQuery reads the entities of n alerts ($2...; on PostgreSQL one
// text[] $2) of the org ($1). On PostgreSQL each alert is one probe of
// alert_entities_pkey and each link one of entities_pkey whatever the
// statistics: a never-analyzed planner read "alert_id IN (50 ids)" as a
// quarter of the table and hash-joined sequential scans. OFFSET 0 keeps
// each LATERAL subquery a parameterized probe (it is not flattened into
// a join the planner may reorder). The ids are cast to uuid[] before
// unnest: a cast applied to u.id in the probe is not leakproof, so under
// row-level security it would be checked after the policy, as a filter of
// a sequential scan, instead of as the index condition.
func entitiesQuery(dialect db.Dialect, n int) string {
	if dialect == db.Postgres {
		return `SELECT l.alert_id, e.type, e.value, l.role FROM unnest($2::text[]::uuid[]) AS u(id)
CROSS JOIN LATERAL (SELECT ae.alert_id, ae.entity_id, ae.role FROM alert_entities ae WHERE ae.org_id = $1 AND ae.alert_id = u.id OFFSET 0) l
CROSS JOIN LATERAL (SELECT en.type, en.value FROM entities en WHERE en.id = l.entity_id AND en.org_id = $1 OFFSET 0) e
ORDER BY l.alert_id, e.type, e.value, l.role`
	}
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	return `SELECT ae.alert_id, e.type, e.value, ae.role FROM alert_entities ae JOIN entities e ON e.id = ae.entity_id
WHERE ae.org_id = $1 AND ae.alert_id IN (` + strings.Join(ph, ", ") + `) ORDER BY ae.alert_id, e.type, e.value, ae.role`
}

// entitiesArgs are the arguments of entitiesQuery for the alert ids.
func entitiesArgs(dialect db.Dialect, org uuid.UUID, ids []string) []any {
	if dialect == db.Postgres {
		return []any{org.String(), ids}
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, org.String())
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// attachEntities sets the entities of as from their links: alert_entities
// is the one stored copy (migration 00232 dropped the JSON column that
// repeated it). Each alert's entities come ordered by type, value, role.
func attachEntities(ctx context.Context, tx *db.Tx, scope tenant.Scope, as []alert.Alert) error {
	at := make(map[uuid.UUID]int, len(as))
	ids := make([]uuid.UUID, len(as))
	for i := range as {
		as[i].Entities = nil
		at[as[i].ID] = i
		ids[i] = as[i].ID
	}
	return readEntities(ctx, tx, scope, ids, func(id uuid.UUID, e alert.Entity) {
		if i, ok := at[id]; ok {
			as[i].Entities = append(as[i].Entities, e)
		}
	})
}

// readEntities calls fn for every entity link of the scope's alerts among
// ids, one query per 500 alerts (entitiesQuery), each alert's entities
// ordered by type, value, role.
func readEntities(ctx context.Context, tx *db.Tx, scope tenant.Scope, ids []uuid.UUID, fn func(uuid.UUID, alert.Entity)) error {
	for chunk := range slices.Chunk(ids, 500) {
		strs := make([]string, len(chunk))
		for i, id := range chunk {
			strs[i] = id.String()
		}
		rs, err := tx.QueryContext(ctx, entitiesQuery(tx.Dialect, len(strs)), entitiesArgs(tx.Dialect, scope.Org(), strs)...)
		if err != nil {
			return fmt.Errorf("alerts: entities: %w", err)
		}
		for rs.Next() {
			var id uuid.UUID
			var e alert.Entity
			if err := rs.Scan(&id, &e.Type, &e.Value, &e.Role); err != nil {
				_ = rs.Close()
				return fmt.Errorf("alerts: scan entity: %w", err)
			}
			fn(id, e)
		}
		err = rs.Err()
		_ = rs.Close()
		if err != nil {
			return fmt.Errorf("alerts: entities: %w", err)
		}
	}
	return nil
}

// AlertChange is an analyst update. Nil fields stay unchanged.
type AlertChange struct {
	Status     *alert.Status `json:"status,omitempty" enum:"new,triaged,in_progress,resolved,false_positive,suppressed"`
	Assignee   *string       `json:"assignee,omitempty" doc:"User id; empty string unassigns"`
	Tags       *[]string     `json:"tags,omitempty" maxItems:"50" doc:"Replaces every tag"`
	AddTags    []string      `json:"add_tags,omitempty" maxItems:"50"`
	RemoveTags []string      `json:"remove_tags,omitempty" maxItems:"50"`
	Reason     string        `json:"reason,omitempty" maxLength:"500" doc:"Closure reason (disposition); required when status becomes resolved or false_positive, kept in the alert's activity"`
}

// closing reports whether the change closes alerts (and so needs a reason).
func (c *AlertChange) closing() bool {
	return c.Status != nil && (*c.Status == alert.StatusResolved || *c.Status == alert.StatusFalsePositive)
}

// Validate checks the change is well-formed and not empty.
func (c *AlertChange) Validate(prefix string) error {
	var fields []apperr.FieldError
	if c.Status != nil && !slices.Contains(alert.Statuses, *c.Status) {
		fields = append(fields, apperr.Field(prefix+"status", "unknown status"))
	}
	if c.Assignee != nil && *c.Assignee != "" {
		if _, err := uuid.Parse(*c.Assignee); err != nil {
			fields = append(fields, apperr.Field(prefix+"assignee", "not a user id"))
		}
	}
	check := func(name string, tags []string) {
		for i, t := range tags {
			if t = strings.TrimSpace(t); t == "" || len(t) > 64 {
				fields = append(fields, apperr.Field(fmt.Sprintf("%s%s[%d]", prefix, name, i), "tags are 1 to 64 characters"))
			}
		}
	}
	if c.Tags != nil {
		check("tags", *c.Tags)
	}
	check("add_tags", c.AddTags)
	check("remove_tags", c.RemoveTags)
	c.Reason = strings.TrimSpace(c.Reason)
	if c.closing() && c.Reason == "" {
		fields = append(fields, apperr.Field(prefix+"reason", "say why the alert is "+string(*c.Status)+" (closure reason)"))
	}
	if len(fields) > 0 {
		return apperr.Validation("invalid change", fields...)
	}
	if c.Status == nil && c.Assignee == nil && c.Tags == nil && len(c.AddTags) == 0 && len(c.RemoveTags) == 0 {
		return apperr.Validation("nothing to change", apperr.Field(strings.TrimSuffix(prefix, "."), "set status, assignee or tags"))
	}
	return nil
}

func (c *AlertChange) apply(a *alert.Alert) {
	if c.Status != nil {
		a.Status = *c.Status
	}
	if c.Assignee != nil {
		if *c.Assignee == "" {
			a.Assignee = nil
		} else {
			u := uuid.MustParse(*c.Assignee)
			a.Assignee = &u
		}
	}
	if c.Tags != nil {
		a.Tags = trimAll(*c.Tags)
	}
	for _, t := range trimAll(c.AddTags) {
		if !slices.Contains(a.Tags, t) {
			a.Tags = append(a.Tags, t)
		}
	}
	remove := trimAll(c.RemoveTags)
	a.Tags = slices.DeleteFunc(a.Tags, func(t string) bool { return slices.Contains(remove, t) })
	slices.Sort(a.Tags)
	a.Tags = slices.Compact(a.Tags)
}

// MaxTags bounds the tags of one alert an analyst change may leave.
const MaxTags = 50

// trimAll returns tags in their stored form (see normTag).
func trimAll(tags []string) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = normTag(t)
	}
	return out
}

// update applies c to one alert; prefix locates the change in the request
// ("body." or "body.change.").
func (s *Store) update(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID, c *AlertChange, now time.Time, prefix string) (alert.Alert, error) {
	a, _, err := s.updatePrior(ctx, tx, scope, id, c, now, prefix)
	return a, err
}

// updatePrior is update that also returns the alert's assignee and tags
// as they were before the change (what an undo restores).
func (s *Store) updatePrior(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID, c *AlertChange, now time.Time, prefix string) (alert.Alert, Prior, error) {
	a, err := s.get(ctx, tx, scope, id)
	if err != nil {
		return a, Prior{}, err
	}
	prior := priorOf(a)
	a, err = s.write(ctx, tx, scope, a, c, now, prefix)
	return a, prior, err
}

// write applies c to a (read in tx) and stores it with its activity entry.
func (s *Store) write(ctx context.Context, tx *db.Tx, scope tenant.Scope, a alert.Alert, c *AlertChange, now time.Time, prefix string) (alert.Alert, error) {
	id := a.ID
	before := len(a.Tags)
	c.apply(&a)
	if len(a.Tags) > MaxTags && len(a.Tags) > before {
		return a, apperr.Validation("too many tags", apperr.Field(prefix+"add_tags",
			fmt.Sprintf("alert %s would have %d tags; at most %d", id, len(a.Tags), MaxTags)))
	}
	tags, _ := json.Marshal(a.Tags)
	if a.Tags == nil {
		tags = []byte("[]")
	}
	var assignee any
	if a.Assignee != nil {
		assignee = a.Assignee.String()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE alerts SET status = $3, assignee = $4, tags = $5, updated_at = $6 WHERE org_id = $1 AND id = $2`,
		scope.Org().String(), id.String(), string(a.Status), assignee, string(tags), now); err != nil {
		return a, fmt.Errorf("alerts: update: %w", err)
	}
	if err := addActivity(ctx, tx, scope, id, ActivityChange, "", c, now); err != nil {
		return a, err
	}
	return a, nil
}

// Update applies c to one alert and records it in the audit log, in one
// transaction.
func (s *Store) Update(ctx context.Context, scope tenant.Scope, id uuid.UUID, c AlertChange) (*alert.Alert, error) {
	if err := c.Validate("body."); err != nil {
		return nil, err
	}
	var a alert.Alert
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := s.checkAssignee(ctx, scope, &c, "body.assignee"); err != nil {
			return err
		}
		var err error
		if a, err = s.update(ctx, tx, scope, id, &c, time.Now().UTC(), "body."); err != nil {
			return err
		}
		details, _ := json.Marshal(c)
		if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "alert.update",
			TargetType: "alert", TargetID: id.String(), Details: details}); err != nil {
			return err
		}
		_, err = events.Append(ctx, tx, scope, events.AlertUpdated, events.Subject("alert", id), updatedEvent(a, &c))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// BulkUpdate applies c to every alert of ids in one transaction: all
// change or none (an unknown id fails the whole request).
func (s *Store) BulkUpdate(ctx context.Context, scope tenant.Scope, ids []uuid.UUID, c AlertChange) (int, error) {
	prior, err := s.BulkUpdatePrior(ctx, scope, ids, c)
	return len(prior), err
}

// BulkUpdatePrior is BulkUpdate returning each changed alert's assignee
// and tags from before the change (in id order), for an undo
// (RestoreAlerts).
func (s *Store) BulkUpdatePrior(ctx context.Context, scope tenant.Scope, ids []uuid.UUID, c AlertChange) ([]Prior, error) {
	if err := c.Validate("body.change."); err != nil {
		return nil, err
	}
	ids = slices.Clone(ids)
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	ids = slices.Compact(ids)
	now := time.Now().UTC()
	var prior []Prior
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := s.checkAssignee(ctx, scope, &c, "body.change.assignee"); err != nil {
			return err
		}
		prior = make([]Prior, 0, len(ids))
		for _, id := range ids {
			a, p, err := s.updatePrior(ctx, tx, scope, id, &c, now, "body.change.")
			if err == nil {
				prior = append(prior, p)
				_, err = events.Append(ctx, tx, scope, events.AlertUpdated, events.Subject("alert", id), updatedEvent(a, &c))
			}
			if err != nil {
				if apperr.Is(err, apperr.KindNotFound) {
					return apperr.Validation("unknown alert", apperr.Field("body.ids", "alert "+id.String()+" not found"))
				}
				return err
			}
		}
		details, _ := json.Marshal(struct {
			IDs         []uuid.UUID `json:"ids"`
			AlertChange AlertChange `json:"change"`
		}{ids, c})
		return audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "alert.bulk_update",
			TargetType: "alert", TargetID: fmt.Sprintf("%d alerts", len(ids)), Details: details})
	})
	if err != nil {
		return nil, err
	}
	return prior, nil
}
