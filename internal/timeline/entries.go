package timeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// EventV1 is the payload of every timeline.*.v1 event: the incident and
// the entry or annotation (the item it annotates), never their text.
type EventV1 struct {
	IncidentID   uuid.UUID  `json:"incident_id"`
	EntryID      *uuid.UUID `json:"entry_id,omitempty"`
	AnnotationID *uuid.UUID `json:"annotation_id,omitempty"`
	ItemID       string     `json:"item_id,omitempty" doc:"The timeline item (<type>:<uuid>)"`
}

// The timeline event kinds (subject: the incident).
var (
	EventEntryAdded        = events.Register[EventV1]("timeline.entry_added.v1", "An analyst added an entry to an incident's timeline.", rbac.IncidentsRead)
	EventEntryUpdated      = events.Register[EventV1]("timeline.entry_updated.v1", "An analyst-added timeline entry was changed.", rbac.IncidentsRead)
	EventEntryDeleted      = events.Register[EventV1]("timeline.entry_deleted.v1", "An analyst-added timeline entry was deleted.", rbac.IncidentsRead)
	EventAnnotationAdded   = events.Register[EventV1]("timeline.annotation_added.v1", "An item of an incident's timeline was annotated.", rbac.IncidentsRead)
	EventAnnotationUpdated = events.Register[EventV1]("timeline.annotation_updated.v1", "A timeline annotation was edited.", rbac.IncidentsRead)
	EventAnnotationDeleted = events.Register[EventV1]("timeline.annotation_deleted.v1", "A timeline annotation was deleted.", rbac.IncidentsRead)
)

// Store reads timelines and keeps entries, annotations and presence.
type Store struct {
	DB     *db.DB
	Names  Names
	Logger *slog.Logger
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
	// PresenceTTL is how long a viewer counts after its last heartbeat
	// (0: DefaultPresenceTTL).
	PresenceTTL time.Duration
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Entry is an analyst-added timeline entry.
type Entry struct {
	ID          uuid.UUID      `json:"id"`
	IncidentID  uuid.UUID      `json:"incident_id"`
	At          time.Time      `json:"at"`
	Category    string         `json:"category"`
	Source      string         `json:"source"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Entities    []LinkedEntity `json:"entities"`
	CreatedBy   string         `json:"created_by"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedBy   string         `json:"updated_by"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// EntryInput creates an entry.
type EntryInput struct {
	At          time.Time      `json:"at" doc:"When it happened (RFC 3339)"`
	Category    string         `json:"category" doc:"An ATT&CK tactic short name (initial-access, execution, …) or observation, action, remediation, communication, legitimate, other"`
	Source      string         `json:"source,omitempty" maxLength:"200" doc:"Where it was seen (default analyst)"`
	Title       string         `json:"title" minLength:"1" maxLength:"500"`
	Description string         `json:"description,omitempty" maxLength:"20000"`
	Entities    []LinkedEntity `json:"entities,omitempty" maxItems:"50"`
}

// EntryChange edits an entry; absent fields are kept.
type EntryChange struct {
	At          *time.Time      `json:"at,omitempty"`
	Category    *string         `json:"category,omitempty"`
	Source      *string         `json:"source,omitempty" maxLength:"200"`
	Title       *string         `json:"title,omitempty" maxLength:"500"`
	Description *string         `json:"description,omitempty" maxLength:"20000"`
	Entities    *[]LinkedEntity `json:"entities,omitempty" maxItems:"50"`
}

func (e *Entry) check() error {
	var fields []apperr.FieldError
	if e.At.IsZero() || e.At.Year() < 1970 || e.At.Year() > 9999 {
		fields = append(fields, apperr.Field("body.at", "a time between 1970 and 9999"))
	}
	if !slices.Contains(EntryCategories, e.Category) {
		fields = append(fields, apperr.Field("body.category", "one of "+strings.Join(EntryCategories, ", ")))
	}
	e.Source = strings.TrimSpace(e.Source)
	if e.Source == "" {
		e.Source = SourceAnalyst
	}
	if utf8.RuneCountInString(e.Source) > MaxSource || badText(e.Source) {
		fields = append(fields, apperr.Field("body.source", fmt.Sprintf("at most %d valid characters", MaxSource)))
	}
	e.Title = strings.TrimSpace(e.Title)
	if e.Title == "" || utf8.RuneCountInString(e.Title) > MaxTitle || badText(e.Title) {
		fields = append(fields, apperr.Field("body.title", fmt.Sprintf("1 to %d valid characters", MaxTitle)))
	}
	if utf8.RuneCountInString(e.Description) > MaxDescription || badText(e.Description) {
		fields = append(fields, apperr.Field("body.description", fmt.Sprintf("at most %d valid characters", MaxDescription)))
	}
	ents, fe := checkEntities(e.Entities, "body.entities")
	fields = append(fields, fe...)
	e.Entities = ents
	if len(fields) > 0 {
		return apperr.Validation("invalid timeline entry", fields...)
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	return nil
}

// record audits a change and appends its event, in the change's
// transaction.
func record(ctx context.Context, tx *db.Tx, scope tenant.Scope, action, targetType, target string, def events.Def[EventV1], p EventV1) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("timeline: encode: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: action, TargetType: targetType, TargetID: target, Details: b}); err != nil {
		return err
	}
	if _, err := events.Append(ctx, tx, scope, def, events.Subject("incident", p.IncidentID), p); err != nil {
		return fmt.Errorf("timeline: emit %s: %w", def.Kind(), err)
	}
	return nil
}

// exists checks, inside tx, that incident is the caller's.
func exists(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident uuid.UUID) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM incidents WHERE org_id = $1 AND id = $2`, scope.Org().String(), incident.String()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFound("incident")
	}
	if err != nil {
		return fmt.Errorf("timeline: incident: %w", err)
	}
	return nil
}

