{#
One row per vehicle, Parquet (Snappy), partitioned by vehicle type; or (params.attempts) its
attempts table, where every try of a run writes the vehicles table as it must be after the run
into a partition of its own (attempt = <run key>-<try number>). Each published partition points
at the checked attempt that published it (pipelines.partitions).
Template variables: params.lake_database, params.table (the table to create), params.attempts,
params.lake_bucket.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.table }}` {% include "vehicle_api/fragments/vehicles_columns.sql" %}
PARTITIONED BY (`vehicle_type` string{{ ", `attempt` string" if params.attempts else "" }})
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/{{ params.table }}/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
