{#
One row per vehicle, Parquet (Snappy), partitioned by vehicle type. Each partition points at
the checked attempt that published it (pipelines.partitions).
Template variables: params.lake_bucket, params.lake_database.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`vehicles` {% include "vehicle_api/fragments/vehicles_columns.sql" %}
PARTITIONED BY (`vehicle_type` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/vehicles/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
