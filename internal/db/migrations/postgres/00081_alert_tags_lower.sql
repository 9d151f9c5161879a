-- Tags are stored lower-case (trimmed) so that the tag filter matches any
-- case; earlier rows are folded once (duplicates merged, sorted).

-- +goose Up
UPDATE alerts SET tags = (
  SELECT coalesce(jsonb_agg(DISTINCT lower(btrim(t)) ORDER BY lower(btrim(t))), '[]'::jsonb)
  FROM jsonb_array_elements_text(tags) AS t)
WHERE jsonb_typeof(tags) = 'array' AND tags::text <> lower(tags::text);

-- +goose Down
SELECT 1;
