-- The idempotency pruner is a SECURITY DEFINER function owned by the
-- migrating role. ingest_idempotency forces row-level security, so when that
-- role is not a superuser (the hardened setup) the function saw no rows and
-- pruned nothing. Give the owner, and only it, read and delete policies (as
-- identity does for its definer functions), and pin the search path.

-- +goose Up
CREATE POLICY definer_read ON ingest_idempotency FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_prune ON ingest_idempotency FOR DELETE TO CURRENT_USER USING (true);
ALTER FUNCTION ingest_prune_idempotency(timestamptz) SET search_path = public, pg_temp;

-- +goose Down
ALTER FUNCTION ingest_prune_idempotency(timestamptz) SET search_path = public;
DROP POLICY definer_prune ON ingest_idempotency;
DROP POLICY definer_read ON ingest_idempotency;
