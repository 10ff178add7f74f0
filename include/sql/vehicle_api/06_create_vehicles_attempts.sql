{#
Every try of a run writes the vehicles table as it must be after the run into a partition of
its own here (attempt = <run key>-<try number>); only a checked attempt is published.
Template variables: params.lake_bucket, params.lake_database.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`vehicles_attempts` {% include "vehicle_api/fragments/vehicles_columns.sql" %}
PARTITIONED BY (`vehicle_type` string, `attempt` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/vehicles_attempts/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
