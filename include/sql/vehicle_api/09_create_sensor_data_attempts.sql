{#
Every try writes the sensor_data partitions it changes, whole, into partitions of its own here.
Template variables: params.lake_bucket, params.lake_database.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`sensor_data_attempts` {% include "vehicle_api/fragments/sensor_data_columns.sql" %}
PARTITIONED BY (`days` date, `vehicle_type` string, `attempt` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/sensor_data_attempts/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
