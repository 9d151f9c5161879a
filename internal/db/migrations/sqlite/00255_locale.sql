-- Time zones and languages (see the PostgreSQL migration).

-- +goose Up
ALTER TABLE orgs ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE orgs ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN language;
ALTER TABLE users DROP COLUMN timezone;
ALTER TABLE orgs DROP COLUMN language;
ALTER TABLE orgs DROP COLUMN timezone;
