-- Identity, tenancy and access: orgs, users, memberships, roles, sessions,
-- login throttling, API keys, invitations, OIDC configuration. (SQLite has
-- no row-level security; the typed tenant.Scope filter is the wall here.)

-- +goose Up
CREATE TABLE orgs (
  id                       TEXT PRIMARY KEY,
  name                     TEXT NOT NULL,
  created_at               TIMESTAMP NOT NULL,
  updated_at               TIMESTAMP NOT NULL,
  mfa_required             BOOLEAN NOT NULL DEFAULT 0,
  sso_enforced             BOOLEAN NOT NULL DEFAULT 0,
  ip_allowlist             TEXT NOT NULL DEFAULT '[]',
  session_lifetime_seconds INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users (
  id             TEXT PRIMARY KEY,
  email          TEXT NOT NULL,
  email_lower    TEXT NOT NULL UNIQUE,
  name           TEXT NOT NULL DEFAULT '',
  password_hash  TEXT NOT NULL DEFAULT '',
  mfa_enabled    BOOLEAN NOT NULL DEFAULT 0,
  totp_secret    TEXT NOT NULL DEFAULT '',
  totp_pending   TEXT NOT NULL DEFAULT '',
  totp_last_step INTEGER NOT NULL DEFAULT 0,
  disabled       BOOLEAN NOT NULL DEFAULT 0,
  created_at     TIMESTAMP NOT NULL,
  updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  token_hash    TEXT NOT NULL UNIQUE,
  user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    TIMESTAMP NOT NULL,
  last_seen_at  TIMESTAMP NOT NULL,
  expires_at    TIMESTAMP NOT NULL,
  revoked_at    TIMESTAMP,
  mfa           BOOLEAN NOT NULL DEFAULT 0,
  method        TEXT NOT NULL DEFAULT 'password',
  sso_org_id    TEXT,
  last_org_id   TEXT,
  ip            TEXT NOT NULL DEFAULT '',
  user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_throttle (
  key          TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL,
  window_start TIMESTAMP NOT NULL,
  locked_until TIMESTAMP
);

CREATE TABLE memberships (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  UNIQUE (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE roles (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  permissions TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  updated_at  TIMESTAMP NOT NULL,
  UNIQUE (org_id, name)
);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  prefix       TEXT NOT NULL UNIQUE,
  secret_hash  TEXT NOT NULL,
  name         TEXT NOT NULL,
  permissions  TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  created_at   TIMESTAMP NOT NULL,
  expires_at   TIMESTAMP,
  last_used_at TIMESTAMP,
  revoked_at   TIMESTAMP
);
CREATE INDEX api_keys_org ON api_keys (org_id, id);

CREATE TABLE invitations (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  email       TEXT NOT NULL,
  role        TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  created_by  TEXT NOT NULL,
  created_at  TIMESTAMP NOT NULL,
  expires_at  TIMESTAMP NOT NULL,
  accepted_at TIMESTAMP,
  revoked_at  TIMESTAMP
);
CREATE INDEX invitations_org ON invitations (org_id, id);

CREATE TABLE oidc_configs (
  org_id          TEXT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
  issuer          TEXT NOT NULL,
  client_id       TEXT NOT NULL,
  client_secret   TEXT NOT NULL,
  allowed_domains TEXT NOT NULL DEFAULT '[]',
  enabled         BOOLEAN NOT NULL DEFAULT 1,
  updated_at      TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE oidc_configs;
DROP TABLE invitations;
DROP TABLE api_keys;
DROP TABLE roles;
DROP TABLE memberships;
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE orgs;
