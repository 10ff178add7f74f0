{#
Traffic ETL: the processed table, or (params.attempts) its attempts table, created once (IF NOT
EXISTS makes reruns no-ops). Parquet with Snappy, partitioned by the event day of recordtimestamp
(zero-padded strings). Every try of a run writes day D into a partition of its own in the
attempts table (attempt = <run key>-<try number>, pipelines.partitions); the DAG checks it, then
points D's partition of the processed table at it: readers switch from the old day to the new
one at once.
Template variables: params.lake_database, params.table (the table to create), params.attempts,
params.lake_bucket.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.table }}` {% include "traffic/fragments/processed_columns.sql" %}
PARTITIONED BY (`year` string, `month` string, `day` string{{ ", `attempt` string" if params.attempts else "" }})
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/traffic/{{ params.table }}/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
