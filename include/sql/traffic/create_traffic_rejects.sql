{#
Traffic ETL: the quarantine, or (params.attempts) its attempts table, created once. Raw records
the ETL cannot read as the spec's record (malformed JSON, a field missing, a value that is not an
integer of the field's type) are kept here, verbatim, with the reason, in the partition of the
day they arrived (arrival hours of D: every raw line is judged by exactly one day's run).
Published like the processed table: each day's partition points at the checked attempt that
wrote it.
Template variables: params.lake_database, params.table (the table to create), params.attempts,
params.lake_bucket.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.lake_database }}`.`{{ params.table }}` {% include "traffic/fragments/rejects_columns.sql" %}
PARTITIONED BY (`year` string, `month` string, `day` string{{ ", `attempt` string" if params.attempts else "" }})
STORED AS PARQUET
LOCATION 's3://{{ params.lake_bucket }}/traffic/{{ params.table }}/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
