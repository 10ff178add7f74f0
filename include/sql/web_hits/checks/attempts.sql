{#
Web hits, check before publishing: one row describing the run's attempts at hour H (the
attempts tables' partitions that the find_<table>_attempt tasks returned; an hour without hits
has none and reads as zeros). The run fails, and publishes nothing, unless each table's
hit_count adds up to the hits the Glue job counted, its row count is the job's, and no
grouping key appears twice (pipelines.web_hits.checks).
- <table>_rows, <table>_hits, <table>_duplicated_keys for each of the three tables
Template variables: params.aggregated_database, run_target() (YYYY-MM-DDTHH:
pipelines.run_targets), attempt_of() (pipelines.recipe).
#}
{%- set hour = run_target() %}
{%- set tables = {
    "hits_by_country": ["country_code"],
    "hits_by_domain_and_groupid": ["domain", "group_id"],
    "hits_by_useragent": ["user_agent"],
} %}
{%- set attempts = {
    "hits_by_country": attempt_of("hits_by_country"),
    "hits_by_domain_and_groupid": attempt_of("hits_by_domain_and_groupid"),
    "hits_by_useragent": attempt_of("hits_by_useragent"),
} %}
SELECT
{%- for table, keys in tables.items() %}
  (SELECT count(*) FROM "{{ params.aggregated_database }}"."{{ table }}_attempts" WHERE year = '{{ hour[0:4] }}' AND month = '{{ hour[5:7] }}' AND day = '{{ hour[8:10] }}' AND hour = '{{ hour[11:13] }}' AND attempt = '{{ attempts[table] }}') AS {{ table }}_rows,
  (SELECT coalesce(sum(hit_count), 0) FROM "{{ params.aggregated_database }}"."{{ table }}_attempts" WHERE year = '{{ hour[0:4] }}' AND month = '{{ hour[5:7] }}' AND day = '{{ hour[8:10] }}' AND hour = '{{ hour[11:13] }}' AND attempt = '{{ attempts[table] }}') AS {{ table }}_hits,
  (SELECT count(*) FROM (
    SELECT {{ keys | join(", ") }} FROM "{{ params.aggregated_database }}"."{{ table }}_attempts"
    WHERE year = '{{ hour[0:4] }}' AND month = '{{ hour[5:7] }}' AND day = '{{ hour[8:10] }}' AND hour = '{{ hour[11:13] }}' AND attempt = '{{ attempts[table] }}'
    GROUP BY {{ keys | join(", ") }} HAVING count(*) > 1
  )) AS {{ table }}_duplicated_keys{{ "," if not loop.last }}
{%- endfor %}
