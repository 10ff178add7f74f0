{#
Register the processed days' raw folders (idempotent: existing partitions are kept).
Template variables: params.raw_bucket, params.raw_database; the XCom of resolve_dates.
#}
{%- set dates = ti.xcom_pull(task_ids="resolve_dates") %}
ALTER TABLE `{{ params.raw_database }}`.`vehicle_api_sensor_data` ADD IF NOT EXISTS
{%- for day in dates %}
  PARTITION (creation_date = '{{ day }}') LOCATION 's3://{{ params.raw_bucket }}/vehicle_api/sensor-data/creation_date={{ day }}/'
{%- endfor %}