const entryCols = `id, incident_id, at, category, source, title, description, entities, created_by, created_at, updated_by, updated_at`

func scanEntry(sc scanner) (Entry, error) {
	var e Entry
	var ents string
	if err := sc.Scan(&e.ID, &e.IncidentID, &e.At, &e.Category, &e.Source, &e.Title, &e.Description, &ents, &e.CreatedBy, &e.CreatedAt, &e.UpdatedBy, &e.UpdatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e, apperr.NotFound("timeline entry")
		}
		return e, fmt.Errorf("timeline: scan entry: %w", err)
	}
	if err := decodeJSON(ents, &e.Entities); err != nil {
		return e, err
	}
	if e.Entities == nil {
		e.Entities = []LinkedEntity{}
	}
	e.At, e.CreatedAt, e.UpdatedAt = e.At.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, nil
}

func entitiesArg(es []LinkedEntity) string {
	if es == nil {
		es = []LinkedEntity{}
	}
	b, _ := json.Marshal(es)
	return string(b)
}

// AddEntry adds an analyst entry to an incident's timeline.
func (s *Store) AddEntry(ctx context.Context, scope tenant.Scope, incident uuid.UUID, in EntryInput) (*Entry, error) {
	now := s.now()
	e := Entry{ID: uuid.Must(uuid.NewV7()), IncidentID: incident, At: in.At, Category: in.Category, Source: in.Source, Title: in.Title,
		Description: in.Description, Entities: in.Entities, CreatedBy: scope.Actor(), CreatedAt: now, UpdatedBy: scope.Actor(), UpdatedAt: now}
	if err := e.check(); err != nil {
		return nil, err
	}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if err := exists(ctx, tx, scope, incident); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO timeline_entries (id, org_id, incident_id, at, category, source, title, description, entities,
 created_by, created_at, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11)`,
			e.ID.String(), scope.Org().String(), incident.String(), e.At, e.Category, e.Source, e.Title, e.Description, entitiesArg(e.Entities), e.CreatedBy, now); err != nil {
			return fmt.Errorf("timeline: insert entry: %w", err)
		}
		return record(ctx, tx, scope, "timeline.entry.create", "timeline_entry", e.ID.String(), EventEntryAdded,
			EventV1{IncidentID: incident, EntryID: &e.ID, ItemID: TypeEntry + ":" + e.ID.String()})
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func loadEntry(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident, id uuid.UUID) (Entry, error) {
	return scanEntry(tx.QueryRowContext(ctx, `SELECT `+entryCols+` FROM timeline_entries WHERE org_id = $1 AND incident_id = $2 AND id = $3`,
		scope.Org().String(), incident.String(), id.String()))
}

// UpdateEntry changes an analyst entry (any analyst who may manage
// incidents; audited with the fields changed).
func (s *Store) UpdateEntry(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID, c EntryChange) (*Entry, error) {
	var e Entry
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if e, err = loadEntry(ctx, tx, scope, incident, id); err != nil {
			return err
		}
		if c.At != nil {
			e.At = *c.At
		}
		if c.Category != nil {
			e.Category = *c.Category
		}
		if c.Source != nil {
			e.Source = *c.Source
		}
		if c.Title != nil {
			e.Title = *c.Title
		}
		if c.Description != nil {
			e.Description = *c.Description
		}
		if c.Entities != nil {
			e.Entities = *c.Entities
		}
		if err := e.check(); err != nil {
			return err
		}
		e.UpdatedBy, e.UpdatedAt = scope.Actor(), s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE timeline_entries SET at = $4, category = $5, source = $6, title = $7, description = $8, entities = $9,
 updated_by = $10, updated_at = $11 WHERE org_id = $1 AND incident_id = $2 AND id = $3`, scope.Org().String(), incident.String(), id.String(),
			e.At, e.Category, e.Source, e.Title, e.Description, entitiesArg(e.Entities), e.UpdatedBy, e.UpdatedAt); err != nil {
			return fmt.Errorf("timeline: update entry: %w", err)
		}
		return record(ctx, tx, scope, "timeline.entry.update", "timeline_entry", id.String(), EventEntryUpdated,
			EventV1{IncidentID: incident, EntryID: &id, ItemID: TypeEntry + ":" + id.String()})
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// DeleteEntry deletes an analyst entry and its annotations (audited).
func (s *Store) DeleteEntry(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		e, err := loadEntry(ctx, tx, scope, incident, id)
		if err != nil {
			return err
		}
		item := TypeEntry + ":" + id.String()
		if _, err := tx.ExecContext(ctx, `DELETE FROM timeline_annotations WHERE org_id = $1 AND incident_id = $2 AND item_id = $3`,
			scope.Org().String(), incident.String(), item); err != nil {
			return fmt.Errorf("timeline: delete entry annotations: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM timeline_entries WHERE org_id = $1 AND incident_id = $2 AND id = $3`,
			scope.Org().String(), incident.String(), id.String()); err != nil {
			return fmt.Errorf("timeline: delete entry: %w", err)
		}
		// The audit entry keeps what was deleted.
		b, _ := json.Marshal(map[string]any{"incident_id": incident, "entry_id": id, "title": e.Title, "at": e.At, "category": e.Category})
		if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: "timeline.entry.delete",
			TargetType: "timeline_entry", TargetID: id.String(), Details: b}); err != nil {
			return err
		}
		if _, err := events.Append(ctx, tx, scope, EventEntryDeleted, events.Subject("incident", incident),
			EventV1{IncidentID: incident, EntryID: &id, ItemID: item}); err != nil {
			return fmt.Errorf("timeline: emit: %w", err)
		}
		return nil
	})
}

