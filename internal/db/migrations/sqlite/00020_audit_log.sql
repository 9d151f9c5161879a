-- Tamper-evident, append-only audit log: one hash chain per org (org_id)
-- plus the platform chain (org_id IS NULL). See docs/security.md "Audit log".

-- +goose Up
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id      TEXT,
  seq         INTEGER NOT NULL CHECK (seq > 0),
  occurred_at TIMESTAMP NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target_type TEXT NOT NULL DEFAULT '',
  target_id   TEXT NOT NULL DEFAULT '',
  outcome     TEXT NOT NULL,
  request_id  TEXT NOT NULL DEFAULT '',
  ip          TEXT NOT NULL DEFAULT '',
  user_agent  TEXT NOT NULL DEFAULT '',
  details     TEXT NOT NULL DEFAULT '{}',
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_log_org_seq ON audit_log (org_id, seq);
CREATE UNIQUE INDEX audit_log_platform_seq ON audit_log (seq) WHERE org_id IS NULL;
CREATE INDEX audit_log_org_occurred ON audit_log (org_id, occurred_at);

-- Append-only: SQLite has no privileges, so triggers refuse changes.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only (UPDATE refused)');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only (DELETE refused)');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_log;
