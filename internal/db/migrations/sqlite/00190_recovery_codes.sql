-- MFA recovery codes (see the PostgreSQL migration).

-- +goose Up
CREATE TABLE user_recovery_codes (
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  used_at    TIMESTAMP,
  PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE user_recovery_codes;
