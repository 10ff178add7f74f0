-- Measurements with their vehicle's type, Parquet (Snappy), partitioned by measurement day
-- and vehicle type.
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ settings.lake_database }}`.`sensor_data` (
  `vehicle_id` string,
  `timestamp` bigint,
  `sensor_value` double
)
PARTITIONED BY (`days` date, `vehicle_type` string)
STORED AS PARQUET
LOCATION 's3://{{ settings.lake_bucket }}/vehicle_api/sensor_data/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
