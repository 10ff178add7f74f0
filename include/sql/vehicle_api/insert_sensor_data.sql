{#
The sensor_data partitions this run changes, whole, into this try's attempt: the measurements
of the processed days not yet published (same vehicle_id and timestamp), each once, with the
vehicle's type from this run's vehicles attempt, plus the published rows of the partitions
they fall in. A measurement of a vehicle the API never listed is kept under vehicle_type
'unknown' (and reported by the check), not dropped.
Template variables: params.lake_database, params.raw_database; run_target(), attempt_of() (pipelines.recipe); attempt_id(), sql_strings() (pipelines.partitions, pipelines.sql).
#}
{%- set dates = run_target() %}
{%- set vehicles = attempt_of("vehicles") %}
INSERT INTO "{{ params.lake_database }}"."sensor_data_attempts"
WITH vehicles AS (
  SELECT vehicle_id, vehicle_type FROM "{{ params.lake_database }}"."vehicles_attempts"
  WHERE attempt = '{{ vehicles }}'
),
added AS (
  SELECT
    s.vehicle_id,
    s."timestamp",
    arbitrary(s.sensor_value) AS sensor_value,
    CAST(date(from_unixtime(s."timestamp" / 1000)) AS date) AS days,
    coalesce(min(v.vehicle_type), 'unknown') AS vehicle_type
  FROM "{{ params.raw_database }}"."vehicle_api_sensor_data" AS s
  LEFT JOIN vehicles AS v ON v.vehicle_id = s.vehicle_id
  WHERE s.creation_date IN ({{ sql_strings(dates) }})
    AND NOT EXISTS (
      SELECT 1 FROM "{{ params.lake_database }}"."sensor_data" AS e
      WHERE e.vehicle_id = s.vehicle_id AND e."timestamp" = s."timestamp"
    )
  GROUP BY s.vehicle_id, s."timestamp"
),
changed AS (
  SELECT DISTINCT days, vehicle_type FROM added
)
SELECT vehicle_id, "timestamp", sensor_value, days, vehicle_type, '{{ attempt_id() }}' AS attempt FROM added
UNION ALL
SELECT e.vehicle_id, e."timestamp", e.sensor_value, e.days, e.vehicle_type, '{{ attempt_id() }}' AS attempt
FROM "{{ params.lake_database }}"."sensor_data" AS e
JOIN changed AS c ON c.days = e.days AND c.vehicle_type = e.vehicle_type
