{#
Uber Movement: the attempts table of `travel_times`, created once. Every try of the Glue job
writes each arrival hour it types at a location of its own and registers it here (attempt =
<run key>-<try number>, pipelines.partitions); the DAG checks it, then points the hour's
partition of `travel_times` at it.
Template variables: params.lake_database, params.lake_bucket, params.lake_prefix.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`travel_times_attempts` {% include "uber_movement/fragments/travel_times_columns.sql" %}
PARTITIONED BY (`arrival_hour` string, `attempt` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/{{ params.lake_prefix }}travel_times_attempts/'
