{#
Traffic ETL: the raw feed as text, one row per line, created once. The crawler's table
types every field, so one value of the wrong type (or one truncated line) would fail every query
of its day; reading lines lets the ETL judge each record on its own (fragments/raw_records.sql).
Same folders and partition keys as the crawler's table; the DAG registers the hours a run reads
(add_line_partitions.sql). LazySimpleSerDe with its default field delimiter (ctrl-A), which JSON text never holds
unescaped: the whole line is the one column.
Template variables: params.raw_database, params.lines_table, params.raw_bucket, params.raw_prefix.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.raw_database }}`.`{{ params.lines_table }}` (
  `line` string
)
PARTITIONED BY (`partition_0` string, `partition_1` string, `partition_2` string, `partition_3` string)
ROW FORMAT DELIMITED
STORED AS TEXTFILE
LOCATION 's3://{{ params.raw_bucket }}/{{ params.raw_prefix }}'
