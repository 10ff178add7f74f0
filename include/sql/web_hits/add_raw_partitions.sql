{#
Web hits: register the hour folders the run for hour H reads (H-1, H and H+1: a hit
is counted by its UTC time and may sit in the folder next to it); IF NOT EXISTS keeps the
ones already there, and a folder nothing landed in reads as empty.
Template variables: params.raw_database, params.raw_table, params.raw_bucket,
params.raw_prefix, run_target() (YYYY-MM-DDTHH); macros.datetime (Airflow's).
#}
{%- set hour = macros.datetime.strptime(run_target(), "%Y-%m-%dT%H") %}
ALTER TABLE `{{ params.raw_database }}`.`{{ params.raw_table }}` ADD IF NOT EXISTS
{%- for offset in (-1, 0, 1) %}
{%- set h = hour + macros.timedelta(hours=offset) %}
  PARTITION (year = '{{ h.strftime("%Y") }}', month = '{{ h.strftime("%m") }}', day = '{{ h.strftime("%d") }}', hour = '{{ h.strftime("%H") }}') LOCATION 's3://{{ params.raw_bucket }}/{{ params.raw_prefix }}year={{ h.strftime("%Y") }}/month={{ h.strftime("%m") }}/day={{ h.strftime("%d") }}/hour={{ h.strftime("%H") }}/'
{%- endfor %}
