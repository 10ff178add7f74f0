{#
How many partitions this run's INSERTs will write at most, before any of them runs: Athena
writes at most 100 partitions per statement (HIVE_TOO_MANY_OPEN_PARTITIONS). vehicles writes
one per vehicle type (published and new), sensor_data one per (day of a measurement, vehicle
type) of the processed dates ('unknown' included), measurement_intervals one per date.
Template variables: params.lake_database, params.raw_database; run_target() (the dates: pipelines.run_targets); sql_strings() (pipelines.sql).
#}
{%- set dates = run_target() %}
WITH types AS (
  SELECT vehicle_type FROM "{{ params.lake_database }}"."vehicles"
  UNION
  SELECT vehicle_type FROM "{{ params.raw_database }}"."vehicle_api_vehicles"
  WHERE creation_date IN ({{ sql_strings(dates) }})
)
SELECT
  (SELECT count(*) FROM types) AS vehicle_types,
  (SELECT count(DISTINCT date(from_unixtime("timestamp" / 1000)))
   FROM "{{ params.raw_database }}"."vehicle_api_sensor_data"
   WHERE creation_date IN ({{ sql_strings(dates) }})) AS measurement_days
