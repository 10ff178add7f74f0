-- One row of consistency figures for the processed dates; the check task fails unless the raw
-- counts equal the completion manifests' and missing, duplicate and analysis figures are as
-- they must be.
{%- set dates = ti.xcom_pull(task_ids="resolve_dates") %}
SELECT
  (SELECT count(*) FROM "{{ settings.raw_database }}"."vehicle_api_vehicles"
    WHERE creation_date IN ({{ sql_strings(dates) }})) AS raw_vehicles,
  (SELECT count(*) FROM "{{ settings.raw_database }}"."vehicle_api_sensor_data"
    WHERE creation_date IN ({{ sql_strings(dates) }})) AS raw_measurements,
  (SELECT count(*) FROM "{{ settings.raw_database }}"."vehicle_api_sensor_data" AS s
    WHERE s.creation_date IN ({{ sql_strings(dates) }})
      AND NOT EXISTS (SELECT 1 FROM "{{ settings.lake_database }}"."sensor_data" AS e
                      WHERE e.vehicle_id = s.vehicle_id AND e."timestamp" = s."timestamp")) AS missing_measurements,
  (SELECT count(*) FROM (SELECT vehicle_id FROM "{{ settings.lake_database }}"."vehicles"
    GROUP BY vehicle_id HAVING count(*) > 1)) AS duplicate_vehicles,
  (SELECT count(*) FROM (SELECT vehicle_id, "timestamp" FROM "{{ settings.lake_database }}"."sensor_data"
    GROUP BY vehicle_id, "timestamp" HAVING count(*) > 1)) AS duplicate_measurements,
  (SELECT count(DISTINCT days) FROM (SELECT days, vehicle_id FROM "{{ settings.lake_database }}"."sensor_data"
    WHERE days IN ({{ sql_dates(dates) }}) AND sensor_value IS NOT NULL
    GROUP BY days, vehicle_id HAVING count(*) >= 2)) AS days_with_intervals,
  (SELECT count(DISTINCT processed_date) FROM "{{ settings.lake_database }}"."measurement_intervals"
    WHERE processed_date IN ({{ sql_strings(dates) }})) AS days_analysed,
  (SELECT count(*) FROM "{{ settings.lake_database }}"."sensor_data"
    WHERE vehicle_type = 'unknown') AS unknown_vehicle_measurements
