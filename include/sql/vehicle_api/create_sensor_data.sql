{#
Measurements with their vehicle's type, Parquet (Snappy), partitioned by measurement day and
vehicle type; or (params.attempts) its attempts table, where every try writes the partitions it
changes, whole, into partitions of its own. Each published partition points at the checked
attempt that published it (pipelines.partitions).
Template variables: params.lake_database, params.table (the table to create), params.attempts,
params.lake_bucket.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.table }}` {% include "vehicle_api/fragments/sensor_data_columns.sql" %}
PARTITIONED BY (`days` date, `vehicle_type` string{{ ", `attempt` string" if params.attempts else "" }})
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/{{ params.table }}/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
