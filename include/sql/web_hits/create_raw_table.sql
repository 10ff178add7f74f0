{#
Web hits: the raw table over the landing layout, created once, for anyone querying
the raw hits in Athena. JSON lines; a line that is not JSON reads as NULLs, but a well-formed
line whose groupid is not an int fails the query (HIVE_BAD_DATA: ignore.malformed.json covers
only lines that are not JSON). The pipeline never reads raw hits through this table: the Glue
job reads the files, and counts and quarantines both kinds of line. Partitions are the hour folders (the minute folders below
them are read with their hour), registered per run by add_raw_partitions.sql, so a query of hour H reads
only H's folder.
Template variables: params.raw_database, params.raw_table, params.raw_bucket, params.raw_prefix.
#}
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.raw_database }}`.`{{ params.raw_table }}` (
  `groupid` int,
  `countrycode` string,
  `useragent` string,
  `language` string,
  `domain` string,
  `timestamp` string
)
PARTITIONED BY (`year` string, `month` string, `day` string, `hour` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://{{ params.raw_bucket }}/{{ params.raw_prefix }}'
