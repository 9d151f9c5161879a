-- Evidence: files attached to incidents, kept in the blob store
-- (docs/evidence.md). evidence holds each artifact's metadata and the
-- SHA-256 taken at collection; evidence_custody is its hash-chained,
-- append-only chain-of-custody log; evidence_keys holds each org's Ed25519
-- manifest signing key (private key sealed by the keyring);
-- evidence_settings the org's upload size limit. Forced row-level security
-- on every table.

-- +goose Up
CREATE TABLE evidence (
  id                 uuid PRIMARY KEY,
  org_id             uuid NOT NULL,
  incident_id        uuid NOT NULL,
  name               text NOT NULL,
  content_type       text NOT NULL,
  declared_type      text NOT NULL DEFAULT '',
  size               bigint NOT NULL CHECK (size >= 0),
  sha256             text NOT NULL CHECK (length(sha256) = 64),
  blob_key           text NOT NULL,
  description        text NOT NULL DEFAULT '',
  collected_by       text NOT NULL,
  collected_at       timestamptz NOT NULL,
  collected_ip       text NOT NULL DEFAULT '',
  collected_user_agent text NOT NULL DEFAULT '',
  integrity          text NOT NULL DEFAULT 'ok' CHECK (integrity IN ('ok', 'failed')),
  last_verified_at   timestamptz,
  custody_seq        bigint NOT NULL DEFAULT 0,
  custody_head       text NOT NULL DEFAULT ''
);
CREATE INDEX evidence_org_incident ON evidence (org_id, incident_id, collected_at, id);
CREATE INDEX evidence_verify_due ON evidence (last_verified_at NULLS FIRST);

CREATE TABLE evidence_custody (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  evidence_id uuid NOT NULL REFERENCES evidence (id) ON DELETE RESTRICT,
  seq         bigint NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  ip          text NOT NULL DEFAULT '',
  user_agent  text NOT NULL DEFAULT '',
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash   text NOT NULL,
  hash        text NOT NULL,
  UNIQUE (evidence_id, seq)
);
CREATE INDEX evidence_custody_org ON evidence_custody (org_id, evidence_id, seq);

CREATE TABLE evidence_keys (
  org_id          uuid PRIMARY KEY,
  id              uuid NOT NULL UNIQUE,
  key_id          text NOT NULL,
  public_key      text NOT NULL,
  private_key_enc text NOT NULL,
  created_at      timestamptz NOT NULL
);

CREATE TABLE evidence_settings (
  org_id     uuid PRIMARY KEY,
  max_size   bigint NOT NULL CHECK (max_size > 0),
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['evidence', 'evidence_custody', 'evidence_keys', 'evidence_settings'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid) '
                   'WITH CHECK (org_id = NULLIF(current_setting(''app.org_id'', true), '''')::uuid)', t || '_org', t);
  END LOOP;
END
$$;
-- +goose StatementEnd
REVOKE UPDATE, DELETE, TRUNCATE ON evidence_custody FROM securenexus_app;
REVOKE DELETE, TRUNCATE ON evidence FROM securenexus_app;

-- The re-verification job finds due artifacts across orgs (it then works
-- each inside its org's scope); it sees ids only.
-- +goose StatementBegin
CREATE FUNCTION evidence_verify_due(before timestamptz, lim integer) RETURNS TABLE (org_id uuid, id uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT e.org_id, e.id FROM evidence e
  WHERE e.last_verified_at IS NULL OR e.last_verified_at < before
  ORDER BY e.last_verified_at NULLS FIRST, e.id LIMIT lim
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION evidence_verify_due(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION evidence_verify_due(timestamptz, integer) TO securenexus_app;

-- +goose Down
DROP FUNCTION evidence_verify_due(timestamptz, integer);
DROP TABLE evidence_settings;
DROP TABLE evidence_keys;
DROP TABLE evidence_custody;
DROP TABLE evidence;
