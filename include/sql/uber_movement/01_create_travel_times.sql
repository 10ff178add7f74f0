{#
Uber Movement: the published `travel_times` (Parquet, Snappy), created once. Each arrival
hour's partition points at the checked attempt that published it (pipelines.partitions).
Template variables: params.lake_database, params.lake_bucket, params.lake_prefix.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`travel_times` {% include "uber_movement/fragments/travel_times_columns.sql" %}
PARTITIONED BY (`arrival_hour` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/{{ params.lake_prefix }}travel_times/'
