// Package ingest is the alert intake pipeline: it receives source payloads
// (single, batch as JSON array or NDJSON, signed webhooks, syslog via
// internal/syslogd), normalizes them, computes a per-source dedup key,
// persists each batch in one transaction with database-enforced
// deduplication (INSERT ... ON CONFLICT on (org_id, dedup_key)), stores
// entities once per org and links them to alerts, enforces per-org ingest
// quotas and makes retries safe with Idempotency-Key.
package ingest
