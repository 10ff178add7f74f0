{#
The vehicles table as it must be after this run, into this try's attempt: the published
vehicles, plus the new ids of the processed days (ids already published are not added again;
an id repeated within the raw data counts once, with its lexically first name and type).
Template variables: params.lake_database, params.raw_database; run_target() (the dates: pipelines.run_targets); attempt_id(), sql_strings() (pipelines.partitions, pipelines.sql).
#}
{%- set dates = run_target() %}
INSERT INTO "{{ params.lake_database }}"."vehicles_attempts"
WITH published AS (
  SELECT vehicle_id, vehicle_name, vehicle_type FROM "{{ params.lake_database }}"."vehicles"
),
added AS (
  SELECT r.vehicle_id, min(r.vehicle_name) AS vehicle_name, min(r.vehicle_type) AS vehicle_type
  FROM "{{ params.raw_database }}"."vehicle_api_vehicles" AS r
  WHERE r.creation_date IN ({{ sql_strings(dates) }})
    AND NOT EXISTS (SELECT 1 FROM published AS p WHERE p.vehicle_id = r.vehicle_id)
  GROUP BY r.vehicle_id
)
SELECT vehicle_id, vehicle_name, vehicle_type, '{{ attempt_id() }}' AS attempt FROM published
UNION ALL
SELECT vehicle_id, vehicle_name, vehicle_type, '{{ attempt_id() }}' AS attempt FROM added
