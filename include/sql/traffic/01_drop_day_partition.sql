{#
Traffic ETL, step 1: forget day D's partition so that step 2 replaces it instead of adding to it.
Athena cannot DELETE from a Hive table and DROP PARTITION leaves the files: between this
statement and step 2 the DAG deletes s3://<lake_bucket>/traffic/<processed_table>/year=YYYY/month=MM/day=DD/
Template variables: params.lake_database, params.processed_table, run_day() (the run's day, YYYY-MM-DD: pipelines.run_day).
#}
{%- set day = run_day() %}
ALTER TABLE `{{ params.lake_database }}`.`{{ params.processed_table }}`
DROP IF EXISTS PARTITION (`year` = '{{ day[0:4] }}', `month` = '{{ day[5:7] }}', `day` = '{{ day[8:10] }}')
