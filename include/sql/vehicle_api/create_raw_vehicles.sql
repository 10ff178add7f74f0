{#
Raw vehicles as the downloader Lambda writes them: the API's JSON lines, one folder per
creation day. The record's own creation_date is not a column: Hive forbids a data column
named like a partition column, and the partition already carries the day.
Template variables: params.raw_bucket, params.raw_database.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.raw_database }}`.`vehicle_api_vehicles` (
  `vehicle_id` string,
  `vehicle_name` string,
  `vehicle_type` string
)
PARTITIONED BY (`creation_date` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://{{ params.raw_bucket }}/vehicle_api/vehicles/'
