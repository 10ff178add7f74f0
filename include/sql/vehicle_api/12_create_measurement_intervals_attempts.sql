{#
Every try writes the processed dates' result sets into partitions of its own here.
Template variables: params.lake_bucket, params.lake_database.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`measurement_intervals_attempts` {% include "vehicle_api/fragments/measurement_intervals_columns.sql" %}
PARTITIONED BY (`processed_date` string, `attempt` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/measurement_intervals_attempts/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
