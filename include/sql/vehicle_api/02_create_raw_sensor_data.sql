-- Raw sensor measurements (JSON lines per creation day); sensor_value may be null.
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ settings.raw_database }}`.`vehicle_api_sensor_data` (
  `vehicle_id` string,
  `timestamp` bigint,
  `sensor_value` double
)
PARTITIONED BY (`creation_date` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://{{ settings.raw_bucket }}/vehicle_api/sensor-data/'
