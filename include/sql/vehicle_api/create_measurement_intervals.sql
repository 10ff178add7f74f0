{#
The analysis of seed 001 ("Answer to Question 3"), one result set per processed date; or
(params.attempts) its attempts table, where every try writes the processed dates' result sets
into partitions of its own. Each date's partition points at the checked attempt that published
it (pipelines.partitions).
Template variables: params.lake_database, params.table (the table to create), params.attempts,
params.lake_bucket.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.table }}` {% include "vehicle_api/fragments/measurement_intervals_columns.sql" %}
PARTITIONED BY (`processed_date` string{{ ", `attempt` string" if params.attempts else "" }})
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/vehicle_api/{{ params.table }}/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
