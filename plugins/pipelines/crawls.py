"""A crawl as a DAG runs it: wait until the crawler is idle, create or update it from the code's
config, then run it with the provider's operator (deferred while it crawls)."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.hooks.glue_crawler import GlueCrawlerHook
from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerRunOperator
from airflow.sdk import task

from pipelines.crawler_errors import log_crawl_error
from pipelines.failure_events import record_error
from pipelines.settings import SETTINGS


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
        # Not the provider's create and update operators behind a branch: when runs overlap (a
        # backfill's), two of them can see no crawler and both create it, and the second fails on
        # every retry. The provider's hook creates, and updates only a config that differs, so
        # whichever run comes first, the others find the crawler as this code defines it.
        hook = GlueCrawlerHook(aws_conn_id=SETTINGS.aws_conn_id)
        if not hook.has_crawler(name):
            try:
                hook.create_crawler(**config)
                return "created"
            except hook.glue_client.exceptions.AlreadyExistsException:
                pass  # another run created it meanwhile
        return "updated" if hook.update_crawler(**config) else "unchanged"

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
