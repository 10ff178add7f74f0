-- The analysis of seed 001 ("Answer to Question 3"), one result set per processed date; each
-- date's partition points at the checked attempt that published it.
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ settings.lake_database }}`.`measurement_intervals` {% include "vehicle_api/fragments/measurement_intervals_columns.sql" %}
PARTITIONED BY (`processed_date` string)
STORED AS PARQUET
LOCATION 's3://{{ settings.lake_bucket }}/vehicle_api/measurement_intervals/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
