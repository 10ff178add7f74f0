-- One row per vehicle, Parquet (Snappy), partitioned by vehicle type.
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ settings.lake_database }}`.`vehicles` (
  `vehicle_id` string,
  `vehicle_name` string
)
PARTITIONED BY (`vehicle_type` string)
STORED AS PARQUET
LOCATION 's3://{{ settings.lake_bucket }}/vehicle_api/vehicles/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
