"""
### Vehicle API download

For day D (the previous UTC day of a scheduled run, the logical date's day of a backfill or of
a manual run at a date, or the `date` param), per endpoint of the vehicle API (`vehicles`,
`sensor-data`):

1. **first_page**: the downloader Lambda fetches page 1 and writes it to S3; its answer
   gives the day's `total_records`, so the number of pages is known.
2. **plan_pages**: pages 2..N become Lambda events, in batches one invocation finishes within
   half its timeout at the API's rate limit shared by the pool's slots
   (`PIPELINES_VEHICLE_API_RATE_LIMIT`, `_PAGE_SECONDS`, `_POOL_SLOTS`); a day needing more
   than `max_map_length` invocations fails before any download.
3. **download_pages**: one mapped `LambdaInvokeFunctionOperator` per batch, in the
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
   `vehicle_api_processing` for D. An incomplete day publishes nothing.

Zero records is a valid, complete day. API credentials never pass through Airflow: the Lambda
reads them from Secrets Manager.

A failed run publishes one event on the project's EventBridge bus (**describe_failure**,
**publish_failure_event**: `pipelines.failure_events`, README "Failure events").
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.lambda_function import LambdaInvokeFunctionOperator
from airflow.sdk import DAG, TaskGroup, task

from pipelines.dag_defaults import DAILY_MACROS, RUN_DAY, default_args
from pipelines.failure_events import failure_event
from pipelines.settings import SETTINGS
from pipelines.tasks import day_param, fail_fast
from pipelines.timetables import PreviousDayTimetable
from pipelines.vehicle_api.assets import ASSETS
from pipelines.vehicle_api.download import (
    DOWNLOADER_TIMEOUT_SECONDS,
    IncompleteDownloadError,
    completeness,
    first_page_event,
    remaining_page_events,
)
from pipelines.vehicle_api.layout import day_prefix, page_number, quarantine_prefix
from pipelines.vehicle_api.manifests import manifest, manifest_key, stale_pages, stale_quarantine

log = logging.getLogger(__name__)
# An invocation may run for minutes: wait as long as the function may run (botocore's default
# read timeout is 60 s, and a read timeout re-invokes the function), and let Airflow's retries,
# not botocore's, rerun it.
LAMBDA_CLIENT_CONFIG = {"read_timeout": DOWNLOADER_TIMEOUT_SECONDS + 60, "retries": {"max_attempts": 1}}

with DAG(
    dag_id="vehicle_api_download",
    description="Daily at 01:00 UTC for the previous day: paginated API download into S3 via Lambda.",
    schedule=PreviousDayTimetable(delay=timedelta(hours=1)),
    catchup=False,
    max_active_runs=3,
    tags=["vehicle_api", "download"],
    doc_md=__doc__,
    default_args=default_args(),
    user_defined_macros=DAILY_MACROS,
    params={"date": day_param("Day to download (YYYY-MM-DD)")},
) as dag:
    for endpoint, asset in ASSETS.items():
        with TaskGroup(group_id=endpoint.replace("-", "_")):
            first_page = LambdaInvokeFunctionOperator(
                task_id="first_page",
                aws_conn_id=SETTINGS.aws_conn_id,
                function_name=SETTINGS.vehicle_api_lambda,
                payload=first_page_event(endpoint, RUN_DAY, SETTINGS),
                pool=SETTINGS.vehicle_api_pool,
                botocore_config=LAMBDA_CLIENT_CONFIG,
            )

            @task
            @fail_fast(ValueError)  # a day too big for Airflow's mapping: no retry helps
            def plan_pages(first: str, endpoint: str = endpoint) -> list[str]:
                return [json.dumps(event) for event in remaining_page_events(json.loads(first), SETTINGS)]

            planned = plan_pages(first_page.output)
            download_pages = LambdaInvokeFunctionOperator.partial(
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
                in_s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).list_keys(
                    SETTINGS.raw_bucket, prefix=day_prefix(endpoint, day)
                )
                summary = completeness(
                    json.loads(first),
                    [json.loads(answer) for answer in rest or []],
                    SETTINGS.vehicle_api_page_size,
                    pages_in_s3={page_number(key) for key in in_s3 or []},
                )
                if summary["rejected"]:
                    log.warning(
                        "%s %s: %d records rejected, kept in s3://%s/%s",
                        endpoint, day, summary["rejected"], SETTINGS.raw_bucket, quarantine_prefix(endpoint, day),
                    )  # fmt: skip
                return summary

            checked = check_complete(first_page.output, download_pages.output, RUN_DAY)

            @task(outlets=[asset], multiple_outputs=False)
            def publish(summary: dict, dag_run=None, outlet_events=None, asset=asset) -> dict:  # noqa: ANN001 - Airflow context
                # The day becomes visible to processing only now: pages no longer part of it
                # go, then its completion manifest is written, then the asset event.
                s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id)
                prefix = day_prefix(summary["endpoint"], summary["date"])
                stale = stale_pages(summary, s3.list_keys(SETTINGS.raw_bucket, prefix=prefix) or [])
                quarantined = quarantine_prefix(summary["endpoint"], summary["date"])
                stale += stale_quarantine(summary, s3.list_keys(SETTINGS.raw_bucket, prefix=quarantined) or [])
                if stale:
                    s3.delete_objects(SETTINGS.raw_bucket, stale)
                key = manifest_key(summary["endpoint"], summary["date"])
                s3.load_string(manifest(summary, dag_run.run_id), key, SETTINGS.raw_bucket, replace=True)
                outlet_events[asset].extra = summary
                outlet_events[asset].add_partitions(summary["date"])
                return summary

            planned >> download_pages
            publish(checked)
    failure_event(
        dag, source="pipelines.vehicle_api", detail_type="Vehicle API download failed", target={"target_day": RUN_DAY}
    )
