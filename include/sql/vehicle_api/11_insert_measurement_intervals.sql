-- Per vehicle type: the average over vehicles of each vehicle's average number of seconds
-- between consecutive measurements with a non-null value, consecutive within the same day.
-- Computed over the measurements of each processed date's day.
{%- set dates = ti.xcom_pull(task_ids="resolve_dates") %}
INSERT INTO "{{ settings.lake_database }}"."measurement_intervals"
WITH gaps AS (
  SELECT
    vehicle_id,
    vehicle_type,
    days,
    lead("timestamp") OVER (PARTITION BY days, vehicle_id, vehicle_type ORDER BY "timestamp")
      - "timestamp" AS millis_to_next
  FROM "{{ settings.lake_database }}"."sensor_data"
  WHERE days IN ({{ sql_dates(dates) }}) AND sensor_value IS NOT NULL
),
per_vehicle AS (
  -- As double: in Trino, bigint / 1000.0 is a DECIMAL with one digit of scale.
  SELECT vehicle_id, vehicle_type, days, avg(CAST(millis_to_next AS double) / 1000) AS avg_seconds
  FROM gaps
  WHERE millis_to_next IS NOT NULL
  GROUP BY vehicle_id, vehicle_type, days
)
SELECT
  vehicle_type,
  avg(avg_seconds) AS average_seconds_between_measurements,
  count(*) AS vehicles,
  CAST(days AS varchar) AS processed_date
FROM per_vehicle
GROUP BY vehicle_type, days
