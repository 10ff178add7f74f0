{#
Traffic ETL, step 1: the attempts table, created once. Every try of a run writes day D into a
partition of its own here (attempt = <run key>-<try number>, pipelines.partitions); the DAG
checks it, then points D's partition of the processed table at it. Same columns and format.
Template variables: params.lake_database, params.attempts_table, params.lake_bucket.
Data location: s3://<lake_bucket>/traffic/<attempts_table>/year=YYYY/month=MM/day=DD/attempt=A/
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.attempts_table }}` {% include "traffic/fragments/processed_columns.sql" %}
PARTITIONED BY (`year` string, `month` string, `day` string, `attempt` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/traffic/{{ params.attempts_table }}/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
