-- MFA recovery codes: single-use codes shown once when MFA is enabled (or
-- regenerated), stored as SHA-256 digests of 80-bit random codes. Global
-- (per user, no org_id, no RLS), like users and sessions.

-- +goose Up
CREATE TABLE user_recovery_codes (
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  text NOT NULL,
  created_at timestamptz NOT NULL,
  used_at    timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE user_recovery_codes;
