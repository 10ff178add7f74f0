{#
Traffic ETL, step 3: the quarantine's attempts table (pipelines.partitions), created once.
Template variables: params.lake_database, params.rejects_attempts_table, params.lake_bucket.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.rejects_attempts_table }}` {% include "traffic/fragments/rejects_columns.sql" %}
PARTITIONED BY (`year` string, `month` string, `day` string, `attempt` string)
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/traffic/{{ params.rejects_attempts_table }}/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
