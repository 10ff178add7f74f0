{#
Uber Movement: the published `travel_times` (Parquet, Snappy), or (params.attempts) its attempts
table, created once. Every try of the Glue job writes each arrival hour it types at a location of
its own and registers it in the attempts table (attempt = <run key>-<try number>,
pipelines.partitions); the DAG checks it, then points the hour's partition of `travel_times` at it.
Template variables: params.lake_database, params.table (the table to create), params.attempts,
params.lake_bucket, params.lake_prefix.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.table }}` {% include "uber_movement/fragments/travel_times_columns.sql" %}
PARTITIONED BY (`arrival_hour` string{{ ", `attempt` string" if params.attempts else "" }})
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/{{ params.lake_prefix }}{{ params.table }}/'
