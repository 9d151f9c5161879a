package investigate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/audit"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/page"
	"github.com/securenexus/securenexus/internal/platform/events"
	"github.com/securenexus/securenexus/internal/rbac"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Limits of annotations.
const (
	MaxTags       = 50
	MaxTagLen     = 64
	MaxTagChange  = 20
	MaxNoteBody   = 20000
	NoteListLimit = 100
)

// EventV1 is the payload of every entity.*.v1 event: the entity and what
// changed (the same details the audit entry records).
type EventV1 struct {
	EntityID uuid.UUID       `json:"entity_id"`
	Details  json.RawMessage `json:"details,omitempty"`
}

// The entity event kinds (subject entity/<id>).
var (
	EventTagsChanged = events.Register[EventV1]("entity.tags_changed.v1", "Analysts' tags on an entity changed (details: added, removed, tags).", rbac.AlertsRead)
	EventNoteAdded   = events.Register[EventV1]("entity.note_added.v1", "An analyst note was added to an entity (details: note_id).", rbac.AlertsRead)
	EventNoteEdited  = events.Register[EventV1]("entity.note_edited.v1", "An analyst note on an entity was edited by its author (details: note_id, revisions).", rbac.AlertsRead)
)

// normTag is a tag's stored form: trimmed, lower-case.
func normTag(t string) string { return strings.ToLower(strings.TrimSpace(t)) }

func badText(s string) bool { return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 }

// EntityTagChange adds and removes tags of an entity.
type EntityTagChange struct {
	Add    []string `json:"add,omitempty" maxItems:"20" doc:"Tags to add (trimmed, lower-cased; 1 to 64 characters)"`
	Remove []string `json:"remove,omitempty" maxItems:"20" doc:"Tags to remove (absent ones are ignored)"`
}

