{#
Measurements with their vehicle's type, Parquet (Snappy), partitioned by measurement day
and vehicle type. Each partition points at the checked attempt that published it.
Template variables: params.lake_bucket, params.lake_database.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`sensor_data` {% include "vehicle_api/fragments/sensor_data_columns.sql" %}
PARTITIONED BY (`days` date, `vehicle_type` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/sensor_data/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
