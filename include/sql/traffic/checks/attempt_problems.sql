{#
Traffic ETL, check before publishing: one row describing the run's attempt at day D (the
attempts table's partition that find_attempt returned). The run fails, and publishes nothing,
unless row_count > 0, duplicated_keys = 0 and invalid_rows = 0.
- row_count: rows of D
- duplicated_keys: (uniqueid, recordtimestamp) pairs present more than once
- invalid_rows: indicators outside their domain (trafficjamindicator and speeddiffindicator in
  -1, 0, 1, trafficjamindicator = -1 exactly when avgspeed2minutes is NULL) or recordtimestamp
  outside D
- rejected_records: raw records of D's arrival hours quarantined by this run (reported, not a
  reason to fail); rejected_by_reason: the same per kind of reason (the reason up to its ':',
  without the value it quotes), as 'kind=n|kind=n' (NULL: none)
- records_read: the raw records (non-blank lines) of D's own arrival hours
The last three are the run ledger's counts (pipelines.traffic.checks).
Template variables: params.lake_database, params.attempts_table, params.rejects_attempts_table,
params.raw_database, params.lines_table,
run_target() (the run's day, YYYY-MM-DD: pipelines.run_targets), attempt_of() (pipelines.recipe).
#}
{%- set day = run_target() %}
{%- set attempt = attempt_of("traffic_processed") %}
{%- set rejects_attempt = attempt_of("traffic_rejects") %}
WITH day_rows AS (
  SELECT *
  FROM "{{ params.lake_database }}"."{{ params.attempts_table }}"
  WHERE year = '{{ day[0:4] }}' AND month = '{{ day[5:7] }}' AND day = '{{ day[8:10] }}'
    AND attempt = '{{ attempt }}'
),
bounds AS (
  SELECT CAST(to_unixtime(TIMESTAMP '{{ day }} 00:00:00') AS bigint) AS day_start
),
keys AS (
  SELECT uniqueid, recordtimestamp, count(*) AS copies
  FROM day_rows
  GROUP BY uniqueid, recordtimestamp
),
rejects AS (
  SELECT split_part(reason, ':', 1) AS kind, count(*) AS n
  FROM "{{ params.lake_database }}"."{{ params.rejects_attempts_table }}"
  WHERE year = '{{ day[0:4] }}' AND month = '{{ day[5:7] }}' AND day = '{{ day[8:10] }}'
    AND attempt = '{{ rejects_attempt }}'
  GROUP BY split_part(reason, ':', 1)
)
SELECT
  (SELECT count(*) FROM day_rows) AS row_count,
  (SELECT count(*) FROM keys WHERE copies > 1) AS duplicated_keys,
  (
    SELECT count(*)
    FROM day_rows AS r
    CROSS JOIN bounds AS b
    WHERE r.trafficjamindicator IS NULL
      OR r.trafficjamindicator NOT IN (-1, 0, 1)
      OR (r.trafficjamindicator = -1) <> (r.avgspeed2minutes IS NULL)
      OR r.speeddiffindicator IS NULL
      OR r.speeddiffindicator NOT IN (-1, 0, 1)
      OR r.recordtimestamp IS NULL
      OR r.recordtimestamp < b.day_start
      OR r.recordtimestamp >= b.day_start + 86400
  ) AS invalid_rows,
  (SELECT coalesce(sum(n), 0) FROM rejects) AS rejected_records,
  (SELECT array_join(array_agg(kind || '=' || CAST(n AS varchar) ORDER BY kind), '|') FROM rejects) AS rejected_by_reason,
  (
    SELECT count(*)
    FROM "{{ params.raw_database }}"."{{ params.lines_table }}"
    WHERE partition_0 = '{{ day[0:4] }}' AND partition_1 = '{{ day[5:7] }}' AND partition_2 = '{{ day[8:10] }}'
      AND trim(line) <> ''
  ) AS records_read
