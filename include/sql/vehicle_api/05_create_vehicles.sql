-- One row per vehicle, Parquet (Snappy), partitioned by vehicle type. Each partition points at
-- the checked attempt that published it (pipelines.partitions).
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ settings.lake_database }}`.`vehicles` {% include "vehicle_api/fragments/vehicles_columns.sql" %}
PARTITIONED BY (`vehicle_type` string)
STORED AS PARQUET
LOCATION 's3://{{ settings.lake_bucket }}/vehicle_api/vehicles/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