// AnnotationInput adds an annotation.
type AnnotationInput struct {
	ItemID string `json:"item_id" maxLength:"80" doc:"The timeline item: <type>:<uuid> as the timeline lists it"`
	Body   string `json:"body" minLength:"1" maxLength:"10000"`
}

// AnnotationChange edits one.
type AnnotationChange struct {
	Body string `json:"body" minLength:"1" maxLength:"10000"`
}

func checkBody(body string) error {
	if strings.TrimSpace(body) == "" || utf8.RuneCountInString(body) > MaxAnnotation || badText(body) {
		return apperr.Validation("invalid annotation", apperr.Field("body.body", fmt.Sprintf("1 to %d valid characters", MaxAnnotation)))
	}
	return nil
}

// ParseItemID splits "<type>:<uuid>".
func ParseItemID(s string) (string, uuid.UUID, bool) {
	t, v, ok := strings.Cut(s, ":")
	if !ok || !slices.Contains(Types, t) || len(v) != 36 {
		return "", uuid.Nil, false
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return "", uuid.Nil, false
	}
	return t, id, true
}

// itemExists checks that the item is on the timeline of one of set.
func itemExists(ctx context.Context, tx *db.Tx, scope tenant.Scope, set []uuid.UUID, typ string, id uuid.UUID) (bool, error) {
	b := &builder{}
	org, rid := b.arg(scope.Org().String()), b.arg(id.String())
	ids := make([]string, len(set))
	for i, x := range set {
		ids[i] = x.String()
	}
	in := b.list(ids)
	var q string
	switch typ {
	case TypeAlert:
		q = `SELECT 1 FROM incident_alerts WHERE org_id = ` + org + ` AND alert_id = ` + rid + ` AND incident_id IN (` + in + `)`
	case TypeLog:
		q = `SELECT 1 FROM incident_log WHERE org_id = ` + org + ` AND id = ` + rid + ` AND incident_id IN (` + in + `)`
	case TypeNote:
		q = `SELECT 1 FROM incident_notes WHERE org_id = ` + org + ` AND id = ` + rid + ` AND incident_id IN (` + in + `)`
	case TypeCustody:
		q = `SELECT 1 FROM evidence_custody c JOIN evidence e ON e.org_id = c.org_id AND e.id = c.evidence_id WHERE c.org_id = ` + org +
			` AND c.id = ` + rid + ` AND e.incident_id IN (` + in + `)`
	case TypeEntry:
		q = `SELECT 1 FROM timeline_entries WHERE org_id = ` + org + ` AND id = ` + rid + ` AND incident_id IN (` + in + `)`
	default:
		return false, nil
	}
	var one int
	err := tx.QueryRowContext(ctx, q, b.args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("timeline: find item: %w", err)
	}
	return true, nil
}

