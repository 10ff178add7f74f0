{#
Traffic ETL: register the 32 arrival hours day D reads (D-1 23h, D 00..23h, D+1
00..06h) in the lines table; IF NOT EXISTS keeps the ones already there, and an hour nothing
arrived in reads as empty.
Template variables: params.raw_database, params.lines_table, params.raw_bucket,
params.raw_prefix, run_target(); macros.ds_add (Airflow's).
#}
{%- set day = run_target() %}
{%- set hours = [(macros.ds_add(day, -1), [23])] + [(day, range(24))] + [(macros.ds_add(day, 1), range(7))] %}
ALTER TABLE `{{ params.raw_database }}`.`{{ params.lines_table }}` ADD IF NOT EXISTS
{%- for date, hour_numbers in hours %}
{%- for number in hour_numbers %}
{%- set hour = "%02d" % number %}
  PARTITION (partition_0 = '{{ date[0:4] }}', partition_1 = '{{ date[5:7] }}', partition_2 = '{{ date[8:10] }}', partition_3 = '{{ hour }}') LOCATION 's3://{{ params.raw_bucket }}/{{ params.raw_prefix }}{{ date[0:4] }}/{{ date[5:7] }}/{{ date[8:10] }}/{{ hour }}/'
{%- endfor %}
{%- endfor %}
