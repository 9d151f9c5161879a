-- Evidence: files attached to incidents, kept in the blob store
-- (docs/evidence.md). Same meaning as the PostgreSQL migration; the
-- custody log is append-only by trigger.

-- +goose Up
CREATE TABLE evidence (
  id                 TEXT PRIMARY KEY,
  org_id             TEXT NOT NULL,
  incident_id        TEXT NOT NULL,
  name               TEXT NOT NULL,
  content_type       TEXT NOT NULL,
  declared_type      TEXT NOT NULL DEFAULT '',
  size               INTEGER NOT NULL CHECK (size >= 0),
  sha256             TEXT NOT NULL CHECK (length(sha256) = 64),
  blob_key           TEXT NOT NULL,
  description        TEXT NOT NULL DEFAULT '',
  collected_by       TEXT NOT NULL,
  collected_at       TIMESTAMP NOT NULL,
  collected_ip       TEXT NOT NULL DEFAULT '',
  collected_user_agent TEXT NOT NULL DEFAULT '',
  integrity          TEXT NOT NULL DEFAULT 'ok' CHECK (integrity IN ('ok', 'failed')),
  last_verified_at   TIMESTAMP,
  custody_seq        INTEGER NOT NULL DEFAULT 0,
  custody_head       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX evidence_org_incident ON evidence (org_id, incident_id, collected_at, id);
CREATE INDEX evidence_verify_due ON evidence (last_verified_at);

CREATE TABLE evidence_custody (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE RESTRICT,
  seq         INTEGER NOT NULL,
  at          TIMESTAMP NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  ip          TEXT NOT NULL DEFAULT '',
  user_agent  TEXT NOT NULL DEFAULT '',
  details     TEXT NOT NULL DEFAULT '{}',
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  UNIQUE (evidence_id, seq)
);
CREATE INDEX evidence_custody_org ON evidence_custody (org_id, evidence_id, seq);

-- +goose StatementBegin
CREATE TRIGGER evidence_custody_no_update BEFORE UPDATE ON evidence_custody
BEGIN SELECT RAISE(ABORT, 'evidence_custody is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER evidence_custody_no_delete BEFORE DELETE ON evidence_custody
BEGIN SELECT RAISE(ABORT, 'evidence_custody is append-only'); END;
-- +goose StatementEnd

CREATE TABLE evidence_keys (
  org_id          TEXT PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  key_id          TEXT NOT NULL,
  public_key      TEXT NOT NULL,
  private_key_enc TEXT NOT NULL,
  created_at      TIMESTAMP NOT NULL
);

CREATE TABLE evidence_settings (
  org_id     TEXT PRIMARY KEY,
  max_size   INTEGER NOT NULL CHECK (max_size > 0),
  updated_at TIMESTAMP NOT NULL,
  updated_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE evidence_settings;
DROP TABLE evidence_keys;
DROP TRIGGER evidence_custody_no_delete;
DROP TRIGGER evidence_custody_no_update;
DROP TABLE evidence_custody;
DROP TABLE evidence;
