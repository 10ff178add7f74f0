{#
Web hits: the attempts table of `hits_by_useragent`, created once. Every try of the Glue job writes
hour H at a location of its own and registers it here (attempt = <run key>-<try number>,
pipelines.partitions); the DAG checks it, then points H's partition of `hits_by_useragent` at it.
Template variables: params.aggregated_database, params.lake_bucket, params.raw_prefix.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.aggregated_database }}`.`hits_by_useragent_attempts` {% include "web_hits/fragments/hits_by_useragent_columns.sql" %}
PARTITIONED BY (`year` string, `month` string, `day` string, `hour` string, `attempt` string)
{% include "web_hits/fragments/parquet_format.sql" %}
LOCATION 's3://{{ params.lake_bucket }}/{{ params.raw_prefix }}hits_by_useragent_attempts/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
