-- The analysis of seed 001 ("Answer to Question 3"), one result set per processed date.
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ settings.lake_database }}`.`measurement_intervals` (
  `vehicle_type` string,
  `average_seconds_between_measurements` double,
  `vehicles` bigint
)
PARTITIONED BY (`processed_date` string)
STORED AS PARQUET
LOCATION 's3://{{ settings.lake_bucket }}/vehicle_api/measurement_intervals/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
