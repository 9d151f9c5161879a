-- Identity, tenancy and access: orgs, users, memberships, roles, sessions,
-- login throttling, API keys, invitations, OIDC configuration.
--
-- Global tables (no org_id, no RLS): orgs, users, sessions, login_throttle.
-- Org-scoped tables (RLS on app.org_id): memberships, roles, api_keys,
-- invitations, oidc_configs. The few lookups that must cross orgs before the
-- org is known go through narrowly-scoped SECURITY DEFINER functions below.

-- +goose Up
CREATE TABLE orgs (
  id                       uuid PRIMARY KEY,
  name                     text NOT NULL,
  created_at               timestamptz NOT NULL,
  updated_at               timestamptz NOT NULL,
  mfa_required             boolean NOT NULL DEFAULT false,
  sso_enforced             boolean NOT NULL DEFAULT false,
  ip_allowlist             jsonb NOT NULL DEFAULT '[]'::jsonb,
  session_lifetime_seconds integer NOT NULL DEFAULT 0
);

CREATE TABLE users (
  id             uuid PRIMARY KEY,
  email          text NOT NULL,
  email_lower    text NOT NULL UNIQUE,
  name           text NOT NULL DEFAULT '',
  password_hash  text NOT NULL DEFAULT '',
  mfa_enabled    boolean NOT NULL DEFAULT false,
  totp_secret    text NOT NULL DEFAULT '',
  totp_pending   text NOT NULL DEFAULT '',
  totp_last_step bigint NOT NULL DEFAULT 0,
  disabled       boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);

CREATE TABLE sessions (
  id            uuid PRIMARY KEY,
  token_hash    text NOT NULL UNIQUE,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  mfa           boolean NOT NULL DEFAULT false,
  method        text NOT NULL DEFAULT 'password',
  sso_org_id    uuid,
  last_org_id   uuid,
  ip            text NOT NULL DEFAULT '',
  user_agent    text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_throttle (
  key          text PRIMARY KEY,
  failures     integer NOT NULL,
  window_start timestamptz NOT NULL,
  locked_until timestamptz
);

CREATE TABLE memberships (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE roles (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  permissions jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  UNIQUE (org_id, name)
);

CREATE TABLE api_keys (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  prefix       text NOT NULL UNIQUE,
  secret_hash  text NOT NULL,
  name         text NOT NULL,
  permissions  jsonb NOT NULL,
  created_by   uuid NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id, id);

CREATE TABLE invitations (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  email       text NOT NULL,
  role        text NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  created_by  uuid NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX invitations_org ON invitations (org_id, id);

CREATE TABLE oidc_configs (
  org_id          uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
  issuer          text NOT NULL,
  client_id       text NOT NULL,
  client_secret   text NOT NULL,
  allowed_domains jsonb NOT NULL DEFAULT '[]'::jsonb,
  enabled         boolean NOT NULL DEFAULT true,
  updated_at      timestamptz NOT NULL
);

-- Row-level security: the second tenant wall on every org-scoped table.
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON memberships
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON roles
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON api_keys
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON invitations
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE oidc_configs ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_configs FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON oidc_configs
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);

-- Cross-org lookups needed before an org is selected. Each function is
-- SECURITY DEFINER, owned by the migrating role, returns the fewest columns
-- its caller needs and is keyed by a value only a legitimate caller has (a
-- user id from a verified session, a hash of a presented secret). The
-- migrating role reads through the definer policies below; the application
-- role securenexus_app has no such policy and only ever sees its armed org.
CREATE POLICY definer_read ON memberships FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_read ON api_keys FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_read ON invitations FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_prune ON invitations FOR DELETE TO CURRENT_USER USING (true);

-- The orgs a user belongs to, with the role in each ("me" and org pickers).
-- +goose StatementBegin
CREATE FUNCTION identity_user_orgs(p_user uuid)
RETURNS TABLE (org_id uuid, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT m.org_id, m.role FROM memberships m WHERE m.user_id = p_user
$$;
-- +goose StatementEnd

-- The API key with this public prefix (the caller then verifies the secret
-- hash in constant time).
-- +goose StatementBegin
CREATE FUNCTION identity_api_key_by_prefix(p_prefix text)
RETURNS TABLE (id uuid, org_id uuid, secret_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT k.id, k.org_id, k.secret_hash FROM api_keys k
  WHERE k.prefix = p_prefix AND k.revoked_at IS NULL
$$;
-- +goose StatementEnd

-- The org of the pending invitation whose token hashes to p_hash.
-- +goose StatementBegin
CREATE FUNCTION identity_invitation_org(p_hash text)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT i.org_id FROM invitations i
  WHERE i.token_hash = p_hash AND i.accepted_at IS NULL AND i.revoked_at IS NULL
$$;
-- +goose StatementEnd

-- Deletes expired or revoked invitations in every org (maintenance).
-- +goose StatementBegin
CREATE FUNCTION identity_prune_invitations(p_before timestamptz)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH d AS (
    DELETE FROM invitations WHERE expires_at < p_before OR accepted_at < p_before - interval '30 days'
    RETURNING 1
  ) SELECT count(*) FROM d
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION identity_user_orgs(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION identity_api_key_by_prefix(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION identity_invitation_org(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION identity_prune_invitations(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION identity_user_orgs(uuid) TO securenexus_app;
GRANT EXECUTE ON FUNCTION identity_api_key_by_prefix(text) TO securenexus_app;
GRANT EXECUTE ON FUNCTION identity_invitation_org(text) TO securenexus_app;
GRANT EXECUTE ON FUNCTION identity_prune_invitations(timestamptz) TO securenexus_app;

-- +goose Down
DROP FUNCTION identity_prune_invitations(timestamptz);
DROP FUNCTION identity_invitation_org(text);
DROP FUNCTION identity_api_key_by_prefix(text);
DROP FUNCTION identity_user_orgs(uuid);
DROP TABLE oidc_configs;
DROP TABLE invitations;
DROP TABLE api_keys;
DROP TABLE roles;
DROP TABLE memberships;
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE orgs;
