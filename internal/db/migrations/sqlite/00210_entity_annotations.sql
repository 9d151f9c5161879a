-- Entity pages (docs/entities.md): analysts' tags and notes on an entity,
-- earlier texts of edited notes, and the per-user landing page preference.
-- Same meaning as the PostgreSQL migration; note revisions are
-- append-only by trigger.

-- +goose Up
CREATE TABLE entity_tags (
  org_id     TEXT NOT NULL,
  entity_id  TEXT NOT NULL,
  tag        TEXT NOT NULL,
  added_by   TEXT NOT NULL,
  added_at   TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, entity_id, tag)
);

CREATE TABLE entity_notes (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL,
  entity_id  TEXT NOT NULL,
  author     TEXT NOT NULL,
  body       TEXT NOT NULL,
  revisions  INTEGER NOT NULL DEFAULT 0,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX entity_notes_entity ON entity_notes (org_id, entity_id, created_at DESC, id DESC);

CREATE TABLE entity_note_revisions (
  id        TEXT PRIMARY KEY,
  org_id    TEXT NOT NULL,
  note_id   TEXT NOT NULL REFERENCES entity_notes (id) ON DELETE CASCADE,
  body      TEXT NOT NULL,
  edited_by TEXT NOT NULL,
  edited_at TIMESTAMP NOT NULL
);
CREATE INDEX entity_note_revisions_note ON entity_note_revisions (org_id, note_id, edited_at, id);

-- +goose StatementBegin
CREATE TRIGGER entity_note_revisions_no_update BEFORE UPDATE ON entity_note_revisions
BEGIN SELECT RAISE(ABORT, 'entity_note_revisions is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER entity_note_revisions_no_delete BEFORE DELETE ON entity_note_revisions
BEGIN SELECT RAISE(ABORT, 'entity_note_revisions is append-only'); END;
-- +goose StatementEnd

CREATE TABLE user_landing (
  org_id     TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  page       TEXT NOT NULL CHECK (page IN ('alerts', 'dashboard')),
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (org_id, user_id)
);

-- +goose Down
DROP TABLE user_landing;
DROP TRIGGER entity_note_revisions_no_delete;
DROP TRIGGER entity_note_revisions_no_update;
DROP TABLE entity_note_revisions;
DROP TABLE entity_notes;
DROP TABLE entity_tags;
