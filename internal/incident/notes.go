package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/db"
	"github.com/securenexus/securenexus/internal/tenant"
)

// Limits of notes.
const (
	MaxNoteBody     = 20000
	MaxNoteMentions = 50
)

// Note is an analyst's note on an incident. Mentions are written
// <@user-id> in the body; each mentioned member gets a notification.
type Note struct {
	ID         uuid.UUID   `json:"id"`
	IncidentID uuid.UUID   `json:"incident_id"`
	Author     string      `json:"author"`
	Body       string      `json:"body"`
	Mentions   []uuid.UUID `json:"mentions"`
	Revisions  int         `json:"revisions" doc:"How many times the note was edited (earlier texts: the revisions operation)"`
	MovedFrom  *uuid.UUID  `json:"moved_from,omitempty" doc:"Incident the note came from in a merge"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	// DecisionAt is when the note was marked as a decision (absent: it is
	// not one); DecisionBy who marked it.
	DecisionAt *time.Time `json:"decision_at,omitempty" doc:"When the note was marked as a decision (absent: not a decision)"`
	DecisionBy string     `json:"decision_by,omitempty" doc:"Who marked the note as a decision"`
}

// NoteInput creates or edits a note.
type NoteInput struct {
	Body string `json:"body" minLength:"1" maxLength:"20000" doc:"Text; <@user-id> mentions a member"`
}

// NoteRevision is an earlier text of an edited note.
type NoteRevision struct {
	Body     string    `json:"body"`
	EditedBy string    `json:"edited_by"`
	EditedAt time.Time `json:"edited_at" doc:"When this text was replaced"`
}

var mentionRe = regexp.MustCompile(`<@([0-9a-fA-F-]{36})>`)

// Mentions returns the distinct user ids mentioned in body, in order.
func Mentions(body string) []uuid.UUID {
	var out []uuid.UUID
	for _, m := range mentionRe.FindAllStringSubmatch(body, -1) {
		u, err := uuid.Parse(m[1])
		if err != nil || slices.Contains(out, u) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func (s *Store) checkNote(ctx context.Context, scope tenant.Scope, body string) ([]uuid.UUID, error) {
	if strings.TrimSpace(body) == "" || utf8.RuneCountInString(body) > MaxNoteBody || badText(body) != "" {
		return nil, apperr.Validation("invalid note", apperr.Field("body.body", fmt.Sprintf("a note is 1 to %d valid characters", MaxNoteBody)))
	}
	ms := Mentions(body)
	if len(ms) > MaxNoteMentions {
		return nil, apperr.Validation("invalid note", apperr.Field("body.body", fmt.Sprintf("at most %d mentions", MaxNoteMentions)))
	}
	for _, u := range ms {
		ok, err := s.isMember(ctx, scope, u)
		if err != nil {
			return nil, fmt.Errorf("incident: check mention: %w", err)
		}
		if !ok {
			return nil, apperr.Validation("invalid note", apperr.Field("body.body", "mentions "+u.String()+", who is not a member of this organization"))
		}
	}
	return ms, nil
}

const noteCols = `id, incident_id, author, body, mentions, revisions, moved_from, created_at, updated_at, decision_at, decision_by`

func scanNote(sc scanner) (Note, error) {
	var n Note
	var mentions string
	var moved sql.NullString
	var decided sql.NullTime
	if err := sc.Scan(&n.ID, &n.IncidentID, &n.Author, &n.Body, &mentions, &n.Revisions, &moved, &n.CreatedAt, &n.UpdatedAt, &decided, &n.DecisionBy); err != nil {
		return n, fmt.Errorf("incident: scan note: %w", err)
	}
	if err := json.Unmarshal([]byte(mentions), &n.Mentions); err != nil {
		return n, fmt.Errorf("incident: decode mentions: %w", err)
	}
	var err error
	if n.MovedFrom, err = nullUUID(moved); err != nil {
		return n, err
	}
	n.Mentions = nonNil(n.Mentions)
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
	if decided.Valid {
		at := decided.Time.UTC()
		n.DecisionAt = &at
	}
	return n, nil
}

// AddNote adds a note and notifies the members it mentions.
func (s *Store) AddNote(ctx context.Context, scope tenant.Scope, incident uuid.UUID, in NoteInput) (*Note, error) {
	var n Note
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		r, err := s.load(ctx, tx, scope, incident)
		if err != nil {
			return err
		}
		ms, err := s.checkNote(ctx, scope, in.Body)
		if err != nil {
			return err
		}
		now := s.now()
		n = Note{ID: newID(), IncidentID: incident, Author: scope.Actor(), Body: in.Body, Mentions: nonNil(ms), CreatedAt: now, UpdatedAt: now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_notes (id, org_id, incident_id, author, body, mentions, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, n.ID.String(), scope.Org().String(), incident.String(), n.Author, n.Body, jsonArg(n.Mentions), now); err != nil {
			return fmt.Errorf("incident: insert note: %w", err)
		}
		if err := s.notifyMentions(ctx, tx, scope, &r, n.ID, ms, now); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, scope, incident, now); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, incident, now, "note_added", "", "", map[string]uuid.UUID{"note_id": n.ID}); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.note.create", EventNoteAdded, incident, map[string]any{"note_id": n.ID, "mentions": n.Mentions})
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func (s *Store) loadNote(ctx context.Context, tx *db.Tx, scope tenant.Scope, incident, id uuid.UUID) (Note, error) {
	n, err := scanNote(tx.QueryRowContext(ctx, `SELECT `+noteCols+` FROM incident_notes WHERE org_id = $1 AND incident_id = $2 AND id = $3`,
		scope.Org().String(), incident.String(), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return n, apperr.NotFound("note")
	}
	return n, err
}

// EditNote replaces a note's text (its author only), keeping the earlier
// text as a revision; newly mentioned members are notified.
func (s *Store) EditNote(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID, in NoteInput) (*Note, error) {
	var n Note
	err := s.DB.InOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		r, err := s.load(ctx, tx, scope, incident)
		if err != nil {
			return err
		}
		if n, err = s.loadNote(ctx, tx, scope, incident, id); err != nil {
			return err
		}
		if n.Author != scope.Actor() {
			return apperr.Forbidden("only the note's author may edit it").WithCode("not_author")
		}
		ms, err := s.checkNote(ctx, scope, in.Body)
		if err != nil {
			return err
		}
		if in.Body == n.Body {
			return nil
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_note_revisions (id, org_id, note_id, body, edited_by, edited_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			newID().String(), scope.Org().String(), id.String(), n.Body, scope.Actor(), now); err != nil {
			return fmt.Errorf("incident: note revision: %w", err)
		}
		fresh := slices.DeleteFunc(slices.Clone(ms), func(u uuid.UUID) bool { return slices.Contains(n.Mentions, u) })
		n.Body, n.Mentions, n.Revisions, n.UpdatedAt = in.Body, nonNil(ms), n.Revisions+1, now
		if _, err := tx.ExecContext(ctx, `UPDATE incident_notes SET body = $4, mentions = $5, revisions = $6, updated_at = $7
WHERE org_id = $1 AND incident_id = $2 AND id = $3`, scope.Org().String(), incident.String(), id.String(), n.Body, jsonArg(n.Mentions), n.Revisions, now); err != nil {
			return fmt.Errorf("incident: edit note: %w", err)
		}
		if err := s.notifyMentions(ctx, tx, scope, &r, id, fresh, now); err != nil {
			return err
		}
		if err := s.log(ctx, tx, scope, incident, now, "note_edited", "", "", map[string]uuid.UUID{"note_id": id}); err != nil {
			return err
		}
		return s.record(ctx, tx, scope, "incident.note.update", EventNoteEdited, incident, map[string]any{"note_id": id, "mentions": n.Mentions})
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// Notes lists an incident's notes, oldest first.
func (s *Store) Notes(ctx context.Context, scope tenant.Scope, incident uuid.UUID) ([]Note, error) {
	out := []Note{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.load(ctx, tx, scope, incident); err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT `+noteCols+` FROM incident_notes WHERE org_id = $1 AND incident_id = $2 ORDER BY created_at, id`,
			scope.Org().String(), incident.String())
		if err != nil {
			return fmt.Errorf("incident: list notes: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			n, err := scanNote(rs)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return rs.Err()
	})
	return out, err
}

// NoteRevisions lists the earlier texts of a note, oldest first.
func (s *Store) NoteRevisions(ctx context.Context, scope tenant.Scope, incident, id uuid.UUID) ([]NoteRevision, error) {
	out := []NoteRevision{}
	err := s.DB.ReadInOrg(ctx, scope, func(ctx context.Context, tx *db.Tx) error {
		if _, err := s.loadNote(ctx, tx, scope, incident, id); err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT body, edited_by, edited_at FROM incident_note_revisions WHERE org_id = $1 AND note_id = $2 ORDER BY edited_at, id`,
			scope.Org().String(), id.String())
		if err != nil {
			return fmt.Errorf("incident: list revisions: %w", err)
		}
		defer func() { _ = rs.Close() }()
		for rs.Next() {
			var v NoteRevision
			if err := rs.Scan(&v.Body, &v.EditedBy, &v.EditedAt); err != nil {
				return fmt.Errorf("incident: scan revision: %w", err)
			}
			v.EditedAt = v.EditedAt.UTC()
			out = append(out, v)
		}
		return rs.Err()
	})
	return out, err
}
