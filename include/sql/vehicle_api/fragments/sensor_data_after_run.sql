{#
A WITH clause `sensor_after_run`: sensor_data of the processed dates as it will be once this
run publishes: the partitions its sensor_data attempt rewrote, from the attempt, the others as
published. Needs `dates` and `sensor_attempt` set by the including file.
Template variables: params.lake_database; sql_dates() (pipelines.partitions, pipelines.sql).
#}
rewritten AS (
  SELECT DISTINCT days, vehicle_type FROM "{{ params.lake_database }}"."sensor_data_attempts"
  WHERE attempt = '{{ sensor_attempt }}'
),
sensor_after_run AS (
  SELECT vehicle_id, "timestamp", sensor_value, days, vehicle_type
  FROM "{{ params.lake_database }}"."sensor_data_attempts"
  WHERE attempt = '{{ sensor_attempt }}' AND days IN ({{ sql_dates(dates) }})
  UNION ALL
  SELECT e.vehicle_id, e."timestamp", e.sensor_value, e.days, e.vehicle_type
  FROM "{{ params.lake_database }}"."sensor_data" AS e
  WHERE e.days IN ({{ sql_dates(dates) }})
    AND NOT EXISTS (SELECT 1 FROM rewritten AS r WHERE r.days = e.days AND r.vehicle_type = e.vehicle_type)
)
