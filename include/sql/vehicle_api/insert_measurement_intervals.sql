{#
The analysis of seed 001 ("Answer to Question 3") with the seed's own arithmetic, so the
numbers are the ones its Athena query gave: "timestamp" / 1000 is bigint division (whole
seconds, truncated), so two measurements in the same second are 0 seconds apart and a gap
of 1.9 s counts as 1 or 2 depending on where the seconds fall. Per (days, vehicle_id,
vehicle_type) the gaps to the next measurement with a non-null value; per vehicle the
average gap (avg of bigint: a double); per vehicle type the average over its vehicles.
A vehicle with a single measurement has no gap and is not averaged, as avg() skips its NULL.
Computed from sensor_data as it will be once this run publishes, into this try's attempt.
Template variables: params.lake_database; run_target(), attempt_of() (pipelines.recipe); attempt_id() (pipelines.partitions, pipelines.sql).
#}
{%- set dates = run_target() %}
{%- set sensor_attempt = attempt_of("sensor_data") %}
INSERT INTO "{{ params.lake_database }}"."measurement_intervals_attempts"
WITH {% include "vehicle_api/fragments/sensor_data_after_run.sql" %},
difference AS (
  SELECT
    vehicle_id,
    vehicle_type,
    days,
    lead("timestamp" / 1000) OVER (PARTITION BY days, vehicle_id, vehicle_type ORDER BY "timestamp")
      - "timestamp" / 1000 AS seconds_to_next_measurement
  FROM sensor_after_run
  WHERE sensor_value IS NOT NULL
),
per_vehicle AS (
  SELECT vehicle_id, vehicle_type, days, avg(seconds_to_next_measurement) AS avg_seconds
  FROM difference
  WHERE seconds_to_next_measurement IS NOT NULL
  GROUP BY vehicle_id, vehicle_type, days
)
SELECT
  vehicle_type,
  avg(avg_seconds) AS average_seconds_between_measurements,
  count(*) AS vehicles,
  CAST(days AS varchar) AS processed_date,
  '{{ attempt_id() }}' AS attempt
FROM per_vehicle
GROUP BY vehicle_type, days
