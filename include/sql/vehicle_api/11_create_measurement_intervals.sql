{#
The analysis of seed 001 ("Answer to Question 3"), one result set per processed date; each
date's partition points at the checked attempt that published it.
Template variables: params.lake_bucket, params.lake_database.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`measurement_intervals` {% include "vehicle_api/fragments/measurement_intervals_columns.sql" %}
PARTITIONED BY (`processed_date` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/measurement_intervals/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
