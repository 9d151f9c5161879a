-- Entity pages (docs/entities.md): analysts' tags and notes on an entity
-- (a row of entities), with every earlier text of an edited note, and a
-- per-user preference of the page the UI lands on (docs/dashboard.md).
-- Every table is org-scoped with forced row-level security; note
-- revisions are insert-only for the application role.

-- +goose Up
CREATE TABLE entity_tags (
  org_id     uuid NOT NULL,
  entity_id  uuid NOT NULL,
  tag        text NOT NULL,
  added_by   text NOT NULL,
  added_at   timestamptz NOT NULL,
  PRIMARY KEY (org_id, entity_id, tag)
);

CREATE TABLE entity_notes (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL,
  entity_id  uuid NOT NULL,
  author     text NOT NULL,
  body       text NOT NULL,
  revisions  integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX entity_notes_entity ON entity_notes (org_id, entity_id, created_at DESC, id DESC);

CREATE TABLE entity_note_revisions (
  id        uuid PRIMARY KEY,
  org_id    uuid NOT NULL,
  note_id   uuid NOT NULL REFERENCES entity_notes (id) ON DELETE CASCADE,
  body      text NOT NULL,
  edited_by text NOT NULL,
  edited_at timestamptz NOT NULL
);
CREATE INDEX entity_note_revisions_note ON entity_note_revisions (org_id, note_id, edited_at, id);

CREATE TABLE user_landing (
  org_id     uuid NOT NULL,
  user_id    uuid NOT NULL,
  page       text NOT NULL CHECK (page IN ('alerts', 'dashboard')),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, user_id)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['entity_tags', 'entity_notes', 'entity_note_revisions', 'user_landing'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid) '
                   'WITH CHECK (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid)', t || '_org', t);
  END LOOP;
END
$$;
-- +goose StatementEnd
REVOKE UPDATE, DELETE, TRUNCATE ON entity_note_revisions FROM securenexus_app;

-- +goose Down
DROP TABLE user_landing;
DROP TABLE entity_note_revisions;
DROP TABLE entity_notes;
DROP TABLE entity_tags;
