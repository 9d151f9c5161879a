-- Time zones and languages (docs/ui.md "Languages and time zones"): the
-- org's default display time zone and language (also the zone of its
-- reports and of its default SLA calendar), and each user's override
-- (empty: follow the selected org). orgs and users are global tables (no
-- RLS); the columns are read and written only through internal/identity.

-- +goose Up
ALTER TABLE orgs ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';
ALTER TABLE orgs ADD COLUMN language text NOT NULL DEFAULT 'en';
ALTER TABLE users ADD COLUMN timezone text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN language;
ALTER TABLE users DROP COLUMN timezone;
ALTER TABLE orgs DROP COLUMN language;
ALTER TABLE orgs DROP COLUMN timezone;
