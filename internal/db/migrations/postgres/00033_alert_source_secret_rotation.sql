-- Webhook secret rotation: the previous secret keeps verifying until
-- secret_prev_expires_at (grace period chosen at rotation).

-- +goose Up
ALTER TABLE alert_sources ADD COLUMN secret_prev_enc bytea;
ALTER TABLE alert_sources ADD COLUMN secret_prev_expires_at timestamptz;

-- +goose Down
ALTER TABLE alert_sources DROP COLUMN secret_prev_expires_at;
ALTER TABLE alert_sources DROP COLUMN secret_prev_enc;
