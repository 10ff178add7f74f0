-- New vehicle ids of the processed days; ids already in the table are not inserted again,
-- and an id repeated within the raw data counts once (its lexically first name and type).
{%- set dates = ti.xcom_pull(task_ids="resolve_dates") %}
INSERT INTO "{{ settings.lake_database }}"."vehicles"
SELECT r.vehicle_id, min(r.vehicle_name) AS vehicle_name, min(r.vehicle_type) AS vehicle_type
FROM "{{ settings.raw_database }}"."vehicle_api_vehicles" AS r
WHERE r.creation_date IN ({{ sql_strings(dates) }})
  AND NOT EXISTS (
    SELECT 1 FROM "{{ settings.lake_database }}"."vehicles" AS v WHERE v.vehicle_id = r.vehicle_id
  )
GROUP BY r.vehicle_id
