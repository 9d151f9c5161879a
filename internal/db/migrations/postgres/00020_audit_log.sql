-- Tamper-evident, append-only audit log: one hash chain per org (org_id)
-- plus the platform chain (org_id IS NULL). See docs/security.md "Audit log".

-- +goose Up
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      uuid,
  seq         bigint NOT NULL CHECK (seq > 0),
  occurred_at timestamptz NOT NULL,
  actor       text NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL DEFAULT '',
  target_id   text NOT NULL DEFAULT '',
  outcome     text NOT NULL,
  request_id  text NOT NULL DEFAULT '',
  ip          text NOT NULL DEFAULT '',
  user_agent  text NOT NULL DEFAULT '',
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
-- Per-chain position; NULLs are distinct in a plain unique index, so the
-- platform chain gets its own partial index.
CREATE UNIQUE INDEX audit_log_org_seq ON audit_log (org_id, seq);
CREATE UNIQUE INDEX audit_log_platform_seq ON audit_log (seq) WHERE org_id IS NULL;
CREATE INDEX audit_log_org_occurred ON audit_log (org_id, occurred_at);

-- Append-only for the application: the default privileges granted
-- UPDATE and DELETE, take everything back and give only SELECT, INSERT.
REVOKE ALL ON audit_log FROM securenexus_app;
GRANT SELECT, INSERT ON audit_log TO securenexus_app;

-- Defence in depth: even the owner cannot change rows without first
-- disabling this trigger (which is itself visible in the catalog).
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = '42501';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Row-level security. Org rows: visible and insertable only for the org the
-- transaction is armed for (db.InOrg). Platform rows (org_id IS NULL):
-- insertable only from a transaction armed for no org, never readable by
-- the application role; the migrating role (which runs `audit verify` and
-- `audit export`) reads every row.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_org_read ON audit_log FOR SELECT
  USING (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
CREATE POLICY audit_log_org_append ON audit_log FOR INSERT
  WITH CHECK (org_id = NULLIF(current_setting('app.org_id', true), '')::uuid);
CREATE POLICY audit_log_platform_append ON audit_log FOR INSERT
  WITH CHECK (org_id IS NULL AND NULLIF(current_setting('app.org_id', true), '') IS NULL);
CREATE POLICY audit_log_maintainer_read ON audit_log FOR SELECT TO CURRENT_USER
  USING (true);

-- audit_chain_head locks the chain of p_org (NULL: the platform chain) until
-- the transaction ends, so concurrent appends cannot fork it, and returns
-- its last seq and hash. It is the application's only view of the platform
-- chain (the head, never its rows), and it refuses any chain other than the
-- one the transaction is armed for.
-- +goose StatementBegin
CREATE FUNCTION audit_chain_head(p_org uuid)
RETURNS TABLE (head_seq bigint, head_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  armed uuid := NULLIF(current_setting('app.org_id', true), '')::uuid;
BEGIN
  IF p_org IS DISTINCT FROM armed THEN
    RAISE EXCEPTION 'audit chain % is not the chain this transaction is armed for', COALESCE(p_org::text, 'platform')
      USING ERRCODE = '42501';
  END IF;
  -- Two-key advisory lock: class 0x41554454 ('AUDT'), key = chain.
  PERFORM pg_advisory_xact_lock(1096107092, hashtext(COALESCE(p_org::text, 'platform')));
  IF p_org IS NULL THEN
    RETURN QUERY SELECT a.seq, a.hash FROM public.audit_log a
      WHERE a.org_id IS NULL ORDER BY a.seq DESC LIMIT 1;
  ELSE
    RETURN QUERY SELECT a.seq, a.hash FROM public.audit_log a
      WHERE a.org_id = p_org ORDER BY a.seq DESC LIMIT 1;
  END IF;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION audit_chain_head(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_chain_head(uuid) TO securenexus_app;

-- +goose Down
DROP FUNCTION audit_chain_head(uuid);
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
