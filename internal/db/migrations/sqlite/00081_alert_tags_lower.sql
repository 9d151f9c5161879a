-- Tags are stored lower-case (see the PostgreSQL migration); earlier rows
-- are folded once, duplicates merged and sorted.

-- +goose Up
UPDATE alerts SET tags = (
  SELECT coalesce(json_group_array(v), '[]') FROM (
    SELECT DISTINCT lower(trim(value)) AS v FROM json_each(alerts.tags) ORDER BY 1))
WHERE tags <> lower(tags);

-- +goose Down
SELECT 1;
