-- Platform-level record of one-time re-seals of stored secrets (for
-- example moving pre-keyring values onto internal/platform/secrets). No
-- org data: one row per completed re-seal.

-- +goose Up
CREATE TABLE secret_reseals (
  name    TEXT PRIMARY KEY,
  done_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE secret_reseals;
