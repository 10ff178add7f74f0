{#
One row of consistency figures for what this run is about to publish (its attempts); the
check task fails unless the raw counts equal the completion manifests' and missing, duplicate
and analysis figures are as they must be. Nothing is published before it passes. The raw counts
and the attempts' rows (<table>_rows) are the run ledger's counts.
Template variables: params.lake_database, params.raw_database; run_target(), attempt_of() (pipelines.recipe); sql_strings() (pipelines.partitions, pipelines.sql).
#}
{%- set dates = run_target() %}
{%- set vehicles_attempt = attempt_of("vehicles") %}
{%- set sensor_attempt = attempt_of("sensor_data") %}
{%- set intervals_attempt = attempt_of("measurement_intervals") %}
WITH {% include "vehicle_api/fragments/sensor_data_after_run.sql" %},
vehicles_after_run AS (
  SELECT vehicle_id FROM "{{ params.lake_database }}"."vehicles_attempts" WHERE attempt = '{{ vehicles_attempt }}'
),
sensor_attempt AS (
  SELECT vehicle_id, "timestamp", vehicle_type FROM "{{ params.lake_database }}"."sensor_data_attempts"
  WHERE attempt = '{{ sensor_attempt }}'
)
SELECT
  (SELECT count(*) FROM "{{ params.raw_database }}"."vehicle_api_vehicles"
    WHERE creation_date IN ({{ sql_strings(dates) }})) AS raw_vehicles,
  (SELECT count(*) FROM "{{ params.raw_database }}"."vehicle_api_sensor_data"
    WHERE creation_date IN ({{ sql_strings(dates) }})) AS raw_measurements,
  (SELECT count(*) FROM "{{ params.raw_database }}"."vehicle_api_sensor_data" AS s
    WHERE s.creation_date IN ({{ sql_strings(dates) }})
      AND NOT EXISTS (SELECT 1 FROM sensor_attempt AS a
                      WHERE a.vehicle_id = s.vehicle_id AND a."timestamp" = s."timestamp")
      AND NOT EXISTS (SELECT 1 FROM "{{ params.lake_database }}"."sensor_data" AS e
                      WHERE e.vehicle_id = s.vehicle_id AND e."timestamp" = s."timestamp")) AS missing_measurements,
  (SELECT count(*) FROM (SELECT vehicle_id FROM vehicles_after_run
    GROUP BY vehicle_id HAVING count(*) > 1)) AS duplicate_vehicles,
  (SELECT count(*) FROM (SELECT vehicle_id, "timestamp" FROM sensor_attempt
    GROUP BY vehicle_id, "timestamp" HAVING count(*) > 1)) AS duplicate_measurements,
  (SELECT count(DISTINCT days) FROM (SELECT days, vehicle_id FROM sensor_after_run
    WHERE sensor_value IS NOT NULL
    GROUP BY days, vehicle_id HAVING count(*) >= 2)) AS days_with_intervals,
  (SELECT count(DISTINCT processed_date) FROM "{{ params.lake_database }}"."measurement_intervals_attempts"
    WHERE attempt = '{{ intervals_attempt }}') AS days_analysed,
  (SELECT count(*) FROM sensor_attempt WHERE vehicle_type = 'unknown') AS unknown_vehicle_measurements,
  (SELECT count(*) FROM "{{ params.lake_database }}"."vehicles_attempts"
    WHERE attempt = '{{ vehicles_attempt }}') AS vehicles_rows,
  (SELECT count(*) FROM sensor_attempt) AS sensor_data_rows,
  (SELECT count(*) FROM "{{ params.lake_database }}"."measurement_intervals_attempts"
    WHERE attempt = '{{ intervals_attempt }}') AS measurement_intervals_rows
