-- Register the processed days' raw folders (idempotent: existing partitions are kept).
{%- set dates = ti.xcom_pull(task_ids="resolve_dates") %}
ALTER TABLE `{{ settings.raw_database }}`.`vehicle_api_sensor_data` ADD IF NOT EXISTS
{%- for day in dates %}
  PARTITION (creation_date = '{{ day }}') LOCATION 's3://{{ settings.raw_bucket }}/vehicle_api/sensor-data/creation_date={{ day }}/'
{%- endfor %}
