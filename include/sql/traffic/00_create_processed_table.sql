{#
Traffic ETL, step 0: the processed table, created once (IF NOT EXISTS makes reruns no-ops).
Parquet with Snappy, partitioned by the event day of recordtimestamp (zero-padded strings).
Template variables: params.lake_database, params.processed_table, params.lake_bucket.
Each day's partition points at the checked attempt that published it (step 1), so readers
switch from the old day to the new one at once.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.processed_table }}` {% include "traffic/fragments/processed_columns.sql" %}
PARTITIONED BY (`year` string, `month` string, `day` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/traffic/{{ params.processed_table }}/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
