{#
Register the processed days' raw folders (idempotent: existing partitions are kept).
Template variables: params.raw_bucket, params.raw_database; run_target() (the dates: pipelines.run_targets).
#}
{%- set dates = run_target() %}
ALTER TABLE `{{ params.raw_database }}`.`vehicle_api_vehicles` ADD IF NOT EXISTS
{%- for day in dates %}
  PARTITION (creation_date = '{{ day }}') LOCATION 's3://{{ params.raw_bucket }}/vehicle_api/vehicles/creation_date={{ day }}/'
{%- endfor %}