func (c *EntityTagChange) normalize() error {
	var fields []apperr.FieldError
	for name, list := range map[string]*[]string{"add": &c.Add, "remove": &c.Remove} {
		var out []string
		for i, t := range *list {
			n := normTag(t)
			if n == "" || utf8.RuneCountInString(n) > MaxTagLen || badText(n) {
				fields = append(fields, apperr.Field(fmt.Sprintf("body.%s[%d]", name, i), fmt.Sprintf("a tag is 1 to %d characters", MaxTagLen)))
				continue
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		*list = out
	}
	if len(c.Add)+len(c.Remove) == 0 && len(fields) == 0 {
		fields = append(fields, apperr.Field("body.add", "add or remove at least one tag"))
	}
	if len(fields) > 0 {
		slices.SortFunc(fields, func(a, b apperr.FieldError) int { return strings.Compare(a.Location, b.Location) })
		return apperr.Validation("invalid tag change", fields...)
	}
	return nil
}

func tags(ctx context.Context, tx *db.Tx, scope tenant.Scope, id uuid.UUID) ([]string, error) {
	rs, err := tx.QueryContext(ctx, `SELECT tag FROM entity_tags WHERE org_id = $1 AND entity_id = $2 ORDER BY tag`, scope.Org().String(), id.String())
	if err != nil {
		return nil, fmt.Errorf("investigate: tags: %w", err)
	}
	defer func() { _ = rs.Close() }()
	out := []string{}
	for rs.Next() {
		var t string
		if err := rs.Scan(&t); err != nil {
			return nil, fmt.Errorf("investigate: scan tag: %w", err)
		}
		out = append(out, t)
	}
	return out, rs.Err()
}

// record writes the audit entry and the event of one entity change.
func record(ctx context.Context, tx *db.Tx, scope tenant.Scope, action string, ev events.Def[EventV1], id uuid.UUID, details any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("investigate: encode details: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Entry{OrgID: scope.Org(), Actor: scope.Actor(), Action: action,
		TargetType: "entity", TargetID: id.String(), Details: b}); err != nil {
		return err
	}
	if _, err := events.Append(ctx, tx, scope, ev, events.Subject("entity", id), EventV1{EntityID: id, Details: b}); err != nil {
		return fmt.Errorf("investigate: emit %s: %w", ev.Kind(), err)
	}
	return nil
}

// ChangeTags adds and removes analysts' tags on the scope's entity id
// (audited, entity.tags_changed.v1) and returns its tags.
func (s *Store) ChangeTags(ctx context.Context, scope tenant.Scope, id uuid.UUID, c EntityTagChange) ([]string, error) {
	if err := c.normalize(); err != nil {
		return nil, err
	}
	var out []string
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.Alerts.Entity(ctx, scope, id); err != nil {
			return err
		}
		before, err := tags(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		now := s.now()
		var added, removed []string
		for _, t := range c.Remove {
			if !slices.Contains(before, t) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM entity_tags WHERE org_id = $1 AND entity_id = $2 AND tag = $3`, scope.Org().String(), id.String(), t); err != nil {
				return fmt.Errorf("investigate: remove tag: %w", err)
			}
			removed = append(removed, t)
		}
		for _, t := range c.Add {
			if slices.Contains(before, t) && !slices.Contains(removed, t) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO entity_tags (org_id, entity_id, tag, added_by, added_at) VALUES ($1, $2, $3, $4, $5)`,
				scope.Org().String(), id.String(), t, scope.Actor(), now); err != nil {
				return fmt.Errorf("investigate: add tag: %w", err)
			}
			added = append(added, t)
		}
		if out, err = tags(ctx, tx, scope, id); err != nil {
			return err
		}
		if len(out) > MaxTags {
			return apperr.Validation("too many tags", apperr.Field("body.add", fmt.Sprintf("an entity has at most %d tags", MaxTags)))
		}
		if len(added)+len(removed) == 0 {
			return nil
		}
		return record(ctx, tx, scope, "entity.tags.update", EventTagsChanged, id,
			map[string]any{"added": nonNil(added), "removed": nonNil(removed), "tags": out})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// EntityNote is an analyst's note on an entity.
type EntityNote struct {
	ID        uuid.UUID `json:"id"`
	EntityID  uuid.UUID `json:"entity_id"`
	Author    string    `json:"author" doc:"Actor who wrote it (user:<id> or apikey:<id>); only the author edits it"`
	Body      string    `json:"body"`
	Revisions int       `json:"revisions" doc:"How many times the note was edited (earlier texts: the revisions operation)"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// EntityNoteInput creates or edits a note.
type EntityNoteInput struct {
	Body string `json:"body" minLength:"1" maxLength:"20000" doc:"Text of the note"`
}

// EntityNoteRevision is an earlier text of an edited note.
type EntityNoteRevision struct {
	Body     string    `json:"body"`
	EditedBy string    `json:"edited_by"`
	EditedAt time.Time `json:"edited_at" doc:"When this text was replaced"`
}

func checkNote(body string) error {
	if strings.TrimSpace(body) == "" || utf8.RuneCountInString(body) > MaxNoteBody || badText(body) {
		return apperr.Validation("invalid note", apperr.Field("body.body", fmt.Sprintf("a note is 1 to %d valid characters", MaxNoteBody)))
	}
	return nil
}

const noteCols = `id, entity_id, author, body, revisions, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanNote(sc scanner) (EntityNote, error) {
	var n EntityNote
	if err := sc.Scan(&n.ID, &n.EntityID, &n.Author, &n.Body, &n.Revisions, &n.CreatedAt, &n.UpdatedAt); err != nil {
		return n, err
	}
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	return n, nil
}

// AddNote adds a note to the scope's entity id (audited,
// entity.note_added.v1).
func (s *Store) AddNote(ctx context.Context, scope tenant.Scope, id uuid.UUID, in EntityNoteInput) (*EntityNote, error) {
	if err := checkNote(in.Body); err != nil {
		return nil, err
	}
	var n EntityNote
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.Alerts.Entity(ctx, scope, id); err != nil {
			return err
		}
		now := s.now()
		n = EntityNote{ID: newID(), EntityID: id, Author: scope.Actor(), Body: in.Body, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO entity_notes (id, org_id, entity_id, author, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
			n.ID.String(), scope.Org().String(), id.String(), n.Author, n.Body, now); err != nil {
			return fmt.Errorf("investigate: insert note: %w", err)
		}
		return record(ctx, tx, scope, "entity.note.create", EventNoteAdded, id, map[string]any{"note_id": n.ID})
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func loadNote(ctx context.Context, tx *db.Tx, scope tenant.Scope, entityID, id uuid.UUID) (EntityNote, error) {
	n, err := scanNote(tx.QueryRowContext(ctx, `SELECT `+noteCols+` FROM entity_notes WHERE org_id = $1 AND entity_id = $2 AND id = $3`,
		scope.Org().String(), entityID.String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return n, apperr.NotFound("note")
	}
	if err != nil {
		return n, fmt.Errorf("investigate: load note: %w", err)
	}
	return n, nil
}

// EditNote replaces a note's text (its author only), keeping the earlier
// text as a revision (audited, entity.note_edited.v1).
func (s *Store) EditNote(ctx context.Context, scope tenant.Scope, entityID, id uuid.UUID, in EntityNoteInput) (*EntityNote, error) {
	if err := checkNote(in.Body); err != nil {
		return nil, err
	}
	var n EntityNote
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		var err error
		if n, err = loadNote(ctx, tx, scope, entityID, id); err != nil {
			return err
		}
		if n.Author != scope.Actor() {
			return apperr.Forbidden("only the note's author may edit it").WithCode("not_author")
		}
		if n.Body == in.Body {
			return nil
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO entity_note_revisions (id, org_id, note_id, body, edited_by, edited_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			newID().String(), scope.Org().String(), id.String(), n.Body, scope.Actor(), now); err != nil {
			return fmt.Errorf("investigate: note revision: %w", err)
		}
		n.Body, n.Revisions, n.UpdatedAt = in.Body, n.Revisions+1, now
		if _, err := tx.ExecContext(ctx, `UPDATE entity_notes SET body = $3, revisions = $4, updated_at = $5 WHERE org_id = $1 AND id = $2`,
			scope.Org().String(), id.String(), n.Body, n.Revisions, now); err != nil {
			return fmt.Errorf("investigate: edit note: %w", err)
		}
		return record(ctx, tx, scope, "entity.note.update", EventNoteEdited, entityID, map[string]any{"note_id": id, "revisions": n.Revisions})
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// NotePage is a page of an entity's notes.
type NotePage = page.Body[EntityNote]

// Notes returns one page of the entity's notes, newest first.
func (s *Store) Notes(ctx context.Context, scope tenant.Scope, entityID uuid.UUID, cursor string, limit int) (*NotePage, error) {
	limit = page.Limit(limit, DefaultLimit, NoteListLimit)
	var after *timeKey
	if cursor != "" {
		k, err := page.Decode[timeKey](kindNotes, cursor)
		if err != nil {
			return nil, err
		}
		after = &k
	}
	if _, err := s.Alerts.Entity(ctx, scope, entityID); err != nil {
		return nil, err
	}
	var rows []EntityNote
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		q := `SELECT ` + noteCols + ` FROM entity_notes WHERE org_id = $1 AND entity_id = $2`
		args := []any{scope.Org().String(), entityID.String()}
		if after != nil {
			q += ` AND (created_at, id) < ($3, $4)`
			args = append(args, after.At, after.ID.String())
		}
		q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit+1)
		var err error
		rows, err = db.Collect(ctx, tx, func(sc db.Scanner) (EntityNote, error) { return scanNote(sc) }, q, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("investigate: list notes: %w", err)
	}
	out := &NotePage{}
	out.Items, out.NextCursor = page.Trim(kindNotes, rows, limit, func(n EntityNote) timeKey { return timeKey{At: n.CreatedAt, ID: n.ID} })
	return out, nil
}

// NoteRevisions lists the earlier texts of a note, oldest first.
func (s *Store) NoteRevisions(ctx context.Context, scope tenant.Scope, entityID, id uuid.UUID) ([]EntityNoteRevision, error) {
	out := []EntityNoteRevision{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := loadNote(ctx, tx, scope, entityID, id); err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT body, edited_by, edited_at FROM entity_note_revisions WHERE org_id = $1 AND note_id = $2 ORDER BY edited_at, id`,
			scope.Org().String(), id.String())
		if err != nil {
			return fmt.Errorf("investigate: list revisions: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var v EntityNoteRevision
			if err := rs.Scan(&v.Body, &v.EditedBy, &v.EditedAt); err != nil {
				return fmt.Errorf("investigate: scan revision: %w", err)
			}
			v.EditedAt = v.EditedAt.UTC()
			out = append(out, v)
		}
		return rs.Err()
	})
	return out, err
}
