"""A crawl as a DAG runs it: wait until the crawler is idle, create or update it from the code's
config, then run it with the provider's operator (deferred while it crawls)."""

from __future__ import annotations

import json
from typing import Any

from airflow.providers.amazon.aws.hooks.glue_crawler import GlueCrawlerHook
from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerRunOperator
from airflow.sdk import task

from pipelines.crawler_errors import log_crawl_error
from pipelines.failure_events import record_error
from pipelines.settings import SETTINGS, Settings


def raw_crawler_config(settings: Settings, suffix: str, raw_prefix: str) -> dict[str, Any]:
    """A raw feed's crawler (``pipelines-<env>-<suffix>``), kept in code: the DAG creates or
    updates it on every run. It registers the raw table (named after the folder) over
    ``s3://<raw bucket>/<raw_prefix>`` and its arrival-hour folders."""
    return {
        "Name": f"pipelines-{settings.env}-{suffix}",
        "Role": settings.glue_role,
        "DatabaseName": settings.raw_database,
        "Targets": {"S3Targets": [{"Path": f"s3://{settings.raw_bucket}/{raw_prefix}"}]},
        # New arrival-hour folders only: crawl time does not grow with the lake's history.
        # Files landing late in a folder already registered are read by Athena anyway.
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
        "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    }


def _meaningful(value: Any) -> Any:
    """``value`` without what GetCrawler adds to what was sent: empty lists, maps and strings
    (the target lists not used, an S3 target's Exclusions) and absent fields."""
    if isinstance(value, dict):
        kept = {key: _meaningful(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, [], {}, "")}
    if isinstance(value, list):
        return [_meaningful(item) for item in value]
    return value


def changed_fields(current: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The fields of ``config`` the crawler ``current`` (as GetCrawler answers) does not have."""
    changed = []
    for key, wanted in config.items():
        have = current.get(key)
        if key == "Configuration" and isinstance(have, str) and isinstance(wanted, str):
            have, wanted = json.loads(have), json.loads(wanted)  # AWS may store it reformatted
        if key != "Name" and _meaningful(have) != _meaningful(wanted):
            changed.append(key)
    return changed


def configure(config: dict[str, Any]) -> str:
    """Create the crawler, or update it when its definition differs from ``config``; say which.

    Not the provider's create and update operators behind a branch: when runs overlap (a
    backfill's), two of them can see no crawler and both create it, and the second fails on
    every retry. Nor the hook's update_crawler alone: it compares GetCrawler's answer key by key
    with the config, and AWS answers with fields that were not sent, so it would update on every
    run, and UpdateCrawler fails while another run's crawl is running."""
    hook = GlueCrawlerHook(aws_conn_id=SETTINGS.aws_conn_id)
    name = config["Name"]
    if not hook.has_crawler(name):
        try:
            hook.create_crawler(**config)
            return "created"
        except hook.glue_client.exceptions.AlreadyExistsException:
            pass  # another run created it meanwhile
    if not changed_fields(hook.get_crawler(name), config):
        return "unchanged"
    hook.glue_client.update_crawler(**config)
    return "updated"


def crawl_tasks(config: dict[str, Any], task_id: str = "crawl_raw") -> tuple[Any, Any, GlueCrawlerRunOperator]:
    """The three tasks ``wait_for_idle_crawler``, ``configure_crawler`` and ``task_id``, unchained."""
    name = config["Name"]

    # GlueCrawlerSensor fails on a crawler that does not exist yet and on an earlier failed
    # crawl; all this run needs is that no crawl is in progress before it starts its own.
    @task.sensor(poke_interval=15, timeout=3600, mode="reschedule")
    def wait_for_idle_crawler() -> bool:
        hook = GlueCrawlerHook(aws_conn_id=SETTINGS.aws_conn_id)
        return not hook.has_crawler(name) or hook.get_crawler(name)["State"] == "READY"

    @task
    def configure_crawler() -> str:
        return configure(config)

    crawl = GlueCrawlerRunOperator(
        task_id=task_id,
        crawler_name=name,
        aws_conn_id=SETTINGS.aws_conn_id,
        deferrable=SETTINGS.deferrable,
        poll_interval=SETTINGS.poll_seconds,
        wait_for_completion=True,
        # A crawl started meanwhile by another run is waited for, not failed on.
        fail_on_already_running=False,
        on_failure_callback=[log_crawl_error, record_error],
        on_retry_callback=log_crawl_error,
    )
    return wait_for_idle_crawler(), configure_crawler(), crawl
