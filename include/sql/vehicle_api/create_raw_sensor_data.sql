{#
Raw sensor measurements (JSON lines per creation day); sensor_value may be null.
Template variables: params.raw_bucket, params.raw_database.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.raw_database }}`.`vehicle_api_sensor_data` (
  `vehicle_id` string,
  `timestamp` bigint,
  `sensor_value` double
)
PARTITIONED BY (`creation_date` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://{{ params.raw_bucket }}/vehicle_api/sensor-data/'
