"""
### Traffic batch (Flanders traffic detectors)

For day D: the previous UTC day of a scheduled run, the logical date's day of a backfill or of a
manual run at a date (`airflow dags test traffic_batch 2020-07-14`), or the `date` param:

1. **wait_for_idle_crawler**, **configure_crawler** (created or updated: the config is kept in
   code), then **crawl_raw**: the Glue crawler
   registers the new arrival-hour folders of `s3://<raw bucket>/traffic/YYYY/MM/DD/HH/` in the
   raw table `traffic`.
2. **create_tables** (Athena DDL for the tables the catalog does not hold yet): `traffic_lines`
   (the raw files as text), the processed table, the quarantine `traffic_rejects` and their
   attempts tables (one template each); **add_line_partitions**: the
   arrival hours D reads (D-1 23h for the 10-minute windows, all of D, D+1 00-06h for late
   records).
3. **insert_day** and **insert_rejects** (Athena): every raw line is judged on its own; D's rows
   are computed from the good records into this try's own partition of
   `traffic_processed_attempts`, and the records rejected (malformed JSON, a field missing, a
   value not an integer: nothing is rounded) are kept verbatim with the reason in this try's
   partition of `traffic_rejects_attempts`. A retry writes a new attempt, never adds to an old one.
4. **find_traffic_processed_attempt**, **find_traffic_rejects_attempt**, **check_query**,
   **check_day**: the attempt must have rows, no duplicate
   (uniqueid, recordtimestamp) and indicators within their domain; otherwise the run fails and
   the published day stays as it was. The rejected count is logged and returned.
5. **publish_day**: D's partitions of `traffic_rejects` and `traffic_processed` are switched to
   the checked attempts, one Glue call each (readers see the old day or the new one, never an
   empty or doubled one); the previous locations and this run's other tries are deleted.

Runs at 07:30 UTC: records arrive up to 6 hours late (until 06:00 of D+1) and Firehose
buffers up to 15 minutes more. SQL: `include/sql/traffic/`; the mechanism: `pipelines.partitions`.

A failed run publishes one event on the project's EventBridge bus (**describe_failure**,
**publish_failure_event**: `pipelines.failure_events`). Composed from `pipelines.recipe`.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import chain

from pipelines.recipe import pipeline_dag
from pipelines.run_targets import DAY_TARGET
from pipelines.settings import SETTINGS
from pipelines.timetables import PreviousDayTimetable
from pipelines.traffic.checks import ProcessedDayError, check_day
from pipelines.traffic.tables import PROCESSED_TABLE, PUBLISHED, REJECTS_TABLE, covered, crawler_config

with pipeline_dag(
    "traffic_batch",
    pipeline="traffic",
    target=DAY_TARGET.asked("Day to process"),
    failure="Traffic batch failed",
    description="Daily at 07:30 UTC for the previous day: crawler, then Athena ETL repartitioned by event time.",
    schedule=PreviousDayTimetable(delay=timedelta(hours=7, minutes=30)),
    max_active_runs=1,  # one crawler and one writer of the processed table at a time
    tags=["traffic", "athena", "glue"],
    doc_md=__doc__,
) as traffic:
    crawl = traffic.crawl(crawler_config(SETTINGS))
    creates = traffic.create_tables(PROCESSED_TABLE, REJECTS_TABLE, statements=["create_lines_table"])
    add_line_partitions = traffic.sql("add_line_partitions")
    inserts = [traffic.sql("insert_day"), traffic.sql("insert_rejects")]
    # A day without rejects writes no quarantine partition: an empty attempt.
    attempts = traffic.find_attempts([PROCESSED_TABLE, REJECTS_TABLE], required=[PROCESSED_TABLE])
    check_query = traffic.sql("check_query", "checks/attempt_problems")
    checked = traffic.check("check_day", check_query, check_day, errors=[ProcessedDayError])
    published = traffic.publish(PUBLISHED, covered, task_id="publish_day")

    chain(*crawl, creates, add_line_partitions, inserts)
    chain(inserts, attempts)  # pairwise: each INSERT, then the find of its attempt
    chain(attempts, check_query, checked, published)