const annotationCols = `id, item_id, body, author, created_at, updated_at`

// Annotate adds an annotation to an item of an incident's timeline.
func (s *Store) Annotate(ctx context.Context, scope tenant.Scope, incident uuid.UUID, in AnnotationInput) (*Annotation, error) {
	typ, rid, ok := ParseItemID(in.ItemID)
	if !ok {
		return nil, apperr.Validation("invalid item", apperr.Field("body.item_id", "expected <type>:<uuid> with type one of "+strings.Join(Types, ", ")))
	}
	if err := checkBody(in.Body); err != nil {
		return nil, err
	}
	now := s.now()
	a := Annotation{ID: uuid.Must(uuid.NewV7()), ItemID: typ + ":" + rid.String(), Body: in.Body, Author: scope.Actor(), CreatedAt: now, UpdatedAt: now}
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		set, err := incidentSet(ctx, tx, scope, incident)
		if err != nil {
			return err
		}
		found, err := itemExists(ctx, tx, scope, set, typ, rid)
		if err != nil {
			return err
		}
		if !found {
			return apperr.Validation("unknown item", apperr.Field("body.item_id", "is not an item of this incident's timeline"))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO timeline_annotations (id, org_id, incident_id, item_id, body, author, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, a.ID.String(), scope.Org().String(), incident.String(), a.ItemID, a.Body, a.Author, now); err != nil {
			return fmt.Errorf("timeline: insert annotation: %w", err)
		}
		return record(ctx, tx, scope, "timeline.annotation.create", "timeline_annotation", a.ID.String(), EventAnnotationAdded,
			EventV1{IncidentID: incident, AnnotationID: &a.ID, ItemID: a.ItemID})
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func loadAnnotation(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident, id uuid.UUID) (Annotation, error) {
	return scanAnnotation(tx.QueryRowContext(ctx, `SELECT `+annotationCols+` FROM timeline_annotations WHERE org_id = $1 AND incident_id = $2 AND id = $3`,
		scope.Org().String(), incident.String(), id.String()))
}

// EditAnnotation replaces an annotation's text (its author only).
func (s *Store) EditAnnotation(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID, c AnnotationChange) (*Annotation, error) {
	if err := checkBody(c.Body); err != nil {
		return nil, err
	}
	var a Annotation
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if a, err = loadAnnotation(ctx, tx, scope, incident, id); err != nil {
			return err
		}
		if a.Author != scope.Actor() {
			return apperr.Forbidden("only the annotation's author may edit it").WithCode("not_author")
		}
		a.Body, a.UpdatedAt = c.Body, s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE timeline_annotations SET body = $4, updated_at = $5 WHERE org_id = $1 AND incident_id = $2 AND id = $3`,
			scope.Org().String(), incident.String(), id.String(), a.Body, a.UpdatedAt); err != nil {
			return fmt.Errorf("timeline: edit annotation: %w", err)
		}
		return record(ctx, tx, scope, "timeline.annotation.update", "timeline_annotation", id.String(), EventAnnotationUpdated,
			EventV1{IncidentID: incident, AnnotationID: &id, ItemID: a.ItemID})
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// DeleteAnnotation deletes an annotation (its author only; audited with
// its text).
func (s *Store) DeleteAnnotation(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID) error {
	return s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		a, err := loadAnnotation(ctx, tx, scope, incident, id)
		if err != nil {
			return err
		}
		if a.Author != scope.Actor() {
			return apperr.Forbidden("only the annotation's author may delete it").WithCode("not_author")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM timeline_annotations WHERE org_id = $1 AND incident_id = $2 AND id = $3`,
			scope.Org().String(), incident.String(), id.String()); err != nil {
			return fmt.Errorf("timeline: delete annotation: %w", err)
		}
		return record(ctx, tx, scope, "timeline.annotation.delete", "timeline_annotation", id.String(), EventAnnotationDeleted,
			EventV1{IncidentID: incident, AnnotationID: &id, ItemID: a.ItemID})
	})
}
