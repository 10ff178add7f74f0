{#
Uber Movement, check before publishing: one row per arrival hour of the run's attempt at
`travel_times` (pipelines.uber_movement.checks compares it with the Glue job's report). The run
fails, and publishes nothing, unless each hour has the job's row count, no replay_id appears
twice in the attempt, and none is already published in another hour.
- arrival_hour, row_count, distinct_replay_ids, published_elsewhere
Template variables: params.lake_database, attempt_of() (pipelines.recipe), run_target() (the
run's hours, YYYY-MM-DDTHH: pipelines.run_targets; arrival_hour values are YYYY-MM-DD-HH).
#}
{%- set attempt = attempt_of("travel_times") %}
{%- set hours = run_target() | map("replace", "T", "-") | list %}
SELECT
  a.arrival_hour,
  count(*) AS row_count,
  count(DISTINCT a.replay_id) AS distinct_replay_ids,
  count(p.replay_id) AS published_elsewhere
FROM "{{ params.lake_database }}"."travel_times_attempts" a
LEFT JOIN (
  SELECT DISTINCT replay_id FROM "{{ params.lake_database }}"."travel_times"
  WHERE arrival_hour NOT IN ({% for hour in hours %}'{{ hour }}'{{ ", " if not loop.last }}{% endfor %})
) p ON p.replay_id = a.replay_id
WHERE a.attempt = '{{ attempt }}'
GROUP BY a.arrival_hour
ORDER BY a.arrival_hour
