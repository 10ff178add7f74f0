-- Measurements of the processed days not yet in the table (same vehicle_id and timestamp),
-- each once. A measurement of a vehicle the API never listed is kept under
-- vehicle_type 'unknown' (and reported by the check), not dropped.
{%- set dates = ti.xcom_pull(task_ids="resolve_dates") %}
INSERT INTO "{{ settings.lake_database }}"."sensor_data"
SELECT
  s.vehicle_id,
  s."timestamp",
  arbitrary(s.sensor_value) AS sensor_value,
  CAST(date(from_unixtime(s."timestamp" / 1000)) AS date) AS days,
  coalesce(min(v.vehicle_type), 'unknown') AS vehicle_type
FROM "{{ settings.raw_database }}"."vehicle_api_sensor_data" AS s
LEFT JOIN "{{ settings.lake_database }}"."vehicles" AS v ON v.vehicle_id = s.vehicle_id
WHERE s.creation_date IN ({{ sql_strings(dates) }})
  AND NOT EXISTS (
    SELECT 1 FROM "{{ settings.lake_database }}"."sensor_data" AS e
    WHERE e.vehicle_id = s.vehicle_id AND e."timestamp" = s."timestamp"
  )
GROUP BY s.vehicle_id, s."timestamp"
