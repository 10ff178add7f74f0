{#
Traffic ETL: the rejected raw records of D's own arrival hours (fragments/raw_records.sql)
into this try's attempt partition of the quarantine's attempts table, verbatim, with the reason.
A day without rejects writes no partition (the DAG then removes an earlier one: pipelines.partitions).
Template variables: params.raw_database, params.lines_table, params.lake_database,
params.rejects_attempts_table, run_target(), attempt_id(); macros.ds_add (Airflow's).
#}
{%- set day = run_target() %}
{%- set before = macros.ds_add(day, -1) %}
{%- set after = macros.ds_add(day, 1) %}
INSERT INTO "{{ params.lake_database }}"."{{ params.rejects_attempts_table }}"
WITH
{% include "traffic/fragments/raw_records.sql" %}
SELECT
  arrival_hour,
  reason,
  line,
  '{{ day[0:4] }}' AS year,
  '{{ day[5:7] }}' AS month,
  '{{ day[8:10] }}' AS day,
  '{{ attempt_id() }}' AS attempt
FROM judged
WHERE reason IS NOT NULL AND substr(arrival_hour, 1, 8) = '{{ day | replace("-", "") }}'
