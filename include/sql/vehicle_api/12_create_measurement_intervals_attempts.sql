-- Every try writes the processed dates' result sets into partitions of its own here.
CREATE EXTERNAL TABLE IF NOT EXISTS `{{ settings.lake_database }}`.`measurement_intervals_attempts` {% include "vehicle_api/fragments/measurement_intervals_columns.sql" %}
PARTITIONED BY (`processed_date` string, `attempt` string)
STORED AS PARQUET
LOCATION 's3://{{ settings.lake_bucket }}/vehicle_api/measurement_intervals_attempts/'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY')
