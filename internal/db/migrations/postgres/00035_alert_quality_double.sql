-- alerts.quality was real (float4): values such as 0.167 came back as
-- 0.16699999570846558. Store it as double precision, rounding existing
-- values to the normalizers' precision.

-- +goose Up
ALTER TABLE alerts ALTER COLUMN quality TYPE double precision USING round(quality::numeric, 4)::double precision;

-- +goose Down
ALTER TABLE alerts ALTER COLUMN quality TYPE real;
