"""
### Vehicle API download

For day D (the previous UTC day of a scheduled run, the day a backfill's or a manual run's
logical date names, or the `date` param: `pipelines.run_targets`), per endpoint of the vehicle API (`vehicles`,
`sensor-data`):

1. **first_page**: the downloader Lambda fetches page 1 and writes it to S3; its answer
   gives the day's `total_records`, so the number of pages is known.
2. **plan_pages**: pages 2..N become Lambda events, in batches one invocation finishes within
   half its timeout at the API's rate limit shared by the pool's slots
   (`PIPELINES_VEHICLE_API_RATE_LIMIT`, `_PAGE_SECONDS`, `_POOL_SLOTS`); a day needing more
   than `max_map_length` invocations fails before any download.
3. **download_pages**: one mapped `LambdaInvocationOperator` per batch, in the
   `vehicle_api` pool that bounds concurrency against the API. Keys are deterministic
   (`vehicle_api/<endpoint>/creation_date=D/page-NNNNN.jsonl`): a retry overwrites.
4. **check_complete**: records written plus records rejected must equal `total_records`, with
   every page confirmed by a finished download; otherwise the run fails naming the missing
   pages (and which of them a failed batch had written anyway). Rejected records (a field
   missing or of another JSON type, a creation date outside the day) are not in the raw
   partition but in `vehicle_api/_quarantine/<endpoint>/creation_date=D/`, with the reason;
   their count is logged and carried in the asset event.
5. **publish**: pages not part of the checked download are deleted, the day's completion
   manifest is written (`vehicle_api/_manifests/<endpoint>/creation_date=D.json`, which
   processing requires), then one asset event per endpoint, partition key D, extra
   `{"date", "records", "pages", ...}`: once both endpoints have published D, Airflow runs
   `vehicle_api_processing` for D. An incomplete day publishes nothing. The sensor-data
   endpoint publishes after the vehicles endpoint, never at the same moment (Airflow 3.3.1
   can lose a day whose two events arrive together: apache/airflow#71070).

Zero records is a valid, complete day. API credentials never pass through Airflow: the Lambda
reads them from Secrets Manager.

A failed run publishes one event on the project's EventBridge bus (**describe_failure**,
**publish_failure_event**: `pipelines.failure_events`). Composed from `pipelines.recipe`.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from airflow.sdk import TaskGroup, chain, task

from pipelines.lambda_invocation import LambdaInvocationOperator
from pipelines.recipe import pipeline_dag
from pipelines.run_targets import DAY_TARGET
from pipelines.settings import SETTINGS
from pipelines.tasks import fail_fast
from pipelines.timetables import PreviousDayTimetable
from pipelines.vehicle_api.assets import ASSETS
from pipelines.vehicle_api.download import (
    DOWNLOADER_TIMEOUT_SECONDS,
    IncompleteDownloadError,
    completeness,
    first_page_event,
    published_day,
    remaining_page_events,
)
from pipelines.vehicle_api.layout import quarantine_prefix
from pipelines.vehicle_api.raw_days import pages_in_s3, publish_day

log = logging.getLogger(__name__)
# An invocation may run for minutes: wait as long as the function may run (botocore's default
# read timeout is 60 s, and a read timeout re-invokes the function), and let Airflow's retries,
# not botocore's, rerun it.
LAMBDA_CLIENT_CONFIG = {"read_timeout": DOWNLOADER_TIMEOUT_SECONDS + 60, "retries": {"max_attempts": 1}}

with pipeline_dag(
    "vehicle_api_download",
    pipeline="vehicle_api",
    target=DAY_TARGET.asked("Day to download"),
    failure="Vehicle API download failed",
    description="Daily at 01:00 UTC for the previous day: paginated API download into S3 via Lambda.",
    schedule=PreviousDayTimetable(delay=timedelta(hours=1)),
    max_active_runs=3,
    tags=["vehicle_api", "download"],
    doc_md=__doc__,
) as download:
    publishes = []
    for endpoint, asset in ASSETS.items():
        with TaskGroup(group_id=endpoint.replace("-", "_")):
            first_page = LambdaInvocationOperator(
                task_id="first_page",
                aws_conn_id=SETTINGS.aws_conn_id,
                function_name=SETTINGS.vehicle_api_lambda,
                payload=first_page_event(endpoint, "{{ run_target() }}", SETTINGS),
                pool=SETTINGS.vehicle_api_pool,
                botocore_config=LAMBDA_CLIENT_CONFIG,
            )

            @task
            @fail_fast(ValueError)  # a day too big for Airflow's mapping: no retry helps
            def plan_pages(first: str) -> list[str]:
                return [json.dumps(event) for event in remaining_page_events(json.loads(first), SETTINGS)]

            planned = plan_pages(first_page.output)
            download_pages = LambdaInvocationOperator.partial(
                task_id="download_pages",
                aws_conn_id=SETTINGS.aws_conn_id,
                function_name=SETTINGS.vehicle_api_lambda,
                pool=SETTINGS.vehicle_api_pool,
                botocore_config=LAMBDA_CLIENT_CONFIG,
            ).expand(payload=planned)

            # all_done: runs after failed downloads too, to name the missing pages.
            @task(trigger_rule="all_done", multiple_outputs=False)
            @fail_fast(IncompleteDownloadError)
            def check_complete(first: str, rest: list[str], day: str, endpoint: str = endpoint) -> dict:
                summary = completeness(
                    json.loads(first),
                    [json.loads(answer) for answer in rest or []],
                    SETTINGS.vehicle_api_page_size,
                    pages_in_s3=pages_in_s3(endpoint, day),
                )
                if summary["rejected"]:
                    log.warning(
                        "%s %s: %d records rejected, kept in s3://%s/%s",
                        endpoint, day, summary["rejected"], SETTINGS.raw_bucket, quarantine_prefix(endpoint, day),
                    )  # fmt: skip
                return summary

            @task(outlets=[asset], multiple_outputs=False)
            def publish(summary: dict, dag_run=None, outlet_events=None, asset=asset) -> dict:  # noqa: ANN001 - Airflow context
                # The day becomes visible to processing only now: its manifest, then the asset event.
                publish_day(summary, dag_run.run_id)
                outlet_events[asset].extra = summary
                outlet_events[asset].add_partitions(summary["date"])
                return published_day(summary)

            planned >> download_pages
            published = publish(check_complete(first_page.output, download_pages.output, "{{ run_target() }}"))
            publishes.append(download.counted(published))
    # One endpoint's event after the other's, never both at once: Airflow 3.3.1 may file two
    # events of one day that arrive within milliseconds as two pending processing runs, each
    # waiting for the other asset, and never run processing for that day (apache/airflow#71070).
    chain(*publishes)
